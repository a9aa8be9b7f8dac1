"""``taskline bench``: the pipeline against a pass-through ceiling, measured in the same run.

- *Ceiling*: five plain confluent-kafka consume → produce loops (raw-events → routed → formed →
  scheduled → executed → ssot-writes) with no logic, the same record bytes, batching and
  offset commits as the stages, on the same broker.
- *Pipeline*: the real stages (one ``taskline worker`` process per stage, as a deployment runs
  them; ``--threads``: threads of one process, as ``taskline up`` runs them) on realistic
  events (simulated voice/chat traffic, 30% duplicates, no-task / ephemeral / stateful across
  projects).

Reported: events/s at saturation (first publish to last output, both runs measured alike),
end-to-end latency p50/p95/p99 (``occurred_at`` → the SsotCommit) at a fixed offered load and
at saturation, CPU seconds per event per stage, peak memory per worker, and
pipeline/ceiling.
"""

from __future__ import annotations

import itertools
import resource
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from processors.models import RawEvent, SsotCommit
from streams.codec.serde import SchemaStore, Serde
from streams.errors import TasklineError
from streams.runtime.embedded import Endpoints
from streams.runtime.kafka import KafkaClients
from streams.runtime.pipeline import STAGES, Pipeline
from streams.runtime.reader import committed_total
from streams.runtime.supervisor import PORT_RETRIES
from streams.runtime.topics import (
    RAW_EVENTS,
    SSOT_WRITES,
    ensure_topics,
)
from streams.runtime.workers import WorkerProcess, free_port, worker_env
from streams.sdk.producer import EventProducer
from streams.settings import Settings
from streams.tools.peers import (
    HOPS,
    PeerResult,
    isolated,
    plain_hop,
    run_peers,
    topic_reader,
)
from streams.tools.peers import report_lines as peer_lines
from streams.tools.simulate import sample_events

# the topic whose committed offsets tell a stage's progress when workers serve no metrics
STAGE_INPUT = dict(zip(STAGES, HOPS, strict=True))


@dataclass
class BenchResult:
    """Every figure ``taskline bench`` prints (and ``--json`` writes)."""

    events: int = 0
    record_bytes_mean: float = 0.0
    ceiling_events_per_s: float = 0.0
    pipeline_events_per_s: float = 0.0
    ratio: float = 0.0
    offered_rate: float = 0.0
    latency_ms_at_offered: dict[str, float] = field(default_factory=dict)
    latency_ms_at_saturation: dict[str, float] = field(default_factory=dict)
    latency_ms_idle: dict[str, float] = field(default_factory=dict)
    cpu_ms_per_event: dict[str, float] = field(default_factory=dict)
    peak_memory_mib: dict[str, float] = field(default_factory=dict)
    metrics: bool = True  # whether the workers served (and were scraped for) metrics
    mode: str = ""
    soak_seconds: float = 0.0
    soak_rate: float = 0.0
    memory_mib_soak: dict[str, list[float]] = field(default_factory=dict)
    memory_growth_mib_after_warmup: dict[str, float] = field(default_factory=dict)
    # commits per second the ssot stage read in each 10 s of the soak, and how long after
    # the soak's last event it went on reading them (a pipeline that kept up drains at once)
    soak_commits_per_s: list[float] = field(default_factory=list)
    soak_drain_s: float = 0.0
    peers: list[dict[str, Any]] = field(default_factory=list)  # --peers: PeerResult dicts
    machine: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(q[49], 1),
        "p95": round(q[94], 1),
        "p99": round(q[98], 1),
        "n": len(values),
    }


def _latency(commits: list[SsotCommit], of: list[RawEvent] | None = None) -> dict[str, float]:
    """Percentiles of ``occurred_at`` to commit, ms, over the commits of the events ``of``
    (every commit when None)."""
    ids = None if of is None else {e.source_event_id for e in of}
    return _percentiles(
        [
            (c.committed_at - c.occurred_at).total_seconds() * 1000
            for c in commits
            if ids is None or c.source_event_id in ids
        ]
    )


def _count_until(
    settings: Settings, bootstrap: str, topic: str, n: int, timeout: float
) -> list[int]:
    """Broker timestamps (ms) of the first ``n`` records of ``topic``."""
    consumer = topic_reader(settings, bootstrap, topic)
    stamps: list[int] = []
    deadline = time.monotonic() + timeout
    try:
        while len(stamps) < n and time.monotonic() < deadline:
            stamps += [m.timestamp()[1] for m in consumer.consume(1000, 0.2) if m.error() is None]
    finally:
        consumer.close()
    return stamps


def ceiling(base: Settings, endpoints: Endpoints, payloads: list[tuple[bytes, bytes]]) -> float:
    """Events/s through five pass-through hops."""
    settings = base.model_copy(
        update={
            "topic_prefix": f"ceil{uuid.uuid4().hex[:6]}.",
            "group_prefix": f"ceil{uuid.uuid4().hex[:6]}",
        }
    )
    clients = KafkaClients(settings, endpoints.bootstrap_servers)
    ensure_topics(clients.admin(), settings)
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=plain_hop,
            args=(settings, endpoints.bootstrap_servers, a, b, stop),
            daemon=True,
        )
        for a, b in itertools.pairwise(HOPS)
    ]
    for t in threads:
        t.start()
    time.sleep(1)
    producer = clients.producer("event-producer")
    started = time.monotonic()
    for key, value in payloads:
        producer.produce(settings.topic(RAW_EVENTS), value, key)
        producer.poll(0)
    producer.flush(60)
    arrived = _count_until(settings, endpoints.bootstrap_servers, SSOT_WRITES, len(payloads), 300)
    span = time.monotonic() - started  # measured like the pipeline: first publish to last out
    stop.set()
    for t in threads:
        t.join(10)
    return len(arrived) / span if arrived and span > 0 else 0.0


class _Stages(Protocol):
    """The six stages, however they run."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def records_in(self, stage: str) -> int: ...
    def cpu_seconds(self) -> dict[str, float]: ...
    def peak_memory_mib(self) -> dict[str, float]: ...
    def memory_mib(self) -> dict[str, float]: ...


class _ThreadStages:
    """Threads of this process, as ``taskline up`` runs them."""

    def __init__(self, settings: Settings, endpoints: Endpoints) -> None:
        self.pipeline = Pipeline(settings, endpoints)

    def start(self) -> None:
        self.pipeline.start()
        if not self.pipeline.wait_ready(60):
            raise TasklineError("bench: the stages did not become ready within 60 s")

    def stop(self) -> None:
        self.pipeline.stop()

    def records_in(self, stage: str) -> int:
        return self.pipeline.runner(stage).stats.records_in

    def cpu_seconds(self) -> dict[str, float]:
        # thread CPU time spent on batches (polling is not counted)
        return {r.stage: r.stats.cpu_seconds for r in self.pipeline.runners}

    def peak_memory_mib(self) -> dict[str, float]:
        return {"all stages": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}

    def memory_mib(self) -> dict[str, float]:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return {"all stages": pages * resource.getpagesize() / 2**20}


class _ProcessStages:
    """One ``taskline worker`` process per stage, as a deployment runs them; with
    ``metrics=False`` they serve no metrics endpoint and progress is read from their
    consumer groups' committed offsets."""

    def __init__(self, settings: Settings, endpoints: Endpoints, *, metrics: bool = True) -> None:
        logs = Path(tempfile.mkdtemp(prefix="taskline-bench-"))
        self.metrics = metrics
        self.workers = {
            # SIGTERM (a drain) when the bench dies, killed or not, as the embedded services
            stage: WorkerProcess(
                stage,
                stage,
                worker_env(settings, endpoints, metrics_port=free_port() if metrics else -1),
                logs,
                die_with_parent=True,
            )
            for stage in STAGES
        }
        self.logs = logs
        self.settings, self.bootstrap = settings, endpoints.bootstrap_servers
        self._endpoints = endpoints

    def start(self) -> None:
        ensure_topics(KafkaClients(self.settings, self.bootstrap).admin(), self.settings)
        for w in self.workers.values():
            w.start()
        deadline = time.monotonic() + 60
        waiting = set(self.workers)
        if not self.metrics:  # no endpoint to ask: alive after 5 s is as ready as we can tell
            time.sleep(5)
            waiting = {s for s in waiting if self.workers[s].pid is None}
        retries = dict.fromkeys(self.workers, 0)
        while self.metrics and waiting and time.monotonic() < deadline:
            for stage in waiting:
                # its status port was taken before it bound it (as Supervisor does: anew)
                w = self.workers[stage]
                if retries[stage] < PORT_RETRIES and w.port_was_taken():
                    retries[stage] += 1
                    w.env = worker_env(self.settings, self._endpoints, metrics_port=free_port())
                    w.start()
            waiting = {s for s in waiting if self.workers[s].status() is None}
            time.sleep(0.2)
        if waiting:
            raise TasklineError(
                f"bench: workers {sorted(waiting)} did not start (logs in {self.logs})"
            )
        time.sleep(3)  # group joins take ~2 s on the embedded broker

    def stop(self) -> None:
        for w in self.workers.values():
            w.stop()
        shutil.rmtree(self.logs, ignore_errors=True)

    def records_in(self, stage: str) -> int:
        if self.metrics:
            return self.workers[stage].records_in()
        group = self.settings.group(stage)
        return committed_total(self.settings, self.bootstrap, group, STAGE_INPUT[stage])

    def cpu_seconds(self) -> dict[str, float]:
        # the whole process: batches, polling, heartbeats, the metrics server
        return {s: w.cpu_seconds() for s, w in self.workers.items()}

    def peak_memory_mib(self) -> dict[str, float]:
        return {s: w.peak_memory_mib() for s, w in self.workers.items()}

    def memory_mib(self) -> dict[str, float]:
        return {s: w.memory_mib() for s, w in self.workers.items()}


def run_bench(
    base: Settings,
    endpoints: Endpoints,
    *,
    events: int,
    offered_rate: float,
    processes: bool = True,
    metrics: bool = True,
    soak_s: float = 0.0,
    soak_rate: float = 300.0,
    peers: bool = False,
    peers_python: Path | None = None,
    say: Any = print,
) -> BenchResult:
    """Ceiling (and with ``peers`` the pass-through peers), then the pipeline at saturation,
    then at a fixed offered rate, then idle."""
    serde = Serde(SchemaStore.load())
    result = BenchResult(events=events, offered_rate=offered_rate)
    sample = [
        _realistic(e)
        for e in sample_events(events, seed=42, start=datetime.now(UTC), duplicates=0.3)
    ]
    encoded = [(e.session_id.encode(), serde.encode(e)) for e in sample]
    result.record_bytes_mean = round(statistics.mean(len(v) for _, v in encoded), 1)
    size = result.record_bytes_mean
    say(f"ceiling: {events} records of ~{size:.0f} B through {len(HOPS) - 1} hops")
    result.ceiling_events_per_s = round(ceiling(base, endpoints, encoded), 1)
    if peers:
        found = run_peers(base, endpoints, sample, peers_python, say)
        result.peers = [p.as_dict() for p in found]

    settings = isolated(base, "bench")
    stages: _Stages = (
        _ProcessStages(settings, endpoints, metrics=metrics)
        if processes
        else _ThreadStages(settings, endpoints)
    )
    result.mode = "one process per stage" if processes else "threads in one process"
    result.metrics = metrics or not processes
    try:
        stages.start()
        producer = EventProducer(settings, endpoints.bootstrap_servers, serde)
        say(f"pipeline at saturation: {events} events, 30% duplicates")
        fresh = _restamp(sample)
        started = time.monotonic()
        producer.send_many(fresh)
        commits, finished = _commits_when_quiet(settings, endpoints, stages, len(fresh))
        # events in (duplicates included) per second, from the first publish to the last commit
        span = finished - started
        result.pipeline_events_per_s = round(len(fresh) / span, 1) if span > 0 else 0.0
        result.latency_ms_at_saturation = _latency(commits)
        cpu_before = stages.cpu_seconds()
        n_offered = int(offered_rate * 10)
        say(f"pipeline at {offered_rate:.0f} events/s offered for 10 s")
        offered = _restamp(
            sample_events(n_offered, seed=43, start=datetime.now(UTC), duplicates=0.3), prefix="off"
        )
        before = len(commits)
        t0 = time.monotonic()
        for i in range(0, len(offered), max(int(offered_rate / 20), 1)):
            chunk = offered[i : i + max(int(offered_rate / 20), 1)]
            producer.send_many(_restamp(chunk, prefix=None))
            time.sleep(max(0.0, t0 + (i + len(chunk)) / offered_rate - time.monotonic()))
        later, _ = _commits_when_quiet(settings, endpoints, stages, len(fresh) + len(offered))
        result.latency_ms_at_offered = _latency(later[before:], offered)
        for stage, cpu in stages.cpu_seconds().items():
            result.cpu_ms_per_event[stage] = round(
                1000 * (cpu - cpu_before[stage]) / max(len(offered), 1), 3
            )
        result.latency_ms_idle = _idle_latency(
            settings, endpoints, stages, producer, len(fresh) + len(offered), say
        )
        if soak_s > 0:
            _soak(stages, producer, soak_s, soak_rate, result, say)
        result.peak_memory_mib = {k: round(v, 1) for k, v in stages.peak_memory_mib().items()}
    finally:
        stages.stop()
    result.ratio = (
        round(result.pipeline_events_per_s / result.ceiling_events_per_s, 3)
        if result.ceiling_events_per_s
        else 0.0
    )
    return result


IDLE_EVENTS, IDLE_GAP_S = 25, 0.2


def _idle_latency(
    settings: Settings,
    endpoints: Endpoints,
    stages: _Stages,
    producer: EventProducer,
    published: int,
    say: Any,
) -> dict[str, float]:
    """One event every 200 ms on an otherwise idle pipeline: ``occurred_at`` to commit."""
    say(f"pipeline idle: one event every {IDLE_GAP_S * 1000:.0f} ms, {IDLE_EVENTS} events")
    time.sleep(1.0)  # nothing of the earlier runs still in flight
    events = sample_events(IDLE_EVENTS, seed=44, start=datetime.now(UTC), duplicates=0.0)
    fresh = _restamp(events, prefix="idle")
    for event in fresh:
        producer.send_many(_restamp([event], prefix=None))
        time.sleep(IDLE_GAP_S)
    commits, _ = _commits_when_quiet(settings, endpoints, stages, published + len(fresh))
    return _latency(commits, fresh)


def _soak(
    stages: _Stages,
    producer: EventProducer,
    seconds: float,
    rate: float,
    result: BenchResult,
    say: Any,
) -> None:
    """A steady load for ``seconds``; every worker's resident memory sampled every 10 s.

    Growth is measured from the sample after the first quarter (caches warm) to the last.
    """
    say(f"soak: {rate:.0f} events/s for {seconds:.0f} s, memory sampled every 10 s")
    samples: list[dict[str, float]] = []
    started = time.monotonic()
    second = 0
    commits = stages.records_in("ssot")
    while time.monotonic() - started < seconds:
        events = sample_events(int(rate), seed=1000 + second, start=datetime.now(UTC))
        producer.send_many(_restamp(events, prefix=f"soak{second}"))
        second += 1
        if second % 10 == 0:
            samples.append(stages.memory_mib())
            now = stages.records_in("ssot")
            result.soak_commits_per_s.append(round((now - commits) / 10, 1))
            commits = now
            say(
                f"soak: {second} s, {sum(samples[-1].values()):.0f} MiB in all workers, "
                f"{result.soak_commits_per_s[-1]:.0f} commits/s"
            )
        time.sleep(max(0.0, started + second - time.monotonic()))
    samples.append(stages.memory_mib())
    result.soak_seconds, result.soak_rate = round(time.monotonic() - started), rate
    result.soak_drain_s = round(_drain(stages), 1)
    say(f"soak: the pipeline drained {result.soak_drain_s:.1f} s after the last event")
    warm = samples[len(samples) // 4]
    result.memory_mib_soak = {stage: [round(s[stage], 1) for s in samples] for stage in samples[-1]}
    result.memory_growth_mib_after_warmup = {
        stage: round(samples[-1][stage] - warm[stage], 1) for stage in samples[-1]
    }


def _drain(stages: _Stages, quiet_s: float = 2.0, limit_s: float = 900.0) -> float:
    """Seconds from now until the ssot stage's last read, once it has read nothing new for
    ``quiet_s`` (or ``limit_s`` passed)."""
    started = time.monotonic()
    last, changed = stages.records_in("ssot"), started
    while time.monotonic() - changed < quiet_s and time.monotonic() - started < limit_s:
        time.sleep(0.1)
        n = stages.records_in("ssot")
        if n != last:
            last, changed = n, time.monotonic()
    return changed - started


def _realistic(event: RawEvent) -> RawEvent:
    """Front-end context as voice/chat front ends send it: ASR n-best, device, trace ids."""
    words = event.text.split()
    metadata = {
        **event.metadata,
        "asr_alternatives": " | ".join(" ".join(words[i:] + words[:i]) for i in range(1, 4)),
        "asr_confidence": "0.87",
        "device_id": f"dev-{abs(hash(event.session_id)) % 10_000:04d}",
        "app_version": "7.12.3 (build 5521)",
        "user_agent": "TasklineVoice/7.12 (Linux; Android 14; Pixel 8)",
        "trace_id": event.source_event_id.replace("-", "") * 2,
        "conversation_context": ("previous turn: " + event.text)[:400],
    }
    return event.model_copy(update={"metadata": metadata})


def _restamp(events: list[RawEvent], prefix: str | None = "sat") -> list[RawEvent]:
    """Fresh ids (duplicates keep sharing theirs) and ``occurred_at`` = now."""
    now = datetime.now(UTC)
    out = []
    for e in events:
        update: dict[str, Any] = {"occurred_at": now}
        if prefix is not None:
            update["source_event_id"] = f"{prefix}-{e.source_event_id}"
        out.append(e.model_copy(update=update))
    return out


def _commits_when_quiet(
    settings: Settings, endpoints: Endpoints, stages: _Stages, published: int
) -> tuple[list[SsotCommit], float]:
    """Every commit, once the router has read everything and no commit came for 2 s."""
    deadline = time.monotonic() + 600
    while stages.records_in("router") < published and time.monotonic() < deadline:
        time.sleep(0.2)
    waited = time.monotonic()
    quiet_since = waited + _drain(stages, limit_s=max(0.0, deadline - waited))
    serde = Serde(SchemaStore.load())
    clients = KafkaClients(settings, endpoints.bootstrap_servers)
    stamps_consumer = clients.consumer("reader", {"fetch.wait.max.ms": 10})
    name = settings.topic(SSOT_WRITES)
    info = clients.admin().list_topics(topic=name, timeout=10)
    stamps_consumer.assign(
        [TopicPartition(name, p, OFFSET_BEGINNING) for p in info.topics[name].partitions]
    )
    commits: list[SsotCommit] = []
    idle = time.monotonic()
    while time.monotonic() - idle < 1.0:
        for m in stamps_consumer.consume(1000, 0.2):
            if m.error() is None:
                commits.append(serde.decode(m.value() or b"", SsotCommit))
                idle = time.monotonic()
    stamps_consumer.close()
    return commits, quiet_since


def report_lines(r: BenchResult) -> list[str]:
    """The figures as a table, with the targets."""

    def lat(d: dict[str, float]) -> str:
        if not d:
            return "n/a"
        return (
            f"p50 {d.get('p50', 0):.1f} ms, p95 {d.get('p95', 0):.1f} ms, "
            f"p99 {d.get('p99', 0):.1f} ms"
        )

    return [
        f"machine: {r.machine}",
        f"records: {r.events} events per run, ~{r.record_bytes_mean:.0f} B each",
        f"ceiling (5 pass-through hops):  {r.ceiling_events_per_s:>10,.0f} events/s",
        f"pipeline (6 real stages, {r.mode}{'' if r.metrics else ', metrics off'}):",
        f"                                {r.pipeline_events_per_s:>10,.0f} events/s  "
        f"(ratio {r.ratio:.3f}; targets >= 2,000 events/s and >= 0.15)",
        f"latency at saturation:          {lat(r.latency_ms_at_saturation)}",
        f"latency at {r.offered_rate:,.0f} events/s offered: {lat(r.latency_ms_at_offered)} "
        "(targets: at 300/s p50 <= 40 ms and p99 <= 150 ms; at 1,000/s p99 <= 250 ms)",
        f"latency idle (1 event / {IDLE_GAP_S * 1000:.0f} ms): {lat(r.latency_ms_idle)} "
        "(target p50 <= 25 ms)",
        "CPU ms per event per stage:     "
        + ", ".join(f"{k} {v:.2f}" for k, v in r.cpu_ms_per_event.items()),
        "peak memory per worker (MiB):   "
        + ", ".join(f"{k} {v:.0f}" for k, v in r.peak_memory_mib.items()),
        *(
            [
                f"soak {r.soak_seconds:.0f} s at {r.soak_rate:.0f} events/s"
                f"{'' if r.metrics else ' (metrics off)'}, memory growth after warm-up (MiB): "
                + ", ".join(f"{k} {v:+.1f}" for k, v in r.memory_growth_mib_after_warmup.items())
                + (
                    f"; commits/s first and last 10 s: {r.soak_commits_per_s[0]:.0f}, "
                    f"{r.soak_commits_per_s[-1]:.0f}"
                    if r.soak_commits_per_s
                    else ""
                )
                + f"; drained {r.soak_drain_s:.1f} s after the end"
            ]
            if r.soak_seconds
            else []
        ),
        *(
            peer_lines(
                [PeerResult(**p) for p in r.peers],
                (
                    r.pipeline_events_per_s,
                    sum(r.cpu_ms_per_event.values()),
                    r.latency_ms_idle.get("p50", 0.0),
                ),
            )
            if r.peers
            else []
        ),
    ]
