"""Publishing RawEvents: building them from plain values and producing them idempotently.

>>> event = build_event({"text": "what is the status of apollo?", "session_id": "s1"})
>>> event.channel, event.kind
('chat', 'user_action')
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from processors.models import PatchOp, RawEvent, Record, now_millis
from streams.codec.serde import Serde
from streams.errors import PublishError
from streams.runtime.kafka import KafkaClients
from streams.runtime.topics import RAW_EVENTS
from streams.settings import Settings


def build_event(values: Mapping[str, Any]) -> RawEvent:
    """A RawEvent from JSON-like values; ids, time, channel and kind get defaults.

    ``proposal`` takes RFC 6902 operations. Raises ``ValueError`` (incl. pydantic's
    ``ValidationError``) on anything invalid.
    """
    data = dict(values)
    data.setdefault("source_event_id", str(uuid.uuid4()))
    data.setdefault("session_id", "cli")
    data.setdefault("channel", "chat")
    data.setdefault("kind", "user_action")
    data.setdefault("occurred_at", now_millis())
    proposal = data.get("proposal")
    if proposal is not None:
        if not isinstance(proposal, list) or not all(isinstance(op, dict) for op in proposal):
            raise ValueError("proposal must be a list of JSON Patch operations")
        data["proposal"] = [PatchOp.from_rfc(op) for op in proposal]
    return RawEvent.model_validate(data)


class EventProducer:
    """Publishes RawEvents on ``raw-events``, keyed by session, with an idempotent producer."""

    def __init__(self, settings: Settings, bootstrap_servers: str, serde: Serde) -> None:
        self._producer = KafkaClients(settings, bootstrap_servers).producer("event-producer")
        self._topic = settings.topic(RAW_EVENTS)
        self._serde = serde

    def send_many(self, events: Iterable[RawEvent], timeout: float = 30.0) -> int:
        """Publish events and wait until the broker acknowledged all of them."""
        return self.publish(
            self._topic, ((e.session_id.encode(), e) for e in events), timeout=timeout
        )

    def publish(
        self, topic: str, records: Iterable[tuple[bytes, Record]], *, timeout: float = 30.0
    ) -> int:
        """Publish keyed records of any type on ``topic`` (a full name) and wait for the acks."""
        errors: list[str] = []

        def on_delivery(err: Any, _msg: Any) -> None:
            if err is not None:
                errors.append(str(err))

        count = 0
        for key, record in records:
            self._producer.produce(topic, self._serde.encode(record), key, on_delivery=on_delivery)
            self._producer.poll(0)
            count += 1
        remaining = self._producer.flush(timeout)
        if remaining or errors:
            raise PublishError(
                f"{remaining or len(errors)} record(s) not acknowledged by the broker"
                + (f": {errors[0]}" if errors else " in time")
            )
        return count

    def send(self, event: RawEvent) -> str:
        """Publish one event; returns its ``source_event_id``."""
        self.send_many([event])
        return event.source_event_id
