#pragma once

#include "runtime/http/api_context.hpp"
#include "runtime/http/router.hpp"

namespace boa::http {

/// `GET /healthz` and `GET /readyz`.
void add_health_routes(router& r, const api_context& ctx);
/// `GET /cluster/nodes` and `GET /cluster/jobs`.
void add_cluster_routes(router& r, const api_context& ctx);
/// `GET /jobs`, `GET /jobs/{id}`, `POST /jobs`, `POST /jobs/{id}/{command}`.
void add_job_routes(router& r, const api_context& ctx);
/// `GET /` and `GET /ui/{file}`: the dashboard's files, compiled into the binary.
void add_dashboard_routes(router& r);
/// The dashboard's pages are public (its calls to the API carry the token).
bool is_dashboard_path(std::string_view path);

} // namespace boa::http
