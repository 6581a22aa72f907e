#include "runtime/amqp/broker_users.hpp"

#include "protocol/constant_time.hpp"

#include <cerrno>
#include <fstream>
#include <system_error>

namespace boa::amqp {

void broker_users::add(std::string user, std::string password) {
  users_[std::move(user)] = std::move(password);
}

bool broker_users::accepts(std::string_view user, std::string_view password) const {
  auto it = users_.find(user);
  // Compared in full even for an unknown user, so that the time taken says nothing of the guess.
  const std::string_view expected = it == users_.end() ? std::string_view() : it->second;
  const bool same = protocol::equal_in_constant_time(password, expected);
  return it != users_.end() && same;
}

expected<broker_users> read_broker_users(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    return error{errc::io, name + ": cannot read: it is a directory"};
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    int e = errno;
    return error{e == ENOENT ? errc::not_found : errc::io,
                 name + ": cannot read: " + std::generic_category().message(e)};
  }
  broker_users users;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || line.front() == '#')
      continue;
    const auto colon = line.find(':');
    const auto where = name + ":" + std::to_string(number) + ": ";
    if (colon == std::string::npos)
      return error{errc::invalid_input, where + "must be user:password"};
    if (colon == 0)
      return error{errc::invalid_input, where + "the user name is empty"};
    if (colon + 1 == line.size())
      return error{errc::invalid_input,
                   where + "the password of '" + line.substr(0, colon) + "' is empty"};
    users.add(line.substr(0, colon), line.substr(colon + 1));
  }
  if (in.bad())
    return error{errc::io, name + ": cannot read"};
  if (users.empty())
    return error{errc::invalid_input, name + ": holds no user (one user:password a line)"};
  return users;
}

} // namespace boa::amqp
