#include "runtime/http/routes.hpp"

#include "actors/messages.hpp"
#include "actors/request_handler.hpp"

#include <caf/scoped_actor.hpp>

namespace boa::http {

namespace {

/// The answer to a cluster view request, from the aggregator's snapshot: the same JSON the node
/// answers `boactl cluster ... --from-node` with.
http_reply cluster_view(const api_context& ctx, protocol::client_request::kind what) {
  auto aggregator = ctx.cluster_view ? ctx.cluster_view() : caf::actor{};
  if (!aggregator)
    return error_reply(503, "not_ready", "the node keeps no cluster view (it is stopping)");
  protocol::client_request request;
  request.what = what;
  http_reply reply;
  caf::scoped_actor self{*ctx.system};
  self->request(aggregator, ctx.actor_timeout, actors::cluster_view_atom::value)
      .receive(
          [&](const actors::cluster_snapshot& snapshot) {
            reply = from_client_reply(actors::answer_cluster_request(*ctx.node, request, snapshot));
          },
          [&](caf::error& e) {
            reply = error_reply(504, "timeout",
                                "the cluster view did not answer: " + caf::to_string(e));
          });
  return reply;
}

} // namespace

void add_cluster_routes(router& r, const api_context& ctx) {
  using kind = protocol::client_request::kind;
  r.add(verb::get, "/cluster/nodes",
        [&ctx](const http_request&) { return cluster_view(ctx, kind::cluster_nodes); });
  r.add(verb::get, "/cluster/jobs",
        [&ctx](const http_request&) { return cluster_view(ctx, kind::cluster_jobs); });
}

} // namespace boa::http
