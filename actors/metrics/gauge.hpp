#pragma once

#include <atomic>

namespace boa::metrics {

/// A value that goes up and down (Prometheus `gauge`). Thread-safe; set and add are single
/// atomic operations.
class gauge {
public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double d) noexcept { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0};
};

} // namespace boa::metrics
