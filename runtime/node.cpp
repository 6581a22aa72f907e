#include "runtime/node.hpp"

#include "actors/job_dispatcher.hpp"
#include "actors/job_records.hpp"
#include "actors/worker_pool.hpp"
#include "protocol/job_codec.hpp"
#include "storage/job_folders.hpp"
#include "storage/job_store.hpp"

#include <caf/send.hpp>

namespace boa::runtime {

expected<std::unique_ptr<node>> node::start(caf::actor_system& system, bus::bus& bus,
                                            actors::step_executor_ptr executor,
                                            node_options options) {
  std::unique_ptr<node> n{new node};
  n->workflows_ = std::make_unique<protocol::workflow_cache>();
  if (!options.data_dir.empty()) {
    auto store = storage::job_store::open(options.data_dir / "jobs.db");
    if (!store)
      return store.error();
    n->store_ = std::move(*store);
    n->recorder_ = std::make_unique<actors::job_recorder>(*n->store_);
    n->folders_ = std::make_unique<storage::job_folders>(options.data_dir / "jobs");
  }
  auto& ctx = n->ctx_;
  ctx.node_id = options.node_id;
  ctx.bus = &bus;
  ctx.workflows = n->workflows_.get();
  ctx.recorder = n->recorder_.get();
  ctx.folders = n->folders_.get();
  ctx.resolve = std::move(options.resolve);
  ctx.clock = &n->clock_;
  ctx.controls = &n->controls_;
  ctx.reduce_checkpoint_every = std::max<std::uint32_t>(1, options.reduce_checkpoint_every);
  auto workers = std::max<std::size_t>(1, options.workers);
  ctx.max_in_flight = options.max_in_flight != 0
                          ? options.max_in_flight
                          : static_cast<std::uint32_t>(std::max<std::size_t>(16, workers * 4));
  ctx.executor = executor;
  ctx.worker_pool = actors::spawn_worker_pool(system, std::move(executor), workers);
  n->dispatcher_ = actors::spawn_job_dispatcher(system, ctx);
  return n;
}

void node::stop() {
  if (dispatcher_) {
    caf::anon_send_exit(dispatcher_, caf::exit_reason::user_shutdown);
    dispatcher_ = nullptr;
  }
  if (ctx_.worker_pool) {
    caf::anon_send_exit(ctx_.worker_pool, caf::exit_reason::user_shutdown);
    ctx_.worker_pool = nullptr;
  }
}

void node::flush_records() {
  if (recorder_)
    recorder_->flush();
}

node::~node() {
  stop();
}

} // namespace boa::runtime
