#include "runtime/http/routes.hpp"

#include <boost/json/object.hpp>

namespace boa::http {

void add_health_routes(router& r, const api_context& ctx) {
  r.add(verb::get, "/healthz", [](const http_request&) {
    return json_reply(200, boost::json::object{{"status", "up"}});
  });
  r.add(verb::get, "/readyz", [&ctx](const http_request&) {
    std::optional<std::string> reason;
    if (ctx.not_ready)
      reason = ctx.not_ready();
    if (!reason && !ctx.jobs)
      reason = "the node keeps no job store";
    if (reason)
      return error_reply(503, "not_ready", *reason);
    return json_reply(200, boost::json::object{{"status", "ready"}});
  });
}

} // namespace boa::http
