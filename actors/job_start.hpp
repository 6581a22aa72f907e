#pragma once

#include "actors/node_context.hpp"
#include "protocol/client_messages.hpp"
#include "protocol/envelope.hpp"
#include "protocol/expected.hpp"
#include "protocol/job.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace boa::actors {

/// Turns a start-job request into the job's first state: the workflow it names (through
/// `ctx.resolve`) or the definition it carries (decoded and checked against `ctx.known_kinds`),
/// its start properties, and its id (a fresh one from `ctx.job_ids` when it has none).
/// errc::invalid_input listing every problem, one a line, with its JSON path in the request
/// (`definition.steps[1].run: unknown step kind 'teleport'`); errc::not_found for a workflow or
/// revision that does not exist.
expected<protocol::job> start_job(const node_context& ctx,
                                  const protocol::start_job_request& request, std::int64_t now_ms);

/// `start_job` of a start-job message as it came off the bus (decoding its body first). When the
/// message has a reply-to, also answers it: a `job-started` reply or the error (fire and forget:
/// the client waits with its own timeout).
expected<protocol::job> start_requested_job(const node_context& ctx,
                                            const protocol::envelope& message);

/// The data of a `job-started` reply: `{"job_id", "workflow", "revision"}`.
boost::json::value job_started_data(const protocol::job& j);

/// Every step of `w` whose kind `known_kinds` refuses, one a line, as
/// `<label>: steps[i].run: unknown step kind 'k'`; success when there is none.
expected<void> check_step_kinds(const protocol::workflow& w,
                                const protocol::step_kind_filter& known_kinds,
                                std::string_view label);

} // namespace boa::actors
