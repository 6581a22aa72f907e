#include "actors/job_dispatcher.hpp"

#include "actors/job_runner.hpp"
#include "actors/messages.hpp"
#include "actors/node_activity.hpp"
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
  std::uint64_t commands_sub = 0;
  std::uint64_t resumes_sub = 0;
  /// A job this node is to take back from its suspended queue, by the newest resume it heard.
  struct resume {
    std::string job_id;
    std::int64_t issued_ms = 0;
  };
  /// resume subscriptions (one per resumed job) -> what they resume
  std::unordered_map<std::uint64_t, resume> resuming;
  /// resume deliveries being published -> their subscription, ended once settled
  std::unordered_map<std::uint64_t, std::uint64_t> resume_tags;
  /// join and reduce waiters alive, stopped with the dispatcher so that a node can shut down
  std::unordered_map<caf::actor_addr, caf::actor> waiters;
  std::vector<caf::actor> runners;
  /// Runners told to leave once their delivery is settled (drain, pause), not to be replaced.
  std::vector<caf::actor> retiring;
  /// Set by a drain request: no runner is started again.
  bool draining = false;
  /// Set by a pause (the workers system stopped): no runner until a resume.
  bool paused = false;
  /// Drain requests waiting for every runner to leave.
  std::vector<caf::response_promise> drained;
  static inline const char* name = "boa.job_dispatcher";
};

using dispatcher = caf::stateful_actor<dispatcher_state>;

void give_back(dispatcher* self, std::uint64_t subscription) {
  self->state.ctx->bus->add_credit(subscription, 1);
}

void add_runner(dispatcher* self) {
  auto& st = self->state;
  // A quarter of the runners also take new jobs, so running jobs finish before many new ones start.
  bool takes_new_jobs = st.runners.size() % 4 == 0;
  auto runner =
      spawn_job_runner(self->system(), *st.ctx, caf::actor_cast<caf::actor>(self), takes_new_jobs);
  self->monitor(runner);
  st.runners.push_back(std::move(runner));
}

void add_runners(dispatcher* self) {
  auto in_flight = std::max<std::uint32_t>(self->state.ctx->max_in_flight, 2);
  for (std::uint32_t i = 0; i < in_flight; ++i)
    add_runner(self);
}

/// Every runner leaves once the delivery in hand is settled (idle ones at once, so what their
/// credit would bring stays with the broker).
void retire_runners(dispatcher* self) {
  auto& st = self->state;
  for (auto& runner : st.runners) {
    self->send(runner, drain_atom::value);
    st.retiring.push_back(std::move(runner));
  }
  st.runners.clear();
}

void deliver_drained_if_done(dispatcher* self) {
  auto& st = self->state;
  if (!st.draining || !st.runners.empty() || !st.retiring.empty())
    return;
  for (auto& promise : st.drained)
    promise.deliver(caf::unit);
  st.drained.clear();
}

/// Takes the job back once it is in its suspended queue (it may not be parked yet): one
/// subscription per job on this node, which remembers the newest resume.
void start_resuming(dispatcher* self, const job_command& command) {
  auto& st = self->state;
  for (auto& [sub, r] : st.resuming)
    if (r.job_id == command.job_id) {
      r.issued_ms = std::max(r.issued_ms, command.issued_ms);
      st.ctx->controls->resuming(r.job_id, r.issued_ms);
      return;
    }
  auto sub = st.ctx->bus->subscribe(protocol::addresses::suspended_queue(command.job_id),
                                    caf::actor_cast<caf::actor>(self), 1);
  if (!sub) {
    spdlog::error("cannot resume job {}: {}", command.job_id, sub.error().message);
    return;
  }
  st.resuming.emplace(*sub, dispatcher_state::resume{command.job_id, command.issued_ms});
  // Kept until the job is taken back: the resume is accepted from its queue now, and a node
  // killed before the job was parked must still take it back once started again.
  st.ctx->controls->resuming(command.job_id, command.issued_ms);
}

/// A command from the topic (every command) or the resumes queue (resumes, one node each).
void on_command(dispatcher* self, const bus::delivery& d) {
  auto& st = self->state;
  st.ctx->bus->settle(d.tag, bus::settlement::accept);
  give_back(self, d.subscription);
  auto command = protocol::parse_command(d.message.body);
  if (!command) {
    spdlog::warn("ignoring command: {}", command.error().message);
    return;
  }
  if (!st.ctx->controls->admit(command->job_id, command->issued_ms)) {
    spdlog::info("ignoring {} of job {}: a command issued later was applied already",
                 protocol::to_string(command->what), command->job_id);
    return;
  }
  switch (command->what) {
  case job_command::action::cancel:
  case job_command::action::suspend:
    st.ctx->controls->request(command->job_id, command->what, command->issued_ms);
    break;
  case job_command::action::resume:
    st.ctx->controls->clear(command->job_id);
    start_resuming(self, *command);
    break;
  }
}

void stop_resuming(dispatcher* self, std::uint64_t subscription) {
  auto& st = self->state;
  st.ctx->bus->unsubscribe(subscription);
  auto r = st.resuming.find(subscription);
  if (r == st.resuming.end())
    return;
  st.ctx->controls->resumed(r->second.job_id);
  st.resuming.erase(r);
}

/// A suspended job taken back from its suspended queue: it goes on from where it stopped.
void on_resumed(dispatcher* self, const bus::delivery& d) {
  auto& st = self->state;
  auto decoded = protocol::parse_job(d.message.body, st.ctx->workflows);
  if (!decoded) {
    st.ctx->bus->settle(d.tag, bus::settlement::reject,
                        "cannot decode job: " + decoded.error().message);
    stop_resuming(self, d.subscription);
    return;
  }
  auto& j = *decoded;
  const auto resume_ms = st.resuming.at(d.subscription).issued_ms;
  if (resume_ms > 0 && j.commands_ms > resume_ms) {
    // Parked again by a command issued after this resume (another node took the job back for
    // it already): it waits for a resume of its own.
    spdlog::info("job {} was suspended after the resume this node heard; leaving it parked", j.id);
    st.ctx->bus->settle(d.tag, bus::settlement::release);
    stop_resuming(self, d.subscription);
    return;
  }
  j.commands_ms = std::max(j.commands_ms, resume_ms);
  j.state = protocol::job_state::running;
  j.updated_ms = st.ctx->clock->now_ms();
  std::vector<protocol::outbound_job> out;
  auto address = protocol::transition::address_for(j);
  out.push_back({std::move(address), std::move(j)});
  // The subscription ends once the publisher has settled: ending it now would release the delivery.
  st.resume_tags.emplace(d.tag, d.subscription);
  spawn_job_publisher(self->system(), *st.ctx, caf::actor_cast<caf::actor>(self), d.tag,
                      std::move(out), {});
}

caf::behavior job_dispatcher(dispatcher* self, node_context* ctx) {
  auto& st = self->state;
  st.ctx = ctx;
  auto me = caf::actor_cast<caf::actor>(self);
  auto subscribe = [&](const char* address, std::uint32_t credit) -> std::uint64_t {
    auto sub = ctx->bus->subscribe(address, me, credit);
    if (!sub) {
      spdlog::critical("cannot subscribe to {}: {}", address, sub.error().message);
      return 0;
    }
    return *sub;
  };
  // Commands first: a runner may start a job at once, and a command about it must not find the
  // topic without this node's subscription.
  st.commands_sub = subscribe(protocol::addresses::commands, 64);
  st.resumes_sub = subscribe(protocol::addresses::resumes, 16);
  // The resumes this node took on before it was stopped or killed, and had not finished.
  for (const auto& [job_id, issued_ms] : ctx->controls->resumes()) {
    job_command resume;
    resume.what = job_command::action::resume;
    resume.job_id = job_id;
    resume.issued_ms = issued_ms;
    start_resuming(self, resume);
  }
  add_runners(self);
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // Held deliveries go back to their queues for another node (or this one, restarted).
    auto& st = self->state;
    if (st.commands_sub)
      st.ctx->bus->unsubscribe(st.commands_sub);
    if (st.resumes_sub)
      st.ctx->bus->unsubscribe(st.resumes_sub);
    for (auto& [sub, r] : st.resuming)
      st.ctx->bus->unsubscribe(sub);
    for (auto& [addr, waiter] : st.waiters)
      caf::anon_send_exit(waiter, caf::exit_reason::user_shutdown);
    for (auto& runner : st.runners)
      caf::anon_send_exit(runner, caf::exit_reason::user_shutdown);
    for (auto& runner : st.retiring)
      caf::anon_send_exit(runner, caf::exit_reason::user_shutdown);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](caf::down_msg& down) {
    auto& st = self->state;
    if (st.waiters.erase(down.source) != 0)
      return;
    auto is_gone = [&](const caf::actor& r) { return r.address() == down.source; };
    auto& retiring = st.retiring;
    if (auto gone = std::remove_if(retiring.begin(), retiring.end(), is_gone);
        gone != retiring.end()) {
      retiring.erase(gone, retiring.end());
      deliver_drained_if_done(self);
      return;
    }
    auto& all = st.runners;
    auto gone = std::remove_if(all.begin(), all.end(), is_gone);
    if (gone == all.end())
      return;
    all.erase(gone, all.end());
    // Its deliveries went back to the bus when it unsubscribed; keep the node's capacity.
    spdlog::error("job runner failed ({}); starting another", self->system().render(down.reason));
    add_runner(self);
  });
  return {
      [self](delivery_atom, bus::delivery& d) {
        auto& st = self->state;
        if (d.subscription == st.commands_sub || d.subscription == st.resumes_sub) {
          on_command(self, d);
        } else if (st.resuming.count(d.subscription) != 0) {
          on_resumed(self, d);
        }
      },
      [self](done_atom, std::uint64_t tag, bool published) {
        auto& st = self->state;
        auto r = st.resume_tags.find(tag);
        if (r == st.resume_tags.end())
          return;
        if (published) {
          // The resumed job is published and its suspended copy settled: the resume is complete.
          stop_resuming(self, r->second);
        } else {
          // The broker refused the resumed state, and the suspended copy went back to its queue:
          // the subscription stays (the link restores it once the broker is back) to take it
          // again, or the resume would be lost with it.
          give_back(self, r->second);
        }
        st.resume_tags.erase(r);
      },
      [self](waiting_atom, caf::actor& waiter) {
        if (self->state.draining) {
          caf::anon_send_exit(waiter, caf::exit_reason::user_shutdown);
          return;
        }
        self->monitor(waiter);
        self->state.waiters.emplace(waiter.address(), std::move(waiter));
      },
      [self](drain_atom) -> caf::result<caf::unit_t> {
        auto& st = self->state;
        st.draining = true;
        if (st.ctx->activity)
          st.ctx->activity->drain_started();
        auto promise = self->make_response_promise();
        st.drained.push_back(promise);
        // Waiters hold no worker, only deliveries: those go back at once for whoever runs next.
        for (auto& [addr, waiter] : st.waiters)
          caf::anon_send_exit(waiter, caf::exit_reason::user_shutdown);
        st.waiters.clear();
        retire_runners(self);
        deliver_drained_if_done(self);
        return promise;
      },
      [self](pause_atom) {
        auto& st = self->state;
        if (st.draining)
          return caf::make_message(false, std::string("the node is draining: it takes no jobs"));
        if (!st.paused) {
          st.paused = true;
          retire_runners(self);
          if (st.ctx->activity)
            st.ctx->activity->workers_running(false);
        }
        return caf::make_message(true, std::string{});
      },
      [self](resume_atom) {
        auto& st = self->state;
        if (st.draining)
          return caf::make_message(
              false, std::string("the node is draining: it takes no jobs until it restarts"));
        if (st.paused) {
          st.paused = false;
          add_runners(self);
          if (st.ctx->activity)
            st.ctx->activity->workers_running(true);
        }
        return caf::make_message(true, std::string{});
      },
  };
}

} // namespace

caf::actor spawn_job_dispatcher(caf::actor_system& system, node_context& ctx) {
  return system.spawn(job_dispatcher, &ctx);
}

} // namespace boa::actors
