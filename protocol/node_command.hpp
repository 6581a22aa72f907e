#pragma once

#include "protocol/client_messages.hpp"
#include "protocol/envelope.hpp"
#include "protocol/expected.hpp"

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace boa::protocol {

/// Every node subscribes to its own command topic and to this one, which all nodes answer.
inline constexpr const char* all_nodes_address = "topic:boa.node.all";
/// The command topic of the node `node_id`: `topic:boa.node.<node_id>`.
std::string node_address(std::string_view node_id);

inline constexpr const char* node_command_type = "node-command";
inline constexpr const char* node_reply_type = "node-reply";

/// A command to one node (`topic:boa.node.<id>`) or to every node (`topic:boa.node.all`):
///
///     {"v": 1, "type": "node-command", "command": "<command>", …members of the command}
///
///     status                                    the node's state
///     workers-add | workers-remove  {"system": "workers", "count": N}   N in 1..1000
///     system-start | system-stop | system-restart  {"system": "workers"}
///     drain                                     take no new work, finish what runs; stay up
///     shutdown                                  drain, then the node process exits
///     list-jobs  {"state": …?, "limit": …?}     as the list-jobs request (client_messages.hpp)
///     show-job   {"job_id": "…"}                as the show-job request
///
/// The AMQP `subject` is "node-command"; a command with a `reply-to` is answered there with a
/// node-reply correlated by its `message-id`. Members are data, never code: unknown members and
/// commands are refused. Which systems a node has is the node's to say (an unknown one gets an
/// error reply naming the known ones).
struct node_command {
  enum class kind {
    status,
    workers_add,
    workers_remove,
    system_start,
    system_stop,
    system_restart,
    drain,
    shutdown,
    list_jobs,
    show_job,
  };
  kind what = kind::status;
  std::string system;     ///< workers-*, system-*
  std::int64_t count = 1; ///< workers-*
  /// list-jobs and show-job: the request a node answers from its own store.
  client_request query;
};

/// The wire name of a command: "status", "workers-add", … (see node_command).
const char* to_string(node_command::kind k);
std::optional<node_command::kind> node_command_kind_from_string(std::string_view text);
/// Every command's wire name, comma-separated, for messages that list them.
const char* known_node_commands();

std::string serialize_node_command(const node_command& command);
/// Decodes and validates; every problem one a line, as `node-command: <path>: <message>`.
expected<node_command> parse_node_command(std::string_view text);

/// The answer of one node to a node command:
///
///     {"v": 1, "type": "node-reply", "node": "n1", "ok": true, "data": …}
///     {"v": 1, "type": "node-reply", "node": "n1", "ok": false,
///      "error": {"code": "invalid_input", "message": "…"}}
///
/// `data` for status, workers-*, system-*, drain and shutdown: the node's state after the
/// command, `{"state": "running" | "draining", "heartbeat": {…}}`, the heartbeat's members as
/// the node would beat them now (see heartbeat.hpp) except `seq`, which is 0: it is not a beat;
/// for list-jobs and show-job: what the client request answers (client_messages.hpp). Readers
/// ignore members they do not know.
struct node_reply {
  std::string node;
  client_reply reply;
};

std::string serialize_node_reply(const node_reply& reply);
/// Decodes and validates; every problem one a line, as `node-reply: <path>: <message>`.
expected<node_reply> parse_node_reply(std::string_view text);

/// The message that answers `command` with `reply`: to its `reply-to`, correlated by its
/// `message-id`.
envelope node_reply_envelope(const envelope& command, const node_reply& reply);

} // namespace boa::protocol
