#include "actors/request_handler.hpp"
#include "actors/hand_back_on_exit.hpp"
#include "protocol/secret_properties.hpp"

#include "actors/archive_answers.hpp"
#include "actors/cluster_snapshot_codec.hpp"
#include "actors/messages.hpp"
#include "protocol/json_read.hpp"
#include "protocol/limits.hpp"
#include "protocol/workflow_codec.hpp"
#include "storage/job_store.hpp"
#include "storage/workflow_repository.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

namespace boa::actors {

namespace {

namespace json = boost::json;
using protocol::client_reply;
using protocol::client_request;
using protocol::error_reply;
using protocol::ok_reply;

/// Requests one handler holds at once (answered, waiting for the bus to confirm the answer).
constexpr std::uint32_t credit_window = 4;
/// How long the node's own aggregator may take to hand out its view.
constexpr std::chrono::seconds cluster_view_timeout{5};

bool is_cluster_view(const client_request& request) {
  return request.what == client_request::kind::cluster_nodes ||
         request.what == client_request::kind::cluster_jobs;
}

error no_store(const node_context& ctx) {
  return {errc::not_found,
          "node '" + ctx.node_id + "' keeps no job store (it runs without a data directory)"};
}

error no_repository(const node_context& ctx) {
  return {errc::not_found, "node '" + ctx.node_id + "' has no workflow repository"};
}

json::value or_null(const std::optional<std::int64_t>& n) {
  return n ? json::value(*n) : json::value(nullptr);
}

/// The `error` and `version` members of a stored job body ("" and 0 when it has none or cannot
/// be read).
std::pair<std::string, std::int64_t> error_and_version_of(const std::string& body) {
  boost::system::error_code ec;
  auto parsed = json::parse(body, ec);
  if (ec || !parsed.is_object())
    return {};
  const auto& o = parsed.get_object();
  const auto* e = o.if_contains("error");
  const auto* v = o.if_contains("version");
  return {e && e->is_string() ? std::string(e->get_string()) : std::string(),
          v && v->is_int64() ? v->get_int64() : 0};
}

json::object summary_of(const storage::job_record& r) {
  auto [error, version] = error_and_version_of(r.body);
  return json::object{{"id", r.id},
                      {"workflow", r.workflow},
                      {"state", r.state},
                      {"step", r.step},
                      {"created_ms", r.created_ms},
                      {"updated_ms", r.updated_ms},
                      {"ended_ms", r.ended_ms},
                      {"version", version},
                      {"error", std::move(error)}};
}

/// Most records a list-jobs page looks through to filter by workflow.
constexpr std::size_t max_scanned = 10000;

client_reply list_jobs(const node_context& ctx, storage::job_store* jobs,
                       const client_request& request) {
  if (!jobs)
    return error_reply(no_store(ctx));
  std::optional<std::string> state;
  if (request.state)
    state = protocol::to_string(*request.state);
  std::vector<storage::job_record> records;
  std::optional<storage::list_cursor> next;
  if (request.before_ms > 0) {
    // The paging of older clients: by update time alone.
    auto listed = jobs->list(state, static_cast<std::size_t>(request.limit), request.before_ms);
    if (!listed)
      return error_reply(listed.error());
    records = std::move(*listed);
  } else {
    storage::job_page_query query;
    query.state = state;
    query.since_ms = request.since_ms;
    query.limit = static_cast<std::size_t>(request.limit);
    query.max_scanned = std::max(max_scanned, query.limit);
    if (!request.cursor.empty()) {
      auto after = storage::parse_list_cursor(request.cursor);
      if (!after)
        return error_reply({errc::invalid_input, "cursor: " + after.error().message});
      query.after = std::move(*after);
    }
    if (!request.workflow.empty())
      query.keep = [&request](const storage::job_record& r) {
        return r.workflow == request.workflow;
      };
    auto page = jobs->page(query);
    if (!page)
      return error_reply(page.error());
    records = std::move(page->records);
    next = std::move(page->next);
  }
  auto counts = jobs->count_by_state();
  if (!counts)
    return error_reply(counts.error());
  json::array list;
  list.reserve(records.size());
  for (const auto& r : records)
    list.push_back(summary_of(r));
  json::object by_state;
  for (const auto& [name, n] : *counts)
    by_state[name] = n;
  json::object data{{"jobs", std::move(list)}, {"counts", std::move(by_state)}};
  if (next)
    data["next_cursor"] = storage::to_string(*next);
  return ok_reply(std::move(data));
}

client_reply show_job(const node_context& ctx, storage::job_store* jobs,
                      const client_request& request) {
  if (!jobs)
    return error_reply(no_store(ctx));
  auto record = jobs->get(request.job_id);
  if (!record)
    return error_reply(record.error());
  if (!*record)
    return error_reply({errc::not_found, "job '" + request.job_id + "' is not known to node '" +
                                             ctx.node_id + "' (a node knows the jobs it ran)"});
  boost::system::error_code ec;
  auto body = json::parse((*record)->body, ec);
  if (ec)
    return error_reply({errc::corrupt, "job '" + request.job_id +
                                           "': the stored job cannot be read: " + ec.message()});
  return ok_reply(protocol::redact_job_view(std::move(body)));
}

client_reply push_workflow(const node_context& ctx, storage::workflow_repository* repository,
                           const client_request& request) {
  if (!repository)
    return error_reply(no_repository(ctx));
  // The repository checks everything but the step kinds, which only the node knows: first that.
  auto decoded = protocol::decode_workflow(json::value(request.definition), ctx.known_kinds);
  if (!decoded.ok()) {
    auto failed = protocol::every_error(decoded.problems, {}, "definition");
    return error_reply(failed ? *failed
                              : error{errc::invalid_input, "definition: invalid workflow"});
  }
  if (auto too_large =
          protocol::workflow_over_limits(decoded.workflow->def, ctx.limits, {}, "definition"))
    return error_reply(*too_large);
  storage::push_origin origin;
  origin.pushed_by = request.pushed_by;
  auto pushed = repository->push(json::serialize(request.definition), request.notes, origin);
  if (!pushed)
    return error_reply(pushed.error());
  json::array warnings;
  for (const auto& w : pushed->warnings)
    warnings.push_back(json::string(w));
  return ok_reply(json::object{{"name", pushed->info.name},
                               {"revision", pushed->info.revision},
                               {"warnings", std::move(warnings)}});
}

client_reply list_workflows(const node_context& ctx, storage::workflow_repository* repository,
                            const client_request& request) {
  if (!repository)
    return error_reply(no_repository(ctx));
  if (request.workflow.empty()) {
    auto names = repository->names();
    if (!names)
      return error_reply(names.error());
    json::array list;
    for (const auto& n : *names)
      list.push_back(json::string(n));
    return ok_reply(json::object{{"names", std::move(list)}});
  }
  auto revisions = repository->revisions(request.workflow);
  if (!revisions)
    return error_reply(revisions.error());
  json::array list;
  for (const auto& r : *revisions)
    list.push_back(json::object{{"revision", r.revision},
                                {"notes", r.notes},
                                {"pushed_by", r.pushed_by},
                                {"pushed_ms", or_null(r.pushed_ms)}});
  return ok_reply(json::object{{"revisions", std::move(list)}});
}

client_reply show_workflow(const node_context& ctx, storage::workflow_repository* repository,
                           const client_request& request) {
  if (!repository)
    return error_reply(no_repository(ctx));
  auto resolved = repository->resolve(request.workflow);
  if (!resolved)
    return error_reply(resolved.error());
  const auto& w = **resolved;
  return ok_reply(json::object{
      {"name", w.def.name}, {"revision", or_null(w.def.revision)}, {"definition", w.source}});
}

struct handler_state {
  node_context* ctx = nullptr;
  request_sources sources;
  std::uint64_t subscription = 0;
  static inline const char* name = "boa.request_handler";
};

using handler = caf::stateful_actor<handler_state>;

void settle(handler* self, std::uint64_t tag, bus::settlement how, const std::string& reason = {}) {
  auto& st = self->state;
  st.ctx->bus->settle(tag, how, reason);
  st.ctx->bus->add_credit(st.subscription, 1);
}

void on_request(handler* self, const bus::delivery& d) {
  auto& st = self->state;
  auto* ctx = st.ctx;
  const auto& message = d.message;
  if (message.reply_to.empty()) {
    spdlog::warn("dead-lettering request {}: it has no reply-to", message.message_id);
    return settle(self, d.tag, bus::settlement::reject,
                  "request has no reply-to: there is nowhere to send its answer");
  }
  auto request = protocol::parse_request(message.body);
  if (!request) {
    spdlog::warn("dead-lettering request {}: {}", message.message_id, request.error().message);
    ctx->bus->publish(protocol::reply_envelope(message, error_reply(request.error())), caf::actor{},
                      0);
    return settle(self, d.tag, bus::settlement::reject,
                  "cannot decode request: " + request.error().message);
  }
  // Accepted once the bus has the answer: a node that dies first leaves the request to another.
  auto answer = [self, ctx, message, tag = d.tag](const client_reply& reply) {
    ctx->bus->publish(protocol::reply_envelope(message, reply), caf::actor_cast<caf::actor>(self),
                      tag);
  };
  if (!is_cluster_view(*request))
    return answer(answer_request(*ctx, st.sources, *request));
  auto aggregator = st.sources.cluster_view ? st.sources.cluster_view() : caf::actor{};
  if (!aggregator)
    return answer(
        error_reply({errc::not_found, "node '" + ctx->node_id + "' keeps no cluster view"}));
  self->request(aggregator, cluster_view_timeout, cluster_view_atom::value)
      .then(
          [ctx, request = *request, answer](const cluster_snapshot& snapshot) {
            answer(answer_cluster_request(*ctx, request, snapshot));
          },
          [ctx, answer](caf::error& e) {
            answer(error_reply(
                {errc::internal, "node '" + ctx->node_id +
                                     "': its cluster view did not answer: " + caf::to_string(e)}));
          });
}

caf::behavior request_handler(handler* self, node_context* ctx, request_sources sources) {
  auto& st = self->state;
  st.ctx = ctx;
  st.sources = sources;
  auto sub = ctx->bus->subscribe(protocol::requests_address, caf::actor_cast<caf::actor>(self),
                                 credit_window);
  if (!sub) {
    spdlog::critical("request handler cannot subscribe to {}: {}", protocol::requests_address,
                     sub.error().message);
    self->quit(caf::exit_reason::user_shutdown);
    return {};
  }
  st.subscription = *sub;
  // Leaving for any reason hands back the requests held: the broker redelivers them.
  hand_back_on_exit(self, [self] { self->state.ctx->bus->unsubscribe(self->state.subscription); });
  return {
      [self](delivery_atom, bus::delivery& d) { on_request(self, d); },
      [self](published_atom, std::uint64_t tag, bool ok, std::string& error) {
        // Publishing again would not help: the asker is gone or the bus refuses its address.
        if (!ok)
          spdlog::warn("the answer to a request could not be delivered: {}", error);
        settle(self, tag, bus::settlement::accept);
      },
  };
}

} // namespace

protocol::client_reply answer_request(const node_context& ctx, const request_sources& sources,
                                      const protocol::client_request& request) {
  using kind = client_request::kind;
  switch (request.what) {
  case kind::list_jobs:
    return list_jobs(ctx, sources.jobs, request);
  case kind::show_job:
    return show_job(ctx, sources.jobs, request);
  case kind::push_workflow:
    return push_workflow(ctx, sources.workflows, request);
  case kind::list_workflows:
    return list_workflows(ctx, sources.workflows, request);
  case kind::show_workflow:
    return show_workflow(ctx, sources.workflows, request);
  case kind::list_archived:
    return answer_list_archived(ctx, sources.archive, request);
  case kind::show_archived:
    return answer_show_archived(ctx, sources.archive, request);
  case kind::cluster_nodes:
  case kind::cluster_jobs:
    break; // the aggregator answers: answer_cluster_request
  }
  return error_reply({errc::internal, std::string("request '") + protocol::to_string(request.what) +
                                          "' is not answered here"});
}

protocol::client_reply answer_cluster_request(const node_context& ctx,
                                              const protocol::client_request& request,
                                              const cluster_snapshot& snapshot) {
  if (request.what == client_request::kind::cluster_nodes)
    return ok_reply(encode_cluster_nodes(snapshot, ctx.node_id));
  if (request.what == client_request::kind::cluster_jobs)
    return ok_reply(encode_cluster_jobs(snapshot, ctx.node_id));
  return error_reply({errc::internal, std::string("request '") + protocol::to_string(request.what) +
                                          "' is not a cluster view"});
}

caf::actor spawn_request_handler(caf::actor_system& system, node_context& ctx,
                                 request_sources sources) {
  // Detached: answers read RocksDB and the repository's files, which may block for a while.
  if (!ctx.detach_blocking_actors)
    return system.spawn(request_handler, &ctx, sources);
  return system.spawn<caf::detached>(request_handler, &ctx, sources);
}

} // namespace boa::actors
