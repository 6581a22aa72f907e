// Node throughput: J jobs of S no-op steps through real `boad` processes (one, or a cluster of
// `--nodes N`) on the first one's embedded broker or on `--broker URL` (RabbitMQ), started and
// followed over AMQP as any client would, printed beside a raw publish -> consume -> accept loop
// against the same broker in the same run. One boa step costs at least one such round (consume
// the job state, publish the next one, accept), so the raw loop is the limit.
//
// `--failover` measures instead how long a step of a node killed with SIGKILL takes to start
// again on another node: from the kill to the next attempt's first instruction.
//
// `--flood N` measures memory instead: N jobs enqueued at once, and the peak RSS (VmHWM) of the
// node (and, run apart, of its broker) beside the same processes idle and under a tenth of N.
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

/// Stops the bench's own actors and waits for them when it goes, whatever happens: before what
/// their handlers refer to.
struct stop_actors {
  caf::actor_system& system;
  std::vector<caf::actor> actors;
  ~stop_actors() {
    for (auto& a : actors)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    system.await_all_actors_done();
  }
};

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
  int nodes = 1;
  std::string broker; ///< empty: the first node's embedded broker (a `boad broker` for failover)
  int failovers = 0;  ///< >0: measure that many failovers instead of throughput
  int flood = 0;      ///< >0: enqueue that many jobs at once and measure memory instead
  std::string definition; ///< a workflow file the flood's jobs run instead of no-op steps
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

/// How a `boad` child takes part: hosting the embedded broker (and running steps), only the
/// embedded broker (`boad broker`), or a node joining a broker.
enum class role { host, broker_only, joiner };

/// One `boad` child, its data and log in a temporary directory; stopped by SIGTERM to its own pid
/// (or killed by `kill9`).
struct boad_process {
  fs::path dir;
  std::uint16_t port = 0; ///< its embedded broker's (host, broker_only)
  std::string url;        ///< the broker it uses
  pid_t pid = -1;

  boad_process(const options& opt, role r, const std::string& node_id,
               const std::string& broker_url = {}) {
    std::string tmpl = (fs::temp_directory_path() / "boa-node-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw std::runtime_error("cannot make a temporary directory");
    dir = tmpl;
    if (r == role::joiner) {
      url = broker_url;
    } else {
      port = free_port(); // a clash makes boad exit 3 at start, which `connect` reports
      url = fmt::format("amqp://127.0.0.1:{}", port);
    }
    std::vector<std::string> args{opt.boad};
    if (r == role::broker_only)
      args.emplace_back("broker");
    if (r == role::joiner)
      args.insert(args.end(), {"--broker", url});
    else
      args.insert(args.end(), {"--listen", fmt::format("127.0.0.1:{}", port)});
    args.insert(args.end(),
                {"--data", (dir / "data").string(), "--node-id", node_id, "--log-level", "warn"});
    if (r != role::broker_only)
      args.insert(args.end(), {"--workers", std::to_string(opt.workers)});
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    auto log_path = (dir / "boad.log").string();
    pid = ::fork(); // no other thread runs yet
    if (pid == 0) {
      ::dup2(::open("/dev/null", O_RDONLY | O_CLOEXEC), 0);
      ::dup2(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 2);
      ::dup2(2, 1);
      ::execv(opt.boad.c_str(), argv.data());
      std::fprintf(stderr, "cannot run %s: %s\n", opt.boad.c_str(), std::strerror(errno));
      std::_Exit(127);
    }
    if (pid < 0) {
      fs::remove_all(dir);
      throw std::runtime_error("fork failed");
    }
  }

  std::string log() const { return read_file(dir / "boad.log"); }

  void kill9() {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
  }

  /// Connects a bridge once the broker listens; fails with boad's log if boad exits first.
  std::unique_ptr<boa::amqp::bridge> connect() {
    boa::amqp::bridge_options o;
    o.url = url;
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

/// The wall clock in nanoseconds, as `date +%s%N` prints it.
std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Lines of `path` (PID and wall-clock ns of each start of the slow step).
std::vector<std::pair<pid_t, std::int64_t>> starts(const fs::path& path) {
  std::vector<std::pair<pid_t, std::int64_t>> out;
  std::ifstream in(path);
  long pid = 0;
  long long ns = 0;
  while (in >> pid >> ns)
    out.emplace_back(static_cast<pid_t>(pid), static_cast<std::int64_t>(ns));
  return out;
}

/// Polls `done` every millisecond for up to 60 s.
template <class Done> void poll_until(Done done, const char* what) {
  for (auto until = clock_type::now() + std::chrono::seconds(60); clock_type::now() < until;) {
    if (done())
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  throw std::runtime_error(fmt::format("no {} within 60 s", what));
}

/// `--failover N`: a broker of its own (`boad broker`, or `--broker`) and `--nodes` nodes (at
/// least 2). Each round starts a job whose step appends its node's PID and the time to a file and
/// then sleeps, kills that node with SIGKILL, and takes the time until the step's next start
/// (on another node: the killed one is replaced only after). Prints each and the worst.
int measure_failover(options opt) {
  opt.nodes = std::max(opt.nodes, 2);
  std::unique_ptr<boad_process> broker;
  if (opt.broker.empty()) {
    broker = std::make_unique<boad_process>(opt, role::broker_only, "bench-broker");
    broker->connect(); // waits until it listens
    opt.broker = broker->url;
  }
  std::vector<std::unique_ptr<boad_process>> nodes;
  for (int i = 0; i < opt.nodes; ++i)
    nodes.push_back(
        std::make_unique<boad_process>(opt, role::joiner, fmt::format("bench-{}", i), opt.broker));
  auto bus = nodes[0]->connect();
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system system{cfg};
  fmt::print("boa failover bench: {} nodes on {}; a step's node is killed (SIGKILL) {} times\n",
             opt.nodes, opt.broker, opt.failovers);
  std::vector<double> ms;
  for (int round = 0; round < opt.failovers; ++round) {
    auto marker = fs::temp_directory_path() / fmt::format("boa-failover-{}-{}", ::getpid(), round);
    auto m = marker.string();
    boa::protocol::start_job_request r;
    r.job_id = fmt::format("j-failover-{}-{}", ::getpid(), round);
    r.definition = boost::json::parse(fmt::format(
                                          R"({{"name": "failover", "steps": [{{"id": "slow",
        "run": {{"kind": "exec", "argv": ["sh", "-c",
          "n=$(cat {0} 2>/dev/null | wc -l); echo $PPID $(date +%s%N) >> {0}; [ $n -gt 0 ] || sleep 60; echo '{{}}'"]}}}}]}})",
                                          m))
                       .as_object();
    boa::protocol::envelope env;
    env.address = boa::protocol::addresses::new_jobs;
    env.subject = boa::protocol::start_job_type;
    env.body = boa::protocol::serialize_start_job(r);
    bus->publish(std::move(env), caf::actor{}, 0);
    poll_until([&] { return !starts(marker).empty(); }, "start of the slow step");
    auto victim = starts(marker).front().first;
    auto node = std::find_if(nodes.begin(), nodes.end(), [&](auto& n) { return n->pid == victim; });
    if (node == nodes.end())
      throw std::runtime_error(
          fmt::format("the step runs in PID {}, no node of this bench", victim));
    auto killed_at = wall_ns();
    (*node)->kill9();
    poll_until([&] { return starts(marker).size() >= 2; }, "second start of the step");
    auto again = starts(marker)[1];
    ms.push_back(static_cast<double>(again.second - killed_at) / 1e6);
    fmt::print("  round {}: killed PID {}, the step started again in PID {} after {:.0f} ms\n",
               round + 1, victim, again.first, ms.back());
    *node = std::make_unique<boad_process>(opt, role::joiner, fmt::format("bench-r{}", round),
                                           opt.broker);
    std::error_code ignored;
    fs::remove(marker, ignored);
  }
  fmt::print("  failover: worst {:.0f} ms, best {:.0f} ms   (goal <= 1000 ms)\n",
             *std::max_element(ms.begin(), ms.end()), *std::min_element(ms.begin(), ms.end()));
  return 0;
}

/// Resident memory of a process from /proc/PID/status: `field` is VmRSS (now) or VmHWM (peak), in
/// MiB; 0 when the process is gone.
double memory_mib(pid_t pid, const char* field) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(field))
      return std::strtod(line.c_str() + std::strlen(field) + 1, nullptr) / 1024.0;
  return 0;
}

/// What one flood showed: each process's RSS before the flood and its peak, and how long it took.
struct flood_figures {
  std::vector<double> idle_mib, peak_mib;
  double enqueue_s = 0, all_ended_s = 0;
  long not_finished = 0, refused = 0;
};

/// Starts `processes` (the first takes the client connection), lets them settle, enqueues `jobs`
/// start-job messages at once (0: none) and waits until every job ended.
flood_figures flood_once(const options& opt, int jobs, bool separate_broker) {
  std::vector<std::unique_ptr<boad_process>> procs;
  if (separate_broker) {
    procs.push_back(std::make_unique<boad_process>(opt, role::broker_only, "flood-broker"));
    procs.front()->connect(); // waits until it listens
    procs.push_back(
        std::make_unique<boad_process>(opt, role::joiner, "flood-node", procs.front()->url));
  } else {
    procs.push_back(std::make_unique<boad_process>(opt, role::host, "flood-node"));
  }
  auto bus = procs.front()->connect();
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system system{cfg};
  std::mutex mutex;
  std::condition_variable changed;
  long ended = 0, not_finished = 0, confirmed = 0, refused = 0;
  auto confirmer = system.spawn([&](caf::event_based_actor*) -> caf::behavior {
    return {[&](boa::actors::published_atom, std::uint64_t, bool ok, std::string&) {
      std::lock_guard guard{mutex};
      ++confirmed;
      refused += !ok;
      changed.notify_all();
    }};
  });
  auto events = system.spawn([&](caf::event_based_actor*) -> caf::behavior {
    return {[&](boa::actors::delivery_atom, boa::bus::delivery& d) {
      bus->settle(d.tag, boa::bus::settlement::accept);
      bus->add_credit(d.subscription, 1);
      if (d.message.subject != "job-ended")
        return;
      auto e = boa::protocol::parse_event(d.message.body);
      std::lock_guard guard{mutex};
      ++ended;
      not_finished += e && e->state != boa::protocol::job_state::finished;
      changed.notify_all();
    }};
  });
  stop_actors stopper{system, {events, confirmer}};
  if (auto sub = bus->subscribe(boa::protocol::addresses::events, events, 256); !sub)
    throw std::runtime_error(sub.error().message);

  // Settled: the node has started its workers, connected and sent a few heartbeats.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  flood_figures out;
  for (auto& p : procs)
    out.idle_mib.push_back(memory_mib(p->pid, "VmRSS:"));

  auto definition = boost::json::parse(opt.definition.empty() ? workflow_json(opt.steps)
                                                              : read_file(opt.definition))
                        .as_object();
  auto t0 = clock_type::now();
  for (int i = 0; i < jobs; ++i) {
    boa::protocol::start_job_request r;
    r.job_id = fmt::format("j-flood-{}", i);
    r.definition = definition;
    boa::protocol::envelope env;
    env.address = boa::protocol::addresses::new_jobs;
    env.subject = boa::protocol::start_job_type;
    env.body = boa::protocol::serialize_start_job(r);
    bus->publish(std::move(env), confirmer, 0);
  }
  std::unique_lock lock{mutex};
  wait_for(
      changed, lock, [&] { return confirmed; }, jobs, "publish confirmed");
  out.enqueue_s = seconds(clock_type::now() - t0);
  wait_for(
      changed, lock, [&] { return ended; }, jobs, "job ended");
  out.all_ended_s = seconds(clock_type::now() - t0);
  out.not_finished = not_finished;
  out.refused = refused;
  for (auto& p : procs)
    out.peak_mib.push_back(memory_mib(p->pid, "VmHWM:"));
  return out;
}

/// `--flood N`: one boad with its embedded broker, then a node and a `boad broker` apart (so that
/// the broker's memory, which holds the queued messages, shows on its own), each idle, under a
/// tenth of N and under N jobs enqueued at once.
int measure_flood(const options& opt) {
  fmt::print("boa flood bench: jobs of {} enqueued at once, {} workers; peak RSS is VmHWM from "
             "/proc (fresh processes for each row)\n",
             opt.definition.empty() ? fmt::format("{} no-op steps", opt.steps) : opt.definition,
             opt.workers);
  for (bool separate : {false, true}) {
    fmt::print("{}\n", separate ? "node and its broker apart (boad --broker, boad broker):"
                                : "one boad with its embedded broker:");
    for (int jobs : {0, std::max(1, opt.flood / 10), opt.flood}) {
      auto f = flood_once(opt, jobs, separate);
      std::string row = fmt::format("  {:>7} jobs: ", jobs);
      const char* names[] = {separate ? "broker" : "boad", "node"};
      for (std::size_t i = 0; i < f.peak_mib.size(); ++i)
        row += fmt::format("{}{} idle {:.1f} MiB, peak {:.1f} MiB", i ? "; " : "", names[i],
                           f.idle_mib[i], f.peak_mib[i]);
      if (jobs > 0)
        row += fmt::format("; enqueued in {:.1f} s, all ended after {:.1f} s", f.enqueue_s,
                           f.all_ended_s);
      if (f.not_finished > 0 || f.refused > 0)
        row += fmt::format(" (warning: {} not finished, {} refused)", f.not_finished, f.refused);
      fmt::print("{}\n", row);
    }
  }
  return 0;
}

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
  app.add_option("--nodes", opt.nodes, "boad nodes sharing the work")->check(positive);
  app.add_option("--broker", opt.broker,
                 "Cluster broker every node joins (e.g. RabbitMQ); default: the first node's "
                 "embedded broker");
  app.add_option("--failover", opt.failovers,
                 "Instead of throughput: kill the node running a step this many times and "
                 "measure until the step starts again elsewhere")
      ->check(positive);
  app.add_option("--flood", opt.flood,
                 "Instead of throughput: enqueue this many jobs at once (and a tenth as many) and "
                 "print the peak RSS of the node and of its broker; jobs have 1 step unless "
                 "--steps says otherwise")
      ->check(positive);
  app.add_option("--definition", opt.definition,
                 "With --flood: the workflow (JSON file) each job runs instead of no-op steps")
      ->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  if (opt.flood > 0 && app.count("--steps") == 0)
    opt.steps = 1;
  const long messages = opt.messages > 0 ? opt.messages : static_cast<long>(opt.jobs) * opt.steps;

  try {
    if (opt.failovers > 0)
      return measure_failover(opt);
    if (opt.flood > 0)
      return measure_flood(opt);
    // The first node hosts the embedded broker unless the cluster uses another one.
    std::vector<std::unique_ptr<boad_process>> nodes;
    for (int i = 0; i < opt.nodes; ++i) {
      auto id = fmt::format("bench-{}", i);
      if (i == 0 && opt.broker.empty())
        nodes.push_back(std::make_unique<boad_process>(opt, role::host, id));
      else
        nodes.push_back(std::make_unique<boad_process>(
            opt, role::joiner, id, opt.broker.empty() ? nodes[0]->url : opt.broker));
    }
    auto bus = nodes[0]->connect();
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
    stop_actors stopper{system, {events, raw_consumer, confirmer}}; // before `jobs` and `raw` go
    const auto credit = static_cast<std::uint32_t>(std::max(opt.concurrency, 256));
    for (auto sub : {bus->subscribe(boa::protocol::addresses::events, events, credit),
                     bus->subscribe(raw.message.address, raw_consumer, credit)})
      if (!sub)
        throw std::runtime_error(sub.error().message);

    fmt::print("boa node bench: {} jobs x {} no-op steps through {} boad ({} workers each, {} jobs "
               "in flight), {}\n",
               opt.jobs, opt.steps, opt.nodes, opt.workers, opt.concurrency,
               opt.broker.empty() ? "embedded broker of the first" : "broker " + opt.broker);
    // Both warmed up first. The raw loop runs before and after the boa run and the better run is
    // the limit, so that drift (journal compaction, a busy machine) cannot favour boa.
    if (opt.warmup > 0)
      jobs.run(opt.warmup, opt.concurrency, "j-warmup");
    raw.run(std::min(messages, 2000L), opt.concurrency);
    auto cpu = [&] {
      double boads = 0;
      for (auto& n : nodes)
        boads += cpu_seconds(n->pid);
      return std::pair{boads, cpu_seconds(::getpid())};
    };
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
