"""Real `boad` processes sharing one broker, for the tests that run a cluster on this host (the
cluster system test, the soak): `Process` (one node, or the embedded broker alone, with its data
directory and one log per start), `Cluster` (the broker and the nodes; kill -9, SIGSTOP and
broker restarts go through it) and `EventLog` (every event on `topic:boa.events`).

Every process is started here and stopped by its PID (`Cluster.stop`). Importing this module
needs the proton module (python3-qpid-proton): its importers say they are skipped without it.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

from proton import Message
from proton.utils import BlockingConnection

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "node"))
from node_system_test import free_port, wait_until  # noqa: E402

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RABBITMQ = os.path.join(SOURCE_DIR, "tools", "rabbitmq")
WAIT = 90  # seconds; a safety net against hanging, not a measurement


class Process:
    """One `boad` node: its own data directory and log, the cluster's broker and repository."""

    def __init__(self, cluster, node_id, *extra):
        self.cluster, self.node_id, self.extra = cluster, node_id, list(extra)
        self.dir = os.path.join(cluster.dir, node_id)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()  # the embedded broker's, for a hub
        self.proc = None
        self.logs = []

    def command(self):
        data = ["--node-id", self.node_id, "--data", os.path.join(self.dir, "data")]
        if self.is_hub():
            return [self.cluster.boad, "broker", "--listen", f"127.0.0.1:{self.port}", *data,
                    *self.extra]
        return [self.cluster.boad, "--broker", self.cluster.url, *data,
                "--repository", os.path.join(self.cluster.dir, "repository"),
                "--heartbeat-interval", self.cluster.beat, *self.extra]

    def is_hub(self):
        return self.cluster.hub is self

    def start(self, wait=True):
        log = os.path.join(self.dir, f"boad-{len(self.logs)}.log")
        self.logs.append(log)
        with open(log, "wb") as err:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err)
        if wait:
            self.wait_running()
        return self

    def wait_running(self):
        ready = "broker running" if self.is_hub() else "running with"
        wait_until(lambda: ready in self.log() or self.proc.poll() is not None,
                   f"{self.node_id} to start")
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.node_id} exited with {self.proc.returncode}:\n"
                                 f"{self.log()}")

    def log(self, which=-1):
        with open(self.logs[which], encoding="utf-8", errors="replace") as f:
            return f.read()

    def all_logs(self):
        return "".join(self.log(i) for i in range(len(self.logs)))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(WAIT)

    def stop(self):
        if not self.alive():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGCONT)  # a stopped process cannot take SIGTERM
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.node_id} did not stop on SIGTERM")


class EventLog:
    """Every event on `topic:boa.events`, read by a third-party client on its own thread."""

    def __init__(self, url):
        self.events, self.lock = [], threading.Lock()
        self.stopping = False
        self.conn = BlockingConnection(url, timeout=WAIT)
        self.receiver = self.conn.create_receiver("/topic/boa.events", credit=1000)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping:
            try:
                message = self.receiver.receive(timeout=0.2)
            except Exception:  # the timeout, or the connection closing at the end
                continue
            self.receiver.accept()
            with self.lock:
                self.events.append(json.loads(message.body))

    def steps(self, job_id=None):
        with self.lock:
            return [e for e in self.events
                    if e["type"] == "step-finished" and job_id in (None, e["job"])]

    def ended(self):
        with self.lock:
            return {e["job"] for e in self.events if e["type"] == "job-ended"}

    def close(self):
        self.stopping = True
        self.thread.join(WAIT)
        self.conn.close()


class Cluster:
    """The broker (`flavour`: "embedded", a `boad broker` process of its own, the hub; or
    "rabbitmq", the one at BOA_TEST_RABBITMQ_URL) and the nodes a test starts on it. `hub_extra`
    are more flags for the hub (its users, its TLS listener)."""

    def __init__(self, directory, flavour, boad, boactl, beat="200ms", hub_extra=()):
        self.dir, self.flavour, self.boad, self.boactl_path = directory, flavour, boad, boactl
        self.beat = beat  # heartbeat interval of every node
        self.nodes = []
        self.hub = None
        self.url = None
        self.rabbitmq_dir = os.environ.get("BOA_TEST_RABBITMQ_DIR")
        if flavour == "rabbitmq":
            self.url = os.environ["BOA_TEST_RABBITMQ_URL"]
        else:
            self.hub = Process(self, "broker", *hub_extra)
            self.nodes.append(self.hub)
            self.url = f"amqp://127.0.0.1:{self.hub.port}"
            self.hub.start()

    def node(self, node_id, *extra, wait=True):
        n = Process(self, node_id, *extra)
        self.nodes.append(n)
        return n.start(wait)

    def boactl(self, *args, timeout=WAIT):
        return subprocess.run([self.boactl_path, "--broker", self.url, *args], capture_output=True,
                              text=True, timeout=timeout)

    def start_jobs(self, definition, ids, properties=None):
        conn = BlockingConnection(self.url, timeout=WAIT)
        try:
            sender = conn.create_sender("/queue/boa.jobs.new")
            for job_id in ids:
                body = {"v": 1, "type": "start-job", "job_id": job_id, "definition": definition}
                if properties:
                    body["properties"] = properties
                sender.send(Message(body=json.dumps(body), subject="start-job",
                                    id=f"start-{job_id}", content_type="application/json"))
        finally:
            conn.close()

    def ends(self):
        """(job id, state, message id) of every end the archivers logged, on every node."""
        logs = "".join(n.all_logs() for n in self.nodes if n.logs)
        return re.findall(r"job (\S+) ended (\w+) .*?\(message (\S+?)[,)]", logs)

    def wait_all_ended(self, ids, timeout=WAIT):
        wanted = set(ids)

        def ended():
            return wanted <= {job_id for job_id, _, _ in self.ends()}

        try:
            wait_until(ended, f"{len(ids)} jobs to end", timeout)
        except AssertionError:
            missing = sorted(wanted - {job_id for job_id, _, _ in self.ends()})
            tails = "\n".join(f"--- {n.node_id}\n{n.all_logs()[-2000:]}" for n in self.nodes
                              if n.logs)
            raise AssertionError(f"{len(missing)} jobs never ended, e.g. {missing[:5]}\n{tails}")

    def assert_each_ended_once(self, test, ids, state="finished"):
        per_job = {}
        for job_id, final, message in self.ends():
            per_job.setdefault(job_id, set()).add((final, message))
        for job_id in ids:
            found = per_job.get(job_id, set())
            test.assertEqual(len(found), 1, f"{job_id} ends exactly once: {found}")
            test.assertEqual(next(iter(found))[0], state, job_id)

    def view(self, listen="1", from_node=False):
        """Node id -> status, as boactl hears the heartbeats for `listen` seconds, or as the
        aggregator of the node that takes the request sees them (`from_node`)."""
        extra = ["--from-node"] if from_node else ["--listen", listen]
        r = self.boactl("--json", "cluster", "nodes", *extra)
        if r.returncode != 0:
            return {}
        return {n["node"]: n["status"] for n in json.loads(r.stdout)["nodes"]}

    def restart_broker(self, pause=0.5):
        """Takes the broker away for `pause` seconds and brings it back on the same port and data:
        the hub is killed (-9) and started again; RabbitMQ's application is stopped and
        started."""
        if self.flavour == "rabbitmq":
            subprocess.run([RABBITMQ, "ctl", self.rabbitmq_dir, "stop_app"], check=True,
                           capture_output=True, timeout=WAIT)
            time.sleep(pause)
            subprocess.run([RABBITMQ, "ctl", self.rabbitmq_dir, "start_app"], check=True,
                           capture_output=True, timeout=WAIT)
        else:
            self.hub.kill9()
            time.sleep(pause)
            self.hub.start()

    def stop(self):
        """Every process still running, killed by its PID (a stopped one is continued first)."""
        for n in self.nodes:
            if n.alive():
                n.proc.send_signal(signal.SIGCONT)
                n.proc.kill()
                n.proc.wait()
