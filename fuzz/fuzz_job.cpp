// Job messages (queue:boa.jobs and the join, reduce and suspended queues), as a node reads them:
// with a workflow cache, so that the cached path is fuzzed as well. Decoded, serialized and
// decoded again; the direct serializer agrees with the JSON encoder.

#include "fuzz/fuzz_check.hpp"
#include "protocol/job_codec.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boa::protocol;
  // Shared between inputs as in a node, where it outlives every message.
  static workflow_cache cache(8);
  const auto text = boa::fuzz::as_text(data, size);
  boa::fuzz::check_text_codec(
      text, [](std::string_view t) { return parse_job(t, &cache); },
      [](const job& j) { return serialize_job(j); });
  if (auto j = parse_job(text)) {
    const auto direct = serialize_job(*j);
    const auto encoded = encode_job(*j);
    BOA_FUZZ_CHECK(boost::json::parse(direct) == boost::json::value(encoded),
                   "serialize_job: " + direct +
                       "\nencode_job:    " + boost::json::serialize(encoded));
  }
  return 0;
}
