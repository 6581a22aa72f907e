#include "sim/virtual_clock.hpp"

#include <chrono>

namespace boa::sim {

std::int64_t virtual_clock::elapsed_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             scheduler_.clock().current_time.time_since_epoch())
      .count();
}

} // namespace boa::sim
