#include "protocol/secret_properties.hpp"

#include <algorithm>
#include <vector>

namespace boa::protocol {

namespace json = boost::json;

namespace {

void redact_in_place(json::value& v);

void redact_in_place(json::object& obj) {
  for (auto& member : obj) {
    const std::string_view key(member.key().data(), member.key().size());
    if (is_secret_property(key))
      member.value() = json::string(redacted_value);
    else
      redact_in_place(member.value());
  }
}

void redact_in_place(json::value& v) {
  if (auto* obj = v.if_object())
    redact_in_place(*obj);
  else if (auto* array = v.if_array())
    for (auto& item : *array)
      redact_in_place(item);
}

/// The string values of the secret properties of `v`, at any depth (nested in a secret too).
void collect_secret_strings(const json::value& v, bool inside_secret,
                            std::vector<std::string_view>& out) {
  if (const auto* s = v.if_string()) {
    if (inside_secret && s->size() >= min_searched_secret_size)
      out.emplace_back(s->data(), s->size());
  } else if (const auto* obj = v.if_object()) {
    for (const auto& member : *obj)
      collect_secret_strings(member.value(),
                             inside_secret || is_secret_property(std::string_view(
                                                  member.key().data(), member.key().size())),
                             out);
  } else if (const auto* array = v.if_array()) {
    for (const auto& item : *array)
      collect_secret_strings(item, inside_secret, out);
  }
}

} // namespace

bool is_secret_property(std::string_view name) {
  return name.size() > secret_prefix.size() &&
         name.substr(0, secret_prefix.size()) == secret_prefix;
}

json::object redact_secret_properties(json::object props) {
  redact_in_place(props);
  return props;
}

json::value redact_job_view(json::value job) {
  if (auto* obj = job.if_object())
    if (auto* props = obj->if_contains("properties"))
      redact_in_place(*props);
  return job;
}

std::string redact_secret_values(std::string text, const json::object& props) {
  std::vector<std::string_view> secrets;
  for (const auto& member : props)
    collect_secret_strings(
        member.value(),
        is_secret_property(std::string_view(member.key().data(), member.key().size())), secrets);
  // Longest first, so that a secret holding a shorter one is blanked out whole.
  std::sort(secrets.begin(), secrets.end(),
            [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  for (auto secret : secrets)
    for (auto at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + redacted_value.size()))
      text.replace(at, secret.size(), redacted_value);
  return text;
}

} // namespace boa::protocol
