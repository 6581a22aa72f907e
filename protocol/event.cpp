#include "protocol/event.hpp"

#include "protocol/json_text_writer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace boa::protocol {

namespace {

error bad(std::string what) {
  return {errc::invalid_input, "job event: " + std::move(what)};
}

const boost::json::value* member(const boost::json::object& o, std::string_view key) {
  return o.if_contains(key);
}

expected<std::string> text_of(const boost::json::object& o, std::string_view key, bool required) {
  const auto* v = member(o, key);
  if (!v)
    return required ? expected<std::string>(bad(std::string(key) + ": missing"))
                    : expected<std::string>(std::string{});
  if (!v->is_string())
    return bad(std::string(key) + ": expected a string");
  return std::string(v->get_string());
}

expected<std::int64_t> int_of(const boost::json::object& o, std::string_view key,
                              std::int64_t fallback) {
  const auto* v = member(o, key);
  if (!v)
    return fallback;
  if (!v->is_int64())
    return bad(std::string(key) + ": expected an integer");
  return v->get_int64();
}

} // namespace

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
  w.key("v");
  w.value(std::int64_t{1});
  w.key("type");
  w.value(e.type == job_event::kind::step_finished ? "step-finished" : "job-ended");
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
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec)
    return bad("not JSON: " + ec.message());
  const auto* o = v.if_object();
  if (!o)
    return bad("expected an object");
  auto type = text_of(*o, "type", true);
  if (!type)
    return type.error();
  job_event e;
  if (*type == "step-finished")
    e.type = job_event::kind::step_finished;
  else if (*type == "job-ended")
    e.type = job_event::kind::job_ended;
  else
    return bad("type: unknown event type '" + *type + "'");
  auto job_id = text_of(*o, "job", true);
  auto workflow = text_of(*o, "workflow", false);
  auto node = text_of(*o, "node", false);
  auto state = text_of(*o, "state", true);
  auto at = int_of(*o, "at_ms", 0);
  auto duration = int_of(*o, "duration_ms", 0);
  auto error = text_of(*o, "error", false);
  for (const auto* failed : {&job_id, &workflow, &node, &state, &error})
    if (!*failed)
      return failed->error();
  for (const auto* failed : {&at, &duration})
    if (!*failed)
      return failed->error();
  auto parsed_state = job_state_from_string(*state);
  if (!parsed_state)
    return bad("state: unknown job state '" + *state + "'");
  e.job_id = *job_id;
  e.workflow = *workflow;
  e.node = *node;
  e.state = *parsed_state;
  e.at_ms = *at;
  e.duration_ms = *duration;
  e.error = *error;
  if (e.type == job_event::kind::step_finished) {
    auto step = text_of(*o, "step", true);
    auto result = text_of(*o, "result", false);
    auto worker = text_of(*o, "worker", false);
    auto attempt = int_of(*o, "attempt", 1);
    for (const auto* failed : {&step, &result, &worker})
      if (!*failed)
        return failed->error();
    if (!attempt)
      return attempt.error();
    e.step = *step;
    e.result = *result;
    e.worker = *worker;
    e.attempt = static_cast<int>(*attempt);
    if (const auto* r = o->if_contains("will_retry"); r && r->is_bool())
      e.will_retry = r->get_bool();
  }
  return e;
}

} // namespace boa::protocol
