#pragma once

// A strict reader of the Prometheus text exposition format 0.0.4, written apart from the node's
// writer so that tests check the writer against the format rather than against itself.

#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace boa::test::prometheus {

struct sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct family {
  std::string type; ///< empty when no `# TYPE` line came
  std::string help;
  bool has_help = false;
};

/// What a scrape said: families by name and every sample in order.
struct exposition {
  std::map<std::string, family> families;
  std::vector<sample> samples;

  /// The value of the one sample `name` with exactly `labels`; nullopt if there is none.
  std::optional<double> value(const std::string& name,
                              const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels)
        return s.value;
    return std::nullopt;
  }
  /// The value of `name` with `labels`, 0 when the series is not there (yet).
  double value_or_zero(const std::string& name,
                       const std::map<std::string, std::string>& labels = {}) const {
    return value(name, labels).value_or(0);
  }
};

/// Why a text is not valid exposition format, with the line.
class parse_error : public std::runtime_error {
public:
  parse_error(std::size_t line, const std::string& what)
      : std::runtime_error("line " + std::to_string(line) + ": " + what) {}
};

namespace detail {

inline bool metric_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
inline bool metric_char(char c) {
  return metric_start(c) || (c >= '0' && c <= '9');
}
inline bool label_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool label_char(char c) {
  return label_start(c) || (c >= '0' && c <= '9');
}

inline bool valid_metric_name(std::string_view n) {
  if (n.empty() || !metric_start(n[0]))
    return false;
  for (char c : n)
    if (!metric_char(c))
      return false;
  return true;
}

/// A sample value: a decimal or exponent float, or `+Inf`, `-Inf`, `NaN`.
inline std::optional<double> parse_value(const std::string& text) {
  if (text == "+Inf" || text == "Inf")
    return HUGE_VAL;
  if (text == "-Inf")
    return -HUGE_VAL;
  if (text == "NaN")
    return std::nan("");
  if (text.empty())
    return std::nullopt;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
      return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size())
    return std::nullopt;
  return v;
}

/// The family a sample belongs to: histograms' `_bucket`, `_sum` and `_count` series are theirs.
inline std::string family_of(const std::string& name, const std::map<std::string, family>& known) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"})
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      auto base = name.substr(0, name.size() - suffix.size());
      auto f = known.find(base);
      if (f != known.end() && (f->second.type == "histogram" || f->second.type == "summary"))
        return base;
    }
  return name;
}

inline sample parse_sample(std::string_view line, std::size_t n) {
  sample s;
  std::size_t i = 0;
  while (i < line.size() && metric_char(line[i]))
    ++i;
  s.name = std::string(line.substr(0, i));
  if (!valid_metric_name(s.name))
    throw parse_error(n, "invalid metric name in '" + std::string(line) + "'");
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (true) {
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      std::size_t start = i;
      if (i >= line.size() || !label_start(line[i]))
        throw parse_error(n, "invalid label name");
      while (i < line.size() && label_char(line[i]))
        ++i;
      std::string label(line.substr(start, i - start));
      if (i + 1 >= line.size() || line[i] != '=' || line[i + 1] != '"')
        throw parse_error(n, "label '" + label + "' needs =\"value\"");
      i += 2;
      std::string value;
      while (true) {
        if (i >= line.size())
          throw parse_error(n, "unterminated value of label '" + label + "'");
        char c = line[i++];
        if (c == '"')
          break;
        if (c == '\\') {
          if (i >= line.size())
            throw parse_error(n, "dangling escape");
          char e = line[i++];
          if (e == 'n')
            value += '\n';
          else if (e == '\\' || e == '"')
            value += e;
          else
            throw parse_error(n, std::string("invalid escape \\") + e);
        } else {
          value += c;
        }
      }
      if (!s.labels.emplace(label, value).second)
        throw parse_error(n, "label '" + label + "' twice");
      if (i < line.size() && line[i] == ',')
        ++i;
      else if (i >= line.size() || line[i] != '}')
        throw parse_error(n, "expected ',' or '}' after label '" + label + "'");
    }
  }
  if (i >= line.size() || line[i] != ' ')
    throw parse_error(n, "expected a space before the value in '" + std::string(line) + "'");
  while (i < line.size() && line[i] == ' ')
    ++i;
  auto rest = line.substr(i);
  auto space = rest.find(' ');
  auto value_text = std::string(rest.substr(0, space));
  auto value = parse_value(value_text);
  if (!value)
    throw parse_error(n, "invalid value '" + value_text + "'");
  s.value = *value;
  if (space != std::string_view::npos) {
    auto stamp = std::string(rest.substr(space + 1));
    char* end = nullptr;
    std::strtoll(stamp.c_str(), &end, 10);
    if (stamp.empty() || end != stamp.c_str() + stamp.size())
      throw parse_error(n, "invalid timestamp '" + stamp + "'");
  }
  return s;
}

/// Histograms: per series, buckets non-decreasing in `le` order, a `+Inf` bucket equal to
/// `_count`, and a `_sum`.
inline void check_histograms(const exposition& e) {
  for (const auto& [name, f] : e.families) {
    if (f.type != "histogram")
      continue;
    struct series {
      std::map<double, double> buckets;
      std::optional<double> count, sum;
    };
    std::map<std::map<std::string, std::string>, series> by_labels;
    for (const auto& s : e.samples) {
      auto labels = s.labels;
      if (s.name == name + "_bucket") {
        auto le = labels.find("le");
        if (le == labels.end())
          throw parse_error(0, name + "_bucket without le");
        auto bound = parse_value(le->second);
        if (!bound)
          throw parse_error(0, name + "_bucket with invalid le '" + le->second + "'");
        labels.erase(le);
        if (!by_labels[labels].buckets.emplace(*bound, s.value).second)
          throw parse_error(0, name + "_bucket le=" + le->second + " twice");
      } else if (s.name == name + "_count") {
        by_labels[labels].count = s.value;
      } else if (s.name == name + "_sum") {
        by_labels[labels].sum = s.value;
      }
    }
    for (const auto& [labels, s] : by_labels) {
      double last = 0;
      for (const auto& [bound, count] : s.buckets) {
        if (count < last)
          throw parse_error(0, name + ": bucket counts decrease");
        last = count;
      }
      if (s.buckets.empty() || !std::isinf(s.buckets.rbegin()->first))
        throw parse_error(0, name + ": no +Inf bucket");
      if (!s.count || *s.count != s.buckets.rbegin()->second)
        throw parse_error(0, name + ": _count differs from the +Inf bucket");
      if (!s.sum)
        throw parse_error(0, name + ": no _sum");
    }
  }
}

} // namespace detail

/// Reads `text`; throws parse_error on the first thing the format does not allow: a line that is
/// not a comment, blank or `name{labels} value [timestamp]`; an invalid name, label or value; a
/// second `# HELP` or `# TYPE` for a family, or a `# TYPE` after its samples; a family's samples
/// apart from each other; a histogram whose buckets decrease or miss `+Inf`, `_count` or `_sum`.
inline exposition parse(std::string_view text) {
  exposition e;
  std::set<std::string> seen; // families with samples
  std::string current;        // the family of the samples just read
  std::size_t n = 0;
  while (!text.empty()) {
    ++n;
    auto end = text.find('\n');
    if (end == std::string_view::npos)
      throw parse_error(n, "the last line does not end with a newline");
    auto line = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (line.empty())
      continue;
    if (line[0] == '#') {
      for (std::string_view kind : {"HELP", "TYPE"}) {
        auto prefix = std::string("# ") + std::string(kind) + " ";
        if (!line.starts_with(prefix))
          continue;
        auto rest = line.substr(prefix.size());
        auto space = rest.find(' ');
        auto name = std::string(rest.substr(0, space));
        if (!detail::valid_metric_name(name))
          throw parse_error(n, "invalid metric name '" + name + "' in # " + std::string(kind));
        auto& f = e.families[name];
        auto arg =
            space == std::string_view::npos ? std::string() : std::string(rest.substr(space + 1));
        if (kind == "HELP") {
          if (f.has_help)
            throw parse_error(n, "second # HELP for " + name);
          f.has_help = true;
          f.help = arg;
        } else {
          if (!f.type.empty())
            throw parse_error(n, "second # TYPE for " + name);
          if (seen.count(name))
            throw parse_error(n, "# TYPE for " + name + " after its samples");
          static const std::set<std::string> types{"counter", "gauge", "histogram", "summary",
                                                   "untyped"};
          if (!types.count(arg))
            throw parse_error(n, "unknown type '" + arg + "'");
          f.type = arg;
        }
      }
      continue;
    }
    auto s = detail::parse_sample(line, n);
    auto fam = detail::family_of(s.name, e.families);
    if (fam != current) {
      if (seen.count(fam))
        throw parse_error(n, "samples of " + fam + " are not together");
      seen.insert(fam);
      current = fam;
    }
    e.samples.push_back(std::move(s));
  }
  detail::check_histograms(e);
  return e;
}

} // namespace boa::test::prometheus
