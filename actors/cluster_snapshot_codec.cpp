#include "actors/cluster_snapshot_codec.hpp"

#include "protocol/heartbeat.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace boa::actors {

namespace {

namespace json = boost::json;

json::object header(const cluster_snapshot& s, std::string_view observer) {
  return json::object{
      {"observer", observer}, {"taken_ms", s.taken_ms}, {"listening_ms", s.listening_ms}};
}

error bad(const std::string& what) {
  return error{errc::invalid_input, "cluster view: " + what};
}

/// An integer member, or `fallback` when absent; nothing when present but not an integer.
std::optional<std::int64_t> integer(const json::object& o, std::string_view key,
                                    std::int64_t fallback = 0) {
  const auto* v = o.if_contains(key);
  if (!v)
    return fallback;
  if (v->is_int64())
    return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

std::optional<std::string> text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v)
    return std::string();
  if (!v->is_string())
    return std::nullopt;
  return std::string(v->get_string());
}

} // namespace

json::object encode_cluster_nodes(const cluster_snapshot& snapshot, std::string_view observer) {
  json::array nodes;
  nodes.reserve(snapshot.nodes.size());
  for (const auto& n : snapshot.nodes)
    nodes.push_back(
        json::object{{"node", n.last.node},
                     {"status", to_string(n.status)},
                     {"age_ms", n.age_ms},
                     {"restarts", n.restarts},
                     {"heartbeat", json::parse(protocol::serialize_heartbeat(n.last))}});
  auto out = header(snapshot, observer);
  out["nodes"] = std::move(nodes);
  return out;
}

json::object encode_cluster_jobs(const cluster_snapshot& snapshot, std::string_view observer) {
  json::array jobs;
  jobs.reserve(snapshot.jobs.size());
  for (const auto& j : snapshot.jobs)
    jobs.push_back(json::object{{"job_id", j.job_id},
                                {"workflow", j.workflow},
                                {"step", j.step},
                                {"since_ms", j.since_ms},
                                {"version", j.version},
                                {"history_length", j.history_length},
                                {"node", j.node},
                                {"age_ms", j.age_ms}});
  auto out = header(snapshot, observer);
  out["jobs"] = std::move(jobs);
  return out;
}

std::optional<node_status> node_status_from_string(std::string_view text) {
  for (auto s : {node_status::live, node_status::suspect, node_status::down, node_status::left})
    if (text == to_string(s))
      return s;
  return std::nullopt;
}

expected<cluster_snapshot> decode_cluster_snapshot(const json::value& data) {
  if (!data.is_object())
    return bad("expected an object");
  const auto& o = data.get_object();
  cluster_snapshot out;
  auto taken = integer(o, "taken_ms");
  auto listening = integer(o, "listening_ms");
  if (!taken || !listening)
    return bad("taken_ms and listening_ms must be integers");
  out.taken_ms = *taken;
  out.listening_ms = *listening;
  if (const auto* nodes = o.if_contains("nodes")) {
    if (!nodes->is_array())
      return bad("nodes: expected an array");
    for (std::size_t i = 0; i < nodes->get_array().size(); ++i) {
      const auto& item = nodes->get_array()[i];
      const std::string at = "nodes[" + std::to_string(i) + "]";
      if (!item.is_object())
        return bad(at + ": expected an object");
      const auto& n = item.get_object();
      node_view v;
      const auto* beat = n.if_contains("heartbeat");
      if (!beat)
        return bad(at + ": heartbeat is missing");
      auto decoded = protocol::parse_heartbeat(json::serialize(*beat));
      if (!decoded)
        return bad(at + ": " + decoded.error().message);
      v.last = std::move(*decoded);
      const auto* status = n.if_contains("status");
      auto s = status && status->is_string() ? node_status_from_string(status->get_string())
                                             : std::nullopt;
      if (!s)
        return bad(at + ".status: expected live, suspect or down");
      v.status = *s;
      auto age = integer(n, "age_ms");
      auto restarts = integer(n, "restarts");
      if (!age || !restarts)
        return bad(at + ": age_ms and restarts must be integers");
      v.age_ms = *age;
      v.restarts = *restarts;
      out.nodes.push_back(std::move(v));
    }
  }
  if (const auto* jobs = o.if_contains("jobs")) {
    if (!jobs->is_array())
      return bad("jobs: expected an array");
    for (std::size_t i = 0; i < jobs->get_array().size(); ++i) {
      const auto& item = jobs->get_array()[i];
      const std::string at = "jobs[" + std::to_string(i) + "]";
      if (!item.is_object())
        return bad(at + ": expected an object");
      const auto& j = item.get_object();
      job_view v;
      auto id = text(j, "job_id");
      auto workflow = text(j, "workflow");
      auto step = text(j, "step");
      auto node = text(j, "node");
      auto since = integer(j, "since_ms");
      auto version = integer(j, "version");
      auto history = integer(j, "history_length");
      auto age = integer(j, "age_ms");
      if (!id || id->empty() || !workflow || !step || !node || !since || !version || !history ||
          !age)
        return bad(at + ": expected job_id, workflow, step and node as strings, since_ms, "
                        "version, history_length and age_ms as integers");
      v.job_id = std::move(*id);
      v.workflow = std::move(*workflow);
      v.step = std::move(*step);
      v.node = std::move(*node);
      v.since_ms = *since;
      v.version = *version;
      v.history_length = *history;
      v.age_ms = *age;
      out.jobs.push_back(std::move(v));
    }
  }
  return out;
}

} // namespace boa::actors
