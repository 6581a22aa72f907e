#pragma once

#include "protocol/expected.hpp"

#include <cstdint>
#include <filesystem>

namespace boa::runtime {

/// Space a node wants free in its data directory at start: enough for the job store's and the
/// queue journal's first files and logs.
inline constexpr std::uint64_t min_free_bytes = 64ull << 20;

/// Creates `dir` if needed and proves it usable: a probe file is written, synced and removed,
/// and at least `min_free_bytes` are free. errc::io naming the directory and what failed
/// ("not writable: Permission denied", "only 12 MiB free"), so a node refuses to start rather
/// than fail on its first job.
expected<void> check_data_dir(const std::filesystem::path& dir);

} // namespace boa::runtime
