#pragma once

#include "runtime/http/http_reply.hpp"

#include <boost/beast/http/verb.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace boa::http {

using verb = boost::beast::http::verb;

/// A request as the routes see it: the target split into a decoded path and query parameters,
/// and what the router captured from the path (`{id}` in `/jobs/{id}`).
struct http_request {
  verb method = verb::get;
  std::string path;
  std::map<std::string, std::string, std::less<>> query;
  std::map<std::string, std::string, std::less<>> params;
  std::string body;
};

/// Splits `target` (`/jobs?state=running&limit=5`) into a percent-decoded path and query; false
/// when it is not a well-formed origin-form target.
bool parse_target(std::string_view target, http_request& into);

using route_handler = std::function<http_reply(const http_request&)>;

/// Maps a method and a path pattern to a handler. A pattern is literal segments and `{name}`
/// segments, each of which matches any one non-empty segment and is captured into
/// `http_request::params`. A path no pattern matches is 404; one that matches only under other
/// methods is 405.
class router {
public:
  void add(verb method, std::string_view pattern, route_handler handler);
  http_reply dispatch(http_request& request) const;

private:
  struct route {
    verb method;
    std::vector<std::string> segments;
    route_handler handler;
  };
  std::vector<route> routes_;
};

} // namespace boa::http
