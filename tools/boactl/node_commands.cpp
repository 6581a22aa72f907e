#include "tools/boactl/node_commands.hpp"

#include "tools/boactl/table.hpp"
#include "tools/boactl/text_format.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <ostream>

namespace boa::boactl {

namespace {

namespace json = boost::json;

std::string text_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string("-");
}

/// `busy/total busy` of the workers system, and whether it takes jobs.
std::string workers_of(const json::object& beat) {
  const auto* systems = beat.if_contains("systems");
  if (!systems || !systems->is_array())
    return "-";
  for (const auto& s : systems->get_array()) {
    if (!s.is_object())
      continue;
    const auto& o = s.get_object();
    if (text_member(o, "name") != "workers")
      continue;
    auto number = [&](std::string_view key) -> std::int64_t {
      const auto* v = o.if_contains(key);
      return v && v->is_int64() ? v->get_int64() : 0;
    };
    const auto* running = o.if_contains("running");
    bool stopped = running && running->is_bool() && !running->get_bool();
    return fmt::format("{}/{} busy{}", number("busy"), number("total"), stopped ? ", stopped" : "");
  }
  return "-";
}

std::size_t jobs_of(const json::object& beat) {
  const auto* jobs = beat.if_contains("jobs");
  return jobs && jobs->is_array() ? jobs->get_array().size() : 0;
}

void print_people(console& c, const node_answers& answers, std::chrono::milliseconds timeout) {
  table t{{"NODE", "STATE", "WORKERS", "RUNNING", "ANSWER"}};
  for (const auto& r : answers.replies) {
    if (!r.reply.ok) {
      t.add({r.node, "-", "-", "-", "error: " + r.reply.error_message});
      continue;
    }
    const auto* data = r.reply.data.if_object();
    const auto* beat_value = data ? data->if_contains("heartbeat") : nullptr;
    const auto* beat = beat_value ? beat_value->if_object() : nullptr;
    if (!data || !beat) {
      t.add({r.node, "-", "-", "-", "ok"});
      continue;
    }
    t.add({r.node, text_member(*data, "state"), workers_of(*beat), std::to_string(jobs_of(*beat)),
           "ok"});
  }
  for (const auto& n : answers.silent)
    t.add({n, "-", "-", "-", "no answer within " + format_duration(timeout.count())});
  t.print(c.out);
}

void print_json(console& c, const node_answers& answers) {
  json::array replies;
  for (const auto& r : answers.replies) {
    json::object o{{"node", r.node}, {"ok", r.reply.ok}};
    if (r.reply.ok)
      o["data"] = r.reply.data;
    else
      o["error"] = json::object{{"code", protocol::wire_name(r.reply.error_code)},
                                {"message", r.reply.error_message}};
    replies.push_back(std::move(o));
  }
  json::array silent;
  for (const auto& n : answers.silent)
    silent.push_back(json::string(n));
  c.out << json::serialize(
               json::object{{"replies", std::move(replies)}, {"silent", std::move(silent)}})
        << '\n';
}

} // namespace

int node_command(session& s, console& c, const node_args& args) {
  auto client = s.client();
  if (!client)
    return report(c, client.error());
  auto answers = (*client)->command_nodes(args.node, args.command);
  if (!answers)
    return report(c, answers.error());
  const auto timeout = (*client)->options().timeout;
  if (c.json)
    print_json(c, *answers);
  else
    print_people(c, *answers, timeout);
  int code = exit_ok;
  for (const auto& r : answers->replies)
    if (!r.reply.ok) {
      c.err << fmt::format("boactl: node {}: {}\n", r.node, r.reply.error_message);
      code = std::max<int>(code, exit_code_of_node_error(r.reply.error_code));
    }
  for (const auto& n : answers->silent) {
    c.err << fmt::format("boactl: node {} did not answer within {}\n", n,
                         format_duration(timeout.count()));
    code = exit_unreachable;
  }
  return code;
}

} // namespace boa::boactl
