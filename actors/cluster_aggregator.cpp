#include "actors/cluster_aggregator.hpp"

#include "actors/hand_back_on_exit.hpp"
#include "actors/messages.hpp"
#include "actors/metrics/node_metrics.hpp"
#include "protocol/envelope.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <map>
#include <utility>

namespace boa::actors {

namespace {

/// Beats the aggregator holds at once; each is settled as soon as it is observed.
constexpr std::uint32_t credit_window = 64;

struct aggregator_state {
  node_context* ctx = nullptr;
  cluster_aggregator_settings settings;
  cluster_view view;
  std::uint64_t subscription = 0;
  std::int64_t since_ms = 0;
  /// Each node as last judged, to tell what changed.
  std::map<std::string, node_view, std::less<>> judged;
  std::int64_t judged_ms = 0;
  static inline const char* name = "boa.cluster_aggregator";
};

using aggregator = caf::stateful_actor<aggregator_state>;

void report(aggregator* self, node_change::kind what, const node_view& node) {
  if (self->state.settings.on_change)
    self->state.settings.on_change(node_change{what, node});
}

/// Reports how `n` changed since it was last judged (`before`: its last judgement, if any).
void report_change(aggregator* self, const node_view& n, const node_view* before) {
  if (!before)
    report(self, node_change::kind::joined, n);
  else if (n.last.started_ms != before->last.started_ms)
    report(self, node_change::kind::restarted, n);
  else if (n.status != before->status) {
    switch (n.status) {
    case node_status::live:
      report(self, node_change::kind::live_again, n);
      break;
    case node_status::suspect:
      report(self, node_change::kind::suspect, n);
      break;
    case node_status::down:
      report(self, node_change::kind::down, n);
      break;
    case node_status::left:
      report(self, node_change::kind::left, n);
      break;
    }
  }
}

/// Compares the view at `now` with what was judged before and reports every difference: on the
/// check and eviction ticks, where nodes fall silent, go down or are forgotten.
void judge(aggregator* self, std::int64_t now) {
  auto& st = self->state;
  std::map<std::string, node_view, std::less<>> current;
  for (auto& n : st.view.nodes(now)) {
    auto before = st.judged.find(n.last.node);
    report_change(self, n, before == st.judged.end() ? nullptr : &before->second);
    auto id = n.last.node;
    current.emplace(std::move(id), std::move(n));
  }
  for (auto& [id, n] : st.judged)
    if (current.find(id) == current.end()) {
      n.age_ms += now - st.judged_ms; // its age then, carried to now
      report(self, node_change::kind::evicted, n);
    }
  st.judged = std::move(current);
  st.judged_ms = now;
}

/// Judges only the node a beat just came from (joined, restarted, live again, left): a beat
/// changes no other node, so this stays linear in the beats, not in beats times nodes.
void judge_one(aggregator* self, std::string_view id, std::int64_t now) {
  auto& st = self->state;
  auto n = st.view.node(id, now);
  if (!n)
    return;
  auto before = st.judged.find(id);
  report_change(self, *n, before == st.judged.end() ? nullptr : &before->second);
  if (before == st.judged.end())
    st.judged.emplace(std::string(id), std::move(*n));
  else
    before->second = std::move(*n);
}

void on_beat(aggregator* self, const bus::delivery& d) {
  auto& st = self->state;
  auto* bus = st.ctx->bus;
  auto beat = protocol::parse_heartbeat(d.message.body);
  if (!beat) {
    spdlog::warn("dead-lettering a heartbeat ({}): {}", d.message.message_id, beat.error().message);
    bus->settle(d.tag, bus::settlement::reject, "cannot decode heartbeat: " + beat.error().message);
  } else {
    auto now = st.ctx->clock->now_ms();
    st.view.observe(*beat, now);
    if (st.ctx->metrics)
      st.ctx->metrics->heartbeats_received().inc();
    bus->settle(d.tag, bus::settlement::accept);
    judge_one(self, beat->node, now);
  }
  bus->add_credit(st.subscription, 1);
}

caf::behavior cluster_aggregator(aggregator* self, node_context* ctx,
                                 cluster_aggregator_settings settings) {
  auto& st = self->state;
  st.ctx = ctx;
  st.view = cluster_view(settings.view);
  st.settings = std::move(settings);
  st.since_ms = ctx->clock->now_ms();
  auto sub = ctx->bus->subscribe(protocol::addresses::heartbeat, caf::actor_cast<caf::actor>(self),
                                 credit_window);
  if (!sub) {
    spdlog::error("the cluster view cannot subscribe to {}: {}", protocol::addresses::heartbeat,
                  sub.error().message);
    self->quit(caf::exit_reason::user_shutdown);
    return {};
  }
  st.subscription = *sub;
  hand_back_on_exit(self, [self] { self->state.ctx->bus->unsubscribe(self->state.subscription); });
  self->delayed_send(self, st.settings.check_interval, check_atom::value, true);
  self->delayed_send(self, st.settings.eviction_interval, evict_atom::value, true);
  return {
      [self](delivery_atom, bus::delivery& d) { on_beat(self, d); },
      // `again`: a timer's tick, which schedules the next one; a tick sent by hand does not.
      [self](check_atom, bool again) {
        judge(self, self->state.ctx->clock->now_ms());
        if (again)
          self->delayed_send(self, self->state.settings.check_interval, check_atom::value, true);
      },
      [self](evict_atom, bool again) {
        auto& st = self->state;
        auto now = st.ctx->clock->now_ms();
        st.view.evict(now);
        judge(self, now);
        if (again)
          self->delayed_send(self, st.settings.eviction_interval, evict_atom::value, true);
      },
      [self](cluster_view_atom) {
        auto& st = self->state;
        auto now = st.ctx->clock->now_ms();
        cluster_snapshot snap;
        snap.nodes = st.view.nodes(now);
        snap.jobs = st.view.jobs(now);
        snap.taken_ms = now;
        snap.listening_ms = std::max<std::int64_t>(now - st.since_ms, 0);
        return snap;
      },
  };
}

} // namespace

const char* to_string(node_change::kind what) {
  switch (what) {
  case node_change::kind::joined:
    return "joined";
  case node_change::kind::restarted:
    return "restarted";
  case node_change::kind::suspect:
    return "suspect";
  case node_change::kind::down:
    return "down";
  case node_change::kind::live_again:
    return "live again";
  case node_change::kind::evicted:
    return "evicted";
  case node_change::kind::left:
    return "left";
  }
  return "unknown";
}

caf::actor spawn_cluster_aggregator(caf::actor_system& system, node_context& ctx,
                                    cluster_aggregator_settings settings) {
  return system.spawn(cluster_aggregator, &ctx, std::move(settings));
}

} // namespace boa::actors
