#include "protocol/heartbeat.hpp"

#include "protocol/json_read.hpp"
#include "protocol/json_text_writer.hpp"

#include <boost/json/value.hpp>

namespace boa::protocol {

namespace {

void write_system(text_writer& w, const system_state& s) {
  w.begin_object();
  w.key("name");
  w.value(s.name);
  w.key("total");
  w.value(s.total);
  w.key("busy");
  w.value(s.busy);
  w.key("running");
  w.boolean(s.running);
  w.end_object();
}

void write_job(text_writer& w, const running_job& j) {
  w.begin_object();
  w.key("job_id");
  w.value(j.job_id);
  w.key("workflow");
  w.value(j.workflow);
  w.key("step");
  w.value(j.step);
  w.key("since_ms");
  w.value(j.since_ms);
  w.key("version");
  w.value(j.version);
  w.key("history_length");
  w.value(j.history_length);
  w.end_object();
}

/// Reads the members of one heartbeat: each accessor records a problem at its path and carries on.
class heartbeat_decoder {
public:
  explicit heartbeat_decoder(json_reader& r) : r_(r) {}

  void text(const boost::json::object& o, const json_path& at, std::string_view key, bool required,
            bool non_empty, std::string& into) {
    const json_path child = at / key;
    if (const auto* v = r_.member(o, at, key, required)) {
      auto s = non_empty ? r_.non_empty_string(*v, child) : r_.string(*v, child);
      if (s)
        into = std::string(*s);
    }
  }

  void integer(const boost::json::object& o, const json_path& at, std::string_view key,
               bool required, std::int64_t min, std::int64_t& into) {
    const json_path child = at / key;
    if (const auto* v = r_.member(o, at, key, required))
      if (auto n = r_.integer(*v, child, min))
        into = *n;
  }

  void system(const boost::json::value& v, const json_path& at, system_state& into) {
    const auto* o = r_.object(v, at);
    if (!o)
      return;
    text(*o, at, "name", true, true, into.name);
    bool total_ok = false;
    bool busy_ok = false;
    if (const auto* total = r_.member(*o, at, "total", true)) {
      const json_path total_at = at / "total";
      if (auto n = r_.integer(*total, total_at, 0)) {
        into.total = *n;
        total_ok = true;
      }
    }
    const json_path busy_at = at / "busy";
    if (const auto* busy = r_.member(*o, at, "busy", true))
      if (auto n = r_.integer(*busy, busy_at, 0)) {
        into.busy = *n;
        busy_ok = true;
      }
    if (total_ok && busy_ok && into.busy > into.total)
      r_.error(busy_at, "busy (" + std::to_string(into.busy) + ") exceeds total (" +
                            std::to_string(into.total) + ")");
    const json_path running_at = at / "running";
    if (const auto* running = r_.member(*o, at, "running"))
      if (auto b = r_.boolean(*running, running_at))
        into.running = *b;
    r_.reject_unknown_keys(*o, at, {"name", "total", "busy", "running"});
  }

  void job(const boost::json::value& v, const json_path& at, running_job& into) {
    const auto* o = r_.object(v, at);
    if (!o)
      return;
    text(*o, at, "job_id", true, true, into.job_id);
    text(*o, at, "workflow", false, false, into.workflow);
    text(*o, at, "step", false, false, into.step);
    integer(*o, at, "since_ms", false, 0, into.since_ms);
    integer(*o, at, "version", false, 0, into.version);
    integer(*o, at, "history_length", false, 0, into.history_length);
    r_.reject_unknown_keys(*o, at,
                           {"job_id", "workflow", "step", "since_ms", "version", "history_length"});
  }

  void load(const boost::json::value& v, const json_path& at, std::vector<double>& into) {
    const auto* a = r_.array(v, at);
    if (!a)
      return;
    if (!a->empty() && a->size() != 3) {
      r_.error(at, "expected 0 or 3 load averages (1, 5 and 15 minutes), got " +
                       std::to_string(a->size()));
      return;
    }
    for (std::size_t i = 0; i < a->size(); ++i) {
      const json_path item = at[i];
      if (auto d = r_.number((*a)[i], item, 0.0))
        into.push_back(*d);
    }
  }

  void counters(const boost::json::value& v, const json_path& at, heartbeat& into) {
    const auto* o = r_.object(v, at);
    if (!o)
      return;
    integer(*o, at, "steps_ok", false, 0, into.steps_ok);
    integer(*o, at, "steps_failed", false, 0, into.steps_failed);
    integer(*o, at, "jobs_finished", false, 0, into.jobs_finished);
    r_.reject_unknown_keys(*o, at, {"steps_ok", "steps_failed", "jobs_finished"});
  }

private:
  json_reader& r_;
};

} // namespace

std::string serialize_heartbeat(const heartbeat& beat) {
  std::string out;
  out.reserve(384 + 96 * (beat.systems.size() + beat.jobs.size()));
  text_writer w(out);
  w.begin_object();
  w.message_header(heartbeat_type);
  w.key("node");
  w.value(beat.node);
  w.key("host");
  w.value(beat.host);
  w.key("pid");
  w.value(beat.pid);
  w.key("broker");
  w.value(beat.broker);
  w.key("started_ms");
  w.value(beat.started_ms);
  w.key("sent_ms");
  w.value(beat.sent_ms);
  w.key("seq");
  w.value(beat.seq);
  w.key("interval_ms");
  w.value(beat.interval_ms);
  w.key("systems");
  w.begin_array();
  for (const auto& s : beat.systems)
    write_system(w, s);
  w.end_array();
  w.key("jobs");
  w.begin_array();
  for (const auto& j : beat.jobs)
    write_job(w, j);
  w.end_array();
  w.key("load");
  w.begin_array();
  for (double d : beat.load)
    w.value(d);
  w.end_array();
  w.key("rss_bytes");
  w.value(beat.rss_bytes);
  w.key("counters");
  w.begin_object();
  w.key("steps_ok");
  w.value(beat.steps_ok);
  w.key("steps_failed");
  w.value(beat.steps_failed);
  w.key("jobs_finished");
  w.value(beat.jobs_finished);
  w.end_object();
  if (beat.leaving) {
    w.key("leaving");
    w.boolean(true);
  }
  w.end_object();
  return out;
}

expected<heartbeat> parse_heartbeat(std::string_view text) {
  auto parsed = parse_json(text);
  if (!parsed)
    return error{errc::invalid_input, "heartbeat: " + to_string(parsed.error())};
  std::vector<problem> problems;
  json_reader r(problems);
  heartbeat_decoder d(r);
  const json_path root;
  heartbeat beat;
  const auto* o = r.object(*parsed, root);
  if (!o)
    return *first_error(problems, "heartbeat");
  check_message_header(r, *o, root, heartbeat_type);
  d.text(*o, root, "node", true, true, beat.node);
  d.text(*o, root, "host", false, false, beat.host);
  d.integer(*o, root, "pid", false, 0, beat.pid);
  d.text(*o, root, "broker", false, false, beat.broker);
  d.integer(*o, root, "started_ms", true, 0, beat.started_ms);
  d.integer(*o, root, "sent_ms", true, 0, beat.sent_ms);
  d.integer(*o, root, "seq", true, 1, beat.seq);
  d.integer(*o, root, "interval_ms", true, 1, beat.interval_ms);
  const json_path systems_at = root / "systems";
  if (const auto* v = r.member(*o, root, "systems"))
    if (const auto* a = r.array(*v, systems_at)) {
      beat.systems.resize(a->size());
      for (std::size_t i = 0; i < a->size(); ++i) {
        const json_path item = systems_at[i];
        d.system((*a)[i], item, beat.systems[i]);
      }
    }
  const json_path jobs_at = root / "jobs";
  if (const auto* v = r.member(*o, root, "jobs"))
    if (const auto* a = r.array(*v, jobs_at)) {
      beat.jobs.resize(a->size());
      for (std::size_t i = 0; i < a->size(); ++i) {
        const json_path item = jobs_at[i];
        d.job((*a)[i], item, beat.jobs[i]);
      }
    }
  const json_path load_at = root / "load";
  if (const auto* v = r.member(*o, root, "load"))
    d.load(*v, load_at, beat.load);
  d.integer(*o, root, "rss_bytes", false, 0, beat.rss_bytes);
  const json_path counters_at = root / "counters";
  if (const auto* v = r.member(*o, root, "counters"))
    d.counters(*v, counters_at, beat);
  if (const auto* v = r.member(*o, root, "leaving"))
    if (auto leaving = r.boolean(*v, root / "leaving"))
      beat.leaving = *leaving;
  r.reject_unknown_keys(*o, root,
                        {"v", "type", "node", "host", "pid", "broker", "started_ms", "sent_ms",
                         "seq", "interval_ms", "systems", "jobs", "load", "rss_bytes", "counters",
                         "leaving"});
  if (auto failed = first_error(problems, "heartbeat"))
    return std::move(*failed);
  return beat;
}

} // namespace boa::protocol
