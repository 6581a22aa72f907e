#include "sim/run_observer.hpp"

#include <tuple>

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
  if (fields.size() >= 5 && *fields.begin() == "deliver") {
    // A job state delivered again: the job may now run as two copies.
    auto address = *(fields.begin() + 2);
    auto body = *(fields.begin() + 3);
    auto count = *(fields.begin() + 4);
    if (count != "0" && address.starts_with("queue:")) {
      static constexpr std::string_view key = "\"id\":\"";
      if (auto at = body.find(key); at != std::string_view::npos) {
        auto from = at + key.size();
        redelivered_.emplace(body.substr(from, body.find('"', from) - from));
      }
    }
    return;
  }
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
  r.version = decoded->version;
  if (!r.parent_id.empty() && r.address == protocol::addresses::new_jobs)
    new_sub_jobs_.push_back(r.job_id);
  states_.push_back(std::move(r));
}

std::set<std::string> jobs_with_copies(const std::vector<state_record>& states) {
  std::set<std::tuple<std::string, std::string, std::int64_t, std::string>> published;
  std::set<std::string> copied;
  for (const auto& s : states)
    if (!published.emplace(s.job_id, s.line, s.version, s.address).second)
      copied.insert(s.job_id);
  return copied;
}

std::vector<std::string> run_observer::take_new_sub_jobs() {
  auto out = std::move(new_sub_jobs_);
  new_sub_jobs_.clear();
  return out;
}

} // namespace boa::sim
