// Workflow definitions (files, pushes, inline definitions of start-job): parsed and validated;
// a valid one encodes to a canonical definition that decodes to a workflow with the same
// canonical definition. Every problem says what is wrong; an invalid definition has an error.

#include "fuzz/fuzz_check.hpp"
#include "protocol/workflow_codec.hpp"

#include <boost/json/serialize.hpp>

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boa::protocol;
  const auto text = boa::fuzz::as_text(data, size);
  const auto decoded = parse_workflow(text);
  for (const auto& p : decoded.problems)
    BOA_FUZZ_CHECK(!p.message.empty(), std::string(text));
  if (!decoded.ok()) {
    BOA_FUZZ_CHECK(std::any_of(decoded.problems.begin(), decoded.problems.end(),
                               [](const problem& p) { return !p.warning; }),
                   std::string(text));
    return 0;
  }
  const auto canonical = encode_workflow(decoded.workflow->def);
  const auto again = decode_workflow(canonical);
  std::string why;
  for (const auto& p : again.problems)
    why += to_string(p) + "\n";
  BOA_FUZZ_CHECK(again.ok(), "input: " + std::string(text) +
                                 "\ncanonical: " + boost::json::serialize(canonical) + "\n" + why);
  const auto twice = encode_workflow(again.workflow->def);
  BOA_FUZZ_CHECK(twice == canonical, "once:  " + boost::json::serialize(canonical) +
                                         "\ntwice: " + boost::json::serialize(twice));
  return 0;
}
