#include "sim/safety_checker.hpp"

#include "protocol/envelope.hpp"

namespace boa::sim {

safety_checker::safety_checker(std::shared_ptr<bus::broker_core> core) : core_(std::move(core)) {
  subscribe();
}

void safety_checker::subscribe() {
  auto sub = core_->subscribe(protocol::addresses::archive, 1u << 20, [this](bus::delivery d) {
    to_accept_.push_back(d.tag);
    ledger_.record(d.message.body);
  });
  if (!sub)
    subscription_errors_.push_back("cannot subscribe to the archive: " + sub.error().message);
}

void safety_checker::resubscribe() {
  to_accept_.clear(); // tags of the old subscription: the restart released them
  subscribe();
}

void safety_checker::settle() {
  auto tags = std::move(to_accept_);
  to_accept_.clear();
  for (auto tag : tags)
    core_->settle(tag, bus::settlement::accept);
}

std::vector<std::string> safety_checker::violations() const {
  std::vector<std::string> out;
  for (const auto& e : subscription_errors_)
    out.push_back(e);
  for (auto& v : ledger_.violations())
    out.push_back(std::move(v));
  return out;
}

} // namespace boa::sim
