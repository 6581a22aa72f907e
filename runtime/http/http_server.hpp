#pragma once

#include "protocol/expected.hpp"
#include "runtime/http/router.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boa::http {

struct http_server_options {
  std::string host = "127.0.0.1"; ///< an IPv4 or IPv6 address, or `localhost`
  std::uint16_t port = 0;         ///< 0: a free port the system picks (see `port()`)
  /// Threads that serve connections. A request's handler runs on one of them and may block it
  /// (waiting for an actor's answer), so more than one keeps the others served meanwhile.
  std::size_t threads = 2;
  std::size_t body_limit = 1 << 20; ///< larger request bodies get 413
  /// A connection that sends nothing for this long is closed.
  std::chrono::seconds idle_timeout{30};
};

/// Handles every request the server reads (routing, authentication).
using request_handler = std::function<http_reply(http_request&, std::string_view authorization)>;

/// An HTTP/1.1 server on Boost.Beast: keeps connections alive, limits request bodies, and answers
/// each request with the JSON the handler returns. Stopping (or destroying) it closes every
/// connection and joins its threads.
class http_server {
public:
  /// Listens at once (so that `port()` is known); errc::io when the address cannot be bound.
  static expected<std::unique_ptr<http_server>> start(http_server_options options,
                                                      request_handler handler);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  std::uint16_t port() const;
  void stop();

private:
  struct impl;
  explicit http_server(std::unique_ptr<impl> self);
  std::unique_ptr<impl> self_;
};

} // namespace boa::http
