#pragma once

#include "runtime/amqp/broker_users.hpp"

#include <cstdint>
#include <memory>

namespace boa::amqp::detail {

// Proton's own SASL (Debian builds it without Cyrus SASL) can log in with PLAIN as a client but
// offers only ANONYMOUS as a server: it cannot check a password. Its plugin interface
// (proton/sasl_plugin.h) takes one implementation for every transport of the process, client or
// server, so boa installs its own, which as a client does what Proton's does (EXTERNAL, PLAIN or
// ANONYMOUS, whichever the broker offers and the options allow) and as a server checks PLAIN
// against the users of the listener the connection came in on.

/// Installs boa's SASL implementation for every transport created from now on. Idempotent; call
/// it before the container that needs it starts.
void install_sasl_mechanisms();

/// Connections accepted on local port `port` must log in with PLAIN as one of `users` (until
/// `forget_listener_users`). Without an entry a listener offers ANONYMOUS, as Proton does.
void set_listener_users(std::uint16_t port, std::shared_ptr<const broker_users> users);
void forget_listener_users(std::uint16_t port);

} // namespace boa::amqp::detail
