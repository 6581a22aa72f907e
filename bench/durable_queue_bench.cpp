// Durable queues of the broker core: publish + deliver + accept, one message at a time, on a queue
// kept in the RocksDB queue journal, printed beside the same on a queue the broker keeps in memory
// only (same broker, same run), so that the ratio holds on a noisy machine. Also the time a broker
// takes to restore a backlog at start.
#include "actors/bus/broker_core.hpp"
#include "actors/bus/durable_queues.hpp"
#include "test/support/temp_dir.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

struct options {
  int messages = 200000;
  int sync_messages = 2000;
  int backlog = 100000;
  int body_bytes = 300;
};

std::unique_ptr<boa::bus::broker_core>
durable_broker(const std::filesystem::path& dir, boa::storage::queue_journal_options journal = {}) {
  auto hook = boa::bus::durable_queues::open(dir, journal);
  if (!hook)
    throw std::runtime_error(hook.error().message);
  return std::make_unique<boa::bus::broker_core>(std::move(*hook));
}

/// Messages per second through publish, delivery and accept on `address`, a credit of 64 in flight.
double publish_deliver_accept(boa::bus::broker_core& broker, const std::string& address,
                              int messages, int body_bytes) {
  std::vector<std::uint64_t> tags;
  tags.reserve(64);
  auto sub = broker.subscribe(address, 64, [&](boa::bus::delivery d) { tags.push_back(d.tag); });
  if (!sub)
    throw std::runtime_error(sub.error().message);
  boa::protocol::envelope env;
  env.address = address;
  env.subject = "job";
  env.message_id = "bench";
  env.body = std::string(static_cast<std::size_t>(body_bytes), 'x');
  auto t0 = clock_type::now();
  for (int i = 0; i < messages; ++i) {
    if (auto ok = broker.publish(env); !ok)
      throw std::runtime_error(ok.error().message);
    for (auto t : tags)
      broker.settle(t, boa::bus::settlement::accept);
    if (!tags.empty())
      broker.add_credit(*sub, static_cast<std::uint32_t>(tags.size()));
    tags.clear();
  }
  auto rate = messages / seconds_since(t0);
  broker.unsubscribe(*sub);
  return rate;
}

struct restore_figures {
  double publish_per_s = 0;
  double restore_s = 0;
  std::size_t restored = 0;
};

/// Publishes `backlog` messages nobody consumes, drops the broker, and times a new one's start.
restore_figures restore_backlog(const std::filesystem::path& dir, int backlog, int body_bytes) {
  restore_figures out;
  {
    auto broker = durable_broker(dir);
    boa::protocol::envelope env;
    env.address = "queue:backlog";
    env.body = std::string(static_cast<std::size_t>(body_bytes), 'x');
    auto t0 = clock_type::now();
    for (int i = 0; i < backlog; ++i)
      if (auto ok = broker->publish(env); !ok)
        throw std::runtime_error(ok.error().message);
    out.publish_per_s = backlog / seconds_since(t0);
  }
  auto t0 = clock_type::now();
  auto broker = durable_broker(dir);
  out.restore_s = seconds_since(t0);
  out.restored = broker->stats("queue:backlog").ready;
  return out;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"boa durable queue bench"};
  app.add_option("--messages", opt.messages, "Messages per run")->check(CLI::PositiveNumber);
  app.add_option("--sync-messages", opt.sync_messages,
                 "Messages for the run that fsyncs every write (0: skip it)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--backlog", opt.backlog, "Messages restored at start (0: skip)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--body", opt.body_bytes, "Body size in bytes")->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);

  fmt::print("boa durable queue bench: publish + deliver + accept, {} B bodies, credit 64\n",
             opt.body_bytes);
  boa::test::temp_dir tmp("boa-durable-bench");

  boa::bus::broker_core memory_only;
  auto memory = publish_deliver_accept(memory_only, "queue:bench", opt.messages, opt.body_bytes);

  // One durable broker; a queue its filter leaves out is the in-memory reference of the same run.
  auto hook = boa::bus::durable_queues::open(tmp.path() / "queues.db");
  if (!hook)
    throw std::runtime_error(hook.error().message);
  boa::bus::broker_core broker{
      std::move(*hook), [](const std::string& address) { return address == "queue:durable"; }};
  auto transient = publish_deliver_accept(broker, "queue:transient", opt.messages, opt.body_bytes);
  auto durable = publish_deliver_accept(broker, "queue:durable", opt.messages, opt.body_bytes);

  fmt::print("  broker without a hook        {:>10.0f} msg/s\n", memory);
  fmt::print("  non-durable queue            {:>10.0f} msg/s\n", transient);
  fmt::print(
      "  durable queue (WAL, no sync) {:>10.0f} msg/s   {:.1f}x slower, {:.1f} us/msg more\n",
      durable, transient / durable, 1e6 / durable - 1e6 / transient);

  if (opt.sync_messages > 0) {
    auto synced = durable_broker(tmp.path() / "synced.db", {.sync = true});
    auto rate = publish_deliver_accept(*synced, "queue:durable", opt.sync_messages, opt.body_bytes);
    fmt::print("  durable queue (fsync)        {:>10.0f} msg/s   ({} messages)\n", rate,
               opt.sync_messages);
  }
  if (opt.backlog > 0) {
    auto r = restore_backlog(tmp.path() / "backlog.db", opt.backlog, opt.body_bytes);
    fmt::print("  backlog of {}: published at {:.0f} msg/s, restored {} in {:.3f} s ({:.0f} "
               "msg/s)\n",
               opt.backlog, r.publish_per_s, r.restored, r.restore_s, r.restored / r.restore_s);
  }
  return 0;
}
