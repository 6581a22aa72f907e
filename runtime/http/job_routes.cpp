#include "runtime/http/routes.hpp"

#include "runtime/http/invalid_input.hpp"
#include "runtime/http/job_end_watch.hpp"
#include "runtime/http/json_body.hpp"
#include "runtime/http/query_params.hpp"

#include "actors/job_start.hpp"
#include "actors/messages.hpp"
#include "actors/request_handler.hpp"
#include "protocol/job_command.hpp"
#include "protocol/secret_properties.hpp"
#include "storage/job_archive.hpp"
#include "storage/job_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <caf/scoped_actor.hpp>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

namespace boa::http {

namespace json = boost::json;

namespace {

/// How long a start request whose job ended waits before it looks again for the job's final
/// state, which the node is still writing.
constexpr std::chrono::milliseconds final_state_retry{5};

/// The longest page `GET /jobs` gives.
constexpr std::int64_t max_list = 10000;

std::string next_message_id(const api_context& ctx) {
  static std::atomic<std::uint64_t> counter{0};
  return ctx.node->node_id + "-http-" + std::to_string(++counter);
}

/// Publishes `message` and waits for the bus to take responsibility for it; an error reply when
/// it refuses or does not answer within the timeout.
std::optional<http_reply> publish_confirmed(const api_context& ctx, protocol::envelope message) {
  caf::scoped_actor self{*ctx.system};
  message.message_id = next_message_id(ctx);
  ctx.node->bus->publish(std::move(message), caf::actor{self}, 1);
  std::optional<http_reply> failed;
  self->receive(
      [&](actors::published_atom, std::uint64_t, bool ok, std::string& why) {
        if (!ok)
          failed = error_reply(503, "io", "the broker refused the message: " + why);
      },
      caf::after(ctx.actor_timeout) >>
          [&] {
            failed = error_reply(504, "timeout", "the broker did not confirm the message in time");
          });
  return failed;
}

http_reply show_job(const api_context& ctx, const std::string& id) {
  actors::request_sources sources;
  sources.jobs = ctx.jobs;
  protocol::client_request request;
  request.what = protocol::client_request::kind::show_job;
  request.job_id = id;
  return from_client_reply(actors::answer_request(*ctx.node, sources, request));
}

http_reply list_jobs(const api_context& ctx, const http_request& req) {
  protocol::client_request request;
  request.what = protocol::client_request::kind::list_jobs;
  if (auto state = query_param(req, "state")) {
    request.state = protocol::job_state_from_string(*state);
    if (!request.state)
      return invalid_input_at("state", "must be one of initial, running, suspended, finished, "
                                       "error, canceled, got '" +
                                           std::string(*state) + "'");
  }
  if (auto workflow = query_param(req, "workflow"))
    request.workflow = *workflow;
  auto since = time_param(req, "since");
  if (!since)
    return invalid_input(since.error());
  request.since_ms = since->value_or(0);
  auto limit = integer_param(req, "limit", 1, max_list);
  if (!limit)
    return invalid_input(limit.error());
  request.limit = limit->value_or(50);
  if (auto cursor = query_param(req, "cursor"))
    request.cursor = *cursor;
  actors::request_sources sources;
  sources.jobs = ctx.jobs;
  return from_node_answer(actors::answer_request(*ctx.node, sources, request));
}

/// The final state of job `id`, whose end was seen: from the node's store, else from its
/// archive. Either may take a moment to have it (the end event is published as the job's last
/// state is written), so it looks again until `deadline`; nullopt if it never found it.
std::optional<http_reply> final_job(const api_context& ctx, const std::string& id,
                                    std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (ctx.jobs) {
      if (ctx.flush_records)
        ctx.flush_records();
      auto record = ctx.jobs->get(id);
      auto state =
          record && *record ? protocol::job_state_from_string((*record)->state) : std::nullopt;
      if (state && protocol::is_terminal(*state))
        return show_job(ctx, id);
    }
    if (ctx.archive) {
      auto archived = ctx.archive->get(id);
      if (archived && *archived) {
        boost::system::error_code ec;
        auto body = json::parse((*archived)->body, ec);
        if (!ec)
          return json_reply(200, protocol::redact_job_view(std::move(body)));
      }
    }
    if (std::chrono::steady_clock::now() >= deadline || (ctx.stopping && ctx.stopping->load()))
      return std::nullopt;
    std::this_thread::sleep_for(final_state_retry);
  }
}

http_reply launch(const api_context& ctx, protocol::start_job_request request,
                  std::chrono::milliseconds wait);

http_reply start_job(const api_context& ctx, const http_request& req) {
  json::value parsed;
  if (auto bad = parse_json_body(req.body, parsed))
    return *bad;
  if (!parsed.is_object())
    return error_reply(400, "invalid_input", "the body must be a JSON object");
  auto body = std::move(parsed.as_object());
  std::chrono::milliseconds wait{0};
  if (auto* w = body.if_contains("wait_ms")) {
    if (!w->is_int64() || w->get_int64() < 0 || w->get_int64() > ctx.max_wait.count())
      return error_reply(400, "invalid_input",
                         "wait_ms: must be an integer from 0 to " +
                             std::to_string(ctx.max_wait.count()) + ", got " + json::serialize(*w));
    wait = std::chrono::milliseconds{w->get_int64()};
    body.erase("wait_ms");
  }
  // The body is a start-job message without its envelope members: decoded the same way.
  body["v"] = 1;
  body["type"] = protocol::start_job_type;
  auto request = protocol::parse_start_job(json::serialize(body));
  if (!request)
    return invalid_input(request.error(), "start-job: ");
  return launch(ctx, std::move(*request), wait);
}

/// A property name a hook's query may set: what a workflow names its properties with.
bool valid_property_name(std::string_view name) {
  return !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

/// `POST|GET /hooks/{workflow}`: starts `workflow` (NAME or NAME@REV) with every query parameter
/// as a string property, over the properties of a JSON object body if there is one.
http_reply start_from_hook(const api_context& ctx, const http_request& req) {
  protocol::start_job_request request;
  request.workflow_ref = req.params.at("workflow");
  if (auto valid = protocol::validate_workflow_ref(request.workflow_ref); !valid)
    return invalid_input_at("workflow", valid.error().message);
  if (req.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    json::value parsed;
    if (auto bad = parse_json_body(req.body, parsed))
      return *bad;
    if (!parsed.is_object())
      return invalid_input_at("", "the body must be a JSON object (the job's properties)");
    request.props = std::move(parsed.as_object());
  }
  for (const auto& [name, value] : req.query) {
    if (!valid_property_name(name))
      return invalid_input_at(name, "query parameter '" + name +
                                        "' is not a property name: use 1 to 128 characters of "
                                        "A-Z, a-z, 0-9, '_', '-', '.'");
    request.props[name] = value;
  }
  return launch(ctx, std::move(request), std::chrono::milliseconds{0});
}

/// Starts the job `request` asks for as any client does, and answers 202 with its id; with
/// `wait`, the final job (200) if it ends in time.
http_reply launch(const api_context& ctx, protocol::start_job_request request,
                  std::chrono::milliseconds wait) {
  auto job = actors::start_job(*ctx.node, request, ctx.node->clock->now_ms());
  if (!job)
    return invalid_input(job.error());

  // Waiting starts before the job can end, so that its end cannot pass unseen.
  std::unique_ptr<job_end_watch::ticket> ticket;
  if (wait.count() > 0 && ctx.job_ends && (ctx.jobs || ctx.archive))
    ticket = ctx.job_ends->expect(job->id);

  // Started as any client starts a job: a start-job message that a node takes from the queue.
  request.job_id = job->id;
  protocol::envelope message;
  message.address = protocol::addresses::new_jobs;
  message.subject = protocol::start_job_type;
  message.body = protocol::serialize_start_job(request);
  if (auto failed = publish_confirmed(ctx, std::move(message)))
    return *failed;

  auto started = json_reply(202, actors::job_started_data(*job));
  if (!ticket)
    return started;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  if (!ticket->wait_until(deadline))
    return started;
  auto final = final_job(ctx, job->id, deadline);
  return final ? *final : started;
}

http_reply command_job(const api_context& ctx, const http_request& req) {
  const auto& id = req.params.at("id");
  const auto& name = req.params.at("command");
  auto what = protocol::job_action_from_string(name);
  if (!what)
    return error_reply(404, "not_found",
                       "no command '" + name + "': use cancel, suspend or resume");
  protocol::job_command command{id, *what, ctx.node->clock->now_ms()};
  auto text = protocol::serialize_command(command);
  if (auto checked = protocol::parse_command(text); !checked)
    return invalid_input(checked.error());
  for (auto& address : protocol::command_addresses(*what)) {
    protocol::envelope message;
    message.address = address;
    message.subject = "job-command";
    message.body = text;
    if (auto failed = publish_confirmed(ctx, std::move(message)))
      return *failed;
  }
  return json_reply(202, json::object{{"job_id", id},
                                      {"command", protocol::to_string(*what)},
                                      {"issued_ms", command.issued_ms}});
}

} // namespace

void add_job_routes(router& r, const api_context& ctx) {
  r.add(verb::get, "/jobs", [&ctx](const http_request& req) { return list_jobs(ctx, req); });
  r.add(verb::post, "/jobs", [&ctx](const http_request& req) { return start_job(ctx, req); });
  r.add(verb::get, "/jobs/{id}",
        [&ctx](const http_request& req) { return show_job(ctx, req.params.at("id")); });
  r.add(verb::post, "/jobs/{id}/{command}",
        [&ctx](const http_request& req) { return command_job(ctx, req); });
  // Tools that can only send a GET (a monitoring alert, a chat command) may start jobs too.
  for (auto method : {verb::post, verb::get})
    r.add(method, "/hooks/{workflow}",
          [&ctx](const http_request& req) { return start_from_hook(ctx, req); });
}

} // namespace boa::http
