// Node commands (topic:boa.node.*): decoded, serialized and decoded again (fuzz_check.hpp,
// check_text_codec).

#include "fuzz/fuzz_check.hpp"
#include "protocol/node_command.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boa::protocol;
  boa::fuzz::check_text_codec(
      boa::fuzz::as_text(data, size),
      [](std::string_view text) { return parse_node_command(text); },
      [](const auto& value) { return serialize_node_command(value); });
  return 0;
}
