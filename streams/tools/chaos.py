"""Fault injection: run every stage as its own process under a steady load with duplicates,
SIGKILL and restart random stages (and Redis, and the active executor) at random moments,
then prove that nothing was lost or doubled.

Seeded: the events, the kill schedule and the victims all follow from ``seed``, so a failing
run can be replayed (process timing still varies). Prints ``ALL-EVENTS-ACCOUNTED`` only if

- every published event reached a terminal outcome: a commit, a reply (no task,
  clarification, held) or a dead letter;
- ``audit verify`` passes: one task per source event, one completion per task, contiguous
  versions with a valid hash chain, execution intervals that never overlap, traceability;
- the live SSOT equals a rebuild from ``ssot-writes``, and the completer's chain agrees.

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

VICTIMS = (*STAGES, "executor-standby", "redis")


@dataclass(frozen=True)
class ChaosConfig:
    """How hard to shake the pipeline."""

    events: int = 5000
    kills: int = 50
    seed: int = 1
    duplicates: float = 0.2
    rate: float = 250.0  # events per second offered
    drain_timeout_s: float = 180.0


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

    @property
    def ok(self) -> bool:
        """Every check passed."""
        return (
            not self.unaccounted
            and self.report is not None
            and self.report.ok
            and not self.rebuild_differs
            and not self.chain_differs
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
        )
        self.serde = Serde(SchemaStore.load())

    def _log(self, message: str) -> None:
        if callable(self.say):
            self.say(f"chaos: {message}")

    def run(self) -> ChaosResult:
        """Load, kill, drain, verify."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        rng = random.Random(self.config.seed)
        stack = EmbeddedStack(self.settings, durable_redis=True)
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
            workers["executor-standby"] = WorkerProcess(
                "executor-standby", "executor", env, self.workdir
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
            for n in range(self.config.kills):
                time.sleep(rng.uniform(0.2, 2 * duration / max(self.config.kills, 1)))
                victim = rng.choice(VICTIMS)
                if victim == "executor" and rng.random() < 0.5:
                    victim = self._active_executor(endpoints, workers) or victim
                result.kills.append(victim)
                self._log(f"kill {n + 1}/{self.config.kills}: {victim}")
                if victim == "redis":
                    stack.kill_redis()
                    time.sleep(rng.uniform(0.1, 1.0))
                    stack.start_redis_again()
                else:
                    workers[victim].kill()
                    time.sleep(rng.uniform(0.0, 1.0))
                    workers[victim].start()
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
        self, endpoints: Endpoints, workers: dict[str, WorkerProcess]
    ) -> str | None:
        client = redis.Redis.from_url(endpoints.redis_url, socket_timeout=2)
        try:
            owner = client.get(lease_key(self.settings.redis_prefix, "executor"))
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
    lines.append("ALL-EVENTS-ACCOUNTED" if result.ok else "CHAOS RUN FAILED")
    return lines
