#pragma once

#include "protocol/expected.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace boa::protocol {

/// One system (pool of actors) of a node as its heartbeat reports it.
struct system_state {
  std::string name;       ///< "workers"
  std::int64_t total = 0; ///< actors in the pool
  std::int64_t busy = 0;  ///< running something now
  bool running = true;    ///< started (a stopped system takes no work)

  friend bool operator==(const system_state&, const system_state&) = default;
};

/// A job step running on the node when it beat.
struct running_job {
  std::string job_id;
  std::string workflow;
  std::string step;
  std::int64_t since_ms = 0; ///< when the step started (wall clock, ms since the epoch)
  /// How far the job had come when the step started: the `version` of its state and the length
  /// of its history. When several nodes report one job (one took it over from another), the
  /// most advanced report is the true one. Optional on the wire (0: not reported).
  std::int64_t version = 0;
  std::int64_t history_length = 0;

  friend bool operator==(const running_job&, const running_job&) = default;
};

/// What a node broadcasts on `topic:boa.heartbeat` every heartbeat interval:
///
///     {"v": 1, "type": "heartbeat", "node": "n1", "host": "h", "pid": 42,
///      "broker": "amqp://127.0.0.1:5672", "started_ms": …, "sent_ms": …, "seq": 17,
///      "interval_ms": 1000,
///      "systems": [{"name": "workers", "total": 4, "busy": 1, "running": true}],
///      "jobs": [{"job_id": "…", "workflow": "…", "step": "…", "since_ms": …, "version": 4,
///                "history_length": 3}],
///      "load": [0.5, 0.4, 0.3], "rss_bytes": 123456,
///      "counters": {"steps_ok": 10, "steps_failed": 1, "jobs_finished": 3}}
///
/// `seq` starts at 1 with every process start; `started_ms` tells a restarted node (same id, new
/// start time) from the one before.
struct heartbeat {
  std::string node;
  std::string host;
  std::int64_t pid = 0;
  std::string broker;
  std::int64_t started_ms = 0;
  std::int64_t sent_ms = 0;
  std::int64_t seq = 0;
  std::int64_t interval_ms = 1000;
  std::vector<system_state> systems;
  std::vector<running_job> jobs;
  std::vector<double> load; ///< 1, 5 and 15 minute load averages; empty if unknown
  std::int64_t rss_bytes = 0;
  std::int64_t steps_ok = 0;
  std::int64_t steps_failed = 0;
  std::int64_t jobs_finished = 0;
  /// The node's last beat: it is shutting down on purpose (`"leaving": true` on the wire, absent
  /// otherwise). A listener can tell a node that left from one that went silent.
  bool leaving = false;

  friend bool operator==(const heartbeat&, const heartbeat&) = default;
};

inline constexpr const char* heartbeat_type = "heartbeat";

std::string serialize_heartbeat(const heartbeat& beat);
/// Decodes and validates; errors name the JSON path.
expected<heartbeat> parse_heartbeat(std::string_view text);

} // namespace boa::protocol
