"""Reading whole topics: the record type audits, rebuilds, exports and recovery work on.

The embedded broker reports wrong end offsets, so a topic is read from the beginning until no
record arrived for ``idle_s`` seconds, never "up to the high watermark".

>>> for rec in read_topics(settings, bootstrap, ["ssot-writes"]):   # doctest: +SKIP
...     print(rec.topic, rec.partition, rec.offset)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, KafkaException, TopicPartition

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


_TARGET_WAIT_S = 30.0


def read_topics(
    settings: Settings,
    bootstrap_servers: str,
    topics: Sequence[str],
    *,
    idle_s: float = 1.0,
    on_record: Callable[[int], None] | None = None,
    groups: Sequence[str] | Mapping[str, Sequence[str]] = (),
) -> Iterator[TopicRecord]:
    """Every record of the logical ``topics`` from the beginning, until ``idle_s`` of quiet.

    Quiet counts only once every partition answered a first fetch (librdkafka then caches its
    watermarks) and was read up to the offsets the consumer ``groups`` (full group ids)
    committed, which cannot lie beyond its end: so a slow first fetch on a busy machine is not
    taken for an empty topic. (The broker's own end offsets are no bound here: the embedded
    broker reports them too small, even 0.) ``groups`` may also map a logical topic to the
    groups that bound it alone: several topics read in one pass, one wait for quiet.
    """
    clients = KafkaClients(settings, bootstrap_servers)
    names = {settings.topic(t): t for t in topics}
    consumer = clients.consumer("reader")
    try:
        # the reader's own metadata, so that it knows every partition's leader when assigned
        # (for a partition without a known leader librdkafka retries the first offset lookup
        # only after 500 ms: half a second more for every read, recovery at startup included)
        metadata = consumer.list_topics(timeout=10).topics
        assignment = []
        for name in names:
            info = metadata.get(name)
            if info is None or info.error is not None:
                raise UsageError(f"topic {name!r} does not exist")
            assignment += [TopicPartition(name, p, OFFSET_BEGINNING) for p in info.partitions]
        if isinstance(groups, Mapping):
            targets: dict[tuple[str, int], int] = {}
            for topic, bounding in groups.items():
                name = settings.topic(topic)
                own = [tp for tp in assignment if tp.topic == name]
                if own:
                    targets.update(_committed_ends(clients, own, bounding))
        else:
            targets = _committed_ends(clients, assignment, groups)
    except BaseException:
        consumer.close()
        raise
    consumer.assign(assignment)
    unanswered = list(assignment)  # partitions whose first fetch has not come back yet
    count = 0
    last = time.monotonic()
    give_up = last + _TARGET_WAIT_S  # bounds that are never reached (markers): stop waiting
    try:
        while (
            (targets or unanswered) and time.monotonic() < give_up
        ) or time.monotonic() - last < idle_s:
            batch = consumer.consume(1000, 0.1)
            if unanswered:
                unanswered = [tp for tp in unanswered if not answered(consumer, tp)]
                if not unanswered:
                    last = time.monotonic()  # quiet counts from here
            for msg in batch:
                if msg.error() is not None:
                    continue
                last = time.monotonic()
                count += 1
                where = (msg.topic() or "", msg.partition() or 0)
                if targets.get(where, 0) <= (msg.offset() or 0) + 1:
                    targets.pop(where, None)
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


def answered(consumer: Any, tp: TopicPartition) -> bool:
    """Whether a fetch response for ``tp`` arrived (librdkafka caches its watermarks then)."""
    try:
        _low, high = consumer.get_watermark_offsets(tp, cached=True)
    except KafkaException:
        return False
    return bool(high >= 0)


def _committed_ends(
    clients: KafkaClients, assignment: list[TopicPartition], groups: Sequence[str]
) -> dict[tuple[str, int], int]:
    """Per partition, the highest offset the ``groups`` committed (a point the topic reaches)."""
    ends: dict[tuple[str, int], int] = {}
    for group in groups:
        member = clients.consumer("reader", group_id=group)
        try:
            for tp in member.committed(
                [TopicPartition(t.topic, t.partition) for t in assignment], timeout=5
            ):
                key = (tp.topic, tp.partition)
                if tp.offset > ends.get(key, 0):
                    ends[key] = tp.offset
        except KafkaException:
            pass  # no committed offsets: the first fetch is the bound
        finally:
            member.close()
    return ends


def committed_offsets(
    settings: Settings, bootstrap_servers: str, group: str, topic: str
) -> dict[int, int] | None:
    """The offsets the consumer group ``group`` committed on the logical ``topic``, by
    partition (partitions without a commit are absent; empty before the first commit);
    None when the broker did not answer."""
    clients = KafkaClients(settings, bootstrap_servers)
    name = settings.topic(topic)
    info = clients.admin().list_topics(topic=name, timeout=10)
    member = clients.consumer("reader", group_id=group)
    try:
        offsets = member.committed(
            [TopicPartition(name, p) for p in info.topics[name].partitions], timeout=10
        )
        return {tp.partition: tp.offset for tp in offsets if tp.offset >= 0}
    except KafkaException:
        return None
    finally:
        member.close()


def committed_total(settings: Settings, bootstrap_servers: str, group: str, topic: str) -> int:
    """How many records of ``topic`` the consumer group ``group`` has committed past, over
    every partition (0 before its first commit): progress without asking the stage."""
    return sum((committed_offsets(settings, bootstrap_servers, group, topic) or {}).values())
