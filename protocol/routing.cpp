#include "protocol/routing.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace boa::protocol {

namespace {

constexpr std::array<std::string_view, 5> result_keys = {"exit", "code", "return", "return-code",
                                                         "exit-code"};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string scalar_result(const boost::json::value& v) {
  switch (v.kind()) {
  case boost::json::kind::string:
    return lower(v.get_string());
  case boost::json::kind::int64:
    return std::to_string(v.get_int64());
  case boost::json::kind::uint64:
    return std::to_string(v.get_uint64());
  case boost::json::kind::double_: {
    // Shortest round-trip form ("1.5", "2"), not the serializer's exponent form ("1.5E0").
    char text[32];
    auto printed = std::to_chars(text, text + sizeof text, v.get_double());
    return std::string(text, printed.ptr);
  }
  case boost::json::kind::bool_:
    return v.get_bool() ? "true" : "false";
  default:
    return {};
  }
}

} // namespace

std::string extract_result(const boost::json::value& returned) {
  if (const auto* obj = returned.if_object()) {
    for (auto key : result_keys) {
      auto i = obj->find(key);
      if (i != obj->end() && !i->value().is_null())
        return scalar_result(i->value());
    }
    return {};
  }
  return scalar_result(returned);
}

properties returned_properties(const boost::json::value& returned) {
  const auto* obj = returned.if_object();
  if (!obj)
    return {};
  if (auto i = obj->find("properties"); i != obj->end() && i->value().is_object())
    return i->value().get_object();
  properties out;
  for (const auto& member : *obj)
    if (std::find(result_keys.begin(), result_keys.end(), member.key()) == result_keys.end())
      out.emplace(member.key(), member.value());
  return out;
}

std::vector<std::string> route(const step& s, std::string_view result, bool all) {
  std::vector<std::string> targets;
  const auto wanted = lower(result); // matches are stored lower-cased
  const bool failed = wanted == error_result;
  for (const auto& r : s.next) {
    const bool hit = failed ? r.match == error_result : (r.match == "*" || r.match == wanted);
    if (!hit)
      continue;
    targets.push_back(r.target);
    if (!all)
      break;
  }
  return targets;
}

void merge_into(properties& target, const properties& source) {
  for (const auto& member : source)
    target.insert_or_assign(member.key(), member.value());
}

} // namespace boa::protocol
