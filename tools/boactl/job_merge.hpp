#pragma once

#include "tools/boactl/broker_client.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace boa::boactl {

/// The `list-jobs` answers of several nodes as one list: one row per job id, the row of the most
/// advanced state winning (highest `version`, then latest `updated_ms`: a node that ran a later
/// step of the job knows more), newest first, at most `limit` rows:
///
///     {"jobs": [...rows as a node lists them...], "counts": {"<state>": n...} (of the rows),
///      "nodes": ["n1", ...] (answered), "silent": [...] (live, no answer),
///      "errors": [{"node", "message"}...] (answered with an error)}
boost::json::value merge_job_lists(const node_answers& answers, std::size_t limit);

/// Of the `show-job` answers of several nodes, the job in its most advanced state (highest
/// `version`, then latest `updated_ms`); null when no node answered with the job.
boost::json::value most_advanced_job(const node_answers& answers);

} // namespace boa::boactl
