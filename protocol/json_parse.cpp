// parse_json (declared in json_read.hpp): Boost.JSON's parser with numbers read exactly.

#include "protocol/json_read.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/error.hpp>
#include <boost/json/value_stack.hpp>

#include <charconv>
#include <cmath>
#include <string>

namespace boa::protocol {

namespace {

/// Builds the value as Boost.JSON's own parser does, but for numbers that do not fit an integer.
/// Boost.JSON 1.81 rounds many of them to a neighbouring double (about one double in seven that
/// it writes reads back different), so a number in a job's properties would change on every hop
/// between nodes; they are read again from their text with std::from_chars, which rounds
/// correctly. And a number too large for a double is refused, where Boost.JSON would read it as
/// infinity, which it then writes as `Infinity`, which is no JSON: the message it went into
/// could not be read back.
struct exact_number_handler {
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  boost::json::value_stack st;
  std::string number; ///< the text of the number being read, when it comes in parts

  using error_code = boost::json::error_code;
  using string_view = boost::json::string_view;

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t n, error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(string_view s, error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, string_view, error_code&) {
    number.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, string_view, error_code&) {
    number.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double approximate, string_view s, error_code& ec) {
    number.append(s.data(), s.size());
    double exact = 0;
    const auto [end, failed] = std::from_chars(number.data(), number.data() + number.size(), exact);
    number.clear();
    if (failed == std::errc::result_out_of_range && std::isinf(approximate)) {
      ec = boost::json::error::exponent_overflow;
      return false;
    }
    // Out of range the other way (a subnormal too small): Boost.JSON's value, 0 or near it.
    st.push_double(failed == std::errc() ? exact : approximate);
    return true;
  }
  bool on_bool(bool b, error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }
};

} // namespace

expected<boost::json::value, problem> parse_json(std::string_view text,
                                                 boost::json::storage_ptr storage) {
  boost::json::basic_parser<exact_number_handler> parser(boost::json::parse_options{});
  parser.handler().st.reset(std::move(storage));
  boost::system::error_code ec;
  std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && consumed < text.size())
    ec = boost::json::error::extra_data;
  if (!ec)
    return parser.handler().st.release();
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < consumed && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return problem{{},
                 "invalid JSON at " + std::to_string(line) + ":" + std::to_string(column) + ": " +
                     ec.message()};
}

} // namespace boa::protocol
