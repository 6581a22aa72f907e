#pragma once

#include <fmt/core.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace boa::actors {

/// What makes the id of every job message a node publishes unique: a 64-bit prefix drawn once per
/// node and a counter. Two copies of one job state made by a step that ran twice differ only
/// here. The simulator seeds the prefix so that ids replay; `boad` draws it from the operating
/// system. Thread-safe.
class message_id_suffixes {
public:
  explicit message_id_suffixes(std::uint64_t prefix) : prefix_(prefix) {}

  /// `<prefix as 16 hex digits>.<counter>`
  std::string next() {
    return fmt::format("{:016x}.{}", prefix_, counter_.fetch_add(1, std::memory_order_relaxed));
  }

private:
  std::uint64_t prefix_;
  std::atomic<std::uint64_t> counter_{0};
};

} // namespace boa::actors
