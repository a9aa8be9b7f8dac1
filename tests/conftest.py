"""Shared fixtures. Integration tests get one real broker and Redis for the session (embedded
unless TASKLINE_BOOTSTRAP_SERVERS / TASKLINE_REDIS_URL are set) and unique topic, group and
Redis key prefixes per test."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
import redis
from confluent_kafka import OFFSET_BEGINNING, Message, TopicPartition

from processors.models import Record
from streams.codec.serde import SchemaStore, Serde
from streams.runtime.embedded import EmbeddedStack, Endpoints
from streams.runtime.kafka import KafkaClients
from streams.runtime.pipeline import Pipeline
from streams.runtime.topics import ensure_topics
from streams.runtime.workers import limit_threads
from streams.sdk.producer import EventProducer
from streams.settings import Settings

# The suite runs stages in-process beside worker processes: one BLAS thread, as a worker has.
limit_threads()


@pytest.fixture(scope="session")
def serde() -> Serde:
    return Serde(SchemaStore.load())


@pytest.fixture(scope="session")
def endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    home = tmp_path_factory.mktemp("taskline-home")
    stack = EmbeddedStack(
        Settings(
            home=home,
            bootstrap_servers=os.environ.get("TASKLINE_BOOTSTRAP_SERVERS") or None,
            redis_url=os.environ.get("TASKLINE_REDIS_URL") or None,
        )
    )
    with stack as eps:
        yield eps


@pytest.fixture
def settings(endpoints: Endpoints, tmp_path: Path) -> Iterator[Settings]:
    tag = uuid.uuid4().hex[:10]
    yield Settings(
        bootstrap_servers=endpoints.bootstrap_servers,
        redis_url=endpoints.redis_url,
        topic_prefix=f"t{tag}.",
        group_prefix=f"g{tag}",
        redis_prefix=f"r{tag}",
        partitions=3,
        home=tmp_path / "home",
    )
    release_producers(f"t{tag}.")
    # Leave a configured (shared) Redis as we found it.
    client = redis.Redis.from_url(endpoints.redis_url)
    keys = [
        *client.scan_iter(f"r{tag}:*", count=1000),
        *client.scan_iter(f"{{r{tag}:*", count=1000),  # hash-tagged keys
    ]
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def redis_client(endpoints: Endpoints) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(endpoints.redis_url)
    yield client
    client.close()


@pytest.fixture
def topics(settings: Settings) -> Settings:
    ensure_topics(KafkaClients(settings, str(settings.bootstrap_servers)).admin(), settings)
    return settings


@pytest.fixture
def pipeline(topics: Settings, endpoints: Endpoints) -> Iterator[Pipeline]:
    p = Pipeline(topics, endpoints)
    p.start()
    assert p.wait_ready(60), "stages did not become ready"
    yield p
    p.stop()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# One producer per test namespace, reused by the helpers below: a new idempotent producer
# waits ~0.5 s for its producer id before its first record goes out (librdkafka's PID timer).
# Released when the test's ``settings`` fixture ends.
_producers: dict[tuple[str, str, str, int], Any] = {}


def _cached(settings: Settings, kind: str, extra: int, make: Callable[[], Any]) -> Any:
    key = (str(settings.bootstrap_servers), settings.topic_prefix, kind, extra)
    if key not in _producers:
        _producers[key] = make()
    return _producers[key]


def release_producers(topic_prefix: str) -> None:
    """Drop the cached producers of one test namespace (everything they sent was acked)."""
    for key in [k for k in _producers if k[1] == topic_prefix]:
        del _producers[key]


def event_producer(settings: Settings, serde: Serde) -> EventProducer:
    """The test namespace's :class:`EventProducer` (publish/send_many wait for the acks)."""
    return cast(
        EventProducer,
        _cached(
            settings,
            "events",
            id(serde),
            lambda: EventProducer(settings, str(settings.bootstrap_servers), serde),
        ),
    )


def produce(settings: Settings, topic: str, values: list[tuple[bytes | None, bytes]]) -> None:
    """Produce raw (key, value) records to a logical topic and wait for acks."""
    clients = KafkaClients(settings, str(settings.bootstrap_servers))
    producer = _cached(
        settings,
        "raw",
        0,
        lambda: clients.producer("event-producer", {"message.max.bytes": 8_000_000}),
    )
    for key, value in values:
        producer.produce(settings.topic(topic), value, key)
    assert producer.flush(30) == 0


def read_topic(
    settings: Settings,
    topic: str,
    *,
    until: Callable[[list[Message]], bool],
    timeout: float = 60.0,
) -> list[Message]:
    """Read a topic from the beginning until ``until(messages)`` holds or time runs out."""
    bootstrap = str(settings.bootstrap_servers)
    name = settings.topic(topic)
    clients = KafkaClients(settings, bootstrap)
    consumer = clients.consumer("reader", {"fetch.wait.max.ms": 10})
    messages: list[Message] = []
    deadline = time.monotonic() + timeout
    try:
        # the consumer's own metadata: it knows the partitions' leader when assigned, instead
        # of retrying the offset lookup after 500 ms
        info = consumer.list_topics(topic=name, timeout=10)
        partitions = list(info.topics[name].partitions)
        consumer.assign([TopicPartition(name, p, OFFSET_BEGINNING) for p in partitions])
        while time.monotonic() < deadline and not until(messages):
            for msg in consumer.consume(500, 0.1):
                if msg.error() is None:
                    messages.append(msg)
    finally:
        consumer.close()
    return messages


def decode_all(serde: Serde, messages: list[Message]) -> list[Record]:
    return [serde.decode_any(m.value()) for m in messages]


def at_least(n: int) -> Callable[[list[Any]], bool]:
    return lambda msgs: len(msgs) >= n


def settle(check: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Poll ``check`` until it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        threading.Event().wait(0.1)
    return check()
