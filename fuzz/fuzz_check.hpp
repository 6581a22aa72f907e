#pragma once

// What the fuzz targets share: the fuzzer's bytes as text, and invariant checks that stop the run
// as a crash (libFuzzer then keeps the input) with a message saying which promise was broken.

#include "protocol/error.hpp"
#include "protocol/expected.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace boa::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void invariant_broken(const char* condition, const char* file, int line,
                                          std::string_view detail) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n%.*s\n", file, line, condition,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

} // namespace boa::fuzz

/// Like assert, but never compiled out, and with `detail` (text) to explain the failure.
#define BOA_FUZZ_CHECK(condition, detail)                                                          \
  do {                                                                                             \
    if (!(condition))                                                                              \
      ::boa::fuzz::invariant_broken(#condition, __FILE__, __LINE__, (detail));                     \
  } while (false)

namespace boa::fuzz {

/// What every decoder of outside input promises about its errors: they are `invalid_input` (the
/// input is at fault, not boa) and say what is wrong.
inline void check_input_error(const error& e, std::string_view input) {
  BOA_FUZZ_CHECK(e.code == errc::invalid_input, std::string(to_string(e.code)) + ": " + e.message +
                                                    "\ninput: " + std::string(input));
  BOA_FUZZ_CHECK(!e.message.empty(), std::string(input));
}

/// The invariants of a JSON message codec: decoding returns a value or an input error and never
/// throws; what a decoded value serializes to decodes again, to a value that serializes to the
/// same text (so nothing is lost or changed on the way through a node).
template <class Parse, class Serialize>
void check_text_codec(std::string_view text, Parse parse, Serialize serialize) {
  auto first = parse(text);
  if (!first) {
    check_input_error(first.error(), text);
    return;
  }
  const std::string once = serialize(*first);
  auto second = parse(once);
  BOA_FUZZ_CHECK(second.has_value(), "input: " + std::string(text) + "\nserialized: " + once +
                                         "\nerror: " + (second ? "" : second.error().message));
  const std::string twice = serialize(*second);
  BOA_FUZZ_CHECK(once == twice,
                 "input: " + std::string(text) + "\nonce:  " + once + "\ntwice: " + twice);
}

} // namespace boa::fuzz
