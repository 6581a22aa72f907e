#include "protocol/job_command.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace boa::protocol {

namespace {
constexpr const char* action_names[] = {"cancel", "suspend", "resume"};

error bad(std::string what) {
  return {errc::invalid_input, "job command: " + std::move(what)};
}
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

std::string serialize_command(const job_command& command) {
  boost::json::object o;
  o["v"] = 1;
  o["type"] = "job-command";
  o["job"] = command.job_id;
  o["action"] = to_string(command.what);
  return boost::json::serialize(o);
}

expected<job_command> parse_command(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec)
    return bad("not JSON: " + ec.message());
  const auto* o = v.if_object();
  if (!o)
    return bad("expected an object");
  if (const auto* ver = o->if_contains("v"); !ver || !ver->is_int64() || ver->get_int64() != 1)
    return bad("v: expected 1");
  if (const auto* t = o->if_contains("type");
      !t || !t->is_string() || t->get_string() != "job-command")
    return bad("type: expected \"job-command\"");
  job_command c;
  const auto* id = o->if_contains("job");
  if (!id || !id->is_string() || id->get_string().empty())
    return bad("job: expected a non-empty string");
  c.job_id = std::string(id->get_string());
  const auto* a = o->if_contains("action");
  if (!a || !a->is_string())
    return bad("action: expected one of cancel, suspend, resume");
  auto what = job_action_from_string(std::string_view(a->get_string()));
  if (!what)
    return bad("action: unknown action '" + std::string(a->get_string()) +
               "' (known: cancel, suspend, resume)");
  c.what = *what;
  return c;
}

} // namespace boa::protocol
