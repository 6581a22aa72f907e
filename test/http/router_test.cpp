#include <boost/test/unit_test.hpp>

#include "runtime/http/router.hpp"

#include <boost/json/object.hpp>

using namespace boa::http;

namespace {

http_reply echo(const http_request& r) {
  boost::json::object params;
  for (const auto& [k, v] : r.params)
    params[k] = v;
  return json_reply(200, params);
}

http_request get(std::string_view target, verb method = verb::get) {
  http_request r;
  r.method = method;
  BOOST_REQUIRE(parse_target(target, r));
  return r;
}

std::string error_code(const http_reply& reply) {
  return std::string(reply.body.at("error").at("code").as_string());
}

} // namespace

BOOST_AUTO_TEST_SUITE(router_tests)

BOOST_AUTO_TEST_CASE(a_target_is_split_into_a_decoded_path_and_query) {
  auto r = get("/jobs/a%2Fb?state=running&workflow=order+routing&flag");
  BOOST_TEST(r.path == "/jobs/a/b");
  BOOST_TEST(r.query.at("state") == "running");
  BOOST_TEST(r.query.at("workflow") == "order routing");
  BOOST_TEST(r.query.at("flag") == "");
  http_request bad;
  BOOST_TEST(!parse_target("/jobs/%zz", bad));
  BOOST_TEST(!parse_target("/jobs/%2", bad));
  BOOST_TEST(!parse_target("jobs", bad));
}

BOOST_AUTO_TEST_CASE(captures_fill_params_and_literals_must_match) {
  router rt;
  rt.add(verb::get, "/jobs/{id}", echo);
  rt.add(verb::post, "/jobs/{id}/{command}", echo);
  auto r = get("/jobs/j-1");
  auto reply = rt.dispatch(r);
  BOOST_TEST(reply.status == 200u);
  BOOST_TEST(reply.body.at("id").as_string() == "j-1");
  auto c = get("/jobs/j-1/cancel", verb::post);
  reply = rt.dispatch(c);
  BOOST_TEST(reply.body.at("command").as_string() == "cancel");
}

BOOST_AUTO_TEST_CASE(an_unknown_path_is_404_and_a_known_one_under_another_method_405) {
  router rt;
  rt.add(verb::get, "/healthz", echo);
  auto unknown = get("/nope");
  auto reply = rt.dispatch(unknown);
  BOOST_TEST(reply.status == 404u);
  BOOST_TEST(error_code(reply) == "not_found");
  auto wrong = get("/healthz", verb::post);
  reply = rt.dispatch(wrong);
  BOOST_TEST(reply.status == 405u);
  BOOST_TEST(error_code(reply) == "method_not_allowed");
}

BOOST_AUTO_TEST_SUITE_END()
