#include "protocol/event.hpp"

#include "protocol/json_read.hpp"
#include "protocol/json_text_writer.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace boa::protocol {

job_event step_finished_event(const job& j, const history_entry& entry, bool will_retry) {
  job_event e;
  e.type = job_event::kind::step_finished;
  e.job_id = j.id;
  e.workflow = j.workflow ? j.workflow->def.name : std::string{};
  e.node = entry.node;
  e.at_ms = entry.end_ms;
  e.step = entry.step;
  e.attempt = entry.attempt;
  e.result = entry.result;
  e.duration_ms = entry.end_ms - entry.start_ms;
  e.worker = entry.worker;
  e.will_retry = will_retry;
  e.error = entry.error;
  e.state = j.state;
  return e;
}

job_event job_ended_event(const job& j, const std::string& node, std::int64_t now_ms) {
  job_event e;
  e.type = job_event::kind::job_ended;
  e.job_id = j.id;
  e.workflow = j.workflow ? j.workflow->def.name : std::string{};
  e.node = node;
  e.at_ms = now_ms;
  e.error = j.error;
  e.state = j.state;
  e.duration_ms = now_ms - j.created_ms;
  return e;
}

std::string serialize_event(const job_event& e) {
  std::string out;
  out.reserve(256);
  text_writer w(out);
  w.begin_object();
  w.message_header(e.type == job_event::kind::step_finished ? "step-finished" : "job-ended");
  w.key("job");
  w.value(e.job_id);
  w.key("workflow");
  w.value(e.workflow);
  w.key("node");
  w.value(e.node);
  w.key("at_ms");
  w.value(e.at_ms);
  w.key("duration_ms");
  w.value(e.duration_ms);
  w.key("state");
  w.value(std::string_view(to_string(e.state)));
  if (e.type == job_event::kind::step_finished) {
    w.key("step");
    w.value(e.step);
    w.key("attempt");
    w.value(std::int64_t{e.attempt});
    w.key("result");
    w.value(e.result);
    w.key("worker");
    w.value(e.worker);
    if (e.will_retry) {
      w.key("will_retry");
      w.boolean(true);
    }
  }
  if (!e.error.empty()) {
    w.key("error");
    w.value(e.error);
  }
  w.end_object();
  return out;
}

expected<job_event> parse_event(std::string_view text) {
  auto parsed = parse_json(text);
  if (!parsed)
    return error{errc::invalid_input, "job event: " + to_string(parsed.error())};
  std::vector<problem> problems;
  json_reader r(problems);
  const json_path root;
  job_event e;
  const auto* o = r.object(*parsed, root);
  if (!o)
    return *first_error(problems, "job event");
  auto text_of = [&](std::string_view key, bool required, std::string& into) {
    const json_path at = root / key;
    if (const auto* v = r.member(*o, root, key, required))
      if (auto s = r.string(*v, at))
        into = std::string(*s);
  };
  auto int_of = [&](std::string_view key, std::int64_t& into) {
    const json_path at = root / key;
    if (const auto* v = r.member(*o, root, key))
      if (auto n = r.integer(*v, at))
        into = *n;
  };
  std::string type;
  text_of("type", true, type);
  if (type == "step-finished")
    e.type = job_event::kind::step_finished;
  else if (type == "job-ended")
    e.type = job_event::kind::job_ended;
  else if (!type.empty())
    r.error(root / "type", "unknown event type '" + type + "' (known: step-finished, job-ended)");
  text_of("job", true, e.job_id);
  text_of("workflow", false, e.workflow);
  text_of("node", false, e.node);
  text_of("error", false, e.error);
  int_of("at_ms", e.at_ms);
  int_of("duration_ms", e.duration_ms);
  std::string state;
  text_of("state", true, state);
  if (!state.empty()) {
    if (auto parsed_state = job_state_from_string(state))
      e.state = *parsed_state;
    else
      r.error(root / "state", "unknown job state '" + state + "'");
  }
  if (e.type == job_event::kind::step_finished) {
    text_of("step", true, e.step);
    text_of("result", false, e.result);
    text_of("worker", false, e.worker);
    std::int64_t attempt = 1;
    int_of("attempt", attempt);
    e.attempt = static_cast<int>(attempt);
    const json_path retry_at = root / "will_retry";
    if (const auto* v = r.member(*o, root, "will_retry"))
      if (auto b = r.boolean(*v, retry_at))
        e.will_retry = *b;
  }
  // Readers accept events from newer writers: unknown members are ignored, not refused.
  if (auto failed = first_error(problems, "job event"))
    return std::move(*failed);
  return e;
}

} // namespace boa::protocol
