#include "sim/safety_ledger.hpp"

#include <fmt/core.h>

namespace boa::sim {

namespace {

/// How the job runner words a job's end by its timeout.
bool is_timeout(const std::string& error) {
  return error.find("exceeded its timeout") != std::string::npos;
}

} // namespace

void safety_ledger::record(std::string_view body) {
  auto job = protocol::parse_job(body, &workflows_);
  if (!job) {
    undecodable_.push_back(job.error().message);
    return;
  }
  if (job->state == protocol::job_state::error && is_timeout(job->error))
    timed_out_.insert(job->id);
  archived_.emplace(job->id, *job);
  auto& states = ends_[job->id];
  if (!states.empty())
    ++duplicates_;
  states.insert(job->state);
}

void safety_ledger::expect(const std::string& job_id) {
  expected_.insert(job_id);
}

void safety_ledger::allow_cancel(const std::string& job_id) {
  cancelable_.insert(job_id);
}

void safety_ledger::allow_timeout(const std::string& job_id) {
  timeouts_.insert(job_id);
}

std::size_t safety_ledger::count(protocol::job_state state) const {
  std::size_t n = 0;
  for (const auto& [id, states] : ends_)
    if (auto a = archived_.find(id); a == archived_.end() || a->second.parent_id.empty())
      n += states.count(state);
  return n;
}

std::size_t safety_ledger::unended() const {
  std::size_t n = 0;
  for (const auto& id : expected_)
    n += ends_.count(id) == 0 ? 1 : 0;
  return n;
}

std::vector<std::string> safety_ledger::diverged() const {
  std::vector<std::string> out;
  for (const auto& [id, states] : ends_)
    if (states.size() > 1) {
      std::string names;
      for (auto s : states)
        names += std::string(names.empty() ? "" : ", ") + protocol::to_string(s);
      out.push_back(fmt::format("job {} ended more than one way: {}", id, names));
    }
  return out;
}

std::vector<std::string> safety_ledger::violations() const {
  std::vector<std::string> out;
  for (const auto& reason : undecodable_)
    out.push_back("archive: undecodable job: " + reason);
  for (const auto& id : expected_)
    if (!ends_.count(id))
      out.push_back(fmt::format("job {} never ended (lost)", id));
  for (const auto& [id, states] : ends_) {
    if (!expected_.count(id))
      out.push_back(fmt::format("job {} ended but was never started", id));
    if (states.count(protocol::job_state::canceled) && !cancelable_.count(id))
      out.push_back(fmt::format("job {} ended canceled, but nobody asked to cancel it", id));
    if (timed_out_.count(id) && !timeouts_.count(id))
      out.push_back(fmt::format("job {} timed out, but it has no timeout", id));
    for (auto s : states)
      if (!protocol::is_terminal(s))
        out.push_back(fmt::format("job {} archived in state {}", id, protocol::to_string(s)));
  }
  return out;
}

} // namespace boa::sim
