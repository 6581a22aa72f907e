#!/usr/bin/env python3
"""Several `boad` processes sharing one broker, as a cluster runs: work shared by every node,
nodes joining and leaving while jobs run, kill -9 in the middle of a step, a hung node
(SIGSTOP), a broker restart, and the cluster view seen through `boactl`.

Usage: cluster_system_test.py embedded|rabbitmq BOAD BOACTL [unittest args]

`embedded`: the broker is a `boad broker` process (the embedded broker alone), which the broker
restart test kills and starts again. `rabbitmq`: the RabbitMQ at
BOA_TEST_RABBITMQ_URL (tools/run-tests starts one with tools/rabbitmq); exits 77 (skipped) with
the reason when there is none. Each test checks that every job it started reached exactly one
terminal state, from the archive's log lines of every node: a job whose end is logged twice with
different messages ran twice.

Every process a test starts is stopped by its PID, whatever happens.
"""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

try:
    from proton.utils import BlockingConnection
except ImportError:
    print("skipped: the proton module (python3-qpid-proton) is not installed", file=sys.stderr)
    sys.exit(77)

from cluster_processes import RABBITMQ, SOURCE_DIR, WAIT, Cluster, EventLog  # noqa: E402
from node_system_test import sleeping_chain, wait_until  # noqa: E402

FLAVOUR = BOAD = BOACTL = None  # set from the arguments
BEAT_S = 0.2  # heartbeat interval of every node in these tests (the cluster's default)


def started_count(marker):
    """How many times the marked step started (it appends its node's PID to the file)."""
    if not os.path.exists(marker):
        return 0
    with open(marker) as f:
        return len(f.read().split())


class ClusterTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="boa-cluster-")
        self.cluster = Cluster(self.tmp.name, FLAVOUR, BOAD, BOACTL)
        self.events = None

    def tearDown(self):
        if self.events:
            self.events.close()
        self.cluster.stop()
        self.tmp.cleanup()

    def follow_events(self):
        self.events = EventLog(self.cluster.url)
        return self.events

    def ids(self, prefix, count):
        # Unique per run: a RabbitMQ outlives the test and keeps what a failed run left queued.
        stamp = f"{os.getpid()}-{time.monotonic_ns() % 10**9}"
        return [f"{prefix}-{stamp}-{i:03d}" for i in range(count)]


class Sharing(ClusterTest):
    def test_three_nodes_share_200_jobs_and_each_ends_once(self):
        c = self.cluster
        workers = [c.node(f"w{i}", "--workers", "2") for i in range(3)]
        events = self.follow_events()
        ids = self.ids("share", 200)
        c.start_jobs(sleeping_chain("share", 3, 5), ids)
        c.wait_all_ended(ids)
        c.assert_each_ended_once(self, ids)
        ran = {e["node"] for e in events.steps()}
        for w in workers:
            self.assertIn(w.node_id, ran, f"{w.node_id} ran no step; nodes that did: {ran}")
        for n in c.nodes:
            self.assertEqual(n.stop(), 0, n.log())

    def test_every_example_runs_on_three_nodes(self):
        c = self.cluster
        for i in range(3):
            c.node(f"e{i}", "--workers", "2")
        events = self.follow_events()
        for name in ("order-routing.json", "fork-join.json", "map-reduce.json",
                     "retry-then-error-route.json"):
            r = c.boactl("job", "start", os.path.join(SOURCE_DIR, "examples", name), "--wait",
                         "--json")
            self.assertEqual(r.returncode, 0, f"{name}: {r.stdout}{r.stderr}")
            self.assertEqual(json.loads(r.stdout)["state"], "finished", name)
        # map-reduce alone has sub-jobs and a reduce: its steps are spread over the nodes.
        self.assertGreater(len({e["node"] for e in events.steps()}), 1)

    def test_node_joins_and_another_leaves_while_jobs_run(self):
        c = self.cluster
        leaver = c.node("leaver", "--workers", "2")
        c.node("stayer", "--workers", "2")
        events = self.follow_events()
        ids = self.ids("churn", 60)
        c.start_jobs(sleeping_chain("churn", 5, 40), ids)
        wait_until(lambda: len(events.steps()) >= 20, "the first steps")
        joiner = c.node("joiner", "--workers", "2")
        self.assertEqual(leaver.stop(), 0, leaver.log())
        c.wait_all_ended(ids)
        c.assert_each_ended_once(self, ids)
        ran = {e["node"] for e in events.steps()}
        self.assertIn(joiner.node_id, ran, f"the joiner ran no step; nodes that did: {ran}")

    def test_cancel_reaches_a_job_wherever_its_next_step_runs(self):
        c = self.cluster
        for i in range(3):
            c.node(f"c{i}", "--workers", "2")
        events = self.follow_events()
        ids = self.ids("cancel", 6)
        c.start_jobs(sleeping_chain("cancel", 40, 100), ids)
        wait_until(lambda: all(len(events.steps(i)) >= 4 for i in ids),
                   "every job to run four steps")
        for job_id in ids[:3]:
            r = c.boactl("job", "cancel", job_id)
            self.assertEqual(r.returncode, 0, r.stderr)
        c.wait_all_ended(ids[:3])
        c.assert_each_ended_once(self, ids[:3], state="canceled")
        for job_id in ids[3:]:
            self.assertNotIn(job_id, {j for j, _, _ in c.ends()}, "only the canceled ones end")
        ran = {e["node"] for e in events.steps()}
        self.assertGreater(len(ran), 1, "the jobs' steps ran on several nodes")


class Failover(ClusterTest):
    def running_step_pid(self, marker):
        """The PID of the node running the step that wrote `marker` (its parent's)."""
        wait_until(lambda: started_count(marker) >= 1, "the slow step to start")
        with open(marker) as f:
            return int(f.read().split()[0])

    def slow_marked_step(self, name, marker, seconds):
        return {"name": name, "steps": [
            {"id": "first", "run": {"kind": "noop"}, "next": [["*", "slow"]]},
            {"id": "slow", "run": {"kind": "exec", "argv": [
                "sh", "-c", f'echo $PPID >> {marker}; sleep {seconds}; echo "{{}}"']},
             "next": [["*", "last"]]},
            {"id": "last", "run": {"kind": "noop"}}]}

    def node_with_pid(self, pid):
        for n in self.cluster.nodes:
            if n.alive() and n.proc.pid == pid:
                return n
        raise AssertionError(f"no node of this test has PID {pid}")

    def test_kill_9_mid_step_another_node_runs_it_and_the_job_ends_once(self):
        c = self.cluster
        for i in range(3):  # cluster-aware: they name the node of an interrupted attempt
            c.node(f"k{i}", "--workers", "2", "--cluster-aware")
        events = self.follow_events()
        marker = os.path.join(c.dir, "slow-started")
        [job] = self.ids("kill9", 1)
        background = self.ids("kill9-bg", 40)
        c.start_jobs(self.slow_marked_step("kill9", marker, 2), [job])
        c.start_jobs(sleeping_chain("bg", 4, 20), background)
        victim = self.node_with_pid(self.running_step_pid(marker))
        time.sleep(3 * BEAT_S)  # a heartbeat has shown the step running there
        victim.kill9()
        c.wait_all_ended([job, *background])
        c.assert_each_ended_once(self, [job, *background])
        slow = [e for e in events.steps(job) if e["step"] == "slow"]
        self.assertTrue(slow, "the slow step finished somewhere")
        self.assertNotIn(victim.node_id, {e["node"] for e in slow})
        # The killed node's attempt is in the history, with its node: the next one is attempt 2.
        self.assertEqual([e["attempt"] for e in slow], [2], slow)
        r = c.boactl("--json", "job", "show", job)
        self.assertEqual(r.returncode, 0, r.stderr)
        history = [(h["step"], h.get("attempt", 1), h["node"], h.get("result", ""))
                   for h in json.loads(r.stdout)["history"] if h["step"] == "slow"]
        self.assertEqual(history, [("slow", 1, victim.node_id, "interrupted"),
                                   ("slow", 2, slow[0]["node"], "")], history)
        self.assertGreaterEqual(started_count(marker), 2, "the step ran again")

    def hang_mid_step(self, prefix, seconds):
        """Two nodes; a job whose slow step runs `seconds` on one of them, which is then stopped
        (SIGSTOP) until the step has started again on the other: the embedded broker's idle
        timeout (4 s), then its redelivery (the wait is only a safety net). Returns the stopped
        node, still stopped, and the job; the caller continues the node (SIGCONT)."""
        if FLAVOUR == "rabbitmq":
            self.skipTest("RabbitMQ keeps a hung consumer's deliveries until its own connection "
                          "idle timeout (60 s by default): too long for this suite")
        c = self.cluster
        for i in range(2):
            c.node(f"{prefix}{i}", "--workers", "2")
        marker = os.path.join(c.dir, "slow-started")
        [job] = self.ids(prefix, 1)
        c.start_jobs(self.slow_marked_step(prefix, marker, seconds), [job])
        victim = self.node_with_pid(self.running_step_pid(marker))
        victim.signal(signal.SIGSTOP)
        try:
            wait_until(lambda: started_count(marker) >= 2,
                       "the step to start again on another node", timeout=30)
        except BaseException:
            victim.signal(signal.SIGCONT)
            raise
        return victim, job

    def test_hung_node_loses_its_step_to_another_within_the_bound(self):
        victim, job = self.hang_mid_step("hang", 1)
        try:
            self.cluster.wait_all_ended([job])
        finally:
            victim.signal(signal.SIGCONT)
        self.cluster.assert_each_ended_once(self, [job])

    def test_a_hung_node_drops_what_its_step_made_once_the_step_went_elsewhere(self):
        # Long enough that the hung node is running again, on a new connection, when its step
        # ends: the step's child process runs on while its node is stopped.
        victim, job = self.hang_mid_step("fence", 8)
        victim.signal(signal.SIGCONT)
        c = self.cluster
        wait_until(lambda: "this run's outcome is dropped" in victim.all_logs(),
                   "the hung node to drop its step's outcome")
        c.wait_all_ended([job])
        # Its copy went no further: the job ended once, from the other node's run.
        c.assert_each_ended_once(self, [job])

    def test_broker_restart_loses_no_job(self):
        c = self.cluster
        for i in range(2):
            c.node(f"b{i}", "--workers", "2")
        events = self.follow_events()
        ids = self.ids("restart", 40)
        c.start_jobs(sleeping_chain("restart", 6, 30), ids)
        wait_until(lambda: len(events.steps()) >= 10, "the first steps")
        events.close()
        self.events = None
        c.restart_broker(pause=1 if FLAVOUR == "rabbitmq" else 0.5)
        for n in c.nodes:
            wait_until(lambda n=n: n.is_hub() or "lost broker" in n.all_logs(),
                       f"{n.node_id} to notice")
        c.wait_all_ended(ids)
        c.assert_each_ended_once(self, ids)


class View(ClusterTest):
    def test_new_node_is_live_within_two_beats_and_a_killed_one_goes_down(self):
        c = self.cluster
        c.node("v1", "--cluster-aware")  # its view remembers v2 after v2 falls silent
        newcomer = c.node("v2", wait=False)
        conn = BlockingConnection(c.url, timeout=WAIT)
        try:
            beats = conn.create_receiver("/topic/boa.heartbeat", credit=100)
            newcomer.wait_running()
            # Its first beat goes out as it starts; a listener counts it live from then on.
            while json.loads(beats.receive(timeout=WAIT).body)["node"] != "v2":
                beats.accept()
        finally:
            conn.close()
        wait_until(lambda: c.view(listen=str(2 * BEAT_S)).get("v2") == "live",
                   "v2 live in a view listening for two beats")
        newcomer.kill9()
        # Its threshold: 10 missed beats of 200 ms; the bound leaves room for a slow machine.
        wait_until(lambda: c.view(from_node=True).get("v2") == "down", "v2 down", timeout=10)

    def test_a_node_stopped_on_purpose_is_shown_left_at_once(self):
        c = self.cluster
        watcher = c.node("w1", "--cluster-aware")
        leaver = c.node("w2")
        wait_until(lambda: c.view(from_node=True).get("w2") == "live", "w2 live")
        self.assertEqual(leaver.stop(), 0, leaver.log())
        # Its last beat says it is leaving (silence alone never makes a node "left").
        wait_until(lambda: c.view(from_node=True).get("w2") == "left", "w2 left", timeout=5)
        wait_until(lambda: "cluster: node w2 left" in watcher.log(), "the watcher to log it")

    def test_twenty_nodes_started_together_all_become_live(self):
        # A liveness check, not a measurement: how soon twenty processes are up depends on the
        # machine's load (start-up time belongs in bench/); WAIT only keeps a hang from lasting.
        c = self.cluster
        fleet = [c.node(f"f{i:02d}", "--workers", "1", wait=False) for i in range(20)]
        want = {n.node_id for n in fleet}

        def all_live():
            view = c.view(listen="0.5")
            return want <= {node for node, status in view.items() if status == "live"}

        wait_until(all_live, "20 nodes live", timeout=WAIT)


class ScaleOut(ClusterTest):
    def test_scale_out_example_starts_nodes_the_cluster_view_shows_live(self):
        c = self.cluster
        c.node("seed", "--workers", "2")
        root = os.path.join(c.dir, "scaled")
        r = c.boactl("job", "start", os.path.join(SOURCE_DIR, "examples", "scale-out.json"),
                     "--set", f"broker={c.url}", "--set", f"boad={BOAD}",
                     "--set", f"boactl={BOACTL}", "--set", f"data_root={root}",
                     "--set", "count=3", "--wait", "--json")
        started = []
        try:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            props = json.loads(r.stdout)["properties"]
            started = props["started"]
            self.assertEqual(len(started), 3)
            self.assertEqual(sorted(props["live"]), sorted(n["node"] for n in started))
            view = c.view()
            for n in started:
                self.assertEqual(view.get(n["node"]), "live", view)
            # The new nodes take work like any other.
            events = self.follow_events()
            ids = self.ids("scaled", 60)
            c.start_jobs(sleeping_chain("scaled", 2, 20), ids)
            # Some end in the archives of the new nodes, whose logs are not the test's: follow
            # the events instead.
            wait_until(lambda: set(ids) <= events.ended(), "every job to end")
            self.assertTrue({n["node"] for n in started} & {e["node"] for e in events.steps()})
        finally:
            for n in started:
                try:
                    os.kill(n["pid"], signal.SIGTERM)
                except ProcessLookupError:
                    pass
            for n in started:
                wait_until(lambda pid=n["pid"]: not pid_alive(pid), f"{n['node']} to stop")


def pid_alive(pid):
    """Whether `pid` is still running (a zombie counts as gone: it is not our child to reap)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


class Housekeeping(ClusterTest):
    def test_reply_and_subscription_queues_do_not_pile_up(self):
        if FLAVOUR != "rabbitmq":
            self.skipTest("the embedded broker deletes a private queue with its last consumer")
        c = self.cluster
        c.node("q1")
        for _ in range(3):
            self.assertEqual(c.boactl("job", "list").returncode, 0)
            c.view(listen="0.3")

        def leftovers():
            r = subprocess.run([RABBITMQ, "ctl", c.rabbitmq_dir, "list_queues", "-q", "name",
                                "consumers"], capture_output=True, text=True, timeout=WAIT)
            rows = [line.split() for line in r.stdout.splitlines() if line.strip()]
            return [name for name, consumers in rows
                    if re.match(r"(amq\.gen-|boa\.reply\.)", name) and consumers == "0"]

        wait_until(lambda: not leftovers(), "unused private queues to expire", timeout=30)


class BrokerLogins(unittest.TestCase):
    """Nodes and boactl logging in to the cluster's broker with a user and a password from a file
    (SASL PLAIN), over plain amqp:// and over amqps:// with the test CA. `embedded`: two
    `boad broker` hubs with a users file, one with a TLS listener (certificates by tools/test-pki).
    `rabbitmq`: the user and the TLS listener tools/rabbitmq gave its broker
    (BOA_TEST_RABBITMQ_DIR). RabbitMQ does not answer a wrong password: the node must still stop,
    saying which user it tried."""

    USER = "boa-test"

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="boa-logins-")
        self.clusters = []
        if FLAVOUR == "rabbitmq":
            rabbitmq_dir = os.environ.get("BOA_TEST_RABBITMQ_DIR", "")
            if not os.path.exists(os.path.join(rabbitmq_dir, "amqps-url")):
                self.skipTest("this RabbitMQ has no test user and TLS listener (tools/rabbitmq)")
            with open(os.path.join(rabbitmq_dir, "user")) as f:
                self.user = f.read().strip()
            self.password_file = os.path.join(rabbitmq_dir, "password")
            tls_dir = os.path.join(rabbitmq_dir, "tls")
            with open(os.path.join(rabbitmq_dir, "amqps-url")) as f:
                tls_url = f.read().strip()
            self.plain = self.cluster("plain")
            self.tls = self.cluster("tls")
        else:
            self.user = self.USER
            self.password_file = os.path.join(self.tmp.name, "password")
            with open(self.password_file, "w") as f:
                f.write("s3cret-for-tests")
            users = os.path.join(self.tmp.name, "users")
            with open(users, "w") as f:
                f.write(f"{self.USER}:s3cret-for-tests\n")
            tls_dir = os.path.join(self.tmp.name, "pki")
            r = subprocess.run([os.path.join(SOURCE_DIR, "tools", "test-pki"), tls_dir],
                               capture_output=True, text=True, timeout=WAIT)
            if r.returncode != 0:
                self.skipTest(f"openssl could not make the test certificates: {r.stderr}")
            with_users = ["--embedded-broker-users-file", users]
            self.plain = self.cluster("plain", *with_users)
            self.tls = self.cluster(
                "tls", *with_users,
                "--embedded-broker-tls-cert-file", os.path.join(tls_dir, "server.pem"),
                "--embedded-broker-tls-key-file", os.path.join(tls_dir, "server.key"))
            tls_url = f"amqps://localhost:{self.tls.hub.port}"  # the name the certificate gives
        self.tls.url = tls_url
        self.ca = os.path.join(tls_dir, "ca.pem")
        self.other_ca = os.path.join(tls_dir, "other-ca.pem")

    def tearDown(self):
        for c in self.clusters:
            c.stop()
        self.tmp.cleanup()

    def cluster(self, name, *hub_extra):
        directory = os.path.join(self.tmp.name, name)
        os.makedirs(directory)
        c = Cluster(directory, FLAVOUR, BOAD, BOACTL, hub_extra=hub_extra)
        self.clusters.append(c)
        return c

    def login(self, password_file=None):
        return ["--broker-username", self.user, "--broker-password-file",
                password_file or self.password_file]

    def run_job(self, cluster, name, *tls):
        job = os.path.join(self.tmp.name, f"{name}.json")
        with open(job, "w") as f:
            json.dump(sleeping_chain(name, 2, 1), f)
        r = cluster.boactl(*self.login(), *tls, "job", "start", job, "--wait")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("s3cret", r.stdout + r.stderr)

    def wrong_password(self):
        path = os.path.join(self.tmp.name, "wrong-password")
        with open(path, "w") as f:
            f.write("not-the-password")
        return path

    def test_a_node_that_logs_in_runs_jobs_and_one_with_a_wrong_password_stops(self):
        self.plain.node("n1", *self.login())
        self.run_job(self.plain, "logged-in")

        n2 = self.plain.node("n2", *self.login(self.wrong_password()), wait=False)
        self.assertEqual(n2.proc.wait(WAIT), 2, n2.log())
        self.assertIn(f"login as user '{self.user}'", n2.log())
        self.assertNotIn("not-the-password", n2.log())

    def test_a_node_over_amqps_runs_jobs_and_one_trusting_another_ca_stops(self):
        tls = ["--broker-tls-ca-file", self.ca]
        self.tls.node("t1", *self.login(), *tls)
        self.run_job(self.tls, "over-tls", *tls)

        stranger = self.tls.node("t2", *self.login(), "--broker-tls-ca-file", self.other_ca,
                                 wait=False)
        self.assertEqual(stranger.proc.wait(WAIT), 2, stranger.log())
        self.assertIn("the broker's certificate did not verify", stranger.log())
        self.assertIn(f"broker.tls-ca-file '{self.other_ca}'", stranger.log())

if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] not in ("embedded", "rabbitmq"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    FLAVOUR = sys.argv[1]
    if FLAVOUR == "rabbitmq" and not os.environ.get("BOA_TEST_RABBITMQ_URL"):
        print("skipped: no RabbitMQ (BOA_TEST_RABBITMQ_URL is not set; tools/run-tests starts "
              "one when rabbitmq-server is installed)", file=sys.stderr)
        sys.exit(77)
    BOAD, BOACTL = os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    unittest.main(argv=[sys.argv[0], *sys.argv[4:]], verbosity=2)
