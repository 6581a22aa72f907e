#pragma once

#include "protocol/envelope.hpp"
#include "protocol/limits.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace boa::bus {

/// Why a bus refuses to publish `message` under `limits.max-message-bytes` (`max_message_bytes`,
/// 0: no limit): "message to ADDRESS is N bytes, more than the limit of M (setting
/// limits.max-message-bytes)"; nothing when it may go. Every bus applies this one check to a
/// publish, and refuses the message through its publish confirmation.
inline std::optional<std::string> publish_over_limit(const protocol::envelope& message,
                                                     std::size_t max_message_bytes) {
  auto over = protocol::message_over_limit("message to " + message.address, message.body.size(),
                                           max_message_bytes);
  if (!over)
    return std::nullopt;
  return std::move(over->message);
}

} // namespace boa::bus
