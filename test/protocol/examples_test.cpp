#include <boost/test/unit_test.hpp>

#include "protocol/workflow_codec.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace boa::protocol;

BOOST_AUTO_TEST_SUITE(examples)

BOOST_AUTO_TEST_CASE(every_example_definition_decodes_without_a_problem) {
  const fs::path dir = fs::path(BOA_SOURCE_DIR) / "examples";
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json")
      continue;
    names.push_back(entry.path().filename().string());
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    auto d = parse_workflow(text.str());
    BOOST_TEST_CONTEXT(entry.path().filename().string()) {
      BOOST_TEST(d.ok());
      for (const auto& p : d.problems)
        BOOST_ERROR(to_string(p));
      if (d.ok()) // the file name is the workflow name, so that the examples are easy to find
        BOOST_TEST(d.workflow->def.name + ".json" == entry.path().filename().string());
    }
  }
  for (const char* expected :
       {"order-routing.json", "fork-join.json", "map-reduce.json", "retry-then-error-route.json"})
    BOOST_TEST(std::count(names.begin(), names.end(), expected) == 1, expected << " is missing");
}

BOOST_AUTO_TEST_SUITE_END()
