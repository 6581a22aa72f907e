#include "sim/simulated_cluster.hpp"

#include "sim/seed.hpp"

#include <algorithm>
#include <limits>
#include <string_view>

namespace boa::sim {

simulated_cluster::simulated_cluster(caf::actor_system& system,
                                     std::shared_ptr<bus::broker_core> core,
                                     const virtual_clock& clock, executor_factory executors,
                                     trace& events, settings s)
    : system_(system), core_(std::move(core)), clock_(clock), executors_(std::move(executors)),
      trace_(events), settings_(std::move(s)) {}

simulated_cluster::~simulated_cluster() = default;

expected<void> simulated_cluster::start(std::size_t count) {
  nodes_.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    nodes_[i].claims = std::make_shared<actors::delivery_claims>();
    nodes_[i].controls = std::make_shared<actors::job_controls>();
    if (auto started = launch(i); !started)
      return started;
  }
  return {};
}

expected<void> simulated_cluster::launch(std::size_t index) {
  auto& m = nodes_[index];
  auto name = name_of(index);
  // Each incarnation draws its own ids, as a restarted process does from the operating system:
  // message ids of two incarnations must never meet.
  auto incarnation = name + "/" + std::to_string(m.incarnation);
  m.link = std::make_unique<node_link>(core_, name, next_session_++, trace_,
                                       [clock = &clock_] { return clock->elapsed_ms(); });
  m.link->carry_publishes(system_);
  if (settings_.planted_early_accept)
    m.link->accept_on_arrival();
  if (settings_.planted_early_confirm)
    m.link->confirm_on_send();
  runtime::node_options options;
  options.node_id = name;
  options.workers = settings_.workers;
  // Incarnation 0 keeps the derivation the first runs had, so their traces stay comparable.
  auto ids = m.incarnation == 0 ? name : incarnation;
  options.job_id_seed = derive(settings_.seed, "job-ids/" + ids) | 1; // 0 would mean "from the OS"
  options.message_id_prefix = derive(settings_.seed, "message-ids/" + ids) | 1;
  options.clock = &clock_;
  options.detach_blocking_actors = false;
  options.claims = m.claims;
  options.controls = m.controls;
  if (settings_.configure)
    settings_.configure(index, options);
  auto n = runtime::node::start(system_, *m.link, executors_(*m.link), std::move(options));
  if (!n)
    return error{errc::internal, name + " did not start: " + n.error().message};
  m.node = std::move(*n);
  m.lives.emplace_back(clock_.elapsed_ms(), std::numeric_limits<std::int64_t>::max());
  if (settings_.started)
    settings_.started(index, *m.node);
  return {};
}

bool simulated_cluster::crash(std::size_t index) {
  auto& m = nodes_[index];
  if (!m.node)
    return false;
  m.link->cut();
  m.node->stop();
  m.lives.back().second = clock_.elapsed_ms();
  dead_redeliveries_ += m.link->redeliveries();
  dead_nodes_.push_back(std::move(m.node));
  dead_links_.push_back(std::move(m.link));
  return true;
}

expected<bool> simulated_cluster::restart(std::size_t index) {
  auto& m = nodes_[index];
  if (m.node)
    return false;
  ++m.incarnation;
  trace_.record({"restart", name_of(index), std::to_string(m.incarnation)});
  if (auto started = launch(index); !started)
    return started.error();
  return true;
}

void simulated_cluster::stop_all() {
  for (auto& m : nodes_)
    if (m.node)
      m.node->stop();
}

void simulated_cluster::flush_early_accepts() {
  for (auto& m : nodes_)
    if (m.link)
      m.link->flush_early_accepts();
}

std::optional<std::size_t> simulated_cluster::index_of(const std::string& name) {
  constexpr std::string_view prefix = "node-";
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  std::size_t number = 0;
  for (auto c : name.substr(prefix.size())) {
    if (c < '0' || c > '9')
      return std::nullopt;
    number = number * 10 + static_cast<std::size_t>(c - '0');
  }
  if (number == 0)
    return std::nullopt;
  return number - 1;
}

bool simulated_cluster::was_running(std::size_t index, std::int64_t from_ms,
                                    std::int64_t to_ms) const {
  if (index >= nodes_.size())
    return false;
  for (const auto& [started, crashed] : nodes_[index].lives)
    if (started <= to_ms && from_ms <= crashed)
      return true;
  return false;
}

std::vector<node_link*> simulated_cluster::live_links() const {
  std::vector<node_link*> links;
  for (const auto& m : nodes_)
    if (m.node)
      links.push_back(m.link.get());
  return links;
}

std::optional<std::int64_t> simulated_cluster::earliest_silence_ms() const {
  // Asked before every scheduler step: no vector built on the way.
  std::optional<std::int64_t> earliest;
  for (const auto& m : nodes_)
    if (m.node)
      if (auto since = m.link->silent_since_ms())
        earliest = earliest ? std::min(*earliest, *since) : *since;
  return earliest;
}

void simulated_cluster::expire_silent_links(std::int64_t now_ms, std::int64_t idle_timeout_ms) {
  for (auto& m : nodes_)
    if (m.node)
      m.link->expire_if_silent(now_ms, idle_timeout_ms);
}

link_counters simulated_cluster::counters() const {
  link_counters sum;
  for (const auto& link : dead_links_)
    sum += link->counters();
  for (const auto& m : nodes_)
    if (m.link)
      sum += m.link->counters();
  return sum;
}

std::uint64_t simulated_cluster::redeliveries() const {
  auto total = dead_redeliveries_;
  for (const auto& m : nodes_)
    if (m.link)
      total += m.link->redeliveries();
  return total;
}

} // namespace boa::sim
