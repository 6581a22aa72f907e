// Replies to client requests: decoded, serialized and decoded again (fuzz_check.hpp,
// check_text_codec).

#include "fuzz/fuzz_check.hpp"
#include "protocol/client_messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boa::protocol;
  boa::fuzz::check_text_codec(
      boa::fuzz::as_text(data, size), [](std::string_view text) { return parse_reply(text); },
      [](const auto& value) { return serialize_reply(value); });
  return 0;
}
