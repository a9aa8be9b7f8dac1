"""Benchmark: `audit verify` over 100,000+ records, from an archive and from live topics.

Baseline, measured in the same run on the same records: reading and Avro-decoding every record
with no checks (what any verifier must do at least). Run with ``make bench-audit``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

from streams.audit.archive import export_topics, read_archive
from streams.audit.verify import verify
from streams.codec.serde import SchemaStore, Serde
from streams.errors import TasklineError
from streams.runtime.embedded import EmbeddedStack
from streams.runtime.kafka import KafkaClients
from streams.runtime.reader import TopicRecord, read_topics
from streams.runtime.topics import ALL_TOPICS, ensure_topics
from streams.settings import Settings
from streams.tools.simulate import simulate


def decode_all(records: Iterable[TopicRecord], serde: Serde) -> int:
    n = 0
    for rec in records:
        with contextlib.suppress(TasklineError):
            serde.read_fields(rec.value)
        n += 1
    return n


def timed(label: str, fn: object) -> tuple[str, int, float]:
    start = time.perf_counter()
    n = fn()  # type: ignore[operator]
    return label, n, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--no-live", action="store_true", help="skip the live-topic run")
    args = parser.parse_args()

    serde = Serde(SchemaStore.load())
    events = int(args.records / 4.68) + 1  # the simulated mix writes ~4.7 records per event
    t0 = time.perf_counter()
    history = simulate(events, seed=42)
    took = time.perf_counter() - t0
    print(f"simulated {len(history):,} records from {events:,} events in {took:.1f}s")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "archive"
        export_topics(history, archive, serde.store)
        rows.append(
            timed(
                "archive: read + decode (baseline)",
                lambda: decode_all(read_archive(archive), serde),
            )
        )
        rows.append(
            timed("archive: audit verify", lambda: verify(read_archive(archive), serde).records)
        )
        report = verify(read_archive(archive), serde)
        assert report.ok, report.lines()[:20]
        if not args.no_live:
            settings = Settings(
                home=Path(tmp) / "home", topic_prefix=f"bench-{uuid.uuid4().hex[:6]}."
            )
            with EmbeddedStack(settings) as endpoints:
                settings = settings.model_copy(
                    update={"bootstrap_servers": endpoints.bootstrap_servers}
                )
                clients = KafkaClients(settings, endpoints.bootstrap_servers)
                ensure_topics(clients.admin(), settings)
                producer = clients.producer("event-producer", {"linger.ms": 20})
                for rec in history:
                    while True:
                        try:
                            producer.produce(settings.topic(rec.topic), rec.value, rec.key)
                            break
                        except BufferError:  # the local queue is full: let deliveries drain
                            producer.poll(0.05)
                    producer.poll(0)
                producer.flush(60)
                idle = 1.0

                def live_decode() -> int:
                    return decode_all(
                        read_topics(settings, endpoints.bootstrap_servers, ALL_TOPICS, idle_s=idle),
                        serde,
                    )

                def live_verify() -> int:
                    return verify(
                        read_topics(settings, endpoints.bootstrap_servers, ALL_TOPICS, idle_s=idle),
                        serde,
                    ).records

                for label, fn in (
                    ("live: read + decode (baseline)", live_decode),
                    ("live: audit verify", live_verify),
                ):
                    name, n, secs = timed(label, fn)
                    rows.append((name, n, secs - idle))  # the idle wait that ends a live read
    print(f"{'run':<36} {'records':>9} {'seconds':>8} {'records/s':>11} {'vs baseline':>11}")
    baseline = {}
    for label, n, secs in rows:
        rate = n / secs
        kind = label.split(":")[0]
        if "baseline" in label:
            baseline[kind] = rate
        ratio = rate / baseline[kind] if kind in baseline else 1.0
        print(f"{label:<36} {n:>9,} {secs:>8.2f} {rate:>11,.0f} {ratio:>10.2f}x")
    worst = min(n / s for label, n, s in rows if "verify" in label)
    target = 20_000
    verdict = "met" if worst >= target else "NOT met"
    print(f"slowest verify: {worst:,.0f} records/s (target {target:,}): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
