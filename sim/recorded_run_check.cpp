#include "sim/recorded_run_check.hpp"

#include "sim/final_data_checker.hpp"
#include "sim/history_checker.hpp"
#include "sim/safety_ledger.hpp"
#include "sim/workload.hpp"

#include <fmt/core.h>

#include <map>
#include <optional>
#include <sstream>

namespace boa::sim {

namespace {

std::optional<shape> shape_named(const std::string& name) {
  for (auto s : {shape::linear, shape::fork_join, shape::routing, shape::map_reduce})
    if (name == to_string(s))
      return s;
  return std::nullopt;
}

/// What the started list says of its jobs: the ledger's expectations, and the plan of each job
/// that names the simulator's shape it has.
struct started_jobs {
  std::size_t count = 0;
  std::map<std::string, planned_job> plans;
};

expected<started_jobs> read_started(std::istream& in, safety_ledger& ledger) {
  started_jobs out;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    std::istringstream words{line};
    std::string id;
    if (!(words >> id) || id.front() == '#')
      continue;
    ledger.expect(id);
    ++out.count;
    auto bad = [&](const std::string& what) {
      return error{errc::invalid_input,
                   fmt::format("started jobs, line {}: {} after job {} (expected 'cancelable', "
                               "'timeout', 'shape=NAME' or 'items=N')",
                               number, what, id)};
    };
    std::optional<shape> planned_shape;
    std::size_t items = 0;
    for (std::string word; words >> word;) {
      if (word == "cancelable") {
        ledger.allow_cancel(id);
      } else if (word == "timeout") {
        ledger.allow_timeout(id);
      } else if (word.rfind("shape=", 0) == 0) {
        planned_shape = shape_named(word.substr(6));
        if (!planned_shape)
          return bad(fmt::format("unknown shape '{}'", word.substr(6)));
      } else if (word.rfind("items=", 0) == 0) {
        const auto digits = word.substr(6);
        if (digits.empty() || digits.size() > 2 ||
            digits.find_first_not_of("0123456789") != std::string::npos)
          return bad(fmt::format("'{}' is not a count of items (0 to 99)", word));
        items = std::stoul(digits);
      } else {
        return bad(fmt::format("unknown word '{}'", word));
      }
    }
    if (planned_shape) {
      planned_job plan;
      plan.id = id;
      plan.shape = *planned_shape;
      plan.items = items;
      out.plans.emplace(id, std::move(plan));
    }
  }
  return out;
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
  auto listed = read_started(started, ledger);
  if (!listed)
    return listed.error();
  recorded_run_report r;
  r.started = listed->count;
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
    auto plan = listed->plans.find(id);
    auto data = plan == listed->plans.end() ? check_steps_succeeded_once(job)
                                            : check_final_data(plan->second, job);
    for (auto& v : data)
      r.violations.push_back(std::move(v));
  }
  return r;
}

} // namespace boa::sim
