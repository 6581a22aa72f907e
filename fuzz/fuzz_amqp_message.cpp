// AMQP messages as they arrive from the broker (encoded bytes, as Proton decodes a transfer):
// turning one into an envelope never throws, and an envelope survives the way back to an AMQP
// message and again to an envelope unchanged.

#include "fuzz/fuzz_check.hpp"
#include "runtime/amqp/message_codec.hpp"

#include <proton/error.hpp>

#include <vector>

namespace {

std::string describe(const boa::protocol::envelope& e) {
  return "address=" + e.address + " subject=" + e.subject + " id=" + e.message_id +
         " correlation=" + e.correlation_id + " reply_to=" + e.reply_to +
         " count=" + std::to_string(e.delivery_count) + " ttl=" + std::to_string(e.ttl_ms) +
         " dead_letter=" + e.dead_letter_reason + " body=" + e.body;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boa::amqp;
  proton::message message;
  try {
    message.decode(std::vector<char>(data, data + size));
  } catch (const proton::error&) {
    return 0; // not an AMQP message: Proton refuses it before boa sees it
  }
  auto envelope = to_envelope(message);
  if (!envelope) {
    boa::fuzz::check_input_error(envelope.error(), "(AMQP message)");
    return 0;
  }
  auto again = to_envelope(to_message(*envelope));
  BOA_FUZZ_CHECK(again.has_value(), again ? "" : again.error().message);
  BOA_FUZZ_CHECK(describe(*again) == describe(*envelope),
                 "first: " + describe(*envelope) + "\nagain: " + describe(*again));
  return 0;
}
