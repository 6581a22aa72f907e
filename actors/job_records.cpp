#include "actors/job_records.hpp"

#include "storage/job_store.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace boa::actors {

namespace {

constexpr std::size_t max_batch = 4096;
constexpr auto linger = std::chrono::milliseconds(5);

storage::job_record to_record(const protocol::job& j, const std::string& body) {
  storage::job_record r;
  r.id = j.id;
  r.state = protocol::to_string(j.state);
  if (j.workflow) {
    r.workflow = j.workflow->def.name;
    r.revision = j.workflow->def.revision.value_or(-1);
  }
  r.step = j.step;
  r.parent_id = j.parent_id;
  r.created_ms = j.created_ms;
  r.updated_ms = j.updated_ms;
  r.ended_ms = j.ended_ms;
  r.body = body;
  return r;
}

} // namespace

job_recorder::job_recorder(storage::job_store& store)
    : store_(store), writer_([this] { write_loop(); }) {}

job_recorder::~job_recorder() {
  {
    std::lock_guard guard{mutex_};
    stopping_ = true;
  }
  work_.notify_all();
  writer_.join();
}

void job_recorder::record(const protocol::job& j, const std::string& body) {
  auto r = to_record(j, body);
  {
    std::lock_guard guard{mutex_};
    queued_.push_back(std::move(r));
    ++queued_total_;
  }
  work_.notify_one();
}

void job_recorder::flush() {
  std::unique_lock lock{mutex_};
  auto target = queued_total_;
  written_.wait(lock, [&] { return written_total_ >= target; });
}

void job_recorder::write_loop() {
  std::vector<storage::job_record> batch;
  std::unique_lock lock{mutex_};
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
    if (queued_.empty() && stopping_)
      return;
    // Linger briefly so that one write carries many states, and a job's successive states
    // collapse into its latest (put_many keeps the last record of each id).
    if (!stopping_ && queued_.size() < max_batch)
      work_.wait_for(lock, linger, [&] { return stopping_ || queued_.size() >= max_batch; });
    batch.swap(queued_);
    lock.unlock();
    if (auto ok = store_.put_many(batch); !ok)
      spdlog::warn("job store: cannot record {} job state(s): {}", batch.size(),
                   ok.error().message);
    auto n = batch.size();
    batch.clear();
    lock.lock();
    written_total_ += n;
    written_.notify_all();
  }
}

} // namespace boa::actors
