#pragma once

#include "protocol/heartbeat.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::actors {

/// How recently a node was heard from, judged against its own heartbeat interval.
enum class node_status {
  live,    ///< its last beat is recent
  suspect, ///< it missed more than `suspect_after` intervals: maybe slow, maybe gone
  down,    ///< it missed more than `down_after` intervals: its work should be recovered
  left,    ///< its last beat said it was shutting down on purpose
};

const char* to_string(node_status status);

struct cluster_view_options {
  double suspect_after = 3;             ///< missed intervals (of the node's own interval_ms)
  double down_after = 10;               ///< missed intervals
  std::int64_t eviction_age_ms = 30000; ///< `evict` forgets nodes silent for longer than this
};

/// One node as the view last heard of it. `age_ms` is always shown: the view is a picture of the
/// past.
struct node_view {
  protocol::heartbeat last;
  std::int64_t age_ms =
      0; ///< since the last beat was observed (not since it was sent: clocks differ)
  node_status status = node_status::live;
  std::int64_t restarts = 0; ///< times this node id came back with a new started_ms

  friend bool operator==(const node_view&, const node_view&) = default;
};

/// A job step running somewhere, as the most advanced report of it shows it.
struct job_view : protocol::running_job {
  std::string node;        ///< the node whose beat reported it
  std::int64_t age_ms = 0; ///< age of that beat (judged like the node's)

  friend bool operator==(const job_view&, const job_view&) = default;
};

/// Whether report `a` shows its job further along than report `b`: the longer history, then the
/// higher state version, then the later start. A node that took a job over from one that went
/// silent reports it further along; the silent node's last beat still shows the old step.
bool more_advanced(const protocol::running_job& a, const protocol::running_job& b);

/// The view at one moment, as a cluster-state aggregator hands it out.
struct cluster_snapshot {
  std::vector<node_view> nodes;
  std::vector<job_view> jobs;
  std::int64_t taken_ms = 0;     ///< the observer's wall clock when it was taken
  std::int64_t listening_ms = 0; ///< how long the observer had been listening: a young view may
                                 ///< miss nodes whose beat has not come yet
};

/// The cluster as heartbeats describe it. No clock and no I/O: callers pass the time at which a
/// beat arrived and at which they ask, so the view is deterministic and cheap to test. Ages are
/// measured on the observer's clock only, never compared with a node's `sent_ms`.
class cluster_view {
public:
  explicit cluster_view(cluster_view_options options = {}) : options_(options) {}

  /// Takes in a beat received at `now_ms`. A beat no newer than the one kept (same process and
  /// seq not above it, or an earlier process of the node) is ignored: brokers reorder and
  /// redeliver.
  void observe(const protocol::heartbeat& beat, std::int64_t now_ms);

  /// Every known node, sorted by node id, judged at `now_ms`.
  std::vector<node_view> nodes(std::int64_t now_ms) const;

  /// The node `id` judged at `now_ms`, if it is known.
  std::optional<node_view> node(std::string_view id, std::int64_t now_ms) const;

  /// Forgets nodes whose last beat was observed more than `eviction_age_ms` before `now_ms`.
  void evict(std::int64_t now_ms);

  /// Every job the known nodes report, one per job id, sorted by job id, judged at `now_ms`;
  /// when several nodes report a job (one took it over from another), the most advanced report
  /// wins (`more_advanced`).
  std::vector<job_view> jobs(std::int64_t now_ms) const;

  std::size_t size() const noexcept { return nodes_.size(); }

private:
  struct entry {
    protocol::heartbeat last;
    std::int64_t observed_ms = 0;
    std::int64_t restarts = 0;
  };

  node_status status_of(const entry& e, std::int64_t age_ms) const;

  cluster_view_options options_;
  std::map<std::string, entry, std::less<>> nodes_;
};

} // namespace boa::actors
