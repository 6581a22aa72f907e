#include "sim/workload.hpp"

#include "protocol/client_messages.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/job_id.hpp"
#include "protocol/transition.hpp"
#include "protocol/workflow_codec.hpp"
#include "sim/seed.hpp"

#include <stdexcept>

namespace boa::sim {

namespace {

// Step kinds are for the simulated executor only: it runs every kind the same way.
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

protocol::workflow_ptr load(const char* text) {
  auto decoded = protocol::parse_workflow(text);
  if (!decoded.ok())
    throw std::logic_error(std::string("simulator workflow does not decode: ") +
                           decoded.problems.front().message);
  return decoded.workflow;
}

} // namespace

const char* to_string(shape s) {
  switch (s) {
  case shape::linear:
    return "linear";
  case shape::fork_join:
    return "fork-join";
  }
  return "?";
}

std::vector<planned_job> plan_jobs(std::uint64_t seed, std::size_t count, std::int64_t now_ms) {
  static const auto linear = load(linear_definition);
  static const auto fork_join = load(fork_join_definition);
  std::vector<planned_job> jobs;
  jobs.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto draw = derive(seed, "job/" + std::to_string(i));
    planned_job job;
    job.id = protocol::job_id_from(draw);
    job.shape = (draw >> 32) % 2 == 0 ? shape::linear : shape::fork_join;
    auto first = protocol::transition::start(
        job.id, job.shape == shape::linear ? linear : fork_join, {}, now_ms);
    job.start.address = protocol::addresses::new_jobs;
    job.start.subject = "job";
    job.start.message_id = job.id + "/start";
    job.start.body = protocol::serialize_job(first);
    jobs.push_back(std::move(job));
  }
  return jobs;
}

} // namespace boa::sim
