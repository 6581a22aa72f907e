#pragma once

#include <boost/json/object.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace boa::protocol {

/// Appends JSON text straight to a string, with no intermediate json::object: the fast path for
/// messages written on every step. Member names must be plain identifiers (they are not
/// escaped); string values are escaped by Boost.JSON's serializer.
class text_writer {
public:
  explicit text_writer(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view k) { // member names are plain identifiers: nothing to escape
    separate();
    out_ += '"';
    out_ += k;
    out_ += "\":";
    first_ = true;
  }
  void value(std::string_view s) {
    separate();
    serializer_.reset(s);
    drain();
  }
  void value(std::int64_t n) {
    separate();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, n);
    out_.append(buf, r.ptr);
  }
  /// The members every bus message starts with: `"v": 1, "type": "<type>"`.
  void message_header(std::string_view type) {
    key("v");
    value(std::int64_t{1});
    key("type");
    value(type);
  }
  /// Appends a value that is already JSON text.
  void raw(std::string_view json_text) {
    separate();
    out_ += json_text;
  }
  void boolean(bool b) {
    separate();
    out_ += b ? "true" : "false";
  }
  void value(double d) {
    separate();
    boost::json::value v(d); // the serializer's number format, so that text and object agree
    serializer_.reset(&v);
    drain();
  }
  void value(const boost::json::object& o) {
    separate();
    serializer_.reset(&o);
    drain();
  }

private:
  void separate() {
    if (!first_)
      out_ += ',';
    first_ = false;
  }
  void open(char c) {
    separate();
    out_ += c;
    first_ = true;
  }
  void close(char c) {
    out_ += c;
    first_ = false;
  }
  void drain() {
    char buf[1024];
    while (!serializer_.done())
      out_ += serializer_.read(buf, sizeof buf);
  }

  std::string& out_;
  boost::json::serializer serializer_;
  bool first_ = true;
};

} // namespace boa::protocol
