#include "actors/outbox.hpp"

#include "actors/job_records.hpp"
#include "protocol/job_codec.hpp"

namespace boa::actors {

void outbox::send(const protocol::outbound_job& out) {
  protocol::envelope env;
  env.address = out.address;
  env.subject = "job";
  env.message_id = out.state.id + "/" +
                   (out.state.step.empty() ? std::string("end") : out.state.step) + "/" +
                   std::to_string(out.state.attempt);
  env.body = protocol::serialize_job(out.state);
  record(out.state, env.body);
  ++pending_;
  ctx_.bus->publish(std::move(env), self_, next_token_++);
}

void outbox::send_all(const std::vector<protocol::outbound_job>& out) {
  for (const auto& o : out)
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
