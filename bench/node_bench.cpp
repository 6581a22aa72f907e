// Node throughput: J jobs of S no-op steps through a real `boad` process and its embedded broker,
// started and followed over AMQP as any client would, printed beside a raw publish -> consume ->
// accept loop against the same broker in the same run. One boa step costs at least one such
// round (consume the job state, publish the next one, accept), so the raw loop is the limit.
#include "actors/messages.hpp"
#include "protocol/client_messages.hpp"
#include "protocol/event.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/transition.hpp"
#include "protocol/workflow_codec.hpp"
#include "runtime/amqp/amqp_bridge.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <boost/json/parse.hpp>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct options {
  int jobs = 2000;
  int steps = 10;
  int workers = 2;
  int concurrency = 64;
  int warmup = 200;
  int messages = 0; ///< raw loop messages; 0: jobs x steps
  std::string boad = BOA_BOAD;
};

double seconds(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string workflow_json(int steps) {
  std::string s = R"({"name": "bench", "steps": [)";
  for (int i = 0; i < steps; ++i)
    s += fmt::format(R"({}{{"id": "s{}", "run": "noop"{}}})", i ? "," : "", i,
                     i + 1 < steps ? fmt::format(R"(, "next": [["*", "s{}"]])", i + 1) : "");
  return s + "]}";
}

/// The job state boad publishes halfway through a job of `steps` no-op steps, built with the
/// engine's own transition rules: the raw loop carries the body a step carries.
boa::protocol::envelope midway_job_state(int steps) {
  auto wf = boa::protocol::parse_workflow(workflow_json(steps)).workflow;
  const std::int64_t now = 1'770'000'000'000;
  auto j = boa::protocol::transition::start("j-bench-0000000000", wf, {}, now);
  for (int i = 0; i < steps / 2 && !j.step.empty(); ++i) {
    const auto& s = *wf->def.find(j.step);
    boa::protocol::transition::enter_step(j, s);
    auto result = boa::protocol::transition::record_attempt(
        j, s, boa::protocol::step_outcome::success(nullptr),
        {"", 1, "bench", "", now, now, "", ""});
    j = boa::protocol::transition::advance(std::move(j), s, result, now + 1).front().state;
    ++j.version;
  }
  boa::protocol::envelope e;
  e.address = "queue:bench.raw";
  e.subject = "job";
  e.body = boa::protocol::serialize_job(j);
  return e;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// CPU seconds (user + system) a process has used so far, from /proc.
double cpu_seconds(pid_t pid) {
  auto stat = read_file(fmt::format("/proc/{}/stat", pid));
  unsigned long user = 0, system = 0; // fields 14 and 15, after the name in parentheses
  std::sscanf(stat.c_str() + stat.rfind(')') + 1,
              " %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %lu", &user, &system);
  return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// A loopback port free right now, for boad to bind a moment later.
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("cannot find a free loopback port");
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// Waits until `count()` reaches `target`; throws if it stops moving for 30 s (boad died or hung).
template <class Count>
void wait_for(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Count count,
              long target, const char* what) {
  for (long seen = count();
       !cv.wait_for(lock, std::chrono::seconds(30), [&] { return count() >= target; });
       seen = count())
    if (count() == seen)
      throw std::runtime_error(fmt::format("no {} for 30 s ({} of {})", what, seen, target));
}

/// One `boad` child with its embedded broker, its data and log in a temporary directory; stopped
/// by SIGTERM to its own pid.
struct boad_process {
  fs::path dir;
  std::uint16_t port = 0;
  pid_t pid = -1;

  boad_process(const options& opt) {
    std::string tmpl = (fs::temp_directory_path() / "boa-node-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw std::runtime_error("cannot make a temporary directory");
    dir = tmpl;
    port = free_port(); // a clash makes boad exit 3 at start, which `connect` reports
    auto listen = fmt::format("127.0.0.1:{}", port), data = (dir / "data").string(),
         log_path = (dir / "boad.log").string(), workers = std::to_string(opt.workers);
    pid = ::fork(); // no other thread runs yet
    if (pid == 0) {
      ::dup2(::open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
      ::dup2(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 2);
      ::dup2(2, 1);
      ::execl(opt.boad.c_str(), opt.boad.c_str(), "--listen", listen.c_str(), "--data",
              data.c_str(), "--node-id", "bench", "--workers", workers.c_str(), "--log-level",
              "warn", nullptr);
      std::fprintf(stderr, "cannot run %s: %s\n", opt.boad.c_str(), std::strerror(errno));
      std::_Exit(127);
    }
    if (pid < 0) {
      fs::remove_all(dir);
      throw std::runtime_error("fork failed");
    }
  }

  std::string log() const { return read_file(dir / "boad.log"); }

  /// Connects a bridge once the broker listens; fails with boad's log if boad exits first.
  std::unique_ptr<boa::amqp::bridge> connect() {
    boa::amqp::bridge_options o;
    o.url = fmt::format("amqp://127.0.0.1:{}", port);
    o.container_id = "boa-node-bench";
    o.connect_timeout = std::chrono::milliseconds(500);
    for (auto until = clock_type::now() + std::chrono::seconds(20); clock_type::now() < until;) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        throw std::runtime_error("boad exited at start:\n" + log());
      }
      if (auto b = boa::amqp::bridge::connect(o))
        return std::move(*b);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("boad's broker did not listen within 20 s:\n" + log());
  }

  ~boad_process() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      int status = 0;
      ::waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fmt::print(stderr, "boad did not stop cleanly:\n{}", log());
    }
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

/// Starts jobs with `start-job` messages, keeping `in_flight` of them running, and takes their
/// `job-ended` events (delivered to the events actor, which calls `on_event`).
struct job_driver {
  boa::bus::bus& bus;
  caf::actor confirmer;
  boost::json::object definition;
  int steps = 0;
  std::mutex mutex{};
  std::condition_variable all_ended{};
  std::unordered_map<std::string, clock_type::time_point> started{};
  std::vector<double> latencies_ms{};
  std::string prefix{};
  int next = 0, total = 0, not_finished = 0;
  clock_type::time_point last_end{};

  void start_one() { // under `mutex`
    boa::protocol::start_job_request r;
    r.job_id = fmt::format("{}-{}", prefix, next++);
    r.definition = definition;
    boa::protocol::envelope env;
    env.address = boa::protocol::addresses::new_jobs;
    env.subject = boa::protocol::start_job_type;
    env.body = boa::protocol::serialize_start_job(r);
    started.emplace(r.job_id, clock_type::now());
    bus.publish(std::move(env), confirmer, 0);
  }

  void on_event(const boa::protocol::envelope& m) {
    if (m.subject != "job-ended")
      return;
    auto e = boa::protocol::parse_event(m.body);
    auto now = clock_type::now();
    std::lock_guard guard{mutex};
    auto i = e ? started.find(e->job_id) : started.end();
    if (i == started.end())
      return;
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - i->second).count());
    started.erase(i);
    not_finished += e->state != boa::protocol::job_state::finished;
    last_end = now;
    if (next < total)
      start_one();
    if (static_cast<int>(latencies_ms.size()) == total)
      all_ended.notify_all();
  }

  struct figures {
    double steps_per_s, p50_ms, p99_ms;
    int not_finished;
  };
  figures run(int jobs, int in_flight, const std::string& id_prefix) {
    std::unique_lock lock{mutex};
    latencies_ms.clear();
    prefix = id_prefix;
    next = not_finished = 0;
    total = jobs;
    auto t0 = clock_type::now();
    while (next < std::min(in_flight, jobs))
      start_one();
    wait_for(
        all_ended, lock, [&] { return static_cast<long>(latencies_ms.size()); }, jobs, "job ended");
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto pct = [&](double p) {
      return latencies_ms[static_cast<std::size_t>(p * (latencies_ms.size() - 1))];
    };
    return {static_cast<double>(jobs) * steps / seconds(last_end - t0), pct(0.50), pct(0.99),
            not_finished};
  }
};

/// `in_flight` messages circulating through `queue:bench.raw`: each delivery is accepted, its
/// credit given back, and one more message published, until `total` were consumed.
struct raw_loop {
  boa::bus::bus& bus;
  caf::actor confirmer;
  boa::protocol::envelope message;
  std::mutex mutex{};
  std::condition_variable done{};
  long sent = 0, received = 0, total = 0;

  void on_delivery() {
    std::lock_guard guard{mutex};
    if (sent < total) {
      bus.publish(message, confirmer, 0);
      ++sent;
    }
    if (++received == total)
      done.notify_all();
  }

  double run(long messages, int in_flight) {
    std::unique_lock lock{mutex};
    sent = received = 0;
    total = messages;
    auto t0 = clock_type::now();
    for (; sent < std::min<long>(in_flight, messages); ++sent)
      bus.publish(message, confirmer, 0);
    wait_for(
        done, lock, [&] { return received; }, total, "raw message came back");
    return static_cast<double>(messages) / seconds(clock_type::now() - t0);
  }
};

} // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"boa node benchmark: jobs through a real boad, beside a raw broker loop"};
  auto positive = CLI::PositiveNumber;
  app.add_option("--jobs", opt.jobs, "Jobs to run (measured)")->check(positive);
  app.add_option("--steps", opt.steps, "No-op steps per job")->check(positive);
  app.add_option("--workers", opt.workers, "boad's step workers")->check(positive);
  app.add_option("--concurrency", opt.concurrency, "Jobs (raw messages) in flight")
      ->check(positive);
  app.add_option("--warmup", opt.warmup, "Jobs run first, not counted")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--messages", opt.messages, "Raw loop messages (default: jobs x steps)")
      ->check(positive);
  app.add_option("--boad", opt.boad, "The boad binary")->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  const long messages = opt.messages > 0 ? opt.messages : static_cast<long>(opt.jobs) * opt.steps;

  try {
    boad_process boad(opt);
    auto bus = boad.connect();
    caf::actor_system_config cfg;
    // One scheduler thread: CAF's default (at least 4 polling workers) would take CPU from boad
    // on a small machine; the client's work is light, the same for the boa run and the raw loop.
    cfg.set("scheduler.max-threads", 1);
    caf::actor_system system{cfg};
    auto refused = std::make_shared<std::atomic<long>>(0);
    auto confirmer = system.spawn([refused](caf::event_based_actor*) -> caf::behavior {
      return {[refused](boa::actors::published_atom, std::uint64_t, bool ok, std::string&) {
        *refused += !ok;
      }};
    });
    job_driver jobs{*bus, confirmer, boost::json::parse(workflow_json(opt.steps)).as_object(),
                    opt.steps};
    raw_loop raw{*bus, confirmer, midway_job_state(opt.steps)};
    // Both consumers accept each delivery and give its credit back at once, as boad does.
    auto consumer = [&bus](auto on_delivery) {
      return [&bus, on_delivery](caf::event_based_actor*) -> caf::behavior {
        return {[&bus, on_delivery](boa::actors::delivery_atom, boa::bus::delivery& d) {
          bus->settle(d.tag, boa::bus::settlement::accept);
          bus->add_credit(d.subscription, 1);
          on_delivery(d.message);
        }};
      };
    };
    auto events = system.spawn(consumer([&](const auto& m) { jobs.on_event(m); }));
    auto raw_consumer = system.spawn(consumer([&](const auto&) { raw.on_delivery(); }));
    struct stop_actors { // before `jobs` and `raw` go, whatever happens
      caf::actor_system& system;
      std::vector<caf::actor> actors;
      ~stop_actors() {
        for (auto& a : actors)
          caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
        system.await_all_actors_done();
      }
    } stopper{system, {events, raw_consumer, confirmer}};
    const auto credit = static_cast<std::uint32_t>(std::max(opt.concurrency, 256));
    for (auto sub : {bus->subscribe(boa::protocol::addresses::events, events, credit),
                     bus->subscribe(raw.message.address, raw_consumer, credit)})
      if (!sub)
        throw std::runtime_error(sub.error().message);

    fmt::print("boa node bench: {} jobs x {} no-op steps through boad ({} workers, {} jobs in "
               "flight), embedded broker\n",
               opt.jobs, opt.steps, opt.workers, opt.concurrency);
    // Both warmed up first. The raw loop runs before and after the boa run and the better run is
    // the limit, so that drift (journal compaction, a busy machine) cannot favour boa.
    if (opt.warmup > 0)
      jobs.run(opt.warmup, opt.concurrency, "j-warmup");
    raw.run(std::min(messages, 2000L), opt.concurrency);
    auto cpu = [&] { return std::pair{cpu_seconds(boad.pid), cpu_seconds(::getpid())}; };
    auto c0 = cpu();
    auto raw_before = raw.run(messages, opt.concurrency);
    auto c1 = cpu();
    auto boa = jobs.run(opt.jobs, opt.concurrency, "j-bench");
    auto c2 = cpu();
    auto raw_after = raw.run(messages, opt.concurrency);
    auto c3 = cpu();
    auto raw_best = std::max(raw_before, raw_after);
    auto per_step = [&](double cpu_s) { return cpu_s / (double(opt.jobs) * opt.steps) * 1e6; };
    auto per_msg = [&](double cpu_s) { return cpu_s / (2.0 * messages) * 1e6; };

    fmt::print("  boad                       {:>8.0f} steps/s   job latency p50 {:.1f} ms, p99 "
               "{:.1f} ms\n",
               boa.steps_per_s, boa.p50_ms, boa.p99_ms);
    fmt::print("  reference: raw broker loop {:>8.0f} msg/s     (publish + consume + accept, {} B "
               "job state, {} in flight, same broker; before {:.0f}, after {:.0f})\n",
               raw_best, raw.message.body.size(), opt.concurrency, raw_before, raw_after);
    fmt::print("  cpu per step: boad {:.0f} us, bench {:.0f} us; per raw message: boad {:.0f} us, "
               "bench {:.0f} us\n",
               per_step(c2.first - c1.first), per_step(c2.second - c1.second),
               per_msg(c1.first - c0.first + c3.first - c2.first),
               per_msg(c1.second - c0.second + c3.second - c2.second));
    fmt::print("  ratio: boad steps / raw messages {:.2f}   (goal >= 0.6)\n",
               boa.steps_per_s / raw_best);
    if (boa.not_finished > 0 || *refused > 0)
      fmt::print("  warning: {} jobs did not finish, {} publishes were refused\n", boa.not_finished,
                 refused->load());

  } catch (const std::exception& e) {
    fmt::print(stderr, "node_bench: {}\n", e.what());
    return 1;
  }
  return 0;
}
