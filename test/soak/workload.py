"""The soak's workload, drawn from its seed: jobs of three of the simulator's shapes started at
a modest rate (linear chains, fork/join, map/reduce), and with `--with-cancels` a cancel for
some of them a little after they start. Fork/join and map/reduce have the step ids and
properties of the simulator's (sim/workload.cpp), so that `boasim check` applies its final-data
checks to them (every branch step once; the reduce's total is the sum of each item once)."""

from dataclasses import dataclass, field
from typing import Optional

JOBS_PER_SECOND = 1.5
CANCEL_SHARE = 0.15


@dataclass
class PlannedJob:
    id: str
    at: float  # seconds after the soak began
    shape: str  # "linear", "fork-join" or "map-reduce"
    length: int  # linear: steps; map-reduce: items
    properties: dict = field(default_factory=dict)
    cancel_at: Optional[float] = None


def exec_sleep(name, seconds):
    """An `exec` step: a real child process that reads the job's properties and sleeps."""
    return {"kind": "exec",
            "argv": ["sh", "-c", f"cat >/dev/null; sleep {seconds}; echo '{{\"{name}\": true}}'"]}


def sleep(ms):
    return {"kind": "sleep", "ms": ms}


def linear(steps):
    chain = []
    for i in range(steps):
        step = {"id": f"s{i}", "run": exec_sleep(f"s{i}", 0.1) if i % 2 == 0 else sleep(80)}
        if i + 1 < steps:
            step["next"] = [["*", f"s{i + 1}"]]
        chain.append(step)
    return {"name": f"soak-linear-{steps}", "steps": chain}


def fork_join():
    return {"name": "soak-fork-join", "steps": [
        {"id": "split", "run": "noop", "parallel": True,
         "next": [["*", "left-1"], ["*", "right-1"]]},
        {"id": "left-1", "run": exec_sleep("left_1", 0.1), "next": [["*", "left-2"]]},
        {"id": "left-2", "run": sleep(60), "next": [["*", "gather"]]},
        {"id": "right-1", "run": sleep(120), "next": [["*", "right-2"]]},
        {"id": "right-2", "run": exec_sleep("right_2", 0.05), "next": [["*", "gather"]]},
        {"id": "gather", "join": {"merge": "last-writer-wins"}, "next": [["*", "report"]]},
        {"id": "report", "run": exec_sleep("report", 0.05)}]}


def map_reduce():
    """One sub-job per item; each item weighs a distinct power of two, so the total tells an
    item counted twice or not at all."""
    return {"name": "soak-map-reduce", "steps": [
        {"id": "split", "map": {"items": "items", "workflow": {
            "name": "soak-item", "steps": [{"id": "weigh", "run": exec_sleep("weighed", 0.05)}]}},
         "next": [["*", "total"]]},
        {"id": "total", "reduce": {"fold": "sum", "field": "weight", "into": "total"},
         "next": [["*", "publish"]]},
        {"id": "publish", "run": sleep(30)}]}


def workflow_of(job):
    if job.shape == "linear":
        return linear(job.length)
    return fork_join() if job.shape == "fork-join" else map_reduce()


def checked_as(job):
    """The words of the job's line in the started list (`boasim check --started`)."""
    words = [f"shape={job.shape}"]
    if job.shape == "map-reduce":
        words.append(f"items={job.length}")
    if job.cancel_at is not None:
        words.append("cancelable")
    return words


def plan_jobs(rng, seconds, prefix, with_cancels):
    """Jobs over `seconds`, ids `PREFIX-NNNNN`."""
    jobs = []
    at = rng.expovariate(JOBS_PER_SECOND)
    while at < seconds:
        shape = rng.choices(("linear", "fork-join", "map-reduce"), weights=(5, 3, 2))[0]
        length = rng.randint(3, 5) if shape == "linear" else rng.randint(2, 4)
        job = PlannedJob(f"{prefix}-{len(jobs):05d}", at, shape, length)
        if shape == "map-reduce":
            job.properties = {"items": [{"weight": 2 ** i} for i in range(length)]}
        if with_cancels and rng.random() < CANCEL_SHARE:
            job.cancel_at = at + rng.uniform(0.2, 2.0)
        jobs.append(job)
        at += rng.expovariate(JOBS_PER_SECOND)
    return jobs
