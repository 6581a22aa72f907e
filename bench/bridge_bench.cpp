// AMQP bridge throughput: N messages published through the bridge to an embedded broker and
// consumed back through it by a CAF actor that accepts each one, printed beside a bare Proton
// client doing the same against the same broker in the same run, so that the ratio holds on a
// noisy machine.
#include "actors/messages.hpp"
#include "runtime/amqp/amqp_bridge.hpp"
#include "runtime/amqp/embedded_broker.hpp"
#include "runtime/amqp/message_codec.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <proton/connection.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender.hpp>
#include <proton/tracker.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  int messages = 100000;
  int size = 300;
  int window = 1000; ///< publishes in flight (unconfirmed) at most
  int credit = 256;  ///< consumer credit
  bool reference = true;
};

boa::protocol::envelope bench_message(const std::string& address, int size) {
  boa::protocol::envelope e;
  e.address = address;
  e.subject = "bench";
  e.body =
      R"({"v":1,"type":"bench","pad":")" + std::string(static_cast<std::size_t>(size), 'x') + "\"}";
  return e;
}

/// Counts events from several threads and lets one thread wait for a count.
struct counter {
  std::mutex mutex;
  std::condition_variable changed;
  long value = 0;
  void add() {
    std::lock_guard guard{mutex};
    ++value;
    changed.notify_all();
  }
  template <class Predicate> void wait(Predicate done) {
    std::unique_lock lock{mutex};
    changed.wait(lock, [&] { return done(value); });
  }
};

double run_bridge(const options& opt, std::uint16_t port) {
  caf::actor_system_config config;
  caf::actor_system system{config};
  boa::amqp::bridge_options bridge_opts;
  bridge_opts.url = "amqp://127.0.0.1:" + std::to_string(port);
  auto connected = boa::amqp::bridge::connect(bridge_opts);
  if (!connected)
    throw std::runtime_error(connected.error().message);
  auto& bus = **connected;

  auto received = std::make_shared<counter>();
  auto confirmed = std::make_shared<counter>();
  auto failed = std::make_shared<std::atomic<long>>(0);
  auto consumer = system.spawn([&bus, received](caf::event_based_actor*) -> caf::behavior {
    return {[&bus, received](boa::actors::delivery_atom, boa::bus::delivery& d) {
      bus.settle(d.tag, boa::bus::settlement::accept);
      bus.add_credit(d.subscription, 1);
      received->add();
    }};
  });
  auto confirmer = system.spawn([confirmed, failed](caf::event_based_actor*) -> caf::behavior {
    return {[confirmed, failed](boa::actors::published_atom, std::uint64_t, bool ok, std::string&) {
      if (!ok)
        ++*failed;
      confirmed->add();
    }};
  });
  auto sub = bus.subscribe("queue:bench.bridge", consumer, static_cast<std::uint32_t>(opt.credit));
  if (!sub)
    throw std::runtime_error(sub.error().message);
  const auto message = bench_message("queue:bench.bridge", opt.size);

  auto t0 = clock_type::now();
  for (long i = 0; i < opt.messages; ++i) {
    confirmed->wait([&](long done) { return i - done < opt.window; });
    bus.publish(message, confirmer, static_cast<std::uint64_t>(i));
  }
  received->wait([&](long n) { return n == opt.messages; });
  confirmed->wait([&](long n) { return n == opt.messages; });
  auto elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  if (*failed > 0)
    fmt::print("  ({} publishes were refused)\n", failed->load());

  bus.unsubscribe(*sub);
  caf::anon_send_exit(consumer, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(confirmer, caf::exit_reason::user_shutdown);
  bus.close();
  return opt.messages / elapsed;
}

/// The same flow with Proton alone: one connection, a sender keeping `window` publishes in flight,
/// a receiver with `credit` that accepts every message as it arrives.
class raw_client final : public proton::messaging_handler {
public:
  raw_client(const options& opt, std::uint16_t port)
      : opt_(opt), port_(port),
        message_(boa::amqp::to_message(bench_message("queue:bench.raw", opt.size))) {}

  double run() {
    proton::container container(*this, "boa-bridge-bench-raw");
    container.run();
    return opt_.messages / std::chrono::duration<double>(end_ - start_).count();
  }

  void on_container_start(proton::container& c) override {
    c.connect("127.0.0.1:" + std::to_string(port_));
  }
  void on_connection_open(proton::connection& c) override {
    start_ = clock_type::now();
    c.open_receiver("/queue/bench.raw", proton::receiver_options().credit_window(opt_.credit));
    sender_ = c.open_sender("/queue/bench.raw");
  }
  void on_sendable(proton::sender& s) override {
    while (s.credit() > 0 && sent_ < opt_.messages && sent_ - confirmed_ < opt_.window) {
      s.send(message_);
      ++sent_;
    }
  }
  void on_tracker_accept(proton::tracker& t) override {
    ++confirmed_;
    on_sendable(sender_);
    finish_if_done(t.connection());
  }
  void on_message(proton::delivery& d, proton::message&) override {
    ++received_;
    finish_if_done(d.connection());
  }

private:
  void finish_if_done(proton::connection c) {
    if (received_ == opt_.messages && confirmed_ == opt_.messages && !done_) {
      done_ = true;
      end_ = clock_type::now();
      c.close();
    }
  }

  const options opt_;
  const std::uint16_t port_;
  const proton::message message_;
  proton::sender sender_;
  long sent_ = 0;
  long confirmed_ = 0;
  long received_ = 0;
  bool done_ = false;
  clock_type::time_point start_;
  clock_type::time_point end_;
};

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"boa AMQP bridge benchmark"};
  app.add_option("--messages", opt.messages, "Messages per run")->check(CLI::PositiveNumber);
  app.add_option("--size", opt.size, "Body padding in bytes")->check(CLI::NonNegativeNumber);
  app.add_option("--window", opt.window, "Unconfirmed publishes in flight at most")
      ->check(CLI::PositiveNumber);
  app.add_option("--credit", opt.credit, "Consumer credit")->check(CLI::PositiveNumber);
  app.add_flag("!--no-reference", opt.reference, "Skip the bare Proton reference run");
  CLI11_PARSE(app, argc, argv);

  auto core = std::make_shared<boa::bus::broker_core>();
  auto broker = boa::amqp::embedded_broker::start(core, "127.0.0.1", 0);
  if (!broker) {
    fmt::print(stderr, "{}\n", broker.error().message);
    return 1;
  }
  const auto port = (*broker)->port();
  fmt::print("boa bridge bench: {} messages of ~{} B, {} publishes in flight, consumer credit {}, "
             "embedded broker on port {}\n",
             opt.messages, opt.size, opt.window, opt.credit, port);
  auto raw = opt.reference ? raw_client(opt, port).run() : 0.0;
  auto bridged = run_bridge(opt, port);
  fmt::print("  bridge (CAF actors)        {:>10.0f} msg/s   (publish, confirm, deliver, accept)\n",
             bridged);
  if (opt.reference) {
    fmt::print("  reference: bare Proton     {:>10.0f} msg/s   (same flow, one handler)\n", raw);
    fmt::print("  ratio bridge / bare Proton {:.2f}\n", bridged / raw);
  }
  return 0;
}
