#include "sim/workload.hpp"

#include "protocol/job_codec.hpp"
#include "protocol/job_id.hpp"
#include "protocol/transition.hpp"
#include "protocol/workflow_codec.hpp"
#include "sim/seed.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <stdexcept>

namespace boa::sim {

namespace {

// Step kinds are for the simulated executor: `work` succeeds unless the seed fails the attempt,
// `fail` always fails, `choose` returns one of its `choices` as the routing result.
constexpr const char* linear_definition = R"({
  "name": "sim-linear",
  "steps": [
    {"id": "fetch", "run": "work", "next": [["*", "transform"]]},
    {"id": "transform", "run": "work", "retry": {"max": 2, "backoff_ms": 50, "multiplier": 2},
     "next": [["*", "store"]]},
    {"id": "store", "run": "work"}
  ]
})";

constexpr const char* fork_join_definition = R"({
  "name": "sim-fork-join",
  "steps": [
    {"id": "split", "run": "work", "parallel": true,
     "next": [["*", "left-1"], ["*", "right-1"]]},
    {"id": "left-1", "run": "work", "next": [["*", "left-2"]]},
    {"id": "left-2", "run": "work", "retry": {"max": 1, "backoff_ms": 20}, "next": [["*", "gather"]]},
    {"id": "right-1", "run": "work", "next": [["*", "right-2"]]},
    {"id": "right-2", "run": "work", "next": [["*", "gather"]]},
    {"id": "gather", "join": true, "next": [["*", "report"]]},
    {"id": "report", "run": "work"}
  ]
})";

constexpr const char* routing_definition = R"({
  "name": "sim-routing",
  "steps": [
    {"id": "classify", "run": {"kind": "choose", "choices": ["express", "review", "standard"]},
     "retry": {"max": 1, "backoff_ms": 15},
     "next": [["express", "ship-express"], ["review", "review"], ["*", "ship-standard"],
              ["error", "alert"]]},
    {"id": "ship-express", "run": "work"},
    {"id": "review", "run": "fail", "retry": {"max": 1, "backoff_ms": 30},
     "next": [["error", "hold"]]},
    {"id": "hold", "run": "work"},
    {"id": "ship-standard", "run": "work"},
    {"id": "alert", "run": "work"}
  ]
})";

constexpr const char* map_reduce_definition = R"({
  "name": "sim-map-reduce",
  "steps": [
    {"id": "split", "map": {"items": "parts", "workflow": {"name": "sim-part", "steps": [
       {"id": "weigh", "run": "work", "retry": {"max": 1, "backoff_ms": 10}}]}},
     "next": [["*", "total"]]},
    {"id": "total", "reduce": {"fold": "sum", "field": "weight", "into": "total"},
     "next": [["*", "publish"], ["error", "salvage"]]},
    {"id": "publish", "run": "work"},
    {"id": "salvage", "run": "work"}
  ]
})";

const char* definition_of(shape s) {
  switch (s) {
  case shape::linear:
    return linear_definition;
  case shape::fork_join:
    return fork_join_definition;
  case shape::routing:
    return routing_definition;
  case shape::map_reduce:
    return map_reduce_definition;
  }
  return linear_definition;
}

/// The shape's workflow, with the job timeout when there is one (a job pins its own copy).
protocol::workflow_ptr load(shape s, std::optional<std::int64_t> timeout_ms) {
  auto json = boost::json::parse(definition_of(s));
  if (timeout_ms)
    json.as_object()["timeout_ms"] = *timeout_ms;
  auto decoded = protocol::decode_workflow(json);
  if (!decoded.ok())
    throw std::logic_error(std::string("simulator workflow does not decode: ") +
                           decoded.problems.front().message);
  return decoded.workflow;
}

/// As `boactl job cancel|suspend|resume` sends it: broadcast to every node, and a resume also to
/// the durable resumes queue.
std::vector<protocol::envelope> command_messages(const std::string& job_id,
                                                 protocol::job_command::action a,
                                                 std::int64_t issued_ms) {
  std::vector<protocol::envelope> out;
  for (auto& address : protocol::command_addresses(a)) {
    protocol::envelope m;
    m.address = address;
    m.subject = "job-command";
    m.message_id = job_id + "/" + protocol::to_string(a);
    if (!out.empty())
      m.message_id += "/" + address;
    m.body = protocol::serialize_command({job_id, a, issued_ms});
    out.push_back(std::move(m));
  }
  return out;
}

workload_event command_at(std::int64_t at_ms, const std::string& job_id,
                          protocol::job_command::action a, std::int64_t epoch_ms) {
  workload_event e;
  e.at_ms = at_ms;
  e.what = workload_event::kind::command;
  e.job_id = job_id;
  e.action = a;
  auto messages = command_messages(job_id, a, epoch_ms + at_ms);
  e.message = std::move(messages.front());
  e.copies.assign(std::make_move_iterator(messages.begin() + 1),
                  std::make_move_iterator(messages.end()));
  return e;
}

} // namespace

const char* to_string(shape s) {
  switch (s) {
  case shape::linear:
    return "linear";
  case shape::fork_join:
    return "fork-join";
  case shape::routing:
    return "routing";
  case shape::map_reduce:
    return "map-reduce";
  }
  return "?";
}

const char* to_string(workload_event::kind k) {
  return k == workload_event::kind::start ? "start" : "command";
}

std::int64_t item_weight(std::size_t index) {
  return std::int64_t{1} << index;
}

std::int64_t expected_total(std::size_t items) {
  return (std::int64_t{1} << items) - 1;
}

std::string routing_target(const std::string& result) {
  if (result == "express")
    return "ship-express";
  if (result == "review")
    return "review";
  if (result == "error")
    return "alert";
  return "ship-standard";
}

workload_plan plan_workload(std::uint64_t seed, std::size_t count, std::int64_t epoch_ms) {
  using action = protocol::job_command::action;
  workload_plan plan;
  plan.jobs.reserve(count);
  // Starts spread over a few virtual milliseconds per job: later jobs meet earlier ones mid-run.
  const auto spread = static_cast<std::uint64_t>(5 * count + 1);
  for (std::size_t i = 0; i < count; ++i) {
    const auto name = std::to_string(i);
    auto draw = derive(seed, "job/" + name);
    planned_job job;
    job.id = protocol::job_id_from(draw);
    job.shape = static_cast<shape>((draw >> 32) % 4);
    const auto start_ms = static_cast<std::int64_t>(derive(seed, "start/" + name) % spread);
    if (auto t = derive(seed, "timeout/" + name); t % 4 == 0)
      job.timeout_ms = 20 + static_cast<std::int64_t>((t >> 8) % 180);
    // A map/reduce job always has a timeout: after a crash its map step may run twice, and two
    // copies of the parent then wait on two nodes, each holding some of the sub-jobs' results
    // (docs/simulator.md, known issues); the timeout is what ends such a job.
    if (job.shape == shape::map_reduce && !job.timeout_ms)
      job.timeout_ms = 400 + static_cast<std::int64_t>(derive(seed, "map-timeout/" + name) % 400);
    protocol::properties start_props;
    if (job.shape == shape::map_reduce) {
      job.items = 1 + derive(seed, "items/" + name) % 6;
      boost::json::array parts;
      for (std::size_t k = 0; k < job.items; ++k)
        parts.push_back(boost::json::object{{"weight", item_weight(k)}});
      start_props["parts"] = std::move(parts);
    }
    auto first = protocol::transition::start(job.id, load(job.shape, job.timeout_ms), start_props,
                                             epoch_ms + start_ms);
    job.start.address = protocol::addresses::new_jobs;
    job.start.subject = "job";
    job.start.message_id = job.id + "/start";
    job.start.body = protocol::serialize_job(first);

    workload_event start;
    start.at_ms = start_ms;
    start.job_id = job.id;
    start.message = job.start;
    plan.events.push_back(std::move(start));

    // A fifth of the jobs are canceled, a tenth suspended and later resumed (a suspended job is
    // always resumed: else it would never end). A third of the commands go out in the very
    // millisecond the job starts, to race its first step.
    auto c = derive(seed, "command/" + name);
    auto d = derive(seed, "command-delay/" + name);
    auto delay = static_cast<std::int64_t>(d % 3 == 0 ? 0 : (d >> 8) % 60);
    if (c % 10 < 2) {
      plan.events.push_back(command_at(start_ms + delay, job.id, action::cancel, epoch_ms));
    } else if (c % 10 == 2) {
      auto suspend_at = start_ms + delay;
      auto resume_at = suspend_at + 1 + static_cast<std::int64_t>((c >> 8) % 150);
      plan.events.push_back(command_at(suspend_at, job.id, action::suspend, epoch_ms));
      plan.events.push_back(command_at(resume_at, job.id, action::resume, epoch_ms));
    }
    plan.jobs.push_back(std::move(job));
  }
  std::stable_sort(
      plan.events.begin(), plan.events.end(),
      [](const workload_event& a, const workload_event& b) { return a.at_ms < b.at_ms; });
  return plan;
}

} // namespace boa::sim
