"""Fault injection: run every stage as its own process under a steady load with duplicates,
SIGKILL and restart random stages (and Redis, and the active executor) at random moments,
roll Redis back to an older copy of its data and wipe it, then prove that nothing was lost or
doubled. Redis runs with docker-compose.yml's persistence (``appendfsync everysec``), so a
killed Redis also loses its last second.

Seeded: the events, the kill schedule and the victims all follow from ``seed``, so a failing
run can be replayed (process timing still varies). Prints ``ALL-EVENTS-ACCOUNTED`` only if

- every published event reached a terminal outcome: a commit, a reply (no task,
  clarification, held) or a dead letter;
- ``audit verify`` passes: one task per source event, one completion per task, contiguous
  versions with a valid hash chain, execution intervals that never overlap, traceability;
- the live SSOT equals a rebuild from ``ssot-writes``, and the completer's chain agrees;
- no dead letter: the load is well-formed, so any would have been caused by the faults.

>>> ChaosRun(ChaosConfig(events=300, kills=8, seed=1), Path("/tmp/chaos")).run()   # doctest: +SKIP
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import redis

from processors.models import DeadLetter, RawEvent, Record, Reply, SsotCommit
from streams.audit.verify import Report, rebuild, verify
from streams.codec.serde import SchemaStore, Serde
from streams.errors import TasklineError
from streams.runtime.embedded import EmbeddedStack, Endpoints
from streams.runtime.kafka import KafkaClients
from streams.runtime.lease import lease_key
from streams.runtime.pipeline import STAGES, chain_store, ssot_store
from streams.runtime.reader import TopicRecord, read_topics
from streams.runtime.topics import ALL_TOPICS, DEAD_LETTERS, REPLIES, SSOT_WRITES, ensure_topics
from streams.runtime.workers import WorkerProcess, worker_env
from streams.sdk.producer import EventProducer
from streams.settings import Settings
from streams.state.ssot_store import SsotStore
from streams.tools.simulate import sample_events


@dataclass(frozen=True)
class ChaosConfig:
    """How hard to shake the pipeline."""

    events: int = 5000
    kills: int = 50
    seed: int = 1
    duplicates: float = 0.2
    rate: float = 250.0  # events per second offered
    drain_timeout_s: float = 180.0
    rollbacks: int = 0  # Redis restarted on a copy of its data 1-3 s old
    wipes: int = 0  # Redis restarted on nothing
    retention: int = 0  # commits per project Redis keeps (0 = the settings'; batches no larger)
    lanes: int = 1  # execution lanes (1: one active executor, the others stand by)
    executors: int = 2  # executor processes

    @property
    def victims(self) -> tuple[str, ...]:
        """What a fault may kill: every stage, every executor process, Redis."""
        extra = tuple(f"executor-{i}" for i in range(2, self.executors + 1))
        return (*STAGES, *extra, "redis")


@dataclass
class ChaosResult:
    """What the run found."""

    published: int = 0
    unique: int = 0
    kills: list[str] = field(default_factory=list)
    unaccounted: list[str] = field(default_factory=list)
    report: Report | None = None
    rebuild_differs: list[str] = field(default_factory=list)
    chain_differs: list[str] = field(default_factory=list)
    dead_letters: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every check passed."""
        return (
            not self.unaccounted
            and self.report is not None
            and self.report.ok
            and not self.rebuild_differs
            and not self.chain_differs
            and not self.dead_letters
        )


class ChaosRun:
    """One seeded chaos run in ``workdir`` (embedded broker and a durable embedded Redis)."""

    def __init__(self, config: ChaosConfig, workdir: Path, *, say: object = print) -> None:
        self.config = config
        self.workdir = workdir
        self.say = say
        tag = uuid.uuid4().hex[:6]
        self.settings = Settings(
            home=workdir,
            topic_prefix=f"chaos{tag}.",
            group_prefix=f"chaos{tag}",
            redis_prefix=f"chaos{tag}",
            partitions=3,
            execution_lanes=config.lanes,
        )
        if config.retention:
            self.settings = self.settings.model_copy(
                update={"ssot_retention": config.retention, "batch_max": config.retention}
            )
        self.serde = Serde(SchemaStore.load())

    def _log(self, message: str) -> None:
        if callable(self.say):
            self.say(f"chaos: {message}")

    def run(self) -> ChaosResult:
        """Load, kill, drain, verify."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        rng = random.Random(self.config.seed)
        stack = EmbeddedStack(self.settings, durable_redis=True, redis_fsync="everysec")
        endpoints = stack.start()
        workers: dict[str, WorkerProcess] = {}
        result = ChaosResult()
        try:
            settings = self.settings.model_copy(
                update={"bootstrap_servers": endpoints.bootstrap_servers}
            )
            ensure_topics(KafkaClients(settings, endpoints.bootstrap_servers).admin(), settings)
            env = worker_env(self.settings, endpoints)
            for stage in STAGES:
                workers[stage] = WorkerProcess(stage, stage, env, self.workdir)
            for i in range(2, self.config.executors + 1):
                workers[f"executor-{i}"] = WorkerProcess(
                    f"executor-{i}", "executor", env, self.workdir
                )
            for w in workers.values():
                w.start()
            time.sleep(4)  # group joins (half the session timeout on the embedded broker)
            events = sample_events(
                self.config.events,
                seed=self.config.seed,
                start=datetime.now(UTC),
                duplicates=self.config.duplicates,
            )
            result.published = len(events)
            result.unique = len({e.source_event_id for e in events})
            load = threading.Thread(
                target=self._load, args=(settings, endpoints, events), daemon=True
            )
            load.start()
            duration = max(len(events) / self.config.rate, 5.0)
            faults = [rng.choice(self.config.victims) for _ in range(self.config.kills)]
            faults += ["redis-rollback"] * self.config.rollbacks
            faults += ["redis-wipe"] * self.config.wipes
            rng.shuffle(faults)
            snapshots = _Snapshots(stack, self.workdir / "redis-copies")
            snapshots.start()
            for n, victim in enumerate(faults):
                time.sleep(rng.uniform(0.2, 2 * duration / max(len(faults), 1)))
                # half the executor kills hit the one holding the lease (with lanes: a lane)
                laned = self.config.lanes > 1 and victim.startswith("executor")
                if (victim == "executor" or laned) and rng.random() < 0.5:
                    victim = self._active_executor(endpoints, workers, rng) or victim
                result.kills.append(victim)
                self._log(f"fault {n + 1}/{len(faults)}: {victim}")
                if victim == "redis":
                    stack.kill_redis()
                    time.sleep(rng.uniform(0.1, 1.0))
                    stack.start_redis_again()
                elif victim == "redis-rollback":
                    snapshots.restore(older_than_s=rng.uniform(1.0, 3.0))
                elif victim == "redis-wipe":
                    snapshots.wipe()
                else:
                    workers[victim].kill()
                    time.sleep(rng.uniform(0.0, 1.0))
                    workers[victim].start()
            snapshots.stop()
            load.join()
            self._log(f"published {result.published} events ({result.unique} unique); draining")
            result.unaccounted = self._drain(settings, endpoints, events)
            for w in workers.values():
                w.stop()
            self._verify(settings, endpoints, result)
        finally:
            for w in workers.values():
                w.kill()
            stack.stop()
        return result

    def _active_executor(
        self, endpoints: Endpoints, workers: dict[str, WorkerProcess], rng: random.Random
    ) -> str | None:
        """The executor holding the lease, or with lanes the one holding a random lane."""
        client = redis.Redis.from_url(endpoints.redis_url, socket_timeout=2)
        key = lease_key(self.settings.redis_prefix, "executor")
        if self.config.lanes > 1:
            key = f"{key}:lane:{rng.randrange(self.config.lanes)}"
        try:
            owner = client.get(key)
        except redis.RedisError:
            return None
        finally:
            client.close()
        if not owner:
            return None
        text = owner.decode() if isinstance(owner, bytes) else str(owner)
        pid = int(text.split("-")[1])
        return next(
            (n for n, w in workers.items() if w.proc is not None and w.proc.pid == pid), None
        )

    def _load(self, settings: Settings, endpoints: Endpoints, events: list[RawEvent]) -> None:
        producer = EventProducer(settings, endpoints.bootstrap_servers, self.serde)
        batch = max(int(self.config.rate / 10), 1)
        for i in range(0, len(events), batch):
            started = time.monotonic()
            producer.send_many(events[i : i + batch])
            time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))

    def _outcomes(self, settings: Settings, endpoints: Endpoints) -> set[str]:
        done: set[str] = set()
        for rec in read_topics(
            settings, endpoints.bootstrap_servers, [SSOT_WRITES, REPLIES, DEAD_LETTERS], idle_s=1.0
        ):
            try:
                value: Record = self.serde.decode_any(rec.value)
                if isinstance(value, DeadLetter):
                    value = self.serde.decode_any(value.original)
            except TasklineError:
                continue
            if (
                isinstance(value, SsotCommit)
                or (isinstance(value, Reply) and value.kind != "result")
                or (hasattr(value, "source_event_id") and rec.topic == DEAD_LETTERS)
            ):
                done.add(value.source_event_id)
        return done

    def _drain(self, settings: Settings, endpoints: Endpoints, events: list[RawEvent]) -> list[str]:
        wanted = {e.source_event_id for e in events}
        deadline = time.monotonic() + self.config.drain_timeout_s
        missing = sorted(wanted)
        while time.monotonic() < deadline:
            missing = sorted(wanted - self._outcomes(settings, endpoints))
            self._log(f"{len(wanted) - len(missing)}/{len(wanted)} events accounted")
            if not missing:
                break
            time.sleep(2)
        return missing

    def _verify(self, settings: Settings, endpoints: Endpoints, result: ChaosResult) -> None:
        records: list[TopicRecord] = list(
            read_topics(settings, endpoints.bootstrap_servers, ALL_TOPICS, idle_s=1.5)
        )
        result.report = verify(records, self.serde)
        for rec in records:
            if rec.topic == DEAD_LETTERS:
                letter = self.serde.decode(rec.value, DeadLetter)
                result.dead_letters.append(f"{letter.stage}: {letter.reason[:200]}")
        client = redis.Redis.from_url(endpoints.redis_url, socket_timeout=10)
        try:
            fresh = SsotStore(client, f"{settings.redis_prefix}:chaos-rebuild")
            live = ssot_store(settings, client)
            rows = rebuild([r for r in records if r.topic == SSOT_WRITES], self.serde, fresh, live)
            result.rebuild_differs = [
                f"{r.project_id}: rebuilt {r.rebuilt} live {r.live}" for r in rows if not r.matches
            ]
            chain = chain_store(settings, client)
            for project in live.projects():
                a, b = chain.head(project), live.head(project)
                if (a.version, a.hash) != (b.version, b.hash):
                    result.chain_differs.append(f"{project}: chain v{a.version} ssot v{b.version}")
            fresh.drop()
        finally:
            client.close()


def report_lines(result: ChaosResult) -> list[str]:
    """The run's verdict, ending with ALL-EVENTS-ACCOUNTED when it holds."""
    lines = [
        f"published {result.published} events ({result.unique} unique), "
        f"{len(result.kills)} kills: "
        + ", ".join(f"{v} x{result.kills.count(v)}" for v in sorted(set(result.kills)))
    ]
    if result.report is not None:
        lines += result.report.lines()
    lines += [f"UNACCOUNTED {e}" for e in result.unaccounted[:50]]
    lines += [f"REBUILD DIFFERS {d}" for d in result.rebuild_differs]
    lines += [f"CHAIN DIFFERS {d}" for d in result.chain_differs]
    lines += [f"DEAD LETTER {d}" for d in result.dead_letters[:20]]
    lines.append("ALL-EVENTS-ACCOUNTED" if result.ok else "CHAOS RUN FAILED")
    return lines


class _Snapshots:
    """Copies of the embedded Redis's append-only file, one every half second, so that a
    fault can restart Redis on its data as it was a few seconds ago."""

    def __init__(self, stack: EmbeddedStack, directory: Path) -> None:
        self.stack, self.directory = stack, directory
        self.copies: list[tuple[float, Path]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="redis-copies", daemon=True)

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        n = 0
        while not self._stop.wait(0.5):
            path = self.directory / f"aof-{n % 16}"
            with self._lock:
                try:
                    self.stack.snapshot_redis(path)
                except OSError:
                    continue  # Redis is being restarted
                self.copies = [(t, p) for t, p in self.copies if p != path]
                self.copies.append((time.monotonic(), path))
            n += 1

    def restore(self, older_than_s: float) -> None:
        with self._lock:
            now = time.monotonic()
            old = [p for t, p in self.copies if now - t >= older_than_s]
            chosen = old[-1] if old else None
            self.stack.restore_redis(chosen)  # none old enough: a wipe
            self.copies = []

    def wipe(self) -> None:
        with self._lock:
            self.stack.restore_redis(None)
            self.copies = []
