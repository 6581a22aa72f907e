#pragma once

#include "protocol/envelope.hpp"
#include "protocol/expected.hpp"
#include "protocol/job.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::protocol {

/// The queue client requests (`boactl`, scripts) go to; any node answers (competing consumers).
inline constexpr const char* requests_address = "queue:boa.requests";
/// The `type` (and AMQP `subject`) of a start-job message and of every reply.
inline constexpr const char* start_job_type = "start-job";
inline constexpr const char* reply_type = "reply";

/// `start-job`, published to `queue:boa.jobs.new` by any AMQP 1.0 client:
///
///     {"v": 1, "type": "start-job",
///      "job_id": "j-…",                        optional; the node makes one when absent
///      "workflow": "NAME" | "NAME@REV",        one of these two:
///      "definition": { …workflow… },           an inline definition
///      "properties": { … }}                     optional start properties
///
/// With a `reply-to`, the node answers with a `job-started` reply (or an error reply) carrying the
/// request's `message-id` as `correlation-id`. A request that cannot be started is also
/// dead-lettered with the reason. Completion: a `job-ended` event on `topic:boa.events`.
/// A client that gives its own `job_id` keeps it if the node that took the request dies before
/// the job's first step is published and another node starts it again (at-least-once); a job id
/// the node makes is fresh on each such start. Unknown members are refused (a misspelt
/// `propertes` must not start a job without its properties).
struct start_job_request {
  std::string job_id;
  std::string workflow_ref; ///< NAME or NAME@REV; empty with `definition`
  std::optional<boost::json::object> definition;
  properties props;
};

std::string serialize_start_job(const start_job_request& request);
/// Decodes and validates (not the definition itself: that is the node's job, which knows the
/// step kinds); errc::invalid_input listing every problem, one a line, each with its JSON path
/// (`start-job: job_id: job id '../x' starts with '.'`).
expected<start_job_request> parse_start_job(std::string_view text);

/// Accepts `NAME` or `NAME@REV` with a non-empty NAME and REV an integer >= 1 (the repository
/// checks the name itself); errc::invalid_input saying so otherwise.
expected<void> validate_workflow_ref(std::string_view ref);

/// A request on `queue:boa.requests`; the `type` says which and the members that follow it.
///
///     list-jobs      {"state": "running"?, "workflow": "…"?, "since_ms": N?, "limit": 50?,
///                     "cursor": "…"? | "before_ms": N?}             newest update first
///     show-job       {"job_id": "…"}
///     push-workflow  {"definition": {…} , "notes": "…"?, "pushed_by": "…"?}
///     list-workflows {"name": "…"?}              names, or the revisions of one name
///     show-workflow  {"workflow": "NAME" | "NAME@REV"}
///     cluster-nodes  {}                          the nodes as the answering node's heartbeats
///     cluster-jobs   {}                          show them, and the jobs running on them
///     list-archived  {"state": "error"?, "workflow": "…"?, "since_ms": N?, "limit": 50?,
///                     "cursor": "…"?}          the node's archive, last ended first
///     show-archived  {"job_id": "…"}             one job of the node's archive
///
/// e.g. `{"v": 1, "type": "show-job", "job_id": "j-0123456789abcdef"}`; the AMQP `subject` is the
/// type, and the request must have a `reply-to`. Unknown members are refused.
struct client_request {
  enum class kind {
    list_jobs,
    show_job,
    push_workflow,
    list_workflows,
    show_workflow,
    cluster_nodes,
    cluster_jobs,
    list_archived,
    show_archived
  };
  kind what = kind::list_jobs;
  /// list-jobs; list-archived (finished, error or canceled)
  std::optional<job_state> state;
  std::int64_t limit = 50; ///< list-jobs, list-archived: 1..10000
  /// list-jobs: only jobs updated strictly before this (the last `updated_ms` of the page
  /// before); 0: from the newest.
  std::int64_t before_ms = 0;
  /// list-jobs: only jobs updated at or after this; list-archived: only jobs that ended at or
  /// after this (ms since the epoch); 0: any.
  std::int64_t since_ms = 0;
  /// list-jobs, list-archived: the `next_cursor` of the page before; empty: from the newest.
  std::string cursor;
  std::string job_id; ///< show-job, show-archived
  /// show-workflow (ref), list-workflows (name, may be empty), list-jobs and list-archived (a
  /// name to filter by, may be empty)
  std::string workflow;
  boost::json::object definition; ///< push-workflow
  std::string notes;              ///< push-workflow
  std::string pushed_by;          ///< push-workflow
};

/// The wire type: "list-jobs", "show-job", "push-workflow", "list-workflows", "show-workflow",
/// "cluster-nodes", "cluster-jobs", "list-archived", "show-archived".
const char* to_string(client_request::kind k);
std::optional<client_request::kind> request_kind_from_string(std::string_view text);
std::string serialize_request(const client_request& request);
/// Decodes and validates; every problem one a line, as `request: <path>: <message>`.
expected<client_request> parse_request(std::string_view text);

class json_reader;
class json_path;
/// Reads the members of a request of kind `c.what` from `o` (whose header is read already) into
/// `c`, recording problems with `r`; members other than `v`, `type`, `header_key` (when not
/// empty) and those of the kind are refused. For messages that carry a request's members, such as
/// a node command that asks one node's store (see node_command.hpp).
void read_request_members(json_reader& r, const boost::json::object& o, const json_path& root,
                          client_request& c, std::string_view header_key);

/// The answer to a request or to a start-job with reply-to:
///
///     {"v": 1, "type": "reply", "ok": true,  "data": …}
///     {"v": 1, "type": "reply", "ok": false, "error": {"code": "not_found", "message": "…"}}
///
/// `data` per request: list-jobs -> {"jobs": [{"id","workflow","state","step","created_ms",
/// "updated_ms","ended_ms","version","error"}…], "counts": {"<state>": n…}, "next_cursor": "…"?}
/// (newest first; counts are over the answering node's whole store; next_cursor, unless the
/// request gave before_ms, when there may be more); show-job -> the job as job_codec encodes it;
/// push-workflow -> {"name","revision","warnings":[…]}; list-workflows -> {"names":[…]} or
/// {"revisions":[{"revision","notes","pushed_by","pushed_ms"}…]}; show-workflow -> {"name",
/// "revision","definition"}; start-job -> {"job_id","workflow","revision"}; cluster-nodes ->
/// {"observer","taken_ms","listening_ms","nodes":[{"node","status","age_ms","restarts",
/// "heartbeat"}…]}; cluster-jobs -> {"observer","taken_ms","listening_ms","jobs":[{"job_id",
/// "workflow","step","since_ms","version","history_length","node","age_ms"}…]}
/// (actors/cluster_snapshot_codec.hpp); list-archived -> {"jobs": [{"id","workflow","revision",
/// "state","created_ms","started_ms","ended_ms","duration_ms","parent","node"}…], "next_cursor":
/// "…" | null} (last ended first; a null revision: an inline definition; a null started_ms,
/// parent or node: none); show-archived -> the archived job as job_codec encodes it. `listening_ms`
/// says how long the answering node has listened to heartbeats: a node asked for the first time
/// starts then, and its view is empty. A `revision` or `pushed_ms` that is not known is null. The
/// AMQP `subject` is "reply" and `correlation-id` the request's `message-id`. Readers ignore
/// members they do not know.
struct client_reply {
  bool ok = true;
  boost::json::value data;
  errc error_code = errc::internal; ///< when !ok
  std::string error_message;        ///< when !ok; may span lines (one problem a line)
};

std::string serialize_reply(const client_reply& reply);
/// Decodes and validates; every problem one a line, as `reply: <path>: <message>`.
expected<client_reply> parse_reply(std::string_view text);
/// Reads `ok` and `data` or `error` of a reply from `o` (whose header is read already) into
/// `out`; other members are left alone. For messages that carry a reply's members (node-reply).
void read_reply_members(json_reader& r, const boost::json::object& o, const json_path& root,
                        client_reply& out);
class text_writer;
/// Writes `ok` and `data` or `error` of `reply` as members of the object `w` is in.
void write_reply_members(text_writer& w, const client_reply& reply);
client_reply ok_reply(boost::json::value data);
client_reply error_reply(const error& e);

/// The message that answers `request` with `reply`: to its `reply-to`, correlated by its
/// `message-id`.
envelope reply_envelope(const envelope& request, const client_reply& reply);

/// The wire name of an error code: "invalid_input", "not_found", "io", "corrupt", "timeout",
/// "canceled", "step_failed", "internal".
const char* wire_name(errc code);
std::optional<errc> errc_from_wire_name(std::string_view text);

} // namespace boa::protocol
