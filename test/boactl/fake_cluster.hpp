#pragma once

#include "actors/bus/local_bus.hpp"
#include "actors/messages.hpp"
#include "protocol/client_messages.hpp"
#include "protocol/event.hpp"
#include "protocol/heartbeat.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/node_command.hpp"
#include "protocol/workflow_codec.hpp"
#include "tools/boactl/session.hpp"

#include <boost/json/parse.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace boa::test {

/// Stands in for the nodes of a cluster on an in-process bus: takes what a client sends
/// (requests, start-jobs, job commands), records it, and publishes whatever the test's script
/// answers (replies, events), in order. A message the script does not answer goes unanswered.
class fake_cluster {
public:
  using script = std::function<std::vector<protocol::envelope>(const protocol::envelope& in)>;

  fake_cluster() : system_(config_), shared_(std::make_shared<shared>()) {
    responder_ = system_.spawn(respond, bus_, shared_);
    for (const char* address : {protocol::requests_address, protocol::addresses::new_jobs,
                                protocol::addresses::commands, protocol::addresses::resumes})
      if (auto sub = bus_->subscribe(address, responder_, 64))
        subscriptions_.push_back(*sub);
  }

  ~fake_cluster() {
    for (auto sub : subscriptions_)
      bus_->unsubscribe(sub);
    caf::anon_send_exit(responder_, caf::exit_reason::user_shutdown);
    system_.await_all_actors_done();
  }

  /// Also takes node commands to each of `nodes` (`topic:boa.node.<id>`) and to every node
  /// (`topic:boa.node.all`, once, however many nodes the script answers for).
  void serve_nodes(std::initializer_list<std::string> nodes) {
    std::vector<std::string> addresses{protocol::all_nodes_address};
    for (const auto& n : nodes)
      addresses.push_back(protocol::node_address(n));
    for (const auto& address : addresses)
      if (auto sub = bus_->subscribe(address, responder_, 64))
        subscriptions_.push_back(*sub);
  }

  /// What to answer from now on (called on the responder's thread, one message at a time).
  void answer_with(script s) {
    std::lock_guard lock(shared_->mutex);
    shared_->answer = std::move(s);
  }

  /// Everything received so far, in arrival order.
  std::vector<protocol::envelope> received() const {
    std::lock_guard lock(shared_->mutex);
    return shared_->received;
  }

  /// Waits (at most 5 s) until `n` messages have been received.
  bool wait_for_received(std::size_t n) const {
    std::unique_lock lock(shared_->mutex);
    return shared_->changed.wait_for(lock, std::chrono::seconds(5),
                                     [&] { return shared_->received.size() >= n; });
  }

  std::shared_ptr<bus::local_bus> bus() const { return bus_; }

  /// Connects to this cluster's bus, and counts how often it was asked to.
  boactl::connect_fn connect() {
    return [this](const boactl::broker_settings& broker) -> expected<std::shared_ptr<bus::bus>> {
      ++connects_;
      last_url_ = broker.url;
      last_username_ = broker.username;
      last_tls_ca_file_ = broker.tls_ca_file;
      return std::shared_ptr<bus::bus>(bus_);
    };
  }
  int connects() const { return connects_; }
  const std::string& last_url() const { return last_url_; }
  const std::string& last_username() const { return last_username_; }
  const std::string& last_tls_ca_file() const { return last_tls_ca_file_; }

  /// Client options for tests: answers come at once or never, so the waits are short.
  static boactl::client_options options() {
    boactl::client_options o;
    o.client_id = "boactl-test";
    o.broker_url = "amqp://127.0.0.1:5672";
    o.timeout = std::chrono::milliseconds(3000);
    o.poll_interval = std::chrono::milliseconds(50);
    o.end_grace = std::chrono::milliseconds(200);
    o.browse_wait = std::chrono::milliseconds(50);
    return o;
  }

private:
  struct shared {
    mutable std::mutex mutex;
    std::condition_variable changed;
    script answer;
    std::vector<protocol::envelope> received;
  };

  static caf::behavior respond(caf::event_based_actor*, std::shared_ptr<bus::local_bus> bus,
                               std::shared_ptr<shared> state) {
    return {
        [bus, state](actors::delivery_atom, bus::delivery& d) {
          bus->settle(d.tag, bus::settlement::accept);
          bus->add_credit(d.subscription, 1);
          script answer;
          {
            std::lock_guard lock(state->mutex);
            state->received.push_back(d.message);
            answer = state->answer;
          }
          state->changed.notify_all();
          if (answer)
            for (auto& out : answer(d.message))
              bus->publish(std::move(out), caf::actor{}, 0);
        },
    };
  }

  caf::actor_system_config config_;
  caf::actor_system system_;
  std::shared_ptr<bus::local_bus> bus_ = std::make_shared<bus::local_bus>();
  std::shared_ptr<shared> shared_;
  caf::actor responder_;
  std::vector<std::uint64_t> subscriptions_;
  std::atomic<int> connects_{0};
  std::string last_url_;
  std::string last_username_;
  std::string last_tls_ca_file_;
};

/// The bus of a broker that goes away: while `refuse_next` publishes are left, each is refused
/// as a lost connection refuses it; everything else goes to the in-process bus.
class flaky_bus final : public ::boa::bus::bus {
public:
  explicit flaky_bus(std::shared_ptr<::boa::bus::local_bus> inner) : inner_(std::move(inner)) {}

  std::atomic<int> refuse_next{0};

  void publish(protocol::envelope message, const caf::actor& confirm_to,
               std::uint64_t token) override {
    if (refuse_next.fetch_sub(1) > 0) {
      caf::anon_send(confirm_to, actors::published_atom::value, token, false,
                     std::string("connection lost to amqp://127.0.0.1:5672"));
      return;
    }
    inner_->publish(std::move(message), confirm_to, token);
  }
  expected<std::uint64_t> subscribe(const std::string& address, const caf::actor& consumer,
                                    std::uint32_t credit) override {
    return inner_->subscribe(address, consumer, credit);
  }
  void add_credit(std::uint64_t subscription, std::uint32_t n) override {
    inner_->add_credit(subscription, n);
  }
  void settle(std::uint64_t tag, ::boa::bus::settlement how, const std::string& reason) override {
    inner_->settle(tag, how, reason);
  }
  void unsubscribe(std::uint64_t subscription) override { inner_->unsubscribe(subscription); }

private:
  std::shared_ptr<::boa::bus::local_bus> inner_;
};

/// The successful answer to `request`.
inline protocol::envelope ok_answer(const protocol::envelope& request, boost::json::value data) {
  return protocol::reply_envelope(request, protocol::ok_reply(std::move(data)));
}

/// A failed answer to `request`.
inline protocol::envelope failed_answer(const protocol::envelope& request, errc code,
                                        std::string message) {
  return protocol::reply_envelope(request, protocol::error_reply(error{code, std::move(message)}));
}

/// The answer of node `node` to the node command `command`.
inline protocol::envelope node_answer(const protocol::envelope& command, const std::string& node,
                                      protocol::client_reply reply) {
  return protocol::node_reply_envelope(command, {node, std::move(reply)});
}

/// A heartbeat of `node` with `workers` workers, as the status of a node shows it.
inline protocol::heartbeat sample_beat(const std::string& node, std::int64_t workers) {
  protocol::heartbeat b;
  b.node = node;
  b.host = "host-" + node;
  b.pid = 4242;
  b.seq = 1;
  b.systems.push_back({"workers", workers, 1, true});
  return b;
}

inline protocol::envelope heartbeat_message(const protocol::heartbeat& b) {
  protocol::envelope env;
  env.address = protocol::addresses::heartbeat;
  env.subject = protocol::heartbeat_type;
  env.body = protocol::serialize_heartbeat(b);
  return env;
}

/// The data of a status reply: the node running (or draining) with `workers` workers.
inline boost::json::value status_data(const std::string& node, std::int64_t workers,
                                      const char* state = "running") {
  return boost::json::object{
      {"state", state},
      {"heartbeat", boost::json::parse(protocol::serialize_heartbeat(sample_beat(node, workers)))}};
}

inline protocol::envelope event_message(const protocol::job_event& e) {
  protocol::envelope env;
  env.address = protocol::addresses::events;
  env.subject = e.type == protocol::job_event::kind::step_finished ? "step-finished" : "job-ended";
  env.body = protocol::serialize_event(e);
  return env;
}

inline protocol::job_event step_event(const std::string& job_id, const std::string& step,
                                      int attempt, const std::string& result,
                                      std::int64_t duration_ms, std::string error = {},
                                      bool will_retry = false) {
  protocol::job_event e;
  e.type = protocol::job_event::kind::step_finished;
  e.job_id = job_id;
  e.workflow = "greet";
  e.node = "node-a";
  e.step = step;
  e.attempt = attempt;
  e.result = result;
  e.duration_ms = duration_ms;
  e.error = std::move(error);
  e.will_retry = will_retry;
  return e;
}

inline protocol::job_event ended_event(const std::string& job_id, protocol::job_state state,
                                       std::string error = {}) {
  protocol::job_event e;
  e.type = protocol::job_event::kind::job_ended;
  e.job_id = job_id;
  e.workflow = "greet";
  e.node = "node-a";
  e.state = state;
  e.error = std::move(error);
  return e;
}

inline constexpr const char* greet_definition = R"({
  "name": "greet", "revision": 2,
  "steps": [
    {"id": "fetch", "run": {"kind": "noop"}, "next": [["*", "render"]]},
    {"id": "render", "run": {"kind": "noop"}}
  ]
})";

/// A job of `greet@2` in `state`, with two history entries (the second failed when the job
/// ended in error), created at 2023-11-14 22:13:20 UTC.
inline protocol::job sample_job(const std::string& id, protocol::job_state state) {
  auto decoded = protocol::parse_workflow(greet_definition);
  if (!decoded.ok())
    throw std::logic_error("greet_definition is invalid");
  protocol::job j;
  j.id = id;
  j.workflow = decoded.workflow;
  j.state = state;
  j.props = {{"greeting", "hello"}, {"count", 3}};
  j.created_ms = 1'700'000'000'000;
  j.updated_ms = j.created_ms + 3100;
  protocol::history_entry fetch{"fetch", 1, "node-a", "w1", j.created_ms, j.created_ms + 120,
                                "ok",    ""};
  protocol::history_entry render{
      "render",
      1,
      "node-b",
      "w2",
      j.created_ms + 200,
      j.created_ms + 3000,
      state == protocol::job_state::error ? "error" : "ok",
      state == protocol::job_state::error ? "exit code 1: template missing" : ""};
  j.history = {fetch, render};
  if (protocol::is_terminal(state)) {
    j.ended_ms = j.created_ms + 3100;
    if (state == protocol::job_state::error)
      j.error = "step render failed";
  } else {
    j.step = "render";
    j.history.pop_back();
  }
  return j;
}

inline boost::json::value sample_job_json(const std::string& id, protocol::job_state state) {
  return protocol::encode_job(sample_job(id, state));
}

} // namespace boa::test
