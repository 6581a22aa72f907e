#pragma once

#include "protocol/expected.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boa::protocol {

/// One thing wrong (or, if `warning`, suspicious) in a JSON document, at a path like
/// `steps[3].next[1]` (member names joined by `.`, array indexes in brackets; empty for the root).
struct problem {
  std::string path;
  std::string message;
  bool warning = false;
};

/// `"<path>: <message>"`, prefixed with `"warning: "` for warnings; just the message at the root.
std::string to_string(const problem& p);

/// The first error among `problems` (warnings do not count) as one `invalid_input` error,
/// `"<subject>: <path>: <message> (and N more)"`, or nothing when there is none.
std::optional<error> first_error(const std::vector<problem>& problems,
                                 std::string_view subject = {});

/// Every error among `problems` (warnings do not count) as one `invalid_input` error, one a line:
/// `"<subject>: <prefix>.<path>: <message>"`, or nothing when there is none. For answers to a
/// client, which should see everything wrong at once.
std::optional<error> every_error(const std::vector<problem>& problems,
                                 std::string_view subject = {}, std::string_view prefix = {});

/// `path` of a document found at `prefix` in an enclosing one: ("workflow", "steps[0]") gives
/// "workflow.steps[0]".
std::string join_path(std::string_view prefix, std::string_view path);

/// A location in a JSON document as a chain of frames on the caller's stack, rendered to text only
/// when a problem is reported, so that reading a valid document spends nothing on paths.
/// A child refers to its parent, so children are made only from named paths (never from a
/// temporary, which would be gone before the child is used).
class json_path {
public:
  json_path() = default; ///< the document root

  json_path operator/(std::string_view key) const& noexcept { return {this, key, npos}; }
  json_path operator[](std::size_t index) const& noexcept { return {this, {}, index}; }
  json_path operator/(std::string_view key) const&& = delete;
  json_path operator[](std::size_t index) const&& = delete;

  std::string str() const;

private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  json_path(const json_path* parent, std::string_view key, std::size_t index) noexcept
      : parent_(parent), key_(key), index_(index) {}
  void append_to(std::string& out) const;

  const json_path* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = npos;
};

/// "object", "array", "string", "number", "boolean" or "null": the kind as a user would name it.
const char* json_kind_name(const boost::json::value& v);

/// Parses one JSON document (into `storage`); a syntax error becomes a problem at the root whose
/// message says where, as line:column (both from 1), e.g. `invalid JSON at 3:14: syntax error`.
expected<boost::json::value, problem> parse_json(std::string_view text,
                                                 boost::json::storage_ptr storage = {});

/// Reads a JSON document for a decoder that validates every member: each accessor checks the type
/// (and range) of one value and, on a mismatch, records a problem at its path and returns nothing,
/// so the decoder carries on and reports every problem at once.
class json_reader {
public:
  static constexpr std::int64_t no_limit_min = std::numeric_limits<std::int64_t>::min();
  static constexpr std::int64_t no_limit_max = std::numeric_limits<std::int64_t>::max();

  explicit json_reader(std::vector<problem>& out) : out_(out) {}

  void error(const json_path& at, std::string message);
  void warning(const json_path& at, std::string message);
  /// True once any problem that is not a warning has been recorded (by this reader).
  bool failed() const noexcept { return errors_ > 0; }

  const boost::json::object* object(const boost::json::value& v, const json_path& at);
  const boost::json::array* array(const boost::json::value& v, const json_path& at);
  std::optional<std::string_view> string(const boost::json::value& v, const json_path& at);
  /// A string of at least one character (`must not be empty` otherwise).
  std::optional<std::string_view> non_empty_string(const boost::json::value& v,
                                                   const json_path& at);
  /// An integer in [min, max]; a number with no fractional part (`3.0`) counts as an integer.
  std::optional<std::int64_t> integer(const boost::json::value& v, const json_path& at,
                                      std::int64_t min = no_limit_min,
                                      std::int64_t max = no_limit_max);
  /// A number >= min.
  std::optional<double> number(const boost::json::value& v, const json_path& at,
                               double min = -std::numeric_limits<double>::infinity());
  std::optional<bool> boolean(const boost::json::value& v, const json_path& at);

  /// Member `key` of `obj`, or nullptr; when `required`, its absence is a problem at `at.key`.
  const boost::json::value* member(const boost::json::object& obj, const json_path& at,
                                   std::string_view key, bool required = false);
  /// Records `unknown key 'k' (known: a, b, ...)` at `at` for every key of `obj` not in `known`.
  void reject_unknown_keys(const boost::json::object& obj, const json_path& at,
                           std::initializer_list<std::string_view> known);
  /// The same problem for one key, for decoders that dispatch while iterating over the members.
  void unknown_key(std::string_view key, const json_path& at,
                   std::initializer_list<std::string_view> known);

private:
  void add(const json_path& at, std::string message, bool warning);

  std::vector<problem>& out_;
  std::size_t errors_ = 0;
};

/// Checks the members every bus message has: `"v": 1` and `"type": "<type>"` (see the wire
/// conventions); problems go to `r` at `at.v` / `at.type`.
void check_message_header(json_reader& r, const boost::json::object& message, const json_path& at,
                          std::string_view type);

/// Decodes one message of `subject` ("start-job", "node-reply", …) from `text`: parses it, lets
/// `read(r, value, root, out)` check every member into a fresh `T`, and returns every problem
/// recorded as one invalid_input error (`<subject>: <path>: <message>`, one a line), or `out`.
template <class T, class Read>
expected<T> decode_message(std::string_view text, std::string_view subject, Read&& read) {
  auto parsed = parse_json(text);
  if (!parsed)
    return error{errc::invalid_input, std::string(subject) + ": " + to_string(parsed.error())};
  std::vector<problem> problems;
  json_reader r(problems);
  const json_path root;
  T out;
  read(r, *parsed, root, out);
  if (auto failed = every_error(problems, subject))
    return std::move(*failed);
  return out;
}

} // namespace boa::protocol
