#!/usr/bin/python3
"""Records the messages a real node sends and answers into fuzz/corpus/, as seeds for the fuzz
targets: `boad` on its embedded broker (loopback, a free port, a temporary data dir), driven by
Proton's Python client and by `boactl`, as a user and other nodes would.

Usage: fuzz/record_seeds.py BOAD BOACTL

Writes a few files per target (named by what they hold) and overwrites earlier recordings of the
same name; the hand-written seeds beside them are left alone. Stops the node by its PID whatever
happens.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from proton import Message
from proton.utils import BlockingConnection

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(SOURCE_DIR, "fuzz", "corpus")
WAIT = 30  # seconds; a safety net against hanging


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def stored_form(m, address):
    """The queue journal's form of a message (actors/bus/detail/envelope_codec.hpp)."""
    def string(s):
        b = (s or "").encode()
        return varint(len(b)) + b
    body = m.body if isinstance(m.body, str) else bytes(m.body).decode()
    out = varint(m.delivery_count or 0) + string(address) + string(m.subject)
    out += string(str(m.id) if m.id is not None else "")
    out += string(str(m.correlation_id) if m.correlation_id is not None else "")
    out += string(m.reply_to) + string("") + string(body)
    if m.ttl:
        out += varint(int(m.ttl * 1000))
    return out


def receive_until(receiver, done, what):
    deadline = time.monotonic() + WAIT
    got = []
    while time.monotonic() < deadline:
        try:
            m = receiver.receive(timeout=1)
        except Exception:  # proton.Timeout: nothing yet
            continue
        receiver.accept()
        got.append(m)
        if done(got):
            return got
    raise AssertionError(f"timed out waiting for {what}")


def copy_examples():
    for name in sorted(os.listdir(os.path.join(SOURCE_DIR, "examples"))):
        if name.endswith(".json"):
            with open(os.path.join(SOURCE_DIR, "examples", name), "rb") as f:
                write("workflow", name, f.read())


def record(boad, boactl):
    port = free_port()
    url = f"amqp://127.0.0.1:{port}"
    data = tempfile.mkdtemp(prefix="boa-seeds-")
    log = open(os.path.join(data, "boad.log"), "wb")
    node = subprocess.Popen([boad, "--listen", f"127.0.0.1:{port}", "--data",
                             os.path.join(data, "data"), "--node-id", "n1",
                             "--heartbeat-interval", "200ms"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                conn = BlockingConnection(url, timeout=WAIT)
                break
            except Exception:
                if time.monotonic() > deadline or node.poll() is not None:
                    raise
                time.sleep(0.1)
        events = conn.create_receiver("/topic/boa.events")
        beats = conn.create_receiver("/topic/boa.heartbeat")
        commands = conn.create_receiver("/topic/boa.commands")
        replies = conn.create_receiver("/queue/boa.reply.seeds")
        sender = conn.create_sender(None)

        def ask(address, body, subject, name):
            m = Message(address=address, body=json.dumps(body), subject=subject,
                        reply_to="/queue/boa.reply.seeds", id=f"seed-{name}")
            sender.send(m)
            [reply] = receive_until(replies, lambda got: True, f"the reply to {name}")
            return reply

        # A start-job with an inline definition, and the job's events to its end.
        with open(os.path.join(SOURCE_DIR, "examples", "order-routing.json")) as f:
            definition = json.load(f)
        start = {"v": 1, "type": "start-job", "job_id": "j-seed-order",
                 "definition": definition,
                 "properties": {"order": {"id": "A-1", "total": 120, "express": True}}}
        write("start_job", "order-routing.json", json.dumps(start))
        reply = ask("/queue/boa.jobs.new", start, "start-job", "start")
        write("client_reply", "job-started.json", reply.body)
        ended = receive_until(events, lambda got: '"job-ended"' in got[-1].body, "job-ended")
        write("event", "step-finished.json", ended[0].body)
        write("event", "job-ended.json", ended[-1].body)
        write("amqp_message", "event.amqp", ended[0].encode())

        # Client requests and their replies; show-job's data is the job message itself.
        for name, body in [
            ("show-job", {"job_id": "j-seed-order"}),
            ("list-jobs", {"state": "finished", "limit": 10}),
            ("list-workflows", {}),
            ("cluster-nodes", {}),
            ("cluster-jobs", {}),
            ("push-workflow", {"definition": definition, "notes": "seed"}),
            ("show-workflow", {"workflow": definition["name"]}),
        ]:
            request = {"v": 1, "type": name, **body}
            write("client_request", f"{name}.json", json.dumps(request))
            reply = ask("/queue/boa.requests", request, name, name)
            write("client_reply", f"{name}.json", reply.body)
            if name == "show-job":
                job = json.loads(reply.body)["data"]
                write("job", "order-routing-finished.json", json.dumps(job))
                write("amqp_message", "reply.amqp", reply.encode())
                write("bus_envelope", "reply", stored_form(reply, "queue:boa.reply.seeds"))
        bad = ask("/queue/boa.requests", {"v": 1, "type": "show-job", "job_id": "../x"},
                  "show-job", "bad")
        write("client_reply", "error.json", bad.body)

        # Node commands and their replies.
        for name, body in [("status", {}), ("list-jobs", {"limit": 5}),
                           ("workers-add", {"system": "workers", "count": 1})]:
            command = {"v": 1, "type": "node-command", "command": name, **body}
            write("node_command", f"{name}.json", json.dumps(command))
            reply = ask("/topic/boa.node.n1", command, "node-command", f"node-{name}")
            write("node_reply", f"{name}.json", reply.body)

        [beat] = receive_until(beats, lambda got: True, "a heartbeat")
        write("heartbeat", "heartbeat.json", beat.body)
        write("amqp_message", "heartbeat.amqp", beat.encode())
        write("bus_envelope", "heartbeat", stored_form(beat, "topic:boa.heartbeat"))

        # A job command, as boactl publishes it (for a job this node does not know, which boactl
        # sends anyway: an ended one it would not).
        subprocess.run([boactl, "--broker", url, "job", "suspend", "j-seed-elsewhere"],
                       capture_output=True, timeout=WAIT)
        [command] = receive_until(commands, lambda got: True, "a job command")
        write("job_command", "suspend.json", command.body)
        write("bus_envelope", "suspend", stored_form(command, "topic:boa.commands"))
        conn.close()
    finally:
        node.send_signal(signal.SIGTERM)
        try:
            node.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            node.kill()
            node.wait()
        log.close()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    copy_examples()
    record(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]))
