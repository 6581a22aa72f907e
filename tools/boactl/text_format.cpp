#include "tools/boactl/text_format.hpp"

#include <boost/json/serialize.hpp>

#include <fmt/core.h>

#include <ctime>
#include <utility>

namespace boa::boactl {

std::string format_duration(std::int64_t ms) {
  if (ms < 0)
    ms = 0;
  if (ms < 1000)
    return fmt::format("{} ms", ms);
  if (ms < 10'000)
    return fmt::format("{:.2f} s", static_cast<double>(ms) / 1000.0);
  if (ms < 60'000)
    return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
  auto s = ms / 1000;
  if (s < 3600)
    return fmt::format("{}m {:02}s", s / 60, s % 60);
  return fmt::format("{}h {:02}m", s / 3600, (s % 3600) / 60);
}

std::string format_time(std::int64_t epoch_ms) {
  if (epoch_ms <= 0)
    return "-";
  std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm local{};
  ::localtime_r(&t, &local);
  char buf[32];
  auto n = std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  return std::string(buf, n);
}

std::string excerpt(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ')
      continue;
    out += c;
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  if (out.empty())
    return "-";
  if (max >= 3 && out.size() > max)
    out = out.substr(0, max - 3) + "...";
  return out;
}

namespace {

/// A line of pretty JSON holds at most this many characters before containers break up.
constexpr std::size_t pretty_width = 80;

void write_scalar(std::string& out, const boost::json::value& v) {
  if (v.is_double()) // `125.0` rather than the serializer's `1.25E2`: people read this
    out += fmt::format("{}", v.as_double());
  else
    out += boost::json::serialize(v);
}

/// `[1, 2]`, `{"a": 1}`: the form of a container short enough for one line.
void write_inline(std::string& out, const boost::json::value& v) {
  if (const auto* o = v.if_object()) {
    out += '{';
    bool first = true;
    for (const auto& member : *o) {
      if (!std::exchange(first, false))
        out += ", ";
      out += boost::json::serialize(boost::json::value(member.key()));
      out += ": ";
      write_inline(out, member.value());
    }
    out += '}';
  } else if (const auto* a = v.if_array()) {
    out += '[';
    bool first = true;
    for (const auto& element : *a) {
      if (!std::exchange(first, false))
        out += ", ";
      write_inline(out, element);
    }
    out += ']';
  } else {
    write_scalar(out, v);
  }
}

/// `used`: characters already on the current line (indentation and member name).
void write_pretty(std::string& out, const boost::json::value& v, int depth, std::size_t used) {
  const auto* o = v.if_object();
  const auto* a = v.if_array();
  if ((o && o->empty()) || (a && a->empty()) || (!o && !a)) {
    write_inline(out, v);
    return;
  }
  if (depth > 0) { // the top level always opens up: it is what the reader came for
    std::string line;
    write_inline(line, v);
    if (used + line.size() <= pretty_width) {
      out += line;
      return;
    }
  }
  const auto inner = static_cast<std::size_t>(depth + 1) * 2;
  out += o ? "{\n" : "[\n";
  bool first = true;
  auto next = [&] {
    if (!std::exchange(first, false))
      out += ",\n";
    out.append(inner, ' ');
  };
  if (o) {
    for (const auto& member : *o) {
      next();
      auto key = boost::json::serialize(boost::json::value(member.key())) + ": ";
      out += key;
      write_pretty(out, member.value(), depth + 1, inner + key.size());
    }
  } else {
    for (const auto& element : *a) {
      next();
      write_pretty(out, element, depth + 1, inner);
    }
  }
  out += '\n';
  out.append(inner - 2, ' ');
  out += o ? '}' : ']';
}

} // namespace

std::string pretty_json(const boost::json::value& v) {
  std::string out;
  write_pretty(out, v, 0, 0);
  return out;
}

} // namespace boa::boactl
