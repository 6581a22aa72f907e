#pragma once

#include "protocol/expected.hpp"
#include "tools/boactl/session.hpp"

#include <optional>
#include <string>

namespace boa::boactl {

/// Where the broker password may come from, as the user gave it. The variables are those `boad`
/// reads, so that one environment drives node and client.
struct login_sources {
  std::optional<std::string> password_flag;      ///< `--broker-password`: refused, never used
  std::optional<std::string> password_env;       ///< `BOA_BROKER_PASSWORD`
  std::optional<std::string> password_file_flag; ///< `--broker-password-file`
  std::optional<std::string> password_file_env;  ///< `BOA_BROKER_PASSWORD_FILE`
  /// `--broker-allow-plain-password` or `BOA_BROKER_ALLOW_PLAIN_PASSWORD`.
  bool allow_plain_password = false;
};

/// The login sources of this process's environment (the flags are left empty).
login_sources login_sources_from_environment();

/// Sets `broker.password` from `sources`, held to `boad`'s rules: no password on the command
/// line, a password file read the same way, and no password over plain `amqp://` to a host off
/// loopback unless allowed. errc::invalid_input naming the flag or variable otherwise; the
/// password itself is never in a message.
expected<void> complete_login(broker_settings& broker, const login_sources& sources);

} // namespace boa::boactl
