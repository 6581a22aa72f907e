#pragma once

#include "protocol/expected.hpp"

#include <string>

namespace boa::amqp::detail {

/// Where the bridge connects: `display` for messages (`amqp://HOST:PORT`), `address` for Proton
/// (`HOST:PORT`, an IPv6 host in brackets).
struct bridge_endpoint {
  std::string display;
  std::string address;
  bool tls = false; ///< `amqps://`
};

/// Parses `amqp://HOST[:PORT]` (5672 without a port) or `amqps://HOST[:PORT]` (TLS, 5671 without
/// a port), one trailing `/` allowed; errc::invalid_input
/// naming the URL and what is wrong with it otherwise (another scheme, a path, credentials, a port
/// out of range).
expected<bridge_endpoint> parse_bridge_url(const std::string& url);

} // namespace boa::amqp::detail
