"""The topic map, explicit topic creation and the partition checks done at startup.

The embedded broker auto-creates unknown topics with 4 partitions, so every topic is created
explicitly first and its partition count verified; ``scheduled`` must have exactly one per
execution lane (one by default).
"""

from __future__ import annotations

from dataclasses import dataclass

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from streams.errors import ConfigurationError
from streams.settings import Settings

RAW_EVENTS = "raw-events"
ROUTED = "routed"
FORMED = "formed"
SCHEDULED = "scheduled"
EXECUTED = "executed"
SSOT_WRITES = "ssot-writes"
REPLIES = "replies"
GOVERNANCE = "governance"
DEAD_LETTERS = "dead-letters"

ALL_TOPICS = (
    RAW_EVENTS,
    ROUTED,
    FORMED,
    SCHEDULED,
    EXECUTED,
    SSOT_WRITES,
    REPLIES,
    GOVERNANCE,
    DEAD_LETTERS,
)

# Record type (schema name) each topic carries; `tail` and the audit readers use it.
TOPIC_TYPES = {
    RAW_EVENTS: "raw_event",
    ROUTED: "routed_event",
    FORMED: "task_object",
    SCHEDULED: "scheduled_task",
    EXECUTED: "execution_result",
    SSOT_WRITES: "ssot_commit",
    REPLIES: "reply",
    GOVERNANCE: "governance_command",
    DEAD_LETTERS: "dead_letter",
}


@dataclass(frozen=True)
class TopicSpec:
    """A topic to create: full name and partition count."""

    name: str
    partitions: int


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """Every topic with its partition count; ``scheduled`` has one per execution lane."""
    return [
        TopicSpec(
            settings.topic(t), settings.execution_lanes if t == SCHEDULED else settings.partitions
        )
        for t in ALL_TOPICS
    ]


def partition_count(admin: AdminClient, topic: str, timeout: float = 10.0) -> int | None:
    """Partitions of ``topic``, or None if it does not exist."""
    metadata = admin.list_topics(topic=topic, timeout=timeout)
    info = metadata.topics.get(topic)
    if info is None or info.error is not None:
        return None
    return len(info.partitions)


def ensure_topics(
    admin: AdminClient, settings: Settings, timeout: float = 15.0, *, retired: int | None = None
) -> None:
    """Create missing topics, then verify every partition count.

    Raises :class:`ConfigurationError` if ``scheduled`` exists with another partition count
    than the execution lanes (and than the ``retired`` count `taskline lanes set` left).
    """
    specs = topic_specs(settings)
    futures = admin.create_topics(
        [NewTopic(s.name, s.partitions, settings.replication_factor) for s in specs],
        operation_timeout=timeout,
    )
    for name, future in futures.items():
        try:
            future.result(timeout)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise ConfigurationError(f"cannot create topic {name}: {exc}") from exc
    check_scheduled_partitions(admin, settings, timeout, retired=retired)


def check_scheduled_partitions(
    admin: AdminClient, settings: Settings, timeout: float = 10, *, retired: int | None = None
) -> int:
    """Refuse to go on unless ``scheduled`` exists with one partition per execution lane
    (exactly one by default: strictly serial execution); its partition count.

    Lane ``i`` is partition ``i``. ``retired``: the partition count `taskline lanes set`
    recorded when it lowered the lanes (Kafka cannot remove partitions): then the scheduler
    writes and the executors read only the first ``execution_lanes`` of them.
    """
    name = settings.topic(SCHEDULED)
    count = partition_count(admin, name, timeout)
    lanes = settings.execution_lanes
    if count is None:
        raise ConfigurationError(f"topic {name!r} does not exist; run `taskline up` first")
    if count != lanes and not (retired is not None and count == retired > lanes):
        need = "serial execution needs exactly 1" if lanes == 1 else f"{lanes} lanes need {lanes}"
        raise ConfigurationError(
            f"topic {name!r} has {count} partitions; {need} (TASKLINE_EXECUTION_LANES="
            f"{lanes}; to change the lanes of a deployment run `taskline lanes set`, see "
            "docs/lanes.md)"
        )
    return count
