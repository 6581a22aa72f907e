#!/usr/bin/env python3
"""boa's embedded AMQP 1.0 broker, driven by a third-party client: Python's proton.

Usage: python_interop.py FIXTURE

FIXTURE is the amqp_broker_fixture executable: it prints the broker's port on its first line and
serves until its standard input ends. This script owns it: it starts it, and stops it by its PID
whatever happens. Exits 0 when every check holds, 1 on any mismatch, 77 (skipped) when the proton
module is not installed.
"""

import json
import subprocess
import sys

try:
    from proton import Condition, Message
    from proton.utils import BlockingConnection, LinkDetached, SendException
except ImportError:
    print("skipped: the proton module (python3-qpid-proton) is not installed", file=sys.stderr)
    sys.exit(77)

TIMEOUT = 10  # seconds; a safety net against hanging, not a measurement


class Mismatch(Exception):
    pass


def expect(actual, wanted, what):
    if actual != wanted:
        raise Mismatch(f"{what}: expected {wanted!r}, got {actual!r}")


def publish_then_receive(url):
    """A JSON message to /queue/boa.test comes back with its body and properties."""
    body = json.dumps({"v": 1, "type": "ping", "payload": {"n": 42, "text": "h\u00e9llo"}})
    conn = BlockingConnection(url, timeout=TIMEOUT)
    try:
        sender = conn.create_sender("/queue/boa.test")
        sender.send(Message(body=body, subject="ping", id="m-1", correlation_id="c-1",
                            reply_to="/queue/boa.replies", content_type="application/json"))
        receiver = conn.create_receiver("/queue/boa.test", credit=1)
        got = receiver.receive(timeout=TIMEOUT)
        expect(got.body, body, "body")
        expect(json.loads(got.body), json.loads(body), "body as JSON")
        expect(got.subject, "ping", "subject")
        expect(got.id, "m-1", "message-id")
        expect(got.correlation_id, "c-1", "correlation-id")
        expect(got.reply_to, "/queue/boa.replies", "reply-to")
        expect(got.content_type, "application/json", "content-type")
        expect(got.delivery_count, 0, "delivery count")
        receiver.accept()

        # A binary body (a data section) is JSON text all the same.
        sender.send(Message(body=b'{"v":1,"type":"bytes"}', subject="bytes"))
        got = receiver.receive(timeout=TIMEOUT)
        expect(json.loads(got.body), {"v": 1, "type": "bytes"}, "binary body")
        receiver.accept()
    finally:
        conn.close()


def released_message_is_redelivered(url):
    conn = BlockingConnection(url, timeout=TIMEOUT)
    try:
        conn.create_sender("/queue/boa.retry").send(Message(body='{"v":1,"type":"retry"}'))
        receiver = conn.create_receiver("/queue/boa.retry", credit=1)
        receiver.receive(timeout=TIMEOUT)
        receiver.release(delivered=True)
        again = receiver.receive(timeout=TIMEOUT)
        expect(again.body, '{"v":1,"type":"retry"}', "redelivered body")
        expect(again.delivery_count, 1, "delivery count after a release")
        receiver.accept()
    finally:
        conn.close()


def rejected_message_is_dead_lettered_with_the_reason(url):
    conn = BlockingConnection(url, timeout=TIMEOUT)
    try:
        conn.create_sender("/queue/boa.work").send(Message(body='{"v":1}'))
        receiver = conn.create_receiver("/queue/boa.work", credit=1)
        receiver.receive(timeout=TIMEOUT)
        receiver.fetcher.unsettled[0].local.condition = Condition("boa:unprocessable",
                                                                  "$.type: missing")
        receiver.reject()
        dead = conn.create_receiver("/queue/boa.dead", credit=1).receive(timeout=TIMEOUT)
        expect(dead.body, '{"v":1}', "dead-lettered body")
        expect(dead.properties.get("x-boa-dead-letter-reason"), "$.type: missing",
               "dead-letter reason")
    finally:
        conn.close()


def topic_fans_out(url):
    conn = BlockingConnection(url, timeout=TIMEOUT)
    try:
        a = conn.create_receiver("/topic/boa.events", credit=10)
        b = conn.create_receiver("/exchange/amq.topic/boa.events", credit=10)
        conn.create_sender("/topic/boa.events").send(Message(body='{"v":1,"type":"event"}'))
        for name, receiver in (("first", a), ("second", b)):
            expect(receiver.receive(timeout=TIMEOUT).body, '{"v":1,"type":"event"}',
                   f"{name} subscriber")
            receiver.accept()
    finally:
        conn.close()


def unknown_address_is_refused(url):
    conn = BlockingConnection(url, timeout=TIMEOUT)
    try:
        try:
            conn.create_sender("/nowhere/x")
        except LinkDetached as refused:
            text = str(refused)
            if "amqp:not-found" not in text or "/nowhere/x" not in text:
                raise Mismatch(f"refusal does not name the condition and address: {text}")
        else:
            raise Mismatch("a sender to /nowhere/x was not refused")
    finally:
        conn.close()


def bad_message_is_rejected(url):
    conn = BlockingConnection(url, timeout=TIMEOUT)
    try:
        try:
            conn.create_sender("/queue/boa.test").send(Message(body=7))
        except SendException:
            pass
        else:
            raise Mismatch("a message with an integer body was accepted")
    finally:
        conn.close()


CHECKS = [
    publish_then_receive,
    released_message_is_redelivered,
    rejected_message_is_dead_lettered_with_the_reason,
    topic_fans_out,
    unknown_address_is_refused,
    bad_message_is_rejected,
]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    fixture = subprocess.Popen([sys.argv[1]], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    try:
        line = fixture.stdout.readline().strip()
        if not line.isdigit():
            print(f"the fixture printed no port: {line!r}", file=sys.stderr)
            return 1
        url = f"127.0.0.1:{line}"
        failed = 0
        for check in CHECKS:
            try:
                check(url)
                print(f"ok   {check.__name__}")
            except Exception as failure:  # every failure is reported, then the next check runs
                failed += 1
                print(f"FAIL {check.__name__}: {type(failure).__name__}: {failure}")
        return 1 if failed else 0
    finally:
        fixture.stdin.close()  # the fixture stops when its input ends ...
        try:
            fixture.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            fixture.kill()  # ... or is killed by its PID
            fixture.wait()


if __name__ == "__main__":
    sys.exit(main())
