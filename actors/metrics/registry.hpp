#pragma once

#include "actors/metrics/family.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

/// A small Prometheus client: counters, gauges and histograms in labelled families, written in
/// the text exposition format 0.0.4. Written here because Debian 12 packages no Prometheus
/// client library for C++.
namespace boa::metrics {

/// The families of one process, in the order they were added. Adding is for start-up; updating
/// series and `expose` are thread-safe at any time.
class registry {
public:
  static constexpr std::size_t default_max_series = 1000;

  family<counter>& add_counter(std::string name, std::string help,
                               std::vector<std::string> label_names = {},
                               std::size_t max_series = default_max_series);
  family<gauge>& add_gauge(std::string name, std::string help,
                           std::vector<std::string> label_names = {},
                           std::size_t max_series = default_max_series);
  /// `bounds`: finite and strictly increasing (`+Inf` is always added).
  family<histogram>& add_histogram(std::string name, std::string help,
                                   std::vector<std::string> label_names, std::vector<double> bounds,
                                   std::size_t max_series = default_max_series);

  /// Every family in the text format: `# HELP` and `# TYPE` once per family, then its series.
  std::string expose() const;

private:
  template <class Family> Family& add(std::unique_ptr<Family> f);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<family_base>> families_;
};

} // namespace boa::metrics
