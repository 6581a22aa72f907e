#include "tools/boactl/job_commands.hpp"

#include "protocol/job_codec.hpp"
#include "protocol/job_id.hpp"
#include "protocol/property_settings.hpp"
#include "protocol/time_point_text.hpp"
#include "tools/boactl/definition_file.hpp"
#include "tools/boactl/job_merge.hpp"
#include "tools/boactl/job_output.hpp"
#include "tools/boactl/text_format.hpp"

#include <boost/json/serialize.hpp>

#include <fmt/core.h>

#include <chrono>

#include <optional>
#include <ostream>
#include <random>

namespace boa::boactl {

namespace {

std::string fresh_job_id() {
  std::random_device seed;
  protocol::job_id_generator ids{(static_cast<std::uint64_t>(seed()) << 32) ^ seed()};
  return ids.next();
}

/// What show-job found. A node that has no record of the job answers not_found: the job may
/// not be recorded yet (a node records it once it has run a step), or another node ran it.
struct lookup {
  std::optional<protocol::job> job;
  boost::json::value data; ///< the job as the node sent it
  std::string unknown;     ///< without a job: the node's reason
};

expected<lookup, exit_code> look_up(session& s, console& c, const std::string& job_id) {
  auto client = s.client();
  if (!client)
    return report(c, client.error());
  protocol::client_request request;
  request.what = protocol::client_request::kind::show_job;
  request.job_id = job_id;
  auto reply = (*client)->request(request);
  if (!reply)
    return report(c, reply.error());
  if (!reply->ok && reply->error_code == errc::not_found)
    return lookup{std::nullopt, nullptr, reply->error_message};
  if (!reply->ok)
    return report(c, *reply);
  auto j = protocol::decode_job(reply->data);
  if (!j) {
    c.err << "boactl: the node's answer is not a job: " << j.error().message << '\n';
    return exit_failed;
  }
  return lookup{std::move(*j), std::move(reply->data), {}};
}

/// Progress goes where a person looks; with `--json` stdout is kept for the one document.
std::ostream& progress_stream(console& c) {
  return c.json ? c.err : c.out;
}

/// Prints a progress line per step attempt until the job ends, then how it ended.
int follow(broker_client& client, console& c, const std::string& job_id) {
  auto& progress = progress_stream(c);
  std::size_t attempts = 0;
  bool suspended = false;
  watch_callbacks callbacks;
  callbacks.on_event = [&](const protocol::job_event& e) {
    if (e.type == protocol::job_event::kind::step_finished)
      progress << progress_line(++attempts, e) << std::endl; // flushed: a person is watching
  };
  callbacks.on_poll = [&](const protocol::job& j) {
    bool now = j.state == protocol::job_state::suspended;
    if (now && !suspended)
      progress << fmt::format("job {} is suspended; `boactl job resume {}` lets it go on", job_id,
                              job_id)
               << std::endl;
    suspended = now;
  };
  auto end = client.wait_for_end(job_id, callbacks);
  if (!end)
    return report(c, end.error());
  print_job_end(c, job_id, *end);
  return exit_code_of_job(end->state);
}

std::string started_line(const std::string& job_id, const boost::json::value& data) {
  std::string workflow;
  if (const auto* o = data.if_object()) {
    if (const auto* w = o->if_contains("workflow"); w && w->is_string())
      workflow = w->as_string().c_str();
    if (const auto* r = o->if_contains("revision"); r && r->is_int64() && !workflow.empty())
      workflow += "@" + std::to_string(r->as_int64());
  }
  return fmt::format("job {} started{}", job_id, workflow.empty() ? "" : " (" + workflow + ")");
}

} // namespace

int job_start(session& s, console& c, const job_start_args& args) {
  protocol::start_job_request request;
  if (names_a_file(args.target)) {
    auto file = read_definition_file(args.target);
    if (!file)
      return report(c, file.error());
    for (const auto& warning : file->warnings)
      c.err << warning << '\n';
    request.definition = std::move(file->definition);
  } else if (auto ref = protocol::validate_workflow_ref(args.target); !ref) {
    return report(c, error{errc::invalid_input,
                           fmt::format("'{}' is neither a definition file (FILE.json) nor a "
                                       "workflow of the repository: {}",
                                       args.target, ref.error().message)});
  } else {
    request.workflow_ref = args.target;
  }
  auto props = protocol::parse_property_settings(args.sets);
  if (!props)
    return report(c, props.error());
  request.props = std::move(*props);
  request.job_id = args.job_id.empty() ? fresh_job_id() : args.job_id;
  if (auto valid = protocol::validate_job_id(request.job_id); !valid)
    return report(c, error{errc::invalid_input, "--id: " + valid.error().message});

  auto client = s.client();
  if (!client)
    return report(c, client.error());
  if (args.wait) // before the start: the job may end before its reply arrives
    if (auto followed = (*client)->follow_events(request.job_id); !followed)
      return report(c, followed.error());
  auto reply = (*client)->start_job(request);
  if (!reply)
    return report(c, reply.error());
  if (!reply->ok)
    return report(c, *reply);
  auto job_id = request.job_id;
  if (const auto* o = reply->data.if_object())
    if (const auto* id = o->if_contains("job_id"); id && id->is_string())
      job_id = id->as_string().c_str();
  if (!args.wait) {
    if (c.json)
      c.out << boost::json::serialize(reply->data) << '\n';
    else
      c.out << job_id << '\n';
    return exit_ok;
  }
  progress_stream(c) << started_line(job_id, reply->data) << std::endl;
  return follow(**client, c, job_id);
}

namespace {

/// `job list --archived`: one node answers from its archive.
int job_list_archived(session& s, console& c, protocol::client_request request,
                      const job_list_args& args) {
  request.what = protocol::client_request::kind::list_archived;
  if (request.state && !protocol::is_terminal(*request.state))
    return report(c, error{errc::invalid_input,
                           fmt::format("--state '{}': archived jobs are finished, error or "
                                       "canceled",
                                       args.state)});
  request.cursor = args.cursor;
  return ask_and_print(s, c, request, print_archived_job_list);
}

} // namespace

int job_list(session& s, console& c, const job_list_args& args) {
  protocol::client_request request;
  request.what = protocol::client_request::kind::list_jobs;
  if (!args.state.empty()) {
    auto state = protocol::job_state_from_string(args.state);
    if (!state)
      return report(c, error{errc::invalid_input,
                             fmt::format("--state '{}': unknown job state (known: initial, "
                                         "running, suspended, finished, error, canceled)",
                                         args.state)});
    request.state = *state;
  }
  if (args.limit < 1 || args.limit > 10000)
    return report(
        c, error{errc::invalid_input, fmt::format("--limit {}: expected 1 to 10000", args.limit)});
  request.limit = args.limit;
  request.workflow = args.workflow;
  if (!args.since.empty()) {
    auto since = protocol::parse_time_point_ms(args.since);
    if (!since)
      return report(c, error{errc::invalid_input, "--since " + since.error().message});
    request.since_ms = *since;
  }
  if (args.archived)
    return job_list_archived(s, c, std::move(request), args);
  if (!args.cursor.empty())
    return report(c, error{errc::invalid_input,
                           "--cursor: only with --archived (the list of the nodes' stores is "
                           "merged from several nodes and has no cursor)"});
  auto client = s.client();
  if (!client)
    return report(c, client.error());
  // Every node's store: a job is in the store of each node that ran one of its steps.
  protocol::node_command command;
  command.what = protocol::node_command::kind::list_jobs;
  command.query = request;
  auto answers = (*client)->command_nodes("all", command);
  if (!answers)
    return report(c, answers.error());
  auto merged = merge_job_lists(*answers, static_cast<std::size_t>(args.limit));
  const auto& m = merged.as_object();
  if (m.at("nodes").as_array().empty()) {
    // Every node that answered failed: say why (the first one's reason stands for all).
    for (const auto& r : answers->replies)
      if (!r.reply.ok)
        return report(c, r.reply);
  }
  for (const auto& e : m.at("errors").as_array())
    c.err << fmt::format("boactl: node {}: {}\n", std::string_view(e.at("node").as_string()),
                         std::string_view(e.at("message").as_string()));
  for (const auto& n : answers->silent)
    c.err << fmt::format("boactl: node {} did not answer within {}: its jobs are not listed\n", n,
                         format_duration((*client)->options().timeout.count()));
  print_job_list(c, merged);
  return exit_ok;
}

int job_show(session& s, console& c, const std::string& job_id, bool archived) {
  if (auto valid = protocol::validate_job_id(job_id); !valid)
    return report(c, valid.error());
  if (archived) {
    protocol::client_request request;
    request.what = protocol::client_request::kind::show_archived;
    request.job_id = job_id;
    auto data = ask(s, c, request);
    if (!data)
      return data.error();
    auto j = protocol::decode_job(*data);
    if (!j) {
      c.err << "boactl: the archived job cannot be read: " << j.error().message << '\n';
      return exit_failed;
    }
    print_job(c, *j, *data);
    return exit_ok;
  }
  auto client = s.client();
  if (!client)
    return report(c, client.error());
  protocol::node_command command;
  command.what = protocol::node_command::kind::show_job;
  command.query.what = protocol::client_request::kind::show_job;
  command.query.job_id = job_id;
  auto answers = (*client)->command_nodes("all", command);
  if (!answers)
    return report(c, answers.error());
  auto data = most_advanced_job(*answers);
  if (data.is_null()) {
    // No node has the job: a not_found from every node is the user's; another error is a node's.
    for (const auto& r : answers->replies)
      if (r.reply.error_code != errc::not_found)
        return report(c, r.reply);
    std::string nodes;
    for (const auto& r : answers->replies)
      nodes += (nodes.empty() ? "" : ", ") + r.node;
    c.err << fmt::format("boactl: no node knows job '{}' (asked: {}; a node knows the jobs it "
                         "ran a step of)\n",
                         job_id, nodes);
    return exit_bad_input;
  }
  auto j = protocol::decode_job(data);
  if (!j) {
    c.err << "boactl: the node's answer is not a job: " << j.error().message << '\n';
    return exit_failed;
  }
  print_job(c, *j, data);
  return exit_ok;
}

int job_watch(session& s, console& c, const std::string& job_id) {
  auto client = s.client();
  if (!client)
    return report(c, client.error());
  // Following first: a job that ends between the answer below and the subscription would
  // otherwise leave the watch waiting for an event that was never seen.
  if (auto followed = (*client)->follow_events(job_id); !followed)
    return report(c, followed.error());
  auto found = look_up(s, c, job_id);
  if (!found)
    return found.error();
  if (!found->job) {
    c.err << fmt::format("boactl: {}; waiting for the job's events (Ctrl-C to stop)\n",
                         found->unknown);
    return follow(**client, c, job_id);
  }
  const auto& j = *found->job;
  if (protocol::is_terminal(j.state)) {
    print_job_end(c, job_id, job_end{j.state, j.error, found->data});
    return exit_code_of_job(j.state);
  }
  progress_stream(c) << watch_header(j) << std::endl;
  return follow(**client, c, job_id);
}

int job_control(session& s, console& c, const std::string& job_id,
                protocol::job_command::action what) {
  auto found = look_up(s, c, job_id);
  if (!found)
    return found.error();
  const std::string verb = protocol::to_string(what);
  std::string state = "state unknown";
  if (found->job) {
    state = protocol::to_string(found->job->state);
    if (protocol::is_terminal(found->job->state)) {
      // Cancel and suspend want the job to stop: it has. Resume wants it to go on: it cannot.
      c.err << fmt::format("boactl: job {} has already ended ({}): nothing to {}\n", job_id, state,
                           verb);
      return what == protocol::job_command::action::resume ? exit_bad_input : exit_ok;
    }
  } else {
    // The command reaches every node; the one that runs the job's next step applies it.
    c.err << fmt::format("boactl: note: {}; sending {} anyway\n", found->unknown, verb);
  }
  auto client = s.client();
  if (!client)
    return report(c, client.error());
  // Stamped, so that a node that gets this command after a later one ignores it.
  const auto issued = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  if (auto sent = (*client)->send_command(protocol::job_command{job_id, what, issued}); !sent)
    return report(c, sent.error());
  if (c.json) {
    boost::json::value known = nullptr;
    if (found->job)
      known = state;
    c.out << boost::json::serialize(
                 boost::json::object{{"job_id", job_id}, {"action", verb}, {"state", known}})
          << '\n';
    return exit_ok;
  }
  c.out << fmt::format("{} sent to job {} ({}); it takes effect before the job's next step\n", verb,
                       job_id, state);
  return exit_ok;
}

} // namespace boa::boactl
