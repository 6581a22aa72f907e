#pragma once

#include "protocol/expected.hpp"
#include "runtime/http/api_context.hpp"
#include "runtime/http/http_server.hpp"
#include "runtime/http/job_end_watch.hpp"
#include "runtime/http/node_proxy.hpp"

#include <atomic>
#include <memory>
#include <string>

namespace boa::http {

struct http_api_options {
  http_server_options server;
  /// When not empty, every route but `/healthz` and the dashboard's files needs
  /// `Authorization: Bearer <token>`.
  std::string token;
};

/// The node's HTTP API (docs/api.md): health, cluster and job routes over a Beast server.
class http_api {
public:
  /// `ctx` is copied; what it points to must outlive the API.
  static expected<std::unique_ptr<http_api>> start(http_api_options options, api_context ctx);
  ~http_api();
  http_api(const http_api&) = delete;
  http_api& operator=(const http_api&) = delete;

  std::uint16_t port() const { return server_->port(); }
  /// Stops serving: requests waiting for a job answer at once, the others are dropped.
  void stop();

private:
  http_api() = default;
  http_reply handle(http_request& request, std::string_view authorization) const;

  std::string token_;
  std::atomic<bool> stopping_{false};
  api_context ctx_;
  std::unique_ptr<node_proxy> proxy_;
  std::unique_ptr<job_end_watch> job_ends_; ///< null without a bus to follow
  router router_;
  std::unique_ptr<http_server> server_; ///< declared last: stopped before what it calls goes
};

} // namespace boa::http
