#define BOOST_TEST_MODULE broker_core
#include <boost/test/unit_test.hpp>

#include "actors/bus/broker_core.hpp"

#include <string>
#include <vector>

namespace {

using boa::bus::broker_core;
using boa::bus::delivery;
using boa::bus::settlement;
using boa::protocol::envelope;

envelope message(const std::string& address, const std::string& body) {
  envelope e;
  e.address = address;
  e.subject = "test";
  e.body = body;
  return e;
}

/// Collects what the broker hands to one subscription, in delivery order.
struct inbox {
  std::vector<delivery> received;

  boa::bus::deliver_fn sink() {
    return [this](delivery d) { received.push_back(std::move(d)); };
  }
  std::vector<std::string> bodies() const {
    std::vector<std::string> out;
    for (const auto& d : received)
      out.push_back(d.message.body);
    return out;
  }
};

std::uint64_t subscribe(broker_core& broker, const std::string& address, std::uint32_t credit,
                        inbox& to, std::uint64_t session = 0) {
  auto id = broker.subscribe(address, credit, to.sink(), session);
  BOOST_REQUIRE(id.has_value());
  return *id;
}

void publish(broker_core& broker, const std::string& address, const std::string& body) {
  auto ok = broker.publish(message(address, body));
  BOOST_REQUIRE(ok.has_value());
}

using strings = std::vector<std::string>;

} // namespace

BOOST_AUTO_TEST_SUITE(queues)

BOOST_AUTO_TEST_CASE(competing_consumers_on_a_queue_receive_messages_round_robin) {
  broker_core broker;
  inbox a, b;
  auto sa = subscribe(broker, "queue:work", 10, a);
  auto sb = subscribe(broker, "queue:work", 10, b);
  for (auto body : {"1", "2", "3", "4"})
    publish(broker, "queue:work", body);
  BOOST_TEST(a.bodies() == (strings{"1", "3"}), boost::test_tools::per_element());
  BOOST_TEST(b.bodies() == (strings{"2", "4"}), boost::test_tools::per_element());
  for (const auto& d : a.received)
    BOOST_TEST(d.subscription == sa);
  for (const auto& d : b.received)
    BOOST_TEST(d.subscription == sb);
  auto stats = broker.stats("queue:work");
  BOOST_TEST(stats.ready == 0u);
  BOOST_TEST(stats.unsettled == 4u);
  BOOST_TEST(stats.consumers == 2u);
}

BOOST_AUTO_TEST_CASE(a_consumer_receives_no_more_messages_than_its_credit) {
  broker_core broker;
  inbox a;
  subscribe(broker, "queue:work", 2, a);
  for (auto body : {"1", "2", "3"})
    publish(broker, "queue:work", body);
  BOOST_TEST(a.bodies() == (strings{"1", "2"}), boost::test_tools::per_element());
  auto stats = broker.stats("queue:work");
  BOOST_TEST(stats.ready == 1u);
  BOOST_TEST(stats.unsettled == 2u);
}

BOOST_AUTO_TEST_CASE(settling_does_not_restore_credit) {
  broker_core broker;
  inbox a;
  subscribe(broker, "queue:work", 1, a);
  publish(broker, "queue:work", "1");
  publish(broker, "queue:work", "2");
  BOOST_REQUIRE(a.received.size() == 1u);
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::accept));
  BOOST_TEST(a.received.size() == 1u);
  BOOST_TEST(broker.stats("queue:work").ready == 1u);
}

BOOST_AUTO_TEST_CASE(a_busy_consumer_is_skipped_in_favour_of_one_with_credit) {
  broker_core broker;
  inbox a, b;
  subscribe(broker, "queue:work", 1, a);
  subscribe(broker, "queue:work", 5, b);
  for (auto body : {"1", "2", "3"})
    publish(broker, "queue:work", body);
  BOOST_TEST(a.bodies() == (strings{"1"}), boost::test_tools::per_element());
  BOOST_TEST(b.bodies() == (strings{"2", "3"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(adding_credit_resumes_delivery_of_waiting_messages) {
  broker_core broker;
  inbox a;
  auto sa = subscribe(broker, "queue:work", 0, a);
  for (auto body : {"1", "2", "3"})
    publish(broker, "queue:work", body);
  BOOST_TEST(a.received.empty());
  broker.add_credit(sa, 2);
  BOOST_TEST(a.bodies() == (strings{"1", "2"}), boost::test_tools::per_element());
  broker.add_credit(sa, 5);
  BOOST_TEST(a.bodies() == (strings{"1", "2", "3"}), boost::test_tools::per_element());
  BOOST_TEST(broker.stats("queue:work").ready == 0u);
}

BOOST_AUTO_TEST_CASE(
    a_message_published_before_any_subscriber_waits_and_is_delivered_on_subscribe) {
  broker_core broker;
  publish(broker, "queue:work", "early");
  auto waiting = broker.stats("queue:work");
  BOOST_TEST(waiting.ready == 1u);
  BOOST_TEST(waiting.consumers == 0u);
  inbox a;
  subscribe(broker, "queue:work", 1, a);
  BOOST_REQUIRE(a.received.size() == 1u);
  BOOST_TEST(a.received[0].message.body == "early");
  BOOST_TEST(a.received[0].message.address == "queue:work");
  BOOST_TEST(a.received[0].message.delivery_count == 0u);
}

BOOST_AUTO_TEST_CASE(accepting_a_delivery_makes_the_broker_forget_the_message) {
  broker_core broker;
  inbox a;
  subscribe(broker, "queue:work", 1, a);
  publish(broker, "queue:work", "1");
  BOOST_REQUIRE(a.received.size() == 1u);
  BOOST_TEST(broker.stats("queue:work").unsettled == 1u);
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::accept));
  auto stats = broker.stats("queue:work");
  BOOST_TEST(stats.ready == 0u);
  BOOST_TEST(stats.unsettled == 0u);
  BOOST_TEST(stats.consumers == 1u);
  BOOST_TEST(broker.queue_names().empty());
}

BOOST_AUTO_TEST_CASE(
    a_released_message_goes_back_to_the_head_of_its_queue_with_its_delivery_count_incremented) {
  broker_core broker;
  inbox a;
  auto sa = subscribe(broker, "queue:work", 1, a);
  publish(broker, "queue:work", "1");
  publish(broker, "queue:work", "2");
  BOOST_REQUIRE(a.received.size() == 1u);
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::release));
  auto stats = broker.stats("queue:work");
  BOOST_TEST(stats.ready == 2u);
  BOOST_TEST(stats.unsettled == 0u);
  broker.add_credit(sa, 2);
  BOOST_TEST(a.bodies() == (strings{"1", "1", "2"}), boost::test_tools::per_element());
  BOOST_TEST(a.received[1].message.delivery_count == 1u);
  BOOST_TEST(a.received[2].message.delivery_count == 0u);
  BOOST_TEST(a.received[1].tag != a.received[0].tag);
}

BOOST_AUTO_TEST_CASE(a_released_message_is_redelivered_at_once_to_a_consumer_with_credit) {
  broker_core broker;
  inbox a;
  subscribe(broker, "queue:work", 2, a);
  publish(broker, "queue:work", "1");
  BOOST_REQUIRE(a.received.size() == 1u);
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::release));
  BOOST_REQUIRE(a.received.size() == 2u);
  BOOST_TEST(a.received[1].message.body == "1");
  BOOST_TEST(a.received[1].message.delivery_count == 1u);
}

BOOST_AUTO_TEST_CASE(a_released_message_goes_to_another_consumer_when_the_first_has_no_credit) {
  broker_core broker;
  inbox a, b;
  subscribe(broker, "queue:work", 1, a);
  publish(broker, "queue:work", "1");
  BOOST_REQUIRE(a.received.size() == 1u);
  subscribe(broker, "queue:work", 5, b);
  BOOST_TEST(b.received.empty());
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::release));
  BOOST_TEST(a.received.size() == 1u);
  BOOST_REQUIRE(b.received.size() == 1u);
  BOOST_TEST(b.received[0].message.body == "1");
  BOOST_TEST(b.received[0].message.delivery_count == 1u);
}

BOOST_AUTO_TEST_CASE(unsubscribing_releases_the_consumers_unsettled_deliveries_in_order) {
  broker_core broker;
  inbox a, b;
  auto sa = subscribe(broker, "queue:work", 3, a);
  for (auto body : {"1", "2", "3", "4"})
    publish(broker, "queue:work", body);
  BOOST_REQUIRE(a.received.size() == 3u);
  BOOST_TEST(broker.settle(a.received[1].tag, settlement::accept));
  broker.unsubscribe(sa);
  auto stats = broker.stats("queue:work");
  BOOST_TEST(stats.ready == 3u);
  BOOST_TEST(stats.unsettled == 0u);
  BOOST_TEST(stats.consumers == 0u);
  BOOST_TEST(!broker.settle(a.received[0].tag, settlement::accept));

  subscribe(broker, "queue:work", 10, b);
  BOOST_TEST(b.bodies() == (strings{"1", "3", "4"}), boost::test_tools::per_element());
  BOOST_REQUIRE(b.received.size() == 3u);
  BOOST_TEST(b.received[0].message.delivery_count == 1u);
  BOOST_TEST(b.received[1].message.delivery_count == 1u);
  BOOST_TEST(b.received[2].message.delivery_count == 0u);
}

BOOST_AUTO_TEST_CASE(unsubscribing_hands_released_deliveries_to_the_remaining_consumers) {
  broker_core broker;
  inbox a, b;
  auto sa = subscribe(broker, "queue:work", 1, a);
  auto sb = subscribe(broker, "queue:work", 0, b);
  publish(broker, "queue:work", "1");
  BOOST_REQUIRE(a.received.size() == 1u);
  broker.unsubscribe(sa);
  BOOST_TEST(b.received.empty());
  broker.add_credit(sb, 1);
  BOOST_REQUIRE(b.received.size() == 1u);
  BOOST_TEST(b.received[0].message.body == "1");
  BOOST_TEST(b.received[0].message.delivery_count == 1u);
}

BOOST_AUTO_TEST_CASE(closing_a_session_drops_its_subscriptions_and_releases_their_deliveries) {
  broker_core broker;
  constexpr std::uint64_t crashed = 7;
  constexpr std::uint64_t survivor = 8;
  inbox jobs, joins, events, other;
  subscribe(broker, "queue:jobs", 5, jobs, crashed);
  subscribe(broker, "queue:joins", 5, joins, crashed);
  subscribe(broker, "topic:events", 5, events, crashed);
  auto kept = subscribe(broker, "queue:jobs", 0, other, survivor);
  publish(broker, "queue:jobs", "job-1");
  publish(broker, "queue:jobs", "job-2");
  publish(broker, "queue:joins", "branch");
  publish(broker, "topic:events", "event-1");
  BOOST_REQUIRE(jobs.received.size() == 2u);
  BOOST_REQUIRE(joins.received.size() == 1u);
  BOOST_REQUIRE(events.received.size() == 1u);

  broker.close_session(crashed);

  auto job_stats = broker.stats("queue:jobs");
  BOOST_TEST(job_stats.ready == 2u);
  BOOST_TEST(job_stats.unsettled == 0u);
  BOOST_TEST(job_stats.consumers == 1u);
  auto join_stats = broker.stats("queue:joins");
  BOOST_TEST(join_stats.ready == 1u);
  BOOST_TEST(join_stats.consumers == 0u);
  BOOST_TEST(!broker.settle(jobs.received[0].tag, settlement::accept));
  BOOST_TEST(!broker.settle(events.received[0].tag, settlement::accept));

  publish(broker, "topic:events", "event-2");
  BOOST_TEST(events.received.size() == 1u);
  publish(broker, "queue:jobs", "job-3");
  BOOST_TEST(jobs.received.size() == 2u);

  broker.add_credit(kept, 10);
  BOOST_TEST(other.bodies() == (strings{"job-1", "job-2", "job-3"}),
             boost::test_tools::per_element());
  BOOST_REQUIRE(other.received.size() == 3u);
  BOOST_TEST(other.received[0].message.delivery_count == 1u);
  BOOST_TEST(other.received[2].message.delivery_count == 0u);
}

BOOST_AUTO_TEST_CASE(closing_a_session_leaves_other_sessions_subscribed) {
  broker_core broker;
  inbox gone, kept;
  subscribe(broker, "queue:work", 5, gone, 1);
  subscribe(broker, "queue:work", 5, kept, 2);
  broker.close_session(1);
  BOOST_TEST(broker.stats("queue:work").consumers == 1u);
  publish(broker, "queue:work", "1");
  publish(broker, "queue:work", "2");
  BOOST_TEST(gone.received.empty());
  BOOST_TEST(kept.bodies() == (strings{"1", "2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rejecting_moves_the_message_to_the_dead_letter_queue_with_the_reason) {
  broker_core broker;
  inbox a, dead;
  subscribe(broker, "queue:work", 1, a);
  publish(broker, "queue:work", "garbage");
  BOOST_REQUIRE(a.received.size() == 1u);
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::reject, "cannot decode job"));
  auto work = broker.stats("queue:work");
  BOOST_TEST(work.ready == 0u);
  BOOST_TEST(work.unsettled == 0u);
  BOOST_TEST(broker.stats(boa::protocol::addresses::dead).ready == 1u);
  BOOST_TEST(broker.queue_names() == (strings{boa::protocol::addresses::dead}),
             boost::test_tools::per_element());

  subscribe(broker, boa::protocol::addresses::dead, 1, dead);
  BOOST_REQUIRE(dead.received.size() == 1u);
  const auto& m = dead.received[0].message;
  BOOST_TEST(m.address == boa::protocol::addresses::dead);
  BOOST_TEST(m.body == "garbage");
  BOOST_TEST(m.subject == "test");
  BOOST_TEST(m.dead_letter_reason == "cannot decode job");
}

BOOST_AUTO_TEST_CASE(rejecting_without_a_reason_gives_a_reason_naming_the_original_address) {
  broker_core broker;
  inbox a, dead;
  subscribe(broker, "queue:boa.jobs", 1, a);
  subscribe(broker, boa::protocol::addresses::dead, 1, dead);
  publish(broker, "queue:boa.jobs", "x");
  BOOST_REQUIRE(a.received.size() == 1u);
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::reject));
  BOOST_REQUIRE(dead.received.size() == 1u);
  const auto& reason = dead.received[0].message.dead_letter_reason;
  BOOST_TEST(!reason.empty());
  BOOST_TEST(reason.find("queue:boa.jobs") != std::string::npos, "reason: " << reason);
}

BOOST_AUTO_TEST_CASE(settling_an_unknown_or_already_settled_tag_returns_false) {
  broker_core broker;
  inbox a;
  subscribe(broker, "queue:work", 5, a);
  BOOST_TEST(!broker.settle(12345, settlement::accept));
  publish(broker, "queue:work", "1");
  publish(broker, "queue:work", "2");
  BOOST_REQUIRE(a.received.size() == 2u);
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::accept));
  BOOST_TEST(!broker.settle(a.received[0].tag, settlement::accept));
  BOOST_TEST(!broker.settle(a.received[0].tag, settlement::release));
  BOOST_TEST(!broker.settle(a.received[0].tag, settlement::reject, "late"));
  BOOST_TEST(a.received.size() == 2u);
  BOOST_TEST(broker.stats(boa::protocol::addresses::dead).ready == 0u);
  auto stats = broker.stats("queue:work");
  BOOST_TEST(stats.ready == 0u);
  BOOST_TEST(stats.unsettled == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(topics)

BOOST_AUTO_TEST_CASE(each_topic_subscription_gets_its_own_copy) {
  broker_core broker;
  inbox a, b, elsewhere;
  subscribe(broker, "topic:events", 5, a);
  subscribe(broker, "topic:events", 5, b);
  subscribe(broker, "topic:other", 5, elsewhere);
  publish(broker, "topic:events", "e1");
  publish(broker, "topic:events", "e2");
  BOOST_TEST(a.bodies() == (strings{"e1", "e2"}), boost::test_tools::per_element());
  BOOST_TEST(b.bodies() == (strings{"e1", "e2"}), boost::test_tools::per_element());
  BOOST_TEST(elsewhere.received.empty());
  BOOST_REQUIRE(a.received.size() == 2u);
  BOOST_TEST(a.received[0].message.address == "topic:events");
  BOOST_TEST(a.received[0].tag != b.received[0].tag);

  // Settling one copy leaves the other subscription's copy alone.
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::release));
  BOOST_TEST(a.received.size() == 3u);
  BOOST_TEST(b.received.size() == 2u);
  BOOST_TEST(broker.settle(b.received[0].tag, settlement::accept));
  BOOST_TEST(!broker.settle(b.received[0].tag, settlement::accept));
}

BOOST_AUTO_TEST_CASE(a_topic_subscription_receives_within_its_credit_and_keeps_the_rest) {
  broker_core broker;
  inbox a;
  auto sa = subscribe(broker, "topic:events", 1, a);
  publish(broker, "topic:events", "e1");
  publish(broker, "topic:events", "e2");
  BOOST_TEST(a.bodies() == (strings{"e1"}), boost::test_tools::per_element());
  broker.add_credit(sa, 1);
  BOOST_TEST(a.bodies() == (strings{"e1", "e2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_topic_without_subscribers_drops_the_message) {
  broker_core broker;
  publish(broker, "topic:events", "lost");
  BOOST_TEST(broker.queue_names().empty());
  inbox late;
  subscribe(broker, "topic:events", 5, late);
  BOOST_TEST(late.received.empty());
  publish(broker, "topic:events", "seen");
  BOOST_TEST(late.bodies() == (strings{"seen"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unsubscribing_a_topic_subscription_drops_its_pending_copies) {
  broker_core broker;
  inbox a, b;
  auto sa = subscribe(broker, "topic:events", 1, a);
  subscribe(broker, "topic:events", 0, b);
  publish(broker, "topic:events", "e1");
  publish(broker, "topic:events", "e2");
  BOOST_REQUIRE(a.received.size() == 1u);
  BOOST_TEST(!broker.queue_names().empty());

  broker.unsubscribe(sa);
  BOOST_TEST(!broker.settle(a.received[0].tag, settlement::accept));
  BOOST_TEST(a.received.size() == 1u);
  // Only b's two pending copies remain anywhere.
  std::size_t ready = 0;
  for (const auto& name : broker.queue_names())
    ready += broker.stats(name).ready + broker.stats(name).unsettled;
  BOOST_TEST(ready == 2u);

  inbox c;
  subscribe(broker, "topic:events", 5, c);
  BOOST_TEST(c.received.empty());
  publish(broker, "topic:events", "e3");
  BOOST_TEST(a.received.size() == 1u);
  BOOST_TEST(c.bodies() == (strings{"e3"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unsubscribing_the_last_topic_subscription_leaves_no_queue_behind) {
  broker_core broker;
  inbox a;
  auto sa = subscribe(broker, "topic:events", 0, a);
  publish(broker, "topic:events", "e1");
  BOOST_TEST(broker.queue_names().size() == 1u);
  broker.unsubscribe(sa);
  BOOST_TEST(broker.queue_names().empty());
  publish(broker, "topic:events", "e2");
  BOOST_TEST(broker.queue_names().empty());
  BOOST_TEST(a.received.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(addresses_and_diagnostics)

BOOST_AUTO_TEST_CASE(
    addresses_without_a_queue_or_topic_prefix_are_refused_with_an_error_naming_them) {
  broker_core broker;
  for (std::string bad : {"boa.jobs", "queue:", "topic:", "", "Queue:x", "exchange:x"}) {
    auto published = broker.publish(message(bad, "x"));
    BOOST_TEST_CONTEXT("address '" << bad << "'") {
      BOOST_REQUIRE(!published.has_value());
      BOOST_TEST((published.error().code == boa::errc::invalid_input));
      BOOST_TEST(published.error().message.find("'" + bad + "'") != std::string::npos,
                 published.error().message);
      auto subscribed = broker.subscribe(bad, 1, [](delivery) {});
      BOOST_REQUIRE(!subscribed.has_value());
      BOOST_TEST(subscribed.error().message.find("'" + bad + "'") != std::string::npos,
                 subscribed.error().message);
    }
  }
  BOOST_TEST(broker.queue_names().empty());
}

BOOST_AUTO_TEST_CASE(queue_names_lists_only_queues_holding_or_owing_messages) {
  broker_core broker;
  inbox owing, idle, done;
  publish(broker, "queue:holding", "1");
  subscribe(broker, "queue:owing", 1, owing);
  publish(broker, "queue:owing", "2");
  subscribe(broker, "queue:idle", 1, idle);
  subscribe(broker, "queue:done", 1, done);
  publish(broker, "queue:done", "3");
  BOOST_REQUIRE(done.received.size() == 1u);
  BOOST_TEST(broker.settle(done.received[0].tag, settlement::accept));
  BOOST_TEST(broker.queue_names() == (strings{"queue:holding", "queue:owing"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_per_job_queue_that_becomes_empty_and_unused_disappears) {
  broker_core broker;
  const auto join = boa::protocol::addresses::join_queue("job-1", "split-1");
  publish(broker, join, "branch-1");
  BOOST_TEST(broker.queue_names() == (strings{join}), boost::test_tools::per_element());
  inbox waiter;
  auto sub = subscribe(broker, join, 5, waiter);
  BOOST_REQUIRE(waiter.received.size() == 1u);
  BOOST_TEST(broker.queue_names() == (strings{join}), boost::test_tools::per_element());
  BOOST_TEST(broker.settle(waiter.received[0].tag, settlement::accept));
  BOOST_TEST(broker.queue_names().empty());
  broker.unsubscribe(sub);
  BOOST_TEST(broker.queue_names().empty());
  auto stats = broker.stats(join);
  BOOST_TEST(stats.ready == 0u);
  BOOST_TEST(stats.unsettled == 0u);
  BOOST_TEST(stats.consumers == 0u);

  // The same address works again after the queue was forgotten.
  publish(broker, join, "branch-2");
  BOOST_TEST(broker.stats(join).ready == 1u);
  inbox again;
  subscribe(broker, join, 5, again);
  BOOST_TEST(again.bodies() == (strings{"branch-2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_queue_whose_consumer_leaves_with_unsettled_deliveries_keeps_them) {
  broker_core broker;
  const auto reduce = boa::protocol::addresses::reduce_queue("job-1", "map-1");
  inbox waiter;
  auto sub = subscribe(broker, reduce, 5, waiter);
  publish(broker, reduce, "sub-1");
  broker.unsubscribe(sub);
  BOOST_TEST(broker.queue_names() == (strings{reduce}), boost::test_tools::per_element());
  BOOST_TEST(broker.stats(reduce).ready == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(time_to_live)

namespace {

/// A clock the test moves by hand.
struct fake_clock {
  std::int64_t now = 1000;
  boa::bus::clock_fn fn() {
    return [this] { return now; };
  }
};

envelope with_ttl(const std::string& address, const std::string& body, std::uint32_t ttl_ms) {
  auto e = message(address, body);
  e.ttl_ms = ttl_ms;
  return e;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_message_undelivered_past_its_ttl_is_dropped_and_counted) {
  fake_clock clock;
  broker_core broker{clock.fn()};
  BOOST_REQUIRE(broker.publish(with_ttl("queue:beats", "old", 300)).has_value());
  publish(broker, "queue:beats", "forever");
  clock.now += 300;
  inbox a;
  subscribe(broker, "queue:beats", 5, a);
  BOOST_TEST(a.bodies() == (strings{"forever"}), boost::test_tools::per_element());
  auto stats = broker.stats("queue:beats");
  BOOST_TEST(stats.expired == 1u);
  BOOST_TEST(stats.ready == 0u);
  BOOST_TEST(stats.unsettled == 1u);
}

BOOST_AUTO_TEST_CASE(a_message_is_delivered_until_its_deadline) {
  fake_clock clock;
  broker_core broker{clock.fn()};
  BOOST_REQUIRE(broker.publish(with_ttl("queue:beats", "fresh", 300)).has_value());
  clock.now += 299;
  inbox a;
  subscribe(broker, "queue:beats", 5, a);
  BOOST_TEST(a.bodies() == (strings{"fresh"}), boost::test_tools::per_element());
  BOOST_TEST(a.received.at(0).message.ttl_ms == 300u);
  BOOST_TEST(broker.stats("queue:beats").expired == 0u);
}

BOOST_AUTO_TEST_CASE(an_expired_message_is_not_dead_lettered) {
  fake_clock clock;
  broker_core broker{clock.fn()};
  BOOST_REQUIRE(broker.publish(with_ttl("queue:beats", "old", 10)).has_value());
  clock.now += 10;
  inbox a, dead;
  subscribe(broker, "queue:beats", 5, a);
  subscribe(broker, boa::protocol::addresses::dead, 5, dead);
  BOOST_TEST(a.received.empty());
  BOOST_TEST(dead.received.empty());
  BOOST_TEST(broker.stats("queue:beats").expired == 1u);
}

BOOST_AUTO_TEST_CASE(expired_messages_do_not_pile_up_behind_a_consumer_without_credit) {
  fake_clock clock;
  broker_core broker{clock.fn()};
  inbox slow;
  auto sub = subscribe(broker, "queue:beats", 0, slow);
  for (int i = 0; i < 5; ++i) {
    BOOST_REQUIRE(broker.publish(with_ttl("queue:beats", std::to_string(i), 100)).has_value());
    clock.now += 60;
  }
  // Beats 0..2 had expired by the last publish, which dropped them from the queue.
  auto stats = broker.stats("queue:beats");
  BOOST_TEST(stats.ready == 2u);
  BOOST_TEST(stats.expired == 3u);
  // Beat 3 has expired by now too.
  broker.add_credit(sub, 5);
  BOOST_TEST(slow.bodies() == (strings{"4"}), boost::test_tools::per_element());
  BOOST_TEST(broker.stats("queue:beats").expired == 4u);
}

BOOST_AUTO_TEST_CASE(topic_copies_expire_in_each_subscription_queue_on_their_own) {
  fake_clock clock;
  broker_core broker{clock.fn()};
  inbox quick, slow;
  subscribe(broker, "topic:beats", 5, quick);
  auto slow_sub = subscribe(broker, "topic:beats", 0, slow);
  BOOST_REQUIRE(broker.publish(with_ttl("topic:beats", "b1", 100)).has_value());
  BOOST_TEST(quick.bodies() == (strings{"b1"}), boost::test_tools::per_element());
  clock.now += 100;
  broker.add_credit(slow_sub, 5);
  BOOST_TEST(slow.received.empty());
  auto stats = broker.stats("topic:beats");
  BOOST_TEST(stats.expired == 1u);
  BOOST_TEST(stats.unsettled == 1u);
  BOOST_TEST(stats.consumers == 2u);
  BOOST_TEST(stats.ready == 0u);
}

BOOST_AUTO_TEST_CASE(an_unsettled_delivery_does_not_expire_but_expires_once_released) {
  fake_clock clock;
  broker_core broker{clock.fn()};
  inbox a;
  subscribe(broker, "queue:beats", 1, a);
  BOOST_REQUIRE(broker.publish(with_ttl("queue:beats", "held", 100)).has_value());
  BOOST_REQUIRE(a.received.size() == 1u);
  clock.now += 1000;
  BOOST_TEST(broker.stats("queue:beats").unsettled == 1u);
  BOOST_TEST(broker.stats("queue:beats").expired == 0u);
  // Released after its deadline, it expires instead of going to the next consumer.
  inbox b;
  subscribe(broker, "queue:beats", 1, b);
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::release));
  BOOST_TEST(a.received.size() == 1u);
  BOOST_TEST(b.received.empty());
  BOOST_TEST(broker.stats("queue:beats").expired == 1u);
}

BOOST_AUTO_TEST_CASE(an_unsettled_delivery_past_its_deadline_can_still_be_accepted) {
  fake_clock clock;
  broker_core broker{clock.fn()};
  inbox a;
  subscribe(broker, "queue:beats", 1, a);
  BOOST_REQUIRE(broker.publish(with_ttl("queue:beats", "held", 100)).has_value());
  BOOST_REQUIRE(a.received.size() == 1u);
  clock.now += 1000;
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::accept));
  BOOST_TEST(broker.stats("queue:beats").expired == 0u);
}

BOOST_AUTO_TEST_CASE(a_dead_lettered_copy_has_no_ttl) {
  fake_clock clock;
  broker_core broker{clock.fn()};
  inbox a;
  subscribe(broker, "queue:jobs", 1, a);
  BOOST_REQUIRE(broker.publish(with_ttl("queue:jobs", "bad", 100)).has_value());
  BOOST_REQUIRE(a.received.size() == 1u);
  BOOST_TEST(broker.settle(a.received[0].tag, settlement::reject, "cannot decode"));
  clock.now += 1000;
  inbox dead;
  subscribe(broker, boa::protocol::addresses::dead, 1, dead);
  BOOST_REQUIRE(dead.received.size() == 1u);
  BOOST_TEST(dead.received[0].message.ttl_ms == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(restart)

BOOST_AUTO_TEST_CASE(a_restart_ends_every_subscription_and_keeps_only_the_selected_queues) {
  broker_core broker;
  inbox worker, listener;
  auto keeps_jobs = [](const std::string& address) { return address == "queue:jobs"; };
  subscribe(broker, "queue:jobs", 1, worker, 7);
  subscribe(broker, "topic:events", 10, listener);
  publish(broker, "queue:jobs", "first");  // delivered, unsettled at the restart
  publish(broker, "queue:jobs", "second"); // ready
  publish(broker, "queue:replies", "answer");
  publish(broker, "topic:events", "news");
  BOOST_REQUIRE(worker.received.size() == 1u);

  BOOST_TEST(broker.restart(keeps_jobs) == 2u); // the reply and the topic's copy

  BOOST_TEST(broker.stats("queue:jobs").consumers == 0u);
  BOOST_TEST(broker.stats("queue:jobs").unsettled == 0u);
  BOOST_TEST(broker.stats("queue:jobs").ready == 2u);
  BOOST_TEST(broker.stats("queue:replies").ready == 0u);
  BOOST_TEST(!broker.settle(worker.received[0].tag, settlement::accept));
  publish(broker, "topic:events", "after"); // nobody subscribes any more
  BOOST_TEST(listener.received.size() == 1u);

  inbox again;
  subscribe(broker, "queue:jobs", 10, again);
  BOOST_TEST(again.bodies() == (strings{"first", "second"}));
  BOOST_TEST(again.received[0].message.delivery_count == 1u); // released by the restart
  BOOST_TEST(again.received[1].message.delivery_count == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
