"""Reading whole topics: the record type audits, rebuilds and exports work on.

The embedded broker reports wrong end offsets, so a topic is read from the beginning until no
record arrived for ``idle_s`` seconds, never "up to the high watermark".

>>> for rec in read_topics(settings, bootstrap, ["ssot-writes"]):   # doctest: +SKIP
...     print(rec.topic, rec.partition, rec.offset)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from streams.errors import UsageError
from streams.runtime.kafka import KafkaClients
from streams.settings import Settings


@dataclass(frozen=True)
class TopicRecord:
    """One record of a topic, as stored: logical topic name, coordinates, key and bytes."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes

    @property
    def where(self) -> str:
        """``topic[partition]@offset``, how reports name a record."""
        return f"{self.topic}[{self.partition}]@{self.offset}"


def read_topics(
    settings: Settings,
    bootstrap_servers: str,
    topics: Sequence[str],
    *,
    idle_s: float = 1.0,
    on_record: Callable[[int], None] | None = None,
) -> Iterator[TopicRecord]:
    """Every record of the logical ``topics`` from the beginning, until ``idle_s`` of quiet."""
    clients = KafkaClients(settings, bootstrap_servers)
    admin = clients.admin()
    names = {settings.topic(t): t for t in topics}
    metadata = admin.list_topics(timeout=10).topics
    assignment = []
    for name in names:
        info = metadata.get(name)
        if info is None or info.error is not None:
            raise UsageError(f"topic {name!r} does not exist")
        assignment += [TopicPartition(name, p, OFFSET_BEGINNING) for p in info.partitions]
    consumer = clients.consumer("reader")
    consumer.assign(assignment)
    count = 0
    last = time.monotonic()
    try:
        while time.monotonic() - last < idle_s:
            batch = consumer.consume(1000, 0.1)
            for msg in batch:
                if msg.error() is not None:
                    continue
                last = time.monotonic()
                count += 1
                yield TopicRecord(
                    topic=names[msg.topic() or ""],
                    partition=msg.partition() or 0,
                    offset=msg.offset() or 0,
                    timestamp_ms=msg.timestamp()[1],
                    key=msg.key(),
                    value=msg.value() or b"",
                )
            if on_record is not None and batch:
                on_record(count)
    finally:
        consumer.close()
