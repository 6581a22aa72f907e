#pragma once

#include <proton/proactor.h>

#include <chrono>

namespace boa::amqp::detail {

/// Completes the disconnect a Proton container starts when a handler throws, which its event loop
/// then no longer processes: freeing the proactor neither closes the sockets of open connections
/// (the peer would wait forever, holding what it delivered) nor frees what they hold. Runs the
/// proactor until it has nothing left open, or until `limit` passed. A failure path: polls rather
/// than blocks, so that a proactor that never settles cannot hang its owner. Returns whether
/// everything closed in time.
bool finish_disconnect(pn_proactor_t* proactor, std::chrono::milliseconds limit);

} // namespace boa::amqp::detail
