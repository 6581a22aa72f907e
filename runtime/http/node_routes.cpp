#include "runtime/http/node_proxy.hpp"
#include "runtime/http/routes.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace boa::http {

namespace json = boost::json;

namespace {

/// A node id is a name in bus addresses: letters, digits, '.', '_' and '-' (node_config.cpp).
bool valid_node_id(std::string_view id) {
  if (id.empty() || id.size() > 200)
    return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-'))
      return false;
  return true;
}

/// A query value as JSON: an integer when it reads as one, else the text, so that the command's
/// own decoder names what is wrong with it.
json::value query_value(const std::string& text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc{} && end == text.data() + text.size())
    return n;
  return json::string(text);
}

/// Sends the node command `members` describes (`command` and its members) to the node the path
/// names, through the node's proxy, and answers with the node's reply: its data, or its error
/// with the status it means; 504 when the node does not answer in time.
http_reply proxy_command(const api_context& ctx, const http_request& req, json::object members) {
  const auto& node = req.params.at("node");
  if (!valid_node_id(node))
    return error_reply(400, "invalid_input",
                       "node: a node id has only letters, digits, '.', '_' and '-', got '" + node +
                           "'");
  if (!ctx.proxy)
    return error_reply(503, "not_ready", "this node cannot reach other nodes (it has no bus)");
  members.emplace("v", 1);
  members.emplace("type", protocol::node_command_type);
  // The command's decoder validates what the path and query made of it, with JSON paths.
  auto command = protocol::parse_node_command(json::serialize(members));
  if (!command)
    return error_reply(400, "invalid_input", command.error().message);
  auto answer = ctx.proxy->ask(node, *command, ctx.actor_timeout);
  if (!answer) {
    if (answer.error().code == errc::timeout)
      return error_reply(504, "timeout", answer.error().message);
    if (answer.error().code == errc::io)
      return error_reply(503, "io", answer.error().message);
    return error_reply(
        502, "bad_reply",
        "node '" + node + "' answered with a reply that cannot be read: " + answer.error().message);
  }
  return from_client_reply(answer->reply);
}

/// The query parameters `names` as command members.
json::object members_from_query(const http_request& req, std::string_view command,
                                std::initializer_list<std::string_view> names) {
  json::object members{{"command", command}};
  for (auto name : names)
    if (auto it = req.query.find(name); it != req.query.end())
      members[name] = query_value(it->second);
  return members;
}

} // namespace

void add_node_routes(router& r, const api_context& ctx) {
  r.add(verb::get, "/cluster/nodes/{node}", [&ctx](const http_request& req) {
    return proxy_command(ctx, req, {{"command", "status"}});
  });
  for (const char* command : {"drain", "shutdown"})
    r.add(verb::post, std::string("/cluster/nodes/{node}/") + command,
          [&ctx, command](const http_request& req) {
            return proxy_command(ctx, req, {{"command", command}});
          });
  // `POST /cluster/nodes/n1/systems/workers/add?count=2`: the node command `workers-add` with
  // system "workers"; start, stop and restart are `system-start` and so on.
  r.add(verb::post, "/cluster/nodes/{node}/systems/{system}/{action}",
        [&ctx](const http_request& req) {
          const auto& system = req.params.at("system");
          const auto& action = req.params.at("action");
          std::string command;
          if (action == "add" || action == "remove")
            command = system + "-" + action;
          else if (action == "start" || action == "stop" || action == "restart")
            command = "system-" + action;
          else
            return error_reply(404, "not_found",
                               "action: must be start, stop, restart, add or remove, got '" +
                                   action + "'");
          auto members = members_from_query(req, command, {"count"});
          members["system"] = system;
          return proxy_command(ctx, req, std::move(members));
        });
  r.add(verb::get, "/cluster/nodes/{node}/jobs", [&ctx](const http_request& req) {
    return proxy_command(ctx, req, members_from_query(req, "list-jobs", {"state", "limit"}));
  });
  r.add(verb::get, "/cluster/nodes/{node}/jobs/{id}", [&ctx](const http_request& req) {
    return proxy_command(ctx, req, {{"command", "show-job"}, {"job_id", req.params.at("id")}});
  });
}

} // namespace boa::http
