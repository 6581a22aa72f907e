#pragma once

#include "protocol/expected.hpp"

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

namespace boa::protocol {

/// Accepts 1 to 128 characters of A-Z a-z 0-9 '.' '_' '-' not starting with '.': such an id is
/// always a single, ordinary file name (a job's folder is named after it). errc::invalid_input
/// saying what is allowed otherwise.
expected<void> validate_job_id(std::string_view id);

/// `j-` and the 16 hex digits of `random`: the ids nodes give jobs started without one.
std::string job_id_from(std::uint64_t random);

/// Makes fresh job ids from a seeded generator, so that the simulator can replay them. Thread-safe.
class job_id_generator {
public:
  explicit job_id_generator(std::uint64_t seed) : random_(seed) {}

  std::string next() {
    std::lock_guard lock(mutex_);
    return job_id_from(random_());
  }

private:
  std::mutex mutex_;
  std::mt19937_64 random_;
};

} // namespace boa::protocol
