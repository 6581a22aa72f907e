// An embedded broker on an ephemeral loopback port for tests written in other languages: prints
// the port on its first line of output, then serves until its standard input ends (or reads
// "stop"), so that the test driver owns it and a driver that dies takes it along.
#include "runtime/amqp/embedded_broker.hpp"

#include <iostream>
#include <memory>
#include <string>

int main() {
  auto core = std::make_shared<boa::bus::broker_core>();
  auto broker = boa::amqp::embedded_broker::start(core, "127.0.0.1", 0);
  if (!broker) {
    std::cerr << broker.error().message << '\n';
    return 1;
  }
  std::cout << (*broker)->port() << std::endl;
  for (std::string line; std::getline(std::cin, line);)
    if (line == "stop")
      break;
  (*broker)->stop();
  return 0;
}
