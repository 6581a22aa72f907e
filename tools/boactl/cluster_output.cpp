#include "tools/boactl/cluster_output.hpp"

#include "actors/cluster_snapshot_codec.hpp"
#include "tools/boactl/table.hpp"
#include "tools/boactl/text_format.hpp"

#include <boost/json/serialize.hpp>

#include <fmt/core.h>

#include <ostream>

namespace boa::boactl {

namespace {

std::string mebibytes(std::int64_t bytes) {
  return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

} // namespace

void print_cluster_nodes(console& c, const actors::cluster_snapshot& view,
                         const view_origin& origin) {
  if (c.json) {
    c.out << boost::json::serialize(actors::encode_cluster_nodes(view, origin.observer)) << '\n';
    return;
  }
  table t{{"NODE", "STATUS", "LAST BEAT", "WORKERS", "JOBS", "LOAD", "RSS", "HOST", "UP SINCE"}};
  for (const auto& n : view.nodes) {
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

void print_cluster_jobs(console& c, const actors::cluster_snapshot& view,
                        const view_origin& origin) {
  if (c.json) {
    c.out << boost::json::serialize(actors::encode_cluster_jobs(view, origin.observer)) << '\n';
    return;
  }
  table t{{"JOB", "WORKFLOW", "STEP", "NODE", "STEP SINCE", "RUNNING FOR", "LAST BEAT"}};
  for (const auto& j : view.jobs)
    t.add({j.job_id, j.workflow.empty() ? "-" : j.workflow, j.step.empty() ? "-" : j.step, j.node,
           format_time(j.since_ms),
           j.since_ms > 0 ? format_duration(origin.now_ms - j.since_ms) : "-",
           format_duration(j.age_ms) + " ago"});
  t.print(c.out);
  if (view.jobs.empty() && view.nodes.empty())
    c.out << "no job running\n";
  else if (view.jobs.empty())
    c.out << fmt::format("no job running on the {} node{} heard\n", view.nodes.size(),
                         view.nodes.size() == 1 ? "" : "s");
}

std::string watch_header(const actors::cluster_snapshot& view, const view_origin& origin) {
  return fmt::format("{}  as {} has heard it over {} (every age is as of then)",
                     format_time(view.taken_ms), origin.observer,
                     format_duration(view.listening_ms));
}

} // namespace boa::boactl
