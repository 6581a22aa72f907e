#include "runtime/amqp/detail/bridge_outbox.hpp"

#include <utility>

namespace boa::amqp::detail {

void bridge_outbox::attach(proton::work_queue& queue, std::function<void()> drain) {
  std::lock_guard guard{mutex_};
  queue_ = &queue;
  drain_ = std::move(drain);
  wake_pending_ = false;
}

std::vector<bridge_op> bridge_outbox::detach(std::string why) {
  std::lock_guard guard{mutex_};
  queue_ = nullptr;
  wake_pending_ = false;
  if (!closed_)
    down_reason_ = std::move(why);
  return std::exchange(items_, {});
}

void bridge_outbox::close(std::string why) {
  std::lock_guard guard{mutex_};
  closed_ = true;
  down_reason_ = std::move(why);
}

std::optional<std::string> bridge_outbox::push_publish(publish_op op) {
  std::lock_guard guard{mutex_};
  if (closed_ || !queue_)
    return down_reason_;
  items_.emplace_back(std::move(op));
  wake();
  return std::nullopt;
}

bool bridge_outbox::push(bridge_op op) {
  std::lock_guard guard{mutex_};
  if (closed_)
    return false;
  items_.push_back(std::move(op));
  wake();
  return true;
}

bool bridge_outbox::run_on_connection(std::function<void()> work) {
  std::lock_guard guard{mutex_};
  return queue_ && queue_->add(std::move(work));
}

std::vector<bridge_op> bridge_outbox::take() {
  std::lock_guard guard{mutex_};
  wake_pending_ = false;
  return std::exchange(items_, {});
}

void bridge_outbox::wake() {
  if (wake_pending_ || !queue_)
    return;
  // `add` fails once the connection's transport closed; `detach` follows and takes the batch.
  wake_pending_ = queue_->add(drain_);
}

} // namespace boa::amqp::detail
