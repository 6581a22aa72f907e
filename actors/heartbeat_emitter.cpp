#include "actors/heartbeat_emitter.hpp"

#include "actors/metrics/node_metrics.hpp"
#include "actors/node_activity.hpp"
#include "protocol/envelope.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <unistd.h>

namespace boa::actors {

namespace {

using beat_atom = caf::atom_constant<caf::atom("beat")>;

struct emitter_state {
  std::int64_t seq = 0;
  static inline const char* name = "boa.heartbeat_emitter";
};

/// Resident set size from /proc/self/statm; 0 where it cannot be read.
std::int64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f)
    return 0;
  long pages_total = 0;
  long pages_resident = 0;
  int read = std::fscanf(f, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(f);
  return read == 2 ? static_cast<std::int64_t>(pages_resident) * ::sysconf(_SC_PAGESIZE) : 0;
}

} // namespace

host_facts read_host_facts() {
  host_facts facts;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0)
    facts.host = host;
  facts.pid = ::getpid();
  double load[3];
  if (::getloadavg(load, 3) == 3)
    facts.load.assign(load, load + 3);
  facts.rss_bytes = resident_bytes();
  return facts;
}

protocol::heartbeat current_state(const node_context& ctx, const heartbeat_settings& settings,
                                  std::int64_t seq) {
  auto facts = settings.facts ? settings.facts() : read_host_facts();
  protocol::heartbeat b;
  b.node = ctx.node_id;
  b.host = std::move(facts.host);
  b.pid = facts.pid;
  b.broker = settings.broker;
  b.started_ms = settings.started_ms;
  b.sent_ms = ctx.clock->now_ms();
  b.seq = seq;
  b.interval_ms = settings.interval.count();
  auto activity = ctx.activity ? ctx.activity->take() : node_activity::snapshot{};
  auto workers = activity.workers >= 0 ? activity.workers : settings.workers;
  auto busy = std::min<std::int64_t>(workers, static_cast<std::int64_t>(activity.running.size()));
  b.systems.push_back({"workers", workers, busy, activity.workers_running});
  b.jobs = std::move(activity.running);
  b.load = std::move(facts.load);
  b.rss_bytes = facts.rss_bytes;
  b.steps_ok = activity.steps_ok;
  b.steps_failed = activity.steps_failed;
  b.jobs_finished = activity.jobs_finished;
  return b;
}

namespace {

void publish_beat(caf::stateful_actor<emitter_state>* self, node_context* ctx,
                  const heartbeat_settings& settings, bool leaving) {
  auto beat = current_state(*ctx, settings, ++self->state.seq);
  beat.leaving = leaving;
  protocol::envelope env;
  env.address = protocol::addresses::heartbeat;
  env.subject = protocol::heartbeat_type;
  env.body = protocol::serialize_heartbeat(beat);
  // A beat three intervals old tells a listener nothing the next ones do not: the broker drops
  // it rather than let it pile up for a slow listener.
  env.ttl_ms = static_cast<std::uint32_t>(std::min<std::int64_t>(
      3 * settings.interval.count(), std::numeric_limits<std::uint32_t>::max()));
  ctx->bus->publish(std::move(env), caf::actor{}, 0);
  if (ctx->metrics)
    ctx->metrics->heartbeats_sent().inc();
}

caf::behavior emitter(caf::stateful_actor<emitter_state>* self, node_context* ctx,
                      heartbeat_settings settings) {
  self->send(self, beat_atom::value);
  return {
      [self, ctx, settings](beat_atom) {
        publish_beat(self, ctx, settings, false);
        self->delayed_send(self, settings.interval, beat_atom::value);
      },
      [self, ctx, settings](leaving_atom) {
        publish_beat(self, ctx, settings, true);
        self->quit();
      },
  };
}

} // namespace

caf::actor spawn_heartbeat_emitter(caf::actor_system& system, node_context& ctx,
                                   heartbeat_settings settings) {
  return system.spawn(emitter, &ctx, std::move(settings));
}

} // namespace boa::actors
