"""Benchmark: executed tasks/s with execution lanes against the strictly serial default.

Trivial stateful tasks (one ``add`` patch each, setting one of 64 slots of its project)
across 8 projects go onto ``formed`` and through the real orchestration, one process per
stage: the scheduler (release windows), the executor process(es), the completer and the SSOT
writer. The default (1 lane, 1 executor) and 4 lanes shared by 2 executor processes run in
turn, three times each, in the same run on the same embedded broker and Redis. Each run is
warmed up first (one task per project, every lane held); its rate is tasks over the span
from the first ``started_at`` to the last ``finished_at`` on ``executed``. Per-lane
intervals are checked for overlap. Target: 4 lanes >= 1.7 x 1 lane.

One executor runs its batches one after the other (read, execute, record in Redis, produce
and wait for the acks, commit: about 0.4 ms of CPU per task here, the rest waiting), so the
1-lane rate is bounded by that round trip, not by a core; with lanes, two executor
processes overlap theirs and every lane has its own release window, until the two cores are
full (CPU per task and process is printed). A second row drains tasks released onto
``scheduled`` up front, the executors alone: context, with no target.

Run with ``make bench-lanes`` (``python -m benchmarks.lanes [TASKS [REPEAT]]``).
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import redis
from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from processors.lanes import lane_of
from processors.models import ExecutionResult, PatchOp, TaskObject, TaskSheet
from processors.scheduler import schedule
from streams.codec.serde import SchemaStore, Serde
from streams.runtime.embedded import EmbeddedStack, Endpoints
from streams.runtime.kafka import KafkaClients
from streams.runtime.lease import lease_key
from streams.runtime.topics import EXECUTED, FORMED, SCHEDULED, ensure_topics
from streams.runtime.workers import WorkerProcess, worker_env
from streams.settings import Settings

PROJECTS = [f"bench-{i}" for i in range(8)]
TARGET = 1.7


@dataclass(frozen=True)
class Figure:
    """One run: executed tasks/s and the per-lane overlaps found (must be 0)."""

    rate: float
    overlaps: int
    cpu_ms: dict[str, float] = field(default_factory=dict)  # process → CPU ms per task


def _task(name: str, i: int) -> TaskObject:
    """Task ``i`` sets one of its project's 64 slots: a state of bounded size (commits cost
    O(state) today), and no two tasks of a project in flight write the same slot."""
    now = datetime.now(UTC)
    project = PROJECTS[i % len(PROJECTS)]
    slot = f"/slot{(i // len(PROJECTS)) % 64}"
    return TaskObject(
        task_id=f"{name}-{i}",
        source_event_id=f"{name}-{i}",
        session_id="bench",
        task_type="stateful",
        project_id=project,
        domain_id="ops",
        systems_affected=[],
        formation_confidence=0.9,
        routing_confidence=0.9,
        priority=5,
        assumptions=[],
        occurred_at=now,
        created_at=now,
        task_sheet=TaskSheet(
            project_id=project,
            intent="set",
            state_targets=[slot],
            constraints=[],
            validation_checks=[],
            commit_message_hint="bench",
        ),
        patch=[PatchOp.from_rfc({"op": "add", "path": slot, "value": i})],
        patch_status="ready",
    )


class _Results:
    """Reads ``executed`` from the start, one result per task id. Records are kept as bytes
    while the run goes on and decoded once enough arrived: the benchmark's own decoding
    would take CPU from the stages it measures."""

    def __init__(self, settings: Settings, serde: Serde) -> None:
        self.serde = serde
        self.consumer = KafkaClients(settings, str(settings.bootstrap_servers)).consumer("reader")
        topic = settings.topic(EXECUTED)
        parts = self.consumer.list_topics(topic, timeout=10).topics[topic].partitions
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in parts])
        self.seen: dict[str, ExecutionResult] = {}
        self._raw: list[bytes] = []

    def wait(self, ids: set[str], timeout: float) -> list[ExecutionResult]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.consumer.consume(1000, 0.2):
                if m.error() is None:
                    self._raw.append(m.value() or b"")
            if len(self._raw) + len(self.seen) >= len(ids) or not self._raw:
                for value in self._raw:
                    r = self.serde.decode(value, ExecutionResult)
                    self.seen.setdefault(r.task_id, r)
                self._raw = []
                if ids <= self.seen.keys():
                    break
        missing = ids - self.seen.keys()
        if missing:
            raise SystemExit(f"{len(missing)} of {len(ids)} tasks not executed in {timeout:.0f} s")
        return [self.seen[i] for i in ids]

    def close(self) -> None:
        self.consumer.close()


def _figure(results: list[ExecutionResult]) -> Figure:
    start = min(r.started_at for r in results)
    end = max(r.finished_at for r in results)
    by_lane: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for r in results:
        by_lane[r.lane].append((r.started_at, r.finished_at))
    overlaps = sum(
        1
        for runs in by_lane.values()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(sorted(runs))
        if s2 < e1
    )
    return Figure(len(results) / max((end - start).total_seconds(), 1e-6), overlaps)


@contextmanager
def _deployment(
    base: Settings, endpoints: Endpoints, *, lanes: int, executors: int, stages: tuple[str, ...]
) -> Iterator[tuple[Settings, list[WorkerProcess]]]:
    """A fresh namespace with ``stages`` and ``executors`` executor processes running, every
    lane held and the executors spread over them."""
    tag = uuid.uuid4().hex[:6]
    settings = base.model_copy(
        update={
            "topic_prefix": f"lanes{tag}.",
            "group_prefix": f"lanes{tag}",
            "redis_prefix": f"lanes{tag}",
            "execution_lanes": lanes,
            "metrics_port": -1,
        }
    )
    ensure_topics(KafkaClients(settings, endpoints.bootstrap_servers).admin(), settings)
    env = worker_env(settings, endpoints)
    logs = Path(tempfile.mkdtemp(prefix="lanes-bench-"))
    workers = [WorkerProcess(s, s, env, logs) for s in stages]
    workers += [WorkerProcess(f"executor-{i}", "executor", env, logs) for i in range(executors)]
    client = redis.Redis.from_url(endpoints.redis_url)
    base_key = lease_key(settings.redis_prefix, "executor")
    keys = [f"{base_key}:lane:{i}" for i in range(lanes)] if lanes > 1 else [base_key]
    try:
        for w in workers:
            w.start()
        deadline = time.monotonic() + 60
        while True:
            owners = {o for o in client.mget(keys)}
            if None not in owners and len(owners) == min(executors, len(keys)):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"executors did not take the lanes (logs in {logs})")
            time.sleep(0.2)
        yield settings, workers
    finally:
        for w in workers:
            w.stop()
        client.close()


def orchestrated(
    base: Settings, endpoints: Endpoints, serde: Serde, *, lanes: int, executors: int, tasks: int
) -> Figure:
    """``tasks`` formed tasks through scheduler, executors, completer and SSOT writer."""
    stages = ("scheduler", "completer", "ssot")
    with _deployment(base, endpoints, lanes=lanes, executors=executors, stages=stages) as (
        s,
        workers,
    ):
        producer = KafkaClients(s, endpoints.bootstrap_servers).producer("event-producer")
        results = _Results(s, serde)
        try:

            def send(name: str, n: int) -> set[str]:
                batch = [_task(name, i) for i in range(n)]
                encoded = [(serde.encode(t), t.task_id.encode()) for t in batch]  # before
                for value, key in encoded:
                    producer.produce(s.topic(FORMED), value, key)
                    producer.poll(0)
                producer.flush(30)
                return {t.task_id for t in batch}

            results.wait(send("warm", len(PROJECTS)), timeout=120)
            cpu = {w.name: w.cpu_seconds() for w in workers}
            figure = _figure(results.wait(send("task", tasks), timeout=600))
            for w in workers:
                figure.cpu_ms[w.name] = (w.cpu_seconds() - cpu[w.name]) * 1000 / tasks
            return figure
        finally:
            results.close()


def drained(
    base: Settings, endpoints: Endpoints, serde: Serde, *, lanes: int, executors: int, tasks: int
) -> Figure:
    """``tasks`` tasks released onto ``scheduled`` up front, drained by the executors alone."""
    with _deployment(base, endpoints, lanes=lanes, executors=executors, stages=()) as (s, _):
        producer = KafkaClients(s, endpoints.bootstrap_servers).producer("event-producer")
        results = _Results(s, serde)
        now = datetime.now(UTC)
        try:
            batch = [_task("task", i) for i in range(tasks)]
            for t in batch:
                lane = lane_of(t.project_id, lanes)
                released = schedule(t, snapshot_version=0, now=now).model_copy(
                    update={"lane": lane}
                )
                producer.produce(
                    s.topic(SCHEDULED), serde.encode(released), t.task_id.encode(), partition=lane
                )
                producer.poll(0)
            producer.flush(30)
            return _figure(results.wait({t.task_id for t in batch}, timeout=600))
        finally:
            results.close()


def main(tasks: int = 4000, repeat: int = 3) -> int:
    """Print the figures and the ratio; exit 1 when the target or serial order is missed.

    The orchestrated runs alternate (1 lane, 4 lanes) ``repeat`` times; the medians are
    compared, the spread printed.
    """
    serde = Serde(SchemaStore.load())
    ones: list[Figure] = []
    fours: list[Figure] = []
    with EmbeddedStack(Settings()) as endpoints:
        base = Settings(
            bootstrap_servers=endpoints.bootstrap_servers, redis_url=endpoints.redis_url
        )
        for _ in range(repeat):
            ones.append(orchestrated(base, endpoints, serde, lanes=1, executors=1, tasks=tasks))
            fours.append(orchestrated(base, endpoints, serde, lanes=4, executors=2, tasks=tasks))
        one_d = drained(base, endpoints, serde, lanes=1, executors=1, tasks=tasks)
        four_d = drained(base, endpoints, serde, lanes=4, executors=2, tasks=tasks)
    one = sorted(ones, key=lambda f: f.rate)[len(ones) // 2]
    four = sorted(fours, key=lambda f: f.rate)[len(fours) // 2]
    ratio, ratio_d = four.rate / one.rate, four_d.rate / one_d.rate

    def spread(figures: list[Figure]) -> str:
        return f"{min(f.rate for f in figures):.0f}-{max(f.rate for f in figures):.0f}"

    print(f"lanes benchmark: {tasks} trivial stateful tasks across {len(PROJECTS)} projects")
    print(f"{'':34} {'1 lane, 1 executor':>20} {'4 lanes, 2 executors':>22} {'ratio':>6}")
    print(
        f"{'orchestrated (formed → committed)':34} {one.rate:14.1f} /s  {four.rate:16.1f} /s"
        f"  {ratio:5.2f}   (median of {repeat}; {spread(ones)} and {spread(fours)} /s)"
    )
    print(
        f"{'executors alone (pre-released)':34} {one_d.rate:14.1f} /s  {four_d.rate:16.1f} /s"
        f"  {ratio_d:5.2f}   (CPU-bound on 2 cores: context, no target)"
    )
    overlaps = sum(f.overlaps for f in (*ones, *fours, one_d, four_d))
    print(f"per-lane overlaps: {overlaps}")
    for name, figure in (("1 lane", one), ("4 lanes", four)):
        cpu = ", ".join(f"{k} {v:.2f}" for k, v in figure.cpu_ms.items())
        print(f"CPU ms per task, orchestrated, {name}: {cpu}")
    ok = ratio >= TARGET and overlaps == 0
    print(f"orchestrated ratio {ratio:.2f} (target >= {TARGET}): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    sys.exit(main(*args))
