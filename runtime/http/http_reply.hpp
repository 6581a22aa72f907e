#pragma once

#include "protocol/client_messages.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace boa::http {

/// What a route answers: a status and a JSON body, or, when `content_type` is set, the bytes in
/// `text` under that type (Prometheus text, the dashboard's files).
struct http_reply {
  unsigned status = 200;
  boost::json::value body;
  std::string content_type; ///< empty: the body is JSON
  std::string text;         ///< the body when `content_type` is set
  /// `Cache-Control` when not empty (the dashboard's files may be cached; answers may not).
  std::string cache_control;
};

http_reply json_reply(unsigned status, boost::json::value body);

/// `text` under `content_type` with `status` (e.g. "text/plain; version=0.0.4").
http_reply text_reply(unsigned status, std::string content_type, std::string text);

/// `{"error": {"code": code, "message": message}}` with `status`.
http_reply error_reply(unsigned status, std::string_view code, std::string_view message);

/// The status an error of the node means to an HTTP client: invalid_input 400, not_found 404,
/// timeout 504, anything else 500.
unsigned status_of(errc code);

/// A node's answer to a client request as HTTP: its data with `ok_status`, or its error with the
/// status `status_of` gives and the wire name of its code.
http_reply from_client_reply(const protocol::client_reply& reply, unsigned ok_status = 200);

} // namespace boa::http
