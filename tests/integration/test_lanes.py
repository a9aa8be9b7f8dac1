"""Execution lanes (opt-in): four lanes shared by two executor processes. Serial within each
lane, lanes in parallel; a killed executor's lanes move to the other one; ``audit verify``
checks serial execution per lane."""

from __future__ import annotations

import contextlib
import itertools
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from processors.lanes import lane_of
from processors.models import ExecutionResult, TaskObject
from processors.scheduler import schedule
from streams.audit.verify import verify
from streams.codec.serde import Serde
from streams.errors import ConfigurationError
from streams.runtime.embedded import Endpoints
from streams.runtime.kafka import KafkaClients
from streams.runtime.layout import change_lanes, claim_lanes, lane_state, recorded_lanes
from streams.runtime.lease import LaneLeases, lease_key
from streams.runtime.pipeline import Pipeline
from streams.runtime.reader import read_topics
from streams.runtime.topics import (
    ALL_TOPICS,
    EXECUTED,
    SCHEDULED,
    check_scheduled_partitions,
    ensure_topics,
    partition_count,
)
from streams.runtime.workers import WorkerProcess, worker_env
from streams.settings import Settings
from tests.conftest import produce, read_topic, settle
from tests.orchestration import commits_for, publish, task

pytestmark = pytest.mark.integration

LANES = 4
PROJECTS = [f"lane-proj-{i}" for i in range(8)]


@pytest.fixture
def topics(settings: Settings) -> Settings:
    """This module's namespace has four lanes: ``scheduled`` is created with four partitions."""
    laned = settings.model_copy(update={"execution_lanes": LANES})
    ensure_topics(KafkaClients(laned, str(laned.bootstrap_servers)).admin(), laned)
    return laned


@pytest.fixture
def laned(orch: Settings) -> Settings:
    assert orch.execution_lanes == LANES
    return orch


def _holders(client: redis.Redis, settings: Settings) -> dict[int, str | None]:
    base = lease_key(settings.redis_prefix, "executor")
    owners = client.mget([f"{base}:lane:{i}" for i in range(settings.execution_lanes)])
    return {i: o.decode() if o else None for i, o in enumerate(owners)}


@contextlib.contextmanager
def executors(
    settings: Settings, endpoints: Endpoints, tmp_path: Path, n: int
) -> Iterator[tuple[redis.Redis, list[WorkerProcess]]]:
    """Every other stage in this process and ``n`` executor processes sharing the lanes."""
    env = worker_env(settings, endpoints, packs_dir=str(settings.packs_dir))
    workers = [WorkerProcess(f"executor-{i}", "executor", env, tmp_path / "logs") for i in range(n)]
    others = Pipeline(settings, endpoints, ("router", "former", "scheduler", "completer", "ssot"))
    others.start()
    client = redis.Redis.from_url(endpoints.redis_url)
    try:
        assert others.wait_ready(60)
        for w in workers:
            w.start()

        def spread() -> bool:  # every lane held, and by every executor
            owners = _holders(client, settings).values()
            pids = {int(o.split("-")[1]) for o in owners if o}
            return None not in owners and pids == {w.pid for w in workers}

        assert settle(spread, 60), _holders(client, settings)
        yield client, workers
    finally:
        for w in workers:
            w.kill()
        others.stop()
        client.close()


def _results(settings: Settings, serde: Serde, n: int) -> list[ExecutionResult]:
    msgs = read_topic(settings, EXECUTED, until=lambda ms: len(ms) >= n, timeout=60)
    return [serde.decode(m.value(), ExecutionResult) for m in msgs]


def _assert_serial_per_lane(results: list[ExecutionResult]) -> None:
    runs: dict[int, set[tuple[object, object]]] = defaultdict(set)
    for r in results:
        runs[r.lane].add((r.started_at, r.finished_at))
    for lane, intervals in runs.items():
        for (_s1, e1), (s2, _e2) in itertools.pairwise(sorted(intervals)):
            assert s2 >= e1, f"lane {lane}: a run started at {s2} before {e1}"


def _audit(settings: Settings, serde: Serde) -> list[str]:
    records = read_topics(settings, str(settings.bootstrap_servers), ALL_TOPICS)
    report = verify(records, serde)
    assert report.ok, report.lines()
    return report.lines()


def test_lanes_run_in_parallel_and_serially_within_each_lane(
    laned: Settings, endpoints: Endpoints, serde: Serde, tmp_path: Path
) -> None:
    admin = KafkaClients(laned, str(laned.bootstrap_servers)).admin()
    assert partition_count(admin, laned.topic(SCHEDULED)) == LANES
    # a task that depends on one in another lane (published first) waits for its commit
    first_lane = lane_of(PROJECTS[0], LANES)
    other = next(p for p in PROJECTS if lane_of(p, LANES) != first_lane)
    dependency = task("dep-a", project=PROJECTS[0])
    dependent = task("dep-b", project=other, depends_on=["dep-a"])
    with executors(laned, endpoints, tmp_path, 2):
        publish(laned, serde, dependent)
        tasks = [task(f"lane{i}", project=PROJECTS[i % len(PROJECTS)]) for i in range(40)]
        publish(laned, serde, *tasks, dependency)
        tasks += [dependency, dependent]
        commits = commits_for(laned, serde, {t.task_id for t in tasks}, timeout=90)
        results = _results(laned, serde, len(tasks))
        assert all(c.outcome in ("succeeded", "rebased") for c in commits.values()), [
            (r.task_id, r.error) for r in results if r.status != "succeeded"
        ]
        # each task ran in its project's lane, and both executor processes ran some
        assert {r.lane for r in results} == set(range(LANES))
        for r in results:
            assert r.lane == lane_of(r.project_id, LANES)
        assert len({r.executor_id for r in results}) == 2
        _assert_serial_per_lane(results)
        ran = {r.task_id: r for r in results}
        assert ran["task-dep-b"].lane != ran["task-dep-a"].lane
        assert ran["task-dep-b"].started_at >= commits["task-dep-a"].committed_at
        lines = _audit(laned, serde)
        assert any("serial execution (per lane, lanes 0, 1, 2, 3)" in line for line in lines)


def test_a_killed_executors_lanes_move_to_the_other(
    laned: Settings, endpoints: Endpoints, serde: Serde, tmp_path: Path
) -> None:
    with executors(laned, endpoints, tmp_path, 2) as (client, workers):
        first = [task(f"pre{i}", project=PROJECTS[i % len(PROJECTS)]) for i in range(16)]
        publish(laned, serde, *first)
        commits_for(laned, serde, {t.task_id for t in first}, timeout=90)
        victim, survivor = workers
        victim.kill()
        assert settle(
            lambda: (
                {o.split("-")[1] if o else None for o in _holders(client, laned).values()}
                == {str(survivor.pid)}
            ),
            60,
        ), _holders(client, laned)
        later = [task(f"post{i}", project=PROJECTS[i % len(PROJECTS)]) for i in range(16)]
        publish(laned, serde, *later)
        commits = commits_for(laned, serde, {t.task_id for t in later}, timeout=90)
        assert all(c.outcome in ("succeeded", "rebased") for c in commits.values())
        results = _results(laned, serde, len(first) + len(later))
        _assert_serial_per_lane(results)
        _audit(laned, serde)


def test_scheduled_must_have_one_partition_per_lane(laned: Settings) -> None:
    admin = KafkaClients(laned, str(laned.bootstrap_servers)).admin()
    with pytest.raises(ConfigurationError, match="4 partitions; serial execution needs exactly 1"):
        check_scheduled_partitions(admin, laned.model_copy(update={"execution_lanes": 1}))
    with pytest.raises(ConfigurationError, match="4 partitions; 8 lanes need 8"):
        check_scheduled_partitions(admin, laned.model_copy(update={"execution_lanes": 8}))
    # lanes lowered by `lanes set`, which records the partitions it left: the rest stay unused
    two = laned.model_copy(update={"execution_lanes": 2})
    assert check_scheduled_partitions(admin, two, retired=4) == 4


def test_changing_the_lanes_of_a_deployment_drained_and_stopped(
    laned: Settings, endpoints: Endpoints, serde: Serde, tmp_path: Path
) -> None:
    """docs/lanes.md: stop, drain, `lanes set`, restart with the new count. Refused while
    anything runs or a released task has no result; a process with the old count refuses
    to run; no lane ever runs two tasks at once, before, across or after the change."""
    client = redis.Redis.from_url(endpoints.redis_url)
    with executors(laned, endpoints, tmp_path / "four", 2):
        first = [task(f"four{i}", project=PROJECTS[i % len(PROJECTS)]) for i in range(16)]
        publish(laned, serde, *first)
        commits_for(laned, serde, {t.task_id for t in first}, timeout=90)
        assert recorded_lanes(client, laned.redis_prefix) == LANES
        with pytest.raises(ConfigurationError, match="stop the scheduler and every executor"):
            change_lanes(laned, endpoints, client, serde, 2)
    # all stopped (the executors killed): their leases expire, then the change goes through
    assert settle(lambda: not lane_state(laned, endpoints, client, serde).holders, 30)
    done = change_lanes(laned, endpoints, client, serde, 2)
    assert done[0].endswith("4 partitions, 2 no longer used") and "4 -> 2" in done[1], done
    with pytest.raises(ConfigurationError, match="runs 2 execution lane"):
        claim_lanes(client, laned)  # a scheduler or executor still configured with 4
    two = laned.model_copy(update={"execution_lanes": 2})
    with executors(two, endpoints, tmp_path / "two", 2):
        later = [task(f"two{i}", project=PROJECTS[i % len(PROJECTS)]) for i in range(16)]
        publish(two, serde, *later)
        commits = commits_for(two, serde, {t.task_id for t in later}, timeout=90)
        assert all(c.outcome in ("succeeded", "rebased") for c in commits.values())
    results = _results(two, serde, len(first) + len(later))
    for r in results:
        assert r.lane == lane_of(r.project_id, LANES if r.task_id.startswith("task-four") else 2)
    _assert_serial_per_lane(results)
    _audit(two, serde)
    # a release without a result (no executor ran it) blocks the next change
    assert settle(lambda: not lane_state(two, endpoints, client, serde).holders, 30)
    released = schedule(task("orphan"), snapshot_version=0, now=datetime.now(UTC))
    produce(two, SCHEDULED, [(b"task-orphan", serde.encode(released))])
    with pytest.raises(ConfigurationError, match="1 released task\\(s\\) have no result yet"):
        change_lanes(two, endpoints, client, serde, 4)
    client.close()


def test_lane_tokens_never_go_backwards_even_when_redis_loses_the_counter(
    settings: Settings, redis_client: redis.Redis
) -> None:
    """Lanes taken at different times hold older and newer tokens at once; a new token is
    always above every token the instance used, even after Redis lost the shared counter."""
    base = lease_key(settings.redis_prefix, "executor")
    lanes = LaneLeases(redis_client, base, "me", 4)
    assert lanes.balance() == {0, 1, 2, 3}
    tokens = [lease.token for lease in lanes.leases]
    assert len(set(tokens)) == 4 and lanes.floor == max(tokens) and not lanes.counter_lost
    # the counter and the lane leases are gone (a restart without persistence)
    redis_client.delete(f"{base}:token", *(lease.key for lease in lanes.leases))
    assert lanes.balance() == {0, 1, 2, 3}
    again = [lease.token for lease in lanes.leases]
    assert min(again) > max(tokens) and len(set(again)) == 4
    assert lanes.counter_lost  # noticed: the executor heals its results before it runs on
    # the counter was raised in Redis too: another instance's new token is above them all
    other = LaneLeases(redis_client, base, "other", 4)
    lanes.release_all()
    assert other.balance()
    assert min(lease.token for lease in other.leases if lease.token) > max(again)


@contextlib.contextmanager
def lone_executor(
    settings: Settings, endpoints: Endpoints
) -> Iterator[tuple[Pipeline, LaneLeases]]:
    """One executor in this process, holding every lane: the pipeline and its lane leases."""
    pipeline = Pipeline(settings, endpoints, ("executor",))
    pipeline.start()
    try:
        leases = pipeline.runner("executor").lanes
        assert leases is not None
        assert settle(lambda: leases.held == set(range(LANES)), timeout=20)
        yield pipeline, leases
    finally:
        pipeline.stop()


def schedule_in_lane(settings: Settings, serde: Serde, once: TaskObject) -> None:
    """Put ``once`` on ``scheduled`` in its project's lane, as the scheduler would."""
    lane = lane_of(once.project_id, LANES)
    scheduled = schedule(once, snapshot_version=0, now=datetime.now(UTC))
    producer = KafkaClients(settings, str(settings.bootstrap_servers)).producer("event-producer")
    producer.produce(
        settings.topic(SCHEDULED),
        serde.encode(scheduled.model_copy(update={"lane": lane})),
        once.task_id.encode(),
        lane,
    )
    assert producer.flush(10) == 0


def test_after_redis_lost_writes_every_lane_is_taken_anew_at_once(
    topics: Settings, endpoints: Endpoints, serde: Serde
) -> None:
    """One executor holds the four lanes; Redis loses its writes (here the heal marker). The
    next batch, in one lane, heals and takes every lane anew, above every token used before,
    not one lane per batch as each happens to get work."""
    with lone_executor(topics, endpoints) as (pipeline, leases):
        before = max(lease.token for lease in leases.leases)
        pipeline.redis.delete(pipeline.recovery.marker_key)
        schedule_in_lane(topics, serde, task("after-loss", project=PROJECTS[0]))
        _results(topics, serde, 1)
        assert settle(
            lambda: (
                leases.held == set(range(LANES))
                and min(lease.token for lease in leases.leases) > before
            ),
            timeout=20,
        ), [(lease.key, lease.token) for lease in leases.leases]
        notes = pipeline.runner("executor").stats.recent
        assert any("heal marker went back" in n["detail"] for n in notes)


def test_a_lane_lease_back_from_an_older_copy_of_redis_is_taken_anew(
    topics: Settings, endpoints: Endpoints, serde: Serde
) -> None:
    """A lane's lease and its token come back as an older copy of Redis had them (renewing
    it hands out the old token, no counter drawn): the executor heals and takes the lane
    anew above every token it used, rather than run under a token already on the log."""
    with lone_executor(topics, endpoints) as (pipeline, leases):
        # the lane with the highest token: an older copy can hold a lower one (tokens start at 1)
        newest = max(range(LANES), key=lambda n: leases.leases[n].token)
        project = next(p for p in PROJECTS if lane_of(p, LANES) == newest)

        def run(source: str) -> ExecutionResult:
            once = task(source, project=project)
            schedule_in_lane(topics, serde, once)
            return next(
                r for r in _results(topics, serde, len(done) + 1) if r.task_id == once.task_id
            )

        done: list[ExecutionResult] = []
        done.append(run("before-rollback"))
        lease = leases.leases[done[0].lane]
        used = lease.token
        assert done[0].lane == newest and done[0].fencing_token == used > 1
        before = max(x.token for x in leases.leases)
        pipeline.redis.set(lease.token_key, used - 1)  # the lane's token as an older copy had it
        assert settle(lambda: lease.token == used - 1, timeout=10)  # renewed: the old token
        done.append(run("after-rollback"))
        assert done[1].fencing_token > before
        notes = pipeline.runner("executor").stats.recent
        assert any("went back from token" in n["detail"] for n in notes)
