"""Benchmark: what Redis holds per event, by key family, and what that means at a rate.

Runs simulated voice/chat traffic (30% duplicates) through the whole pipeline on the embedded
stack, then measures every key the run left (``MEMORY USAGE``, per family), per unique event.
Baseline, measured in the same run: the bytes the same events take on ``raw-events`` (what
any system must at least store once). The projection multiplies each family's bytes per event
by how long that family lives under the given settings (the dedup window, the tombstone
window, the retention) at ``--rate`` events/s. Run with ``make bench-redis``.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import redis

from streams.codec.serde import SchemaStore, Serde
from streams.runtime.embedded import EmbeddedStack
from streams.runtime.pipeline import Pipeline
from streams.sdk.producer import EventProducer
from streams.settings import Settings
from streams.tools.simulate import sample_events

# family → (pattern after the prefix, what bounds it)
FAMILIES: list[tuple[str, str, str]] = [
    ("dedup claims", r"^\{P:dedup\}:", "dedup_window_s"),
    ("task claims", r"^\{P:tasks\}:", "task_claim_window_s"),
    ("executor results", r"^\{P:executor\}:result:", "result_window_s"),
    ("executor checkpoints", r"^\{P:executor\}:progress:", "result_window_s"),
    ("tombstones (chain)", r"^\{P:chain\}:events", "tombstone_window_s"),
    ("tombstones (ssot)", r"^\{P:ssot\}:events", "tombstone_window_s"),
    ("commit logs + index (chain)", r"^\{P:chain\}:(log|commits)", "ssot_retention/project"),
    ("commit logs + index (ssot)", r"^\{P:ssot\}:(log|commits)", "ssot_retention/project"),
    ("heads (state)", r"^\{P:(chain|ssot)\}:(head|projects)", "one per project"),
    ("scheduler book", r"^\{P:scheduler\}:", "tasks in flight"),
    ("leases", r"^\{P:[a-z]+\}:lease", "one per stage"),
    ("session hints", r"^P:session:", "session_hint_ttl_s"),
]


def family_of(key: str, prefix: str) -> str:
    for name, pattern, _ in FAMILIES:
        if re.search(pattern.replace("P", re.escape(prefix)), key):
            return name
    return "other"


def _entries(client: redis.Redis, key: bytes) -> int:
    """Members of a hash, list or set; 1 for a string."""
    kind = client.type(key).decode()
    size = {"hash": client.hlen, "list": client.llen, "set": client.scard}.get(kind)
    return int(size(key)) if size else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--rate", type=float, default=2000.0, help="events/s to project to")
    args = parser.parse_args()

    tag = uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings(home=Path(tmp), metrics_port=-1)
        stack = EmbeddedStack(base)
        endpoints = stack.start()
        try:
            settings = base.model_copy(
                update={
                    "topic_prefix": f"size{tag}.",
                    "group_prefix": f"size{tag}",
                    "redis_prefix": f"size{tag}",
                }
            )
            events = sample_events(args.events, seed=5, start=datetime.now(UTC), duplicates=0.3)
            unique = len({e.source_event_id for e in events})
            serde = Serde(SchemaStore.load())
            raw_bytes = sum(len(serde.encode(e)) for e in events)
            pipeline = Pipeline(settings, endpoints)
            pipeline.start()
            try:
                if not pipeline.wait_ready(60):
                    raise SystemExit("redis_sizing: the stages did not start")
                EventProducer(settings, endpoints.bootstrap_servers, serde).send_many(events)
                last, quiet = -1, time.monotonic()
                while time.monotonic() - quiet < 5:
                    n = pipeline.runner("ssot").stats.records_in
                    if n != last or pipeline.runner("router").stats.records_in < len(events):
                        last, quiet = n, time.monotonic()
                    time.sleep(0.2)
                projects = len(pipeline.runner("completer").handler.chain.projects())  # type: ignore[attr-defined]
                sizes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
                client = pipeline.redis
                for pattern in (f"{settings.redis_prefix}:*", f"{{{settings.redis_prefix}:*"):
                    for key in client.scan_iter(pattern, count=1000):
                        name = family_of(key.decode(), settings.redis_prefix)
                        sizes[name][0] += _entries(client, key)
                        sizes[name][1] += int(client.memory_usage(key, samples=0) or 0)
            finally:
                pipeline.stop()
        finally:
            stack.stop()

    lifetime = {
        "dedup_window_s": settings.dedup_window_s,
        "result_window_s": settings.result_window_s,
        "task_claim_window_s": settings.task_claim_window_s,
        "tombstone_window_s": settings.tombstone_window_s,
    }
    print(
        f"{len(events)} events ({unique} unique) over {projects} projects; "
        f"raw-events baseline {raw_bytes / len(events):.0f} B/event"
    )
    print(f"{'family':<30}{'entries/event':>14}{'B/event':>9}  {'bound':<22} at {args.rate:,.0f}/s")
    total = 0.0
    for name, _, bound in [*FAMILIES, ("other", "", "?")]:
        keys, size = sizes.get(name, [0, 0])
        if not keys:
            continue
        per_event = size / unique
        seconds = lifetime.get(bound)
        if seconds:
            steady = per_event * args.rate * seconds
            total += steady
            at_rate = f"{steady / 2**30:,.2f} GiB ({seconds / 3600:g} h)"
        elif bound.startswith("ssot_retention"):
            per_commit = size / max(last, 1)
            steady = per_commit * settings.ssot_retention * projects
            total += steady
            at_rate = f"{steady / 2**20:,.1f} MiB ({settings.ssot_retention} x {projects} proj.)"
        else:
            at_rate = "constant"
        print(f"{name:<30}{keys / unique:>14.3f}{per_event:>9.0f}  {bound:<22} {at_rate}")
    print(f"steady state at {args.rate:,.0f} events/s with these windows: {total / 2**30:,.1f} GiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
