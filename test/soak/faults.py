"""The soak's faults, drawn from its seed: one at a time, each healed before the next begins,
with a few seconds of calm between them."""

from dataclasses import dataclass


@dataclass
class Fault:
    at: float  # seconds after the soak began
    kind: str  # "kill-9", "sigstop" or "broker-restart"
    node: int  # index of the target node (kill-9, sigstop)
    seconds: float  # how long until it is healed


def plan_faults(rng, seconds, nodes, idle_timeout_s):
    """Faults within `seconds`. A SIGSTOP is short half the time and otherwise longer than the
    broker's idle timeout (`idle_timeout_s`), so that the broker drops the stopped node's session
    and hands its unsettled deliveries to another node while it still holds them."""
    faults = []
    at = rng.uniform(2, 5)
    while True:
        kind = rng.choices(("kill-9", "sigstop", "broker-restart"), weights=(2, 2, 1))[0]
        node = rng.randrange(nodes)
        if kind == "kill-9":
            length = rng.uniform(1, 4)
        elif kind == "sigstop":
            length = (rng.uniform(0.5, 2.5) if rng.random() < 0.5
                      else rng.uniform(idle_timeout_s + 1, idle_timeout_s + 3))
        else:
            length = rng.uniform(0.5, 2)
        if at + length > seconds:
            return faults
        faults.append(Fault(at, kind, node, length))
        at += length + rng.uniform(2, 6)
