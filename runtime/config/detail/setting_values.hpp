#pragma once

#include "protocol/expected.hpp"
#include "runtime/config/node_config.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

// Readers of one setting's value, from a config file (JSON) or from text (a variable or a flag).
// Each checks everything and says what is wrong in words a user can act on, ending with what it
// got: text in single quotes (`got 'x'`), JSON as JSON (`got "four"`, `got 4.5`).
namespace boa::config::detail {

/// What is wrong with a value. `at` locates it inside the value (`[1]` in a list) or is empty.
struct value_error {
  std::string message;
  std::string at;
};

template <class T> using parsed = expected<T, value_error>;

/// How relative paths are read: against the config file's directory, or the current one.
struct value_context {
  std::filesystem::path base_dir;
};

/// `'text'`.
std::string show_text(std::string_view text);
/// The value as JSON, cut short when long.
std::string show_json(const boost::json::value& v);

/// A positive integer up to `max`.
struct count_value {
  std::size_t max;
  parsed<std::size_t> from_text(std::string_view text, const value_context&) const;
  parsed<std::size_t> from_json(const boost::json::value& v, const value_context&) const;
};

struct bool_value {
  parsed<bool> from_text(std::string_view text, const value_context&) const;
  parsed<bool> from_json(const boost::json::value& v, const value_context&) const;
};

/// An integer with a unit (`ms`, `s`, `m`, `h`), at most 24h; zero only if `allow_zero`.
struct duration_value {
  bool allow_zero = false;
  parsed<std::chrono::milliseconds> from_text(std::string_view text, const value_context&) const;
  parsed<std::chrono::milliseconds> from_json(const boost::json::value& v,
                                              const value_context&) const;
};

/// `500ms`, `1s`, `2m`: the largest unit that shows the duration exactly.
std::string format_duration(std::chrono::milliseconds d);

/// A name that is safe in a bus address: letters, digits, `.`, `_`, `-`; 1 to 128 characters.
struct name_value {
  parsed<std::string> from_text(std::string_view text, const value_context&) const;
  parsed<std::string> from_json(const boost::json::value& v, const value_context&) const;
};

/// Any string, empty included (an empty credential means none).
struct string_value {
  parsed<std::string> from_text(std::string_view text, const value_context&) const;
  parsed<std::string> from_json(const boost::json::value& v, const value_context&) const;
};

/// A libpq connection string, or empty (no PostgreSQL). Only its syntax is checked; a bad one is
/// never repeated in the message, since it may hold a password.
struct postgres_conninfo_value {
  parsed<std::string> from_text(std::string_view text, const value_context&) const;
  parsed<std::string> from_json(const boost::json::value& v, const value_context&) const;
};

/// `amqp://HOST[:PORT]` or `amqps://HOST[:PORT]`, or empty (no cluster broker). Credentials in
/// the URL are refused: URLs end up in logs.
struct broker_url_value {
  parsed<std::string> from_text(std::string_view text, const value_context&) const;
  parsed<std::string> from_json(const boost::json::value& v, const value_context&) const;
};

/// `HOST:PORT` (`[IPV6]:PORT`), port 0 to 65535.
struct listen_value {
  parsed<listen_address> from_text(std::string_view text, const value_context&) const;
  parsed<listen_address> from_json(const boost::json::value& v, const value_context&) const;
};

/// A `listen_value`, or none (the service is off) for empty text or JSON null.
struct optional_listen_value {
  parsed<std::optional<listen_address>> from_text(std::string_view text,
                                                  const value_context& ctx) const;
  parsed<std::optional<listen_address>> from_json(const boost::json::value& v,
                                                  const value_context& ctx) const;
};

/// True for `localhost` and the loopback networks 127.0.0.0/8 and ::1. Host names are not
/// resolved: any other name counts as remote.
bool is_loopback(const listen_address& address);

/// The host of a broker URL that `broker_url_value` accepted (`amqp://[::1]:5672` -> `::1`).
std::string broker_url_host(std::string_view url);

struct log_level_value {
  parsed<log_level> from_text(std::string_view text, const value_context&) const;
  parsed<log_level> from_json(const boost::json::value& v, const value_context&) const;
};

/// A non-empty path, made absolute against `value_context::base_dir`.
struct path_value {
  parsed<std::filesystem::path> from_text(std::string_view text, const value_context&) const;
  parsed<std::filesystem::path> from_json(const boost::json::value& v, const value_context&) const;
};

/// Paths: a JSON array in the file, `:`-separated in a variable (empty: none), one per flag.
struct path_list_value {
  parsed<std::vector<std::filesystem::path>> from_text(std::string_view text,
                                                       const value_context&) const;
  parsed<std::vector<std::filesystem::path>> from_texts(const std::vector<std::string>& texts,
                                                        const value_context&) const;
  parsed<std::vector<std::filesystem::path>> from_json(const boost::json::value& v,
                                                       const value_context&) const;
};

} // namespace boa::config::detail
