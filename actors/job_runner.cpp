#include "actors/job_runner.hpp"
#include "protocol/secret_properties.hpp"

#include "actors/cluster_view.hpp"
#include "actors/delivery_claims.hpp"
#include "actors/hand_back_on_exit.hpp"
#include "actors/job_records.hpp"
#include "actors/job_start.hpp"
#include "actors/messages.hpp"
#include "actors/metrics/node_metrics.hpp"
#include "actors/node_activity.hpp"
#include "actors/outbox.hpp"
#include "actors/rendezvous.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/limits.hpp"
#include "protocol/workflow_codec.hpp"
#include "storage/job_folders.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <optional>

namespace boa::actors {

namespace {

using protocol::job;
using protocol::outbound_job;
using protocol::step;
using protocol::step_outcome;

struct runner_state {
  node_context* ctx = nullptr;
  caf::actor dispatcher;
  /// This runner's own subscriptions (`queue:boa.jobs`, and for some runners
  /// `queue:boa.jobs.new`), each with credit 1 while the runner is idle.
  struct source {
    std::uint64_t subscription = 0;
    bool credit_out = false;
  };
  std::vector<source> sources;
  std::uint64_t tag = 0; ///< the delivery in hand
  /// The claim made for the delivery in hand (its line, version and message id), withdrawn if
  /// what it led to cannot be published.
  std::string claimed_line;
  std::int64_t claimed_version = 0;
  std::string claimed_message;
  bool busy = false;
  job current;
  const step* s = nullptr;
  std::string reduce_key; ///< map steps: fixed before the step's own history entry is added
  std::int64_t attempt_started_ms = 0;
  /// The series the steps of the job in hand count in (null without metrics), and the workflow
  /// they are for: runners mostly take one workflow after another, so a lookup is rare.
  metrics::step_metrics* step_metrics = nullptr;
  std::string step_metrics_workflow;
  /// When the attempt began, for the duration histogram only: steady time, read only with
  /// metrics, so it never reaches what the node decides or publishes.
  std::chrono::steady_clock::time_point attempt_started;
  std::optional<outbox> out;
  bool draining = false; ///< leaves once the delivery in hand is settled
  static inline const char* name = "boa.job_runner";
};

using runner = caf::stateful_actor<runner_state>;

std::int64_t now_ms(runner* self) {
  return self->state.ctx->clock->now_ms();
}

void begin(runner* self, bus::delivery& d);

/// The step series of the job in hand's workflow (null without metrics).
metrics::step_metrics* step_metrics_of(runner_state& st, const std::string& workflow) {
  if (!st.ctx->metrics)
    return nullptr;
  if (!st.step_metrics || st.step_metrics_workflow != workflow) {
    st.step_metrics = &st.ctx->metrics->steps_of(workflow);
    st.step_metrics_workflow = workflow;
  }
  return st.step_metrics;
}
void recall_interrupted_attempt(runner* self);
void proceed(runner* self);

/// Done with the delivery in hand (settled, or handed to a waiter): give its credit back and take
/// the next one.
void next(runner* self) {
  auto& st = self->state;
  st.busy = false;
  if (st.draining) {
    // Nothing in hand: ending the subscriptions hands nothing back but what is still in flight.
    for (auto& src : st.sources)
      st.ctx->bus->unsubscribe(src.subscription);
    st.sources.clear();
    self->quit();
    return;
  }
  // In-flight jobs first: their queue gets credit before the new-jobs queue.
  for (auto& src : st.sources)
    if (!src.credit_out) {
      src.credit_out = true;
      st.ctx->bus->add_credit(src.subscription, 1);
    }
}

/// The delivery in hand goes back for another try: a copy of it must not be refused here on the
/// strength of a run whose successor was never published.
void withdraw_claim(runner_state& st) {
  if (st.ctx->claims && !st.claimed_message.empty())
    st.ctx->claims->withdraw(st.claimed_line, st.claimed_version, st.claimed_message);
  st.claimed_message.clear();
}

/// Settles the delivery in hand once everything it led to is published.
void finish(runner* self) {
  auto& st = self->state;
  auto how = !st.out->failed()     ? bus::settlement::accept
             : st.out->too_large() ? bus::settlement::reject
                                   : bus::settlement::release;
  if (how == bus::settlement::release)
    withdraw_claim(st);
  st.claimed_message.clear();
  if (how == bus::settlement::reject)
    spdlog::warn("dead-lettering a job state: {}", st.out->failure());
  st.ctx->bus->settle(st.tag, how,
                      how == bus::settlement::reject ? st.out->failure() : std::string());
  next(self);
}

/// A job stopped by a pending command before its next step: canceled, or parked in its
/// suspended queue until a resume command.
std::optional<std::vector<outbound_job>> apply_control(node_context& ctx, job& j,
                                                       std::int64_t now) {
  if (protocol::is_terminal(j.state))
    return std::nullopt; // an ended branch still reports to its rendezvous
  if (!ctx.controls)
    return std::nullopt;
  auto control = ctx.controls->find(j.id);
  if (!control) {
    // Nothing pending: every command this node heard for the job is applied (a resume) or
    // over. The job carries that on, so that a node which heard only an earlier suspend (it
    // missed the resume, broadcast once) sees its suspend as stale instead of parking the job
    // again, where no resume would ever come for it.
    j.commands_ms = std::max(j.commands_ms, ctx.controls->newest(j.id));
    return std::nullopt;
  }
  // The job has seen a later command applied elsewhere (a resume this node missed): this one is
  // over, and parking the job again would wait for a resume that already came.
  if (protocol::is_stale_command(control->issued_ms, j.commands_ms)) {
    ctx.controls->clear_stale(j.id, j.commands_ms);
    return std::nullopt;
  }
  if (control->what == protocol::job_command::action::cancel) {
    j.commands_ms = std::max(j.commands_ms, control->issued_ms);
    return protocol::transition::end(std::move(j), protocol::job_state::canceled,
                                     "canceled on request", now);
  }
  // Only the line that holds the job's rendezvous (branch 0 of every enclosing fork) is parked;
  // the other branches run on to their join and wait there for it. A job is then parked in one
  // message, which one resume takes back: parking every branch left all but one of them in the
  // suspended queue for good, and the job with them.
  if (std::any_of(j.forks.begin(), j.forks.end(),
                  [](const protocol::fork_frame& f) { return f.branch != 0; }))
    return std::nullopt;
  j.state = protocol::job_state::suspended;
  j.updated_ms = now;
  j.commands_ms = std::max(j.commands_ms, control->issued_ms);
  std::vector<outbound_job> out;
  auto address = protocol::addresses::suspended_queue(j.id);
  out.push_back({std::move(address), std::move(j)});
  return out;
}

/// A command that arrived while the step ran stops the job before the state it is about to
/// publish can run its next step (sub-jobs of a map, branches' rendezvous and ended jobs pass).
void apply_control(node_context& ctx, std::vector<outbound_job>& out, std::int64_t now) {
  if (!ctx.controls)
    return;
  std::vector<outbound_job> result;
  for (auto& o : out) {
    auto stopped =
        o.address == protocol::addresses::jobs ? apply_control(ctx, o.state, now) : std::nullopt;
    if (!stopped) {
      result.push_back(std::move(o));
      continue;
    }
    for (auto& s : *stopped)
      result.push_back(std::move(s));
  }
  out = std::move(result);
}

void publish(runner* self, std::vector<outbound_job> out) {
  auto& st = self->state;
  if (!st.ctx->bus->holds(st.tag)) {
    // The broker took the delivery back while the step ran: this node's connection was lost (a
    // hang past the broker's idle timeout, a partition) and the message is queued again, for a
    // node that runs the step again. Publishing this run's outcome as well would set a second
    // copy of the job going, which could end another way (a cancel only one copy meets).
    spdlog::warn("job {}: its delivery went back to the broker while the step ran (connection "
                 "lost); this run's outcome is dropped and the step runs again",
                 out.empty() ? std::string{"?"} : out.front().state.id);
    withdraw_claim(st);
    next(self);
    return;
  }
  apply_control(*st.ctx, out, now_ms(self));
  for (const auto& o : out)
    if (o.address == protocol::addresses::archive) {
      st.out->event(protocol::job_ended_event(o.state, st.ctx->node_id, now_ms(self)));
      if (st.ctx->controls)
        st.ctx->controls->clear(o.state.id); // nothing left to stop
    }
  st.out->send_all(out);
  if (!st.out->pending())
    finish(self);
}

/// The array a map step fans out over, or why there is none.
expected<boost::json::array> map_items(const job& j, const step& s, const step_outcome& outcome) {
  const boost::json::value* items = nullptr;
  std::string where;
  if (!s.map.items.empty()) {
    items = j.props.if_contains(s.map.items);
    where = "property '" + s.map.items + "'";
  } else {
    items = &outcome.value;
    where = "the step's result";
  }
  if (!items || !items->is_array())
    return error{errc::invalid_input,
                 "map step '" + s.id + "': " + where + " is not an array of items"};
  return items->get_array();
}

expected<protocol::workflow_ptr> sub_workflow(node_context& ctx, const step& s) {
  protocol::workflow_ptr found;
  if (!s.map.inline_workflow.is_null()) {
    auto decoded = protocol::decode_workflow(s.map.inline_workflow);
    if (!decoded.ok())
      return error{errc::invalid_input, "map step '" + s.id + "': inline workflow is invalid"};
    found = std::move(decoded.workflow);
  } else if (!ctx.resolve) {
    return error{errc::not_found, "map step '" + s.id + "': workflow '" + s.map.workflow +
                                      "' cannot be looked up (no workflow repository)"};
  } else {
    auto resolved = ctx.resolve(s.map.workflow);
    if (!resolved)
      return resolved;
    found = std::move(*resolved);
  }
  // Each sub-job would be refused at its start: one error here says it once.
  if (auto too_large = protocol::workflow_over_limits(found->def, ctx.limits,
                                                      "map step '" + s.id + "': sub-workflow"))
    return std::move(*too_large);
  return found;
}

/// Ends the job in hand in error because of `why`, which the step's own history entry also
/// records: a limit the job ran into is the step's failure, not the job's code's.
void end_in_error(runner* self, const step& s, std::string why);

void run_attempt(runner* self);

void on_outcome(runner* self, step_outcome outcome, const std::string& worker) {
  auto& st = self->state;
  auto& j = st.current;
  const auto& s = *st.s;
  auto now = now_ms(self);
  if (st.ctx->activity)
    st.ctx->activity->step_ended(self->id(), outcome.ok);

  // A failing step may quote a secret it was given (in its message, in the stderr quoted):
  // blank it out here, before the text reaches the job's history, events and logs.
  if (!outcome.ok)
    outcome.error = protocol::redact_secret_values(std::move(outcome.error), j.props);

  std::optional<expected<boost::json::array>> items;
  if (s.role == protocol::step_role::map && outcome.ok) {
    items = map_items(j, s, outcome);
    if (!*items)
      outcome = step_outcome::failure(items->error().message);
    else if (auto why = protocol::fan_out_over_limit(s, items->value().size(), st.ctx->limits))
      outcome = step_outcome::failure(*why);
  }
  auto* counted = step_metrics_of(st, j.workflow->def.name);
  if (counted) {
    (outcome.ok ? counted->ok : counted->failed).inc();
    counted->duration.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - st.attempt_started)
            .count());
  }

  protocol::history_entry entry;
  entry.attempt = j.attempt;
  entry.node = st.ctx->node_id;
  entry.worker = worker;
  entry.start_ms = st.attempt_started_ms;
  entry.end_ms = now;
  auto result = protocol::transition::record_attempt(j, s, outcome, entry);

  if (!outcome.ok && j.deadline_ms != 0 && now >= j.deadline_ms) {
    // The job's own deadline cut the step short: that is the job timing out, not the step failing.
    st.out->event(protocol::step_finished_event(j, j.history.back(), false));
    auto limit = j.workflow->def.timeout_ms.value_or(0);
    publish(self, protocol::transition::end(std::move(j), protocol::job_state::error,
                                            "job exceeded its timeout of " + std::to_string(limit) +
                                                " ms in step '" + s.id + "'",
                                            now));
    return;
  }

  if (outcome.ok) {
    // The step's result is merged: a job grown past a limit stops here, before it is published.
    auto why =
        protocol::properties_over_limit(j.props, st.ctx->limits, "after step '" + s.id + "'");
    if (!why && s.parallel)
      why = protocol::fork_over_limit(s, s.next.size(), st.ctx->limits);
    if (why)
      return end_in_error(self, s, std::move(*why));
  }

  auto delay = outcome.ok ? -1 : protocol::transition::retry_delay_ms(s, j.attempt);
  if (delay >= 0 && j.deadline_ms != 0 && now + delay >= j.deadline_ms)
    delay = -1; // a retry could not start before the job's deadline
  st.out->event(protocol::step_finished_event(j, j.history.back(), delay >= 0));
  if (delay >= 0) {
    if (counted)
      counted->retries.inc();
    ++j.attempt;
    self->delayed_send(self, std::chrono::milliseconds(delay), retry_atom::value);
    return;
  }

  if (s.role == protocol::step_role::map && !outcome.ok) {
    // A map's only successor is its reduce, which has nothing to fold: the job ends here.
    auto why = j.error;
    publish(self, protocol::transition::end(std::move(j), protocol::job_state::error, why, now));
    return;
  }
  if (s.role == protocol::step_role::map) {
    auto workflow = sub_workflow(*st.ctx, s);
    if (!workflow) {
      j.history.back().result = std::string(protocol::error_result);
      j.history.back().error = workflow.error().message;
      auto why = "step '" + s.id + "' failed: " + workflow.error().message;
      publish(self, protocol::transition::end(std::move(j), protocol::job_state::error, why, now));
      return;
    }
    auto fan = protocol::transition::start_map(std::move(j), s, st.reduce_key, items->value(),
                                               *workflow, now);
    std::vector<outbound_job> out;
    out.reserve(fan.sub_jobs.size() + 1);
    for (auto& sub : fan.sub_jobs)
      out.push_back({protocol::addresses::new_jobs, std::move(sub)});
    out.push_back(std::move(fan.parent));
    publish(self, std::move(out));
    return;
  }
  publish(self, protocol::transition::advance(std::move(j), s, result, now));
}

void end_in_error(runner* self, const step& s, std::string why) {
  auto& st = self->state;
  auto& j = st.current;
  auto& entry = j.history.back();
  entry.result = std::string(protocol::error_result);
  entry.error = why;
  st.out->event(protocol::step_finished_event(j, entry, false));
  publish(self, protocol::transition::end(std::move(j), protocol::job_state::error,
                                          "step '" + s.id + "' failed: " + why, now_ms(self)));
}

void run_attempt(runner* self) {
  auto& st = self->state;
  auto& j = st.current;
  const auto& s = *st.s;
  auto now = now_ms(self);
  st.attempt_started_ms = now;
  if (j.deadline_ms != 0 && now >= j.deadline_ms) {
    auto limit = j.workflow->def.timeout_ms.value_or(0);
    publish(self, protocol::transition::end(
                      std::move(j), protocol::job_state::error,
                      "job exceeded its timeout of " + std::to_string(limit) + " ms", now));
    return;
  }
  if (st.ctx->activity)
    st.ctx->activity->step_started(self->id(), {j.id, j.workflow->def.name, s.id, now, j.version,
                                                static_cast<std::int64_t>(j.history.size())});
  if (auto* counted = step_metrics_of(st, j.workflow->def.name)) {
    counted->started.inc();
    st.attempt_started = std::chrono::steady_clock::now();
  }
  if (s.role == protocol::step_role::map && s.run.kind.empty()) {
    on_outcome(self, step_outcome::success(nullptr), {});
    return;
  }
  protocol::step_request request;
  request.job_id = j.id;
  request.step_id = s.id;
  request.attempt = j.attempt;
  request.run = s.run;
  const bool inline_step = !st.ctx->executor->may_block(s.run);
  // An inline step borrows the properties (and gives them back); a worker gets its own copy.
  request.props = inline_step ? std::move(j.props) : j.props;
  std::int64_t timeout = s.timeout_ms.value_or(0);
  if (j.deadline_ms != 0) {
    auto left = std::max<std::int64_t>(1, j.deadline_ms - now);
    timeout = timeout == 0 ? left : std::min(timeout, left);
  }
  request.timeout_ms = timeout;
  if (st.ctx->folders && s.run.kind == "exec") {
    auto dir = st.ctx->folders->create(j.id);
    if (!dir) {
      on_outcome(self, step_outcome::failure(dir.error().message), {});
      return;
    }
    request.job_dir = dir->string();
  }
  if (inline_step) {
    // Finishes at once: a hop to a worker thread would cost more than the step.
    auto outcome = st.ctx->executor->run(request);
    j.props = std::move(request.props);
    on_outcome(self, std::move(outcome), {});
    return;
  }
  self->request(st.ctx->worker_pool, caf::infinite, run_step_atom::value, std::move(request))
      .then([self](step_outcome& outcome, std::string& worker) {
        on_outcome(self, std::move(outcome), worker);
      });
}

/// Takes one delivery: decodes it, applies a pending command, hands a rendezvous to a waiter, or
/// starts the job's current step.
void begin(runner* self, bus::delivery& d) {
  auto& st = self->state;
  auto* ctx = st.ctx;
  for (auto& src : st.sources)
    if (src.subscription == d.subscription)
      src.credit_out = false;
  if (st.busy) {
    // Both queues delivered at once: hand this one back at once for an idle runner.
    ctx->bus->settle(d.tag, bus::settlement::release);
    return;
  }
  st.busy = true;
  st.tag = d.tag;
  st.s = nullptr;
  st.reduce_key.clear();
  st.out.emplace(*ctx, caf::actor_cast<caf::actor>(self));
  auto leave = [&](bus::settlement how, const std::string& reason) {
    ctx->bus->settle(d.tag, how, reason);
    next(self);
  };

  // A client's start-job becomes the job's first state here and runs at once, like any job.
  const bool start = d.message.subject == protocol::start_job_type;
  auto decoded = start ? start_requested_job(*ctx, d.message)
                       : protocol::parse_job(d.message.body, ctx->workflows);
  if (!decoded) {
    spdlog::warn("dead-lettering message {} from {}: {}", d.message.message_id, d.message.address,
                 decoded.error().message);
    return leave(bus::settlement::reject,
                 (start ? "cannot start job: " : "cannot decode job: ") + decoded.error().message);
  }
  auto& cur = st.current;
  cur = std::move(*decoded);
  st.claimed_message.clear();
  if (ctx->claims) {
    auto verdict = ctx->claims->claim(cur, d.message.message_id);
    if (verdict == delivery_claims::verdict::run || verdict == delivery_claims::verdict::again) {
      st.claimed_line = delivery_claims::line_of(cur);
      st.claimed_version = cur.version;
      st.claimed_message = d.message.message_id;
    }
    if (verdict == delivery_claims::verdict::stale || verdict == delivery_claims::verdict::copy) {
      // A step ran twice around a crash and published two copies of its successor: one line of
      // the job runs on, the other copy ends here.
      spdlog::info("job {}: dropping {} state (version {}, message {})", cur.id, to_string(verdict),
                   cur.version, d.message.message_id);
      return leave(bus::settlement::accept, {});
    }
  }
  if (start && ctx->recorder)
    ctx->recorder->record(cur, protocol::serialize_job(cur)); // known from its first step on
  if (d.message.delivery_count > 0 && ctx->cluster_view)
    return recall_interrupted_attempt(self);
  proceed(self);
}

/// The delivery in hand came back from a node that had it: if that node's heartbeats showed it
/// running this very state's step, its attempt is recorded as interrupted, with its node, before
/// the step runs again. A state a node only held (never started) leaves no trace, as nothing
/// says it ran.
void recall_interrupted_attempt(runner* self) {
  auto& st = self->state;
  self->request(st.ctx->cluster_view, std::chrono::seconds(1), cluster_view_atom::value)
      .then(
          [self](cluster_snapshot& snapshot) {
            auto& cur = self->state.current;
            auto seen =
                std::find_if(snapshot.jobs.begin(), snapshot.jobs.end(), [&](const job_view& j) {
                  return j.job_id == cur.id && j.version == cur.version && j.step == cur.step;
                });
            if (seen != snapshot.jobs.end()) {
              auto now = now_ms(self);
              protocol::history_entry lost;
              lost.step = cur.step;
              lost.attempt = cur.attempt;
              lost.node = seen->node;
              lost.start_ms = seen->since_ms;
              lost.end_ms = now;
              lost.result = "interrupted";
              lost.error = "node " + seen->node + " was running this step when the broker took " +
                           "it back (its last heartbeat " + std::to_string(seen->age_ms) +
                           " ms before); it runs again here";
              spdlog::info("job {}: step {} attempt {} on node {} was interrupted; running it "
                           "again",
                           cur.id, cur.step, cur.attempt, seen->node);
              cur.history.push_back(std::move(lost));
              ++cur.attempt;
            }
            proceed(self);
          },
          [self](caf::error&) { proceed(self); });
}

/// The rest of `begin`, once the job is decoded and claimed: applies a pending command, hands a
/// rendezvous to a waiter, or starts the job's current step.
void proceed(runner* self) {
  auto& st = self->state;
  auto* ctx = st.ctx;
  auto& cur = st.current;
  auto leave = [&](bus::settlement how, const std::string& reason) {
    ctx->bus->settle(st.tag, how, reason);
    next(self);
  };
  auto now = ctx->clock->now_ms();
  if (auto stopped = apply_control(*ctx, cur, now))
    return publish(self, std::move(*stopped));
  if (protocol::is_terminal(cur.state) && cur.forks.empty())
    return leave(bus::settlement::reject,
                 "job " + cur.id + " has already ended; it belongs in the archive");

  // Rendezvous: a waiter holds the delivery without a worker, and this runner is free again.
  st.s = cur.workflow->def.find(cur.step);
  caf::actor waiter;
  if (protocol::transition::is_rendezvous(cur))
    waiter = spawn_join_waiter(self->system(), *ctx, st.tag, std::move(cur));
  else if (st.s && st.s->role == protocol::step_role::reduce && cur.reduce)
    waiter = spawn_reduce_waiter(self->system(), *ctx, st.tag, std::move(cur));
  if (waiter) {
    self->send(st.dispatcher, waiting_atom::value, waiter);
    return next(self);
  }

  if (!st.s) {
    auto why = "job is at step '" + cur.step + "', which its workflow does not define";
    return publish(self,
                   protocol::transition::end(std::move(cur), protocol::job_state::error, why, now));
  }
  if (st.s->role == protocol::step_role::join || st.s->role == protocol::step_role::reduce) {
    // Only a fork's main branch (join) or a map's parent (reduce) can wait here.
    auto why = "job reached step '" + cur.step + "' (a " + protocol::to_string(st.s->role) +
               " step) without " +
               (st.s->role == protocol::step_role::join ? "a fork to join" : "a map to reduce");
    return publish(self,
                   protocol::transition::end(std::move(cur), protocol::job_state::error, why, now));
  }
  if (st.s->role == protocol::step_role::map)
    st.reduce_key = protocol::transition::reduce_key(cur, *st.s);
  protocol::transition::enter_step(cur, *st.s);
  run_attempt(self);
}

/// One job delivery at a time, one after another. Each runner is a competing consumer of
/// `queue:boa.jobs` (and, if `takes_new_jobs`, of `queue:boa.jobs.new`) with credit 1 while idle,
/// so deliveries reach idle runners without a hop through another actor.
caf::behavior job_runner(runner* self, node_context* ctx, caf::actor dispatcher,
                         bool takes_new_jobs) {
  auto& st = self->state;
  st.ctx = ctx;
  st.dispatcher = std::move(dispatcher);
  auto me = caf::actor_cast<caf::actor>(self);
  for (const char* address : {protocol::addresses::jobs, protocol::addresses::new_jobs}) {
    if (address == protocol::addresses::new_jobs && !takes_new_jobs)
      continue;
    auto sub = ctx->bus->subscribe(address, me, 1);
    if (!sub) {
      spdlog::critical("job runner cannot subscribe to {}: {}", address, sub.error().message);
      for (auto& src : st.sources)
        ctx->bus->unsubscribe(src.subscription);
      self->quit(caf::exit_reason::user_shutdown);
      return {};
    }
    st.sources.push_back({*sub, true});
  }
  // Leaving for any reason hands back what this runner holds: the broker redelivers it.
  hand_back_on_exit(self, [self] {
    for (auto& src : self->state.sources)
      self->state.ctx->bus->unsubscribe(src.subscription);
    if (self->state.ctx->activity)
      self->state.ctx->activity->forget(self->id());
  });
  return {
      [self](delivery_atom, bus::delivery& d) { begin(self, d); },
      [self](published_atom, std::uint64_t, bool ok, std::string& error) {
        if (self->state.out->confirmed(ok, error))
          finish(self);
      },
      [self](retry_atom) { run_attempt(self); },
      [self](drain_atom) {
        self->state.draining = true;
        if (!self->state.busy)
          next(self);
      },
  };
}

struct publisher_state {
  std::optional<outbox> out;
  static inline const char* name = "boa.job_publisher";
};

caf::behavior job_publisher(caf::stateful_actor<publisher_state>* self, node_context* ctx,
                            caf::actor dispatcher, std::uint64_t tag, std::vector<outbound_job> out,
                            std::vector<protocol::job_event> events) {
  self->state.out.emplace(*ctx, caf::actor_cast<caf::actor>(self));
  auto settle = [self, ctx, dispatcher, tag] {
    const bool published = !self->state.out->failed();
    ctx->bus->settle(tag, published ? bus::settlement::accept : bus::settlement::release);
    self->send(dispatcher, done_atom::value, tag, published);
    self->quit();
  };
  for (const auto& e : events)
    self->state.out->event(e);
  self->state.out->send_all(out);
  if (!self->state.out->pending())
    settle();
  return {
      [self, settle](published_atom, std::uint64_t, bool ok, std::string& error) {
        if (self->state.out->confirmed(ok, error))
          settle();
      },
  };
}

} // namespace

caf::actor spawn_job_runner(caf::actor_system& system, node_context& ctx, caf::actor dispatcher,
                            bool takes_new_jobs) {
  return system.spawn(job_runner, &ctx, std::move(dispatcher), takes_new_jobs);
}

caf::actor spawn_job_publisher(caf::actor_system& system, node_context& ctx, caf::actor dispatcher,
                               std::uint64_t tag, std::vector<protocol::outbound_job> out,
                               std::vector<protocol::job_event> events) {
  return system.spawn(job_publisher, &ctx, std::move(dispatcher), tag, std::move(out),
                      std::move(events));
}

} // namespace boa::actors
