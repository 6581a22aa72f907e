#include "runtime/amqp/address_map.hpp"

#include <vector>

namespace boa::amqp {

namespace {

constexpr std::string_view escaped_slash = "%2F";

std::string escape(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '/')
      out += escaped_slash;
    else
      out += c;
  }
  return out;
}

std::string unescape(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name.substr(i, escaped_slash.size()) == escaped_slash) {
      out += '/';
      i += escaped_slash.size() - 1;
    } else {
      out += name[i];
    }
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto end = s.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

error malformed(std::string_view amqp, const std::string& why) {
  return error{errc::invalid_input, "AMQP address '" + std::string(amqp) + "': " + why};
}

error unknown(std::string_view amqp) {
  return error{errc::not_found, "AMQP address '" + std::string(amqp) +
                                    "' names no node of this broker: use /queue/NAME, "
                                    "/topic/KEY or /exchange/amq.topic/KEY"};
}

/// The one name segment after a kind prefix (`/queue/NAME`), or why there is none.
expected<std::string> single_name(std::string_view amqp, const std::vector<std::string_view>& parts,
                                  std::size_t first, const char* what) {
  if (parts.size() <= first || parts[first].empty())
    return malformed(amqp, std::string("has no ") + what);
  if (parts.size() > first + 1)
    return malformed(amqp, std::string("a ") + what + " cannot contain '/' (write it as %2F)");
  return unescape(parts[first]);
}

} // namespace

expected<std::string> to_amqp_address(std::string_view logical) {
  auto bad = [&](const std::string& why) {
    return error{errc::invalid_input, "bus address '" + std::string(logical) + "' " + why};
  };
  std::string_view kind;
  if (logical.starts_with("queue:"))
    kind = "/queue/";
  else if (logical.starts_with("topic:"))
    kind = "/topic/";
  else
    return bad("must be 'queue:NAME' or 'topic:KEY'");
  auto name = logical.substr(6);
  if (name.empty())
    return bad("has an empty name");
  if (name.find(escaped_slash) != std::string_view::npos)
    return bad("contains '%2F', which AMQP addresses reserve for '/'");
  return std::string(kind) + escape(name);
}

expected<std::string> to_logical_address(std::string_view amqp) {
  auto parts = split(amqp, '/');
  if (parts.size() < 2 || !parts[0].empty())
    return unknown(amqp);
  const auto kind = parts[1];
  if (kind == "queue") {
    auto name = single_name(amqp, parts, 2, "queue name");
    if (!name)
      return name.error();
    return "queue:" + *name;
  }
  if (kind == "topic") {
    auto key = single_name(amqp, parts, 2, "topic key");
    if (!key)
      return key.error();
    return "topic:" + *key;
  }
  if (kind == "exchange") {
    if (parts.size() < 3 || parts[2] != "amq.topic")
      return error{errc::not_found, "AMQP address '" + std::string(amqp) +
                                        "': the only exchange of this broker is amq.topic "
                                        "(/exchange/amq.topic/KEY, or /topic/KEY)"};
    auto key = single_name(amqp, parts, 3, "routing key");
    if (!key)
      return key.error();
    return "topic:" + *key;
  }
  return unknown(amqp);
}

} // namespace boa::amqp
