#include "test/amqp/bus_probe.hpp"

#include "actors/messages.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <thread>

namespace boa::amqp::test {

bus_probe::bus_probe(caf::actor_system& system) {
  actor_ = system.spawn([r = record_](caf::event_based_actor*) -> caf::behavior {
    return {
        [r](actors::delivery_atom, bus::delivery& d) {
          std::lock_guard guard{r->mutex};
          r->deliveries.push_back(std::move(d));
          r->changed.notify_all();
        },
        [r](actors::published_atom, std::uint64_t token, bool ok, std::string& error) {
          std::lock_guard guard{r->mutex};
          r->confirmations[token] = {ok, std::move(error)};
          r->changed.notify_all();
        },
    };
  });
}

bus_probe::~bus_probe() {
  caf::anon_send_exit(actor_, caf::exit_reason::user_shutdown);
}

std::optional<bus::delivery> bus_probe::next_delivery() {
  std::unique_lock lock{record_->mutex};
  if (!record_->changed.wait_for(lock, timeout, [&] { return !record_->deliveries.empty(); }))
    return std::nullopt;
  auto d = std::move(record_->deliveries.front());
  record_->deliveries.pop_front();
  return d;
}

std::size_t bus_probe::deliveries_waiting() const {
  std::lock_guard guard{record_->mutex};
  return record_->deliveries.size();
}

std::optional<confirmation> bus_probe::confirmation_of(std::uint64_t token) {
  std::unique_lock lock{record_->mutex};
  if (!record_->changed.wait_for(lock, timeout,
                                 [&] { return record_->confirmations.count(token) > 0; }))
    return std::nullopt;
  return record_->confirmations.at(token);
}

std::size_t bus_probe::confirmations() const {
  std::lock_guard guard{record_->mutex};
  return record_->confirmations.size();
}

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + bus_probe::timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

} // namespace boa::amqp::test
