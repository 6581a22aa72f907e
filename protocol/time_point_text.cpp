#include "protocol/time_point_text.hpp"

#include <charconv>
#include <chrono>
#include <optional>
#include <string>

namespace boa::protocol {

namespace {

/// The digits of `text[from, from + n)` as a number; nullopt if any is not a digit.
std::optional<int> digits(std::string_view text, std::size_t from, std::size_t n) {
  if (from + n > text.size())
    return std::nullopt;
  int value = 0;
  for (std::size_t i = from; i < from + n; ++i) {
    if (text[i] < '0' || text[i] > '9')
      return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

/// `YYYY-MM-DDTHH:MM:SS[.fff…]Z`; nullopt when `text` is not that or names no real moment.
std::optional<std::int64_t> iso8601_utc_ms(std::string_view text) {
  auto year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  auto hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text.size() < 20 ||
      text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
      text[16] != ':')
    return std::nullopt;
  std::int64_t ms = 0;
  std::size_t at = 19;
  if (text[at] == '.') {
    std::size_t n = 0;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++n)
      if (n < 3)
        ms = ms * 10 + (text[at] - '0');
    if (n == 0)
      return std::nullopt;
    for (; n < 3; ++n)
      ms *= 10;
  }
  if (at + 1 != text.size() || (text[at] != 'Z' && text[at] != 'z'))
    return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{std::chrono::year{*year}, std::chrono::month{unsigned(*month)},
                            std::chrono::day{unsigned(*day)}};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59)
    return std::nullopt;
  const auto days = sys_days{date}.time_since_epoch().count();
  return ((days * 24 + *hour) * 60 + *minute) * 60000 + *second * 1000 + ms;
}

} // namespace

expected<std::int64_t> parse_time_point_ms(std::string_view text) {
  std::optional<std::int64_t> ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *ms);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    ms = iso8601_utc_ms(text);
  if (ms && *ms < 0)
    return error{errc::invalid_input,
                 "'" + std::string(text) + "' is before the epoch; give a time from 1970 on"};
  if (ms)
    return *ms;
  return error{errc::invalid_input,
               "'" + std::string(text) +
                   "' is not a time: give milliseconds since the epoch (1796044653188) or an "
                   "ISO-8601 UTC time (2026-11-30T12:00:00Z)"};
}

} // namespace boa::protocol
