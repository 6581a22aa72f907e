#!/usr/bin/env python3
"""A consumer that takes one delivery and never settles it, to play a node that hangs.

Usage: hung_consumer.py PORT ADDRESS

Connects to the AMQP 1.0 broker on 127.0.0.1:PORT, grants one credit on a receiving link from
ADDRESS, and prints "holding" once a message has arrived; it then keeps the delivery unsettled
and the connection open (answering the broker's idle timeout) until it is killed. The test that
starts it stops it with SIGSTOP to make it hang. Exits 77 when the proton module is missing.
"""

import sys

try:
    from proton.handlers import MessagingHandler
    from proton.reactor import Container
except ImportError:
    print("skipped: the proton module (python3-qpid-proton) is not installed", file=sys.stderr)
    sys.exit(77)


class HoldOne(MessagingHandler):
    def __init__(self, url, address):
        super().__init__(prefetch=0, auto_accept=False, auto_settle=False)
        self.url = url
        self.address = address
        self.held = None

    def on_start(self, event):
        connection = event.container.connect(self.url)
        receiver = event.container.create_receiver(connection, self.address)
        receiver.flow(1)

    def on_message(self, event):
        self.held = event.delivery  # never settled
        print("holding", flush=True)


if __name__ == "__main__":
    Container(HoldOne(f"amqp://127.0.0.1:{sys.argv[1]}", sys.argv[2])).run()
