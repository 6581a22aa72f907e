#pragma once

#include "protocol/envelope.hpp"
#include "protocol/expected.hpp"

#include <string>
#include <string_view>

namespace boa::bus::detail {

/// The stored form of an envelope in the queue journal (journal format 1):
///   delivery_count address subject message_id correlation_id reply_to dead_letter_reason body
///   [ttl_ms]
/// Strings are a LEB128 varint length followed by the bytes; the count and the ttl are LEB128
/// varints. `ttl_ms` is present only when not 0 (it came after the rest, and a message without a
/// ttl is stored as before it existed). Nothing may follow it. Any other new field means a new
/// journal format.
std::string encode_envelope(const protocol::envelope& message);

/// Appends the stored form of `message` to `out` (reusing its capacity).
void encode_envelope(const protocol::envelope& message, std::string& out);

/// Rebuilds an envelope; errc::corrupt naming the field if `bytes` is not exactly one encoded
/// envelope.
expected<protocol::envelope> decode_envelope(std::string_view bytes);

} // namespace boa::bus::detail
