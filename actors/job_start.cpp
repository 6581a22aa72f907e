#include "actors/job_start.hpp"

#include "protocol/json_read.hpp"
#include "protocol/limits.hpp"
#include "protocol/transition.hpp"
#include "protocol/workflow_codec.hpp"

#include <boost/json/object.hpp>

namespace boa::actors {

namespace {

expected<protocol::workflow_ptr> workflow_of(const node_context& ctx,
                                             const protocol::start_job_request& request) {
  if (request.definition) {
    // The request's own path, so that the client sees where in what it sent the problem is.
    auto decoded =
        protocol::decode_workflow(boost::json::value(*request.definition), ctx.known_kinds);
    if (!decoded.ok()) {
      if (auto failed = protocol::every_error(decoded.problems, {}, "definition"))
        return std::move(*failed);
      return error{errc::invalid_input, "definition: invalid workflow definition"};
    }
    if (auto too_large =
            protocol::workflow_over_limits(decoded.workflow->def, ctx.limits, {}, "definition"))
      return std::move(*too_large);
    return std::move(decoded.workflow);
  }
  const auto& ref = request.workflow_ref;
  if (!ctx.resolve)
    return error{errc::not_found, "workflow '" + ref + "' cannot be looked up: node '" +
                                      ctx.node_id + "' has no workflow repository"};
  auto resolved = ctx.resolve(ref);
  if (!resolved)
    return resolved;
  if (auto kinds = check_step_kinds((*resolved)->def, ctx.known_kinds, "workflow '" + ref + "'");
      !kinds)
    return std::move(kinds).error();
  if (auto too_large =
          protocol::workflow_over_limits((*resolved)->def, ctx.limits, "workflow '" + ref + "'"))
    return std::move(*too_large);
  return resolved;
}

} // namespace

expected<protocol::job> start_job(const node_context& ctx,
                                  const protocol::start_job_request& request, std::int64_t now_ms) {
  auto workflow = workflow_of(ctx, request);
  if (!workflow)
    return std::move(workflow).error();
  auto id = request.job_id;
  if (id.empty()) {
    if (!ctx.job_ids)
      return error{errc::internal, "node '" + ctx.node_id + "' cannot make job ids"};
    id = ctx.job_ids->next();
  }
  auto job =
      protocol::transition::start(std::move(id), std::move(*workflow), request.props, now_ms);
  // The start properties over the definition's: what the first step would see.
  if (auto why = protocol::properties_over_limit(job.props, ctx.limits, "at start"))
    return error{errc::invalid_input, "properties: " + *why};
  return job;
}

expected<protocol::job> start_requested_job(const node_context& ctx,
                                            const protocol::envelope& message) {
  auto request = protocol::parse_start_job(message.body);
  auto started = request ? start_job(ctx, *request, ctx.clock->now_ms())
                         : expected<protocol::job>(std::move(request).error());
  if (!message.reply_to.empty()) {
    auto reply = started ? protocol::ok_reply(job_started_data(*started))
                         : protocol::error_reply(started.error());
    ctx.bus->publish(protocol::reply_envelope(message, reply), caf::actor{}, 0);
  }
  return started;
}

boost::json::value job_started_data(const protocol::job& j) {
  boost::json::object data;
  data["job_id"] = j.id;
  const auto& def = j.workflow->def;
  data["workflow"] = def.name;
  if (def.revision)
    data["revision"] = *def.revision;
  else
    data["revision"] = nullptr;
  return data;
}

expected<void> check_step_kinds(const protocol::workflow& w,
                                const protocol::step_kind_filter& known_kinds,
                                std::string_view label) {
  if (!known_kinds)
    return {};
  std::string problems;
  for (std::size_t i = 0; i < w.steps.size(); ++i) {
    const auto& kind = w.steps[i].run.kind;
    if (kind.empty() || known_kinds(kind))
      continue;
    if (!problems.empty())
      problems += '\n';
    problems += std::string(label) + ": steps[" + std::to_string(i) + "].run: unknown step kind '" +
                kind + "'";
  }
  if (problems.empty())
    return {};
  return error{errc::invalid_input, std::move(problems)};
}

} // namespace boa::actors
