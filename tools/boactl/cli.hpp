#pragma once

#include "tools/boactl/session.hpp"

#include <iosfwd>

namespace boa::boactl {

/// The broker `boactl` talks to when neither `--broker` nor `BOA_BROKER_URL` says otherwise: a
/// stand-alone node's embedded broker at its default address.
inline constexpr const char* default_broker_url = "amqp://127.0.0.1:5672";

/// `boactl` itself: parses the command line (`--help` on every command), runs the command and
/// returns its exit code (exit_codes.hpp). `connect` opens the bus to the broker; it is called
/// only once the command's own input has been checked. `out_is_terminal`: `out` is a terminal.
int run_cli(int argc, const char* const* argv, const connect_fn& connect, std::ostream& out,
            std::ostream& err, bool out_is_terminal = false);

} // namespace boa::boactl
