#include "runtime/amqp/detail/bridge_endpoint.hpp"

#include <algorithm>
#include <cctype>

namespace boa::amqp::detail {

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

} // namespace

expected<bridge_endpoint> parse_bridge_url(const std::string& url) {
  auto invalid = [&](const std::string& why) {
    return error{errc::invalid_input,
                 "amqp bridge: '" + url + "' is not a broker URL (amqp://HOST[:PORT]): " + why};
  };
  const bool tls = url.rfind("amqps://", 0) == 0;
  const std::string scheme = tls ? "amqps://" : "amqp://";
  if (url.rfind(scheme, 0) != 0)
    return invalid("it must start with amqp:// or amqps://");
  auto rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  if (rest.find_first_of("/?#@") != std::string::npos)
    return invalid("no path, query or credentials allowed (give credentials as options)");
  std::string host;
  std::string port = tls ? "5671" : "5672";
  if (!rest.empty() && rest.front() == '[') {
    auto end = rest.find(']');
    if (end == std::string::npos)
      return invalid("unclosed '[' in the host");
    host = rest.substr(0, end + 1);
    auto after = rest.substr(end + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return invalid("unexpected text after the host");
      port = after.substr(1);
    }
  } else {
    auto colon = rest.find(':');
    host = rest.substr(0, colon);
    if (colon != std::string::npos)
      port = rest.substr(colon + 1);
  }
  if (host.empty() || host == "[]")
    return invalid("no host");
  if (!all_digits(port) || port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535)
    return invalid("the port must be a number from 1 to 65535");
  return bridge_endpoint{scheme + host + ":" + port, host + ":" + port, tls};
}

} // namespace boa::amqp::detail
