#include "tools/boactl/repo_output.hpp"

#include "tools/boactl/table.hpp"
#include "tools/boactl/text_format.hpp"

#include <boost/json/serialize.hpp>

#include <fmt/core.h>

#include <ostream>

namespace boa::boactl {

namespace {

/// A revision or time as text: `-` when unknown (null or absent).
std::string number_text(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null())
    return "-";
  if (v->is_string())
    return std::string(v->as_string());
  return boost::json::serialize(*v);
}

std::string text_or_dash(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() && !v->as_string().empty() ? std::string(v->as_string()) : "-";
}

bool print_json(console& c, const boost::json::value& data) {
  if (c.json)
    c.out << boost::json::serialize(data) << '\n';
  return c.json;
}

} // namespace

void print_pushed(console& c, const boost::json::value& data) {
  if (print_json(c, data))
    return;
  const auto* o = data.if_object();
  if (!o)
    return;
  c.out << fmt::format("pushed {}@{}\n", text_or_dash(*o, "name"), number_text(*o, "revision"));
  if (const auto* w = o->if_contains("warnings"); w && w->is_array())
    for (const auto& warning : w->as_array())
      if (warning.is_string())
        c.err << "warning: " << warning.as_string().c_str() << '\n';
}

void print_workflows(console& c, const boost::json::value& data) {
  if (print_json(c, data))
    return;
  const auto* o = data.if_object();
  if (!o)
    return;
  if (const auto* names = o->if_contains("names"); names && names->is_array()) {
    if (names->as_array().empty())
      c.out << "no workflows in the repository\n";
    for (const auto& name : names->as_array())
      if (name.is_string())
        c.out << name.as_string().c_str() << '\n';
    return;
  }
  const auto* revisions = o->if_contains("revisions");
  if (!revisions || !revisions->is_array() || revisions->as_array().empty()) {
    c.out << "no revisions\n";
    return;
  }
  table t({"REV", "PUSHED", "BY", "NOTES"});
  for (const auto& entry : revisions->as_array()) {
    const auto* r = entry.if_object();
    if (!r)
      continue;
    const auto* at = r->if_contains("pushed_ms");
    t.add({number_text(*r, "revision"),
           at && at->is_int64() ? format_time(at->as_int64()) : std::string("-"),
           text_or_dash(*r, "pushed_by"), text_or_dash(*r, "notes")});
  }
  t.print(c.out);
}

void print_workflow(console& c, const boost::json::value& data) {
  if (print_json(c, data))
    return;
  const auto* o = data.if_object();
  const auto* definition = o ? o->if_contains("definition") : nullptr;
  c.out << pretty_json(definition ? *definition : data) << '\n';
}

} // namespace boa::boactl
