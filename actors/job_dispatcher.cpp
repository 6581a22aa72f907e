#include "actors/job_dispatcher.hpp"

#include "actors/job_runner.hpp"
#include "actors/messages.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/job_command.hpp"
#include "protocol/transition.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

namespace boa::actors {

namespace {

using protocol::job;
using protocol::job_command;

struct dispatcher_state {
  node_context* ctx = nullptr;
  std::uint64_t jobs_sub = 0;
  std::uint64_t new_jobs_sub = 0;
  std::uint64_t commands_sub = 0;
  /// subscription each held delivery came from, to give its credit back when done
  std::unordered_map<std::uint64_t, std::uint64_t> credit_owner;
  /// resume subscriptions (one per resumed job) -> job id
  std::unordered_map<std::uint64_t, std::string> resuming;
  /// join and reduce waiters alive, stopped with the dispatcher so that a node can shut down
  std::unordered_map<caf::actor_addr, caf::actor> waiters;
  /// runners without a delivery, and which runner holds which delivery
  std::vector<caf::actor> idle_runners;
  std::unordered_map<std::uint64_t, caf::actor> busy_runners;
  std::vector<caf::actor> all_runners;
  static inline const char* name = "boa.job_dispatcher";
};

using dispatcher = caf::stateful_actor<dispatcher_state>;

void give_back(dispatcher* self, std::uint64_t subscription) {
  self->state.ctx->bus->add_credit(subscription, 1);
}

/// Called when the actor holding `tag` is done with it (settled or handed to a waiter).
void release_credit(dispatcher* self, std::uint64_t tag) {
  auto& st = self->state;
  if (auto r = st.busy_runners.find(tag); r != st.busy_runners.end()) {
    st.idle_runners.push_back(std::move(r->second));
    st.busy_runners.erase(r);
  }
  auto i = st.credit_owner.find(tag);
  if (i == st.credit_owner.end())
    return;
  auto sub = i->second;
  st.credit_owner.erase(i);
  if (sub == st.jobs_sub || sub == st.new_jobs_sub)
    give_back(self, sub);
  else if (st.resuming.erase(sub) != 0)
    st.ctx->bus->unsubscribe(sub); // its one delivery is settled: the resume is complete
}

void on_command(dispatcher* self, const bus::delivery& d) {
  auto& st = self->state;
  st.ctx->bus->settle(d.tag, bus::settlement::accept);
  give_back(self, d.subscription);
  auto command = protocol::parse_command(d.message.body);
  if (!command) {
    spdlog::warn("ignoring command: {}", command.error().message);
    return;
  }
  switch (command->what) {
  case job_command::action::cancel:
  case job_command::action::suspend:
    st.ctx->controls->request(command->job_id, command->what);
    break;
  case job_command::action::resume: {
    st.ctx->controls->clear(command->job_id);
    auto sub = st.ctx->bus->subscribe(protocol::addresses::suspended_queue(command->job_id),
                                      caf::actor_cast<caf::actor>(self), 1);
    if (sub)
      st.resuming.emplace(*sub, command->job_id);
    break;
  }
  }
}

/// A suspended job taken back from its suspended queue: it goes on from where it stopped.
void on_resumed(dispatcher* self, const bus::delivery& d) {
  auto& st = self->state;
  auto decoded = protocol::parse_job(d.message.body, st.ctx->workflows);
  if (!decoded) {
    st.ctx->bus->settle(d.tag, bus::settlement::reject,
                        "cannot decode job: " + decoded.error().message);
    st.ctx->bus->unsubscribe(d.subscription);
    st.resuming.erase(d.subscription);
    return;
  }
  auto& j = *decoded;
  j.state = protocol::job_state::running;
  j.updated_ms = st.ctx->clock->now_ms();
  std::vector<protocol::outbound_job> out;
  auto address = protocol::transition::address_for(j);
  out.push_back({std::move(address), std::move(j)});
  // The subscription ends once the publisher has settled: ending it now would release the delivery.
  st.credit_owner.emplace(d.tag, d.subscription);
  spawn_job_publisher(self->system(), *st.ctx, caf::actor_cast<caf::actor>(self), d.tag,
                      std::move(out), {});
}

caf::behavior job_dispatcher(dispatcher* self, node_context* ctx) {
  auto& st = self->state;
  st.ctx = ctx;
  auto me = caf::actor_cast<caf::actor>(self);
  auto in_flight = std::max<std::uint32_t>(ctx->max_in_flight, 2);
  auto subscribe = [&](const char* address, std::uint32_t credit) -> std::uint64_t {
    auto sub = ctx->bus->subscribe(address, me, credit);
    if (!sub) {
      spdlog::critical("cannot subscribe to {}: {}", address, sub.error().message);
      return 0;
    }
    return *sub;
  };
  st.jobs_sub = subscribe(protocol::addresses::jobs, in_flight);
  st.new_jobs_sub =
      subscribe(protocol::addresses::new_jobs, std::max<std::uint32_t>(1, in_flight / 4));
  st.commands_sub = subscribe(protocol::addresses::commands, 64);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // Held deliveries go back to their queues for another node (or this one, restarted).
    auto& st = self->state;
    for (auto sub : {st.jobs_sub, st.new_jobs_sub, st.commands_sub})
      if (sub)
        st.ctx->bus->unsubscribe(sub);
    for (auto& [sub, id] : st.resuming)
      st.ctx->bus->unsubscribe(sub);
    for (auto& [addr, waiter] : st.waiters)
      caf::anon_send_exit(waiter, caf::exit_reason::user_shutdown);
    for (auto& runner : st.all_runners)
      caf::anon_send_exit(runner, caf::exit_reason::user_shutdown);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& down) {
    auto& st = self->state;
    if (st.waiters.erase(down.source) != 0)
      return;
    // A runner that failed: whatever it held goes back to its queue for another attempt.
    auto& all = st.all_runners;
    all.erase(std::remove_if(all.begin(), all.end(),
                             [&](const caf::actor& r) { return r.address() == down.source; }),
              all.end());
    auto& idle = st.idle_runners;
    idle.erase(std::remove_if(idle.begin(), idle.end(),
                              [&](const caf::actor& r) { return r.address() == down.source; }),
               idle.end());
    for (auto i = st.busy_runners.begin(); i != st.busy_runners.end(); ++i) {
      if (i->second.address() != down.source)
        continue;
      auto tag = i->first;
      st.busy_runners.erase(i);
      spdlog::error("job runner failed ({}); releasing its delivery",
                    self->system().render(down.reason));
      st.ctx->bus->settle(tag, bus::settlement::release);
      release_credit(self, tag);
      break;
    }
  });
  return {
      [self](delivery_atom, bus::delivery& d) {
        auto& st = self->state;
        if (d.subscription == st.commands_sub) {
          on_command(self, d);
        } else if (st.resuming.count(d.subscription) != 0) {
          on_resumed(self, d);
        } else {
          st.credit_owner.emplace(d.tag, d.subscription);
          if (st.idle_runners.empty()) {
            // Credit bounds the deliveries held at once, and so the number of runners.
            auto runner =
                spawn_job_runner(self->system(), *st.ctx, caf::actor_cast<caf::actor>(self));
            self->monitor(runner);
            st.all_runners.push_back(runner);
            st.idle_runners.push_back(std::move(runner));
          }
          auto runner = std::move(st.idle_runners.back());
          st.idle_runners.pop_back();
          auto tag = d.tag;
          self->send(runner, delivery_atom::value, std::move(d));
          st.busy_runners.emplace(tag, std::move(runner));
        }
      },
      [self](done_atom, std::uint64_t tag) { release_credit(self, tag); },
      [self](waiting_atom, std::uint64_t tag, caf::actor& waiter) {
        // Waiters hold their delivery without occupying a worker, so they do not use up credit.
        release_credit(self, tag);
        self->monitor(waiter);
        self->state.waiters.emplace(waiter.address(), std::move(waiter));
      },
  };
}

} // namespace

caf::actor spawn_job_dispatcher(caf::actor_system& system, node_context& ctx) {
  return system.spawn(job_dispatcher, &ctx);
}

} // namespace boa::actors
