#include "storage/detail/record_codec.hpp"

#include <cstdint>
#include <optional>

namespace boa::storage::detail {

namespace {

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

/// Reads fields in order; the first failure sticks and names the field it happened in.
class reader {
public:
  explicit reader(std::string_view bytes) : rest_(bytes) {}

  void read(const char* field, std::string& out) {
    if (auto bytes = field_bytes(field))
      out.assign(*bytes);
  }

  void read(const char* field, std::int64_t& out) {
    if (auto u = varint(field))
      out = static_cast<std::int64_t>((*u >> 1) ^ (~(*u & 1) + 1));
  }

  void skip(const char* field) { field_bytes(field); }

  const std::optional<std::string>& failure() const { return failure_; }
  bool at_end() const { return rest_.empty(); }

private:
  std::optional<std::string_view> field_bytes(const char* field) {
    auto size = varint(field);
    if (!size)
      return std::nullopt;
    if (*size > rest_.size()) {
      fail(field, "length runs past the end of the record");
      return std::nullopt;
    }
    auto bytes = rest_.substr(0, *size);
    rest_.remove_prefix(*size);
    return bytes;
  }

  std::optional<std::uint64_t> varint(const char* field) {
    if (failure_)
      return std::nullopt;
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (rest_.empty()) {
        fail(field, "record ends early");
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

  void fail(const char* field, const char* why) { failure_ = std::string(field) + ": " + why; }

  std::string_view rest_;
  std::optional<std::string> failure_;
};

error damaged(std::string_view id, const std::string& why) {
  return error(errc::corrupt,
               "job '" + std::string(id) + "': stored record cannot be decoded: " + why);
}

} // namespace

std::string encode_record(const job_record& r) {
  std::string out;
  out.reserve(r.state.size() + r.workflow.size() + r.step.size() + r.parent_id.size() +
              r.folder.size() + r.body.size() + 40);
  put_string(out, r.state);
  put_string(out, r.workflow);
  put_int(out, r.revision);
  put_string(out, r.step);
  put_string(out, r.parent_id);
  put_string(out, r.folder);
  put_int(out, r.created_ms);
  put_int(out, r.updated_ms);
  put_int(out, r.ended_ms);
  put_string(out, r.body);
  return out;
}

expected<job_record> decode_record(std::string_view id, std::string_view bytes) {
  job_record r;
  r.id = id;
  reader in(bytes);
  in.read("state", r.state);
  in.read("workflow", r.workflow);
  in.read("revision", r.revision);
  in.read("step", r.step);
  in.read("parent_id", r.parent_id);
  in.read("folder", r.folder);
  in.read("created_ms", r.created_ms);
  in.read("updated_ms", r.updated_ms);
  in.read("ended_ms", r.ended_ms);
  in.read("body", r.body);
  if (in.failure())
    return damaged(id, *in.failure());
  if (!in.at_end())
    return damaged(id, "bytes after the body");
  return r;
}

expected<record_head> decode_record_head(std::string_view id, std::string_view bytes) {
  record_head head;
  std::int64_t ignored = 0;
  reader in(bytes);
  in.read("state", head.state);
  in.skip("workflow");
  in.read("revision", ignored);
  in.skip("step");
  in.skip("parent_id");
  in.skip("folder");
  in.read("created_ms", ignored);
  in.read("updated_ms", head.updated_ms);
  if (in.failure())
    return damaged(id, *in.failure());
  return head;
}

} // namespace boa::storage::detail
