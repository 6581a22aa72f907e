#include "protocol/job_command.hpp"

#include "protocol/envelope.hpp"
#include "protocol/json_read.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace boa::protocol {

namespace {
constexpr const char* action_names[] = {"cancel", "suspend", "resume"};
} // namespace

const char* to_string(job_command::action a) {
  return action_names[static_cast<int>(a)];
}

std::optional<job_command::action> job_action_from_string(std::string_view text) {
  for (int i = 0; i < 3; ++i)
    if (text == action_names[i])
      return static_cast<job_command::action>(i);
  return std::nullopt;
}

std::vector<std::string> command_addresses(job_command::action what) {
  std::vector<std::string> to{addresses::commands};
  if (what == job_command::action::resume)
    to.emplace_back(addresses::resumes);
  return to;
}

std::string serialize_command(const job_command& command) {
  boost::json::object o;
  o["v"] = 1;
  o["type"] = "job-command";
  o["job"] = command.job_id;
  o["action"] = to_string(command.what);
  if (command.issued_ms > 0)
    o["issued_ms"] = command.issued_ms;
  return boost::json::serialize(o);
}

expected<job_command> parse_command(std::string_view text) {
  auto parsed = parse_json(text);
  if (!parsed)
    return error{errc::invalid_input, "job command: " + to_string(parsed.error())};
  std::vector<problem> problems;
  json_reader r(problems);
  const json_path root;
  job_command c;
  if (const auto* o = r.object(*parsed, root)) {
    check_message_header(r, *o, root, "job-command");
    if (const auto* id = r.member(*o, root, "job", true))
      if (auto s = r.non_empty_string(*id, root / "job"))
        c.job_id = std::string(*s);
    if (const auto* a = r.member(*o, root, "action", true))
      if (auto s = r.string(*a, root / "action")) {
        if (auto what = job_action_from_string(*s))
          c.what = *what;
        else
          r.error(root / "action",
                  "unknown action '" + std::string(*s) + "' (known: cancel, suspend, resume)");
      }
    if (const auto* issued = r.member(*o, root, "issued_ms", false))
      if (auto ms = r.integer(*issued, root / "issued_ms", 0))
        c.issued_ms = *ms;
    r.reject_unknown_keys(*o, root, {"v", "type", "job", "action", "issued_ms"});
  }
  if (auto failed = first_error(problems, "job command"))
    return std::move(*failed);
  return c;
}

} // namespace boa::protocol
