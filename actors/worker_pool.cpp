#include "actors/worker_pool.hpp"

#include "actors/messages.hpp"
#include "actors/metrics/node_metrics.hpp"
#include "actors/node_activity.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <deque>
#include <vector>

namespace boa::actors {

namespace {

/// Said by a worker to itself when a modelled attempt's time is up (`timed_outcome::after`).
using attempt_done_atom = caf::atom_constant<caf::atom("attemptdon")>;

struct worker_state {
  /// The request being answered later; a worker runs one attempt at a time.
  caf::response_promise pending;
  static inline const char* name = "boa.step_worker";
};

caf::behavior step_worker(caf::stateful_actor<worker_state>* self, step_executor_ptr executor) {
  auto name = "worker-" + std::to_string(self->id());
  return {
      [self, executor, name](run_step_atom, const protocol::step_request& request)
          -> caf::result<protocol::step_outcome, std::string> {
        auto timed = executor->run_timed(request);
        if (timed.after.count() <= 0)
          return {std::move(timed.outcome), name};
        self->state.pending = self->make_response_promise();
        self->delayed_send(self, timed.after, attempt_done_atom::value, std::move(timed.outcome));
        return self->state.pending;
      },
      [self, name](attempt_done_atom, protocol::step_outcome& outcome) {
        self->state.pending.deliver(std::move(outcome), name);
      },
  };
}

struct pool_state {
  struct pending {
    protocol::step_request request;
    caf::response_promise promise;
  };
  std::vector<caf::actor> idle;
  std::deque<pending> waiting;
  std::int64_t alive = 0;    ///< workers spawned and not yet retired
  std::int64_t retiring = 0; ///< busy workers to retire once their step is done
  step_executor_ptr executor;
  node_activity* activity = nullptr;
  metrics::node_metrics* metrics = nullptr;
  bool detached = true;
  static inline const char* name = "boa.worker_pool";
};

using pool = caf::stateful_actor<pool_state>;

std::int64_t total(const pool_state& st) {
  return st.alive - st.retiring;
}

void report_size(pool* self) {
  if (self->state.activity)
    self->state.activity->workers_resized(total(self->state));
  if (self->state.metrics)
    self->state.metrics->workers_total().set(static_cast<double>(total(self->state)));
}

/// Busy: every live worker not idle (a retiring one is busy until its step is done).
void report_busy(pool* self) {
  auto& st = self->state;
  if (st.metrics)
    st.metrics->workers_busy().set(
        static_cast<double>(st.alive - static_cast<std::int64_t>(st.idle.size())));
}

void retire(pool* self, const caf::actor& worker) {
  // Unlinked first: a worker leaving on purpose must not take the pool with it.
  self->unlink_from(worker);
  caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
  --self->state.alive;
}

void dispatch(pool* self, caf::actor worker, protocol::step_request request,
              caf::response_promise promise);

/// `worker` is free: it retires if the pool shrank, else takes the next waiting step or idles.
void worker_free(pool* self, caf::actor worker) {
  auto& st = self->state;
  if (st.retiring > 0) {
    --st.retiring;
    retire(self, worker);
    report_size(self);
  } else if (!st.waiting.empty()) {
    auto next = std::move(st.waiting.front());
    st.waiting.pop_front();
    dispatch(self, worker, std::move(next.request), std::move(next.promise));
  } else {
    st.idle.push_back(worker);
  }
  report_busy(self);
}

void dispatch(pool* self, caf::actor worker, protocol::step_request request,
              caf::response_promise promise) {
  self->request(worker, caf::infinite, run_step_atom::value, std::move(request))
      .then(
          [self, worker, promise](protocol::step_outcome& outcome, std::string& name) mutable {
            promise.deliver(std::move(outcome), std::move(name));
            worker_free(self, worker);
          },
          [self, worker, promise](caf::error& err) mutable {
            promise.deliver(protocol::step_outcome::failure("step worker failed: " +
                                                            self->system().render(err)),
                            std::string{});
          });
}

void add_workers(pool* self, std::int64_t n) {
  auto& st = self->state;
  for (std::int64_t i = 0; i < n; ++i) {
    auto worker = st.detached ? self->spawn<caf::detached + caf::linked>(step_worker, st.executor)
                              : self->spawn<caf::linked>(step_worker, st.executor);
    ++st.alive;
    worker_free(self, worker);
  }
}

caf::behavior worker_pool(pool* self, step_executor_ptr executor, std::size_t size,
                          node_activity* activity, bool detached, metrics::node_metrics* metrics) {
  auto& st = self->state;
  st.executor = std::move(executor);
  st.detached = detached;
  st.activity = activity;
  st.metrics = metrics;
  add_workers(self, static_cast<std::int64_t>(size));
  report_size(self);
  return {
      [self](run_step_atom, protocol::step_request& request) {
        auto promise = self->make_response_promise();
        auto& st = self->state;
        if (st.idle.empty()) {
          st.waiting.push_back({std::move(request), promise});
        } else {
          auto worker = st.idle.back();
          st.idle.pop_back();
          dispatch(self, worker, std::move(request), promise);
          report_busy(self);
        }
      },
      [self](workers_add_atom, std::int64_t n) {
        auto& st = self->state;
        // Workers retiring after their step stay instead, before any new one is spawned.
        auto kept = std::min(st.retiring, std::max<std::int64_t>(n, 0));
        st.retiring -= kept;
        add_workers(self, std::max<std::int64_t>(n, 0) - kept);
        report_size(self);
        return caf::make_message(true, total(st), std::string{});
      },
      [self](workers_remove_atom, std::int64_t n) {
        auto& st = self->state;
        if (n < 1 || total(st) - n < 1)
          return caf::make_message(false, total(st),
                                   "the pool has " + std::to_string(total(st)) +
                                       " workers: removing " + std::to_string(n) +
                                       " would leave none (at least 1 must stay)");
        for (; n > 0 && !st.idle.empty(); --n) {
          retire(self, st.idle.back());
          st.idle.pop_back();
        }
        st.retiring += n; // the rest are busy: each leaves once its step is done
        report_size(self);
        report_busy(self);
        return caf::make_message(true, total(st), std::string{});
      },
  };
}

} // namespace

caf::actor spawn_worker_pool(caf::actor_system& system, step_executor_ptr executor,
                             std::size_t size, node_activity* activity, bool detached,
                             metrics::node_metrics* metrics) {
  return system.spawn(worker_pool, std::move(executor), size == 0 ? 1 : size, activity, detached,
                      metrics);
}

} // namespace boa::actors
