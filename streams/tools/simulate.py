"""An in-memory run of the stages' logic that yields the topic records the pipeline would
write: realistic histories for benchmarks and for tests of the audit tools, without a broker.

>>> records = simulate(100, seed=1)
>>> sorted({r.topic for r in records})[:3]
['executed', 'formed', 'raw-events']
"""

from __future__ import annotations

import random
import zlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from processors.completer import plan_commit
from processors.executor import Executor, Snapshot
from processors.former import Former
from processors.models import PatchOp, RawEvent, Record
from processors.router import Calibration, ProjectRegistry, Router
from processors.scheduler import schedule
from processors.ssot import LEDGER_PROJECT, Head
from streams.codec.serde import SchemaStore, Serde
from streams.runtime.pipeline import read_packs
from streams.runtime.reader import TopicRecord
from streams.runtime.topics import (
    EXECUTED,
    FORMED,
    RAW_EVENTS,
    REPLIES,
    ROUTED,
    SCHEDULED,
    SSOT_WRITES,
)
from streams.settings import DATA_DIR

_PROJECTS = ("apollo", "atlas", "helios", "orion")
_WORDS = ("release", "warehouse", "campaign", "invoice", "build", "inventory", "budget", "payroll")


def sample_events(n: int, *, seed: int, start: datetime, duplicates: float = 0.2) -> list[RawEvent]:
    """``n`` events: a mix of set-commands, questions, proposals and chit-chat, with repeats."""
    rng = random.Random(seed)
    unique: list[RawEvent] = []
    out: list[RawEvent] = []
    for i in range(n):
        if unique and rng.random() < duplicates:
            out.append(rng.choice(unique))
            continue
        project, word = rng.choice(_PROJECTS), rng.choice(_WORDS)
        common = {
            "source_event_id": f"sim-{seed}-{i}",
            "session_id": f"session-{rng.randrange(50)}",
            "channel": rng.choice(("voice", "chat")),
            "occurred_at": start + timedelta(milliseconds=i),
            "metadata": {"locale": "en-GB", "device": rng.choice(("car", "phone", "web"))},
        }
        roll = rng.random()
        if roll < 0.1:
            event = RawEvent(kind="user_action", text="thanks, that is all", **common)
        elif roll < 0.45:
            text = f"set the {project} {word} field {rng.randrange(40)} to value {i}"
            event = RawEvent(kind="user_action", text=text, **common)
        elif roll < 0.6:
            value = {"n": i, "note": "x" * 200}
            patch = [PatchOp.from_rfc({"op": "add", "path": f"/proposal_{i % 97}", "value": value})]
            event = RawEvent(
                kind="model_proposal",
                text=f"proposal {i} for {project}",
                project_hint=project,
                proposal=patch,
                **common,
            )
        else:
            text = f"summarize the {project} {word} status " + "please " * 20
            event = RawEvent(kind="user_action", text=text, **common)
        unique.append(event)
        out.append(event)
    return out


def simulate(
    n_events: int, *, seed: int = 0, partitions: int = 4, duplicates: float = 0.2
) -> list[TopicRecord]:
    """The records of every topic for ``n_events`` published events, in write order."""
    serde = Serde(SchemaStore.load())
    registry = ProjectRegistry.from_json((DATA_DIR / "projects.json").read_text())
    packs = read_packs(DATA_DIR / "packs")
    calibration = Calibration.from_json((DATA_DIR / "calibration.json").read_text())
    router = Router(registry, packs, calibration=calibration)
    former = Former(registry, packs, min_confidence=0.5)
    clock = datetime(2026, 1, 1, tzinfo=UTC)
    tick = [0]

    def now() -> datetime:
        tick[0] += 1
        return clock + timedelta(microseconds=250 * tick[0])

    executor = Executor("sim", clock=now)
    offsets: dict[tuple[str, int], int] = defaultdict(int)
    out: list[TopicRecord] = []
    heads: dict[str, Head] = {}
    seen: set[str] = set()

    def emit(topic: str, key: str, record: Record) -> None:
        partition = 0 if topic == SCHEDULED else zlib.crc32(key.encode()) % partitions
        offset = offsets[(topic, partition)]
        offsets[(topic, partition)] += 1
        ts = int(now().timestamp() * 1000)
        out.append(TopicRecord(topic, partition, offset, ts, key.encode(), serde.encode(record)))

    for event in sample_events(n_events, seed=seed, start=clock, duplicates=duplicates):
        emit(RAW_EVENTS, event.session_id, event)
        if event.source_event_id in seen:
            continue  # the router's dedup
        seen.add(event.source_event_id)
        routed = router.route(event, now())
        emit(ROUTED, event.session_id, routed)
        formation = former.form(routed, now())
        if formation.reply is not None:
            emit(REPLIES, event.session_id, formation.reply)
        task = formation.task
        if task is None:
            continue
        emit(FORMED, task.project_id or task.task_id, task)
        chain = task.project_id or LEDGER_PROJECT
        head = heads.get(chain) or Head.genesis(chain)
        # serial and in step with the SSOT: every task sees its project's latest commit
        snapshot = Snapshot(task.project_id, head.version, head.state, lattice=head.lattice)
        if task.project_id is None:
            snapshot = Snapshot(None, 0, {})
        scheduled = schedule(task, snapshot_version=snapshot.version, now=now())
        emit(SCHEDULED, task.task_id, scheduled)
        result = executor.execute(scheduled, snapshot)
        emit(EXECUTED, chain, result)
        commit, heads[chain] = plan_commit(result, head, changed_paths=set(), now=now())
        emit(SSOT_WRITES, commit.project_id, commit)
    return out
