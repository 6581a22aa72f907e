#pragma once

#include "protocol/heartbeat.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace boa::test {

/// Beat number `seq` of the process of `node` started at `started_ms`, every 1000 ms, reporting
/// `jobs` running: what the cluster-view tests feed their views.
inline protocol::heartbeat beat(std::string node, std::int64_t started_ms, std::int64_t seq,
                                std::vector<protocol::running_job> jobs = {}) {
  protocol::heartbeat b;
  b.node = std::move(node);
  b.started_ms = started_ms;
  b.sent_ms = started_ms + seq * 1000;
  b.seq = seq;
  b.interval_ms = 1000;
  b.jobs = std::move(jobs);
  return b;
}

} // namespace boa::test
