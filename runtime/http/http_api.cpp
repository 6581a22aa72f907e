#include "runtime/http/http_api.hpp"

#include "runtime/http/node_proxy.hpp"
#include "runtime/http/routes.hpp"
#include "runtime/http/token_check.hpp"

namespace boa::http {

expected<std::unique_ptr<http_api>> http_api::start(http_api_options options, api_context ctx) {
  std::unique_ptr<http_api> api(new http_api());
  api->token_ = std::move(options.token);
  api->ctx_ = std::move(ctx);
  api->ctx_.stopping = &api->stopping_;
  if (api->ctx_.system && api->ctx_.node && api->ctx_.node->bus) {
    api->proxy_ = std::make_unique<node_proxy>(*api->ctx_.system, *api->ctx_.node->bus,
                                               api->ctx_.node->node_id);
    api->ctx_.proxy = api->proxy_.get();
    api->job_ends_ = std::make_unique<job_end_watch>(*api->ctx_.system, *api->ctx_.node->bus);
    api->ctx_.job_ends = api->job_ends_.get();
  }
  add_health_routes(api->router_, api->ctx_);
  add_cluster_routes(api->router_, api->ctx_);
  add_job_routes(api->router_, api->ctx_);
  add_node_routes(api->router_, api->ctx_);
  add_metrics_routes(api->router_, api->ctx_);
  add_repository_routes(api->router_, api->ctx_);
  add_archive_routes(api->router_, api->ctx_);
  add_dashboard_routes(api->router_);
  auto* self = api.get();
  auto server = http_server::start(std::move(options.server),
                                   [self](http_request& request, std::string_view authorization) {
                                     return self->handle(request, authorization);
                                   });
  if (!server)
    return server.error();
  api->server_ = std::move(*server);
  return api;
}

http_api::~http_api() {
  if (server_)
    stop();
}

void http_api::stop() {
  stopping_ = true;
  if (job_ends_)
    job_ends_->stop(); // requests waiting for a job answer now
  server_->stop();
  if (proxy_)
    proxy_->close(); // its receiving actor must not outlive the node
}

http_reply http_api::handle(http_request& request, std::string_view authorization) const {
  // Probes of liveness carry no credentials: whoever can reach the port may ask. Nor does a
  // browser loading the dashboard, which asks for the token before it calls the API.
  const bool open = request.path == "/healthz" || is_dashboard_path(request.path);
  if (!token_.empty() && !open) {
    auto given = bearer_token(authorization);
    if (given.empty())
      return error_reply(401, "unauthorized", "this API needs an Authorization: Bearer token");
    if (!same_token(given, token_))
      return error_reply(401, "unauthorized", "the bearer token is wrong");
  }
  return router_.dispatch(request);
}

} // namespace boa::http
