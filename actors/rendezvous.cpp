#include "actors/rendezvous.hpp"

#include "actors/messages.hpp"
#include "actors/outbox.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/transition.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

namespace boa::actors {

namespace {

using protocol::job;

/// The progress event of the join or reduce step that `out` (from transition::join or
/// finish_reduce) has just recorded as the last history entry of its first job.
void announce_rendezvous(outbox& box, const std::vector<protocol::outbound_job>& out) {
  if (out.empty() || out.front().state.history.empty())
    return;
  const auto& j = out.front().state;
  const auto* s = j.workflow->def.find(j.history.back().step);
  if (s && (s->role == protocol::step_role::join || s->role == protocol::step_role::reduce))
    box.event(protocol::step_finished_event(j, j.history.back(), false));
}

/// What both waiters share: the held delivery, the deliveries taken since, their subscription.
struct waiter_core {
  node_context* ctx = nullptr;
  std::uint64_t held_tag = 0;
  std::vector<std::uint64_t> taken;
  std::uint64_t subscription = 0;
  bool closing = false; ///< publishing the outcome: take nothing more
  std::optional<outbox> out;

  void settle_all_and_leave(caf::scheduled_actor* self) {
    auto how = out->failed() ? bus::settlement::release : bus::settlement::accept;
    for (auto tag : taken)
      ctx->bus->settle(tag, how);
    ctx->bus->settle(held_tag, how);
    leave();
    self->quit();
  }

  /// Ends the subscription: whatever it holds unsettled goes back to its queue. Also runs when
  /// the waiter is stopped from outside (node shutdown).
  void leave() {
    if (subscription)
      ctx->bus->unsubscribe(std::exchange(subscription, 0));
  }

  /// Takes over the held delivery; stopping the waiter from outside hands everything back.
  template <class State>
  void start(caf::stateful_actor<State>* self, node_context* context, std::uint64_t tag) {
    ctx = context;
    held_tag = tag;
    out.emplace(*context, caf::actor_cast<caf::actor>(self));
    self->set_exit_handler([self](caf::exit_msg& msg) {
      self->state.core.leave();
      self->quit(msg.reason);
    });
  }

  /// Subscribes to the queue the waiter collects from; on failure hands the held delivery back
  /// and quits.
  bool collect_from(caf::scheduled_actor* self, const std::string& address, std::uint32_t credit) {
    auto sub = ctx->bus->subscribe(address, caf::actor_cast<caf::actor>(self), credit);
    if (!sub) {
      spdlog::error("cannot wait on {}: {}", address, sub.error().message);
      ctx->bus->settle(held_tag, bus::settlement::release);
      self->quit();
      return false;
    }
    subscription = *sub;
    return true;
  }

  /// Decodes a delivery; a message that is not a job goes to the dead-letter queue.
  std::optional<job> take(const bus::delivery& d) {
    auto decoded = protocol::parse_job(d.message.body, ctx->workflows);
    if (!decoded) {
      ctx->bus->settle(d.tag, bus::settlement::reject,
                       "cannot decode job from " + d.message.address + ": " +
                           decoded.error().message);
      ctx->bus->add_credit(subscription, 1);
      return std::nullopt;
    }
    return std::move(*decoded);
  }
};

// ---- join --------------------------------------------------------------------------------------

struct join_state {
  waiter_core core;
  job main;
  std::vector<job> branches;
  std::vector<bool> arrived;
  static inline const char* name = "boa.join_waiter";
};

void complete_join(caf::stateful_actor<join_state>* self) {
  auto& st = self->state;
  st.core.closing = true;
  auto now = st.core.ctx->clock->now_ms();
  auto out = protocol::transition::join(std::move(st.main), std::move(st.branches), now,
                                        st.core.ctx->node_id);
  announce_rendezvous(*st.core.out, out);
  for (const auto& o : out)
    if (o.address == protocol::addresses::archive)
      st.core.out->event(protocol::job_ended_event(o.state, st.core.ctx->node_id, now));
  st.core.out->send_all(out);
}

caf::behavior join_waiter(caf::stateful_actor<join_state>* self, node_context* ctx,
                          std::uint64_t tag, job main_branch) {
  auto& st = self->state;
  st.core.start(self, ctx, tag);
  const auto frame = main_branch.forks.back();
  st.main = std::move(main_branch);
  st.arrived.assign(static_cast<std::size_t>(frame.branches), false);
  st.arrived[0] = true;
  const auto others = static_cast<std::uint32_t>(frame.branches - 1);
  if (others == 0)
    complete_join(self);
  else
    st.core.collect_from(self, protocol::addresses::join_queue(st.main.id, frame.fork_id), others);
  return {
      [self](delivery_atom, bus::delivery& d) {
        auto& st = self->state;
        if (st.core.closing)
          return; // released to the queue when we unsubscribe
        auto branch = st.core.take(d);
        if (!branch)
          return;
        const auto& main_frame = st.main.forks.back();
        bool belongs =
            !branch->forks.empty() && branch->forks.back().fork_id == main_frame.fork_id &&
            branch->forks.back().branch > 0 && branch->forks.back().branch < main_frame.branches;
        if (!belongs) {
          st.core.ctx->bus->settle(d.tag, bus::settlement::reject,
                                   "message in join queue of job " + st.main.id +
                                       " is not a branch of fork " + main_frame.fork_id);
          st.core.ctx->bus->add_credit(st.core.subscription, 1);
          return;
        }
        auto index = static_cast<std::size_t>(branch->forks.back().branch);
        if (st.arrived[index]) {
          // A branch step that ran twice (at-least-once) reports twice; one copy is enough.
          st.core.ctx->bus->settle(d.tag, bus::settlement::accept);
          st.core.ctx->bus->add_credit(st.core.subscription, 1);
          return;
        }
        st.arrived[index] = true;
        st.core.taken.push_back(d.tag);
        st.branches.push_back(std::move(*branch));
        if (st.branches.size() + 1 == st.arrived.size())
          complete_join(self);
      },
      [self](published_atom, std::uint64_t, bool ok, std::string& error) {
        if (self->state.core.out->confirmed(ok, error))
          self->state.core.settle_all_and_leave(self);
      },
  };
}

// ---- reduce ------------------------------------------------------------------------------------

struct reduce_state {
  waiter_core core;
  job parent;
  const protocol::step* s = nullptr;
  static inline const char* name = "boa.reduce_waiter";
};

void publish_reduce(caf::stateful_actor<reduce_state>* self, bool complete) {
  auto& st = self->state;
  st.core.closing = true;
  auto now = st.core.ctx->clock->now_ms();
  std::vector<protocol::outbound_job> out;
  if (complete) {
    out =
        protocol::transition::finish_reduce(std::move(st.parent), *st.s, now, st.core.ctx->node_id);
    announce_rendezvous(*st.core.out, out);
  } else {
    st.parent.updated_ms = now;
    out.push_back({protocol::addresses::jobs, std::move(st.parent)});
  }
  for (const auto& o : out)
    if (o.address == protocol::addresses::archive)
      st.core.out->event(protocol::job_ended_event(o.state, st.core.ctx->node_id, now));
  st.core.out->send_all(out);
}

caf::behavior reduce_waiter(caf::stateful_actor<reduce_state>* self, node_context* ctx,
                            std::uint64_t tag, job parent) {
  auto& st = self->state;
  st.core.start(self, ctx, tag);
  st.parent = std::move(parent);
  st.s = st.parent.workflow->def.find(st.parent.step);
  if (protocol::transition::reduce_complete(st.parent)) {
    publish_reduce(self, true);
  } else {
    auto left =
        st.parent.reduce->expected - static_cast<std::int64_t>(st.parent.reduce->folded.size());
    auto credit = static_cast<std::uint32_t>(std::min<std::int64_t>(left, 256));
    auto address = protocol::addresses::reduce_queue(st.parent.id, st.parent.reduce->map_step);
    if (st.core.collect_from(self, address, credit) && st.parent.deadline_ms != 0) {
      auto left_ms = std::max<std::int64_t>(0, st.parent.deadline_ms - ctx->clock->now_ms());
      self->delayed_send(self, std::chrono::milliseconds(left_ms), timeout_atom::value);
    }
  }
  return {
      [self](timeout_atom) {
        // The job's deadline passed while sub-jobs were still running: the job ends here; what
        // the sub-jobs report later has no reduce left to fold it.
        auto& st = self->state;
        if (st.core.closing)
          return;
        st.core.closing = true;
        auto now = st.core.ctx->clock->now_ms();
        const auto& r = *st.parent.reduce;
        auto why = "job exceeded its timeout of " +
                   std::to_string(st.parent.workflow->def.timeout_ms.value_or(0)) +
                   " ms waiting at step '" + st.s->id + "' for " +
                   std::to_string(r.expected - static_cast<std::int64_t>(r.folded.size())) +
                   " of " + std::to_string(r.expected) + " sub-jobs";
        auto out = protocol::transition::end(std::move(st.parent), protocol::job_state::error,
                                             std::move(why), now);
        for (const auto& o : out)
          if (o.address == protocol::addresses::archive)
            st.core.out->event(protocol::job_ended_event(o.state, st.core.ctx->node_id, now));
        st.core.out->send_all(out);
      },
      [self](delivery_atom, bus::delivery& d) {
        auto& st = self->state;
        if (st.core.closing)
          return;
        auto sub_job = st.core.take(d);
        if (!sub_job)
          return;
        if (!protocol::transition::fold(st.parent, *st.s, *sub_job)) {
          // Already folded (a sub-job that ran twice, or progress checkpointed before a crash).
          st.core.ctx->bus->settle(d.tag, bus::settlement::accept);
          st.core.ctx->bus->add_credit(st.core.subscription, 1);
          return;
        }
        st.core.taken.push_back(d.tag);
        st.core.ctx->bus->add_credit(st.core.subscription, 1);
        if (protocol::transition::reduce_complete(st.parent))
          publish_reduce(self, true);
        else if (st.core.taken.size() >= st.core.ctx->reduce_checkpoint_every)
          publish_reduce(self, false);
      },
      [self](published_atom, std::uint64_t, bool ok, std::string& error) {
        if (self->state.core.out->confirmed(ok, error))
          self->state.core.settle_all_and_leave(self);
      },
  };
}

} // namespace

caf::actor spawn_join_waiter(caf::actor_system& system, node_context& ctx, std::uint64_t tag,
                             protocol::job main_branch) {
  return system.spawn(join_waiter, &ctx, tag, std::move(main_branch));
}

caf::actor spawn_reduce_waiter(caf::actor_system& system, node_context& ctx, std::uint64_t tag,
                               protocol::job parent) {
  return system.spawn(reduce_waiter, &ctx, tag, std::move(parent));
}

} // namespace boa::actors
