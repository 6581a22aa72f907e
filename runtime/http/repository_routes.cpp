#include "runtime/http/routes.hpp"

#include "actors/request_handler.hpp"
#include "runtime/http/invalid_input.hpp"
#include "runtime/http/json_body.hpp"
#include "storage/workflow_repository.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace boa::http {

namespace json = boost::json;

namespace {

/// The node's answer to `request`, asked the way the request handler answers `boactl`; invalid
/// input keeps its paths.
protocol::client_reply ask_repository(const api_context& ctx,
                                      const protocol::client_request& request) {
  actors::request_sources sources;
  sources.workflows = ctx.workflows;
  return actors::answer_request(*ctx.node, sources, request);
}

/// A name from the path, checked as the repository checks names: `a@b` would otherwise be read
/// as a reference to revision `b`.
std::optional<http_reply> check_name(const std::string& name) {
  if (auto valid = storage::validate_workflow_name(name); !valid)
    return invalid_input(error{errc::invalid_input, "name: " + valid.error().message});
  return std::nullopt;
}

http_reply list_names(const api_context& ctx) {
  protocol::client_request request;
  request.what = protocol::client_request::kind::list_workflows;
  return from_node_answer(ask_repository(ctx, request));
}

http_reply list_revisions(const api_context& ctx, const std::string& name) {
  if (auto bad = check_name(name))
    return *bad;
  protocol::client_request request;
  request.what = protocol::client_request::kind::list_workflows;
  request.workflow = name;
  auto reply = ask_repository(ctx, request);
  if (reply.ok)
    reply.data =
        json::object{{"name", name}, {"revisions", std::move(reply.data.as_object()["revisions"])}};
  return from_node_answer(reply);
}

http_reply show_revision(const api_context& ctx, const std::string& name,
                         const std::string& revision) {
  if (auto bad = check_name(name))
    return *bad;
  protocol::client_request request;
  request.what = protocol::client_request::kind::show_workflow;
  request.workflow = name;
  if (revision != "latest") {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(revision.data(), revision.data() + revision.size(), n);
    if (ec != std::errc{} || end != revision.data() + revision.size() || n < 1)
      return invalid_input(
          error{errc::invalid_input,
                "revision: must be an integer >= 1 or 'latest', got '" + revision + "'"});
    request.workflow += "@" + std::to_string(n);
  }
  return from_node_answer(ask_repository(ctx, request));
}

http_reply push(const api_context& ctx, const http_request& req) {
  json::value parsed;
  if (auto bad = parse_json_body(req.body, parsed))
    return *bad;
  if (!parsed.is_object())
    return error_reply(400, "invalid_input", "the body must be a JSON object");
  // The body is a push-workflow request without its envelope members: decoded the same way.
  auto& body = parsed.as_object();
  body["v"] = 1;
  body["type"] = protocol::to_string(protocol::client_request::kind::push_workflow);
  auto request = protocol::parse_request(json::serialize(body));
  if (!request)
    return invalid_input(request.error(), "request: ");
  return from_node_answer(ask_repository(ctx, *request), 201);
}

} // namespace

void add_repository_routes(router& r, const api_context& ctx) {
  r.add(verb::get, "/workflows", [&ctx](const http_request&) { return list_names(ctx); });
  r.add(verb::post, "/workflows", [&ctx](const http_request& req) { return push(ctx, req); });
  r.add(verb::get, "/workflows/{name}",
        [&ctx](const http_request& req) { return list_revisions(ctx, req.params.at("name")); });
  r.add(verb::get, "/workflows/{name}/{revision}", [&ctx](const http_request& req) {
    return show_revision(ctx, req.params.at("name"), req.params.at("revision"));
  });
}

} // namespace boa::http
