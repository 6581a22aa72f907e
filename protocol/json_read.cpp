#include "protocol/json_read.hpp"

#include <algorithm>

#include <charconv>
#include <cmath>

namespace boa::protocol {

std::string to_string(const problem& p) {
  std::string out;
  out.reserve(p.path.size() + p.message.size() + 11);
  if (p.warning)
    out += "warning: ";
  if (!p.path.empty()) {
    out += p.path;
    out += ": ";
  }
  out += p.message;
  return out;
}

std::optional<error> first_error(const std::vector<problem>& problems, std::string_view subject) {
  auto is_error = [](const problem& p) { return !p.warning; };
  auto first = std::find_if(problems.begin(), problems.end(), is_error);
  if (first == problems.end())
    return std::nullopt;
  std::string message =
      subject.empty() ? to_string(*first) : std::string(subject) + ": " + to_string(*first);
  auto count = std::count_if(problems.begin(), problems.end(), is_error);
  if (count > 1)
    message += " (and " + std::to_string(count - 1) + " more)";
  return error{errc::invalid_input, std::move(message)};
}

std::optional<error> every_error(const std::vector<problem>& problems, std::string_view subject,
                                 std::string_view prefix) {
  std::string message;
  for (const auto& p : problems) {
    if (p.warning)
      continue;
    if (!message.empty())
      message += '\n';
    if (!subject.empty()) {
      message += subject;
      message += ": ";
    }
    message += to_string(problem{join_path(prefix, p.path), p.message});
  }
  if (message.empty())
    return std::nullopt;
  return error{errc::invalid_input, std::move(message)};
}

std::string join_path(std::string_view prefix, std::string_view path) {
  std::string out(prefix);
  if (!path.empty() && !out.empty() && path.front() != '[')
    out += '.';
  out += path;
  return out;
}

std::string json_path::str() const {
  std::string out;
  append_to(out);
  return out;
}

void json_path::append_to(std::string& out) const {
  if (parent_ == nullptr)
    return;
  parent_->append_to(out);
  if (index_ != npos) {
    out += '[';
    out += std::to_string(index_);
    out += ']';
    return;
  }
  if (!out.empty())
    out += '.';
  out += key_;
}

const char* json_kind_name(const boost::json::value& v) {
  switch (v.kind()) {
  case boost::json::kind::object:
    return "object";
  case boost::json::kind::array:
    return "array";
  case boost::json::kind::string:
    return "string";
  case boost::json::kind::int64:
  case boost::json::kind::uint64:
  case boost::json::kind::double_:
    return "number";
  case boost::json::kind::bool_:
    return "boolean";
  case boost::json::kind::null:
    return "null";
  }
  return "?";
}

void json_reader::add(const json_path& at, std::string message, bool warning) {
  out_.push_back({at.str(), std::move(message), warning});
  if (!warning)
    ++errors_;
}

void json_reader::error(const json_path& at, std::string message) {
  add(at, std::move(message), false);
}

void json_reader::warning(const json_path& at, std::string message) {
  add(at, std::move(message), true);
}

namespace {

std::string mismatch(const char* expected, const boost::json::value& got) {
  std::string out = "expected ";
  out += expected;
  out += ", got ";
  out += json_kind_name(got);
  return out;
}

// Shortest text that reads back as the same double: "1.5", "1", "1e+30".
std::string format_number(double d) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

/// What an integer outside [min, max] violates; the bound it crossed decides how it is put.
std::string integer_range(std::int64_t n, std::int64_t min, std::int64_t max) {
  constexpr std::int64_t huge = std::numeric_limits<std::int32_t>::max();
  if (n < min && max >= huge) {
    if (min == 1)
      return "must be a positive integer";
    if (min == 0)
      return "must be a non-negative integer";
    return "must be an integer >= " + std::to_string(min);
  }
  if (min == json_reader::no_limit_min)
    return max == json_reader::no_limit_max ? "does not fit in a 64-bit integer"
                                            : "must be an integer <= " + std::to_string(max);
  return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

} // namespace

const boost::json::object* json_reader::object(const boost::json::value& v, const json_path& at) {
  if (const auto* o = v.if_object())
    return o;
  error(at, mismatch("object", v));
  return nullptr;
}

const boost::json::array* json_reader::array(const boost::json::value& v, const json_path& at) {
  if (const auto* a = v.if_array())
    return a;
  error(at, mismatch("array", v));
  return nullptr;
}

std::optional<std::string_view> json_reader::string(const boost::json::value& v,
                                                    const json_path& at) {
  if (const auto* s = v.if_string())
    return std::string_view(s->data(), s->size());
  error(at, mismatch("string", v));
  return std::nullopt;
}

std::optional<std::string_view> json_reader::non_empty_string(const boost::json::value& v,
                                                              const json_path& at) {
  auto s = string(v, at);
  if (s && s->empty()) {
    error(at, "must not be empty");
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> json_reader::integer(const boost::json::value& v, const json_path& at,
                                                 std::int64_t min, std::int64_t max) {
  std::int64_t n = 0;
  if (const auto* i = v.if_int64()) {
    n = *i;
  } else if (const auto* u = v.if_uint64()) {
    if (*u > static_cast<std::uint64_t>(max)) {
      error(at, integer_range(max, min, max)); // above max
      return std::nullopt;
    }
    n = static_cast<std::int64_t>(*u);
  } else if (const auto* d = v.if_double()) {
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    if (std::trunc(*d) != *d || !(*d >= -9223372036854775808.0 && *d < 9223372036854775808.0)) {
      error(at, "expected integer, got number " + format_number(*d));
      return std::nullopt;
    }
    n = static_cast<std::int64_t>(*d);
  } else {
    error(at, mismatch("integer", v));
    return std::nullopt;
  }
  if (n < min || n > max) {
    error(at, integer_range(n, min, max));
    return std::nullopt;
  }
  return n;
}

std::optional<double> json_reader::number(const boost::json::value& v, const json_path& at,
                                          double min) {
  double d = 0;
  if (const auto* i = v.if_int64())
    d = static_cast<double>(*i);
  else if (const auto* u = v.if_uint64())
    d = static_cast<double>(*u);
  else if (const auto* x = v.if_double())
    d = *x;
  else {
    error(at, mismatch("number", v));
    return std::nullopt;
  }
  if (d < min) {
    error(at, "must be a number >= " + format_number(min));
    return std::nullopt;
  }
  return d;
}

std::optional<bool> json_reader::boolean(const boost::json::value& v, const json_path& at) {
  if (const auto* b = v.if_bool())
    return *b;
  error(at, mismatch("boolean", v));
  return std::nullopt;
}

const boost::json::value* json_reader::member(const boost::json::object& obj, const json_path& at,
                                              std::string_view key, bool required) {
  const auto* v = obj.if_contains(key);
  if (v == nullptr && required)
    error(at / key, "is required");
  return v;
}

void json_reader::reject_unknown_keys(const boost::json::object& obj, const json_path& at,
                                      std::initializer_list<std::string_view> known) {
  for (const auto& kv : obj) {
    std::string_view key = kv.key();
    bool found = false;
    for (auto k : known)
      found = found || k == key;
    if (!found)
      unknown_key(key, at, known);
  }
}

void json_reader::unknown_key(std::string_view key, const json_path& at,
                              std::initializer_list<std::string_view> known) {
  std::string message = "unknown key '";
  message += key;
  message += "' (known: ";
  bool first = true;
  for (auto k : known) {
    if (!first)
      message += ", ";
    message += k;
    first = false;
  }
  message += ')';
  error(at, std::move(message));
}

void check_message_header(json_reader& r, const boost::json::object& message, const json_path& at,
                          std::string_view type) {
  const json_path v_at = at / "v";
  if (const auto* v = r.member(message, at, "v", true))
    if (auto n = r.integer(*v, v_at); n && *n != 1)
      r.error(v_at, "unsupported version " + std::to_string(*n) + " (this build reads 1)");
  const json_path type_at = at / "type";
  if (const auto* t = r.member(message, at, "type", true))
    if (auto text = r.string(*t, type_at); text && *text != type)
      r.error(type_at, "expected '" + std::string(type) + "', got '" + std::string(*text) + "'");
}

} // namespace boa::protocol
