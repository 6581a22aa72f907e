#include "runtime/http/embedded_files.hpp"
#include "runtime/http/routes.hpp"

#include <string>

namespace boa::http {

namespace {

/// The browser keeps the files but asks again before using them: a node that was upgraded
/// serves its new dashboard at the next load.
constexpr std::string_view revalidate = "no-cache";

std::string content_type_of(std::string_view name) {
  auto dot = name.rfind('.');
  auto ext = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  if (ext == "html")
    return "text/html; charset=utf-8";
  if (ext == "js")
    return "text/javascript; charset=utf-8";
  if (ext == "css")
    return "text/css; charset=utf-8";
  if (ext == "svg")
    return "image/svg+xml";
  return "application/octet-stream";
}

http_reply serve(std::string_view name) {
  for (const auto& file : dashboard_files())
    if (file.name == name) {
      auto reply = text_reply(200, content_type_of(name), std::string(file.bytes));
      reply.cache_control = revalidate;
      return reply;
    }
  return error_reply(404, "not_found", "the dashboard has no file '" + std::string(name) + "'");
}

} // namespace

bool is_dashboard_path(std::string_view path) {
  return path == "/" || path.starts_with("/ui/");
}

void add_dashboard_routes(router& r) {
  r.add(verb::get, "/", [](const http_request&) { return serve("index.html"); });
  r.add(verb::get, "/ui/{file}",
        [](const http_request& req) { return serve(req.params.at("file")); });
}

} // namespace boa::http
