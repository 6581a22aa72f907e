#include "storage/detail/binary_codec.hpp"

#include <limits>

namespace boa::storage::detail {

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void put_int(std::string& out, std::int64_t value) {
  auto u = static_cast<std::uint64_t>(value);
  put_varint(out, (u << 1) ^ (value < 0 ? ~std::uint64_t{0} : 0));
}

void put_string(std::string& out, std::string_view value) {
  put_varint(out, value.size());
  out.append(value);
}

void binary_reader::read(const char* field, std::string& out) {
  if (auto bytes = field_bytes(field))
    out.assign(*bytes);
}

void binary_reader::read(const char* field, std::int64_t& out) {
  if (auto u = varint(field))
    out = static_cast<std::int64_t>((*u >> 1) ^ (~(*u & 1) + 1));
}

void binary_reader::read(const char* field, std::uint32_t& out) {
  auto value = varint(field);
  if (!value)
    return;
  if (*value > std::numeric_limits<std::uint32_t>::max())
    return fail(field, "does not fit in 32 bits");
  out = static_cast<std::uint32_t>(*value);
}

void binary_reader::skip(const char* field) {
  field_bytes(field);
}

std::optional<std::string_view> binary_reader::field_bytes(const char* field) {
  auto size = varint(field);
  if (!size)
    return std::nullopt;
  if (*size > rest_.size()) {
    fail(field, "length runs past the end of the " + std::string(unit_));
    return std::nullopt;
  }
  auto bytes = rest_.substr(0, *size);
  rest_.remove_prefix(*size);
  return bytes;
}

std::optional<std::uint64_t> binary_reader::varint(const char* field) {
  if (failure_)
    return std::nullopt;
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (rest_.empty()) {
      fail(field, std::string(unit_) + " ends early");
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

void binary_reader::fail(const char* field, std::string_view why) {
  failure_ = std::string(field) + ": ";
  failure_->append(why);
}

} // namespace boa::storage::detail
