#pragma once

#include <atomic>
#include <cstdint>

namespace boa::metrics {

/// A count that only goes up (Prometheus `counter`). One relaxed atomic add per increment: safe
/// from any thread and cheap enough for every step.
class counter {
public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> value_{0};
};

} // namespace boa::metrics
