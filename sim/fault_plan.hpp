#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::sim {

/// What can go wrong in a run. Each fault begins at a virtual time and, but for a crash that is
/// never followed by a restart, heals after a while.
enum class fault_kind {
  crash,          ///< the node's process dies: its session closes, its actors go; restarted after
                  ///< `lasts_ms` with fresh actors and the same claims, or never when 0
  hang,           ///< the node's process stops while its connection stays open; resumes after
  partition,      ///< the node and the broker cannot reach each other (`direction`) for a while
  duplicates,     ///< accepts from the node get lost now and then: the broker delivers again
  delays,         ///< deliveries to the node take up to `magnitude` ms, overtaking one another
  broker_restart, ///< the broker restarts: sessions close, transient messages are lost
};

enum class partition_direction { both, inbound, outbound };

struct fault {
  fault_kind kind = fault_kind::crash;
  std::size_t node = 0; ///< index of the node (unused for a broker restart)
  std::int64_t at_ms = 0;
  /// Once `at_ms` has come, the scheduler runs this many more messages before the fault begins:
  /// actors handle messages in no virtual time, so without it every fault would fall between two
  /// instants, never inside a chain of messages (say, between a publish and its settlement).
  std::uint32_t after_messages = 0;
  std::int64_t lasts_ms = 0; ///< until it heals; 0 for a crash: the node stays down
  partition_direction direction = partition_direction::both;
  /// duplicates: percent of accepts lost; delays: the longest delay in ms.
  std::int64_t magnitude = 0;
};

/// Named sets of faults a run draws from.
enum class fault_profile {
  none,
  crash,   ///< nodes die; some come back
  network, ///< hangs, partitions, duplicate deliveries, delays
  broker,  ///< broker restarts
  chaos,   ///< all of the above
};

const char* to_string(fault_kind kind);
const char* to_string(fault_profile profile);
/// "none", "crash", ...; also "mixed" (nullopt): each seed picks one.
std::optional<fault_profile> parse_fault_profile(std::string_view text, bool& ok);
/// The profile of a "mixed" run: drawn from the seed.
fault_profile profile_from_seed(std::uint64_t seed, std::size_t nodes);

/// "crash node-2 at 1200 ms, back after 3000 ms", one fault in one line.
std::string describe(const fault& f);

/// The faults of one run, in order of their start. Every fault begins before `horizon_ms` and
/// heals by `heals_by_ms()`; at least one node is never crashed without coming back, so the
/// cluster can always finish its work once everything healed.
struct fault_plan {
  fault_profile profile = fault_profile::none;
  std::vector<fault> faults;
  /// When the last fault has healed (0 when there is none).
  std::int64_t heals_by_ms() const;
};

/// The plan of `seed` under `profile` for `nodes` nodes, faults starting in [0, horizon_ms).
fault_plan plan_faults(std::uint64_t seed, fault_profile profile, std::size_t nodes,
                       std::int64_t horizon_ms);

} // namespace boa::sim
