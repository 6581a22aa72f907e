#pragma once

#include "runtime/http/api_context.hpp"
#include "runtime/http/router.hpp"

namespace boa::http {

/// `GET /healthz` and `GET /readyz`.
void add_health_routes(router& r, const api_context& ctx);
/// `GET /cluster/nodes` and `GET /cluster/jobs`.
void add_cluster_routes(router& r, const api_context& ctx);
/// `GET /jobs`, `GET /jobs/{id}`, `POST /jobs`, `POST /jobs/{id}/{command}`, and the webhook
/// form of a start, `POST|GET /hooks/{workflow}`.
void add_job_routes(router& r, const api_context& ctx);
/// The node proxy: `/cluster/nodes/{node}…` sends a node command to that node over the broker
/// and answers with its reply.
void add_node_routes(router& r, const api_context& ctx);
/// `GET /metrics` (Prometheus text).
void add_metrics_routes(router& r, const api_context& ctx);
/// `GET /workflows`, `GET /workflows/{name}`, `GET /workflows/{name}/{revision}`,
/// `POST /workflows`.
void add_repository_routes(router& r, const api_context& ctx);
/// `GET /archive/jobs`, `GET /archive/jobs/{id}`.
void add_archive_routes(router& r, const api_context& ctx);
/// `GET /` and `GET /ui/{file}`: the dashboard's files, compiled into the binary.
void add_dashboard_routes(router& r);
/// The dashboard's pages are public (its calls to the API carry the token).
bool is_dashboard_path(std::string_view path);

} // namespace boa::http
