#include "runtime/http/routes.hpp"

#include "actors/request_handler.hpp"
#include "runtime/http/invalid_input.hpp"
#include "runtime/http/query_params.hpp"

namespace boa::http {

namespace {

using kind = protocol::client_request::kind;

/// The node's answer to `request` from its archive, as the request handler answers `boactl job
/// list --archived`; invalid input keeps its paths (the query parameter's name).
http_reply ask_archive(const api_context& ctx, const protocol::client_request& request) {
  actors::request_sources sources;
  sources.archive = ctx.archive;
  return from_node_answer(actors::answer_request(*ctx.node, sources, request));
}

http_reply list_archived(const api_context& ctx, const http_request& req) {
  protocol::client_request request;
  request.what = kind::list_archived;
  if (auto state = query_param(req, "state")) {
    request.state = protocol::job_state_from_string(*state);
    if (!request.state || !protocol::is_terminal(*request.state))
      return invalid_input(
          error{errc::invalid_input, "state: must be one of finished, error, canceled, got '" +
                                         std::string(*state) + "'"});
  }
  if (auto workflow = query_param(req, "workflow"))
    request.workflow = *workflow;
  auto since = time_param(req, "since");
  if (!since)
    return invalid_input(since.error());
  request.since_ms = since->value_or(0);
  auto limit = integer_param(req, "limit", 1, 10000);
  if (!limit)
    return invalid_input(limit.error());
  request.limit = limit->value_or(50);
  if (auto cursor = query_param(req, "cursor"))
    request.cursor = *cursor;
  return ask_archive(ctx, request);
}

http_reply show_archived(const api_context& ctx, const std::string& id) {
  protocol::client_request request;
  request.what = kind::show_archived;
  request.job_id = id;
  return ask_archive(ctx, request);
}

} // namespace

void add_archive_routes(router& r, const api_context& ctx) {
  r.add(verb::get, "/archive/jobs",
        [&ctx](const http_request& req) { return list_archived(ctx, req); });
  r.add(verb::get, "/archive/jobs/{id}",
        [&ctx](const http_request& req) { return show_archived(ctx, req.params.at("id")); });
}

} // namespace boa::http
