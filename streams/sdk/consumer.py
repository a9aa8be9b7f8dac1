"""Typed consumer SDK for downstream users of Taskline's topics.

Decodes every schema version ever written into the current models and commits offsets only
for records the caller has finished with (at-least-once): iterating marks a record done when
the loop comes back for the next one and commits after each batch; with :meth:`poll`, pass the
handled deliveries to :meth:`commit`. Per partition, the committed offset never passes a
record that was handed out and not handled (handling 1 and 3 of 1-2-3 commits after 1), so a
record the caller never finished is delivered again, whatever order it handled the others in.

>>> with TaskConsumer(settings, "127.0.0.1:9092", ["ssot-writes"], group_id="billing") as c:
...     for delivery in c:                                        # doctest: +SKIP
...         if isinstance(delivery.record, SsotCommit):
...             print(delivery.record.project_id, delivery.record.version)
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType

from confluent_kafka import Consumer, KafkaException, Message, TopicPartition

from processors.models import Record
from streams.codec.serde import SchemaStore, Serde
from streams.errors import PoisonRecordError
from streams.runtime.kafka import KafkaClients, take
from streams.settings import Settings

log = logging.getLogger("taskline.consumer")


@dataclass(frozen=True)
class Delivery:
    """One decoded record with its coordinates."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    record: Record


class TaskConsumer:
    """A consumer group member over logical Taskline topics, yielding typed records."""

    def __init__(
        self,
        settings: Settings,
        bootstrap_servers: str,
        topics: Sequence[str],
        *,
        group_id: str,
        serde: Serde | None = None,
        on_error: Callable[[Message, PoisonRecordError], None] | None = None,
        batch_max: int = 500,
    ) -> None:
        self._consumer = KafkaClients(settings, bootstrap_servers).consumer(
            "group-consumer", group_id=group_id
        )
        self._names = {settings.topic(t): t for t in topics}
        self._full = {logical: full for full, logical in self._names.items()}
        self._consumer.subscribe(list(self._names), on_revoke=self._revoked)
        self._serde = serde or Serde(SchemaStore.load(settings.schemas_dir))
        self._on_error = on_error
        self._batch_max = batch_max
        # per partition: offsets handed out (in order) not yet committed, and those handled
        self._handed: dict[tuple[str, int], deque[int]] = {}
        self._handled: dict[tuple[str, int], set[int]] = {}
        self.skipped = 0

    def poll(self, timeout: float = 1.0) -> list[Delivery]:
        """The next batch of decoded records (maybe empty): up to ``batch_max`` of those already
        fetched at once, else the first to arrive within ``timeout`` with whatever came along
        (never a wait for a full batch); undecodable ones are skipped."""
        out = []
        for msg in take(self._consumer, self._batch_max, timeout):
            if msg.error() is not None:
                continue
            tp = (msg.topic() or "", msg.partition() or 0)
            self._handed.setdefault(tp, deque()).append(msg.offset() or 0)
            try:
                record = self._serde.decode_any(msg.value() or b"")
            except PoisonRecordError as exc:
                self.skipped += 1
                self._done(msg.topic() or "", tp[1], msg.offset() or 0)
                if self._on_error is not None:
                    self._on_error(msg, exc)
                else:
                    log.warning("skipping undecodable record at %s: %s", tp, exc)
                continue
            out.append(
                Delivery(
                    topic=self._names.get(tp[0], tp[0]),
                    partition=tp[1],
                    offset=msg.offset() or 0,
                    key=msg.key(),
                    record=record,
                )
            )
        return out

    def _done(self, topic: str, partition: int, offset: int) -> None:
        self._handled.setdefault((topic, partition), set()).add(offset)

    def _committable(self) -> list[TopicPartition]:
        """Per partition, the end of the prefix of handed-out offsets that were all handled."""
        offsets = []
        for tp, handed in self._handed.items():
            handled = self._handled.get(tp, set())
            last = None
            while handed and handed[0] in handled:
                last = handed.popleft()
                handled.discard(last)
            if last is not None:
                offsets.append(TopicPartition(tp[0], tp[1], last + 1))
        return offsets

    def _revoked(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # another member owns them now and starts from the committed offsets
        try:
            offsets = [
                o
                for o in self._committable()
                if (o.topic, o.partition) in {(p.topic, p.partition) for p in partitions}
            ]
            if offsets:
                self._consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            log.warning("commit on revoke failed (records may be redelivered): %s", exc)
        for p in partitions:
            self._handed.pop((p.topic, p.partition), None)
            self._handled.pop((p.topic, p.partition), None)

    def commit(self, handled: Sequence[Delivery] = ()) -> None:
        """Mark ``handled`` deliveries done, then commit, per partition, up to the first
        delivery that is not done (synchronously)."""
        for d in handled:
            self.commit_later(d)
        offsets = self._committable()
        if offsets:
            self._consumer.commit(offsets=offsets, asynchronous=False)

    def __iter__(self) -> Iterator[Delivery]:
        while True:
            batch = self.poll()
            for delivery in batch:
                yield delivery
                self.commit_later(delivery)  # the caller came back: it is done with it
            self.commit()

    def commit_later(self, delivery: Delivery) -> None:
        """Mark one delivery done; the next :meth:`commit` (or :meth:`close`) commits it."""
        self._done(self._full[delivery.topic], delivery.partition, delivery.offset)

    def close(self) -> None:
        """Commit what is done and leave the group."""
        try:
            self.commit()
        finally:
            self._consumer.close()

    def __enter__(self) -> TaskConsumer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
