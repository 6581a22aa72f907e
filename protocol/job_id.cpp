#include "protocol/job_id.hpp"

#include <cstdio>
#include <string>

namespace boa::protocol {

namespace {

constexpr std::size_t max_id_size = 128;

bool allowed(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

/// The id as a message can show it: control and non-ASCII bytes escaped, long ids cut short.
std::string shown(std::string_view id) {
  std::string out;
  for (std::size_t i = 0; i < id.size() && i < 40; ++i) {
    auto byte = static_cast<unsigned char>(id[i]);
    if (byte < 0x20 || byte >= 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    } else {
      out.push_back(id[i]);
    }
  }
  if (id.size() > 40)
    out += "...";
  return out;
}

error bad_id(std::string_view id, const std::string& why) {
  return error(errc::invalid_input,
               "job id '" + shown(id) + "' " + why +
                   "; a job id is 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-' and does "
                   "not start with '.'");
}

} // namespace

expected<void> validate_job_id(std::string_view id) {
  if (id.empty())
    return bad_id(id, "is empty");
  if (id.size() > max_id_size)
    return bad_id(id, "is " + std::to_string(id.size()) + " characters long");
  if (id.front() == '.')
    return bad_id(id, "starts with '.'");
  for (std::size_t i = 0; i < id.size(); ++i)
    if (!allowed(id[i]))
      return bad_id(id, "holds '" + shown(id.substr(i, 1)) + "' at position " + std::to_string(i));
  return {};
}

std::string job_id_from(std::uint64_t random) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string id = "j-0000000000000000";
  for (std::size_t i = id.size(); i-- > 2; random >>= 4)
    id[i] = digits[random & 0xf];
  return id;
}

} // namespace boa::protocol
