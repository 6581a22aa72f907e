#include "tools/boactl/dead_commands.hpp"

#include "tools/boactl/dead_output.hpp"

namespace boa::boactl {

int dead_list(session& s, console& c, std::size_t limit) {
  auto client = s.client();
  if (!client)
    return report(c, client.error());
  auto messages = (*client)->browse_dead(limit);
  if (!messages)
    return report(c, messages.error());
  print_dead_letters(c, *messages, limit);
  return exit_ok;
}

} // namespace boa::boactl
