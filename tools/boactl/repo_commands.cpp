#include "tools/boactl/repo_commands.hpp"

#include "tools/boactl/definition_file.hpp"
#include "tools/boactl/repo_output.hpp"

#include <cstdlib>
#include <ostream>
#include <unistd.h>

namespace boa::boactl {

namespace {

/// Who pushes, as the repository records it: `user@host`.
std::string pusher() {
  const char* user = std::getenv("USER");
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0)
    host[0] = '\0';
  std::string who = user && *user ? user : "boactl";
  return host[0] ? who + "@" + host : who;
}

} // namespace

int repo_push(session& s, console& c, const std::string& file, const std::string& notes) {
  auto definition = read_definition_file(file);
  if (!definition)
    return report(c, definition.error());
  for (const auto& warning : definition->warnings)
    c.err << warning << '\n';
  protocol::client_request request;
  request.what = protocol::client_request::kind::push_workflow;
  request.definition = std::move(definition->definition);
  request.notes = notes;
  request.pushed_by = pusher();
  return ask_and_print(s, c, request, print_pushed);
}

int repo_list(session& s, console& c, const std::string& name) {
  protocol::client_request request;
  request.what = protocol::client_request::kind::list_workflows;
  request.workflow = name;
  return ask_and_print(s, c, request, print_workflows);
}

int repo_show(session& s, console& c, const std::string& ref) {
  if (auto valid = protocol::validate_workflow_ref(ref); !valid)
    return report(c, valid.error());
  protocol::client_request request;
  request.what = protocol::client_request::kind::show_workflow;
  request.workflow = ref;
  return ask_and_print(s, c, request, print_workflow);
}

} // namespace boa::boactl
