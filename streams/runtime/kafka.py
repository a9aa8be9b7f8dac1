"""The one factory every Kafka client comes from: settings, secrets, passthrough, role defaults.

Every consumer, producer and admin client in Taskline is made here, so a setting such as
``TASKLINE_KAFKA_OPTIONS='{"security.protocol": "SASL_SSL"}'`` (and the secret
``TASKLINE_KAFKA_SECRET_OPTIONS``) reaches all of them. A test checks that no other module
constructs a client.

>>> clients = KafkaClients(Settings(kafka_options={"client.rack": "a"}), "k:9092")
>>> config = clients.config("stage-producer")
>>> config["enable.idempotence"], config["client.rack"]
(True, 'a')

Roles and what they add to the common options:

=================  ======================================================================
``group-consumer``  a consumer group member with manual commits (stages, the SDK consumer)
``reader``          an ``assign()`` reader that never commits (tail, audits, outcome waits)
``stage-producer``  idempotent, ``acks=all``, short linger, room for embedded inputs
``event-producer``  idempotent, ``acks=all``: publishing events and commands
``admin``           metadata and topic creation
=================  ======================================================================

``options`` passed to a method win over the role's defaults (a benchmark's plain producer, a
reader's shorter fetch wait); passthrough settings win over nothing but the common options.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any, Literal

from confluent_kafka import Consumer, Message, Producer
from confluent_kafka.admin import AdminClient

from streams.settings import Settings

Role = Literal["group-consumer", "reader", "stage-producer", "event-producer", "admin"]
ROLES: tuple[Role, ...] = ("group-consumer", "reader", "stage-producer", "event-producer", "admin")


class KafkaClients:
    """Builds Kafka clients for one cluster from one settings object."""

    def __init__(self, settings: Settings, bootstrap_servers: str) -> None:
        self.settings = settings
        self.bootstrap_servers = bootstrap_servers

    def common(self) -> dict[str, Any]:
        """Options every client gets: bootstrap, logging, passthrough and secret options."""
        s = self.settings
        # librdkafka's own log lines go through Python logging: same format, JSON if asked
        config: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "logger": logging.getLogger("taskline.kafka"),
        }
        config.update(s.kafka_options)
        config.update({k: v.get_secret_value() for k, v in s.kafka_secret_options.items()})
        return config

    def config(
        self, role: Role, options: Mapping[str, Any] | None = None, *, group_id: str | None = None
    ) -> dict[str, Any]:
        """The full librdkafka configuration of a client in ``role``; ``options`` win."""
        s = self.settings
        config = self.common()
        if role == "group-consumer":
            if not group_id:
                raise ValueError("a group-consumer needs a group_id")
            config.update(
                {
                    "group.id": group_id,
                    "enable.auto.commit": False,
                    "auto.offset.reset": "earliest",
                    "fetch.wait.max.ms": s.fetch_wait_max_ms,
                    "session.timeout.ms": s.session_timeout_ms,
                    "heartbeat.interval.ms": s.heartbeat_interval_ms,
                    "enable.partition.eof": False,
                }
            )
        elif role == "reader":
            config.update(
                {
                    # librdkafka wants a group id even for assign(); nothing is ever committed
                    "group.id": group_id or f"{s.group_prefix}-reader-{uuid.uuid4().hex[:12]}",
                    "enable.auto.commit": False,
                    "enable.auto.offset.store": False,
                    "auto.offset.reset": "earliest",
                    "fetch.wait.max.ms": s.fetch_wait_max_ms,
                    "enable.partition.eof": False,
                }
            )
        elif role == "stage-producer":
            config.update(
                {
                    "enable.idempotence": True,
                    "acks": "all",
                    "linger.ms": 1,
                    # outputs embed their input (up to max_record_bytes) plus the stage's additions
                    "message.max.bytes": 2 * s.max_record_bytes + 1_048_576,
                }
            )
        elif role == "event-producer":
            config.update({"enable.idempotence": True, "acks": "all", "linger.ms": 5})
        elif role != "admin":
            raise ValueError(f"unknown Kafka client role {role!r} (one of {', '.join(ROLES)})")
        config.update(options or {})
        return config

    def consumer(
        self,
        role: Literal["group-consumer", "reader"],
        options: Mapping[str, Any] | None = None,
        *,
        group_id: str | None = None,
    ) -> Consumer:
        """A consumer: a ``group-consumer`` of ``group_id``, or a ``reader`` for ``assign()``."""
        return Consumer(self.config(role, options, group_id=group_id))

    def producer(
        self,
        role: Literal["stage-producer", "event-producer"],
        options: Mapping[str, Any] | None = None,
    ) -> Producer:
        """A producer."""
        return Producer(self.config(role, options))

    def admin(self, options: Mapping[str, Any] | None = None) -> AdminClient:
        """An admin client."""
        return AdminClient(self.config("admin", options))


def take(consumer: Consumer, batch_max: int, timeout: float) -> list[Message]:
    """Up to ``batch_max`` records: what is already fetched, at once; else the first to come
    within ``timeout`` and whatever arrived with it.

    ``Consumer.consume(n, timeout)`` returns early only once ``n`` records are there, so a
    stage that is not saturated would wait the whole timeout on every hop; under load the
    fetched queue holds whole batches and this still returns them whole.

    >>> batch = take(consumer, 500, 0.05)   # doctest: +SKIP
    """
    batch = consumer.consume(batch_max, 0)
    if batch:
        return batch
    first = consumer.poll(timeout)
    if first is None:
        return []
    return [first, *consumer.consume(batch_max - 1, 0)] if batch_max > 1 else [first]
