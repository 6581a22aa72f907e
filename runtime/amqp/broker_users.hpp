#pragma once

#include "protocol/expected.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace boa::amqp {

/// Who may connect to the embedded broker: user name -> password, checked with SASL PLAIN.
class broker_users {
public:
  /// Adds (or replaces) a user.
  void add(std::string user, std::string password);

  /// Whether `user` is known and `password` is its password (compared in constant time).
  bool accepts(std::string_view user, std::string_view password) const;

  bool empty() const { return users_.empty(); }
  std::size_t size() const { return users_.size(); }

private:
  std::map<std::string, std::string, std::less<>> users_;
};

/// Reads a users file: one `user:password` a line (the password is everything after the first
/// ':'); blank lines and lines starting with '#' are skipped. Errors name the file and line,
/// never a password: `invalid_input` for a bad line or a file with no user, `io` or `not_found`
/// when it cannot be read.
expected<broker_users> read_broker_users(const std::filesystem::path& file);

} // namespace boa::amqp
