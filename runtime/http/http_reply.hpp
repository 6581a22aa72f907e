#pragma once

#include "protocol/client_messages.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace boa::http {

/// What a route answers: a status and a JSON body.
struct http_reply {
  unsigned status = 200;
  boost::json::value body;
};

http_reply json_reply(unsigned status, boost::json::value body);

/// `{"error": {"code": code, "message": message}}` with `status`.
http_reply error_reply(unsigned status, std::string_view code, std::string_view message);

/// The status an error of the node means to an HTTP client: invalid_input 400, not_found 404,
/// timeout 504, anything else 500.
unsigned status_of(errc code);

/// A node's answer to a client request as HTTP: its data with `ok_status`, or its error with the
/// status `status_of` gives and the wire name of its code.
http_reply from_client_reply(const protocol::client_reply& reply, unsigned ok_status = 200);

} // namespace boa::http
