#pragma once

#include <string>
#include <string_view>

namespace boa::runtime::detail {

/// `bytes` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD.
/// Program output quoted in an error must be valid UTF-8, or the job message that carries the
/// error could not be decoded by the next node.
std::string to_valid_utf8(std::string_view bytes);

} // namespace boa::runtime::detail
