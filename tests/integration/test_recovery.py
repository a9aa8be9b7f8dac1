"""Redelivery after a crash repeats records, never tasks, completions or SSOT versions."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime

import pytest
import redis
from confluent_kafka.admin import NewTopic

from processors.models import ExecutionResult, SsotCommit
from processors.scheduler import schedule
from streams.codec.serde import Serde
from streams.errors import ConfigurationError
from streams.runtime.embedded import Endpoints
from streams.runtime.kafka import KafkaClients
from streams.runtime.lease import Fenced
from streams.runtime.pipeline import Pipeline, ssot_store
from streams.runtime.recovery import Recovery
from streams.runtime.topics import EXECUTED, SCHEDULED, SSOT_WRITES, ensure_topics
from streams.sdk.producer import EventProducer, build_event
from streams.settings import Settings
from streams.stages.executor import ExecutorStage
from tests.conftest import at_least, decode_all, event_producer, read_topic, settle
from tests.orchestration import task

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
        namespace = store._k("")  # "{<prefix>:ssot}:", the hash tag of its keys
        keys = list(pipeline.redis.scan_iter(match=f"{namespace}*"))
        older = {k: pipeline.redis.dump(k) for k in keys}  # a copy taken at v5
        send(5, 5)
        assert settle(lambda: store.head("helios").version == 10, timeout=60)
        for key in pipeline.redis.scan_iter(match=f"{namespace}*"):
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


def _prefix_keys(client: redis.Redis, settings: Settings) -> list[bytes]:
    prefix = settings.redis_prefix
    return [*client.scan_iter(match=f"{prefix}:*"), *client.scan_iter(match=f"{{{prefix}:*")]


def test_redis_rolled_back_and_wiped_mid_run_heals_from_the_log(
    topics: Settings, endpoints: Endpoints, serde: Serde
) -> None:
    """Redis goes back to an older copy of its data, later loses everything, while the
    pipeline runs and duplicates keep arriving: no version forks, no task runs or commits
    twice, no dead letters, and the live SSOT equals the log's chains afterwards."""
    settings = topics
    pipeline = Pipeline(settings, endpoints)
    pipeline.start()
    client = pipeline.redis
    producer = EventProducer(settings, endpoints.bootstrap_servers, serde)
    sent: list[str] = []

    def send(first: int, n: int, *, again: int = 0) -> None:
        events = [
            build_event(
                {
                    "text": f"set the {p} item {i} to v{i}",
                    "session_id": f"s{i % 4}",
                    "source_event_id": f"roll-{i}",
                }
            )
            for i in range(first, first + n)
            for p in ["helios" if i % 2 else "orion"]
        ]
        repeats = [build_event({"text": "x", "source_event_id": f"roll-{i}"}) for i in range(again)]
        producer.send_many([*events, *repeats])
        sent.extend(e.source_event_id for e in events)

    def settled(n: int) -> bool:
        store = ssot_store(settings, client)
        return sum(store.head(p).version for p in ("helios", "orion")) >= n

    try:
        assert pipeline.wait_ready(60)
        send(0, 20)
        assert settle(lambda: settled(20), timeout=60)
        older = {k: client.dump(k) for k in _prefix_keys(client, settings)}
        send(20, 20)
        assert settle(lambda: settled(40), timeout=60)
        # roll back: the copy from 20 commits ago comes back (a restore, a lagging replica)
        for key in _prefix_keys(client, settings):
            client.delete(key)
        for key, value in older.items():
            if value is not None:
                client.restore(key, 0, value, replace=True)
        send(40, 10, again=30)  # and 30 duplicates of events already committed
        assert settle(lambda: settled(50), timeout=90)
        # wipe: everything is gone
        for key in _prefix_keys(client, settings):
            client.delete(key)
        send(50, 10, again=50)
        assert settle(lambda: settled(60), timeout=90)

        log = decode_all(serde, read_topic(settings, SSOT_WRITES, until=at_least(60)))
        commits = [c for c in log if isinstance(c, SsotCommit)]
        by_version: dict[tuple[str, int], set[str]] = defaultdict(set)
        by_task: dict[str, set[int]] = defaultdict(set)
        for c in commits:
            by_version[(c.project_id, c.version)].add(c.commit_id)
            by_task[c.task_id].add(c.version)
        assert all(len(ids) == 1 for ids in by_version.values()), "a version forked"
        assert all(len(v) == 1 for v in by_task.values()), "a task committed twice"
        assert len(by_task) == 60
        executed = decode_all(serde, read_topic(settings, EXECUTED, until=at_least(60)))
        runs: dict[str, set[tuple[object, object]]] = defaultdict(set)
        for r in executed:
            if isinstance(r, ExecutionResult):
                runs[r.task_id].add((r.started_at, r.fencing_token))
        assert all(len(v) == 1 for v in runs.values()), "a task executed twice"
        store = ssot_store(settings, client)
        for project in ("helios", "orion"):
            last = max((c for c in commits if c.project_id == project), key=lambda c: c.version)
            assert (store.head(project).version, store.head(project).hash) == (
                last.version,
                last.hash,
            )
        assert all(r.stats.dead_letters == 0 for r in pipeline.runners)
    finally:
        pipeline.stop()


def test_redis_wiped_while_the_pipeline_is_idle_heals_without_another_event(
    topics: Settings, endpoints: Endpoints, serde: Serde
) -> None:
    """Redis loses everything after the last commit: the live SSOT comes back from the log
    within seconds, not when each project's next event comes (the chaos run's verdict
    compares the live SSOT with the log after its last fault)."""
    settings = topics
    pipeline = Pipeline(settings, endpoints)
    pipeline.start()
    client = pipeline.redis
    producer = EventProducer(settings, endpoints.bootstrap_servers, serde)
    events = [
        build_event({"text": f"set the {p} item {i} to v{i}", "source_event_id": f"idle-{i}"})
        for i in range(6)
        for p in ["helios" if i % 2 else "orion"]
    ]

    def heads() -> dict[str, int]:
        store = ssot_store(settings, client)
        return {p: store.head(p).version for p in ("helios", "orion")}

    try:
        assert pipeline.wait_ready(60)
        producer.send_many(events)
        assert settle(lambda: heads() == {"helios": 3, "orion": 3}, timeout=60)
        for key in _prefix_keys(client, settings):
            client.delete(key)
        assert heads() == {"helios": 0, "orion": 0}
        assert settle(lambda: heads() == {"helios": 3, "orion": 3}, timeout=20)
    finally:
        pipeline.stop()


@pytest.mark.parametrize("loss", ["wipe", "rollback"])
def test_a_result_lost_with_redis_is_healed_by_an_executor_that_never_recorded_it(
    orch: Settings, endpoints: Endpoints, serde: Serde, loss: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis is wiped (or rolled back to a copy from before the task ran, without a restart)
    while a standby waits. Taking over, the standby has seen neither the deposed executor's
    tokens nor its results (it healed at start, before anything ran), yet a task the deposed
    one ran that comes again (as a scheduler re-admitting it would send it) is re-emitted as
    recorded on ``executed``, never run a second time."""
    caplog.set_level(logging.INFO, logger="taskline.stages")
    active = Pipeline(orch, endpoints, ("executor",))
    active.start()
    standby: Pipeline | None = None
    try:
        assert settle(lambda: active.runner("executor").active, timeout=10)
        standby = Pipeline(orch, endpoints, ("executor",))
        standby.start()  # heals at start: nothing has run yet
        once = task("wiped")
        scheduled = schedule(once, snapshot_version=0, now=datetime.now(UTC))
        producer = event_producer(orch, serde)
        client = active.redis
        older = {k: client.dump(k) for k in _prefix_keys(client, orch)}
        producer.publish(orch.topic(SCHEDULED), [(once.task_id.encode(), scheduled)])
        read_topic(orch, EXECUTED, until=at_least(1))
        for key in _prefix_keys(client, orch):  # wiped: a restart without persistence
            client.delete(key)
        if loss == "rollback":  # the copy from before the task ran comes back
            for key, value in older.items():
                if value is not None:
                    client.restore(key, 0, value, replace=True)
        active.stop()  # gives the lease up: the standby takes over
        assert settle(lambda: standby is not None and standby.runner("executor").active, 10)
        producer.publish(orch.topic(SCHEDULED), [(once.task_id.encode(), scheduled)])
        runs = [
            (r.started_at, r.fencing_token)
            for r in decode_all(serde, read_topic(orch, EXECUTED, until=at_least(2)))
            if isinstance(r, ExecutionResult)
        ]
        assert len(runs) == 2 and runs[0] == runs[1], "the task ran twice"
        stats = standby.runner("executor").stats
        assert stats.duplicates == 1
        assert any(n["kind"] == "recovery" for n in stats.recent), list(stats.recent)
        # a takeover heals as routine; what it found lost is a warning
        routine = [r for r in caplog.records if "taking the lease over: healing" in r.message]
        assert routine and {r.levelname for r in routine} == {"INFO"}
        assert any(
            r.levelname == "WARNING" and "restored from executed" in r.message
            for r in caplog.records
        ), [r.message for r in caplog.records]
    finally:
        active.stop()
        if standby is not None:
            standby.stop()


def test_redis_losing_writes_is_noticed_by_every_executor_process(
    topics: Settings, endpoints: Endpoints, serde: Serde, redis_client: redis.Redis
) -> None:
    """Whatever a process wrote itself: a wipe (the heal marker goes back) and a restart
    (Redis's run id changes: a restore, a failover, a crash losing its last second)."""

    def check(recovery: Recovery) -> str | None:
        pipe = redis_client.pipeline(transaction=False)
        recovery.queue_loss_check(pipe)
        return recovery.lost_writes(*pipe.execute())

    mine = Recovery(topics, endpoints.bootstrap_servers, redis_client, serde)
    assert check(mine) is None  # before its first heal a process knows nothing to miss
    mine.results()
    run_id = redis_client.info("server")["run_id"]
    assert (mine.marker, mine.run_id) == (1, run_id) and check(mine) is None
    other = Recovery(topics, endpoints.bootstrap_servers, redis_client, serde)
    other.results()  # another process healed since: nothing lost, its marker is adopted
    assert check(mine) is None and mine.marker == other.marker == 2
    redis_client.delete(mine.marker_key)  # wiped
    assert check(mine) == "the heal marker went back from 2 to 0"
    assert check(other) == "the heal marker went back from 2 to 0"
    mine.results()
    assert mine.marker == 3 and check(mine) is None and check(other) is None
    assert mine.lost_writes(b"3", {"run_id": "f" * 40}) == (
        f"Redis restarted (run id {run_id[:8]} -> ffffffff)"
    )


def test_a_batch_fenced_before_its_results_were_recorded_is_redone_not_healed_for_ever(
    orch: Settings, endpoints: Endpoints, serde: Serde, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lease moved while a batch ran: its results were never recorded nor produced, so
    they are not "results Redis lost" when the batch comes again; it runs and is produced."""
    refused: list[str] = []
    record = ExecutorStage._fenced_set

    def fenced_once(
        stage: ExecutorStage, values: dict[str, str | bytes | None], once: list[str] | None = None
    ) -> None:
        if once and not refused:
            refused.extend(once)
            raise Fenced("the lease moved while the batch ran")
        record(stage, values, once)

    monkeypatch.setattr(ExecutorStage, "_fenced_set", fenced_once)
    pipeline = Pipeline(orch, endpoints, ("executor",))
    pipeline.start()
    try:
        assert settle(lambda: pipeline.runner("executor").active, timeout=10)
        once = task("fenced")
        scheduled = schedule(once, snapshot_version=0, now=datetime.now(UTC))
        event_producer(orch, serde).publish(
            orch.topic(SCHEDULED), [(once.task_id.encode(), scheduled)]
        )
        results = decode_all(serde, read_topic(orch, EXECUTED, until=at_least(1)))
        assert refused and [r.task_id for r in results] == [once.task_id]
        notes = pipeline.runner("executor").stats.recent
        # healed on taking the lease (again, after the refusal), never for results missing
        assert not any("missing" in n["detail"] for n in notes), list(notes)
    finally:
        pipeline.stop()
