#include "tools/boactl/cluster_commands.hpp"

#include "actors/cluster_view.hpp"
#include "tools/boactl/table.hpp"
#include "tools/boactl/text_format.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fmt/core.h>

#include <ostream>

namespace boa::boactl {

namespace {

std::int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string mebibytes(std::int64_t bytes) {
  return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

void print_people(console& c, const std::vector<actors::node_view>& nodes) {
  table t{{"NODE", "STATUS", "LAST BEAT", "WORKERS", "RUNNING", "LOAD", "RSS", "HOST", "UP SINCE"}};
  for (const auto& n : nodes) {
    const auto& b = n.last;
    std::string workers = "-";
    for (const auto& sys : b.systems)
      if (sys.name == "workers")
        workers = fmt::format("{}/{} busy", sys.busy, sys.total);
    auto status = std::string(actors::to_string(n.status));
    if (n.restarts > 0)
      status += fmt::format(" (restarted {}x)", n.restarts);
    t.add({b.node, status, format_duration(n.age_ms) + " ago", workers,
           std::to_string(b.jobs.size()),
           b.load.empty() ? "-" : fmt::format("{:.2f}", b.load.front()), mebibytes(b.rss_bytes),
           fmt::format("{} (pid {})", b.host, b.pid), format_time(b.started_ms)});
  }
  t.print(c.out);
}

void print_json(console& c, const std::vector<actors::node_view>& nodes) {
  boost::json::array out;
  for (const auto& n : nodes) {
    boost::json::object o;
    o["node"] = n.last.node;
    o["status"] = actors::to_string(n.status);
    o["age_ms"] = n.age_ms;
    o["restarts"] = n.restarts;
    o["heartbeat"] = boost::json::parse(protocol::serialize_heartbeat(n.last));
    out.push_back(std::move(o));
  }
  c.out << boost::json::serialize(boost::json::object{{"nodes", std::move(out)}}) << '\n';
}

} // namespace

int cluster_nodes(session& s, console& c, std::chrono::milliseconds listen) {
  auto client = s.client();
  if (!client)
    return report(c, client.error());
  auto beats = (*client)->listen_heartbeats(listen);
  if (!beats)
    return report(c, beats.error());
  actors::cluster_view view;
  for (const auto& b : *beats)
    view.observe(b.beat, b.received_ms);
  auto nodes = view.nodes(wall_now_ms());
  if (nodes.empty()) {
    c.err << fmt::format("boactl: no node heartbeat within {} on {}: no node is connected, or "
                         "their heartbeat interval is longer (try --listen)\n",
                         format_duration(listen.count()), (*client)->options().broker_url);
    return exit_unreachable;
  }
  if (c.json)
    print_json(c, nodes);
  else
    print_people(c, nodes);
  return exit_ok;
}

} // namespace boa::boactl
