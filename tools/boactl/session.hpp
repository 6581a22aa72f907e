#pragma once

#include "actors/bus/bus.hpp"
#include "protocol/client_messages.hpp"
#include "tools/boactl/broker_client.hpp"
#include "tools/boactl/console.hpp"
#include "tools/boactl/exit_codes.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <string>

namespace boa::boactl {

/// Where the broker is and who we are to it.
struct broker_settings {
  std::string url;      ///< amqp://HOST[:PORT]
  std::string username; ///< SASL PLAIN; empty: ANONYMOUS
  std::string password;
  /// With `amqps://`: CA certificates to trust (empty: the system's), and an optional client
  /// certificate with its key (PEM files).
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
};

/// Opens the bus to the broker: the AMQP bridge in `boactl`, an in-process bus in tests.
/// errc::io naming the URL and the reason when the broker cannot be reached.
using connect_fn =
    std::function<expected<std::shared_ptr<bus::bus>>(const broker_settings& broker)>;

/// The connection of one command to the cluster. It connects on first use, so that a command
/// whose input is bad fails without ever reaching for the broker.
class session {
public:
  session(connect_fn connect, broker_settings broker, client_options options);

  /// The client, connected.
  expected<broker_client*> client();

private:
  connect_fn connect_;
  broker_settings broker_;
  client_options options_;
  std::unique_ptr<broker_client> client_;
};

/// Writes `boactl: MESSAGE` to `c.err` and returns the exit code of a client error.
exit_code report(console& c, const error& e);

/// Writes what the node answered to `c.err` and returns the exit code of a node error.
exit_code report(console& c, const protocol::client_reply& failed);

/// The data of a node's successful answer to `request`; otherwise the failure is reported and
/// its exit code is the error.
expected<boost::json::value, exit_code> ask(session& s, console& c,
                                            const protocol::client_request& request);

/// `ask`, then `print` of the data of a successful answer; the exit code either way.
int ask_and_print(session& s, console& c, const protocol::client_request& request,
                  void (*print)(console&, const boost::json::value&));

} // namespace boa::boactl
