#pragma once

#include "actors/bus/local_bus.hpp"
#include "protocol/envelope.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace boa::test {

/// Every message that reaches one queue, taken straight from the broker core (left unsettled: the
/// test owns the queue).
class queue_reader {
public:
  queue_reader(bus::local_bus& bus, const std::string& address) : core_(bus.core()) {
    auto sub = core_.subscribe(address, 100000, [this](bus::delivery d) {
      std::lock_guard guard{mutex_};
      messages_.push_back(std::move(d.message));
      changed_.notify_all();
    });
    if (!sub)
      throw std::runtime_error(sub.error().message);
    subscription_ = *sub;
  }
  ~queue_reader() { core_.unsubscribe(subscription_); }

  /// The first message `pred` accepts, waiting for it within a generous bound so that a hang fails.
  template <class Predicate> protocol::envelope wait_for(Predicate pred) {
    std::unique_lock lock{mutex_};
    protocol::envelope found;
    bool ok = changed_.wait_for(lock, std::chrono::seconds(60), [&] {
      auto i = std::find_if(messages_.begin(), messages_.end(), pred);
      if (i == messages_.end())
        return false;
      found = *i;
      return true;
    });
    if (!ok)
      throw std::runtime_error("no such message arrived within 60 s");
    return found;
  }

  std::size_t count() {
    std::lock_guard guard{mutex_};
    return messages_.size();
  }

private:
  bus::broker_core& core_;
  std::uint64_t subscription_ = 0;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<protocol::envelope> messages_;
};

} // namespace boa::test
