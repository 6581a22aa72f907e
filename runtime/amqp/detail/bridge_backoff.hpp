#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace boa::amqp::detail {

/// Delays between attempts that fail in a row: the n-th delay (from 0) is a random time between
/// half and all of `min(floor * 2^n, ceiling)`, so that many clients that lost the same broker do
/// not come back in step. `reset` once an attempt succeeded.
class bridge_backoff {
public:
  using duration = std::chrono::milliseconds;

  bridge_backoff(duration floor, duration ceiling)
      : floor_(std::max(floor, duration(1))), ceiling_(std::max(ceiling, floor_)) {}

  /// The delay before the next attempt; each call counts one more failed attempt.
  template <class Random> duration next(Random& random) {
    auto base = floor_;
    for (unsigned i = 0; i < failures_ && base < ceiling_; ++i)
      base *= 2;
    base = std::min(base, ceiling_);
    ++failures_;
    std::uniform_int_distribution<std::int64_t> pick(base.count() - base.count() / 2, base.count());
    return duration(pick(random));
  }

  void reset() { failures_ = 0; }
  unsigned failures() const { return failures_; }

private:
  duration floor_;
  duration ceiling_;
  unsigned failures_ = 0;
};

} // namespace boa::amqp::detail
