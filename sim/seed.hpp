#pragma once

#include <cstdint>
#include <string_view>

namespace boa::sim {

/// splitmix64: a well-mixed 64-bit value from any 64-bit input.
std::uint64_t mix64(std::uint64_t x);

/// A value derived from the run's seed and a name (a node id, an attempt): independent of the
/// order in which the run asks for it.
std::uint64_t derive(std::uint64_t seed, std::string_view name);

} // namespace boa::sim
