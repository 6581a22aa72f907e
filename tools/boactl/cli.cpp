#include "tools/boactl/cli.hpp"

#include "tools/boactl/broker_login.hpp"
#include "tools/boactl/cluster_commands.hpp"
#include "tools/boactl/dead_commands.hpp"
#include "tools/boactl/job_commands.hpp"
#include "tools/boactl/node_commands.hpp"
#include "tools/boactl/repo_commands.hpp"

#include <CLI/CLI.hpp>

#include <fmt/core.h>

#include <cmath>
#include <ostream>
#include <random>
#include <unistd.h>

namespace boa::boactl {

namespace {

constexpr const char* global_help =
    "Global options, before or after the command: --broker URL (default: $BOA_BROKER_URL, else "
    "amqp://127.0.0.1:5672; amqps:// for TLS), --broker-username, the password in "
    "$BOA_BROKER_PASSWORD or --broker-password-file FILE (never on the command line), "
    "--broker-allow-plain-password, --broker-tls-ca-file, --broker-tls-cert-file, "
    "--broker-tls-key-file, --timeout SECONDS (10), --json.";

constexpr const char* exit_help =
    "Exit codes: 0 ok; 1 the job ended in error or was canceled (--wait, watch); 2 bad input "
    "(flags, definition file, unknown job, workflow or system); 3 the broker cannot be reached or "
    "no node (or not the named node) answered in time.";

std::string fresh_client_id() {
  std::random_device seed;
  return fmt::format("boactl-{}-{:08x}", ::getpid(), seed());
}

struct global_flags {
  broker_settings broker{default_broker_url, {}, {}};
  login_sources login = login_sources_from_environment();
  double timeout_s = 10;
  bool json = false;
};

/// The arguments of every command; the one the user chose is filled in by the parser.
struct arguments {
  job_start_args start;
  job_list_args list;
  std::string id;             ///< job show|watch|cancel|suspend|resume
  bool show_archived = false; ///< job show --archived
  std::string file;           ///< repo push
  std::string notes;          ///< repo push
  std::string name;           ///< repo list|show
  std::size_t limit = 20;     ///< dead list
  double listen_s = 2.5;      ///< cluster nodes|jobs
  bool from_node = false;     ///< cluster nodes|jobs
  bool watch = false;         ///< cluster nodes|jobs
  double watch_for_s = 0;     ///< cluster nodes|jobs; 0: until a signal
  node_args node;             ///< node ID …

  cluster_view_args cluster() const {
    cluster_view_args out;
    out.listen = std::chrono::milliseconds(std::llround(listen_s * 1000));
    out.from_node = from_node;
    out.watch = watch;
    if (watch_for_s > 0)
      out.watch_for = std::chrono::milliseconds(std::llround(watch_for_s * 1000));
    return out;
  }
};

/// Carries out the command the user chose, once the command line is parsed.
using action = std::function<int(session&, console&)>;

void add_job_commands(CLI::App& app, arguments& a, action& chosen) {
  auto* job = app.add_subcommand("job", "Start, list, show, watch and steer jobs");
  job->require_subcommand(1);

  auto* cmd = job->add_subcommand(
      "start", "Start a job from a definition file or a workflow of the repository");
  cmd->add_option("workflow", a.start.target,
                  "FILE.json (validated here first), or NAME / NAME@REV of the repository")
      ->required();
  cmd->add_option("--set", a.start.sets,
                  "Start property key=value (value parsed as JSON if it is); repeatable")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--id", a.start.job_id, "Job id to use (default: a fresh one)");
  cmd->add_flag("--wait", a.start.wait,
                "Follow the job until it ends; exit 0 if it finished, 1 if not");
  cmd->footer(std::string("Examples:\n  boactl job start order-routing.json --set amount=120 "
                          "--wait\n  boactl job start order-routing@2 --id j-order-17\n") +
              global_help + "\n" + exit_help);
  cmd->callback(
      [&] { chosen = [&a](session& s, console& c) { return job_start(s, c, a.start); }; });

  cmd = job->add_subcommand("list", "List jobs, newest first");
  cmd->add_option("--state", a.list.state,
                  "Only jobs in this state: initial, running, suspended, finished, error, "
                  "canceled");
  cmd->add_option("--limit", a.list.limit, "At most this many jobs")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--workflow", a.list.workflow, "Only jobs of this workflow name");
  cmd->add_option("--since", a.list.since,
                  "Only jobs updated (with --archived: ended) at or after this time: "
                  "milliseconds since the epoch or ISO-8601 UTC, e.g. 2026-11-30T12:00:00Z");
  cmd->add_flag("--archived", a.list.archived,
                "Jobs that ended, last ended first, from the archive of the node that answers "
                "(PostgreSQL: the whole cluster's)");
  cmd->add_option("--cursor", a.list.cursor,
                  "With --archived: the page after the one that printed this cursor");
  cmd->footer("Examples:\n  boactl job list --state running\n  boactl job list --archived "
              "--state error --since 2026-11-30T00:00:00Z\n");
  cmd->callback([&] { chosen = [&a](session& s, console& c) { return job_list(s, c, a.list); }; });

  cmd = job->add_subcommand("show", "Show a job: state, history, properties");
  cmd->add_option("id", a.id, "Job id")->required();
  cmd->add_flag("--archived", a.show_archived,
                "Show the job from the archive of the node that "
                "answers");
  cmd->callback([&] {
    chosen = [&a](session& s, console& c) { return job_show(s, c, a.id, a.show_archived); };
  });

  cmd = job->add_subcommand("watch", "Follow a job step by step until it ends; exit 0 if it "
                                     "finished, 1 if it ended in error or was canceled");
  cmd->add_option("id", a.id, "Job id")->required();
  cmd->callback([&] { chosen = [&a](session& s, console& c) { return job_watch(s, c, a.id); }; });

  using act = protocol::job_command::action;
  for (auto [name, what, help] :
       {std::tuple{"cancel", act::cancel, "Cancel a job before its next step"},
        std::tuple{"suspend", act::suspend, "Suspend a job before its next step"},
        std::tuple{"resume", act::resume, "Resume a suspended job"}}) {
    cmd = job->add_subcommand(name, help);
    cmd->add_option("id", a.id, "Job id")->required();
    cmd->callback([&a, &chosen, what = what] {
      chosen = [&a, what](session& s, console& c) { return job_control(s, c, a.id, what); };
    });
  }
}

void add_repo_commands(CLI::App& app, arguments& a, action& chosen) {
  auto* repo = app.add_subcommand("repo", "The workflow repository: push, list, show");
  repo->require_subcommand(1);

  auto* cmd = repo->add_subcommand("push", "Store a definition file as the next revision of "
                                           "its workflow (validated here first)");
  cmd->add_option("file", a.file, "FILE.json")->required();
  cmd->add_option("--notes", a.notes, "What changed in this revision");
  cmd->callback(
      [&] { chosen = [&a](session& s, console& c) { return repo_push(s, c, a.file, a.notes); }; });

  cmd = repo->add_subcommand("list", "List workflow names, or the revisions of one");
  cmd->add_option("name", a.name, "Workflow name");
  cmd->callback([&] { chosen = [&a](session& s, console& c) { return repo_list(s, c, a.name); }; });

  cmd = repo->add_subcommand("show", "Show a definition (the latest revision without @REV)");
  cmd->add_option("workflow", a.name, "NAME or NAME@REV")->required();
  cmd->callback([&] { chosen = [&a](session& s, console& c) { return repo_show(s, c, a.name); }; });
}

void add_dead_commands(CLI::App& app, arguments& a, action& chosen) {
  auto* dead = app.add_subcommand("dead", "Messages the cluster could not handle");
  dead->require_subcommand(1);
  auto* cmd = dead->add_subcommand(
      "list", "List dead-lettered messages with their reason; they stay in the queue");
  cmd->add_option("--limit", a.limit, "At most this many messages")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->callback(
      [&] { chosen = [&a](session& s, console& c) { return dead_list(s, c, a.limit); }; });
}

void add_cluster_commands(CLI::App& app, arguments& a, action& chosen) {
  auto* cluster = app.add_subcommand("cluster", "The cluster as the nodes' heartbeats show it");
  cluster->require_subcommand(1);
  auto view_options = [&a](CLI::App* cmd) {
    cmd->add_option("--listen", a.listen_s,
                    "Seconds to listen before the first table (at least one heartbeat interval)")
        ->check(CLI::Range(0.1, 600.0))
        ->capture_default_str();
    cmd->add_flag("--from-node", a.from_node,
                  "Ask a node for its view instead of listening here (a node asked for the "
                  "first time starts listening then, and says for how long it has)");
    auto* watch =
        cmd->add_flag("--watch", a.watch,
                      "Show the view again every heartbeat interval until SIGINT or SIGTERM "
                      "(--json: one document a refresh)");
    cmd->add_option("--watch-for", a.watch_for_s, "With --watch: stop after this many seconds")
        ->check(CLI::Range(0.1, 86400.0))
        ->needs(watch);
  };
  auto* cmd = cluster->add_subcommand(
      "nodes", "List every node heard: status, age of its last beat, workers, jobs, load, memory");
  view_options(cmd);
  cmd->callback(
      [&] { chosen = [&a](session& s, console& c) { return cluster_nodes(s, c, a.cluster()); }; });
  cmd = cluster->add_subcommand("jobs", "List every job step running in the cluster: workflow, "
                                        "step, node, since when, age of the beat that said so");
  view_options(cmd);
  cmd->callback(
      [&] { chosen = [&a](session& s, console& c) { return cluster_jobs(s, c, a.cluster()); }; });
}

void add_node_commands(CLI::App& app, arguments& a, action& chosen) {
  auto* node = app.add_subcommand(
      "node", "Commands to one node by id, or to every node with the id 'all'; each answers");
  node->add_option("id", a.node.node, "Node id, or 'all'")->required();
  node->require_subcommand(1);
  using kind = protocol::node_command::kind;
  auto choose = [&a, &chosen](kind what) {
    a.node.command.what = what;
    chosen = [&a](session& s, console& c) { return node_command(s, c, a.node); };
  };
  for (auto [name, what, help] :
       {std::tuple{"status", kind::status, "The node's state: running or draining, workers, jobs"},
        std::tuple{"drain", kind::drain,
                   "Take no new jobs, finish the running ones; the node stays up"},
        std::tuple{"shutdown", kind::shutdown,
                   "Drain, then stop the node process (as SIGTERM does)"}}) {
    node->add_subcommand(name, help)->callback([choose, what = what] { choose(what); });
  }

  auto* workers = node->add_subcommand("workers", "Grow or shrink a system's worker pool");
  workers->require_subcommand(1);
  for (auto [name, what, help] :
       {std::tuple{"add", kind::workers_add, "Add N workers to SYSTEM"},
        std::tuple{"remove", kind::workers_remove,
                   "Retire N workers of SYSTEM (idle ones at once, busy ones after their step; "
                   "at least one stays)"}}) {
    auto* cmd = workers->add_subcommand(name, help);
    cmd->add_option("system", a.node.command.system, "System: workers")->required();
    cmd->add_option("n", a.node.command.count, "How many")->required()->check(CLI::Range(1, 1000));
    cmd->callback([choose, what = what] { choose(what); });
  }

  auto* system = node->add_subcommand("system", "Stop, start or restart a system");
  system->require_subcommand(1);
  for (auto [name, what, help] :
       {std::tuple{"start", kind::system_start, "Start SYSTEM: take jobs again"},
        std::tuple{"stop", kind::system_stop,
                   "Stop SYSTEM: take no jobs; running steps finish, nothing is lost"},
        std::tuple{"restart", kind::system_restart, "Stop, then start SYSTEM"}}) {
    auto* cmd = system->add_subcommand(name, help);
    cmd->add_option("system", a.node.command.system, "System: workers")->required();
    cmd->callback([choose, what = what] { choose(what); });
  }
  node->footer(std::string("Examples:\n  boactl node n1 status\n  boactl node all status "
                           "--json\n  boactl node n1 workers add workers 2\n  boactl node n1 "
                           "system stop workers\n  boactl node n2 drain\n") +
               global_help + "\n" + exit_help);
}

/// Every command's help names the global options, which CLI11 shows only at the top.
void add_footers(CLI::App& app) {
  for (auto* sub : app.get_subcommands({})) {
    if (sub->get_footer().empty())
      sub->footer(std::string(global_help) + "\n" + exit_help);
    add_footers(*sub);
  }
}

} // namespace

int run_cli(int argc, const char* const* argv, const connect_fn& connect, std::ostream& out,
            std::ostream& err, bool out_is_terminal) {
  CLI::App app{"boactl: drive a boa cluster through its AMQP broker"};
  app.fallthrough(); // global flags may follow the command: `boactl job list --json`
  app.require_subcommand(1);
  global_flags flags;
  // The variables boad reads for the same settings: one environment drives node and client.
  app.add_option("--broker", flags.broker.url, "Broker URL amqp://HOST[:PORT] or amqps://...")
      ->envname("BOA_BROKER_URL")
      ->capture_default_str();
  app.add_option("--broker-username", flags.broker.username,
                 "User for the broker (SASL PLAIN); none: ANONYMOUS")
      ->envname("BOA_BROKER_USERNAME");
  // Only to be refused, as boad does: every user of the host sees a command line (ps). The
  // password comes from BOA_BROKER_PASSWORD or a file (broker_login.hpp).
  app.add_option("--broker-password", flags.login.password_flag,
                 "Refused: flags show in ps; set BOA_BROKER_PASSWORD or --broker-password-file");
  app.add_option("--broker-password-file", flags.login.password_file_flag,
                 "File holding the broker password (its final line break dropped) "
                 "[BOA_BROKER_PASSWORD_FILE]");
  app.add_flag("--broker-allow-plain-password", flags.login.allow_plain_password,
               "Send the password over plain amqp:// to a host off loopback, readable by anyone "
               "on the way; otherwise refused (use amqps://)")
      ->envname("BOA_BROKER_ALLOW_PLAIN_PASSWORD");
  app.add_option("--broker-tls-ca-file", flags.broker.tls_ca_file,
                 "With amqps://: CA certificates (PEM) to trust; none: the system's")
      ->envname("BOA_BROKER_TLS_CA_FILE");
  app.add_option("--broker-tls-cert-file", flags.broker.tls_cert_file,
                 "With amqps://: client certificate (PEM), with --broker-tls-key-file")
      ->envname("BOA_BROKER_TLS_CERT_FILE");
  app.add_option("--broker-tls-key-file", flags.broker.tls_key_file,
                 "With amqps://: the client certificate's private key (PEM)")
      ->envname("BOA_BROKER_TLS_KEY_FILE");
  app.add_option("--timeout", flags.timeout_s,
                 "Seconds to wait for the broker and for a node to answer")
      ->check(CLI::Range(0.01, 3600.0))
      ->capture_default_str();
  app.add_flag("--json", flags.json, "Machine output: one JSON document on stdout");

  arguments args;
  action chosen;
  add_job_commands(app, args, chosen);
  add_repo_commands(app, args, chosen);
  add_dead_commands(app, args, chosen);
  add_cluster_commands(app, args, chosen);
  add_node_commands(app, args, chosen);
  app.footer(exit_help);
  add_footers(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto code = app.exit(e, out, err);
    return code == 0 ? exit_ok : exit_bad_input;
  }
  if (!chosen) {
    err << app.help();
    return exit_bad_input;
  }
  if (auto login = complete_login(flags.broker, flags.login); !login) {
    err << "boactl: " << login.error().message << '\n';
    return exit_bad_input;
  }
  client_options options;
  options.client_id = fresh_client_id();
  options.timeout = std::chrono::milliseconds(std::llround(flags.timeout_s * 1000));
  session s{connect, flags.broker, options};
  console c{out, err, flags.json, out_is_terminal};
  return chosen(s, c);
}

} // namespace boa::boactl
