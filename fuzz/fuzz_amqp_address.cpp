// Link and message addresses as the embedded broker and the bridge read them (`/queue/NAME`,
// `/topic/KEY`, `/exchange/amq.topic/KEY`), and the logical addresses they map to: each
// direction fails with an error that names the address, and what maps one way maps back.

#include "fuzz/fuzz_check.hpp"
#include "runtime/amqp/address_map.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boa::amqp;
  const std::string text(boa::fuzz::as_text(data, size));

  auto logical = to_logical_address(text);
  if (logical) {
    BOA_FUZZ_CHECK(logical->starts_with("queue:") || logical->starts_with("topic:"), *logical);
    auto amqp = to_amqp_address(*logical);
    BOA_FUZZ_CHECK(amqp.has_value(),
                   text + " -> " + *logical + ": " + (amqp ? "" : amqp.error().message));
    auto back = to_logical_address(*amqp);
    BOA_FUZZ_CHECK(back && *back == *logical, text + " -> " + *logical + " -> " + *amqp);
  } else {
    const auto& e = logical.error();
    BOA_FUZZ_CHECK(e.code == boa::errc::not_found || e.code == boa::errc::invalid_input, e.message);
    BOA_FUZZ_CHECK(e.message.find("'" + text + "'") != std::string::npos, e.message);
  }

  auto amqp = to_amqp_address(text);
  if (amqp) {
    auto back = to_logical_address(*amqp);
    BOA_FUZZ_CHECK(back && *back == text,
                   text + " -> " + *amqp + ": " + (back ? *back : back.error().message));
  } else {
    BOA_FUZZ_CHECK(amqp.error().code == boa::errc::invalid_input, amqp.error().message);
    BOA_FUZZ_CHECK(amqp.error().message.find("'" + text + "'") != std::string::npos,
                   amqp.error().message);
  }
  return 0;
}
