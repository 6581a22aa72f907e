#include "actors/job_observer.hpp"

#include "actors/messages.hpp"
#include "protocol/job_codec.hpp"

#include <caf/event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace boa::actors {

namespace {

caf::behavior job_observer(caf::event_based_actor* self, bus::bus* bus,
                           protocol::workflow_cache* workflows, job_observer_callbacks callbacks) {
  auto me = caf::actor_cast<caf::actor>(self);
  std::uint64_t events_sub = 0;
  std::uint64_t archive_sub = 0;
  if (callbacks.on_event)
    if (auto sub = bus->subscribe(protocol::addresses::events, me, 1024))
      events_sub = *sub;
  if (callbacks.on_archived)
    if (auto sub = bus->subscribe(protocol::addresses::archive, me, 256))
      archive_sub = *sub;
  self->set_exit_handler([self, bus, events_sub, archive_sub](caf::exit_msg& msg) {
    if (events_sub)
      bus->unsubscribe(events_sub);
    if (archive_sub)
      bus->unsubscribe(archive_sub);
    self->quit(msg.reason);
  });
  return {
      [=](delivery_atom, bus::delivery& d) {
        if (d.subscription == events_sub) {
          bus->settle(d.tag, bus::settlement::accept);
          bus->add_credit(d.subscription, 1);
          if (auto e = protocol::parse_event(d.message.body))
            callbacks.on_event(*e);
          else
            spdlog::warn("ignoring event: {}", e.error().message);
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
  return system.spawn(job_observer, &bus, workflows, std::move(callbacks));
}

} // namespace boa::actors
