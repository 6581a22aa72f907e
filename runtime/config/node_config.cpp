#include "runtime/config/node_config.hpp"

#include <unistd.h>

#include <array>
#include <ostream>

namespace boa::config {

std::string listen_address::to_string() const {
  std::string out;
  if (host.find(':') != std::string::npos)
    out = "[" + host + "]";
  else
    out = host;
  out += ':';
  out += std::to_string(port);
  return out;
}

std::string queue_address(std::string_view name) {
  return "queue:" + std::string(name);
}

std::string topic_address(std::string_view name) {
  return "topic:" + std::string(name);
}

const char* to_string(log_level level) {
  switch (level) {
  case log_level::trace:
    return "trace";
  case log_level::debug:
    return "debug";
  case log_level::info:
    return "info";
  case log_level::warn:
    return "warn";
  case log_level::error:
    return "error";
  case log_level::critical:
    return "critical";
  case log_level::off:
    return "off";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, log_level level) {
  return out << to_string(level);
}

std::string default_node_id() {
  std::array<char, 256> buf{};
  std::string host = ::gethostname(buf.data(), buf.size() - 1) == 0 ? buf.data() : "";
  if (host.empty())
    host = "node";
  // A node id is a name in bus addresses: keep letters, digits, '.', '_' and '-'.
  for (char& c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      c = '-';
  }
  if (host.size() > 100)
    host.resize(100);
  return host + "-" + std::to_string(::getpid());
}

} // namespace boa::config
