#include "actors/outbox.hpp"

#include "actors/job_records.hpp"
#include "actors/message_ids.hpp"
#include "protocol/job_codec.hpp"
#include "protocol/limits.hpp"

#include <fmt/core.h>

#include <atomic>
#include <random>

namespace boa::actors {

namespace {

/// For a context without its own suffixes (tests that compose actors by hand): a random process
/// prefix and a counter.
std::string next_message_suffix() {
  static const std::uint64_t process = [] {
    std::random_device seed;
    return (static_cast<std::uint64_t>(seed()) << 32) ^ seed();
  }();
  static std::atomic<std::uint64_t> counter{0};
  return fmt::format("{:016x}.{}", process, counter.fetch_add(1, std::memory_order_relaxed));
}

} // namespace

void outbox::send(protocol::outbound_job& out) {
  ++out.state.version;
  protocol::envelope env;
  env.address = out.address;
  env.subject = "job";
  env.message_id = fmt::format(
      "{}/{}/v{}/{}", out.state.id,
      out.state.step.empty() ? std::string_view("end") : std::string_view(out.state.step),
      out.state.version, ctx_.message_ids ? ctx_.message_ids->next() : next_message_suffix());
  env.body = protocol::serialize_job(out.state);
  // The bus would refuse it, and the delivery it came from would go back and come again for
  // ever: the owner dead-letters that delivery instead (`too_large`).
  if (auto over = protocol::message_over_limit("job " + out.state.id + ": its next state",
                                               env.body.size(), ctx_.limits.max_message_bytes)) {
    if (!failed_)
      failure_ = std::move(over->message);
    failed_ = true;
    too_large_ = true;
    return;
  }
  record(out.state, env.body);
  ++pending_;
  ctx_.bus->publish(std::move(env), self_, next_token_++);
}

void outbox::send_all(std::vector<protocol::outbound_job>& out) {
  for (auto& o : out)
    send(o);
}

void outbox::event(const protocol::job_event& e) {
  protocol::envelope env;
  env.address = protocol::addresses::events;
  env.subject = e.type == protocol::job_event::kind::step_finished ? "step-finished" : "job-ended";
  env.body = protocol::serialize_event(e);
  ctx_.bus->publish(std::move(env), caf::actor{}, 0);
}

bool outbox::confirmed(bool ok, const std::string& error) {
  if (!ok && !failed_) {
    failed_ = true;
    failure_ = error;
  }
  if (pending_ > 0)
    --pending_;
  return pending_ == 0;
}

void outbox::record(const protocol::job& j, const std::string& body) {
  if (!ctx_.recorder)
    return;
  // Branches of a fork share the job id; the main branch speaks for the job.
  for (const auto& f : j.forks)
    if (f.branch != 0)
      return;
  ctx_.recorder->record(j, body);
}

} // namespace boa::actors
