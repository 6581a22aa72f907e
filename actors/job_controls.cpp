#include "actors/job_controls.hpp"

#include "storage/claim_store.hpp"

#include <spdlog/spdlog.h>

namespace boa::actors {

namespace {

/// Keeps `jobs` to at most `limit` entries, forgetting the oldest first (the front of `order`)
/// through `forget`. `order` may name jobs forgotten since; it is kept from growing past twice
/// `limit`.
template <class Map, class Forget>
void bound(const Map& jobs, std::deque<std::string>& order, std::size_t limit, Forget forget) {
  while (jobs.size() > limit && !order.empty()) {
    auto oldest = std::move(order.front());
    order.pop_front();
    if (jobs.count(oldest))
      forget(oldest);
  }
  if (order.size() > 2 * limit) {
    std::deque<std::string> live;
    for (auto& id : order)
      if (jobs.count(id))
        live.push_back(std::move(id));
    order = std::move(live);
  }
}

} // namespace

job_controls::job_controls(storage::claim_store* durable, std::size_t remembered)
    : durable_(durable), remembered_(remembered == 0 ? 1 : remembered) {
  if (!durable_)
    return;
  auto stored = durable_->pending();
  if (!stored) {
    spdlog::error("cannot read the pending job commands back: {}", stored.error().message);
    return;
  }
  std::lock_guard guard{mutex_};
  for (const auto& c : *stored) {
    auto what = protocol::job_action_from_string(c.action);
    if (!what) {
      spdlog::warn("forgetting a stored command '{}' for job {}: not a job command", c.action,
                   c.job_id);
      continue;
    }
    if (*what == action::resume) {
      resumes_.insert_or_assign(c.job_id, c.issued_ms);
      resume_order_.push_back(c.job_id);
    } else {
      remember(c.job_id, pending_control{*what, c.issued_ms});
    }
  }
  if (!pending_.empty() || !resumes_.empty())
    spdlog::info("{} pending job command(s) and {} resume(s) read back from before this start",
                 pending_.size(), resumes_.size());
}

void job_controls::request(const std::string& job_id, action what, std::int64_t issued_ms) {
  std::lock_guard guard{mutex_};
  remember(job_id, pending_control{what, issued_ms});
  if (durable_) {
    auto stored = durable_->put_pending({job_id, protocol::to_string(what), issued_ms});
    if (!stored)
      spdlog::error("the {} of job {} is kept in memory only: {}", protocol::to_string(what),
                    job_id, stored.error().message);
  }
}

void job_controls::clear(const std::string& job_id) {
  std::lock_guard guard{mutex_};
  if (pending_.count(job_id))
    forget(job_id);
}

void job_controls::clear_stale(const std::string& job_id, std::int64_t commands_ms) {
  std::lock_guard guard{mutex_};
  auto i = pending_.find(job_id);
  if (i == pending_.end() || !protocol::is_stale_command(i->second.issued_ms, commands_ms))
    return;
  forget(job_id);
}

bool job_controls::admit(const std::string& job_id, std::int64_t issued_ms) {
  if (issued_ms <= 0)
    return true;
  std::lock_guard guard{mutex_};
  auto [i, fresh] = newest_.try_emplace(job_id, issued_ms);
  if (!fresh) {
    if (issued_ms < i->second)
      return false;
    i->second = issued_ms;
    return true;
  }
  newest_order_.push_back(job_id);
  any_newest_.store(true, std::memory_order_release);
  if (newest_order_.size() > remembered_) { // bounded: the oldest jobs are forgotten
    newest_.erase(newest_order_.front());
    newest_order_.pop_front();
  }
  return true;
}

std::int64_t job_controls::newest(const std::string& job_id) const {
  if (!any_newest_.load(std::memory_order_acquire)) // every step asks: no lock until a command
    return 0;
  std::lock_guard guard{mutex_};
  auto i = newest_.find(job_id);
  return i == newest_.end() ? 0 : i->second;
}

void job_controls::resuming(const std::string& job_id, std::int64_t issued_ms) {
  std::lock_guard guard{mutex_};
  auto [i, fresh] = resumes_.insert_or_assign(job_id, issued_ms);
  if (fresh)
    resume_order_.push_back(job_id);
  bound(resumes_, resume_order_, remembered_, [this](const std::string& oldest) {
    resumes_.erase(oldest);
    if (durable_)
      (void)durable_->erase_pending(oldest, true); // forgotten either way
  });
  if (!durable_)
    return;
  auto stored = durable_->put_pending({job_id, "resume", issued_ms});
  if (!stored)
    spdlog::error("the resume of job {} is kept in memory only: {}", job_id,
                  stored.error().message);
}

void job_controls::resumed(const std::string& job_id) {
  std::lock_guard guard{mutex_};
  if (resumes_.erase(job_id) == 0 || !durable_)
    return;
  auto erased = durable_->erase_pending(job_id, true);
  if (!erased)
    spdlog::warn("a finished resume of job {} stays stored: {}", job_id, erased.error().message);
}

std::vector<std::pair<std::string, std::int64_t>> job_controls::resumes() const {
  std::lock_guard guard{mutex_};
  return {resumes_.begin(), resumes_.end()};
}

void job_controls::remember(const std::string& job_id, pending_control control) {
  auto [i, fresh] = pending_.insert_or_assign(job_id, control);
  if (fresh)
    pending_order_.push_back(job_id);
  bound(pending_, pending_order_, remembered_,
        [this](const std::string& oldest) { forget(oldest); });
  size_.store(pending_.size(), std::memory_order_release);
}

void job_controls::forget(const std::string& job_id) {
  pending_.erase(job_id);
  size_.store(pending_.size(), std::memory_order_release);
  if (!durable_)
    return;
  auto erased = durable_->erase_pending(job_id);
  if (!erased)
    spdlog::warn("a cleared command of job {} stays stored: {}", job_id, erased.error().message);
}

} // namespace boa::actors
