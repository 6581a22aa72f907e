#include "protocol/suggest.hpp"

#include <algorithm>
#include <cstddef>

namespace boa::protocol {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

} // namespace

std::string did_you_mean(std::string_view wrong, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  std::size_t best_distance = static_cast<std::size_t>(-1);
  for (auto c : candidates) {
    std::size_t d = edit_distance(wrong, c);
    // Close relative to the length, so that 'a' does not suggest 'b'.
    if (d < best_distance && d * 3 <= std::max(wrong.size(), c.size())) {
      best = c;
      best_distance = d;
    }
  }
  if (best.empty())
    return {};
  std::string out = " (did you mean '";
  out += best;
  out += "'?)";
  return out;
}

} // namespace boa::protocol
