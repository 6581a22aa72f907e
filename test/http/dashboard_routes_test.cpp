#include <boost/test/unit_test.hpp>

#include "runtime/http/http_api.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <deque>
#include <regex>
#include <set>

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

/// An answer as a browser gets it: status, the headers that matter, and the bytes.
struct page {
  unsigned status = 0;
  std::string content_type;
  std::string cache_control;
  std::string body;
};

/// The HTTP API with a token, on a free port. The dashboard's routes answer from the files in
/// the binary, so no node stands behind it: a route that needs one is never reached here.
class dashboard_server {
public:
  dashboard_server() {
    boa::http::http_api_options options;
    options.token = "s3cret";
    auto api = boa::http::http_api::start(std::move(options), boa::http::api_context{});
    if (!api)
      BOOST_FAIL("api: " << api.error().message);
    api_ = std::move(*api);
  }
  ~dashboard_server() { api_->stop(); }

  /// GET `target` on a new connection, without a token.
  page get(const std::string& target) const {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(tcp::endpoint{net::ip::make_address("127.0.0.1"), api_->port()});
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    return {res.result_int(), std::string(res[bhttp::field::content_type]),
            std::string(res[bhttp::field::cache_control]), res.body()};
  }

private:
  std::unique_ptr<boa::http::http_api> api_;
};

/// The `/ui/...` files a page names in `src` and `href`, and the modules a script imports
/// (`from './x.js'`, which the browser resolves under `/ui/`).
std::vector<std::string> references(const std::string& text) {
  static const std::regex attribute{R"re((?:src|href)="(/ui/[^"]+)")re"};
  static const std::regex import{R"re((?:from|import)\s+'\./([^']+)')re"};
  std::vector<std::string> out;
  for (std::sregex_iterator it(text.begin(), text.end(), attribute), end; it != end; ++it)
    out.push_back((*it)[1]);
  for (std::sregex_iterator it(text.begin(), text.end(), import), end; it != end; ++it)
    out.push_back("/ui/" + (*it)[1].str());
  return out;
}

std::string expected_type(const std::string& target) {
  if (target.ends_with(".js"))
    return "text/javascript; charset=utf-8";
  if (target.ends_with(".css"))
    return "text/css; charset=utf-8";
  return "text/html; charset=utf-8";
}

} // namespace

BOOST_AUTO_TEST_SUITE(dashboard_routes)

BOOST_AUTO_TEST_CASE(the_dashboard_page_is_served_without_a_token_but_the_api_is_not) {
  dashboard_server server;
  auto index = server.get("/");
  BOOST_TEST(index.status == 200u);
  BOOST_TEST(index.content_type == "text/html; charset=utf-8");
  BOOST_TEST(index.cache_control == "no-cache");
  BOOST_TEST(index.body.find("<!doctype html>") == 0u);
  BOOST_TEST(index.body.find(R"(<script type="module" src="/ui/app.js">)") != std::string::npos);
  // The page is public; what it shows is not.
  BOOST_TEST(server.get("/jobs").status == 401u);
  BOOST_TEST(server.get("/cluster/nodes").status == 401u);
}

BOOST_AUTO_TEST_CASE(every_file_the_dashboard_references_is_served_with_its_content_type) {
  dashboard_server server;
  std::set<std::string> seen;
  std::deque<std::string> pending;
  for (auto& target : references(server.get("/").body))
    pending.push_back(target);
  while (!pending.empty()) {
    auto target = pending.front();
    pending.pop_front();
    if (!seen.insert(target).second)
      continue;
    auto file = server.get(target);
    BOOST_TEST_CONTEXT(target) {
      BOOST_TEST(file.status == 200u);
      BOOST_TEST(file.content_type == expected_type(target));
      BOOST_TEST(file.cache_control == "no-cache");
      BOOST_TEST(!file.body.empty());
    }
    if (target.ends_with(".js"))
      for (auto& next : references(file.body))
        pending.push_back(next);
  }
  // The page, its style, and the modules of every view reach each other.
  for (auto name :
       {"/ui/style.css", "/ui/app.js", "/ui/api.js", "/ui/graph_layout.js", "/ui/cluster_view.js",
        "/ui/jobs_view.js", "/ui/job_view.js", "/ui/start_view.js"})
    BOOST_TEST(seen.count(name) == 1u, name << " is referenced");
}

BOOST_AUTO_TEST_CASE(a_file_the_dashboard_does_not_have_is_404) {
  dashboard_server server;
  for (auto target : {"/ui/nope.js", "/ui/..%2Fhttp_api.cpp", "/ui/index.htm"}) {
    auto file = server.get(target);
    BOOST_TEST_CONTEXT(target) {
      BOOST_TEST(file.status == 404u);
      BOOST_TEST(file.content_type == "application/json");
      BOOST_TEST(file.body.find("not_found") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
