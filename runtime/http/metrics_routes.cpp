#include "runtime/http/routes.hpp"

#include "actors/cluster_view.hpp"
#include "actors/messages.hpp"
#include "actors/metrics/node_metrics.hpp"

#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <map>

namespace boa::http {

namespace {

/// A scrape waits this long at most for the cluster view; Prometheus' own scrape timeout is
/// 10 s by default, and the other families should not be lost for a slow view.
constexpr std::chrono::milliseconds cluster_view_wait{1000};

/// Counts the cluster view's nodes by status into `metrics`, if the view runs. A view that does
/// not answer in time leaves the counts of the scrape before.
void count_cluster_nodes(const api_context& ctx, metrics::node_metrics& metrics) {
  auto view = ctx.running_cluster_view ? ctx.running_cluster_view() : caf::actor{};
  if (!view || !ctx.system)
    return;
  caf::scoped_actor self{*ctx.system};
  self->request(view, std::min(ctx.actor_timeout, cluster_view_wait),
                actors::cluster_view_atom::value)
      .receive(
          [&](const actors::cluster_snapshot& snapshot) {
            std::map<std::string, std::int64_t> by_status;
            for (const auto& n : snapshot.nodes)
              ++by_status[actors::to_string(n.status)];
            metrics.cluster_nodes(by_status);
          },
          [](caf::error&) {});
}

} // namespace

void add_metrics_routes(router& r, const api_context& ctx) {
  r.add(verb::get, "/metrics", [&ctx](const http_request&) {
    auto* metrics = ctx.node ? ctx.node->metrics : nullptr;
    if (!metrics)
      return error_reply(404, "not_found", "this node keeps no metrics");
    count_cluster_nodes(ctx, *metrics);
    return text_reply(200, metrics::text_format::content_type, metrics->expose());
  });
}

} // namespace boa::http
