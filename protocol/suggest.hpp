#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace boa::protocol {

/// `" (did you mean 'x'?)"` when one of `candidates` is close enough to `wrong` to be the one
/// meant (a few edits, relative to the length), else "".
std::string did_you_mean(std::string_view wrong, const std::vector<std::string_view>& candidates);

} // namespace boa::protocol
