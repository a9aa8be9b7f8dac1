"""Redelivery after a crash repeats records, never tasks, completions or SSOT versions."""

from __future__ import annotations

from collections import defaultdict

import pytest
from confluent_kafka.admin import NewTopic

from processors.models import ExecutionResult, SsotCommit
from streams.codec.serde import Serde
from streams.errors import ConfigurationError
from streams.runtime.embedded import Endpoints
from streams.runtime.kafka import KafkaClients
from streams.runtime.pipeline import Pipeline, ssot_store
from streams.runtime.topics import EXECUTED, SCHEDULED, SSOT_WRITES, ensure_topics
from streams.sdk.producer import EventProducer, build_event
from streams.settings import Settings
from tests.conftest import at_least, decode_all, read_topic, settle

pytestmark = pytest.mark.integration


def test_full_redelivery_to_every_stage_changes_nothing(
    topics: Settings, endpoints: Endpoints, serde: Serde
) -> None:
    settings = topics
    texts = [f"set the helios item {i} to v{i}" for i in range(20)]
    texts += [f"summarize the orion invoice {i}" for i in range(10)]
    events = [build_event({"text": t, "session_id": f"s{i % 3}"}) for i, t in enumerate(texts)]
    EventProducer(settings, endpoints.bootstrap_servers, serde).send_many(events)

    first = Pipeline(settings, endpoints)
    first.start()
    assert first.wait_ready(60)
    before = decode_all(serde, read_topic(settings, SSOT_WRITES, until=at_least(30)))
    store = ssot_store(settings, first.redis)
    assert settle(lambda: store.head("helios").version + store.head("orion").version == 30)
    heads_before = {p: store.head(p) for p in ("helios", "orion")}
    first.stop()

    # New consumer groups: every stage re-reads every topic from the beginning, exactly what
    # a crash before the first offset commit would do.
    again = settings.model_copy(update={"group_prefix": settings.group_prefix + "-again"})
    second = Pipeline(again, endpoints)
    second.start()
    assert second.wait_ready(60)
    try:
        assert settle(lambda: second.runner("ssot").stats.duplicates >= 30, timeout=60)
        assert settle(lambda: second.runner("executor").stats.duplicates >= 30, timeout=5)
        after = [
            c
            for c in decode_all(serde, read_topic(settings, SSOT_WRITES, until=at_least(60)))
            if isinstance(c, SsotCommit)
        ]
        # records repeated, but each (project, version) is still one and the same commit
        versions: dict[tuple[str, int], set[str]] = defaultdict(set)
        for c in after:
            versions[(c.project_id, c.version)].add(c.hash)
        assert len(versions) == 30
        assert all(len(h) == 1 for h in versions.values())
        assert {c.commit_id for c in after} == {
            c.commit_id for c in before if isinstance(c, SsotCommit)
        }
        assert {p: store.head(p) for p in heads_before} == heads_before
        # every task executed once: re-emitted results are identical to the first ones
        results = [
            r
            for r in decode_all(serde, read_topic(settings, EXECUTED, until=at_least(60)))
            if isinstance(r, ExecutionResult)
        ]
        by_task: dict[str, set[tuple[object, object]]] = defaultdict(set)
        for r in results:
            by_task[r.task_id].add((r.started_at, r.state_hash))
        assert len(by_task) == 30 and all(len(v) == 1 for v in by_task.values())
    finally:
        second.stop()


def test_executor_refuses_a_multi_partition_scheduled_topic(
    settings: Settings, endpoints: Endpoints
) -> None:
    admin = KafkaClients(settings, endpoints.bootstrap_servers).admin()
    name = settings.topic(SCHEDULED)
    admin.create_topics([NewTopic(name, 2, 1)])[name].result(10)
    with pytest.raises(
        ConfigurationError, match="has 2 partitions; serial execution needs exactly 1"
    ):
        ensure_topics(admin, settings)
    pipeline = Pipeline(settings, endpoints, ("executor",))
    with pytest.raises(ConfigurationError, match="exactly 1"):
        pipeline.start()
    pipeline.stop()


def test_a_standby_executor_waits_for_the_lease(topics: Settings, endpoints: Endpoints) -> None:
    active = Pipeline(topics, endpoints, ("executor",))
    standby = Pipeline(topics, endpoints, ("executor",))
    active.start()
    assert settle(lambda: active.runner("executor").active, timeout=10)
    standby.start()
    try:
        assert not settle(lambda: standby.runner("executor").active, timeout=1.5)
        active.stop()  # clean stop releases the lease: the standby takes over
        assert settle(lambda: standby.runner("executor").active, timeout=10)
    finally:
        standby.stop()


def test_a_materialized_ssot_rolled_back_heals_from_the_chain(
    topics: Settings, endpoints: Endpoints, serde: Serde
) -> None:
    """Redis's materialized SSOT loses its recent writes (restored from an older copy): the
    next commits arrive ahead of its head, and the ssot stage applies the missing versions
    from the completer's chain instead of dead-lettering them as a broken chain."""
    settings = topics
    pipeline = Pipeline(settings, endpoints)
    pipeline.start()
    try:
        assert pipeline.wait_ready(60)
        store = ssot_store(settings, pipeline.redis)
        producer = EventProducer(settings, endpoints.bootstrap_servers, serde)

        def send(first: int, n: int) -> None:
            producer.send_many(
                build_event({"text": f"set the helios item {i} to v{i}", "session_id": "s"})
                for i in range(first, first + n)
            )

        send(0, 5)
        assert settle(lambda: store.head("helios").version == 5, timeout=60)
        namespace = f"{settings.redis_prefix}:ssot"
        keys = list(pipeline.redis.scan_iter(match=f"{namespace}:*"))
        older = {k: pipeline.redis.dump(k) for k in keys}  # a copy taken at v5
        send(5, 5)
        assert settle(lambda: store.head("helios").version == 10, timeout=60)
        for key in pipeline.redis.scan_iter(match=f"{namespace}:*"):
            pipeline.redis.delete(key)
        for key, value in older.items():
            pipeline.redis.restore(key, 0, value)  # the copy from v5 comes back
        assert store.head("helios").version == 5
        send(10, 3)
        chain = pipeline.runner("completer")
        assert settle(lambda: store.head("helios").version == 13, timeout=60)
        assert pipeline.runner("ssot").stats.dead_letters == 0
        log = decode_all(serde, read_topic(settings, SSOT_WRITES, until=at_least(13)))
        last = max((c for c in log if isinstance(c, SsotCommit)), key=lambda c: c.version)
        assert store.head("helios").hash == last.hash and last.version == 13
        assert chain.stats.dead_letters == 0
    finally:
        pipeline.stop()
