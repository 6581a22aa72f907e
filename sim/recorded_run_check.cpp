#include "sim/recorded_run_check.hpp"

#include "sim/final_data_checker.hpp"
#include "sim/history_checker.hpp"
#include "sim/safety_ledger.hpp"

#include <fmt/core.h>

#include <map>
#include <sstream>

namespace boa::sim {

namespace {

expected<std::size_t> read_started(std::istream& in, safety_ledger& ledger) {
  std::size_t count = 0;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    std::istringstream words{line};
    std::string id;
    if (!(words >> id) || id.front() == '#')
      continue;
    ledger.expect(id);
    ++count;
    for (std::string word; words >> word;) {
      if (word == "cancelable")
        ledger.allow_cancel(id);
      else if (word == "timeout")
        ledger.allow_timeout(id);
      else
        return error{errc::invalid_input,
                     fmt::format("started jobs, line {}: unknown word '{}' after job {} "
                                 "(expected 'cancelable' or 'timeout')",
                                 number, word, id)};
    }
  }
  return count;
}

/// Sub-jobs are started by the nodes, not by the workload: the ones whose ancestry leads to a
/// started job must end too. Their archived copies are how the record knows them.
std::size_t expect_sub_jobs(safety_ledger& ledger) {
  std::map<std::string, std::string> parent_of;
  for (const auto& [id, job] : ledger.archived())
    if (!job.parent_id.empty())
      parent_of.emplace(id, job.parent_id);
  std::size_t count = 0;
  for (const auto& [id, parent] : parent_of) {
    auto root = parent;
    for (std::size_t depth = 0; parent_of.count(root) && depth < parent_of.size(); ++depth)
      root = parent_of.at(root);
    if (ledger.expects(root)) {
      ledger.expect(id);
      ++count;
    }
  }
  return count;
}

} // namespace

expected<recorded_run_report> check_recorded_run(std::istream& started, std::istream& archive,
                                                 const recorded_run_options& options) {
  safety_ledger ledger;
  auto started_count = read_started(started, ledger);
  if (!started_count)
    return started_count.error();
  recorded_run_report r;
  r.started = *started_count;
  std::string line;
  while (std::getline(archive, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    ledger.record(line);
    ++r.copies;
  }
  r.sub_jobs = expect_sub_jobs(ledger);
  r.duplicates = ledger.duplicate_ends();
  r.finished = ledger.count(protocol::job_state::finished);
  r.failed = ledger.count(protocol::job_state::error);
  r.canceled = ledger.count(protocol::job_state::canceled);
  r.timed_out = ledger.timed_out();
  r.unended = ledger.unended();
  r.violations = ledger.violations();
  r.diverged = ledger.diverged();
  if (options.strict_copies)
    r.violations.insert(r.violations.end(), r.diverged.begin(), r.diverged.end());
  for (const auto& [id, job] : ledger.archived()) {
    for (auto& v : check_history(job, options.skew_ms))
      r.violations.push_back(std::move(v));
    for (auto& v : check_steps_succeeded_once(job))
      r.violations.push_back(std::move(v));
  }
  return r;
}

} // namespace boa::sim
