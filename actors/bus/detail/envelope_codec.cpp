#include "actors/bus/detail/envelope_codec.hpp"

#include "storage/detail/binary_codec.hpp"

namespace boa::bus::detail {

using storage::detail::binary_reader;
using storage::detail::put_string;
using storage::detail::put_varint;

void encode_envelope(const protocol::envelope& message, std::string& out) {
  // Binds every field by position: a new envelope field stops this from compiling until it has
  // a place in the stored form.
  const auto& [address, subject, message_id, correlation_id, reply_to, body, delivery_count,
               dead_letter_reason, ttl_ms] = message;
  put_varint(out, delivery_count);
  put_string(out, address);
  put_string(out, subject);
  put_string(out, message_id);
  put_string(out, correlation_id);
  put_string(out, reply_to);
  put_string(out, dead_letter_reason);
  put_string(out, body);
  if (ttl_ms != 0) // absent means 0, so messages without a ttl keep the original stored form
    put_varint(out, ttl_ms);
}

std::string encode_envelope(const protocol::envelope& message) {
  std::string out;
  encode_envelope(message, out);
  return out;
}

expected<protocol::envelope> decode_envelope(std::string_view bytes) {
  protocol::envelope m;
  binary_reader in(bytes, "message");
  in.read("delivery_count", m.delivery_count);
  in.read("address", m.address);
  in.read("subject", m.subject);
  in.read("message_id", m.message_id);
  in.read("correlation_id", m.correlation_id);
  in.read("reply_to", m.reply_to);
  in.read("dead_letter_reason", m.dead_letter_reason);
  in.read("body", m.body);
  if (!in.failure() && !in.at_end())
    in.read("ttl_ms", m.ttl_ms);
  if (in.failure())
    return error(errc::corrupt, "stored message: " + *in.failure());
  if (!in.at_end())
    return error(errc::corrupt, "stored message: bytes follow the ttl");
  return m;
}

} // namespace boa::bus::detail
