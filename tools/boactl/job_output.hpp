#pragma once

#include "protocol/event.hpp"
#include "protocol/job.hpp"
#include "tools/boactl/broker_client.hpp"
#include "tools/boactl/console.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <string>

namespace boa::boactl {

/// `NAME@REV`, or `NAME` for a definition without a revision.
std::string workflow_label(const protocol::job& j);

/// The line for the `n`th step attempt of a watched job:
/// `   3  transform (attempt 2)  ok  1.50 s  node-a`, with the error and `will retry` after.
std::string progress_line(std::size_t n, const protocol::job_event& e);

/// The first line of a watch: `job j-… (hello@2) running, at step fetch`.
std::string watch_header(const protocol::job& j);

/// `job list`: a table of the jobs and a line of counts by state; `--json`: the node's data.
void print_job_list(console& c, const boost::json::value& data);

/// `job list --archived`: a table of the archived jobs and, when there are more, the flag that
/// shows the next page; `--json`: the node's data.
void print_archived_job_list(console& c, const boost::json::value& data);

/// `job show`: state, workflow, step, times, the history as a table, the properties;
/// `--json`: the node's data (`j` decoded from it).
void print_job(console& c, const protocol::job& j, const boost::json::value& data);

/// How a watched job ended: a sentence (`job j-… finished in 3.10 s`) and its properties;
/// `--json`: the job as the node showed it (or its id, state and error when none did).
void print_job_end(console& c, const std::string& job_id, const job_end& end);

} // namespace boa::boactl
