#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace boa::metrics {

/// Observations counted in fixed buckets (Prometheus `histogram`): bucket i counts values
/// `<= bounds[i]`, and a last, implicit bucket `+Inf` counts every value. Thread-safe: an
/// observation is a bucket search over the (few) bounds and two atomic adds, no lock.
class histogram {
public:
  /// `bounds`: finite upper bounds, strictly increasing (checked by `valid_bounds`).
  explicit histogram(std::vector<double> bounds);

  void observe(double value) noexcept;

  struct snapshot {
    std::vector<double> bounds;
    /// Cumulative counts, one per bound and a last one for `+Inf`, which is also the count.
    std::vector<std::uint64_t> cumulative;
    double sum = 0;
    std::uint64_t count() const { return cumulative.empty() ? 0 : cumulative.back(); }
  };
  /// The counts as they are now. The count is the sum of the buckets, so `+Inf` and `_count`
  /// always agree even while other threads observe; the sum may be a few observations apart.
  snapshot take() const;

  const std::vector<double>& bounds() const { return bounds_; }

  /// Whether `bounds` are finite and strictly increasing.
  static bool valid_bounds(const std::vector<double>& bounds);

private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_; ///< per bucket, not cumulative
  std::atomic<double> sum_{0};
};

/// Bounds for durations in seconds, from 100 µs to 60 s: a no-op step to a long `exec`.
std::vector<double> duration_buckets();

} // namespace boa::metrics
