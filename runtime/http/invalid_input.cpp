#include "runtime/http/invalid_input.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

namespace boa::http {

namespace json = boost::json;

http_reply invalid_input(const error& e, std::string_view strip_prefix) {
  json::array errors;
  std::string message;
  std::string_view text = e.message;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!strip_prefix.empty() && line.starts_with(strip_prefix))
      line.remove_prefix(strip_prefix.size());
    if (!message.empty())
      message += '\n';
    message += line;
    auto colon = line.find(": ");
    auto path = colon == std::string_view::npos ? std::string_view{} : line.substr(0, colon);
    if (path.find(' ') != std::string_view::npos)
      path = {};
    errors.push_back(
        json::object{{"path", path}, {"message", path.empty() ? line : line.substr(colon + 2)}});
  }
  auto reply = error_reply(status_of(e.code), protocol::wire_name(e.code), message);
  reply.body.as_object()["error"].as_object()["errors"] = std::move(errors);
  return reply;
}

http_reply invalid_input_at(std::string_view path, std::string_view message) {
  auto reply = error_reply(400, "invalid_input",
                           path.empty() ? std::string(message)
                                        : std::string(path) + ": " + std::string(message));
  reply.body.as_object()["error"].as_object()["errors"] =
      json::array{json::object{{"path", path}, {"message", message}}};
  return reply;
}

http_reply from_node_answer(const protocol::client_reply& reply, unsigned ok_status) {
  if (!reply.ok && reply.error_code == errc::invalid_input)
    return invalid_input(error{reply.error_code, reply.error_message});
  return from_client_reply(reply, ok_status);
}

} // namespace boa::http
