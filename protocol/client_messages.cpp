#include "protocol/client_messages.hpp"

#include "protocol/job_id.hpp"
#include "protocol/json_read.hpp"
#include "protocol/json_text_writer.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <iterator>
#include <utility>

namespace boa::protocol {

namespace {

constexpr const char* request_names[] = {"list-jobs",      "show-job",      "push-workflow",
                                         "list-workflows", "show-workflow", "cluster-nodes",
                                         "cluster-jobs",   "list-archived", "show-archived"};
constexpr std::int64_t max_list_limit = 10000;

/// A member that must be a valid job id; problems at `at`.
void read_job_id(json_reader& r, const boost::json::value& v, const json_path& at,
                 std::string& into) {
  auto s = r.string(v, at);
  if (!s)
    return;
  if (auto valid = validate_job_id(*s); !valid)
    r.error(at, valid.error().message);
  else
    into = std::string(*s);
}

/// A member that must be `NAME` or `NAME@REV`; problems at `at`.
void read_workflow_ref(json_reader& r, const boost::json::value& v, const json_path& at,
                       std::string& into) {
  auto s = r.string(v, at);
  if (!s)
    return;
  if (auto valid = validate_workflow_ref(*s); !valid)
    r.error(at, valid.error().message);
  else
    into = std::string(*s);
}

void read_text(json_reader& r, const boost::json::object& o, const json_path& at,
               std::string_view key, std::string& into) {
  const json_path member_at = at / key;
  if (const auto* v = r.member(o, at, key))
    if (auto s = r.string(*v, member_at))
      into = std::string(*s);
}

/// Records an unknown-key problem for every member of `o` that is neither a header member
/// (`v`, `type`, `header_key` if not empty) nor in `known`.
void reject_unknown_members(json_reader& r, const boost::json::object& o, const json_path& root,
                            std::string_view header_key,
                            std::initializer_list<std::string_view> known) {
  for (const auto& member : o) {
    const std::string_view key = member.key();
    if (key == "v" || key == "type" || (!header_key.empty() && key == header_key))
      continue;
    if (std::find(known.begin(), known.end(), key) == known.end())
      r.unknown_key(key, root, known);
  }
}

} // namespace

void read_request_members(json_reader& r, const boost::json::object& o, const json_path& root,
                          client_request& c, std::string_view header_key) {
  using kind = client_request::kind;
  switch (c.what) {
  case kind::list_jobs: {
    const json_path state_at = root / "state";
    if (const auto* v = r.member(o, root, "state"))
      if (auto s = r.string(*v, state_at)) {
        if (auto state = job_state_from_string(*s))
          c.state = *state;
        else
          r.error(state_at, "unknown job state '" + std::string(*s) +
                                "' (known: initial, running, suspended, finished, error, "
                                "canceled)");
      }
    const json_path limit_at = root / "limit";
    if (const auto* v = r.member(o, root, "limit"))
      if (auto n = r.integer(*v, limit_at, 1, max_list_limit))
        c.limit = *n;
    const json_path before_at = root / "before_ms";
    if (const auto* v = r.member(o, root, "before_ms"))
      if (auto n = r.integer(*v, before_at, 1))
        c.before_ms = *n;
    read_text(r, o, root, "workflow", c.workflow);
    const json_path since_at = root / "since_ms";
    if (const auto* v = r.member(o, root, "since_ms"))
      if (auto n = r.integer(*v, since_at, 0))
        c.since_ms = *n;
    read_text(r, o, root, "cursor", c.cursor);
    if (o.contains("cursor") && o.contains("before_ms"))
      r.error(root / "cursor", "give either 'cursor' or 'before_ms', not both");
    reject_unknown_members(r, o, root, header_key,
                           {"state", "limit", "before_ms", "workflow", "since_ms", "cursor"});
    break;
  }
  case kind::list_archived: {
    const json_path state_at = root / "state";
    if (const auto* v = r.member(o, root, "state"))
      if (auto s = r.string(*v, state_at)) {
        auto state = job_state_from_string(*s);
        if (state && is_terminal(*state))
          c.state = *state;
        else
          r.error(state_at, "'" + std::string(*s) +
                                "' is not a state an archived job has (known: finished, error, "
                                "canceled)");
      }
    read_text(r, o, root, "workflow", c.workflow);
    const json_path since_at = root / "since_ms";
    if (const auto* v = r.member(o, root, "since_ms"))
      if (auto n = r.integer(*v, since_at, 0))
        c.since_ms = *n;
    const json_path limit_at = root / "limit";
    if (const auto* v = r.member(o, root, "limit"))
      if (auto n = r.integer(*v, limit_at, 1, max_list_limit))
        c.limit = *n;
    read_text(r, o, root, "cursor", c.cursor);
    reject_unknown_members(r, o, root, header_key,
                           {"state", "workflow", "since_ms", "limit", "cursor"});
    break;
  }
  case kind::show_job:
  case kind::show_archived: {
    const json_path at = root / "job_id";
    if (const auto* v = r.member(o, root, "job_id", true))
      read_job_id(r, *v, at, c.job_id);
    reject_unknown_members(r, o, root, header_key, {"job_id"});
    break;
  }
  case kind::push_workflow: {
    const json_path at = root / "definition";
    if (const auto* v = r.member(o, root, "definition", true))
      if (const auto* d = r.object(*v, at))
        c.definition = *d;
    read_text(r, o, root, "notes", c.notes);
    read_text(r, o, root, "pushed_by", c.pushed_by);
    reject_unknown_members(r, o, root, header_key, {"definition", "notes", "pushed_by"});
    break;
  }
  case kind::list_workflows:
    read_text(r, o, root, "name", c.workflow);
    reject_unknown_members(r, o, root, header_key, {"name"});
    break;
  case kind::show_workflow: {
    const json_path at = root / "workflow";
    if (const auto* v = r.member(o, root, "workflow", true))
      read_workflow_ref(r, *v, at, c.workflow);
    reject_unknown_members(r, o, root, header_key, {"workflow"});
    break;
  }
  case kind::cluster_nodes:
  case kind::cluster_jobs:
    reject_unknown_members(r, o, root, header_key, {});
    break;
  }
}

expected<void> validate_workflow_ref(std::string_view ref) {
  auto bad = [&](const std::string& why) {
    return error{errc::invalid_input, "workflow reference '" + std::string(ref) + "' " + why +
                                          "; expected NAME or NAME@REVISION, e.g. 'billing' "
                                          "or 'billing@3'"};
  };
  if (ref.empty())
    return bad("is empty");
  auto at = ref.rfind('@');
  if (at == std::string_view::npos)
    return {};
  if (at == 0)
    return bad("has no name");
  auto digits = ref.substr(at + 1);
  std::int64_t revision = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), revision);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || revision < 1)
    return bad("has no revision number >= 1 after '@'");
  return {};
}

std::string serialize_start_job(const start_job_request& request) {
  std::string out;
  text_writer w(out);
  w.begin_object();
  w.message_header(start_job_type);
  if (!request.job_id.empty()) {
    w.key("job_id");
    w.value(request.job_id);
  }
  if (request.definition) {
    w.key("definition");
    w.value(*request.definition);
  } else {
    w.key("workflow");
    w.value(request.workflow_ref);
  }
  if (!request.props.empty()) {
    w.key("properties");
    w.value(request.props);
  }
  w.end_object();
  return out;
}

expected<start_job_request> parse_start_job(std::string_view text) {
  return decode_message<start_job_request>(
      text, "start-job",
      [](json_reader& r, const boost::json::value& v, const json_path& root,
         start_job_request& out) {
        if (const auto* o = r.object(v, root)) {
          check_message_header(r, *o, root, start_job_type);
          const json_path id_at = root / "job_id";
          if (const auto* v = r.member(*o, root, "job_id"))
            read_job_id(r, *v, id_at, out.job_id);
          const auto* ref = r.member(*o, root, "workflow");
          const auto* def = r.member(*o, root, "definition");
          const json_path ref_at = root / "workflow";
          const json_path def_at = root / "definition";
          if (ref && def)
            r.error(def_at, "give either 'workflow' or 'definition', not both");
          else if (!ref && !def)
            r.error(root, "needs 'workflow' (NAME or NAME@REV) or an inline 'definition'");
          if (ref)
            read_workflow_ref(r, *ref, ref_at, out.workflow_ref);
          if (def)
            if (const auto* d = r.object(*def, def_at))
              out.definition = *d;
          const json_path props_at = root / "properties";
          if (const auto* v = r.member(*o, root, "properties"))
            if (const auto* p = r.object(*v, props_at))
              out.props = *p;
          r.reject_unknown_keys(*o, root,
                                {"v", "type", "job_id", "workflow", "definition", "properties"});
        }
      });
}

const char* to_string(client_request::kind k) {
  return request_names[static_cast<int>(k)];
}

std::optional<client_request::kind> request_kind_from_string(std::string_view text) {
  for (std::size_t i = 0; i < std::size(request_names); ++i)
    if (text == request_names[i])
      return static_cast<client_request::kind>(i);
  return std::nullopt;
}

std::string serialize_request(const client_request& request) {
  using kind = client_request::kind;
  std::string out;
  text_writer w(out);
  w.begin_object();
  w.message_header(to_string(request.what));
  switch (request.what) {
  case kind::list_jobs:
    if (request.state) {
      w.key("state");
      w.value(std::string_view(to_string(*request.state)));
    }
    w.key("limit");
    w.value(request.limit);
    if (request.before_ms > 0) {
      w.key("before_ms");
      w.value(request.before_ms);
    }
    if (!request.workflow.empty()) {
      w.key("workflow");
      w.value(request.workflow);
    }
    if (request.since_ms > 0) {
      w.key("since_ms");
      w.value(request.since_ms);
    }
    if (!request.cursor.empty()) {
      w.key("cursor");
      w.value(request.cursor);
    }
    break;
  case kind::show_job:
  case kind::show_archived:
    w.key("job_id");
    w.value(request.job_id);
    break;
  case kind::list_archived:
    if (request.state) {
      w.key("state");
      w.value(std::string_view(to_string(*request.state)));
    }
    if (!request.workflow.empty()) {
      w.key("workflow");
      w.value(request.workflow);
    }
    if (request.since_ms > 0) {
      w.key("since_ms");
      w.value(request.since_ms);
    }
    w.key("limit");
    w.value(request.limit);
    if (!request.cursor.empty()) {
      w.key("cursor");
      w.value(request.cursor);
    }
    break;
  case kind::push_workflow:
    w.key("definition");
    w.value(request.definition);
    if (!request.notes.empty()) {
      w.key("notes");
      w.value(request.notes);
    }
    if (!request.pushed_by.empty()) {
      w.key("pushed_by");
      w.value(request.pushed_by);
    }
    break;
  case kind::list_workflows:
    if (!request.workflow.empty()) {
      w.key("name");
      w.value(request.workflow);
    }
    break;
  case kind::show_workflow:
    w.key("workflow");
    w.value(request.workflow);
    break;
  case kind::cluster_nodes:
  case kind::cluster_jobs:
    break;
  }
  w.end_object();
  return out;
}

expected<client_request> parse_request(std::string_view text) {
  return decode_message<client_request>(
      text, "request",
      [](json_reader& r, const boost::json::value& v, const json_path& root, client_request& out) {
        if (const auto* o = r.object(v, root)) {
          // The header check reports a missing or non-string type; an unknown one is reported here.
          const auto* type = o->if_contains("type");
          std::string_view type_text;
          if (type && type->is_string())
            type_text = type->get_string();
          check_message_header(r, *o, root, type_text);
          if (auto what = request_kind_from_string(type_text)) {
            out.what = *what;
            read_request_members(r, *o, root, out, {});
          } else if (type && type->is_string()) {
            r.error(root / "type",
                    "unknown request type '" + std::string(type_text) +
                        "' (known: list-jobs, show-job, push-workflow, list-workflows, "
                        "show-workflow, cluster-nodes, cluster-jobs, list-archived, "
                        "show-archived)");
          }
        }
      });
}

const char* wire_name(errc code) {
  switch (code) {
  case errc::invalid_input:
    return "invalid_input";
  case errc::not_found:
    return "not_found";
  case errc::io:
    return "io";
  case errc::corrupt:
    return "corrupt";
  case errc::timeout:
    return "timeout";
  case errc::canceled:
    return "canceled";
  case errc::step_failed:
    return "step_failed";
  case errc::internal:
    return "internal";
  }
  return "internal";
}

std::optional<errc> errc_from_wire_name(std::string_view text) {
  for (auto code : {errc::invalid_input, errc::not_found, errc::io, errc::corrupt, errc::timeout,
                    errc::canceled, errc::step_failed, errc::internal})
    if (text == wire_name(code))
      return code;
  return std::nullopt;
}

client_reply ok_reply(boost::json::value data) {
  client_reply reply;
  reply.ok = true;
  reply.data = std::move(data);
  return reply;
}

client_reply error_reply(const error& e) {
  client_reply reply;
  reply.ok = false;
  reply.error_code = e.code;
  reply.error_message = e.message;
  return reply;
}

void write_reply_members(text_writer& w, const client_reply& reply) {
  w.key("ok");
  w.boolean(reply.ok);
  if (reply.ok) {
    w.key("data");
    w.raw(boost::json::serialize(reply.data));
  } else {
    w.key("error");
    w.begin_object();
    w.key("code");
    w.value(std::string_view(wire_name(reply.error_code)));
    w.key("message");
    w.value(reply.error_message);
    w.end_object();
  }
}

std::string serialize_reply(const client_reply& reply) {
  std::string out;
  text_writer w(out);
  w.begin_object();
  w.message_header(reply_type);
  write_reply_members(w, reply);
  w.end_object();
  return out;
}

void read_reply_members(json_reader& r, const boost::json::object& o, const json_path& root,
                        client_reply& out) {
  const json_path ok_at = root / "ok";
  if (const auto* v = r.member(o, root, "ok", true))
    if (auto b = r.boolean(*v, ok_at))
      out.ok = *b;
  if (out.ok) {
    if (const auto* v = o.if_contains("data"))
      out.data = *v;
    return;
  }
  const json_path error_at = root / "error";
  const auto* v = r.member(o, root, "error", true);
  const auto* e = v ? r.object(*v, error_at) : nullptr;
  if (!e)
    return;
  const json_path code_at = error_at / "code";
  if (const auto* c = r.member(*e, error_at, "code", true))
    if (auto s = r.string(*c, code_at)) {
      if (auto code = errc_from_wire_name(*s))
        out.error_code = *code;
      else
        r.error(code_at, "unknown error code '" + std::string(*s) + "'");
    }
  const json_path message_at = error_at / "message";
  if (const auto* m = r.member(*e, error_at, "message", true))
    if (auto s = r.string(*m, message_at))
      out.error_message = std::string(*s);
}

expected<client_reply> parse_reply(std::string_view text) {
  return decode_message<client_reply>(
      text, "reply",
      [](json_reader& r, const boost::json::value& v, const json_path& root, client_reply& out) {
        if (const auto* o = r.object(v, root)) {
          check_message_header(r, *o, root, reply_type);
          read_reply_members(r, *o, root, out);
          // Readers accept replies from newer writers: unknown members are ignored, not refused.
        }
      });
}

envelope reply_envelope(const envelope& request, const client_reply& reply) {
  envelope env;
  env.address = request.reply_to;
  env.subject = reply_type;
  if (!request.message_id.empty())
    env.message_id = request.message_id + "/reply";
  env.correlation_id = request.message_id;
  env.body = serialize_reply(reply);
  return env;
}

} // namespace boa::protocol
