#include "tools/boactl/broker_login.hpp"

#include "runtime/config/broker_credentials.hpp"

#include <cstdlib>

namespace boa::boactl {

namespace {

std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0')
    return std::nullopt;
  return std::string(value);
}

} // namespace

login_sources login_sources_from_environment() {
  login_sources sources;
  sources.password_env = variable("BOA_BROKER_PASSWORD");
  sources.password_file_env = variable("BOA_BROKER_PASSWORD_FILE");
  return sources;
}

expected<void> complete_login(broker_settings& broker, const login_sources& sources) {
  if (sources.password_flag)
    return error{errc::invalid_input, config::password_flag_refusal(
                                          "BOA_BROKER_PASSWORD or --broker-password-file FILE")};
  // A flag beats its variable, as everywhere else.
  const bool file_from_flag = sources.password_file_flag.has_value();
  const auto& file = file_from_flag ? sources.password_file_flag : sources.password_file_env;
  if (file) {
    const char* named = file_from_flag ? "--broker-password-file" : "BOA_BROKER_PASSWORD_FILE";
    if (sources.password_env)
      return error{errc::invalid_input,
                   std::string("BOA_BROKER_PASSWORD and ") + named + " are both set; keep one"};
    auto password = config::read_password_file(*file);
    if (!password)
      return error{errc::invalid_input, std::string(named) + ": " + password.error().message};
    broker.password = std::move(*password);
  } else if (sources.password_env) {
    broker.password = *sources.password_env;
  }
  if (auto exposed = config::plain_password_problem(
          broker.url, !broker.password.empty(), sources.allow_plain_password,
          "BOA_BROKER_ALLOW_PLAIN_PASSWORD or --broker-allow-plain-password"))
    return error{errc::invalid_input, *exposed};
  return {};
}

} // namespace boa::boactl
