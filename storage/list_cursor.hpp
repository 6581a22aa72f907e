#pragma once

#include "protocol/expected.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace boa::storage {

/// Where a newest-first listing of jobs stands: the time (update or end) and id of the last job
/// of a page. The next page starts strictly after it, so jobs that share a millisecond are
/// neither skipped nor repeated. As text (`next_cursor`): `<ms>/<id>`.
struct list_cursor {
  std::int64_t ms = 0;
  std::string id;

  friend bool operator==(const list_cursor&, const list_cursor&) = default;
};

std::string to_string(const list_cursor& cursor);

/// Reads `to_string`'s form; errc::invalid_input saying it is not a cursor of a previous page.
expected<list_cursor> parse_list_cursor(std::string_view text);

} // namespace boa::storage
