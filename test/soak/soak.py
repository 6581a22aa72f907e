#!/usr/bin/env python3
"""The soak: real `boad` nodes on one broker, jobs started all along, and faults from a seeded
schedule (kill -9 of a node, SIGSTOP then SIGCONT, broker restarts); then no more faults, every
node running, a bounded wait for every job to end, and the simulator's own checkers
(`boasim check`) on what the archive received: every started job ended exactly one way, with a
sound history. Loopback only; bounded in time; every process it starts is stopped by its PID.

Usage: soak.py --boad BOAD --boactl BOACTL --boasim BOASIM [--seconds S | --minutes M]
               [--seed N] [--nodes 3] [--broker embedded|rabbitmq] [--with-cancels] [--keep]

How every archived copy is observed: the harness is the archive queue's only consumer. The nodes
run with `archive.consume` false, so none of them competes for the queue; a recorder takes each
message, appends its body to `archive.jsonl` (flushed) and only then accepts it. A broker restart
or a lost session redelivers what it had not accepted yet: that is a duplicate copy in the record,
never a gap. The alternative, the nodes' own archives plus their log lines, sees an end only once
per node (an archiver drops copies it has claimed) and loses the history of the copies it drops:
copies that ended differently would be hidden, which is exactly what the soak looks for.

The same seed draws the same schedule (job shapes and start times, cancels, faults with their
times, targets and durations); the processes' own timing is the machine's, so two runs of one
seed are alike, not identical. The seed is printed first; a failed run keeps its directory (the
record, the node logs) and prints where it is, with the tails of the logs.

Cancels make copies of one job able to end differently for a legitimate reason (a copy
redelivered around a fault misses the cancel the other met: the simulator calls them diverged
copies). So the default workload sends none and fails on diverged copies (`--strict-copies`);
`--with-cancels` adds them, for longer runs, and then reports diverged copies without failing.

`--broker rabbitmq` uses the RabbitMQ at BOA_TEST_RABBITMQ_URL (tools/run-tests starts one);
without it the script exits 77 (skipped) saying why.
"""

import argparse
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

try:
    from proton import Message, Timeout
    from proton.utils import BlockingConnection
except ImportError:
    print("skipped: the proton module (python3-qpid-proton) is not installed", file=sys.stderr)
    sys.exit(77)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "cluster"))
from cluster_processes import Cluster  # noqa: E402
from workload import checked_as, plan_jobs, workflow_of  # noqa: E402
from faults import plan_faults  # noqa: E402

# The embedded broker drops a session silent this long (a SIGSTOPped node's): its unsettled
# deliveries then go to another node. Longer stops than this test that path.
BROKER_IDLE_TIMEOUT_S = 4
WORKERS_PER_NODE = 2


def log(start, what):
    print(f"[{time.monotonic() - start:7.2f}s] {what}", flush=True)


class ArchiveRecorder:
    """The archive queue's only consumer: every message it receives is appended to `path` before
    it is accepted, so that a redelivery is a duplicate in the record, never a gap. Reconnects
    whenever the broker goes away. `belongs` tells this run's jobs from another's (a shared
    RabbitMQ may hold ends of earlier runs): those are accepted and counted, not recorded."""

    def __init__(self, url, address, path, belongs):
        self.url, self.address, self.belongs = url, address, belongs
        self.file = open(path, "w", encoding="utf-8")
        self.lock = threading.Lock()
        self.ended = set()
        self.copies = self.foreign = self.connections = 0
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping:
            conn = None
            try:
                conn = BlockingConnection(self.url, timeout=5)
                receiver = conn.create_receiver(self.address, credit=200)
                with self.lock:
                    self.connections += 1
                while not self.stopping:
                    try:
                        message = receiver.receive(timeout=0.2)
                    except Timeout:
                        continue
                    self.record(message.body)
                    receiver.accept()
            except Exception:  # the broker went away (or is not back yet): connect again
                time.sleep(0.2)
            finally:
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:
                        pass

    def record(self, body):
        if isinstance(body, (bytes, bytearray, memoryview)):
            body = bytes(body).decode("utf-8", errors="replace")
        try:
            job = json.loads(body)
            job = job if isinstance(job, dict) else {}
        except ValueError:  # recorded as it came: the checker reports it undecodable
            job = {}
        if "\n" in body:  # one copy a line
            body = json.dumps(job) if job else body.replace("\n", " ")
        with self.lock:
            if job and not self.belongs(job.get("id", "")):
                self.foreign += 1
                return
            self.file.write(body + "\n")
            self.file.flush()
            self.copies += 1
            if job.get("id") and not job.get("parent_id"):
                self.ended.add(job["id"])

    def ended_ids(self):
        with self.lock:
            return set(self.ended)

    def close(self):
        self.stopping = True
        self.thread.join(30)
        self.file.close()


class Starter:
    """Starts jobs on the wire, as a client does: a `start-job` message to the new-jobs queue.
    An id is recorded as started before its message goes out (a send that fails may still have
    reached the broker); a failed send is retried with the same id and message id."""

    def __init__(self, url, started_file):
        self.url = url
        self.conn = self.sender = None
        self.started = open(started_file, "w", encoding="utf-8")
        self.pending = []  # (job id, start body) not yet accepted by the broker
        self.sent = 0

    def add(self, job_id, body, words):
        """`words`: what `boasim check` should know of the job (its shape, if it may be
        canceled)."""
        self.started.write(" ".join([job_id, *words]) + "\n")
        self.started.flush()
        self.pending.append((job_id, body))

    def send_pending(self):
        while self.pending:
            job_id, body = self.pending[0]
            try:
                if self.sender is None:
                    self.conn = BlockingConnection(self.url, timeout=5)
                    self.sender = self.conn.create_sender("/queue/boa.jobs.new")
                self.sender.send(Message(body=json.dumps(body), subject="start-job",
                                         id=f"start-{job_id}", content_type="application/json"))
            except Exception:  # the broker is away: later, with the same id
                self.drop_connection()
                return
            self.pending.pop(0)
            self.sent += 1

    def drop_connection(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
        self.conn = self.sender = None

    def close(self):
        self.drop_connection()
        self.started.close()


class Canceller:
    """Sends `boactl job cancel` as a user would, on a thread of its own so that a slow one (the
    broker is restarting) never delays the schedule. A cancel that fails is allowed: a job marked
    cancelable may end either way."""

    def __init__(self, boactl, url, say):
        self.boactl, self.url, self.say = boactl, url, say
        self.queue = queue.Queue()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def cancel(self, job_id):
        self.queue.put(job_id)

    def run(self):
        while True:
            job_id = self.queue.get()
            if job_id is None:
                return
            try:
                r = subprocess.run([self.boactl, "--broker", self.url, "job", "cancel", job_id],
                                   capture_output=True, text=True, timeout=30)
                self.say(f"cancel {job_id}: boactl exit {r.returncode}")
            except subprocess.TimeoutExpired:
                self.say(f"cancel {job_id}: boactl timed out")

    def close(self):
        self.queue.put(None)
        self.thread.join(60)


class Soak:
    def __init__(self, args, directory):
        self.args, self.dir = args, directory
        self.start = time.monotonic()
        self.cluster = Cluster(directory, args.broker, args.boad, args.boactl, beat="500ms")
        self.stamp = f"soak{args.seed}-{os.getpid()}"
        self.workers = []
        self.faults_done = {}
        self.cancels = []

    def say(self, what):
        log(self.start, what)

    def run(self):
        a = self.args
        c = self.cluster
        for i in range(a.nodes):
            self.workers.append(c.node(f"n{i + 1}", "--workers", str(WORKERS_PER_NODE),
                                       "--archive-consume=false"))
        self.say(f"broker at {c.url}; nodes {', '.join(n.node_id for n in self.workers)}")
        self.recorder = ArchiveRecorder(c.url, "/queue/boa.archive",
                                        os.path.join(self.dir, "archive.jsonl"),
                                        lambda job_id: job_id.startswith(self.stamp + "-"))
        self.starter = Starter(c.url, os.path.join(self.dir, "started.txt"))
        self.canceller = Canceller(a.boactl, c.url, self.say)
        rng = random.Random(a.seed)
        jobs = plan_jobs(rng, a.seconds, self.stamp, a.with_cancels)
        faults = plan_faults(rng, a.seconds, a.nodes, BROKER_IDLE_TIMEOUT_S)
        self.say(f"schedule: {len(jobs)} jobs, {len(faults)} faults over {a.seconds} s")
        try:
            self.drive(jobs, faults)
        finally:
            self.heal_all()
            self.canceller.close()
        return self.quiesce_and_check(jobs)

    def drive(self, jobs, faults):
        """Starts the jobs and injects the faults at their times; each fault is healed before the
        next one begins."""
        next_job = 0
        actions = []  # (at, what, fault)
        for f in faults:
            actions.append((f.at, "inject", f))
            actions.append((f.at + f.seconds, "heal", f))
        actions.sort(key=lambda x: x[0])
        next_action = 0
        while next_job < len(jobs) or next_action < len(actions):
            now = time.monotonic() - self.start
            while next_job < len(jobs) and jobs[next_job].at <= now:
                j = jobs[next_job]
                self.starter.add(j.id, {"v": 1, "type": "start-job", "job_id": j.id,
                                        "definition": workflow_of(j), "properties": j.properties},
                                 checked_as(j))
                if j.cancel_at is not None:
                    self.cancels.append((j.cancel_at, j.id))
                next_job += 1
            if next_action < len(actions) and actions[next_action][0] <= now:
                _, what, f = actions[next_action]
                next_action += 1
                (self.inject if what == "inject" else self.heal)(f)
            self.starter.send_pending()
            self.send_due_cancels(now)
            time.sleep(0.05)

    def node(self, index):
        return self.workers[index]

    def inject(self, f):
        self.faults_done[f.kind] = self.faults_done.get(f.kind, 0) + 1
        if f.kind == "kill-9":
            n = self.node(f.node)
            self.say(f"fault: kill -9 {n.node_id} (pid {n.proc.pid}), back in {f.seconds:.1f} s")
            n.kill9()
        elif f.kind == "sigstop":
            n = self.node(f.node)
            longer = " (longer than the broker's idle timeout)" \
                if f.seconds > BROKER_IDLE_TIMEOUT_S else ""
            self.say(f"fault: SIGSTOP {n.node_id} (pid {n.proc.pid}) for {f.seconds:.1f} s"
                     f"{longer}")
            n.signal(signal.SIGSTOP)
        elif f.kind == "broker-restart":
            self.say(f"fault: broker restart, down {f.seconds:.1f} s")
            self.starter.drop_connection()
            if self.cluster.flavour == "rabbitmq":
                self.cluster.restart_broker(pause=f.seconds)
            else:
                self.cluster.hub.kill9()

    def heal(self, f):
        if f.kind == "kill-9":
            n = self.node(f.node)
            n.start(wait=False)
            self.say(f"heal: {n.node_id} started again (pid {n.proc.pid}), same data")
        elif f.kind == "sigstop":
            n = self.node(f.node)
            n.signal(signal.SIGCONT)
            self.say(f"heal: SIGCONT {n.node_id}")
        elif f.kind == "broker-restart" and self.cluster.flavour != "rabbitmq":
            self.cluster.hub.start()
            self.say(f"heal: broker started again (pid {self.cluster.hub.proc.pid}), same "
                     f"port and data")

    def heal_all(self):
        """Whatever the schedule left undone (an exception in the middle): every process up."""
        hub = self.cluster.hub
        if hub is not None and not hub.alive():
            hub.start()
        for n in self.workers:
            if n.alive():
                n.signal(signal.SIGCONT)
            else:
                n.start(wait=False)

    def send_due_cancels(self, now):
        due = [c for c in self.cancels if c[0] <= now]
        self.cancels = [c for c in self.cancels if c[0] > now]
        for _, job_id in due:
            self.canceller.cancel(job_id)

    def quiesce_and_check(self, jobs):
        a = self.args
        self.say("quiesce: no more faults; waiting for every node to run and every job to end")
        for n in self.workers:
            n.wait_running()
        deadline = time.monotonic() + a.quiesce_seconds
        wanted = {j.id for j in jobs}
        while time.monotonic() < deadline:
            self.starter.send_pending()
            if wanted <= self.recorder.ended_ids():
                break
            time.sleep(0.2)
        unended = wanted - self.recorder.ended_ids()
        self.say(f"quiesce: {len(wanted) - len(unended)} of {len(wanted)} jobs ended"
                 + (f"; still running after {a.quiesce_seconds} s, e.g. {sorted(unended)[:3]}"
                    if unended else ""))
        time.sleep(1)  # late copies (a redelivery racing the last end) still go in the record
        self.recorder.close()
        self.starter.close()
        check = [a.boasim, "check", "--started", os.path.join(self.dir, "started.txt"),
                 "--archive", os.path.join(self.dir, "archive.jsonl")]
        if not a.with_cancels:
            check.append("--strict-copies")
        r = subprocess.run(check, capture_output=True, text=True, timeout=120)
        print(r.stdout + r.stderr, end="", flush=True)
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults_done.items())) or "none"
        self.say(f"summary: seed {a.seed}; {self.starter.sent} jobs started; faults: {faults}; "
                 f"{self.recorder.copies} archived copies recorded (the recorder connected "
                 f"{self.recorder.connections} times"
                 + (f", {self.recorder.foreign} ends of other runs skipped"
                    if self.recorder.foreign else "")
                 + f"); checker exit {r.returncode}")
        return r.returncode == 0 and not unended


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--boad", required=True)
    p.add_argument("--boactl", required=True)
    p.add_argument("--boasim", required=True)
    length = p.add_mutually_exclusive_group()
    length.add_argument("--seconds", type=float, help="how long faults go on (default 120)")
    length.add_argument("--minutes", type=float, help="the same, in minutes")
    p.add_argument("--seed", type=int, help="the schedule's seed (default: drawn, and printed)")
    p.add_argument("--nodes", type=int, default=3, help="boad nodes (default 3)")
    p.add_argument("--broker", choices=("embedded", "rabbitmq"), default="embedded")
    p.add_argument("--with-cancels", action="store_true",
                   help="cancel some jobs; diverged copies are then reported, not failed")
    p.add_argument("--quiesce-seconds", type=float, default=90,
                   help="how long every job may take to end once the faults stop (default 90)")
    p.add_argument("--keep", action="store_true", help="keep the run's directory on success too")
    a = p.parse_args()
    a.seconds = a.minutes * 60 if a.minutes is not None else (a.seconds or 120)
    if a.seconds <= 0 or a.nodes < 1 or a.quiesce_seconds <= 0:
        p.error("--seconds/--minutes, --nodes and --quiesce-seconds must be positive")
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1, 2**31)
    for tool in ("boad", "boactl", "boasim"):
        setattr(a, tool, os.path.abspath(getattr(a, tool)))
    return a


class Interrupted(Exception):
    pass


def main():
    a = parse_args()
    print(f"soak: seed {a.seed} (replay: --seed {a.seed} --seconds {a.seconds:g} --nodes "
          f"{a.nodes}{' --with-cancels' if a.with_cancels else ''})", flush=True)
    if a.broker == "rabbitmq" and not os.environ.get("BOA_TEST_RABBITMQ_URL"):
        print("skipped: no RabbitMQ (BOA_TEST_RABBITMQ_URL is not set; tools/run-tests starts "
              "one when rabbitmq-server is installed)", file=sys.stderr)
        return 77

    def interrupted(signum, _frame):
        raise Interrupted(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)
    directory = tempfile.mkdtemp(prefix="boa-soak-")
    soak = None
    passed = False
    try:
        soak = Soak(a, directory)
        passed = soak.run()
    except Interrupted as e:
        print(f"soak: interrupted ({e})", file=sys.stderr)
    except Exception as e:
        print(f"soak: {type(e).__name__}: {e}", file=sys.stderr)
    finally:
        if soak is not None:
            soak.cluster.stop()
    if passed and not a.keep:
        shutil.rmtree(directory, ignore_errors=True)
        print("PASS")
        return 0
    if not passed and soak is not None:
        for n in soak.cluster.nodes:
            if n.logs:
                print(f"--- {n.node_id}: tail of {n.logs[-1]}\n{n.all_logs()[-1500:]}")
    print(f"soak: the run's files are in {directory}")
    print("PASS" if passed else f"FAIL (seed {a.seed})")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
