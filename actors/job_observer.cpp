#include "actors/job_observer.hpp"

#include "actors/messages.hpp"
#include "protocol/job_codec.hpp"

#include <caf/event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

namespace boa::actors {

namespace {

using subscriptions = std::shared_ptr<std::vector<std::uint64_t>>;

caf::behavior job_observer(caf::event_based_actor* self, bus::bus* bus,
                           protocol::workflow_cache* workflows, job_observer_callbacks callbacks,
                           subscriptions subs) {
  self->set_exit_handler([self, bus, subs](caf::exit_msg& msg) {
    for (auto sub : *subs)
      bus->unsubscribe(sub);
    self->quit(msg.reason);
  });
  return {
      [=](delivery_atom, bus::delivery& d) {
        // Told apart by address: the subscriptions are made before this actor first runs.
        if (d.message.address == protocol::addresses::events) {
          bus->settle(d.tag, bus::settlement::accept);
          bus->add_credit(d.subscription, 1);
          if (auto e = protocol::parse_event(d.message.body))
            callbacks.on_event(*e);
          else
            spdlog::warn("ignoring event: {}", e.error().message);
          return;
        }
        if (d.message.address == protocol::addresses::dead) {
          callbacks.on_dead(d.message);
          bus->settle(d.tag, bus::settlement::accept);
          bus->add_credit(d.subscription, 1);
          return;
        }
        auto j = protocol::parse_job(d.message.body, workflows);
        if (!j) {
          bus->settle(d.tag, bus::settlement::reject,
                      "cannot decode archived job: " + j.error().message);
        } else {
          callbacks.on_archived(*j);
          bus->settle(d.tag, bus::settlement::accept);
        }
        bus->add_credit(d.subscription, 1);
      },
  };
}

} // namespace

caf::actor spawn_job_observer(caf::actor_system& system, bus::bus& bus,
                              protocol::workflow_cache* workflows,
                              job_observer_callbacks callbacks) {
  auto subs = std::make_shared<std::vector<std::uint64_t>>();
  bool events = static_cast<bool>(callbacks.on_event);
  bool archive = static_cast<bool>(callbacks.on_archived);
  bool dead = static_cast<bool>(callbacks.on_dead);
  auto observer = system.spawn(job_observer, &bus, workflows, std::move(callbacks), subs);
  // Subscribed here, not when the actor first runs, so that nothing published after this call
  // returns can pass unseen.
  if (events)
    if (auto sub = bus.subscribe(protocol::addresses::events, observer, 1024))
      subs->push_back(*sub);
  if (archive)
    if (auto sub = bus.subscribe(protocol::addresses::archive, observer, 256))
      subs->push_back(*sub);
  if (dead)
    if (auto sub = bus.subscribe(protocol::addresses::dead, observer, 16))
      subs->push_back(*sub);
  return observer;
}

} // namespace boa::actors
