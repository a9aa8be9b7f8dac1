"""Producer SDK for voice and chat front ends: publish events, then wait for their outcome.

>>> client = TasklineClient("127.0.0.1:9092")                                # doctest: +SKIP
>>> event_id = client.send("lock the front door", session_id="hall-speaker")  # doctest: +SKIP
>>> client.wait_for_outcome(event_id, timeout=30).summary()                  # doctest: +SKIP
'committed: home v4 (state, succeeded)'

:class:`AsyncTasklineClient` offers the same with ``await``.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from processors.models import RawEvent, Reply, SsotCommit
from streams.codec.serde import SchemaStore, Serde
from streams.runtime.kafka import KafkaClients, take
from streams.runtime.topics import REPLIES, SSOT_WRITES
from streams.sdk.producer import EventProducer, build_event
from streams.settings import Settings


@dataclass(frozen=True)
class Outcome:
    """What became of an event: the commit of its task, or the reply that ended it."""

    source_event_id: str
    commit: SsotCommit | None = None
    reply: Reply | None = None

    @property
    def done(self) -> bool:
        """A commit arrived, or a reply that means no task will follow."""
        return self.commit is not None or (self.reply is not None and self.reply.kind != "result")

    def summary(self) -> str:
        """One line for people."""
        if self.commit is not None:
            c = self.commit
            return f"committed: {c.project_id} v{c.version} ({c.kind}, {c.outcome})"
        if self.reply is not None:
            return f"{self.reply.kind}: {self.reply.text}"
        return "no outcome yet"


class TasklineClient:
    """Validates, encodes and publishes RawEvents (idempotent producer); waits for outcomes."""

    def __init__(self, bootstrap_servers: str, settings: Settings | None = None) -> None:
        self.settings = settings or Settings(bootstrap_servers=bootstrap_servers)
        self.bootstrap_servers = bootstrap_servers
        self._serde = Serde(SchemaStore.load(self.settings.schemas_dir))
        self._producer = EventProducer(self.settings, bootstrap_servers, self._serde)

    @classmethod
    def from_runtime(cls, home: str | Path = ".taskline") -> TasklineClient:
        """A client for the stack that `taskline up` (`make run`) runs in this directory."""
        runtime = json.loads((Path(home) / "runtime.json").read_text())
        settings = Settings(
            bootstrap_servers=runtime["bootstrap_servers"],
            topic_prefix=runtime.get("topic_prefix", ""),
        )
        return cls(runtime["bootstrap_servers"], settings)

    def send(
        self,
        text: str,
        *,
        session_id: str,
        channel: str = "chat",
        kind: str = "user_action",
        project_hint: str | None = None,
        metadata: dict[str, str] | None = None,
        proposal: list[dict[str, Any]] | None = None,
        source_event_id: str | None = None,
    ) -> str:
        """Publish one event; returns its ``source_event_id`` (new unless given)."""
        values: dict[str, Any] = {
            "text": text,
            "session_id": session_id,
            "channel": channel,
            "kind": kind,
            "project_hint": project_hint,
            "metadata": metadata or {},
            "proposal": proposal,
            "source_event_id": source_event_id or str(uuid.uuid4()),
        }
        return self.send_event(build_event(values))

    def send_event(self, event: RawEvent) -> str:
        """Publish a built event and wait for the broker's acknowledgement."""
        return self._producer.send(event)

    def wait_for_outcome(self, source_event_id: str, timeout: float = 30.0) -> Outcome:
        """Read ``replies`` and ``ssot-writes`` until the event's outcome arrives or time runs out.

        Reads the topics from their start, keeping only records that name the event.
        """
        names = [self.settings.topic(REPLIES), self.settings.topic(SSOT_WRITES)]
        clients = KafkaClients(self.settings, self.bootstrap_servers)
        metadata = clients.admin().list_topics(timeout=10)
        consumer = clients.consumer("reader")
        consumer.assign(
            [
                TopicPartition(name, p, OFFSET_BEGINNING)
                for name in names
                if name in metadata.topics
                for p in metadata.topics[name].partitions
            ]
        )
        outcome = Outcome(source_event_id)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline and not outcome.done:
                for msg in take(consumer, 500, 0.2):
                    if msg.error() is not None:
                        continue
                    try:
                        record = self._serde.decode_any(msg.value() or b"")
                    except Exception:
                        continue
                    if getattr(record, "source_event_id", None) != source_event_id:
                        continue
                    if isinstance(record, SsotCommit):
                        outcome = Outcome(source_event_id, record, outcome.reply)
                    elif isinstance(record, Reply):
                        outcome = Outcome(source_event_id, outcome.commit, record)
        finally:
            consumer.close()
        return outcome


class AsyncTasklineClient:
    """:class:`TasklineClient` for asyncio: the blocking calls run in worker threads."""

    def __init__(self, bootstrap_servers: str, settings: Settings | None = None) -> None:
        self._client = TasklineClient(bootstrap_servers, settings)

    @classmethod
    def from_runtime(cls, home: str | Path = ".taskline") -> AsyncTasklineClient:
        """A client for the stack that `taskline up` runs in this directory."""
        client = cls.__new__(cls)
        client._client = TasklineClient.from_runtime(home)
        return client

    async def send(self, text: str, **kwargs: Any) -> str:
        """See :meth:`TasklineClient.send`."""
        return await asyncio.to_thread(self._client.send, text, **kwargs)

    async def wait_for_outcome(self, source_event_id: str, timeout: float = 30.0) -> Outcome:
        """See :meth:`TasklineClient.wait_for_outcome`."""
        return await asyncio.to_thread(self._client.wait_for_outcome, source_event_id, timeout)
