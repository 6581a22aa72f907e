#include "tools/boactl/job_merge.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <map>
#include <utility>

namespace boa::boactl {

namespace {

namespace json = boost::json;

std::int64_t number(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key)) {
    if (v->is_int64())
      return v->get_int64();
    if (v->is_uint64())
      return static_cast<std::int64_t>(v->get_uint64());
  }
  return 0;
}

/// Whether `a` shows its job further along than `b`.
bool more_advanced(const json::object& a, const json::object& b) {
  return std::pair{number(a, "version"), number(a, "updated_ms")} >
         std::pair{number(b, "version"), number(b, "updated_ms")};
}

json::array names(const std::vector<std::string>& nodes) {
  json::array out;
  for (const auto& n : nodes)
    out.push_back(json::string(n));
  return out;
}

} // namespace

json::value merge_job_lists(const node_answers& answers, std::size_t limit) {
  std::map<std::string, json::object> by_id;
  std::vector<std::string> answered;
  json::array errors;
  for (const auto& r : answers.replies) {
    if (!r.reply.ok) {
      errors.push_back(json::object{{"node", r.node}, {"message", r.reply.error_message}});
      continue;
    }
    answered.push_back(r.node);
    const auto* data = r.reply.data.if_object();
    const auto* jobs = data ? data->if_contains("jobs") : nullptr;
    if (!jobs || !jobs->is_array())
      continue;
    for (const auto& entry : jobs->get_array()) {
      const auto* row = entry.if_object();
      const auto* id = row ? row->if_contains("id") : nullptr;
      if (!id || !id->is_string())
        continue;
      auto [at, fresh] = by_id.try_emplace(std::string(id->get_string()), *row);
      if (!fresh && more_advanced(*row, at->second))
        at->second = *row;
    }
  }
  std::vector<json::object> rows;
  rows.reserve(by_id.size());
  for (auto& [id, row] : by_id)
    rows.push_back(std::move(row));
  std::stable_sort(rows.begin(), rows.end(), [](const json::object& a, const json::object& b) {
    return number(a, "updated_ms") > number(b, "updated_ms");
  });
  if (rows.size() > limit)
    rows.resize(limit);
  json::array jobs;
  json::object counts;
  for (auto& row : rows) {
    if (const auto* state = row.if_contains("state"); state && state->is_string()) {
      auto& n = counts[state->get_string()];
      n = (n.is_int64() ? n.get_int64() : 0) + 1;
    }
    jobs.push_back(std::move(row));
  }
  std::sort(answered.begin(), answered.end());
  return json::object{{"jobs", std::move(jobs)},
                      {"counts", std::move(counts)},
                      {"nodes", names(answered)},
                      {"silent", names(answers.silent)},
                      {"errors", std::move(errors)}};
}

json::value most_advanced_job(const node_answers& answers) {
  const json::object* best = nullptr;
  for (const auto& r : answers.replies) {
    if (!r.reply.ok)
      continue;
    const auto* job = r.reply.data.if_object();
    if (job && (!best || more_advanced(*job, *best)))
      best = job;
  }
  return best ? json::value(*best) : json::value(nullptr);
}

} // namespace boa::boactl
