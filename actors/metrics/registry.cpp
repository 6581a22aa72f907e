#include "actors/metrics/registry.hpp"

namespace boa::metrics {

namespace detail {

void write_series(std::string& out, const std::string& name, const std::string&,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, const histogram& h) {
  auto s = h.take();
  const auto bucket = name + "_bucket";
  for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
    auto le = i < s.bounds.size() ? text_format::format_value(s.bounds[i]) : std::string("+Inf");
    text_format::write_sample(out, bucket,
                              text_format::label_set(label_names, label_values, "le", le),
                              static_cast<double>(s.cumulative[i]));
  }
  auto labels = text_format::label_set(label_names, label_values);
  text_format::write_sample(out, name + "_sum", labels, s.sum);
  text_format::write_sample(out, name + "_count", labels, static_cast<double>(s.count()));
}

} // namespace detail

template <class Family> Family& registry::add(std::unique_ptr<Family> f) {
  std::lock_guard lock{mutex_};
  for ([[maybe_unused]] const auto& existing : families_)
    assert(existing->name() != f->name());
  auto& added = *f;
  families_.push_back(std::move(f));
  return added;
}

family<counter>& registry::add_counter(std::string name, std::string help,
                                       std::vector<std::string> label_names,
                                       std::size_t max_series) {
  return add(std::make_unique<family<counter>>(
      std::move(name), std::move(help), std::move(label_names),
      [] { return std::make_unique<counter>(); }, max_series));
}

family<gauge>& registry::add_gauge(std::string name, std::string help,
                                   std::vector<std::string> label_names, std::size_t max_series) {
  return add(std::make_unique<family<gauge>>(
      std::move(name), std::move(help), std::move(label_names),
      [] { return std::make_unique<gauge>(); }, max_series));
}

family<histogram>& registry::add_histogram(std::string name, std::string help,
                                           std::vector<std::string> label_names,
                                           std::vector<double> bounds, std::size_t max_series) {
  assert(histogram::valid_bounds(bounds));
  return add(std::make_unique<family<histogram>>(
      std::move(name), std::move(help), std::move(label_names),
      [bounds = std::move(bounds)] { return std::make_unique<histogram>(bounds); }, max_series));
}

std::string registry::expose() const {
  std::string out;
  std::lock_guard lock{mutex_};
  for (const auto& f : families_)
    f->write(out);
  return out;
}

} // namespace boa::metrics
