#include "runtime/http/job_end_watch.hpp"

#include "actors/job_observer.hpp"

#include <caf/send.hpp>

namespace boa::http {

job_end_watch::job_end_watch(caf::actor_system& system, bus::bus& bus)
    : system_(system), bus_(bus) {}

job_end_watch::~job_end_watch() {
  stop();
}

void job_end_watch::stop() {
  caf::actor observer;
  {
    std::lock_guard guard{mutex_};
    stopped_ = true;
    observer = std::move(observer_);
  }
  changed_.notify_all();
  if (observer)
    caf::anon_send_exit(observer, caf::exit_reason::user_shutdown);
}

std::unique_ptr<job_end_watch::ticket> job_end_watch::expect(const std::string& job_id) {
  std::lock_guard guard{mutex_};
  if (!observer_ && !stopped_) {
    // Subscribed before this returns (spawn_job_observer's contract): an end published after
    // the caller's start cannot pass unseen.
    actors::job_observer_callbacks callbacks;
    callbacks.on_event = [this](const protocol::job_event& e) {
      if (e.type == protocol::job_event::kind::job_ended)
        on_ended(e.job_id);
    };
    observer_ = actors::spawn_job_observer(system_, bus_, nullptr, std::move(callbacks));
  }
  ++jobs_[job_id].waiters;
  return std::unique_ptr<ticket>(new ticket(*this, job_id));
}

void job_end_watch::on_ended(const std::string& job_id) {
  {
    std::lock_guard guard{mutex_};
    auto it = jobs_.find(job_id);
    if (it == jobs_.end())
      return; // nobody waits for it
    it->second.ended = true;
  }
  changed_.notify_all();
}

job_end_watch::ticket::~ticket() {
  std::lock_guard guard{watch_.mutex_};
  auto it = watch_.jobs_.find(job_id_);
  if (it != watch_.jobs_.end() && --it->second.waiters == 0)
    watch_.jobs_.erase(it);
}

bool job_end_watch::ticket::wait_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock{watch_.mutex_};
  watch_.changed_.wait_until(lock, deadline,
                             [&] { return watch_.stopped_ || watch_.jobs_.at(job_id_).ended; });
  return watch_.jobs_.at(job_id_).ended;
}

} // namespace boa::http
