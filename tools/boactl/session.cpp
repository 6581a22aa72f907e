#include "tools/boactl/session.hpp"

#include <ostream>

namespace boa::boactl {

session::session(connect_fn connect, broker_settings broker, client_options options)
    : connect_(std::move(connect)), broker_(std::move(broker)), options_(std::move(options)) {
  options_.broker_url = broker_.url;
}

expected<broker_client*> session::client() {
  if (!client_) {
    auto bus = connect_(broker_);
    if (!bus)
      return bus.error();
    client_ = std::make_unique<broker_client>(std::move(*bus), options_);
  }
  return client_.get();
}

exit_code report(console& c, const error& e) {
  c.err << "boactl: " << e.message << '\n';
  return exit_code_of_client_error(e);
}

exit_code report(console& c, const protocol::client_reply& failed) {
  c.err << "boactl: " << failed.error_message << '\n';
  return exit_code_of_node_error(failed.error_code);
}

expected<boost::json::value, exit_code> ask(session& s, console& c,
                                            const protocol::client_request& request) {
  auto client = s.client();
  if (!client)
    return report(c, client.error());
  auto reply = (*client)->request(request);
  if (!reply)
    return report(c, reply.error());
  if (!reply->ok)
    return report(c, *reply);
  return std::move(reply->data);
}

int ask_and_print(session& s, console& c, const protocol::client_request& request,
                  void (*print)(console&, const boost::json::value&)) {
  auto data = ask(s, c, request);
  if (!data)
    return data.error();
  print(c, *data);
  return exit_ok;
}

} // namespace boa::boactl
