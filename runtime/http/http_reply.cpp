#include "runtime/http/http_reply.hpp"

#include <boost/json/object.hpp>

namespace boa::http {

http_reply json_reply(unsigned status, boost::json::value body) {
  http_reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

http_reply text_reply(unsigned status, std::string content_type, std::string text) {
  http_reply reply;
  reply.status = status;
  reply.content_type = std::move(content_type);
  reply.text = std::move(text);
  return reply;
}

http_reply error_reply(unsigned status, std::string_view code, std::string_view message) {
  return json_reply(
      status,
      boost::json::object{{"error", boost::json::object{{"code", code}, {"message", message}}}});
}

unsigned status_of(errc code) {
  switch (code) {
  case errc::invalid_input:
    return 400;
  case errc::not_found:
    return 404;
  case errc::timeout:
    return 504;
  default:
    return 500;
  }
}

http_reply from_client_reply(const protocol::client_reply& reply, unsigned ok_status) {
  if (reply.ok)
    return json_reply(ok_status, reply.data);
  return error_reply(status_of(reply.error_code), protocol::wire_name(reply.error_code),
                     reply.error_message);
}

} // namespace boa::http
