#pragma once

#include "protocol/expected.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

// How a broker password may reach a process and leave it: the rules `boad` and `boactl` share,
// so that a client is held to what a node is held to.
namespace boa::config {

/// Why `--broker-password` is refused rather than used: every user of the host can read a
/// process's command line (ps, /proc). `alternatives` says where the password may come from
/// instead ("BOA_BROKER_PASSWORD or --broker-password-file FILE"). The password itself is never
/// part of the message.
std::string password_flag_refusal(std::string_view alternatives);

/// The password held in `file`: its content without the final line break(s). errc::io
/// ("cannot read 'FILE'") when it cannot be read, errc::invalid_input ("'FILE' is empty") when
/// nothing is left.
expected<std::string> read_password_file(const std::filesystem::path& file);

/// What is wrong with sending a password to the broker at `url`: plain `amqp://` to a host off
/// loopback, where anyone on the way can read it, unless `allowed`; nullopt when nothing is.
/// `allow_setting` names how the user allows it ("broker.allow-plain-password"). Host names
/// other than `localhost` are not resolved: they count as remote.
std::optional<std::string> plain_password_problem(std::string_view url, bool has_password,
                                                  bool allowed, std::string_view allow_setting);

} // namespace boa::config
