#include "actors/metrics/node_metrics.hpp"

#include "actors/heartbeat_emitter.hpp"

#include "protocol/envelope.hpp"

#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace boa::metrics {

namespace {

/// The process's start, in seconds since the epoch: its start in clock ticks after boot
/// (/proc/self/stat, field 22) plus the boot time (/proc/stat, `btime`); 0 where unreadable.
double process_start_seconds() {
  double boot = 0;
  if (std::FILE* f = std::fopen("/proc/stat", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "btime %lf", &boot) == 1)
        break;
    std::fclose(f);
  }
  std::FILE* f = std::fopen("/proc/self/stat", "r");
  if (!f || boot == 0) {
    if (f)
      std::fclose(f);
    return 0;
  }
  char buffer[1024] = {};
  auto n = std::fread(buffer, 1, sizeof buffer - 1, f);
  std::fclose(f);
  buffer[n] = '\0';
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const char* p = std::strrchr(buffer, ')');
  if (!p)
    return 0;
  unsigned long long ticks = 0;
  // Fields 3..21 skipped, 22 read.
  if (std::sscanf(p + 1,
                  " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d "
                  "%llu",
                  &ticks) != 1)
    return 0;
  return boot + static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace

node_metrics::node_metrics(std::string_view version)
    : steps_started_(registry_.add_counter("boa_steps_started_total",
                                           "Step attempts started on this node, by workflow.",
                                           {"workflow"}, max_workflows + 1)),
      steps_finished_(registry_.add_counter(
          "boa_steps_finished_total",
          "Step attempts that ended on this node, by workflow and result (ok or failed; a failed "
          "attempt may be retried).",
          {"workflow", "result"}, 2 * (max_workflows + 1))),
      step_retries_(registry_.add_counter(
          "boa_step_retries_total",
          "Failed step attempts this node scheduled to run again, by workflow.", {"workflow"},
          max_workflows + 1)),
      step_duration_(registry_.add_histogram(
          "boa_step_duration_seconds",
          "How long step attempts took on this node, from start to outcome, by workflow.",
          {"workflow"}, duration_buckets(), max_workflows + 1)),
      jobs_ended_(registry_.add_counter(
          "boa_jobs_ended_total",
          "Jobs whose end this node archived, by terminal state (finished, error, canceled).",
          {"state"})),
      deliveries_(registry_.add_counter(
          "boa_queue_deliveries_total",
          "Messages the broker delivered to this node's subscriptions, by queue or topic address.",
          {"queue"}, max_queues)),
      redeliveries_(registry_.add_counter(
          "boa_queue_redeliveries_total",
          "Deliveries of messages the broker had delivered before (to a consumer that did not "
          "settle them), by address.",
          {"queue"}, max_queues)),
      publish_seconds_(registry_
                           .add_histogram("boa_bus_publish_seconds",
                                          "Time from publishing a message that asks for a "
                                          "confirmation to the broker's answer.",
                                          {}, duration_buckets())
                           .get()),
      workers_busy_(registry_
                        .add_gauge("boa_workers_busy",
                                   "Step workers running a step now (steps that never block run "
                                   "on their job's actor and take no worker).")
                        .get()),
      workers_total_(
          registry_.add_gauge("boa_workers_total", "Step workers in this node's pool.").get()),
      heartbeats_sent_(
          registry_.add_counter("boa_heartbeats_sent_total", "Heartbeats this node published.")
              .get()),
      heartbeats_received_(
          registry_
              .add_counter("boa_heartbeats_received_total",
                           "Heartbeats (of any node, this one included) this node's cluster "
                           "view took in; 0 while it does not follow the cluster.")
              .get()),
      cluster_nodes_(registry_.add_gauge(
          "boa_cluster_nodes",
          "Nodes in this node's cluster view by status, read at scrape time; no series while "
          "the node does not follow the cluster.",
          {"status"})),
      resident_memory_(
          registry_.add_gauge("process_resident_memory_bytes", "Resident memory size in bytes.")
              .get()),
      start_time_(registry_
                      .add_gauge("process_start_time_seconds",
                                 "Start time of the process since unix epoch in seconds.")
                      .get()) {
  registry_.add_gauge("boa_build_info", "The boa version this node runs (always 1).", {"version"})
      .with({version})
      .set(1);
  for (auto state :
       {protocol::job_state::finished, protocol::job_state::error, protocol::job_state::canceled})
    jobs_ended_.with({protocol::to_string(state)});
  start_time_.set(process_start_seconds());
}

step_metrics& node_metrics::steps_of(const std::string& workflow) {
  std::lock_guard lock{workflows_mutex_};
  auto i = workflows_.find(workflow);
  if (i == workflows_.end()) {
    const std::string label = workflows_.size() < max_workflows ? workflow : overflow_label;
    if (label != workflow)
      i = workflows_.find(label);
    if (i == workflows_.end()) {
      auto made = std::make_unique<step_metrics>(
          step_metrics{steps_started_.with({label}), steps_finished_.with({label, "ok"}),
                       steps_finished_.with({label, "failed"}), step_retries_.with({label}),
                       step_duration_.with({label})});
      i = workflows_.emplace(label, std::move(made)).first;
    }
  }
  return *i->second;
}

void node_metrics::job_ended(protocol::job_state state) {
  jobs_ended_.with({protocol::to_string(state)}).inc();
}

delivery_meter node_metrics::deliveries_from(std::string_view address) {
  auto label = queue_label(address);
  return {&deliveries_.with({label}), &redeliveries_.with({label})};
}

void node_metrics::cluster_nodes(const std::map<std::string, std::int64_t>& by_status) {
  for (const char* status : {"live", "suspect", "down", "left"}) {
    auto i = by_status.find(status);
    cluster_nodes_.with({status}).set(i == by_status.end() ? 0.0 : static_cast<double>(i->second));
  }
}

std::string node_metrics::expose() {
  resident_memory_.set(static_cast<double>(actors::read_host_facts().rss_bytes));
  return registry_.expose();
}

std::string node_metrics::queue_label(std::string_view address) {
  for (std::string_view variable :
       {std::string_view("queue:boa.join."), std::string_view("queue:boa.reduce."),
        std::string_view("queue:boa.suspended."), protocol::addresses::reply_queue_prefix,
        std::string_view("topic:boa.node.")})
    if (address.starts_with(variable))
      return std::string(variable) + "*";
  return std::string(address);
}

} // namespace boa::metrics
