#pragma once

#include "actors/bus/broker_core.hpp"
#include "sim/safety_ledger.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace boa::sim {

/// The simulator's reader of `queue:boa.archive`: a consumer of its own on the in-process broker
/// core that hands every archived copy to a `safety_ledger` (the invariant itself, which
/// `boasim check` also runs on a soak's record of real nodes).
class safety_checker {
public:
  explicit safety_checker(std::shared_ptr<bus::broker_core> core);

  /// Subscribes again after a broker restart (`restart_broker`) ended its subscription; what it
  /// had not accepted yet comes again, and counts as duplicate ends.
  void resubscribe();
  /// Accepts what arrived since the last call (the broker's callback may not settle itself).
  void settle();

  void expect(const std::string& job_id) { ledger_.expect(job_id); }
  void allow_cancel(const std::string& job_id) { ledger_.allow_cancel(job_id); }
  void allow_timeout(const std::string& job_id) { ledger_.allow_timeout(job_id); }
  std::size_t expected() const { return ledger_.expected(); }
  std::size_t ended() const { return ledger_.ended(); }
  std::size_t unended() const { return ledger_.unended(); }
  bool all_ended() const { return ledger_.all_ended(); }
  std::size_t count(protocol::job_state state) const { return ledger_.count(state); }
  std::size_t duplicate_ends() const { return ledger_.duplicate_ends(); }
  std::size_t timed_out() const { return ledger_.timed_out(); }
  const std::map<std::string, protocol::job>& archived() const { return ledger_.archived(); }
  std::vector<std::string> violations() const;
  std::vector<std::string> diverged() const { return ledger_.diverged(); }

private:
  void subscribe();

  std::shared_ptr<bus::broker_core> core_;
  safety_ledger ledger_;
  std::vector<std::string> subscription_errors_;
  std::vector<std::uint64_t> to_accept_;
};

} // namespace boa::sim
