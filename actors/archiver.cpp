#include "actors/archiver.hpp"

#include "actors/delivery_claims.hpp"
#include "actors/hand_back_on_exit.hpp"
#include "actors/job_records.hpp"
#include "actors/messages.hpp"
#include "actors/metrics/node_metrics.hpp"
#include "actors/node_activity.hpp"
#include "protocol/job_codec.hpp"
#include "storage/job_archive.hpp"

#include <caf/event_based_actor.hpp>

#include <spdlog/spdlog.h>

namespace boa::actors {

namespace {

constexpr std::uint32_t archive_credit = 64;

struct archiver_state {
  std::shared_ptr<storage::job_archive> archive;
  std::uint64_t subscription = 0;
  std::uint64_t archived = 0;
  static inline const char* name = "boa.archiver";
};

void take(caf::stateful_actor<archiver_state>* self, node_context& ctx, bus::delivery& d) {
  auto& st = self->state;
  auto settle = [&](bus::settlement how, const std::string& reason = {}) {
    ctx.bus->settle(d.tag, how, reason);
    ctx.bus->add_credit(d.subscription, 1);
  };
  auto j = protocol::parse_job(d.message.body, ctx.workflows);
  if (!j) {
    spdlog::warn("dead-lettering archived message {}: {}", d.message.message_id, j.error().message);
    return settle(bus::settlement::reject, "cannot decode archived job: " + j.error().message);
  }
  auto verdict = ctx.claims
                     ? ctx.claims->claim("archive:" + j->id, j->version, d.message.message_id)
                     : delivery_claims::verdict::run;
  bool ends =
      verdict == delivery_claims::verdict::run || verdict == delivery_claims::verdict::again;
  // Counted before it is stored: whoever finds the job in the archive finds it counted. A store
  // that fails is tried again under the `again` verdict, which does not count.
  if (verdict == delivery_claims::verdict::run && ctx.metrics)
    ctx.metrics->job_ended(j->state);
  if (ends && st.archive) {
    // Archived before the message is accepted: once the queue forgets the job, the archive is
    // the only place that knows it ended. The same job again is stored once.
    auto stored = st.archive->store(*j, d.message.body);
    if (!stored) {
      // Nothing is lost: the delivery goes back to the queue (after a pause, so that a database
      // that is down is not asked again at once) and the claim is the same message's next time.
      spdlog::error("job {}: not archived, handing it back to {} to try again: {}", j->id,
                    protocol::addresses::archive, stored.error().message);
      self->delayed_send(self, ctx.archive_retry_delay, retry_atom::value, d.tag, d.subscription);
      return;
    }
    if (!*stored)
      spdlog::info("job {}: already in the archive (message {})", j->id, d.message.message_id);
  }
  if (verdict == delivery_claims::verdict::run && ctx.activity)
    ctx.activity->job_finished();
  if (ends) {
    ++st.archived;
    // The message id names the end: the same one again (the node died before accepting it) is
    // the same end, logged again; a copy with another id is never an end of its own.
    spdlog::info("job {} ended {} after {} step attempts in {} ms (message {}{}){}", j->id,
                 protocol::to_string(j->state), j->history.size(), j->ended_ms - j->created_ms,
                 d.message.message_id,
                 verdict == delivery_claims::verdict::again ? ", delivered again" : "",
                 j->error.empty() ? "" : ": " + j->error);
  } else {
    spdlog::info("job {}: dropped a second copy of its end ({}, message {})", j->id,
                 to_string(verdict), d.message.message_id);
  }
  settle(bus::settlement::accept);
}

caf::behavior archiver(caf::stateful_actor<archiver_state>* self, node_context* ctx) {
  auto sub = ctx->bus->subscribe(protocol::addresses::archive, caf::actor_cast<caf::actor>(self),
                                 archive_credit);
  if (!sub) {
    spdlog::critical("archiver cannot subscribe to {}: {}", protocol::addresses::archive,
                     sub.error().message);
    self->quit(caf::exit_reason::user_shutdown);
    return {};
  }
  self->state.subscription = *sub;
  self->state.archive = ctx->archive;
  hand_back_on_exit(self, [self, ctx] { ctx->bus->unsubscribe(self->state.subscription); });
  return {
      [self, ctx](delivery_atom, bus::delivery& d) { take(self, *ctx, d); },
      // A delivery the archive could not store, back to the queue after the pause.
      [ctx](retry_atom, std::uint64_t tag, std::uint64_t subscription) {
        ctx->bus->settle(tag, bus::settlement::release);
        ctx->bus->add_credit(subscription, 1);
      },
  };
}

} // namespace

caf::actor spawn_archiver(caf::actor_system& system, node_context& ctx) {
  // Detached: it waits for the job store before it accepts.
  if (!ctx.detach_blocking_actors)
    return system.spawn(archiver, &ctx);
  return system.spawn<caf::detached>(archiver, &ctx);
}

} // namespace boa::actors
