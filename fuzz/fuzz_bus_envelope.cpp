// The stored form of bus messages (the embedded broker's queue journal): decoding never throws,
// fails only as `corrupt` naming what, and what decodes encodes to a form that decodes equal.

#include "actors/bus/detail/envelope_codec.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

bool same(const boa::protocol::envelope& a, const boa::protocol::envelope& b) {
  return a.address == b.address && a.subject == b.subject && a.message_id == b.message_id &&
         a.correlation_id == b.correlation_id && a.reply_to == b.reply_to && a.body == b.body &&
         a.delivery_count == b.delivery_count && a.dead_letter_reason == b.dead_letter_reason &&
         a.ttl_ms == b.ttl_ms;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boa::bus::detail;
  const auto bytes = boa::fuzz::as_text(data, size);
  auto decoded = decode_envelope(bytes);
  if (!decoded) {
    BOA_FUZZ_CHECK(decoded.error().code == boa::errc::corrupt, decoded.error().message);
    BOA_FUZZ_CHECK(decoded.error().message.starts_with("stored message: "),
                   decoded.error().message);
    return 0;
  }
  const auto encoded = encode_envelope(*decoded);
  auto again = decode_envelope(encoded);
  BOA_FUZZ_CHECK(again.has_value(), again ? "" : again.error().message);
  BOA_FUZZ_CHECK(same(*again, *decoded), encoded);
  // The canonical form is a fixed point.
  BOA_FUZZ_CHECK(encode_envelope(*again) == encoded, encoded);
  return 0;
}
