#include "storage/list_cursor.hpp"

#include <charconv>

namespace boa::storage {

std::string to_string(const list_cursor& cursor) {
  return std::to_string(cursor.ms) + "/" + cursor.id;
}

expected<list_cursor> parse_list_cursor(std::string_view text) {
  auto slash = text.find('/');
  list_cursor cursor;
  if (slash != std::string_view::npos && slash + 1 < text.size()) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + slash, cursor.ms);
    if (ec == std::errc{} && end == text.data() + slash && cursor.ms >= 0) {
      cursor.id = std::string(text.substr(slash + 1));
      return cursor;
    }
  }
  return error{errc::invalid_input,
               "not the next_cursor of a previous page: '" + std::string(text) + "'"};
}

} // namespace boa::storage
