#include "actors/bus/detail/envelope_codec.hpp"

#include <cstdint>
#include <limits>
#include <optional>

namespace boa::bus::detail {

namespace {

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_string(std::string& out, std::string_view value) {
  put_varint(out, value.size());
  out.append(value);
}

/// Reads fields in order; the first failure sticks and names the field it happened in.
class reader {
public:
  explicit reader(std::string_view bytes) : rest_(bytes) {}

  void read(const char* field, std::string& out) {
    auto size = varint(field);
    if (!size)
      return;
    if (*size > rest_.size())
      return fail(field, "length runs past the end of the message");
    out.assign(rest_.substr(0, *size));
    rest_.remove_prefix(*size);
  }

  void read(const char* field, std::uint32_t& out) {
    auto value = varint(field);
    if (!value)
      return;
    if (*value > std::numeric_limits<std::uint32_t>::max())
      return fail(field, "does not fit in 32 bits");
    out = static_cast<std::uint32_t>(*value);
  }

  const std::optional<std::string>& failure() const { return failure_; }
  bool at_end() const { return rest_.empty(); }

private:
  std::optional<std::uint64_t> varint(const char* field) {
    if (failure_)
      return std::nullopt;
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (rest_.empty()) {
        fail(field, "message ends early");
        return std::nullopt;
      }
      auto byte = static_cast<std::uint8_t>(rest_.front());
      rest_.remove_prefix(1);
      value |= std::uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0)
        return value;
    }
    fail(field, "varint longer than 10 bytes");
    return std::nullopt;
  }

  void fail(const char* field, const char* why) {
    failure_ = std::string("stored message: ") + field + ": " + why;
  }

  std::string_view rest_;
  std::optional<std::string> failure_;
};

} // namespace

void encode_envelope(const protocol::envelope& message, std::string& out) {
  // Binds every field by position: a new envelope field stops this from compiling until it has
  // a place in the stored form.
  const auto& [address, subject, message_id, correlation_id, reply_to, body, delivery_count,
               dead_letter_reason] = message;
  put_varint(out, delivery_count);
  put_string(out, address);
  put_string(out, subject);
  put_string(out, message_id);
  put_string(out, correlation_id);
  put_string(out, reply_to);
  put_string(out, dead_letter_reason);
  put_string(out, body);
}

std::string encode_envelope(const protocol::envelope& message) {
  std::string out;
  encode_envelope(message, out);
  return out;
}

expected<protocol::envelope> decode_envelope(std::string_view bytes) {
  protocol::envelope m;
  reader in(bytes);
  in.read("delivery_count", m.delivery_count);
  in.read("address", m.address);
  in.read("subject", m.subject);
  in.read("message_id", m.message_id);
  in.read("correlation_id", m.correlation_id);
  in.read("reply_to", m.reply_to);
  in.read("dead_letter_reason", m.dead_letter_reason);
  in.read("body", m.body);
  if (in.failure())
    return error(errc::corrupt, *in.failure());
  if (!in.at_end())
    return error(errc::corrupt, "stored message: bytes follow the body");
  return m;
}

} // namespace boa::bus::detail
