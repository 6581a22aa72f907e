#pragma once

#include "actors/node_context.hpp"
#include "sim/virtual_clock.hpp"

#include <cstdint>
#include <string>

namespace boa::sim {

/// How far one node's wall clock is from the true (virtual) time: a fixed offset, and a drift
/// that makes it run fast (positive) or slow by some parts per million.
struct clock_skew {
  std::int64_t offset_ms = 0;
  std::int64_t drift_ppm = 0;

  friend bool operator==(const clock_skew&, const clock_skew&) = default;
};

/// The skew of `node`'s clock in run `seed`: in most runs every clock is within 50 ms and
/// 100 ppm of the truth; in one run of five some are seconds off and drift by up to 0.2 %, as
/// on hosts whose time is not synchronised.
clock_skew skew_from_seed(std::uint64_t seed, const std::string& node);

/// `+12ms-30ppm`: for a run's options line.
std::string to_string(const clock_skew& skew);

/// A node's wall clock in the simulator: the virtual clock as that node's host would read it,
/// off by the skew's offset and drifting from the start of the run.
class skewed_clock final : public actors::wall_clock {
public:
  skewed_clock(const virtual_clock& truth, clock_skew skew) : truth_(truth), skew_(skew) {}

  std::int64_t now_ms() const override;

private:
  const virtual_clock& truth_;
  clock_skew skew_;
};

} // namespace boa::sim
