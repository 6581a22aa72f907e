#pragma once

#include "actors/metrics/counter.hpp"
#include "actors/metrics/gauge.hpp"
#include "actors/metrics/histogram.hpp"
#include "actors/metrics/text_format.hpp"

#include <cassert>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace boa::metrics {

/// The label value every label of a family takes for the series past its `max_series`: label
/// values that come from users must not grow the exposition without bound.
inline constexpr const char* overflow_label = "_other";

/// One metric family as the registry writes it: a name, help, type and label names.
class family_base {
public:
  family_base(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {
    assert(text_format::valid_metric_name(name_));
    for ([[maybe_unused]] const auto& l : label_names_)
      assert(text_format::valid_label_name(l) && l != "le");
  }
  virtual ~family_base() = default;
  family_base(const family_base&) = delete;
  family_base& operator=(const family_base&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  virtual const char* type() const = 0;
  /// Appends `# HELP`, `# TYPE` and every series, sorted by label values.
  virtual void write(std::string& out) const = 0;

private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
};

namespace detail {
inline const char* type_of(const counter*) {
  return "counter";
}
inline const char* type_of(const gauge*) {
  return "gauge";
}
inline const char* type_of(const histogram*) {
  return "histogram";
}

inline void write_series(std::string& out, const std::string& name, const std::string& labels,
                         const std::vector<std::string>&, const std::vector<std::string>&,
                         const counter& c) {
  text_format::write_sample(out, name, labels, static_cast<double>(c.value()));
}
inline void write_series(std::string& out, const std::string& name, const std::string& labels,
                         const std::vector<std::string>&, const std::vector<std::string>&,
                         const gauge& g) {
  text_format::write_sample(out, name, labels, g.value());
}
void write_series(std::string& out, const std::string& name, const std::string& labels,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, const histogram& h);
} // namespace detail

/// The series of one family, one per combination of label values, made on first use and kept
/// for the life of the family (references to them stay valid). Finding a series takes the
/// family's mutex: keep the reference on hot paths instead of looking it up every time.
template <class Metric> class family final : public family_base {
public:
  /// `make` builds a new series (a histogram needs its bounds). At most `max_series` series;
  /// further label combinations share the one whose every label is `overflow_label`.
  family(std::string name, std::string help, std::vector<std::string> label_names,
         std::function<std::unique_ptr<Metric>()> make, std::size_t max_series)
      : family_base(std::move(name), std::move(help), std::move(label_names)),
        make_(std::move(make)), max_series_(max_series) {}

  /// The series of `values` (one per label name, in order).
  Metric& with(const std::vector<std::string>& values) {
    assert(values.size() == label_names().size());
    std::lock_guard lock{mutex_};
    if (auto i = series_.find(values); i != series_.end())
      return *i->second;
    if (series_.size() >= max_series_) {
      std::vector<std::string> overflow(values.size(), overflow_label);
      auto& s = series_[overflow];
      if (!s)
        s = make_();
      return *s;
    }
    auto& s = series_[values];
    s = make_();
    return *s;
  }
  Metric& with(std::initializer_list<std::string_view> values) {
    return with(std::vector<std::string>(values.begin(), values.end()));
  }
  /// The one series of a family without labels.
  Metric& get() { return with(std::vector<std::string>{}); }

  const char* type() const override { return detail::type_of(static_cast<const Metric*>(nullptr)); }

  void write(std::string& out) const override {
    text_format::write_header(out, name(), help(), type());
    std::lock_guard lock{mutex_};
    for (const auto& [values, metric] : series_)
      detail::write_series(out, name(), text_format::label_set(label_names(), values),
                           label_names(), values, *metric);
  }

private:
  std::function<std::unique_ptr<Metric>()> make_;
  const std::size_t max_series_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;
};

} // namespace boa::metrics
