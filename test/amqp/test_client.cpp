#include "test/amqp/test_client.hpp"

#include "runtime/amqp/detail/proton_raw.hpp"

#include <proton/connection_options.hpp>
#include <proton/error_condition.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender_options.hpp>
#include <proton/transport.hpp>

#include <future>
#include <memory>

namespace boa::amqp::test {

test_client::test_client(std::uint16_t port) : port_(port), container_(*this, "boa-test-client") {
  thread_ = std::thread([this] {
    try {
      container_.run();
    } catch (...) {
      // An exception out of run() would end the test process; the test sees a dead client.
    }
    std::lock_guard guard{mutex_};
    finished_ = true;
    queue_ = nullptr;
    connection_state_.closed = true;
    changed_.notify_all();
  });
  wait_until([this] { return connection_state_.open || connection_state_.closed; });
}

test_client::~test_client() {
  if (connected())
    close();
  container_.stop();
  if (thread_.joinable())
    thread_.join();
}

bool test_client::connected() {
  std::lock_guard guard{mutex_};
  return connection_state_.open && !connection_state_.closed;
}

bool test_client::wait_until(const std::function<bool()>& done) {
  std::unique_lock lock{mutex_};
  return changed_.wait_for(lock, timeout, done);
}

bool test_client::run_on_container(std::function<void()> work) {
  auto ran = std::make_shared<std::promise<void>>();
  auto future = ran->get_future();
  {
    std::lock_guard guard{mutex_};
    if (!queue_ || !queue_->add([work = std::move(work), ran] {
          work();
          ran->set_value();
        }))
      return false;
  }
  return future.wait_for(timeout) == std::future_status::ready;
}

endpoint_state test_client::open_sender(const std::string& name, const std::string& address) {
  run_on_container([this, name, address] {
    senders_[name] = connection_.open_sender(address, proton::sender_options().name(name));
  });
  wait_until([&] { return links_[name].open || links_[name].closed; });
  std::lock_guard guard{mutex_};
  return links_[name];
}

endpoint_state test_client::open_receiver(const std::string& name, const std::string& address,
                                          int credit, bool presettled) {
  run_on_container([this, name, address, credit, presettled] {
    auto options = proton::receiver_options().name(name).credit_window(0).auto_accept(false);
    if (presettled)
      options.delivery_mode(proton::delivery_mode::AT_MOST_ONCE);
    auto r = connection_.open_receiver(address, options);
    if (credit > 0)
      r.add_credit(credit);
    receivers_[name] = r;
  });
  wait_until([&] { return links_[name].open || links_[name].closed; });
  std::lock_guard guard{mutex_};
  return links_[name];
}

endpoint_state test_client::wait_link_closed(const std::string& name) {
  wait_until([&] { return links_[name].closed; });
  std::lock_guard guard{mutex_};
  return links_[name];
}

publish_result
test_client::await_answer(const std::function<void(const proton::binary& tag)>& send) {
  std::uint64_t id = 0;
  {
    std::lock_guard guard{mutex_};
    id = next_id_++;
  }
  run_on_container([this, send, id] {
    auto tag = proton::binary(std::to_string(id));
    trackers_[tag] = id;
    send(tag);
  });
  wait_until([&] { return answers_.count(id) > 0; });
  std::lock_guard guard{mutex_};
  auto answer = answers_[id];
  answers_.erase(id);
  return answer;
}

publish_result test_client::publish(const std::string& sender, const proton::message& message) {
  return await_answer([this, sender, message](const proton::binary& tag) {
    senders_.at(sender).send(message, tag);
  });
}

publish_result test_client::publish_bytes(const std::string& sender,
                                          const std::vector<char>& bytes) {
  return await_answer([this, sender, bytes](const proton::binary& tag) {
    auto* link = detail::raw_link::of(senders_.at(sender));
    pn_delivery(link, pn_dtag(reinterpret_cast<const char*>(tag.data()), tag.size()));
    pn_link_send(link, bytes.data(), bytes.size());
    pn_link_advance(link);
  });
}

void test_client::send_empty_transfer(const std::string& sender) {
  run_on_container([this, sender] {
    auto* link = detail::raw_link::of(senders_.at(sender));
    pn_delivery(link, pn_dtag("empty", 5));
    pn_link_advance(link);
  });
}

std::optional<received> test_client::receive(const std::string& receiver) {
  if (!wait_until([&] { return !inbox_[receiver].empty(); }))
    return std::nullopt;
  std::lock_guard guard{mutex_};
  auto r = std::move(inbox_[receiver].front());
  inbox_[receiver].pop_front();
  return r;
}

std::size_t test_client::waiting(const std::string& receiver) {
  std::lock_guard guard{mutex_};
  return inbox_[receiver].size();
}

void test_client::add_credit(const std::string& receiver, int credit) {
  run_on_container([this, receiver, credit] { receivers_.at(receiver).add_credit(credit); });
}

bool test_client::drain(const std::string& receiver) {
  int before = 0;
  {
    std::lock_guard guard{mutex_};
    before = drains_finished_[receiver];
  }
  run_on_container([this, receiver] { receivers_.at(receiver).drain(); });
  return wait_until([&] { return drains_finished_[receiver] > before; });
}

int test_client::credit(const std::string& receiver) {
  auto credit = std::make_shared<int>(-1); // outlives a wait that timed out
  run_on_container([this, receiver, credit] { *credit = receivers_.at(receiver).credit(); });
  return *credit;
}

void test_client::settle(const received& r, const std::function<void(proton::delivery&)>& how) {
  run_on_container([this, id = r.id, how] {
    auto i = deliveries_.find(id);
    if (i == deliveries_.end())
      return;
    how(i->second);
    deliveries_.erase(i);
  });
}

void test_client::accept(const received& r) {
  settle(r, [](proton::delivery& d) { d.accept(); });
}

void test_client::release(const received& r) {
  settle(r, [](proton::delivery& d) { d.release(); });
}

void test_client::reject(const received& r, const std::string& reason) {
  settle(r, [reason](proton::delivery& d) {
    detail::reject_with(d, proton::error_condition("boa:unprocessable", reason));
  });
}

void test_client::close_link(const std::string& name) {
  run_on_container([this, name] {
    if (auto s = senders_.find(name); s != senders_.end())
      s->second.close();
    if (auto r = receivers_.find(name); r != receivers_.end())
      r->second.close();
  });
  wait_until([&] { return links_[name].closed; });
}

void test_client::close() {
  run_on_container([this] {
    if (connection_.active())
      connection_.close();
  });
  wait_until([this] { return finished_; });
}

void test_client::abort() {
  container_.stop();
  wait_until([this] { return finished_; });
}

endpoint_state test_client::wait_connection_closed() {
  wait_until([this] { return connection_state_.closed; });
  std::lock_guard guard{mutex_};
  return connection_state_;
}

void test_client::on_container_start(proton::container& c) {
  c.connect("127.0.0.1:" + std::to_string(port_), proton::connection_options().handler(*this));
}

void test_client::on_connection_open(proton::connection& c) {
  connection_ = c;
  std::lock_guard guard{mutex_};
  queue_ = &c.work_queue();
  connection_state_.open = true;
  changed_.notify_all();
}

void test_client::on_connection_close(proton::connection& c) {
  std::lock_guard guard{mutex_};
  connection_state_.closed = true;
  connection_state_.error_name = c.error().name();
  connection_state_.error_description = c.error().description();
  changed_.notify_all();
}

void test_client::on_transport_close(proton::transport&) {
  senders_.clear();
  receivers_.clear();
  deliveries_.clear();
  trackers_.clear();
  connection_ = proton::connection();
  std::lock_guard guard{mutex_};
  queue_ = nullptr;
  connection_state_.closed = true;
  changed_.notify_all();
}

void test_client::on_sender_open(proton::sender& s) {
  std::lock_guard guard{mutex_};
  links_[s.name()].open = true;
  changed_.notify_all();
}

void test_client::on_receiver_open(proton::receiver& r) {
  std::lock_guard guard{mutex_};
  links_[r.name()].open = true;
  changed_.notify_all();
}

void test_client::on_sender_close(proton::sender& s) {
  record_link_closed(s);
}
void test_client::on_receiver_close(proton::receiver& r) {
  record_link_closed(r);
}

void test_client::record_link_closed(const proton::link& l) {
  std::lock_guard guard{mutex_};
  auto& state = links_[l.name()];
  state.closed = true;
  state.error_name = l.error().name();
  state.error_description = l.error().description();
  changed_.notify_all();
}

void test_client::on_message(proton::delivery& d, proton::message& m) {
  std::lock_guard guard{mutex_};
  auto id = next_id_++;
  deliveries_[id] = d;
  inbox_[d.receiver().name()].push_back(received{id, m, d.settled()});
  changed_.notify_all();
}

void test_client::on_receiver_drain_finish(proton::receiver& r) {
  std::lock_guard guard{mutex_};
  ++drains_finished_[r.name()];
  changed_.notify_all();
}

void test_client::record_answer(const proton::tracker& t, outcome result) {
  auto i = trackers_.find(t.tag());
  if (i == trackers_.end())
    return;
  std::lock_guard guard{mutex_};
  answers_[i->second] = {result, result == outcome::rejected ? detail::remote_reason(t) : ""};
  trackers_.erase(i);
  changed_.notify_all();
}

void test_client::on_tracker_accept(proton::tracker& t) {
  record_answer(t, outcome::accepted);
}
void test_client::on_tracker_reject(proton::tracker& t) {
  record_answer(t, outcome::rejected);
}
void test_client::on_tracker_release(proton::tracker& t) {
  record_answer(t, outcome::released);
}

void test_client::on_error(const proton::error_condition&) {
  // Errors show up as closed endpoints with their conditions; the tests look at those.
}

} // namespace boa::amqp::test
