#include "runtime/config/broker_credentials.hpp"

#include "runtime/config/detail/setting_values.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

namespace boa::config {

std::string password_flag_refusal(std::string_view alternatives) {
  return "--broker-password: a password on the command line is visible to every user of the "
         "host (ps); set " +
         std::string(alternatives);
}

expected<std::string> read_password_file(const std::filesystem::path& file) {
  std::error_code ec;
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  if (in)
    text << in.rdbuf();
  if (!in || in.bad() || std::filesystem::is_directory(file, ec))
    return error{errc::io, "cannot read '" + file.string() + "'"};
  auto password = text.str();
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
    password.pop_back();
  if (password.empty())
    return error{errc::invalid_input, "'" + file.string() + "' is empty"};
  return password;
}

std::optional<std::string> plain_password_problem(std::string_view url, bool has_password,
                                                  bool allowed, std::string_view allow_setting) {
  if (!has_password || allowed || !url.starts_with("amqp://") ||
      detail::is_loopback({detail::broker_url_host(url), 0}))
    return std::nullopt;
  return std::string(url) +
         " is plain TCP to a host off loopback, where anyone on the way can read the broker "
         "password; use amqps://, or set " +
         std::string(allow_setting);
}

} // namespace boa::config
