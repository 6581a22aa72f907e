#include "tools/boactl/job_output.hpp"

#include "protocol/job_codec.hpp"
#include "tools/boactl/table.hpp"
#include "tools/boactl/text_format.hpp"

#include <boost/json/serialize.hpp>

#include <fmt/core.h>

#include <ostream>

namespace boa::boactl {

namespace {

/// Longest error text a table cell shows; `job show --json` has all of it.
constexpr std::size_t error_cell = 72;

std::string text_member(const boost::json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v && v->is_string())
    return std::string(v->as_string());
  return {};
}

std::int64_t int_member(const boost::json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key)) {
    if (v->is_int64())
      return v->as_int64();
    if (v->is_uint64())
      return static_cast<std::int64_t>(v->as_uint64());
  }
  return 0;
}

std::string or_dash(std::string s) {
  return s.empty() ? "-" : s;
}

std::string took(std::int64_t from_ms, std::int64_t to_ms) {
  return from_ms > 0 && to_ms >= from_ms ? format_duration(to_ms - from_ms) : "-";
}

/// `finished in 3.10 s`, `ended in error after 1.20 s: REASON`, `was canceled after …`.
std::string end_sentence(const std::string& job_id, protocol::job_state state, std::int64_t took_ms,
                         const std::string& error) {
  auto when = took_ms >= 0 ? format_duration(took_ms) : std::string{};
  std::string text;
  switch (state) {
  case protocol::job_state::finished:
    text = "finished" + (when.empty() ? "" : " in " + when);
    break;
  case protocol::job_state::canceled:
    text = "was canceled" + (when.empty() ? "" : " after " + when);
    break;
  default:
    text = "ended in " + std::string(protocol::to_string(state)) +
           (when.empty() ? "" : " after " + when);
  }
  if (!error.empty())
    text += ": " + error;
  return "job " + job_id + " " + text;
}

void print_properties(std::ostream& out, const protocol::properties& props) {
  out << "properties\n" << pretty_json(props) << '\n';
}

} // namespace

std::string workflow_label(const protocol::job& j) {
  if (!j.workflow)
    return "-";
  const auto& def = j.workflow->def;
  return def.revision ? fmt::format("{}@{}", def.name, *def.revision) : def.name;
}

std::string progress_line(std::size_t n, const protocol::job_event& e) {
  auto step = e.attempt > 1 ? fmt::format("{} (attempt {})", e.step, e.attempt) : e.step;
  auto line = fmt::format("{:>4}  {:<24} {:<10} {:>8}  {}", n, step, or_dash(e.result),
                          format_duration(e.duration_ms), or_dash(e.node));
  if (!e.error.empty())
    line += "  " + excerpt(e.error, error_cell);
  if (e.will_retry)
    line += "  (will retry)";
  return line;
}

std::string watch_header(const protocol::job& j) {
  auto at = j.step.empty() ? std::string{} : ", at step " + j.step;
  if (!j.step.empty() && j.attempt > 1)
    at += fmt::format(" (attempt {})", j.attempt);
  return fmt::format("job {} ({}) {}{}", j.id, workflow_label(j), protocol::to_string(j.state), at);
}

void print_job_list(console& c, const boost::json::value& data) {
  if (c.json) {
    c.out << boost::json::serialize(data) << '\n';
    return;
  }
  const auto* o = data.if_object();
  const auto* jobs = o ? o->if_contains("jobs") : nullptr;
  table t({"ID", "WORKFLOW", "STATE", "STEP", "CREATED", "TOOK", "ERROR"});
  if (jobs && jobs->is_array())
    for (const auto& entry : jobs->as_array()) {
      const auto* e = entry.if_object();
      if (!e)
        continue;
      const auto created = int_member(*e, "created_ms");
      const auto error = text_member(*e, "error");
      t.add({text_member(*e, "id"), or_dash(text_member(*e, "workflow")), text_member(*e, "state"),
             or_dash(text_member(*e, "step")), format_time(created),
             took(created, int_member(*e, "ended_ms")),
             error.empty() ? "" : excerpt(error, error_cell)});
    }
  if (t.empty())
    c.out << "no jobs\n";
  else
    t.print(c.out);
  const auto* counts = o ? o->if_contains("counts") : nullptr;
  if (counts && counts->is_object() && !counts->as_object().empty()) {
    const auto& by_state = counts->as_object();
    std::string line;
    for (const auto& [state, n] : by_state)
      if (n.is_int64() || n.is_uint64())
        line += fmt::format("{}{} {}", line.empty() ? "" : ", ", int_member(by_state, state),
                            std::string_view(state));
    std::string where = "in the answering node's store";
    if (const auto* nodes = o->if_contains("nodes"); nodes && nodes->is_array()) {
      where.clear();
      for (const auto& n : nodes->get_array())
        if (n.is_string())
          where += std::string(where.empty() ? "" : ", ") + std::string(n.get_string());
      where = "listed from the stores of " + where;
    }
    c.out << where << ": " << line << '\n';
  }
}

void print_archived_job_list(console& c, const boost::json::value& data) {
  if (c.json) {
    c.out << boost::json::serialize(data) << '\n';
    return;
  }
  const auto* o = data.if_object();
  const auto* jobs = o ? o->if_contains("jobs") : nullptr;
  table t({"ID", "WORKFLOW", "STATE", "ENDED", "TOOK", "NODE"});
  if (jobs && jobs->is_array())
    for (const auto& entry : jobs->as_array()) {
      const auto* e = entry.if_object();
      if (!e)
        continue;
      auto workflow = text_member(*e, "workflow");
      if (const auto* rev = e->if_contains("revision"); rev && rev->is_int64())
        workflow += "@" + std::to_string(rev->as_int64());
      t.add({text_member(*e, "id"), or_dash(workflow), text_member(*e, "state"),
             format_time(int_member(*e, "ended_ms")),
             took(int_member(*e, "created_ms"), int_member(*e, "ended_ms")),
             or_dash(text_member(*e, "node"))});
    }
  if (t.empty())
    c.out << "no archived jobs\n";
  else
    t.print(c.out);
  if (auto next = o ? text_member(*o, "next_cursor") : std::string(); !next.empty())
    c.out << "more: --cursor " << next << '\n';
}

void print_job(console& c, const protocol::job& j, const boost::json::value& data) {
  if (c.json) {
    c.out << boost::json::serialize(data) << '\n';
    return;
  }
  auto& out = c.out;
  auto state = std::string(protocol::to_string(j.state));
  if (!j.error.empty())
    state += ": " + j.error;
  out << fmt::format("job       {}\n", j.id);
  out << fmt::format("workflow  {}\n", workflow_label(j));
  out << fmt::format("state     {}\n", state);
  if (!protocol::is_terminal(j.state) && !j.step.empty())
    out << fmt::format("step      {}{}\n", j.step,
                       j.attempt > 1 ? fmt::format(" (attempt {})", j.attempt) : "");
  if (!j.parent_id.empty())
    out << fmt::format("parent    {} (step {}, item {})\n", j.parent_id, j.parent_step,
                       j.item_index);
  out << fmt::format("created   {}\n", format_time(j.created_ms));
  if (j.ended_ms > 0)
    out << fmt::format("ended     {} (took {})\n", format_time(j.ended_ms),
                       took(j.created_ms, j.ended_ms));
  else
    out << fmt::format("updated   {}\n", format_time(j.updated_ms));

  out << fmt::format("\nhistory ({} step attempts)\n", j.history.size());
  if (!j.history.empty()) {
    table t({"#", "STEP", "ATTEMPT", "RESULT", "STARTED", "TOOK", "NODE", "ERROR"});
    std::size_t n = 0;
    for (const auto& h : j.history)
      t.add({std::to_string(++n), h.step, std::to_string(h.attempt), or_dash(h.result),
             format_time(h.start_ms), took(h.start_ms, h.end_ms), or_dash(h.node),
             h.error.empty() ? "" : excerpt(h.error, error_cell)});
    t.print(out, "  ");
  }
  out << '\n';
  print_properties(out, j.props);
}

void print_job_end(console& c, const std::string& job_id, const job_end& end) {
  auto j = end.job.is_null() ? expected<protocol::job>{error{errc::not_found, ""}}
                             : protocol::decode_job(end.job);
  if (c.json) {
    if (!end.job.is_null()) {
      c.out << boost::json::serialize(end.job) << '\n';
    } else {
      boost::json::object o{{"id", job_id}, {"state", protocol::to_string(end.state)}};
      if (!end.error.empty())
        o["error"] = end.error;
      c.out << boost::json::serialize(o) << '\n';
    }
    return;
  }
  if (!j) {
    c.out << end_sentence(job_id, end.state, -1, end.error) << '\n';
    return;
  }
  c.out << end_sentence(job_id, j->state, j->ended_ms > 0 ? j->ended_ms - j->created_ms : -1,
                        j->error)
        << '\n';
  print_properties(c.out, j->props);
}

} // namespace boa::boactl
