#!/usr/bin/env python3
"""A long-lived `boad` node on its embedded broker, driven by `boactl` and by a third-party AMQP
1.0 client (Python's proton): examples end to end, start-job on the wire, kill -9 durability,
dead-lettering, configuration errors, graceful shutdown, node commands, the HTTP API.

Usage: node_system_test.py BOAD BOACTL [unittest args]

Every process a test starts is stopped by its PID, whatever happens. Exits 77 (skipped) when the
proton module is not installed.
"""

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

try:
    from proton import Message
    from proton.utils import BlockingConnection
except ImportError:
    print("skipped: the proton module (python3-qpid-proton) is not installed", file=sys.stderr)
    sys.exit(77)

BOAD = BOACTL = None  # absolute paths, set from the arguments
SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(SOURCE_DIR, "examples")
WAIT = 60  # seconds; a safety net against hanging, not a measurement


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(done, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Node:
    """One `boad` process on a data directory and port that outlive it (restarts reuse both)."""

    def __init__(self, data_dir, port, *extra, env=None):
        self.data_dir, self.port, self.extra, self.env = data_dir, port, list(extra), env
        self.proc = None
        self.logs = []  # one file per process lifetime

    @property
    def url(self):
        return f"amqp://127.0.0.1:{self.port}"

    def start(self):
        log = os.path.join(self.data_dir, f"boad-{len(self.logs)}.log")
        self.logs.append(log)
        env = dict(os.environ, **(self.env or {}))
        with open(log, "wb") as err:
            self.proc = subprocess.Popen(
                [BOAD, "--listen", f"127.0.0.1:{self.port}", "--data",
                 os.path.join(self.data_dir, "data"), "--node-id", "n1", *self.extra],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env)
        wait_until(lambda: "running with" in self.log() or self.proc.poll() is not None,
                   "the node to start")
        if self.proc.poll() is not None:
            raise AssertionError(f"boad exited with {self.proc.returncode}:\n{self.log()}")
        return self

    def log(self, which=-1):
        with open(self.logs[which], encoding="utf-8", errors="replace") as f:
            return f.read()

    def all_logs(self):
        return "".join(self.log(i) for i in range(len(self.logs)))

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(WAIT)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("boad did not stop on SIGTERM")
        return self.proc.returncode if self.proc else None


def boactl(node_or_url, *args, timeout=WAIT):
    url = node_or_url if isinstance(node_or_url, str) else node_or_url.url
    return subprocess.run([BOACTL, "--broker", url, *args], capture_output=True, text=True,
                          timeout=timeout)


def write_workflow(directory, definition):
    path = os.path.join(directory, definition["name"] + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(definition, f)
    return path


def sleeping_chain(name, steps, ms):
    """A workflow of `steps` sleep steps, one after another."""
    chain = []
    for i in range(steps):
        step = {"id": f"s{i}", "run": {"kind": "sleep", "ms": ms}}
        if i + 1 < steps:
            step["next"] = [["*", f"s{i + 1}"]]
        chain.append(step)
    return {"name": name, "steps": chain}


def job_state(node, job_id):
    r = boactl(node, "job", "show", job_id, "--json")
    return json.loads(r.stdout).get("state", "initial") if r.returncode == 0 else None


class NodeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="boa-node-")
        self.dir = self.tmp.name
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            if n.proc and n.proc.poll() is None:
                n.proc.kill()
                n.proc.wait()
        self.tmp.cleanup()

    def node(self, *extra, env=None, port=None):
        n = Node(self.dir, port or free_port(), *extra, env=env)
        self.nodes.append(n)
        return n.start()


def node_command(node, *args, timeout=WAIT):
    """`boactl node ARGS --json`: the exit code and the replies (empty when none came)."""
    r = boactl(node, "node", *args, "--json", timeout=timeout)
    replies = json.loads(r.stdout)["replies"] if r.stdout.strip() else []
    return r, replies


def publish_start(node, job_id, example):
    """Publishes a start-job without a reply-to, as a client that does not wait for a node."""
    with open(os.path.join(EXAMPLES, example), encoding="utf-8") as f:
        definition = json.load(f)
    conn = BlockingConnection(node.url, timeout=WAIT)
    try:
        body = json.dumps({"v": 1, "type": "start-job", "job_id": job_id,
                           "definition": definition})
        conn.create_sender("/queue/boa.jobs.new").send(
            Message(body=body, subject="start-job", id=f"start-{job_id}"))
    finally:
        conn.close()


def workers_system(reply):
    return reply["data"]["heartbeat"]["systems"][0]


def spawn_boad(test, name, *args):
    """`boad ARGS --data DIR/NAME` logging to DIR/NAME.log, killed by its PID when the test
    ends: the process and a function that reads its log."""
    log = os.path.join(test.dir, f"{name}.log")
    with open(log, "wb") as err:
        proc = subprocess.Popen([BOAD, *args, "--data", os.path.join(test.dir, name)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)

    def stop():
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    test.addCleanup(stop)

    def read_log():
        with open(log, encoding="utf-8", errors="replace") as f:
            return f.read()

    return proc, read_log


def join_node(test, host, node_id, *extra):
    """A second `boad` on `host`'s embedded broker, stopped by its PID when the test ends."""
    proc, read_log = spawn_boad(test, node_id, "--broker", host.url, "--node-id", node_id,
                                *extra)
    wait_until(lambda: "running with" in read_log() or proc.poll() is not None,
               f"{node_id} to start")
    return proc, read_log


def psql(url, query, **variables):
    """Runs one query with psql as a user would (-At: bare values, `|` between columns). Values
    go in as psql variables (`:'name'` in the query), never spliced into the SQL."""
    args = ["psql", "-At", "-v", "ON_ERROR_STOP=1"]
    for name, value in variables.items():
        args += ["-v", f"{name}={value}"]
    r = subprocess.run([*args, url], input=query, capture_output=True, text=True, timeout=WAIT)
    if r.returncode != 0:
        raise AssertionError(f"psql failed: {r.stderr}")
    return r.stdout.strip()


class PostgresArchive(NodeTest):
    def setUp(self):
        self.postgres = os.environ.get("BOA_TEST_POSTGRES_URL")
        if not self.postgres:
            self.skipTest("BOA_TEST_POSTGRES_URL is not set (tools/run-tests sets it when the "
                          "postgresql server is installed)")
        super().setUp()

    def test_a_finished_job_is_a_row_in_the_postgres_archive(self):
        node = self.node("--archive-postgres", self.postgres)
        r = boactl(node, "job", "start", os.path.join(EXAMPLES, "order-routing.json"), "--wait",
                   "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        job_id = json.loads(r.stdout)["id"]
        query = ("SELECT state, workflow, job->>'id' FROM boa_archived_jobs "
                 "WHERE id = :'job_id'")
        # The archive is written when the node takes the end from the archive queue, right
        # after the client saw it.
        wait_until(lambda: psql(self.postgres, query, job_id=job_id) != "",
                   "the job's row in PostgreSQL")
        state, workflow, archived_id = psql(self.postgres, query, job_id=job_id).split("|")
        self.assertEqual((state, archived_id), ("finished", job_id))
        self.assertEqual(workflow, json.load(open(os.path.join(EXAMPLES, "order-routing.json")))["name"])
        self.assertEqual(node.stop(), 0, node.log())

    def test_an_unreachable_database_is_refused_at_start_naming_the_setting(self):
        n = Node(self.dir, free_port(), "--archive-postgres",
                 f"host=127.0.0.1 port={free_port()} connect_timeout=5")
        self.nodes.append(n)
        with self.assertRaises(AssertionError) as refused:
            n.start()
        self.assertIn("archive.postgres", str(refused.exception))
        self.assertIn("cannot connect to PostgreSQL", str(refused.exception))

    def test_boactl_finds_an_ended_job_in_the_postgres_archive(self):
        node = self.node("--archive-postgres", self.postgres)
        name = f"pg-archived-{os.getpid()}"
        path = write_workflow(self.dir, sleeping_chain(name, 1, 1))
        r = boactl(node, "job", "start", path, "--wait", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        job_id = json.loads(r.stdout)["id"]

        def listed():
            r = boactl(node, "job", "list", "--archived", "--workflow", name, "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            return [j["id"] for j in json.loads(r.stdout)["jobs"]]
        wait_until(lambda: listed() == [job_id], "the job in the PostgreSQL archive")
        shown = boactl(node, "job", "show", "--archived", job_id, "--json")
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertEqual(json.loads(shown.stdout)["state"], "finished")
        self.assertEqual(node.stop(), 0, node.log())


class ArchivedJobs(NodeTest):
    def test_boactl_lists_and_shows_ended_jobs_from_the_archive(self):
        node = self.node()
        fine = write_workflow(self.dir, sleeping_chain("fine", 1, 1))
        broken = write_workflow(self.dir, {"name": "broken", "steps": [
            {"id": "boom", "run": {"kind": "fail", "message": "no luck"}}]})
        ok_id = json.loads(boactl(node, "job", "start", fine, "--wait", "--json").stdout)["id"]
        time.sleep(0.01)  # distinct end times: the order is one
        r = boactl(node, "job", "start", broken, "--wait", "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        failed_id = json.loads(r.stdout)["id"]

        def archived(*args):
            r = boactl(node, "job", "list", "--archived", "--json", *args)
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout)
        # The archive has a job a moment after its end reached the client.
        wait_until(lambda: len(archived()["jobs"]) == 2, "both jobs in the archive")
        self.assertEqual([j["id"] for j in archived()["jobs"]], [failed_id, ok_id])
        self.assertEqual([j["id"] for j in archived("--state", "error")["jobs"]], [failed_id])
        self.assertEqual([j["id"] for j in archived("--workflow", "fine")["jobs"]], [ok_id])
        self.assertEqual(archived("--since", "2100-01-01T00:00:00Z")["jobs"], [])
        first = archived("--limit", "1")
        self.assertEqual([j["id"] for j in first["jobs"]], [failed_id])
        rest = archived("--limit", "1", "--cursor", first["next_cursor"])
        self.assertEqual([j["id"] for j in rest["jobs"]], [ok_id])
        self.assertIsNone(rest["next_cursor"])

        table = boactl(node, "job", "list", "--archived", "--limit", "1")
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertIn(failed_id, table.stdout)
        self.assertIn("broken", table.stdout)
        self.assertIn("more: --cursor " + first["next_cursor"], table.stdout)

        shown = boactl(node, "job", "show", "--archived", failed_id, "--json")
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertEqual(json.loads(shown.stdout)["state"], "error")
        missing = boactl(node, "job", "show", "--archived", "j-0123456789abcdef")
        self.assertEqual(missing.returncode, 2, missing.stderr)
        for bad in (["--state", "running"], ["--since", "yesterday"], ["--cursor", "nowhere"]):
            refused = boactl(node, "job", "list", "--archived", *bad)
            self.assertEqual(refused.returncode, 2, f"{bad}: {refused.stderr}")
            self.assertIn(bad[0].lstrip("-") if bad[0] != "--cursor" else "cursor",
                          refused.stderr)
        self.assertEqual(node.stop(), 0, node.log())


class NodeCommands(NodeTest):
    def test_status_is_answered_by_the_named_node_and_a_missing_node_exits_3(self):
        node = self.node("--workers", "2")
        r, replies = node_command(node, "n1", "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([x["node"] for x in replies], ["n1"])
        self.assertEqual(replies[0]["data"]["state"], "running")
        self.assertEqual(workers_system(replies[0])["total"], 2)
        r = boactl(node, "--timeout", "1", "node", "nobody", "status")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("node nobody did not answer within 1 s", r.stderr)
        r = boactl(node, "node", "all", "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("n1", r.stdout)

    def test_added_workers_show_in_the_reply_and_the_heartbeats(self):
        node = self.node("--workers", "2", "--heartbeat-interval", "200ms")
        r, replies = node_command(node, "n1", "workers", "add", "workers", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(workers_system(replies[0])["total"], 4)

        def beat_total():
            r = boactl(node, "--json", "cluster", "nodes", "--listen", "0.5")
            nodes = json.loads(r.stdout)["nodes"] if r.returncode == 0 else []
            return nodes[0]["heartbeat"]["systems"][0]["total"] if nodes else None

        wait_until(lambda: beat_total() == 4, "a heartbeat with 4 workers")
        r, replies = node_command(node, "n1", "workers", "remove", "workers", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(workers_system(replies[0])["total"], 1)
        r, replies = node_command(node, "n1", "workers", "remove", "workers", "1")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("at least 1 must stay", r.stderr)

    def test_a_stopped_workers_system_holds_a_job_until_it_is_started(self):
        node = self.node()
        r, replies = node_command(node, "n1", "system", "stop", "workers")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(workers_system(replies[0])["running"])
        publish_start(node, "j-held", "order-routing.json")
        time.sleep(1)  # long enough for a running node to have finished it
        self.assertIsNone(job_state(node, "j-held"), "no step of the job ran")
        r, replies = node_command(node, "n1", "system", "start", "workers")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(workers_system(replies[0])["running"])
        r = boactl(node, "job", "watch", "j-held")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_draining_node_leaves_new_jobs_queued_for_another_node(self):
        host = self.node()
        r, replies = node_command(host, "n1", "drain")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(replies[0]["data"]["state"], "draining")
        publish_start(host, "j-queued", "order-routing.json")
        time.sleep(1)  # long enough for a running node to have finished it
        self.assertIsNone(job_state(host, "j-queued"), "no step of the job ran")
        self.assertIsNone(host.proc.poll(), "the draining node stays up")
        join_node(self, host, "n2")
        r = boactl(host, "job", "watch", "j-queued")
        self.assertEqual(r.returncode, 0, r.stderr)
        r, replies = node_command(host, "n1", "status")
        self.assertEqual(replies[0]["data"]["state"], "draining")

    def test_shutdown_stops_the_node_process_with_exit_0(self):
        node = self.node()
        r, replies = node_command(node, "n1", "shutdown")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(replies[0]["node"], "n1")
        self.assertEqual(node.proc.wait(WAIT), 0, node.log())
        self.assertIn("shutdown command", node.log())


class Examples(NodeTest):
    def test_every_example_ends_as_expected_through_boactl(self):
        node = self.node()
        for name, code in [("order-routing.json", 0), ("fork-join.json", 0),
                           ("map-reduce.json", 0), ("retry-then-error-route.json", 0)]:
            r = boactl(node, "job", "start", os.path.join(EXAMPLES, name), "--wait", "--json")
            self.assertEqual(r.returncode, code, f"{name}: {r.stderr}")
            final = json.loads(r.stdout)
            self.assertEqual(final["state"], "finished", name)
        self.assertEqual(node.stop(), 0, node.log())

    def test_job_that_ends_in_error_exits_1_and_is_listed(self):
        node = self.node()
        path = write_workflow(self.dir, {"name": "broken", "steps": [
            {"id": "boom", "run": {"kind": "fail", "message": "no luck"}}]})
        r = boactl(node, "job", "start", path, "--wait", "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        job_id = json.loads(r.stdout)["id"]
        listed = boactl(node, "job", "list", "--state", "error", "--json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn(job_id, listed.stdout)

    def test_workflow_pushed_to_the_repository_starts_by_name(self):
        node = self.node()
        path = write_workflow(self.dir, sleeping_chain("chain", 2, 1))
        r = boactl(node, "repo", "push", path, "--notes", "first")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = boactl(node, "repo", "push", path, "--notes", "second")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = boactl(node, "job", "start", "chain@1", "--wait", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["workflow"]["revision"], 1)

    def test_invalid_definition_is_refused_before_anything_is_sent(self):
        node = self.node()
        path = write_workflow(self.dir, {"name": "bad", "steps": [
            {"id": "a", "run": {"kind": "noop"}, "next": [["*", "nowhere"]]}]})
        r = boactl(node, "job", "start", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("nowhere", r.stderr)
        r = boactl(node, "repo", "push", path)
        self.assertEqual(r.returncode, 2)


class Wire(NodeTest):
    def test_third_party_client_starts_a_job_and_reads_its_end(self):
        node = self.node()
        conn = BlockingConnection(node.url, timeout=WAIT)
        try:
            events = conn.create_receiver("/topic/boa.events", credit=100)
            replies = conn.create_receiver("/queue/boa.reply.py-client", credit=10)
            sender = conn.create_sender("/queue/boa.jobs.new")
            definition = {"name": "hello", "steps": [
                {"id": "greet", "run": {"kind": "set", "values": {"greeting": "hello"}}}]}
            body = json.dumps({"v": 1, "type": "start-job", "job_id": "j-python-1",
                               "definition": definition, "properties": {"who": "py"}})
            sender.send(Message(body=body, subject="start-job", id="start-1",
                                reply_to="/queue/boa.reply.py-client",
                                content_type="application/json"))
            reply = replies.receive(timeout=WAIT)
            replies.accept()
            self.assertEqual(reply.correlation_id, "start-1")
            self.assertEqual(json.loads(reply.body)["data"]["job_id"], "j-python-1")
            while True:
                event = events.receive(timeout=WAIT)
                events.accept()
                e = json.loads(event.body)
                if e.get("job") == "j-python-1" and e["type"] == "job-ended":
                    self.assertEqual(e["state"], "finished")
                    break
        finally:
            conn.close()

    def test_node_broadcasts_heartbeats_anyone_can_read(self):
        node = self.node("--heartbeat-interval", "200ms", "--workers", "3")
        conn = BlockingConnection(node.url, timeout=WAIT)
        try:
            beats = conn.create_receiver("/topic/boa.heartbeat", credit=10)
            seqs = []
            for _ in range(3):
                beat = json.loads(beats.receive(timeout=WAIT).body)
                beats.accept()
                self.assertEqual(beat["type"], "heartbeat")
                self.assertEqual(beat["node"], "n1")
                self.assertEqual(beat["interval_ms"], 200)
                self.assertEqual(beat["systems"][0]["name"], "workers")
                self.assertEqual(beat["systems"][0]["total"], 3)
                seqs.append(beat["seq"])
            self.assertEqual(seqs, sorted(seqs))
            self.assertEqual(len(set(seqs)), 3)
        finally:
            conn.close()

    def test_boactl_lists_the_nodes_it_hears(self):
        host = self.node("--heartbeat-interval", "200ms")
        log = os.path.join(self.dir, "second.log")
        with open(log, "wb") as err:
            second = subprocess.Popen(
                [BOAD, "--broker", host.url, "--data", os.path.join(self.dir, "second"),
                 "--node-id", "n2", "--heartbeat-interval", "200ms"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            def listed():
                r = boactl(host, "--json", "cluster", "nodes", "--listen", "1")
                if r.returncode != 0:
                    return {}
                return {n["node"]: n["status"] for n in json.loads(r.stdout)["nodes"]}

            wait_until(lambda: listed() == {"n1": "live", "n2": "live"}, "both nodes live")
            r = boactl(host, "cluster", "nodes", "--listen", "1")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("ago", r.stdout)
            second.send_signal(signal.SIGTERM)
            self.assertEqual(second.wait(WAIT), 0)
        finally:
            if second.poll() is None:
                second.kill()
                second.wait()

    def test_cluster_aware_node_logs_a_node_joining_and_going_down(self):
        host = self.node("--heartbeat-interval", "200ms", "--cluster-aware")
        log = os.path.join(self.dir, "second.log")
        with open(log, "wb") as err:
            second = subprocess.Popen(
                [BOAD, "--broker", host.url, "--data", os.path.join(self.dir, "second"),
                 "--node-id", "n2", "--heartbeat-interval", "200ms"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            # Beats go to a topic: the host's own first beat may be sent before its aggregator's
            # subscription is attached, so either node may be heard first.
            wait_until(lambda: "cluster: node n2 joined" in host.log(), "n2 joining in the log")
            wait_until(lambda: "cluster: node n1 joined" in host.log(), "n1 joining in the log")
            second.send_signal(signal.SIGKILL)
            second.wait(WAIT)
            wait_until(lambda: "cluster: node n2 is down" in host.log(), "n2 down in the log")
            self.assertIn("cluster: node n2 is suspect", host.log())
            self.assertNotIn("cluster: node n1 is", host.log())
            r = boactl(host, "--json", "cluster", "nodes", "--from-node")
            self.assertEqual(r.returncode, 0, r.stderr)
            view = json.loads(r.stdout)
            self.assertEqual(view["observer"], "n1")
            statuses = {n["node"]: n["status"] for n in view["nodes"]}
            self.assertEqual(statuses, {"n1": "live", "n2": "down"})
            self.assertGreater(view["listening_ms"], 2000)
        finally:
            if second.poll() is None:
                second.kill()
                second.wait()

    def test_boactl_lists_a_job_while_its_slow_step_runs(self):
        node = self.node("--heartbeat-interval", "200ms")
        path = write_workflow(self.dir, {"name": "slow", "steps": [
            {"id": "warm-up", "run": {"kind": "noop"}, "next": [["*", "nap"]]},
            {"id": "nap", "run": {"kind": "exec", "argv": ["sleep", "4"]}}]})
        r = boactl(node, "job", "start", path, "--id", "j-slow-1")
        self.assertEqual(r.returncode, 0, r.stderr)

        def listed(*how):
            r = boactl(node, "--json", "cluster", "jobs", *how)
            if r.returncode != 0:
                return {}
            return {j["job_id"]: j for j in json.loads(r.stdout)["jobs"]}

        wait_until(lambda: "j-slow-1" in listed("--listen", "0.5"), "the job heard running")
        job = listed("--listen", "0.5")["j-slow-1"]
        self.assertEqual((job["workflow"], job["step"], job["node"]), ("slow", "nap", "n1"))
        self.assertEqual(job["history_length"], 1)
        # Asked for the first time, the node starts listening: soon its view has the job too.
        wait_until(lambda: "j-slow-1" in listed("--from-node"), "the node's view of the job")
        table = boactl(node, "cluster", "jobs", "--listen", "0.5", "--watch", "--watch-for", "0.7")
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertGreaterEqual(table.stdout.count("has heard it over"), 2, table.stdout)
        self.assertIn("j-slow-1", table.stdout)
        self.assertIn(" ago", table.stdout)
        self.assertEqual(boactl(node, "job", "watch", "j-slow-1").returncode, 0)
        wait_until(lambda: listed("--from-node") == {}, "the job gone from the view")

    def test_poison_message_is_dead_lettered_and_the_node_keeps_running(self):
        node = self.node()
        conn = BlockingConnection(node.url, timeout=WAIT)
        try:
            conn.create_sender("/queue/boa.jobs").send(
                Message(body="{not json", subject="job", id="poison-1"))
        finally:
            conn.close()
        wait_until(lambda: "poison-1" in boactl(node, "dead", "list", "--json").stdout,
                   "the poison message in boa.dead")
        dead = boactl(node, "dead", "list", "--json")
        self.assertIn("cannot decode", dead.stdout)
        r = boactl(node, "job", "start", os.path.join(EXAMPLES, "order-routing.json"), "--wait")
        self.assertEqual(r.returncode, 0, r.stderr)


class Durability(NodeTest):
    JOBS = 50
    STEPS = 20

    def test_kill_9_twice_loses_no_job_and_ends_each_once(self):
        # Many workers and short steps, all jobs in flight at once: a kill is likely to land
        # between a step's publish and its settle, where the step runs again after the restart
        # and two copies of its successor appear.
        node = self.node("--workers", "8")
        definition = sleeping_chain("chain20", self.STEPS, 10)
        ids = [f"j-durable-{i:02d}" for i in range(self.JOBS)]
        conn = BlockingConnection(node.url, timeout=WAIT)
        try:
            sender = conn.create_sender("/queue/boa.jobs.new")
            for job_id in ids:
                body = json.dumps({"v": 1, "type": "start-job", "job_id": job_id,
                                   "definition": definition})
                sender.send(Message(body=body, subject="start-job", id=f"start-{job_id}"))
        finally:
            conn.close()
        rng = random.Random(os.environ.get("BOA_TEST_SEED", str(time.time_ns())))
        for _ in range(2):
            time.sleep(rng.uniform(0.1, 0.8))
            node.kill9()
            node.start()

        def all_finished():
            r = boactl(node, "job", "list", "--state", "finished", "--limit", "1000", "--json")
            return r.returncode == 0 and all(i in r.stdout for i in ids)

        try:
            wait_until(all_finished, "every job to finish after two crashes", timeout=60)
        except AssertionError:
            r = boactl(node, "job", "list", "--limit", "1000", "--json")
            stuck = [i for i in ids if f'"{i}"' not in r.stdout or
                     job_state(node, i) != "finished"]
            details = "\n".join(boactl(node, "job", "show", i).stdout for i in stuck[:3])
            raise AssertionError(f"not finished: {stuck}\n{details}\n{node.all_logs()[-3000:]}")
        # The store knows a job finished before the archive logs its end.
        def all_ends_logged():
            logs = node.all_logs()
            return all(f"job {i} ended" in logs for i in ids)

        wait_until(all_ends_logged, "every end in the log", timeout=20)
        self.assertEqual(node.stop(), 0)
        # The archive names each end by its message: a node that died before accepting it logs
        # the same end again after the restart, while a second line of the job would end with
        # another message.
        ends = re.findall(r"job (j-durable-\d+) ended (\w+) .*\(message (\S+?)[,)]",
                          node.all_logs())
        per_job = {}
        for job_id, state, message in ends:
            per_job.setdefault(job_id, set()).add((state, message))
        missing = [i for i in ids if i not in per_job]
        self.assertEqual(missing, [], "every job ends:\n" + "\n".join(
            line for line in node.all_logs().splitlines() if any(i in line for i in missing)))
        for job_id, found in per_job.items():
            self.assertEqual(len(found), 1, f"{job_id} ends exactly once: {found}")
            self.assertEqual(next(iter(found))[0], "finished", job_id)


class Lifecycle(NodeTest):
    def test_sigterm_hands_a_running_step_back_and_a_restart_finishes_it(self):
        node = self.node("--shutdown-grace-period", "100ms")
        path = write_workflow(self.dir, sleeping_chain("slow", 1, 3000))
        r = boactl(node, "job", "start", path, "--id", "j-slow")
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_until(lambda: job_state(node, "j-slow") in ("initial", "running"),
                   "the slow step to start")
        time.sleep(0.5)
        self.assertEqual(node.stop(), 0, node.log())
        node.start()
        r = boactl(node, "job", "watch", "j-slow", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_sigterm_lets_a_short_step_finish_within_the_grace_period(self):
        node = self.node("--shutdown-grace-period", "20s")
        path = write_workflow(self.dir, sleeping_chain("short", 1, 1000))
        r = boactl(node, "job", "start", path, "--id", "j-short")
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_until(lambda: job_state(node, "j-short") in ("initial", "running"),
                   "the step to start")
        self.assertEqual(node.stop(), 0, node.log())
        self.assertIn("job j-short ended finished", node.log())

    def test_node_waits_for_its_broker_and_then_shares_the_work(self):
        port = free_port()
        log = os.path.join(self.dir, "joiner.log")
        with open(log, "wb") as err:
            joiner = subprocess.Popen(
                [BOAD, "--broker", f"amqp://127.0.0.1:{port}", "--data",
                 os.path.join(self.dir, "joiner"), "--node-id", "joiner"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            def joiner_log():
                with open(log, encoding="utf-8", errors="replace") as f:
                    return f.read()

            wait_until(lambda: "retrying in" in joiner_log(), "the joiner to retry its broker")
            self.assertIsNone(joiner.poll(), joiner_log())
            host = self.node(port=port)  # its embedded broker is the joiner's broker
            wait_until(lambda: "running with" in joiner_log(), "the joiner to connect")
            for _ in range(4):
                r = boactl(host, "job", "start", os.path.join(EXAMPLES, "fork-join.json"),
                           "--wait")
                self.assertEqual(r.returncode, 0, r.stderr)
            joiner.send_signal(signal.SIGTERM)
            self.assertEqual(joiner.wait(WAIT), 0, joiner_log())
            self.assertEqual(host.stop(), 0, host.log())
        finally:
            if joiner.poll() is None:
                joiner.kill()
                joiner.wait()

    def test_bad_settings_are_refused_with_their_source(self):
        port = str(free_port())
        r = subprocess.run([BOAD, "--listen", f"127.0.0.1:{port}", "--workers", "many"],
                           capture_output=True, text=True, timeout=WAIT, cwd=self.dir)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--workers", r.stderr)
        config = os.path.join(self.dir, "node.json")
        with open(config, "w") as f:
            json.dump({"node-id": "a", "wrokers": 3}, f)
        r = subprocess.run([BOAD, "--config", config], capture_output=True, text=True,
                           timeout=WAIT, cwd=self.dir)
        self.assertEqual(r.returncode, 2)
        self.assertIn("wrokers", r.stderr)
        r = subprocess.run([BOAD, "--listen", "10.1.2.3:5672"], capture_output=True, text=True,
                           timeout=WAIT, cwd=self.dir)
        self.assertEqual(r.returncode, 2)

    def test_unwritable_data_directory_is_refused_at_start(self):
        blocker = os.path.join(self.dir, "file")
        open(blocker, "w").close()
        r = subprocess.run([BOAD, "--listen", f"127.0.0.1:{free_port()}", "--data",
                            os.path.join(blocker, "data")], capture_output=True, text=True,
                           timeout=WAIT)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("data directory", r.stderr)

    def test_boactl_without_a_broker_exits_3_quickly_naming_the_url(self):
        url = f"amqp://127.0.0.1:{free_port()}"
        r = boactl(url, "job", "list", timeout=20)
        self.assertEqual(r.returncode, 3)
        self.assertIn(url, r.stderr)


class HttpApi(NodeTest):
    def test_a_job_started_over_http_with_wait_ms_comes_back_finished(self):
        node = self.node("--http", "127.0.0.1:0", "--http-token", "t0ken")
        listening = re.compile(r"HTTP API listening on (http://127\.0\.0\.1:\d+)")
        wait_until(lambda: listening.search(node.log()), "the HTTP API to listen")
        base = listening.search(node.log()).group(1)
        with urllib.request.urlopen(base + "/healthz", timeout=WAIT) as r:
            self.assertEqual(r.status, 200)
        body = json.dumps({"definition": sleeping_chain("over-http", 2, 1),
                           "properties": {"via": "http"}, "wait_ms": 20000}).encode()
        request = urllib.request.Request(base + "/jobs", data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": "Bearer t0ken"})
        with urllib.request.urlopen(request, timeout=WAIT) as r:
            self.assertEqual(r.status, 200)
            job = json.loads(r.read())
        self.assertEqual(job["state"], "finished")
        self.assertEqual(job["properties"]["via"], "http")
        self.assertEqual(job_state(node, job["id"]), "finished")
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/jobs/" + job["id"], timeout=WAIT)
        self.assertEqual(refused.exception.code, 401)


class Security(NodeTest):
    def test_the_http_api_off_loopback_without_a_token_is_refused_at_start(self):
        r = subprocess.run([BOAD, "--listen", f"127.0.0.1:{free_port()}", "--http", "0.0.0.0:0",
                            "--allow-remote-listen"], capture_output=True, text=True,
                           timeout=WAIT, cwd=self.dir)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("no HTTP token is set; set http-token", r.stderr)
        self.assertIn("--http-token", r.stderr)

    def test_a_broker_password_on_the_command_line_is_refused(self):
        r = subprocess.run([BOAD, "--broker", "amqps://rabbit.example", "--broker-username", "boa",
                            "--broker-password", "hunter2"], capture_output=True, text=True,
                           timeout=WAIT, cwd=self.dir)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--broker-password: a password on the command line", r.stderr)
        self.assertNotIn("hunter2", r.stderr)

    def test_an_embedded_broker_with_users_lets_in_only_those_who_log_in(self):
        users = os.path.join(self.dir, "users")
        with open(users, "w") as f:
            f.write("# who may connect\nops:right-pass\n")
        # The node itself logs in to its own broker, with a password of its own.
        node = self.node("--embedded-broker-users-file", users)
        job = write_workflow(self.dir, sleeping_chain("logged-in", 2, 1))
        env = dict(os.environ, BOA_BROKER_PASSWORD="right-pass")
        r = subprocess.run([BOACTL, "--broker", node.url, "--broker-username", "ops",
                            "job", "start", job, "--wait"], capture_output=True,
                           text=True, timeout=WAIT, env=env)
        self.assertEqual(r.returncode, 0, r.stderr + node.log())

        env["BOA_BROKER_PASSWORD"] = "wrong-pass"
        r = subprocess.run([BOACTL, "--broker", node.url, "--broker-username", "ops",
                            "job", "list"], capture_output=True, text=True, timeout=WAIT, env=env)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("refused the login as user 'ops'", r.stderr)
        self.assertNotIn("wrong-pass", r.stderr)

        r = boactl(node, "job", "list")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("the broker wants a login", r.stderr)


def make_test_pki(directory):
    """A test CA made by tools/test-pki (openssl): `ca.pem` signed `server.pem` (key `server.key`)
    for the host name `localhost`; `other-ca.pem` must not be trusted instead. The paths by name,
    or None without openssl."""
    try:
        r = subprocess.run([os.path.join(SOURCE_DIR, "tools", "test-pki"), directory], capture_output=True, timeout=WAIT)
    except FileNotFoundError:
        return None
    if r.returncode != 0:
        return None
    files = {"ca": "ca.pem", "other-ca": "other-ca.pem", "server": "server.pem",
             "server-key": "server.key"}
    return {name: os.path.join(directory, file) for name, file in files.items()}


class BrokerTls(NodeTest):
    """The embedded broker serving amqps:// with embedded-broker.tls-cert-file and -key-file."""

    def setUp(self):
        super().setUp()
        self.pki = make_test_pki(self.dir)
        if self.pki is None:
            self.skipTest("openssl could not make the test certificates")
        self.tls = ["--embedded-broker-tls-cert-file", self.pki["server"],
                    "--embedded-broker-tls-key-file", self.pki["server-key"]]

    def started(self, proc, read_log, marker):
        wait_until(lambda: marker in read_log() or proc.poll() is not None, marker)
        self.assertIsNone(proc.poll(), read_log())

    def test_a_tls_broker_serves_nodes_that_trust_its_ca_and_refuses_the_others(self):
        port = free_port()
        broker, broker_log = spawn_boad(self, "broker", "broker", "--listen", f"127.0.0.1:{port}",
                                        *self.tls)
        self.started(broker, broker_log, "broker running")
        self.assertIn(f"listening on amqps://127.0.0.1:{port}", broker_log())
        url = f"amqps://localhost:{port}"  # the name the certificate gives

        node, node_log = spawn_boad(self, "n-trusting", "--broker", url, "--node-id", "n-trusting",
                                    "--broker-tls-ca-file", self.pki["ca"])
        self.started(node, node_log, "running with")
        job = write_workflow(self.dir, sleeping_chain("over-tls", 2, 1))
        r = subprocess.run([BOACTL, "--broker", url, "--broker-tls-ca-file", self.pki["ca"],
                            "job", "start", job, "--wait"], capture_output=True, text=True,
                           timeout=WAIT)
        self.assertEqual(r.returncode, 0, r.stderr + node_log() + broker_log())

        # Not retried for ever: a certificate that does not verify is a setting to fix.
        stranger, stranger_log = spawn_boad(self, "n-stranger", "--broker", url, "--node-id",
                                            "n-stranger", "--broker-tls-ca-file",
                                            self.pki["other-ca"])
        self.assertEqual(stranger.wait(WAIT), 2, stranger_log())
        self.assertIn("the broker's certificate did not verify", stranger_log())
        self.assertIn(f"broker.tls-ca-file '{self.pki['other-ca']}'", stranger_log())

        # The listener speaks only TLS.
        r = boactl(f"amqp://127.0.0.1:{port}", "job", "list", timeout=WAIT)
        self.assertNotEqual(r.returncode, 0)
        self.assertIsNone(broker.poll(), broker_log())

    def test_a_node_runs_jobs_on_its_own_tls_broker(self):
        node = self.node(*self.tls)  # started: it reached its own broker over TLS
        self.assertIn("listening on amqps://127.0.0.1:", node.log())
        job = write_workflow(self.dir, sleeping_chain("own-tls", 2, 1))
        r = subprocess.run([BOACTL, "--broker", f"amqps://localhost:{node.port}",
                            "--broker-tls-ca-file", self.pki["ca"], "job", "start", job,
                            "--wait"], capture_output=True, text=True, timeout=WAIT)
        self.assertEqual(r.returncode, 0, r.stderr + node.log())

    def test_a_certificate_without_its_key_is_refused_naming_the_settings(self):
        r = subprocess.run([BOAD, "--listen", f"127.0.0.1:{free_port()}", "--data",
                            os.path.join(self.dir, "data"), "--embedded-broker-tls-cert-file",
                            self.pki["server"]], capture_output=True, text=True, timeout=WAIT)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("embedded-broker.tls-cert-file (set, from --embedded-broker-tls-cert-file) "
                      "needs embedded-broker.tls-key-file", r.stderr)
        # A key that is not the certificate's: refused before the broker listens.
        r = subprocess.run([BOAD, "broker", "--listen", f"127.0.0.1:{free_port()}", "--data",
                            os.path.join(self.dir, "data"), "--embedded-broker-tls-cert-file",
                            self.pki["server"], "--embedded-broker-tls-key-file",
                            os.path.join(self.dir, "ca.key")],
                           capture_output=True, text=True, timeout=WAIT)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("embedded-broker.tls-cert-file", r.stderr)
        self.assertIn("not a PEM certificate and the private key that goes with it", r.stderr)

PROMETHEUS_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
PROMETHEUS_VALUE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]Inf|NaN")
PROMETHEUS_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|(?=\}))')


def parse_prometheus(text):
    """The Prometheus text format 0.0.4, strictly: {(name, frozenset(labels)): value} and
    {family: type}. Raises ValueError on any line that is not a comment, blank or a sample, on
    a second # TYPE, and on histogram buckets that decrease or end without +Inf."""
    samples, types = {}, {}
    if text and not text.endswith("\n"):
        raise ValueError("the text does not end with a newline")
    for n, line in enumerate(text.split("\n")[:-1], 1):
        if not line or line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                if parts[2] in types:
                    raise ValueError(f"line {n}: second # TYPE for {parts[2]}")
                types[parts[2]] = parts[3]
            continue
        name = PROMETHEUS_NAME.match(line)
        if not name:
            raise ValueError(f"line {n}: no metric name: {line!r}")
        rest, labels = line[name.end():], {}
        if rest.startswith("{"):
            rest = rest[1:]
            while not rest.startswith("}"):
                label = PROMETHEUS_LABEL.match(rest)
                if not label or label.group(1) in labels:
                    raise ValueError(f"line {n}: bad labels: {line!r}")
                labels[label.group(1)] = label.group(2)
                rest = rest[label.end():]
            rest = rest[1:]
        fields = rest.split(" ")
        if len(fields) not in (2, 3) or fields[0] != "":
            raise ValueError(f"line {n}: expected ' value [timestamp]': {line!r}")
        if not PROMETHEUS_VALUE.fullmatch(fields[1]):
            raise ValueError(f"line {n}: bad value: {line!r}")
        value = float(fields[1])
        samples[(name.group(0), frozenset(labels.items()))] = value
    for family, kind in types.items():
        if kind != "histogram":
            continue
        series = {}
        for (name, labels), value in samples.items():
            if name == family + "_bucket":
                le = dict(labels)["le"]
                series.setdefault(labels - {("le", le)}, []).append((float(le), value))
        for labels, buckets in series.items():
            counts = [count for _, count in sorted(buckets)]
            if counts != sorted(counts) or sorted(buckets)[-1][0] != float("inf"):
                raise ValueError(f"{family}: buckets decrease or miss +Inf")
            if samples.get((family + "_count", labels)) != counts[-1]:
                raise ValueError(f"{family}: _count differs from the +Inf bucket")
    return samples, types


class Metrics(NodeTest):
    def test_metrics_parse_and_move_when_a_job_runs(self):
        node = self.node("--http", "127.0.0.1:0")
        listening = re.compile(r"HTTP API listening on (http://127\.0\.0\.1:\d+)")
        wait_until(lambda: listening.search(node.log()), "the HTTP API to listen")
        base = listening.search(node.log()).group(1)

        def scrape():
            with urllib.request.urlopen(base + "/metrics", timeout=WAIT) as r:
                self.assertEqual(r.status, 200)
                self.assertEqual(r.headers["Content-Type"],
                                 "text/plain; version=0.0.4; charset=utf-8")
                return parse_prometheus(r.read().decode("utf-8"))

        def value(samples, name, **labels):
            return samples.get((name, frozenset(labels.items())), 0.0)

        before, types = scrape()
        for family, kind in {"boa_steps_started_total": "counter",
                             "boa_steps_finished_total": "counter",
                             "boa_step_retries_total": "counter",
                             "boa_step_duration_seconds": "histogram",
                             "boa_jobs_ended_total": "counter",
                             "boa_queue_deliveries_total": "counter",
                             "boa_queue_redeliveries_total": "counter",
                             "boa_bus_publish_seconds": "histogram",
                             "boa_workers_busy": "gauge", "boa_workers_total": "gauge",
                             "boa_heartbeats_sent_total": "counter",
                             "boa_heartbeats_received_total": "counter",
                             "boa_cluster_nodes": "gauge", "boa_build_info": "gauge"}.items():
            self.assertEqual(types.get(family), kind, family)

        body = json.dumps({"definition": sleeping_chain("scraped", 3, 1),
                           "wait_ms": 20000}).encode()
        request = urllib.request.Request(base + "/jobs", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=WAIT) as r:
            self.assertEqual(json.loads(r.read())["state"], "finished")
        # The wait ends when the node records the end it publishes; the archiver, which counts
        # the end, takes it from the archive queue just after. Wait for it, do not time it.
        after = None

        def archived():
            nonlocal after
            after, _ = scrape()
            return value(after, "boa_jobs_ended_total", state="finished") > value(
                before, "boa_jobs_ended_total", state="finished")

        wait_until(archived, "the job's end to be archived")

        def moved(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        self.assertEqual(moved("boa_steps_started_total", workflow="scraped"), 3)
        self.assertEqual(moved("boa_steps_finished_total", workflow="scraped", result="ok"), 3)
        self.assertEqual(moved("boa_step_duration_seconds_count", workflow="scraped"), 3)
        self.assertEqual(moved("boa_jobs_ended_total", state="finished"), 1)
        # Through the embedded broker: the start, two job states, the end to archive, each
        # delivered once first; a runner busy with one queue's message hands back what another
        # queue gives it at the same moment, and that delivery counts again as a redelivery.
        def first_deliveries(queue):
            return (moved("boa_queue_deliveries_total", queue=queue)
                    - moved("boa_queue_redeliveries_total", queue=queue))

        self.assertEqual(first_deliveries("queue:boa.jobs.new"), 1)
        self.assertEqual(first_deliveries("queue:boa.jobs"), 2)
        self.assertEqual(first_deliveries("queue:boa.archive"), 1)
        # The states after a and b were confirmed before the next step ran; the end's
        # confirmation may come just after the job is found archived.
        self.assertGreaterEqual(moved("boa_bus_publish_seconds_count"), 2)
        self.assertEqual(value(after, "boa_workers_total"), 4)
        self.assertGreater(value(after, "boa_heartbeats_sent_total"), 0)
        self.assertGreater(value(after, "process_resident_memory_bytes"), 0)

    def test_the_parser_refuses_malformed_text(self):
        for bad in ["9x 1\n", "x{a=b} 1\n", "x one\n", "x 1_0\n", "x 1", 'x{a="1\\t"} 1\n',
                    "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                    "h_count 1\n"]:
            with self.assertRaises(ValueError, msg=bad):
                parse_prometheus(bad)


class Limits(NodeTest):
    """Each limit named in its error, on a node whose limits are set low with flags."""

    def post(self, base, path, body):
        request = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                         method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=WAIT) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())

    def test_requests_over_a_limit_are_refused_and_a_job_past_one_ends_in_error(self):
        node = self.node("--limits-max-steps", "3", "--limits-max-properties-bytes", "200",
                         "--limits-max-message-bytes", "4000", "--limits-max-map-fan-out", "2",
                         "--http", "127.0.0.1:0")
        listening = re.compile(r"HTTP API listening on (http://127\.0\.0\.1:\d+)")
        wait_until(lambda: listening.search(node.log()), "the HTTP API to listen")
        base = listening.search(node.log()).group(1)

        status, body = self.post(base, "/jobs", {"definition": sleeping_chain("long", 4, 1)})
        self.assertEqual(status, 400, body)
        self.assertIn("definition.steps: 4 steps, more than the limit of 3 (setting "
                      "limits.max-steps)", json.dumps(body))
        status, body = self.post(base, "/jobs", {"definition": sleeping_chain("short", 3, 1),
                                                 "properties": {"note": "n" * 300}})
        self.assertEqual(status, 400, body)
        self.assertIn("limits.max-properties-bytes", json.dumps(body))
        status, body = self.post(base, "/workflows", {"definition": sleeping_chain("long", 4, 1)})
        self.assertEqual(status, 400, body)
        self.assertIn("limits.max-steps", json.dumps(body))

        # boactl gets the node's refusal, with the path and the setting.
        r = boactl(node, "job", "start", write_workflow(self.dir, sleeping_chain("long", 4, 1)))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("definition.steps", r.stderr)
        self.assertIn("limits.max-steps", r.stderr)

        # A job whose step grows its properties past the limit ends in error, named.
        grow = write_workflow(self.dir, {"name": "grow", "steps": [
            {"id": "big", "run": {"kind": "set", "values": {"blob": "x" * 300}},
             "next": [["*", "after"]]},
            {"id": "after", "run": "noop"}]})
        r = boactl(node, "job", "start", grow, "--wait", "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        job_id = json.loads(r.stdout)["id"]
        shown = json.loads(boactl(node, "job", "show", job_id, "--json").stdout)
        self.assertEqual(shown["state"], "error")
        self.assertIn("limits.max-properties-bytes", shown["error"])

        # A map over more items than the fan-out limit ends in error before any sub-job.
        fan = write_workflow(self.dir, {"name": "fan", "properties": {"xs": [1, 2, 3]}, "steps": [
            {"id": "each", "map": {"workflow": {"name": "one", "steps": [
                {"id": "s", "run": "noop"}]}, "items": "xs"}, "next": [["*", "all"]]},
            {"id": "all", "reduce": {"fold": "collect"}}]})
        r = boactl(node, "job", "start", fan, "--wait", "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        shown = json.loads(boactl(node, "job", "show", json.loads(r.stdout)["id"],
                                  "--json").stdout)
        self.assertIn("limits.max-map-fan-out", shown["error"])

        # The embedded broker refuses a message over the limit; the node runs on.
        conn = BlockingConnection(node.url, timeout=WAIT)
        try:
            with self.assertRaises(Exception) as refused:
                conn.create_sender("/queue/boa.jobs").send(
                    Message(body="{" + " " * 5000 + "}", subject="job", id="huge-1"))
            self.assertIn("rejected", str(refused.exception).lower())
        finally:
            conn.close()
        r = boactl(node, "job", "start", write_workflow(self.dir, sleeping_chain("ok", 3, 1)),
                   "--wait")
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    BOAD, BOACTL = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], *sys.argv[3:]], verbosity=2)
