// `--set key=value` settings of `boad run` and `boactl job start`, one a line: every setting is
// taken or the error names it; each key given is a property; the properties are JSON that reads
// back as written (they travel in every message of the job).

#include "fuzz/fuzz_check.hpp"
#include "protocol/json_read.hpp"
#include "protocol/property_settings.hpp"

#include <boost/json/serialize.hpp>

#include <set>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace boa::protocol;
  const auto text = boa::fuzz::as_text(data, size);
  std::vector<std::string> settings;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos)
      end = text.size();
    settings.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  auto props = parse_property_settings(settings);
  if (!props) {
    boa::fuzz::check_input_error(props.error(), text);
    BOA_FUZZ_CHECK(props.error().message.starts_with("--set '"), props.error().message);
    return 0;
  }
  std::set<std::string> keys;
  for (const auto& s : settings) {
    auto eq = s.find('=');
    BOA_FUZZ_CHECK(eq != std::string::npos && eq > 0, "taken without key=: " + s);
    keys.insert(s.substr(0, eq));
  }
  BOA_FUZZ_CHECK(props->size() == keys.size(), std::string(text));
  for (const auto& key : keys)
    BOA_FUZZ_CHECK(props->contains(key), key);
  const auto written = boost::json::serialize(*props);
  auto read = parse_json(written);
  BOA_FUZZ_CHECK(read && *read == boost::json::value(*props), written);
  return 0;
}
