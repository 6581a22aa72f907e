#pragma once

#include "actors/cluster_aggregator.hpp"
#include "actors/cluster_view.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace boa::sim {

/// The heartbeat timing every node of a run shares, which bounds what its observers may say.
struct cluster_timing {
  std::int64_t interval_ms = 500; ///< every node beats this often and judges its view as often
  double suspect_after = 3;       ///< missed intervals (as in `cluster_view_options`)
  double down_after = 6;
  /// The longest a silent node stays in a view: the eviction age plus one eviction period.
  std::int64_t eviction_bound_ms = 9000;
};

/// Checks what every node's cluster aggregator reports against what really happened. The
/// simulation tells it the truth (a node started, crashed, was silent for a while) and every
/// change each observer reported, all in virtual time since the run began. Its invariants:
///
/// (a) a crashed node is reported `down` by every live observer that knew it, within
///     `down_after` + 2 intervals of the crash;
/// (b) a node that is alive and not silent is never reported `suspect` or `down`, and one that
///     was, once it beats again, is reported live within two intervals of the end of its
///     silence;
/// (c) once the last fault is `eviction_bound_ms` + 2 intervals behind (`settled_after`), every
///     live observer's view holds exactly the live nodes, each one live.
class cluster_view_checker {
public:
  explicit cluster_view_checker(cluster_timing timing) : timing_(timing) {}

  /// A node (incarnation) started: it lives from now on, and its view starts empty.
  void started(const std::string& node, std::int64_t at_ms);
  void crashed(const std::string& node, std::int64_t at_ms);
  /// The node neither beat nor heard beats from `from_ms` to `to_ms` (hung or cut off), and was
  /// its ordinary self again after.
  void silent(const std::string& node, std::int64_t from_ms, std::int64_t to_ms);
  /// `observer`'s aggregator reported `change` at `at_ms`.
  void reported(const std::string& observer, const actors::node_change& change, std::int64_t at_ms);

  /// When (c) is due: the last start, crash or end of a silence, plus the eviction bound and two
  /// intervals.
  std::int64_t settled_after() const;

  /// Every invariant broken by a run that ended at `end_ms`, one line each. What is not due yet
  /// at `end_ms` (a run cut short) is not judged.
  std::vector<std::string> violations(std::int64_t end_ms) const;

  std::size_t reports() const { return reports_; }

private:
  /// A span of virtual time; `to_ms` empty: not over (a crashed node that never came back).
  struct span {
    std::int64_t from_ms = 0;
    std::optional<std::int64_t> to_ms;
    bool holds(std::int64_t at_ms) const { return from_ms <= at_ms && (!to_ms || at_ms < *to_ms); }
  };
  struct truth {
    std::vector<span> lives;    ///< from a start to its crash
    std::vector<span> silences; ///< hung or cut off, always with an end
  };
  /// One report: the status the observer gave the node, or none once it forgot it.
  struct sighting {
    std::int64_t at_ms = 0;
    std::optional<actors::node_status> status;
  };
  using pair_key = std::pair<std::string, std::string>; ///< observer, observed node

  bool alive_at(const std::string& node, std::int64_t at_ms) const;
  /// Whether `node` may rightly look suspect or down at `at_ms`: it is dead or silent then, or
  /// was less than two intervals before (its first beat after may not have come yet).
  bool troubled_at(const std::string& node, std::int64_t at_ms) const;
  /// Alive and not silent over all of [from_ms, to_ms].
  bool listening_throughout(const std::string& node, std::int64_t from_ms,
                            std::int64_t to_ms) const;
  /// What `observer` last said of `node` at or before `at_ms` (nothing if it never did or
  /// forgot it).
  std::optional<actors::node_status> view_at(const pair_key& key, std::int64_t at_ms) const;

  void check_crashes(std::int64_t end_ms, std::vector<std::string>& out) const;
  void check_suspicions(std::vector<std::string>& out) const;
  void check_recoveries(std::int64_t end_ms, std::vector<std::string>& out) const;
  void check_final_views(std::int64_t end_ms, std::vector<std::string>& out) const;

  cluster_timing timing_;
  std::map<std::string, truth> nodes_;
  std::map<pair_key, std::vector<sighting>> sightings_;
  std::size_t reports_ = 0;
};

} // namespace boa::sim
