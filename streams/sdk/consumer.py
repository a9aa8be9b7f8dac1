"""Typed consumer SDK for downstream users of Taskline's topics.

Decodes every schema version ever written into the current models and commits offsets only
for records the caller has finished with (at-least-once): iterating marks a record done when
the loop comes back for the next one and commits after each batch; with :meth:`poll`, pass the
handled deliveries to :meth:`commit`. A record the caller never finished is delivered again.

>>> with TaskConsumer(settings, "127.0.0.1:9092", ["ssot-writes"], group_id="billing") as c:
...     for delivery in c:                                        # doctest: +SKIP
...         if isinstance(delivery.record, SsotCommit):
...             print(delivery.record.project_id, delivery.record.version)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType

from confluent_kafka import Message, TopicPartition

from processors.models import Record
from streams.codec.serde import SchemaStore, Serde
from streams.errors import PoisonRecordError
from streams.runtime.kafka import KafkaClients
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
        self._consumer.subscribe(list(self._names))
        self._serde = serde or Serde(SchemaStore.load(settings.schemas_dir))
        self._on_error = on_error
        self._batch_max = batch_max
        self._pending: dict[tuple[str, int], int] = {}
        self.skipped = 0

    def poll(self, timeout: float = 1.0) -> list[Delivery]:
        """The next batch of decoded records (maybe empty); undecodable ones are skipped."""
        out = []
        for msg in self._consumer.consume(self._batch_max, timeout):
            if msg.error() is not None:
                continue
            tp = (msg.topic() or "", msg.partition() or 0)
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
        key = (topic, partition)
        self._pending[key] = max(self._pending.get(key, -1), offset)

    def commit(self, handled: Sequence[Delivery] = ()) -> None:
        """Mark ``handled`` deliveries done, then commit everything done (synchronously)."""
        for d in handled:
            self.commit_later(d)
        if not self._pending:
            return
        offsets = [TopicPartition(t, p, o + 1) for (t, p), o in self._pending.items()]
        self._consumer.commit(offsets=offsets, asynchronous=False)
        self._pending.clear()

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
