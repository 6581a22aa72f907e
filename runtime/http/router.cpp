#include "runtime/http/router.hpp"

#include <optional>

namespace boa::http {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 1; // past the leading '/'
  while (start <= path.size()) {
    auto slash = path.find('/', start);
    if (slash == std::string_view::npos)
      slash = path.size();
    out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (!out.empty() && out.back().empty()) // `/jobs/` is `/jobs`
    out.pop_back();
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Percent-decoding; `+` is a space only in the query (`plus_is_space`).
std::optional<std::string> decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size())
        return std::nullopt;
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::map<std::string, std::string, std::less<>>> parse_query(std::string_view q) {
  std::map<std::string, std::string, std::less<>> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    auto key = decode(pair.substr(0, eq), true);
    auto value =
        decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
    if (!key || !value)
      return std::nullopt;
    out[*key] = *value;
  }
  return out;
}

bool is_capture(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

} // namespace

bool parse_target(std::string_view target, http_request& into) {
  if (target.empty() || target.front() != '/')
    return false;
  auto question = target.find('?');
  auto path = decode(target.substr(0, question), false);
  if (!path)
    return false;
  auto query = parse_query(question == std::string_view::npos ? std::string_view{}
                                                              : target.substr(question + 1));
  if (!query)
    return false;
  into.path = std::move(*path);
  into.query = std::move(*query);
  return true;
}

void router::add(verb method, std::string_view pattern, route_handler handler) {
  routes_.push_back({method, split_path(pattern), std::move(handler)});
}

http_reply router::dispatch(http_request& request) const {
  auto segments = split_path(request.path);
  bool path_known = false;
  for (const auto& r : routes_) {
    if (r.segments.size() != segments.size())
      continue;
    std::map<std::string, std::string, std::less<>> params;
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      if (is_capture(r.segments[i]))
        match =
            !segments[i].empty() &&
            params.emplace(r.segments[i].substr(1, r.segments[i].size() - 2), segments[i]).second;
      else
        match = r.segments[i] == segments[i];
    }
    if (!match)
      continue;
    path_known = true;
    if (r.method != request.method)
      continue;
    request.params = std::move(params);
    return r.handler(request);
  }
  if (path_known)
    return error_reply(405, "method_not_allowed",
                       std::string(boost::beast::http::to_string(request.method)) +
                           " is not allowed on " + request.path);
  return error_reply(404, "not_found", "no route " + request.path);
}

} // namespace boa::http
