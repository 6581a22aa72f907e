#include "sim/skewed_clock.hpp"

#include "sim/seed.hpp"

#include <fmt/core.h>

namespace boa::sim {

namespace {

/// A value in [-bound, bound] drawn from `draw`.
std::int64_t symmetric(std::uint64_t draw, std::int64_t bound) {
  return static_cast<std::int64_t>(draw % static_cast<std::uint64_t>(2 * bound + 1)) - bound;
}

} // namespace

clock_skew skew_from_seed(std::uint64_t seed, const std::string& node) {
  // One choice per run, so that a run with large skews has them on several nodes at once.
  const bool large = derive(seed, "clock-skew-large") % 5 == 0;
  const std::int64_t offset_bound = large ? 5000 : 50;
  const std::int64_t drift_bound = large ? 2000 : 100;
  return {symmetric(derive(seed, "clock-offset/" + node), offset_bound),
          symmetric(derive(seed, "clock-drift/" + node), drift_bound)};
}

std::string to_string(const clock_skew& skew) {
  return fmt::format("{:+}ms{:+}ppm", skew.offset_ms, skew.drift_ppm);
}

std::int64_t skewed_clock::now_ms() const {
  // Drift accumulates from the start of the run; with |drift| below a million ppm the clock
  // never runs backwards.
  const auto elapsed = truth_.elapsed_ms();
  return virtual_clock::epoch_ms + skew_.offset_ms + elapsed +
         elapsed * skew_.drift_ppm / 1'000'000;
}

} // namespace boa::sim
