"""Micro-benchmarks (not timed tests): Avro encode/decode per record type, dedup per event
(batched), routing per event, SSOT commit apply, and the serial executor on trivial tasks.
Each figure is the median of 5 rounds. Run with ``make bench-micro``.
"""

from __future__ import annotations

import copy
import functools
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

from processors.completer import plan_commit
from processors.executor import Executor, Snapshot
from processors.jsonpatch import apply_patch, canonical_json
from processors.models import ExecutionResult
from processors.scheduler import schedule
from processors.ssot import Head
from processors.statehash import Lattice
from streams.codec.serde import SchemaStore, Serde
from streams.runtime.embedded import EmbeddedStack
from streams.runtime.pipeline import build_router
from streams.settings import Settings
from streams.state.dedup import Deduplicator
from streams.state.ssot_store import SsotStore
from streams.tools.simulate import sample_events
from tests import samples


def per_op(fn: Callable[[], int], rounds: int = 5) -> float:
    """Median microseconds per operation; ``fn`` returns how many operations it did."""
    results = []
    for _ in range(rounds):
        start = time.perf_counter()
        n = fn()
        results.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(results)


def main() -> int:
    store = SchemaStore.load()
    serde, reference = Serde(store), Serde(store, fast=False)
    rows: list[tuple[str, float, str]] = []
    for record in samples.ALL:
        data = serde.encode(record)
        name = type(record).__name__
        for codec, how in ((serde, ""), (reference, " (fastavro alone)")):
            rows.append(
                (
                    f"encode {name}{how}",
                    per_op(lambda r=record, c=codec: [c.encode(r) for _ in range(2000)] and 2000),
                    f"{len(data)} B",
                )
            )
            rows.append(
                (
                    f"decode {name}{how}",
                    per_op(
                        lambda d=data, t=record.__class__, c=codec: (
                            [c.decode(d, t) for _ in range(2000)] and 2000
                        )
                    ),
                    "",
                )
            )
    events = sample_events(1000, seed=1, start=datetime.now(UTC), duplicates=0.0)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp), bootstrap_servers="127.0.0.1:1")
        router = build_router(settings)
        now = datetime.now(UTC)
        rows.append(
            (
                "route (7 projects, packs)",
                per_op(lambda: [router.route(e, now) for e in events] and len(events)),
                "",
            )
        )
        with EmbeddedStack(settings) as endpoints:
            client = redis.Redis.from_url(endpoints.redis_url)
            dedup = Deduplicator(client, f"bench:{uuid.uuid4().hex}", window_s=600, tombstones=None)
            ids = [(f"e-{i}", f"raw/0/{i}") for i in range(500)]
            rows.append(
                (
                    "dedup per event (batches of 500)",
                    per_op(lambda: len(dedup.claim(ids))),
                    "one round trip a batch",
                )
            )
            task = samples.STATEFUL
            executor = Executor("bench")
            scheduled = schedule(task, snapshot_version=0, now=now)

            def execute() -> int:
                for _ in range(2000):
                    executor.execute(scheduled, Snapshot("apollo", 0, {}))
                return 2000

            rows.append(("executor: trivial stateful task", per_op(execute), "strictly serial"))
            result: ExecutionResult = executor.execute(scheduled, Snapshot("apollo", 0, {}))

            def commits() -> int:
                store = SsotStore(client, f"bench:{uuid.uuid4().hex}")
                head = Head.genesis("apollo")
                for _ in range(300):
                    commit, head = plan_commit(
                        result.model_copy(update={"snapshot_version": head.version}),
                        head,
                        changed_paths=set(),
                        now=now,
                    )
                    store.apply(commit, head)
                return 300

            rows.append(
                (
                    "SSOT commit plan + apply (Lua CAS)",
                    per_op(commits, rounds=3),
                    "one round trip each",
                )
            )
            client.close()
    rows += commit_texts()
    rows += commit_hashes()
    print(f"{'micro-benchmark':<40} {'µs/op':>9}  note")
    for name, us, note in rows:
        print(f"{name:<40} {us:>9.1f}  {note}")
    return 0


def commit_texts() -> list[tuple[str, float, str]]:
    """A commit's new state and its canonical JSON three ways, on four state shapes: the head's
    CanonicalCache after a copy-on-write patch (what the completer and ssot do), copy-on-write
    plus a full dump, and the deep copy plus full dump that came before (the baseline)."""
    rooms = {
        "rooms": {
            f"room{i}": {"lights": [{"on": False, "level": 10}], "temp": 20, "name": f"Room {i}"}
            for i in range(2000)
        },
        "log": list(range(100)),
    }
    tasks = {
        p: {"tasks": {f"t{i}": {"title": f"task {i}", "status": "open"} for i in range(3000)}}
        for p in ("p1", "p2")
    }
    shapes: list[tuple[str, dict[str, Any], Callable[[int], list[dict[str, Any]]]]] = [
        (
            "2,000 rooms",
            rooms,
            lambda i: [{"op": "replace", "path": f"/rooms/room{i % 2000}/temp", "value": i}],
        ),
        (
            "two trackers, 3,000 tasks each",
            tasks,
            lambda i: [
                {
                    "op": "replace",
                    "path": f"/p{1 + i % 2}/tasks/t{i % 3000}/status",
                    "value": "done",
                }
            ],
        ),
        (
            "5,000 flat members",
            {f"k{i}": i for i in range(5000)},
            lambda i: [{"op": "replace", "path": f"/k{i % 5000}", "value": -i}],
        ),
        (
            "a list of 20,000 numbers",
            {"xs": list(range(20000))},
            lambda i: [{"op": "add", "path": "/xs/-", "value": i}],
        ),
    ]
    rows = []
    for name, state, patch_of in shapes:

        def cached(state: dict[str, Any] = state, patch_of: Any = patch_of) -> int:
            head = Head("p", 0, "", state)
            for i in range(100):
                new, text, canon = head.after(patch_of(i))
                head = Head("p", i + 1, "", new, text, canon)
            return 100

        def full(state: dict[str, Any] = state, patch_of: Any = patch_of, cow: bool = True) -> int:
            for i in range(100):
                before = state if cow else copy.deepcopy(state)
                state = apply_patch(before, patch_of(i), in_place=not cow)
                canonical_json(state)
            return 100

        new_us = per_op(cached, rounds=3)
        cow_us = per_op(full, rounds=3)
        old_us = per_op(lambda s=state, p=patch_of: full(s, p, cow=False), rounds=3)
        rows.append(
            (
                f"commit text, {name}",
                new_us,
                f"copy-on-write + full dump {cow_us:.0f}, deep copy + full dump {old_us:.0f}",
            )
        )
    return rows


def commit_hashes(batch: int = 100) -> list[tuple[str, float, str]]:
    """A commit's next head and state hash at grown states, by hash version: 2 (the state's
    text dumped at every commit and hashed whole with SHA-256) against 3 (the lattice updated
    from what the patch wrote, the text dumped once per ``batch`` commits, when the stages
    store a batch's last head). The baseline is version 2 in the same run."""
    tracker = {
        "tickets": {
            f"T-{i}": {"title": f"ticket {i} about the login page", "status": "open", "n": i}
            for i in range(3000)
        }
    }
    flat = {f"request_{i}": {"text": f"request {i}", "status": "requested"} for i in range(3000)}
    shapes: list[tuple[str, dict[str, Any], Callable[[int], list[dict[str, Any]]]]] = [
        (
            "a tracker of 3,000 tickets",
            tracker,
            lambda i: [{"op": "replace", "path": f"/tickets/T-{i % 3000}/status", "value": "done"}],
        ),
        (
            "3,000 top-level requests",
            flat,
            lambda i: [{"op": "add", "path": f"/request_n{i}", "value": {"text": "new"}}],
        ),
    ]
    rows = []
    for name, state, patch_of in shapes:
        size = len(canonical_json(state)) // 1000

        text, lattice = canonical_json(state), Lattice.of(state)  # (a stored head has both)

        def chain(
            version: int,
            state: dict[str, Any] = state,
            patch_of: Any = patch_of,
            text: str = text,
            lattice: Lattice = lattice,
        ) -> int:
            head = Head("p", 0, "", state, text, lattice=lattice)
            for i in range(300):
                new, dumped, canon, next_ = head.successor(patch_of(i), version)
                head = next_.head("p", i + 1, "", new, dumped, canon)
                if i % batch == batch - 1:
                    head.canonical_bytes()  # stored: once per batch
            return 300

        def hashed_whole(state: dict[str, Any] = state) -> int:
            Lattice.of(state)
            return 1

        v2 = per_op(functools.partial(chain, 2), rounds=3)
        v3 = per_op(functools.partial(chain, 3), rounds=3)
        whole = per_op(hashed_whole, rounds=3)
        rows.append(
            (
                f"commit + state hash v3, {name}",
                v3,
                f"{size} KB state; v2 (SHA-256 of the whole) {v2:.0f} in the same run "
                f"({v2 / v3:.1f}x); hashing the state whole into a lattice {whole / 1000:.0f} ms",
            )
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
