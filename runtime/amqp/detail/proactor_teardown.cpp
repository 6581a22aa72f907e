#include "runtime/amqp/detail/proactor_teardown.hpp"

#include <proton/event.h>

#include <thread>

namespace boa::amqp::detail {

bool finish_disconnect(pn_proactor_t* proactor, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  pn_proactor_disconnect(proactor, nullptr);
  pn_proactor_cancel_timeout(proactor);
  while (std::chrono::steady_clock::now() < deadline) {
    auto* batch = pn_proactor_get(proactor);
    if (!batch) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    bool inactive = false;
    while (auto* event = pn_event_batch_next(batch))
      inactive = inactive || pn_event_type(event) == PN_PROACTOR_INACTIVE;
    pn_proactor_done(proactor, batch);
    if (inactive)
      return true;
  }
  return false;
}

} // namespace boa::amqp::detail
