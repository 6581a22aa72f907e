#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace boa::protocol {

/// A message on the bus. `address` is logical (`queue:boa.jobs`, `topic:boa.events`); the AMQP
/// bridge maps it to the broker's syntax. The body is JSON with `"v"` and `"type"`; `subject`
/// repeats the type so a consumer can route without parsing.
struct envelope {
  std::string address;
  std::string subject;
  std::string message_id;
  std::string correlation_id;
  std::string reply_to;
  std::string body;
  /// How many times the broker delivered this message before (0 on first delivery).
  std::uint32_t delivery_count = 0;
  /// Why the message was dead-lettered (set on messages in `queue:boa.dead`).
  std::string dead_letter_reason;
  /// Time to live in milliseconds from the publish; 0: never expires. A message still undelivered
  /// when its time is up is dropped by the broker (not dead-lettered); one already delivered is
  /// not taken back. Travels as the AMQP header `ttl`.
  std::uint32_t ttl_ms = 0;
};

/// Well-known addresses.
namespace addresses {
inline constexpr const char* jobs = "queue:boa.jobs";
inline constexpr const char* new_jobs = "queue:boa.jobs.new";
inline constexpr const char* archive = "queue:boa.archive";
inline constexpr const char* dead = "queue:boa.dead";
inline constexpr const char* events = "topic:boa.events";
inline constexpr const char* commands = "topic:boa.commands";
inline constexpr const char* heartbeat = "topic:boa.heartbeat";
/// Resume commands, also kept here besides their broadcast on `commands`: a topic message that no
/// node hears is gone, and the job with it, parked for good. One node takes each.
inline constexpr const char* resumes = "queue:boa.resumes";

inline std::string join_queue(const std::string& job_id, const std::string& fork_id) {
  return "queue:boa.join." + job_id + "." + fork_id;
}
inline std::string suspended_queue(const std::string& job_id) {
  return "queue:boa.suspended." + job_id;
}
inline std::string reduce_queue(const std::string& job_id, const std::string& reduce_key) {
  return "queue:boa.reduce." + job_id + "." + reduce_key;
}

/// Prefix of the private reply queues of clients (`queue:boa.reply.<client>`).
inline constexpr std::string_view reply_queue_prefix = "queue:boa.reply.";

/// Whether the broker keeps the messages of `address` across its restarts: every queue except the
/// reply queues of clients, which are private to their client and must not outlive it. Topics are
/// never durable. The embedded broker stores exactly these queues on disk; the AMQP bridge marks
/// messages to them durable and opens their links with durable termini, so that RabbitMQ declares
/// them durable too.
inline bool is_durable_queue(std::string_view address) {
  return address.starts_with("queue:") && !address.starts_with(reply_queue_prefix);
}
} // namespace addresses

} // namespace boa::protocol
