#include "tools/boactl/cluster_commands.hpp"

#include "actors/cluster_snapshot_codec.hpp"
#include "actors/cluster_view.hpp"
#include "tools/boactl/cluster_output.hpp"
#include "tools/boactl/text_format.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <csignal>
#include <ostream>
#include <thread>

namespace boa::boactl {

namespace {

using steady = std::chrono::steady_clock;

/// Refreshes between tables when no node says how often it beats.
constexpr std::chrono::milliseconds default_refresh{1000};
constexpr std::chrono::milliseconds min_refresh{100};

volatile std::sig_atomic_t stop_requested = 0;

extern "C" void on_stop_signal(int) {
  stop_requested = 1;
}

/// SIGINT and SIGTERM end a watch after the table in progress; the previous handlers come back
/// when it ends.
class stop_signals {
public:
  stop_signals() {
    stop_requested = 0;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  ~stop_signals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;
  bool requested() const { return stop_requested != 0; }

private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

std::int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The view boactl builds itself from the heartbeats it hears; it keeps what it heard across
/// refreshes, as an aggregator does.
class listener {
public:
  explicit listener(broker_client& client) : client_(client), since_ms_(wall_now_ms()) {}

  expected<actors::cluster_snapshot> refresh(std::chrono::milliseconds span) {
    auto beats = client_.listen_heartbeats(span);
    if (!beats)
      return beats.error();
    for (const auto& b : *beats)
      view_.observe(b.beat, b.received_ms);
    auto now = wall_now_ms();
    view_.evict(now);
    actors::cluster_snapshot out;
    out.nodes = view_.nodes(now);
    out.jobs = view_.jobs(now);
    out.taken_ms = now;
    out.listening_ms = now - since_ms_;
    return out;
  }

private:
  broker_client& client_;
  actors::cluster_view view_;
  std::int64_t since_ms_;
};

/// The view a node's aggregator answers with.
expected<actors::cluster_snapshot, exit_code>
ask_node(session& s, console& c, protocol::client_request::kind what, std::string& observer) {
  protocol::client_request request;
  request.what = what;
  auto data = ask(s, c, request);
  if (!data)
    return data.error();
  auto view = actors::decode_cluster_snapshot(*data);
  if (!view) {
    c.err << "boactl: the node's answer cannot be read: " << view.error().message << '\n';
    return exit_unreachable;
  }
  if (data->is_object())
    if (const auto* o = data->get_object().if_contains("observer"); o && o->is_string())
      observer = std::string(o->get_string());
  return std::move(*view);
}

/// How long to wait before the next table: the shortest heartbeat interval heard.
std::chrono::milliseconds refresh_interval(const actors::cluster_snapshot& view) {
  std::int64_t shortest = 0;
  for (const auto& n : view.nodes)
    if (shortest == 0 || n.last.interval_ms < shortest)
      shortest = n.last.interval_ms;
  if (shortest == 0)
    return default_refresh;
  return std::max(min_refresh, std::chrono::milliseconds(shortest));
}

enum class shown { nodes, jobs };

/// A node's view younger than this may lack nodes whose beat has not come yet.
std::chrono::milliseconds young_view(const actors::cluster_snapshot& view) {
  return 2 * refresh_interval(view);
}

/// With --watch, or a view from a node (whose age matters), a line says when and whose it is.
void print(console& c, shown what, const actors::cluster_snapshot& view, const view_origin& origin,
           bool watching, bool from_node, bool first) {
  if (watching && !c.json) {
    if (c.terminal)
      c.out << "\033[H\033[2J"; // redraw in place
    else if (!first)
      c.out << '\n';
  }
  if ((watching || from_node) && !c.json)
    c.out << watch_header(view, origin) << '\n';
  if (from_node && !watching && view.listening_ms < young_view(view).count())
    c.err << fmt::format("boactl: {} has listened to the heartbeats for only {}: its view may "
                         "lack nodes (ask again in a moment)\n",
                         origin.observer, format_duration(view.listening_ms));
  if (what == shown::nodes)
    print_cluster_nodes(c, view, origin);
  else
    print_cluster_jobs(c, view, origin);
  c.out.flush();
}

int show(session& s, console& c, const cluster_view_args& args, shown what) {
  auto client = s.client();
  if (!client)
    return report(c, client.error());
  std::optional<stop_signals> signals;
  if (args.watch)
    signals.emplace();
  // Without --watch-for, a watch ends only on a signal.
  const auto deadline =
      args.watch_for ? steady::now() + *args.watch_for : steady::time_point::max();
  auto remaining = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
  };
  listener heard(**client);
  view_origin origin{args.from_node ? "a node" : "boactl", 0};
  auto span = args.listen;
  for (bool first = true;; first = false) {
    expected<actors::cluster_snapshot> view = error{errc::internal, "no view"};
    if (args.from_node) {
      auto asked = ask_node(s, c,
                            what == shown::nodes ? protocol::client_request::kind::cluster_nodes
                                                 : protocol::client_request::kind::cluster_jobs,
                            origin.observer);
      if (!asked)
        return asked.error();
      view = std::move(*asked);
    } else {
      view = heard.refresh(span);
      if (!view)
        return report(c, view.error());
    }
    if (!args.watch && !args.from_node && view->nodes.empty()) {
      c.err << fmt::format("boactl: no node heartbeat within {} on {}: no node is connected, or "
                           "their heartbeat interval is longer (try --listen)\n",
                           format_duration(span.count()), (*client)->options().broker_url);
      return exit_unreachable;
    }
    origin.now_ms = wall_now_ms();
    print(c, what, *view, origin, args.watch, args.from_node, first);
    if (!args.watch || signals->requested())
      return exit_ok;
    auto left = remaining();
    if (left <= std::chrono::milliseconds::zero())
      return exit_ok;
    span = std::min(refresh_interval(*view), left);
    if (args.from_node) {
      // Ask again after one interval; look at the signals now and then meanwhile.
      auto until = steady::now() + span;
      while (steady::now() < until && !signals->requested())
        std::this_thread::sleep_for(
            std::min<steady::duration>(std::chrono::milliseconds(50), until - steady::now()));
      if (signals->requested())
        return exit_ok;
    }
  }
}

} // namespace

int cluster_nodes(session& s, console& c, const cluster_view_args& args) {
  return show(s, c, args, shown::nodes);
}

int cluster_jobs(session& s, console& c, const cluster_view_args& args) {
  return show(s, c, args, shown::jobs);
}

} // namespace boa::boactl
