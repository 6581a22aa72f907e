#pragma once

#include "actors/cluster_view.hpp"
#include "protocol/expected.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace boa::actors {

/// The data of a `cluster-nodes` reply, as seen by the node `observer`:
///
///     {"observer": "n1", "taken_ms": …, "listening_ms": 5400,
///      "nodes": [{"node": "n2", "status": "live", "age_ms": 310, "restarts": 0,
///                 "heartbeat": {…the node's last heartbeat…}}]}
boost::json::object encode_cluster_nodes(const cluster_snapshot& snapshot,
                                         std::string_view observer);

/// The data of a `cluster-jobs` reply:
///
///     {"observer": "n1", "taken_ms": …, "listening_ms": 5400,
///      "jobs": [{"job_id": "j-…", "workflow": "w", "step": "s", "since_ms": …, "version": 3,
///                "history_length": 2, "node": "n2", "age_ms": 310}]}
///
/// `age_ms` is the age of the beat that reported the job.
boost::json::object encode_cluster_jobs(const cluster_snapshot& snapshot,
                                        std::string_view observer);

/// "live", "suspect", "down", "left"; nothing for anything else.
std::optional<node_status> node_status_from_string(std::string_view text);

/// Reads the data of either reply back (members it does not know are ignored; `nodes` and
/// `jobs` may each be absent); errc::invalid_input naming the member that is wrong.
expected<cluster_snapshot> decode_cluster_snapshot(const boost::json::value& data);

} // namespace boa::actors
