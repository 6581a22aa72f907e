#include <boost/test/unit_test.hpp>

#include "../support/temp_dir.hpp"
#include "actors/bus/broker_core.hpp"
#include "actors/bus/durable_queues.hpp"
#include "crash_scenario.hpp"
#include "storage/queue_journal.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

extern char** environ;

namespace {

using boa::bus::broker_core;
using boa::bus::delivery;
using boa::bus::durable_change;
using boa::bus::settlement;
using boa::protocol::envelope;
namespace addresses = boa::protocol::addresses;
using strings = std::vector<std::string>;

/// A durable broker over the journal in `dir`, restoring what it holds.
std::unique_ptr<broker_core>
start_broker(const std::filesystem::path& dir,
             boa::bus::durable_filter is_durable = boa::bus::every_queue_is_durable,
             boa::bus::clock_fn clock = boa::bus::steady_clock_ms) {
  auto hook = boa::bus::durable_queues::open(dir);
  BOOST_REQUIRE_MESSAGE(hook.has_value(), (hook ? "" : hook.error().message));
  return std::make_unique<broker_core>(std::move(*hook), std::move(is_durable), std::move(clock));
}

envelope message(const std::string& address, const std::string& body) {
  envelope e;
  e.address = address;
  e.subject = "test";
  e.body = body;
  return e;
}

void publish(broker_core& broker, const std::string& address, const std::string& body) {
  auto ok = broker.publish(message(address, body));
  BOOST_REQUIRE_MESSAGE(ok.has_value(), (ok ? "" : ok.error().message));
}

/// Collects what the broker hands to one subscription, in delivery order.
struct inbox {
  std::vector<delivery> received;

  std::uint64_t subscribe(broker_core& broker, const std::string& address,
                          std::uint32_t credit = 1000) {
    auto id =
        broker.subscribe(address, credit, [this](delivery d) { received.push_back(std::move(d)); });
    BOOST_REQUIRE(id.has_value());
    return *id;
  }
  strings bodies() const {
    strings out;
    for (const auto& d : received)
      out.push_back(d.message.body);
    return out;
  }
};

/// Bodies of everything ready in `address`, taken by a fresh consumer (and left unsettled).
strings drain(broker_core& broker, const std::string& address) {
  inbox in;
  in.subscribe(broker, address);
  return in.bodies();
}

/// What the journal in `dir` holds once no broker has it open.
boa::storage::journal_contents journal_contents(const std::filesystem::path& dir) {
  auto journal = boa::storage::queue_journal::open(dir);
  BOOST_REQUIRE_MESSAGE(journal.has_value(), (journal ? "" : journal.error().message));
  auto contents = (*journal)->load();
  BOOST_REQUIRE_MESSAGE(contents.has_value(), (contents ? "" : contents.error().message));
  return std::move(*contents);
}

/// A hook that keeps nothing but a log of what it was asked, and refuses writes on demand.
struct recording_hook final : boa::bus::queue_durability {
  bool refuse = false;
  std::vector<strings> applied; ///< one entry per apply: "store <queue> <seq> <body>" / "remove"

  boa::bus::restored_queues restore() override { return {}; }
  boa::expected<void> apply(std::span<const durable_change> changes) override {
    if (refuse)
      return boa::error(boa::errc::io, "disk full");
    strings batch;
    for (const auto& c : changes)
      batch.push_back(c.what == durable_change::kind::store
                          ? "store " + std::string(c.queue) + " " + std::to_string(c.seq) + " " +
                                c.message->body
                          : "remove " + std::string(c.queue) + " " + std::to_string(c.seq));
    applied.push_back(std::move(batch));
    return {};
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(durable_queues)

BOOST_AUTO_TEST_CASE(a_message_published_to_a_durable_queue_survives_a_restart_with_every_field) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir);
    envelope m = message("queue:boa.jobs", R"({"v":1,"type":"job"})");
    m.message_id = "m-1";
    m.correlation_id = "c-1";
    m.reply_to = "queue:replies";
    BOOST_REQUIRE(broker->publish(m).has_value());
  }
  auto broker = start_broker(dir);
  BOOST_TEST(broker->stats("queue:boa.jobs").ready == 1u);
  inbox in;
  in.subscribe(*broker, "queue:boa.jobs");
  BOOST_REQUIRE(in.received.size() == 1u);
  const auto& m = in.received[0].message;
  BOOST_TEST(m.address == "queue:boa.jobs");
  BOOST_TEST(m.subject == "test");
  BOOST_TEST(m.message_id == "m-1");
  BOOST_TEST(m.correlation_id == "c-1");
  BOOST_TEST(m.reply_to == "queue:replies");
  BOOST_TEST(m.body == R"({"v":1,"type":"job"})");
  BOOST_TEST(m.delivery_count == 0u);
}

BOOST_AUTO_TEST_CASE(a_restored_message_keeps_its_ttl_which_starts_again_at_the_restore) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  std::int64_t now = 1000;
  auto clock = [&now] { return now; };
  {
    auto broker = start_broker(dir, boa::bus::every_queue_is_durable, clock);
    envelope m = message("queue:boa.jobs", "short-lived");
    m.ttl_ms = 500;
    BOOST_REQUIRE(broker->publish(m).has_value());
  }
  now += 10000; // long past the first deadline: the restore starts the ttl again
  auto broker = start_broker(dir, boa::bus::every_queue_is_durable, clock);
  now += 499;
  inbox in;
  in.subscribe(*broker, "queue:boa.jobs");
  BOOST_REQUIRE(in.received.size() == 1u);
  BOOST_TEST(in.received[0].message.ttl_ms == 500u);
}

BOOST_AUTO_TEST_CASE(an_expired_durable_message_leaves_the_store) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  std::int64_t now = 1000;
  auto clock = [&now] { return now; };
  {
    auto broker = start_broker(dir, boa::bus::every_queue_is_durable, clock);
    envelope m = message("queue:boa.jobs", "short-lived");
    m.ttl_ms = 500;
    BOOST_REQUIRE(broker->publish(m).has_value());
    now += 500;
    BOOST_TEST(drain(*broker, "queue:boa.jobs").empty());
    BOOST_TEST(broker->stats("queue:boa.jobs").expired == 1u);
  }
  BOOST_TEST(journal_contents(dir).queues["queue:boa.jobs"].empty());
}

BOOST_AUTO_TEST_CASE(accepted_messages_do_not_come_back) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir);
    inbox in;
    in.subscribe(*broker, "queue:work", 2);
    for (auto body : {"1", "2", "3"})
      publish(*broker, "queue:work", body);
    BOOST_REQUIRE(in.received.size() == 2u);
    BOOST_TEST(broker->settle(in.received[0].tag, settlement::accept));
    BOOST_TEST(broker->settle(in.received[1].tag, settlement::accept));
  }
  auto broker = start_broker(dir);
  BOOST_TEST(drain(*broker, "queue:work") == (strings{"3"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_delivery_unsettled_when_the_broker_goes_away_comes_back_ready) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir);
    inbox in;
    in.subscribe(*broker, "queue:work", 1);
    publish(*broker, "queue:work", "in-flight");
    publish(*broker, "queue:work", "waiting");
    BOOST_REQUIRE(in.received.size() == 1u);
    BOOST_TEST(broker->stats("queue:work").unsettled == 1u);
  }
  auto broker = start_broker(dir);
  auto stats = broker->stats("queue:work");
  BOOST_TEST(stats.ready == 2u);
  BOOST_TEST(stats.unsettled == 0u);
  inbox in;
  in.subscribe(*broker, "queue:work");
  BOOST_TEST(in.bodies() == (strings{"in-flight", "waiting"}), boost::test_tools::per_element());
  BOOST_REQUIRE(in.received.size() == 2u);
  // The journal does not record deliveries: the count is the one the message was stored with.
  BOOST_TEST(in.received[0].message.delivery_count == 0u);
}

BOOST_AUTO_TEST_CASE(a_rejected_message_comes_back_in_the_dead_letter_queue_with_its_reason) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir);
    inbox in;
    in.subscribe(*broker, "queue:work", 1);
    publish(*broker, "queue:work", "garbage");
    BOOST_REQUIRE(in.received.size() == 1u);
    BOOST_TEST(broker->settle(in.received[0].tag, settlement::reject, "cannot decode job"));
  }
  auto broker = start_broker(dir);
  BOOST_TEST(broker->stats("queue:work").ready == 0u);
  BOOST_TEST(broker->queue_names() == (strings{addresses::dead}), boost::test_tools::per_element());
  inbox dead;
  dead.subscribe(*broker, addresses::dead);
  BOOST_REQUIRE(dead.received.size() == 1u);
  const auto& m = dead.received[0].message;
  BOOST_TEST(m.body == "garbage");
  BOOST_TEST(m.address == addresses::dead);
  BOOST_TEST(m.dead_letter_reason == "cannot decode job");
}

BOOST_AUTO_TEST_CASE(a_dead_letter_accepted_from_the_dead_letter_queue_does_not_come_back) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir);
    inbox in, dead;
    in.subscribe(*broker, "queue:work", 1);
    dead.subscribe(*broker, addresses::dead, 1);
    publish(*broker, "queue:work", "garbage");
    BOOST_TEST(broker->settle(in.received.at(0).tag, settlement::reject, "bad"));
    BOOST_REQUIRE(dead.received.size() == 1u);
    BOOST_TEST(broker->settle(dead.received[0].tag, settlement::accept));
  }
  BOOST_TEST(journal_contents(dir).queues.empty());
}

BOOST_AUTO_TEST_CASE(a_released_message_comes_back_once) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir);
    inbox in;
    auto sub = in.subscribe(*broker, "queue:work", 1);
    publish(*broker, "queue:work", "1");
    publish(*broker, "queue:work", "2");
    BOOST_REQUIRE(in.received.size() == 1u);
    BOOST_TEST(broker->settle(in.received[0].tag, settlement::release));
    broker->unsubscribe(sub);
    BOOST_TEST(broker->stats("queue:work").ready == 2u);
  }
  auto broker = start_broker(dir);
  BOOST_TEST(drain(*broker, "queue:work") == (strings{"1", "2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_released_then_accepted_message_does_not_come_back) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir);
    inbox in;
    in.subscribe(*broker, "queue:work", 2);
    publish(*broker, "queue:work", "1");
    BOOST_TEST(broker->settle(in.received.at(0).tag, settlement::release));
    BOOST_REQUIRE(in.received.size() == 2u);
    BOOST_TEST(in.received[1].message.delivery_count == 1u);
    BOOST_TEST(broker->settle(in.received[1].tag, settlement::accept));
  }
  auto broker = start_broker(dir);
  BOOST_TEST(broker->queue_names().empty());
}

BOOST_AUTO_TEST_CASE(order_within_each_queue_is_kept_across_restarts) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir);
    for (auto body : {"a1", "a2", "a3"})
      publish(*broker, "queue:a", body);
    publish(*broker, "queue:b", "b1");
    publish(*broker, "queue:a", "a4");
    publish(*broker, "queue:b", "b2");
  }
  {
    auto broker = start_broker(dir);
    // New messages go behind the restored ones.
    publish(*broker, "queue:a", "a5");
    publish(*broker, "queue:b", "b3");
  }
  auto broker = start_broker(dir);
  BOOST_TEST(drain(*broker, "queue:a") == (strings{"a1", "a2", "a3", "a4", "a5"}),
             boost::test_tools::per_element());
  BOOST_TEST(drain(*broker, "queue:b") == (strings{"b1", "b2", "b3"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sequence_numbers_continue_after_a_restart_without_reuse) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir);
    inbox in;
    in.subscribe(*broker, "queue:work");
    for (auto body : {"1", "2", "3"})
      publish(*broker, "queue:work", body);
    for (const auto& d : in.received)
      BOOST_TEST(broker->settle(d.tag, settlement::accept));
  }
  auto after_first = journal_contents(dir);
  BOOST_TEST(after_first.queues.empty());
  BOOST_TEST(after_first.highest_seq == 3u);
  {
    auto broker = start_broker(dir);
    publish(*broker, "queue:work", "4");
  }
  {
    auto broker = start_broker(dir);
    publish(*broker, "queue:other", "5");
  }
  auto contents = journal_contents(dir);
  BOOST_REQUIRE(contents.queues.count("queue:work") == 1u);
  BOOST_REQUIRE(contents.queues.count("queue:other") == 1u);
  BOOST_TEST(contents.queues["queue:work"].at(0).seq == 4u);
  BOOST_TEST(contents.queues["queue:other"].at(0).seq == 5u);
  BOOST_TEST(contents.highest_seq == 5u);
}

BOOST_AUTO_TEST_CASE(topics_are_not_persisted) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir);
    inbox a, b;
    a.subscribe(*broker, "topic:events", 1);
    b.subscribe(*broker, "topic:events", 0);
    publish(*broker, "topic:events", "e1");
    publish(*broker, "topic:events", "e2");
    BOOST_TEST(a.received.size() == 1u);
  }
  auto contents = journal_contents(dir);
  BOOST_TEST(contents.queues.empty());
  BOOST_TEST(contents.highest_seq == 0u);
  auto broker = start_broker(dir);
  BOOST_TEST(broker->queue_names().empty());
}

BOOST_AUTO_TEST_CASE(a_filter_saying_yes_to_a_topic_does_not_make_it_durable) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir, [](const std::string&) { return true; });
    inbox a;
    a.subscribe(*broker, "topic:events", 0);
    publish(*broker, "topic:events", "e1");
  }
  BOOST_TEST(journal_contents(dir).queues.empty());
}

BOOST_AUTO_TEST_CASE(a_queue_the_filter_leaves_out_is_not_persisted) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  auto only_jobs = [](const std::string& address) { return address == "queue:boa.jobs"; };
  {
    auto broker = start_broker(dir, only_jobs);
    publish(*broker, "queue:boa.jobs", "job");
    publish(*broker, "queue:scratch", "lost");
  }
  auto broker = start_broker(dir, only_jobs);
  BOOST_TEST(broker->queue_names() == (strings{"queue:boa.jobs"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_message_rejected_from_a_transient_queue_is_kept_in_a_durable_dead_queue) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  auto only_dead = [](const std::string& address) { return address == addresses::dead; };
  {
    auto broker = start_broker(dir, only_dead);
    inbox in;
    in.subscribe(*broker, "queue:scratch", 1);
    publish(*broker, "queue:scratch", "garbage");
    BOOST_TEST(broker->settle(in.received.at(0).tag, settlement::reject));
  }
  auto broker = start_broker(dir, only_dead);
  inbox dead;
  dead.subscribe(*broker, addresses::dead);
  BOOST_REQUIRE(dead.received.size() == 1u);
  BOOST_TEST(dead.received[0].message.body == "garbage");
  BOOST_TEST(dead.received[0].message.dead_letter_reason.find("queue:scratch") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(restored_messages_of_a_queue_no_longer_durable_are_still_removed_on_accept) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto broker = start_broker(dir);
    publish(*broker, "queue:work", "old");
  }
  {
    auto broker = start_broker(dir, [](const std::string&) { return false; });
    inbox in;
    in.subscribe(*broker, "queue:work");
    publish(*broker, "queue:work", "new");
    BOOST_REQUIRE(in.received.size() == 2u);
    BOOST_TEST(broker->settle(in.received[0].tag, settlement::accept));
  }
  BOOST_TEST(journal_contents(dir).queues.empty());
}

BOOST_AUTO_TEST_CASE(an_undecodable_stored_message_is_reported_before_any_broker_starts) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  {
    auto journal = boa::storage::queue_journal::open(dir);
    BOOST_REQUIRE(journal.has_value());
    BOOST_REQUIRE((*journal)->append("queue:work", 1, "not an encoded envelope").has_value());
  }
  auto hook = boa::bus::durable_queues::open(dir);
  BOOST_REQUIRE(!hook.has_value());
  BOOST_TEST(hook.error().code == boa::errc::corrupt);
  BOOST_TEST(hook.error().message.find(dir.string()) != std::string::npos, hook.error().message);
  BOOST_TEST(hook.error().message.find("message 1 of queue 'queue:work'") != std::string::npos,
             hook.error().message);
}

BOOST_AUTO_TEST_CASE(a_crash_mid_run_restores_exactly_the_unaccepted_messages) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  boa::test::crash_scenario scenario;
  {
    auto broker = start_broker(dir);
    BOOST_REQUIRE(scenario.run(*broker));
    // Dropped with deliveries unsettled and nothing closed first.
  }
  auto broker = start_broker(dir);
  auto survivors = scenario.survivors();
  BOOST_TEST(broker->stats("queue:work").ready == survivors.size());
  BOOST_TEST(drain(*broker, "queue:work") == survivors, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_process_killed_with_sigkill_leaves_exactly_the_unaccepted_messages) {
  boa::test::temp_dir tmp;
  auto dir = tmp.path() / "queues.db";
  std::string child = BOA_CRASH_CHILD;
  std::string dir_arg = dir.string();
  char* argv[] = {child.data(), dir_arg.data(), nullptr};
  pid_t pid = 0;
  BOOST_REQUIRE(::posix_spawn(&pid, child.c_str(), nullptr, nullptr, argv, environ) == 0);
  int status = 0;
  BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
  BOOST_REQUIRE_MESSAGE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                        "the child ended otherwise than by SIGKILL; status " << status);

  auto broker = start_broker(dir);
  auto survivors = boa::test::crash_scenario{}.survivors();
  BOOST_TEST(drain(*broker, "queue:work") == survivors, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(durability_hook)

BOOST_AUTO_TEST_CASE(a_publish_the_hook_cannot_store_fails_and_is_not_queued) {
  auto hook = std::make_unique<recording_hook>();
  auto* seen = hook.get();
  broker_core broker{std::move(hook)};
  seen->refuse = true;
  auto published = broker.publish(message("queue:work", "1"));
  BOOST_REQUIRE(!published.has_value());
  BOOST_TEST(published.error().message == "disk full");
  BOOST_TEST(broker.queue_names().empty());
  seen->refuse = false;
  publish(broker, "queue:work", "2");
  BOOST_TEST(drain(broker, "queue:work") == (strings{"2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_hook_sees_publish_accept_and_reject_but_not_release_or_a_lost_consumer) {
  auto hook = std::make_unique<recording_hook>();
  auto* seen = hook.get();
  broker_core broker{std::move(hook)};
  inbox in;
  auto sub = in.subscribe(broker, "queue:work", 3);
  publish(broker, "queue:work", "a");
  publish(broker, "queue:work", "b");
  publish(broker, "queue:work", "c");
  publish(broker, "topic:events", "ignored");
  BOOST_REQUIRE(in.received.size() == 3u);
  BOOST_TEST(broker.settle(in.received[0].tag, settlement::accept));
  BOOST_TEST(broker.settle(in.received[1].tag, settlement::reject, "bad"));
  BOOST_TEST(broker.settle(in.received[2].tag, settlement::release));
  broker.unsubscribe(sub);

  std::vector<strings> expected = {
      {"store queue:work 1 a"},
      {"store queue:work 2 b"},
      {"store queue:work 3 c"},
      {"remove queue:work 1"},
      {"store queue:boa.dead 4 b", "remove queue:work 2"},
  };
  BOOST_REQUIRE(seen->applied.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    BOOST_TEST(seen->applied[i] == expected[i], boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
