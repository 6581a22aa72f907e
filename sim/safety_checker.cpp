#include "sim/safety_checker.hpp"

#include "protocol/envelope.hpp"
#include "protocol/job_codec.hpp"

#include <fmt/core.h>

namespace boa::sim {

namespace {

/// How the job runner words a job's end by its timeout.
bool is_timeout(const std::string& error) {
  return error.find("exceeded its timeout") != std::string::npos;
}

} // namespace

safety_checker::safety_checker(std::shared_ptr<bus::broker_core> core) : core_(std::move(core)) {
  subscribe();
}

void safety_checker::subscribe() {
  auto sub = core_->subscribe(protocol::addresses::archive, 1u << 20, [this](bus::delivery d) {
    to_accept_.push_back(d.tag);
    auto job = protocol::parse_job(d.message.body, &workflows_);
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
  });
  if (!sub)
    undecodable_.push_back("cannot subscribe to the archive: " + sub.error().message);
}

void safety_checker::resubscribe() {
  to_accept_.clear(); // tags of the old subscription: the restart released them
  subscribe();
}

void safety_checker::expect(const std::string& job_id) {
  expected_.insert(job_id);
}

void safety_checker::allow_cancel(const std::string& job_id) {
  cancelable_.insert(job_id);
}

void safety_checker::allow_timeout(const std::string& job_id) {
  timeouts_.insert(job_id);
}

std::size_t safety_checker::timed_out() const {
  return timed_out_.size(); // sub-jobs have no timeout of their own
}

void safety_checker::settle() {
  auto tags = std::move(to_accept_);
  to_accept_.clear();
  for (auto tag : tags)
    core_->settle(tag, bus::settlement::accept);
}

std::size_t safety_checker::count(protocol::job_state state) const {
  std::size_t n = 0;
  for (const auto& [id, states] : ends_)
    if (auto a = archived_.find(id); a == archived_.end() || a->second.parent_id.empty())
      n += states.count(state);
  return n;
}

std::size_t safety_checker::unended() const {
  std::size_t n = 0;
  for (const auto& id : expected_)
    n += ends_.count(id) == 0 ? 1 : 0;
  return n;
}

std::vector<std::string> safety_checker::diverged() const {
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

std::vector<std::string> safety_checker::violations() const {
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
