#include "runtime/amqp/amqp_bridge.hpp"
#include "tools/boactl/cli.hpp"

#include <fmt/core.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <string_view>
#include <unistd.h>

namespace {

/// Long enough for a broker on another host, short enough that a wrong URL fails at once.
constexpr std::chrono::milliseconds connect_timeout{3000};

boa::expected<std::shared_ptr<boa::bus::bus>> connect(const boa::boactl::broker_settings& broker) {
  boa::amqp::bridge_options options;
  options.url = broker.url;
  options.username = broker.username;
  options.password = broker.password;
  options.tls_ca_file = broker.tls_ca_file;
  options.tls_cert_file = broker.tls_cert_file;
  options.tls_key_file = broker.tls_key_file;
  options.container_id = fmt::format("boactl-{}", ::getpid());
  options.connect_timeout = connect_timeout;
  auto bridge = boa::amqp::bridge::connect(std::move(options));
  if (!bridge) {
    auto e = std::move(bridge).error();
    constexpr std::string_view prefix = "amqp bridge: ";
    if (std::string_view(e.message).substr(0, prefix.size()) == prefix)
      e.message.erase(0, prefix.size());
    return e;
  }
  return std::shared_ptr<boa::bus::bus>(std::move(*bridge));
}

} // namespace

int main(int argc, char** argv) {
  // The bridge logs through spdlog: keep stdout for results, and only what a user should see.
  auto log = spdlog::stderr_logger_mt("boactl");
  log->set_pattern("boactl: %l: %v");
  log->set_level(spdlog::level::warn);
  spdlog::set_default_logger(log);
  return boa::boactl::run_cli(argc, argv, connect, std::cout, std::cerr, ::isatty(STDOUT_FILENO));
}
