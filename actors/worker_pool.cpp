#include "actors/worker_pool.hpp"

#include "actors/messages.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <deque>
#include <vector>

namespace boa::actors {

namespace {

caf::behavior step_worker(caf::event_based_actor* self, step_executor_ptr executor) {
  auto name = "worker-" + std::to_string(self->id());
  return {
      [executor, name](run_step_atom, const protocol::step_request& request) {
        return caf::make_message(executor->run(request), name);
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
  static inline const char* name = "boa.worker_pool";
};

void dispatch(caf::stateful_actor<pool_state>* self, caf::actor worker,
              protocol::step_request request, caf::response_promise promise) {
  self->request(worker, caf::infinite, run_step_atom::value, std::move(request))
      .then(
          [self, worker, promise](protocol::step_outcome& outcome, std::string& name) mutable {
            promise.deliver(std::move(outcome), std::move(name));
            auto& st = self->state;
            if (!st.waiting.empty()) {
              auto next = std::move(st.waiting.front());
              st.waiting.pop_front();
              dispatch(self, worker, std::move(next.request), std::move(next.promise));
            } else {
              st.idle.push_back(worker);
            }
          },
          [self, worker, promise](caf::error& err) mutable {
            promise.deliver(protocol::step_outcome::failure("step worker failed: " +
                                                            self->system().render(err)),
                            std::string{});
          });
}

caf::behavior worker_pool(caf::stateful_actor<pool_state>* self, step_executor_ptr executor,
                          std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    auto worker = self->spawn<caf::detached + caf::linked>(step_worker, executor);
    self->state.idle.push_back(worker);
  }
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
        }
      },
  };
}

} // namespace

caf::actor spawn_worker_pool(caf::actor_system& system, step_executor_ptr executor,
                             std::size_t size) {
  return system.spawn(worker_pool, std::move(executor), size == 0 ? 1 : size);
}

} // namespace boa::actors
