#pragma once

#include "protocol/envelope.hpp"
#include "tools/boactl/console.hpp"

#include <cstddef>
#include <vector>

namespace boa::boactl {

/// `dead list`: each dead-lettered message with its reason, subject (and original address when
/// the broker kept it), message id and a one-line excerpt of its body (not the delivery count,
/// which every look at the queue raises);
/// `--json`: `{"messages": [{"message_id", "subject", "address", "reason", "correlation_id",
/// "reply_to", "delivery_count", "body"}…], "limit_reached": bool}` with whole bodies.
void print_dead_letters(console& c, const std::vector<protocol::envelope>& messages,
                        std::size_t limit);

} // namespace boa::boactl
