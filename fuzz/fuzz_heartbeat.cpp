// Heartbeats (topic:boa.heartbeat): decoded, serialized and decoded again to an equal heartbeat.

#include "fuzz/fuzz_check.hpp"
#include "protocol/heartbeat.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boa::protocol;
  const auto text = boa::fuzz::as_text(data, size);
  boa::fuzz::check_text_codec(
      text, [](std::string_view t) { return parse_heartbeat(t); },
      [](const heartbeat& beat) { return serialize_heartbeat(beat); });
  if (auto beat = parse_heartbeat(text)) {
    const auto again = parse_heartbeat(serialize_heartbeat(*beat));
    BOA_FUZZ_CHECK(again && *again == *beat, std::string(text));
  }
  return 0;
}
