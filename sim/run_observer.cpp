#include "sim/run_observer.hpp"

#include "protocol/envelope.hpp"

#include <iterator>

namespace boa::sim {

std::string line_of(const protocol::job& j) {
  std::string line;
  for (const auto& f : j.forks)
    line += f.fork_id + "." + std::to_string(f.branch) + "/";
  return line;
}

void run_observer::attempt(std::int64_t at_ms, const std::string& job_id, const std::string& step,
                           int attempt, bool ok) {
  attempts_.push_back({next_seq_++, at_ms, job_id, step, attempt, ok});
}

void run_observer::traced(std::int64_t at_ms, std::initializer_list<std::string_view> fields) {
  if (fields.size() < 6 || *fields.begin() != "publish")
    return;
  auto field = [&](std::size_t i) { return *std::next(fields.begin(), static_cast<long>(i)); };
  // Job states travel with subject "job" on job queues and the archive; commands, events and
  // replies are not states.
  if (field(3) != "job" || !field(2).starts_with("queue:"))
    return;
  auto decoded = protocol::parse_job(field(5), &workflows_);
  if (!decoded) {
    undecodable_.push_back(std::string(field(2)) + ": " + decoded.error().message);
    return;
  }
  state_record r;
  r.seq = next_seq_++;
  r.at_ms = at_ms;
  r.node = std::string(field(1));
  r.address = std::string(field(2));
  r.job_id = decoded->id;
  r.step = decoded->step;
  r.line = line_of(*decoded);
  r.state = decoded->state;
  r.parent_id = decoded->parent_id;
  if (!r.parent_id.empty() && r.address == protocol::addresses::new_jobs)
    new_sub_jobs_.push_back(r.job_id);
  states_.push_back(std::move(r));
}

std::vector<std::string> run_observer::take_new_sub_jobs() {
  auto out = std::move(new_sub_jobs_);
  new_sub_jobs_.clear();
  return out;
}

} // namespace boa::sim
