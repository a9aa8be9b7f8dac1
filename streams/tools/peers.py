"""``taskline bench --peers``: the same pass-through work four ways, side by side.

Five hops (raw-events → routed → formed → scheduled → executed → ssot-writes), one process
per hop, the same record bytes (Avro ``RawEvent`` s) and the same broker, for each of

- ``plain``: confluent-kafka loops (consume a batch, produce it, flush, commit): the ceiling;
- ``taskline``: Taskline's stage runtime (:class:`~streams.runtime.runner.StageRunner`) with a
  pass-through handler that decodes each record and encodes it again, as the stages do;
- ``faust``: a faust-streaming agent per hop (its aiokafka driver);
- ``quix``: a Quix Streams application per hop.

Faust and Quix Streams run in an environment of their own (``make bench-peers`` makes
``.venv-peers``): Quix Streams 3.28 pins confluent-kafka below 2.13, older than Taskline's, so
neither is installed beside Taskline. Their hops are :mod:`streams.tools.peer_hops`, run by
that environment's interpreter. Every consumer waits at most 10 ms for a fetch, as Taskline's
do (Faust's driver hard-codes 1.5 s; the hop overrides it), and joins its group with a 3 s
session timeout (the embedded broker waits half of it).

Per peer: events/s from the first publish to the last arrival (after a warm-up record has
gone through, so group joins are not counted), CPU ms per event (every hop process, over the
same span), and latency p50/p99 from publish to the last hop's output at a light load
(20 events/s; broker timestamps).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import redis
from confluent_kafka import OFFSET_BEGINNING, Message, TopicPartition

from processors.models import RawEvent
from streams.codec.serde import SchemaStore, Serde
from streams.errors import TasklineError
from streams.runtime.embedded import Endpoints
from streams.runtime.kafka import KafkaClients, take
from streams.runtime.lease import Lease
from streams.runtime.runner import Out, StageIO, StageRunner
from streams.runtime.topics import (
    EXECUTED,
    FORMED,
    RAW_EVENTS,
    ROUTED,
    SCHEDULED,
    SSOT_WRITES,
    ensure_topics,
)
from streams.runtime.workers import worker_env
from streams.settings import Settings
from streams.tools.peer_hops import FETCH_WAIT_MS

PEERS = ("plain", "taskline", "faust", "quix")
HOPS = (RAW_EVENTS, ROUTED, FORMED, SCHEDULED, EXECUTED, SSOT_WRITES)
LIGHT_EVENTS, LIGHT_RATE = 60, 20.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class PeerResult:
    """One peer's figures (``error``: why it has none)."""

    peer: str
    events_per_s: float = 0.0
    cpu_ms_per_event: float = 0.0
    latency_ms: dict[str, float] | None = None
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return asdict(self)


def isolated(base: Settings, name: str) -> Settings:
    """``base`` with topics, groups and Redis keys of their own (``name`` + a random tag),
    and no metrics endpoint: one benchmark run's namespace on a shared broker and Redis."""
    tag = f"{name}{uuid.uuid4().hex[:6]}"
    return base.model_copy(
        update={
            "topic_prefix": f"{tag}.",
            "group_prefix": tag,
            "redis_prefix": tag,
            "metrics_port": -1,
        }
    )


def default_peers_python() -> Path | None:
    """``.venv-peers/bin/python`` in the working directory, if it is there."""
    path = Path(".venv-peers") / "bin" / "python"
    return path if path.exists() else None


# --- the hops that run in Taskline's environment -----------------------------------------
class PassThrough:
    """A stage handler that decodes each record and encodes it again onto ``dst``."""

    exclusive = False
    lease: Lease | None = None

    def __init__(self, settings: Settings, serde: Serde, src: str, dst: str) -> None:
        self.io = StageIO(f"pass-{src}", settings, serde)
        self.topics: tuple[str, ...] = (src,)
        self.dst = dst

    def handle(self, batch: list[Message]) -> list[Out]:
        """Every decodable record, re-encoded, to ``dst``; the others to dead-letters."""
        good, dead = self.io.decode(batch, RawEvent)
        return dead + [
            self.io.out(self.dst, (msg.key() or b"").decode() or None, record)
            for msg, record in good
        ]


def plain_hop(
    settings: Settings, bootstrap: str, src: str, dst: str, stop: threading.Event
) -> None:
    """A plain confluent-kafka loop from ``src`` to ``dst`` (logical topics) until ``stop``:
    consume a batch, produce it, flush, commit; no logic. The ceiling's hop."""
    clients = KafkaClients(settings, bootstrap)
    consumer = clients.consumer("group-consumer", group_id=f"{settings.group_prefix}-hop-{src}")
    info = clients.admin().list_topics(topic=settings.topic(src), timeout=10)
    consumer.assign(
        [
            TopicPartition(settings.topic(src), p, OFFSET_BEGINNING)
            for p in info.topics[settings.topic(src)].partitions
        ]
    )
    producer = clients.producer("stage-producer")
    try:
        while not stop.is_set():
            batch = [
                m
                for m in consumer.consume(settings.batch_max, settings.poll_timeout_s)
                if m.error() is None
            ]
            if not batch:
                continue
            for m in batch:
                producer.produce(settings.topic(dst), m.value(), m.key())
            producer.flush(30)
            consumer.commit(asynchronous=False)
    finally:
        consumer.close()


def hop_main(kind: str, src: str, dst: str) -> int:
    """One ``plain`` or ``taskline`` hop in this process, until SIGTERM."""
    settings = Settings()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if kind == "plain":
        plain_hop(settings, settings.bootstrap_servers or "", src, dst, stop)
        return 0
    client = redis.Redis.from_url(
        settings.redis_url.get_secret_value() if settings.redis_url else ""
    )
    serde = Serde(SchemaStore.load(settings.schemas_dir))
    runner = StageRunner(
        PassThrough(settings, serde, src, dst), settings, settings.bootstrap_servers or "", client
    )
    runner.run(stop)
    return 0


# --- the driver ------------------------------------------------------------------------
def _cpu_seconds(pid: int) -> float:
    """CPU time of process ``pid`` (every thread), to the nanosecond: its CPU clock, as
    ``clock_getcpuclockid`` names it; ``/proc``'s 10 ms ticks round a short run to nothing."""
    try:
        return time.clock_gettime((~pid << 3) | 2)  # MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)
    except OSError:
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def _argv(
    peer: str, src: str, dst: str, group: str, bootstrap: str, peers_python: Path, schema: Path
) -> list[str]:
    if peer in ("plain", "taskline"):
        return [sys.executable, "-m", "streams.tools.peers", peer, src, dst]
    script = Path(__file__).with_name("peer_hops.py")
    return [str(peers_python), str(script), peer, bootstrap, src, dst, group, str(schema)]


def _physical(settings: Settings, peer: str, topic: str) -> str:
    # the peers' hops know nothing of Taskline's settings: they get whole topic names
    return topic if peer in ("plain", "taskline") else settings.topic(topic)


def topic_reader(settings: Settings, bootstrap: str, topic: str) -> Any:
    """A consumer of every partition of logical ``topic`` from its beginning (no group)."""
    clients = KafkaClients(settings, bootstrap)
    consumer = clients.consumer("reader", {"fetch.wait.max.ms": 10})
    info = clients.admin().list_topics(topic=settings.topic(topic), timeout=10)
    consumer.assign(
        [
            TopicPartition(settings.topic(topic), p, OFFSET_BEGINNING)
            for p in info.topics[settings.topic(topic)].partitions
        ]
    )
    return consumer


def _collect(consumer: Any, seen: dict[bytes, int], want: int, timeout: float) -> None:
    """Read ``(value → arrival ms)`` into ``seen`` until ``want`` values or timeout."""
    deadline = time.monotonic() + timeout
    while len(seen) < want and time.monotonic() < deadline:
        for m in take(consumer, 1000, 0.1):  # at once: an arrival is stamped when it comes
            value = m.value() if m.error() is None else None
            if value is not None:  # when it got here: a peer may keep the input's timestamp
                seen.setdefault(value, int(time.time() * 1000))


def run_peer(
    peer: str,
    base: Settings,
    endpoints: Endpoints,
    payloads: Sequence[tuple[bytes, bytes]],
    light: Sequence[tuple[bytes, bytes]],
    warmup: tuple[bytes, bytes],
    peers_python: Path | None,
    schema: Path,
    say: Callable[[str], None] = print,
) -> PeerResult:
    """One peer's chain: start, warm up, saturate, light load, stop."""
    if peer in ("faust", "quix") and peers_python is None:
        return PeerResult(peer, error="no peers environment: `make bench-peers` makes it")
    # every peer's consumers wait as long for a fetch as the others'
    settings = isolated(base, "peer").model_copy(update={"fetch_wait_max_ms": FETCH_WAIT_MS})
    bootstrap = endpoints.bootstrap_servers
    ensure_topics(KafkaClients(settings, bootstrap).admin(), settings)
    env = worker_env(settings, endpoints)
    procs = [
        subprocess.Popen(
            _argv(
                peer,
                _physical(settings, peer, a),
                _physical(settings, peer, b),
                f"{settings.group_prefix}-{peer}-{a}",
                bootstrap,
                peers_python or Path(),
                schema,
            ),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        for a, b in itertools.pairwise(HOPS)
    ]
    producer = KafkaClients(settings, bootstrap).producer("event-producer")
    out = topic_reader(settings, bootstrap, SSOT_WRITES)
    try:
        arrived: dict[bytes, int] = {}
        key, warm = warmup
        producer.produce(settings.topic(RAW_EVENTS), warm, key)
        producer.flush(30)
        _collect(out, arrived, 1, 120)  # group joins, metadata, lazy imports: not measured
        dead = [p for p in procs if p.poll() is not None]
        if not arrived or dead:
            why = next((p.stderr.read().decode()[-400:] for p in dead if p.stderr), "no output")
            return PeerResult(peer, error=f"the chain did not start: {why.strip()}")
        say(f"peers: {peer}: {len(payloads)} records through {len(HOPS) - 1} hops")
        cpu0 = sum(_cpu_seconds(p.pid) for p in procs)
        started = time.monotonic()
        for key, value in payloads:
            producer.produce(settings.topic(RAW_EVENTS), value, key)
            producer.poll(0)
        producer.flush(60)
        arrived.clear()
        unique = len({value for _, value in payloads})  # a duplicate event has the same bytes
        _collect(out, arrived, unique, 300)
        span = time.monotonic() - started
        cpu = sum(_cpu_seconds(p.pid) for p in procs) - cpu0
        done = len(payloads) if len(arrived) == unique else len(arrived)
        result = PeerResult(
            peer,
            events_per_s=round(done / span, 1) if span > 0 else 0.0,
            cpu_ms_per_event=round(1000 * cpu / max(done, 1), 3),
        )
        if len(arrived) < unique:
            result.error = f"{unique - len(arrived)} of {unique} distinct records missing"
        # light load: how long one record takes through the five hops when nothing queues;
        # read while sending, so that each arrival is stamped when it comes
        arrived.clear()
        sent: dict[bytes, int] = {}
        reader = threading.Thread(target=_collect, args=(out, arrived, len(light), 60))
        reader.start()
        t0 = time.monotonic()
        for i, (key, value) in enumerate(light):
            sent[value] = int(time.time() * 1000)
            producer.produce(settings.topic(RAW_EVENTS), value, key)
            producer.flush(10)
            time.sleep(max(0.0, t0 + (i + 1) / LIGHT_RATE - time.monotonic()))
        reader.join()
        ms = sorted(arrived[v] - sent[v] for v in sent if v in arrived)
        if ms:
            result.latency_ms = {
                "p50": float(statistics.median(ms)),
                "p99": float(ms[min(len(ms) - 1, int(len(ms) * 0.99))]),
            }
        return result
    finally:
        out.close()
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def run_peers(
    base: Settings,
    endpoints: Endpoints,
    events: Sequence[RawEvent],
    peers_python: Path | None,
    say: Callable[[str], None] = print,
) -> list[PeerResult]:
    """Every peer in turn on the same records (distinct light-load records per peer)."""
    store = SchemaStore.load()
    serde = Serde(store)
    payloads = [(e.session_id.encode(), serde.encode(e)) for e in events]
    # the peers decode with the writer's schema, as a file (their environment has no Taskline)
    schema = Path(tempfile.mkdtemp(prefix="taskline-peers-")) / "raw_event.avsc"
    schema.write_text(json.dumps(store.latest("raw_event").schema))
    results = []
    for n, peer in enumerate(PEERS):
        # records of their own: a light-load record must not be one that already went through
        def fresh(event: RawEvent, event_id: str) -> tuple[bytes, bytes]:
            renamed = event.model_copy(update={"source_event_id": event_id})
            return event.session_id.encode(), serde.encode(renamed)

        light = [fresh(e, f"light-{n}-{i}") for i, e in enumerate(events[:LIGHT_EVENTS])]
        warmup = fresh(events[0], f"warm-{n}")
        try:
            results.append(
                run_peer(peer, base, endpoints, payloads, light, warmup, peers_python, schema, say)
            )
        except (TasklineError, OSError) as exc:
            results.append(PeerResult(peer, error=str(exc)))
    return results


def report_lines(
    results: Sequence[PeerResult], pipeline: tuple[float, float, float] | None
) -> list[str]:
    """The peers' table, the real pipeline beside it (events/s, CPU ms, idle p50 ms)."""
    lines = [
        f"{'pass-through, 5 hops, one process per hop':<44} events/s   CPU ms/event   "
        "latency p50 / p99 ms"
    ]
    for r in results:
        if r.error and not r.events_per_s:
            lines.append(f"  {r.peer:<42} {'n/a':>8}   ({r.error})")
            continue
        lat = f"{r.latency_ms['p50']:.0f} / {r.latency_ms['p99']:.0f}" if r.latency_ms else "n/a"
        lines.append(
            f"  {r.peer:<42} {r.events_per_s:>8,.0f}   {r.cpu_ms_per_event:>12.3f}   {lat}"
            + (f"   ({r.error})" if r.error else "")
        )
    if pipeline is not None:
        eps, cpu, p50 = pipeline
        lines.append(
            f"  {'the real pipeline (six stages, same run)':<42} {eps:>8,.0f}   {cpu:>12.3f}   "
            f"{p50:.0f} (idle)"
        )
    by = {r.peer: r for r in results if r.events_per_s and not r.error}
    if "taskline" in by and {"faust", "quix"} <= set(by):
        ahead = all(by["taskline"].events_per_s > by[p].events_per_s for p in ("faust", "quix"))
        lines.append(
            "Taskline's runtime vs Faust and Quix Streams: "
            + ("faster than both" if ahead else "NOT faster than both")
        )
    return lines


if __name__ == "__main__":
    sys.exit(hop_main(sys.argv[1], sys.argv[2], sys.argv[3]))
