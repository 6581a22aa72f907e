#include "protocol/node_command.hpp"

#include "protocol/json_read.hpp"
#include "protocol/json_text_writer.hpp"

#include <iterator>
#include <utility>

namespace boa::protocol {

namespace {

constexpr const char* command_names[] = {
    "status",         "workers-add", "workers-remove", "system-start", "system-stop",
    "system-restart", "drain",       "shutdown",       "list-jobs",    "show-job"};
constexpr std::int64_t max_worker_change = 1000;

bool names_system(node_command::kind k) {
  using kind = node_command::kind;
  return k == kind::workers_add || k == kind::workers_remove || k == kind::system_start ||
         k == kind::system_stop || k == kind::system_restart;
}

bool has_count(node_command::kind k) {
  return k == node_command::kind::workers_add || k == node_command::kind::workers_remove;
}

/// The members of a command of kind `c.what` (the header and `command` are read already).
void read_command(json_reader& r, const boost::json::object& o, const json_path& root,
                  node_command& c) {
  using kind = node_command::kind;
  if (c.what == kind::list_jobs || c.what == kind::show_job) {
    c.query.what = c.what == kind::list_jobs ? client_request::kind::list_jobs
                                             : client_request::kind::show_job;
    read_request_members(r, o, root, c.query, "command");
    return;
  }
  if (names_system(c.what)) {
    const json_path at = root / "system";
    if (const auto* v = r.member(o, root, "system", true))
      if (auto s = r.non_empty_string(*v, at))
        c.system = std::string(*s);
  }
  if (has_count(c.what)) {
    const json_path at = root / "count";
    if (const auto* v = r.member(o, root, "count", true))
      if (auto n = r.integer(*v, at, 1, max_worker_change))
        c.count = *n;
  }
  if (has_count(c.what))
    r.reject_unknown_keys(o, root, {"v", "type", "command", "system", "count"});
  else if (names_system(c.what))
    r.reject_unknown_keys(o, root, {"v", "type", "command", "system"});
  else
    r.reject_unknown_keys(o, root, {"v", "type", "command"});
}

} // namespace

std::string node_address(std::string_view node_id) {
  return "topic:boa.node." + std::string(node_id);
}

const char* to_string(node_command::kind k) {
  return command_names[static_cast<int>(k)];
}

std::optional<node_command::kind> node_command_kind_from_string(std::string_view text) {
  for (std::size_t i = 0; i < std::size(command_names); ++i)
    if (text == command_names[i])
      return static_cast<node_command::kind>(i);
  return std::nullopt;
}

const char* known_node_commands() {
  return "status, workers-add, workers-remove, system-start, system-stop, system-restart, drain, "
         "shutdown, list-jobs, show-job";
}

std::string serialize_node_command(const node_command& command) {
  using kind = node_command::kind;
  std::string out;
  text_writer w(out);
  w.begin_object();
  w.message_header(node_command_type);
  w.key("command");
  w.value(std::string_view(to_string(command.what)));
  if (names_system(command.what)) {
    w.key("system");
    w.value(command.system);
  }
  if (has_count(command.what)) {
    w.key("count");
    w.value(command.count);
  }
  if (command.what == kind::list_jobs) {
    if (command.query.state) {
      w.key("state");
      w.value(std::string_view(to_string(*command.query.state)));
    }
    w.key("limit");
    w.value(command.query.limit);
  } else if (command.what == kind::show_job) {
    w.key("job_id");
    w.value(command.query.job_id);
  }
  w.end_object();
  return out;
}

expected<node_command> parse_node_command(std::string_view text) {
  return decode_message<node_command>(
      text, node_command_type,
      [](json_reader& r, const boost::json::value& v, const json_path& root, node_command& out) {
        if (const auto* o = r.object(v, root)) {
          check_message_header(r, *o, root, node_command_type);
          const json_path command_at = root / "command";
          if (const auto* v = r.member(*o, root, "command", true))
            if (auto s = r.string(*v, command_at)) {
              if (auto what = node_command_kind_from_string(*s)) {
                out.what = *what;
                read_command(r, *o, root, out);
              } else {
                r.error(command_at, "unknown command '" + std::string(*s) +
                                        "' (known: " + known_node_commands() + ")");
              }
            }
        }
      });
}

std::string serialize_node_reply(const node_reply& reply) {
  std::string out;
  text_writer w(out);
  w.begin_object();
  w.message_header(node_reply_type);
  w.key("node");
  w.value(reply.node);
  write_reply_members(w, reply.reply);
  w.end_object();
  return out;
}

expected<node_reply> parse_node_reply(std::string_view text) {
  return decode_message<node_reply>(
      text, node_reply_type,
      [](json_reader& r, const boost::json::value& v, const json_path& root, node_reply& out) {
        if (const auto* o = r.object(v, root)) {
          check_message_header(r, *o, root, node_reply_type);
          const json_path node_at = root / "node";
          if (const auto* v = r.member(*o, root, "node", true))
            if (auto s = r.non_empty_string(*v, node_at))
              out.node = std::string(*s);
          read_reply_members(r, *o, root, out.reply);
          // Readers accept replies from newer writers: unknown members are ignored, not refused.
        }
      });
}

envelope node_reply_envelope(const envelope& command, const node_reply& reply) {
  envelope env;
  env.address = command.reply_to;
  env.subject = node_reply_type;
  if (!command.message_id.empty())
    env.message_id = command.message_id + "/" + reply.node;
  env.correlation_id = command.message_id;
  env.body = serialize_node_reply(reply);
  return env;
}

} // namespace boa::protocol
