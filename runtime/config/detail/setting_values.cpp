#include "runtime/config/detail/setting_values.hpp"

#include "storage/postgres_archive.hpp"

#include <boost/json/serialize.hpp>

#include <arpa/inet.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>

namespace boa::config::detail {

namespace {

constexpr std::size_t max_shown = 60;

std::string cut(std::string s) {
  if (s.size() > max_shown) {
    s.resize(max_shown - 3);
    s += "...";
  }
  return s;
}

/// How a rejected value is shown: in single quotes when it came as text, as JSON otherwise.
struct shown {
  std::string text;
  static shown of_text(std::string_view t) { return {show_text(t)}; }
  static shown of_json(const boost::json::value& v) { return {show_json(v)}; }
};

value_error wrong(std::string_view must, const shown& got) {
  std::string m(must);
  m += ", got ";
  m += got.text;
  return {std::move(m), {}};
}

bool is_digits(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (c < '0' || c > '9')
      return false;
  return true;
}

/// `s` as an unsigned integer, or nothing if it is not only digits or does not fit.
std::optional<std::uint64_t> to_unsigned(std::string_view s) {
  if (!is_digits(s))
    return std::nullopt;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return n;
}

const char* const positive_integer = "must be a positive integer";

parsed<std::size_t> check_count(std::uint64_t n, std::size_t max, const shown& got) {
  if (n == 0)
    return wrong(positive_integer, got);
  if (n > max)
    return wrong("must be at most " + std::to_string(max), got);
  return static_cast<std::size_t>(n);
}

/// Applies a reader of text to a JSON string, showing the JSON when the text is rejected.
template <class Check>
auto from_json_string(const boost::json::value& v, std::string_view must, Check check)
    -> decltype(check(std::string_view{}, shown{})) {
  const auto* s = v.if_string();
  if (s == nullptr)
    return wrong(must, shown::of_json(v));
  return check(std::string_view(s->data(), s->size()), shown::of_json(v));
}

constexpr std::string_view name_chars_rule =
    "must be a name of letters, digits, '.', '_' and '-' (at most 128)";

parsed<std::string> check_name(std::string_view text, const shown& got) {
  if (text.empty() || text.size() > 128)
    return wrong(name_chars_rule, got);
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return wrong(name_chars_rule, got);
  }
  return std::string(text);
}

constexpr std::string_view duration_rule =
    "must be a duration: an integer with a unit (ms, s, m or h) such as 500ms or 2m";
constexpr std::chrono::milliseconds max_duration = std::chrono::hours(24);

parsed<std::chrono::milliseconds> check_duration(std::string_view text, bool allow_zero,
                                                 const shown& got) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  auto number = to_unsigned(text.substr(0, digits));
  std::string_view unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit == "ms")
    scale = 1;
  else if (unit == "s")
    scale = 1000;
  else if (unit == "m")
    scale = 60 * 1000;
  else if (unit == "h")
    scale = 60 * 60 * 1000;
  if (digits == 0 || scale == 0)
    return wrong(duration_rule, got);
  auto limit = static_cast<std::uint64_t>(max_duration.count());
  if (!number || *number > limit / scale) // too many digits for 64 bits is too long as well
    return wrong("must be at most " + format_duration(max_duration), got);
  if (*number == 0 && !allow_zero)
    return wrong("must be longer than 0", got);
  return std::chrono::milliseconds(static_cast<std::int64_t>(*number * scale));
}

constexpr std::string_view broker_url_rule = "must be amqp://HOST[:PORT] or amqps://HOST[:PORT]";

/// A host name: labels of letters, digits and `-`, separated by dots.
bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '.' || host.back() == '.')
    return false;
  char previous = '.';
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || (c == '.' && previous != '.');
    if (!ok)
      return false;
    previous = c;
  }
  return true;
}

bool is_ipv4(const std::string& host) {
  in_addr a{};
  return ::inet_pton(AF_INET, host.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr a{};
  return ::inet_pton(AF_INET6, host.c_str(), &a) == 1;
}

/// `HOST[:PORT]` or `[IPV6][:PORT]` split apart; `host` loses its brackets. Nothing if malformed.
struct host_port {
  std::string host;
  std::optional<std::string_view> port;
};

std::optional<host_port> split_host_port(std::string_view text) {
  host_port out;
  std::string_view rest;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    out.host = std::string(text.substr(1, close - 1));
    if (!is_ipv6(out.host))
      return std::nullopt;
    rest = text.substr(close + 1);
  } else {
    auto colon = text.find(':');
    out.host = std::string(text.substr(0, colon));
    rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon);
    // All digits and dots: meant as an IPv4 address, so it must be one.
    bool numeric = out.host.find_first_not_of("0123456789.") == std::string::npos;
    if (numeric ? !is_ipv4(out.host) : !is_host_name(out.host))
      return std::nullopt;
  }
  if (!rest.empty()) {
    if (rest.front() != ':')
      return std::nullopt;
    out.port = rest.substr(1);
  }
  return out;
}

parsed<std::string> check_broker_url(std::string_view text, const shown& got) {
  if (text.empty())
    return std::string();
  std::string_view rest;
  for (std::string_view scheme : {"amqp://", "amqps://"})
    if (text.substr(0, scheme.size()) == scheme)
      rest = text.substr(scheme.size());
  if (rest.empty())
    return wrong(broker_url_rule, got);
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    // Never repeat the credentials in the message.
    std::string redacted(text.substr(0, text.size() - rest.size()));
    redacted += "***";
    redacted += rest.substr(at);
    return wrong("must not hold credentials (set broker.username and broker.password)",
                 shown::of_text(redacted));
  }
  if (rest.back() == '/')
    rest.remove_suffix(1);
  auto hp = split_host_port(rest);
  if (!hp)
    return wrong(broker_url_rule, got);
  if (hp->port) {
    if (!is_digits(*hp->port))
      return wrong(broker_url_rule, got);
    auto port = to_unsigned(*hp->port);
    if (!port || *port == 0 || *port > 65535)
      return wrong("must have a port from 1 to 65535", got);
  }
  return std::string(text);
}

constexpr std::string_view listen_rule = "must be HOST:PORT such as 127.0.0.1:5672";

parsed<listen_address> check_listen(std::string_view text, const shown& got) {
  auto hp = split_host_port(text);
  if (!hp || !hp->port || !is_digits(*hp->port))
    return wrong(listen_rule, got);
  auto port = to_unsigned(*hp->port);
  if (!port || *port > 65535)
    return wrong("must have a port from 0 to 65535", got);
  return listen_address{std::move(hp->host), static_cast<std::uint16_t>(*port)};
}

constexpr std::array<log_level, 7> all_levels = {
    log_level::trace, log_level::debug,    log_level::info, log_level::warn,
    log_level::error, log_level::critical, log_level::off};

parsed<log_level> check_log_level(std::string_view text, const shown& got) {
  for (auto level : all_levels)
    if (text == to_string(level))
      return level;
  return wrong("must be one of trace, debug, info, warn, error, critical, off", got);
}

constexpr std::string_view path_rule = "must be a path";

parsed<std::filesystem::path> check_path(std::string_view text, const value_context& ctx,
                                         const shown& got) {
  if (text.empty())
    return wrong(path_rule, got);
  std::filesystem::path p(text);
  if (p.is_relative())
    p = ctx.base_dir / p;
  return p.lexically_normal();
}

} // namespace

std::string show_text(std::string_view text) {
  std::string out = "'";
  out += text;
  out += '\'';
  return cut(std::move(out));
}

std::string show_json(const boost::json::value& v) {
  if (const auto* d = v.if_double()) {
    // Shortest text that reads back as the same number ("4.5", not Boost's "4.5E0").
    std::array<char, 32> buf{};
    auto r = std::to_chars(buf.data(), buf.data() + buf.size(), *d);
    return std::string(buf.data(), r.ptr);
  }
  return cut(boost::json::serialize(v));
}

parsed<std::size_t> count_value::from_text(std::string_view text, const value_context&) const {
  auto got = shown::of_text(text);
  auto n = to_unsigned(text);
  if (!n)
    return wrong(is_digits(text) ? "must be at most " + std::to_string(max) : positive_integer,
                 got);
  return check_count(*n, max, got);
}

parsed<std::size_t> count_value::from_json(const boost::json::value& v,
                                           const value_context&) const {
  auto got = shown::of_json(v);
  if (const auto* u = v.if_uint64())
    return check_count(*u, max, got);
  if (const auto* i = v.if_int64())
    return *i <= 0 ? parsed<std::size_t>(wrong(positive_integer, got))
                   : check_count(static_cast<std::uint64_t>(*i), max, got);
  if (const auto* d = v.if_double(); d && std::trunc(*d) == *d && *d >= 1)
    return *d > static_cast<double>(max)
               ? parsed<std::size_t>(wrong("must be at most " + std::to_string(max), got))
               : check_count(static_cast<std::uint64_t>(*d), max, got);
  return wrong(positive_integer, got);
}

parsed<bool> bool_value::from_text(std::string_view text, const value_context&) const {
  for (std::string_view yes : {"true", "yes", "on", "1"})
    if (text == yes)
      return true;
  for (std::string_view no : {"false", "no", "off", "0"})
    if (text == no)
      return false;
  return wrong("must be true or false", shown::of_text(text));
}

parsed<bool> bool_value::from_json(const boost::json::value& v, const value_context&) const {
  if (const auto* b = v.if_bool())
    return *b;
  return wrong("must be true or false", shown::of_json(v));
}

parsed<std::chrono::milliseconds> duration_value::from_text(std::string_view text,
                                                            const value_context&) const {
  return check_duration(text, allow_zero, shown::of_text(text));
}

parsed<std::chrono::milliseconds> duration_value::from_json(const boost::json::value& v,
                                                            const value_context&) const {
  return from_json_string(v, duration_rule, [&](std::string_view text, const shown& got) {
    return check_duration(text, allow_zero, got);
  });
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms != 0 && ms % (60 * 60 * 1000) == 0)
    return std::to_string(ms / (60 * 60 * 1000)) + "h";
  if (ms != 0 && ms % (60 * 1000) == 0)
    return std::to_string(ms / (60 * 1000)) + "m";
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

parsed<std::string> name_value::from_text(std::string_view text, const value_context&) const {
  return check_name(text, shown::of_text(text));
}

parsed<std::string> name_value::from_json(const boost::json::value& v, const value_context&) const {
  return from_json_string(v, name_chars_rule, check_name);
}

parsed<std::string> string_value::from_text(std::string_view text, const value_context&) const {
  return std::string(text);
}

parsed<std::string> string_value::from_json(const boost::json::value& v,
                                            const value_context&) const {
  return from_json_string(
      v, "must be a string",
      [](std::string_view text, const shown&) -> parsed<std::string> { return std::string(text); });
}

parsed<std::string> broker_url_value::from_text(std::string_view text, const value_context&) const {
  return check_broker_url(text, shown::of_text(text));
}

parsed<std::string> broker_url_value::from_json(const boost::json::value& v,
                                                const value_context&) const {
  return from_json_string(v, broker_url_rule, check_broker_url);
}

namespace {

parsed<std::string> check_postgres_conninfo(std::string_view text, const shown&) {
  std::string conninfo(text);
  if (conninfo.empty())
    return conninfo;
  // libpq's own message quotes pieces of the value, which may be a password: not repeated here.
  if (!storage::postgres_archive::check_connection_string(conninfo))
    return value_error{"must be a libpq connection string, 'keyword=value ...' or "
                       "'postgresql://...' (the value is not shown: it may hold a password)",
                       {}};
  return conninfo;
}

} // namespace

parsed<std::string> postgres_conninfo_value::from_text(std::string_view text,
                                                       const value_context&) const {
  return check_postgres_conninfo(text, shown::of_text(text));
}

parsed<std::string> postgres_conninfo_value::from_json(const boost::json::value& v,
                                                       const value_context&) const {
  return from_json_string(v, "must be a string (a libpq connection string)",
                          check_postgres_conninfo);
}

parsed<listen_address> listen_value::from_text(std::string_view text, const value_context&) const {
  return check_listen(text, shown::of_text(text));
}

parsed<listen_address> listen_value::from_json(const boost::json::value& v,
                                               const value_context&) const {
  return from_json_string(v, listen_rule, check_listen);
}

parsed<std::optional<listen_address>>
optional_listen_value::from_text(std::string_view text, const value_context& ctx) const {
  if (text.empty())
    return std::optional<listen_address>{};
  auto address = listen_value{}.from_text(text, ctx);
  if (!address)
    return std::move(address).error();
  return std::optional<listen_address>{std::move(*address)};
}

parsed<std::optional<listen_address>>
optional_listen_value::from_json(const boost::json::value& v, const value_context& ctx) const {
  if (v.is_null())
    return std::optional<listen_address>{};
  auto address = listen_value{}.from_json(v, ctx);
  if (!address)
    return std::move(address).error();
  return std::optional<listen_address>{std::move(*address)};
}

std::string broker_url_host(std::string_view url) {
  auto rest = url.substr(url.find("://") == std::string_view::npos ? 0 : url.find("://") + 3);
  if (!rest.empty() && rest.back() == '/')
    rest.remove_suffix(1);
  auto hp = split_host_port(rest);
  return hp ? hp->host : std::string(rest);
}

bool is_loopback(const listen_address& address) {
  if (address.host == "localhost")
    return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, address.host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, address.host.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

parsed<log_level> log_level_value::from_text(std::string_view text, const value_context&) const {
  return check_log_level(text, shown::of_text(text));
}

parsed<log_level> log_level_value::from_json(const boost::json::value& v,
                                             const value_context&) const {
  return from_json_string(v, "must be one of trace, debug, info, warn, error, critical, off",
                          check_log_level);
}

parsed<std::filesystem::path> path_value::from_text(std::string_view text,
                                                    const value_context& ctx) const {
  return check_path(text, ctx, shown::of_text(text));
}

parsed<std::filesystem::path> path_value::from_json(const boost::json::value& v,
                                                    const value_context& ctx) const {
  return from_json_string(v, path_rule, [&](std::string_view text, const shown& got) {
    return check_path(text, ctx, got);
  });
}

parsed<std::vector<std::filesystem::path>>
path_list_value::from_text(std::string_view text, const value_context& ctx) const {
  std::vector<std::filesystem::path> out;
  if (text.empty())
    return out;
  for (std::size_t start = 0;;) {
    auto end = text.find(':', start);
    auto item = text.substr(start, end == std::string_view::npos ? end : end - start);
    if (item.empty())
      return wrong("must be paths separated by ':', without empty ones", shown::of_text(text));
    out.push_back(check_path(item, ctx, shown::of_text(item)).value());
    if (end == std::string_view::npos)
      return out;
    start = end + 1;
  }
}

parsed<std::vector<std::filesystem::path>>
path_list_value::from_texts(const std::vector<std::string>& texts, const value_context& ctx) const {
  std::vector<std::filesystem::path> out;
  for (const auto& text : texts) {
    auto p = check_path(text, ctx, shown::of_text(text));
    if (!p)
      return std::move(p).error();
    out.push_back(std::move(p).value());
  }
  return out;
}

parsed<std::vector<std::filesystem::path>>
path_list_value::from_json(const boost::json::value& v, const value_context& ctx) const {
  const auto* a = v.if_array();
  if (a == nullptr)
    return wrong("must be a list of paths", shown::of_json(v));
  std::vector<std::filesystem::path> out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    auto p = from_json_string((*a)[i], path_rule, [&](std::string_view text, const shown& got) {
      return check_path(text, ctx, got);
    });
    if (!p) {
      auto e = std::move(p).error();
      e.at = "[" + std::to_string(i) + "]";
      return e;
    }
    out.push_back(std::move(p).value());
  }
  return out;
}

} // namespace boa::config::detail
