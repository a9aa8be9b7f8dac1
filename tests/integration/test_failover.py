"""Executor failover: two executor processes; the active one is SIGKILLed in the middle of a
task; the standby takes the lease (a higher fencing token), resumes the task from its last
checkpoint without repeating the completed side effects, and no two executions overlap."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from processors.models import ExecutionResult, SsotCommit
from streams.codec.serde import Serde
from streams.runtime.embedded import Endpoints
from streams.runtime.lease import Lease, lease_key
from streams.runtime.pipeline import Pipeline
from streams.runtime.topics import EXECUTED, SSOT_WRITES
from streams.runtime.workers import WorkerProcess, worker_env
from streams.settings import Settings
from tests.conftest import read_topic, settle
from tests.orchestration import Hook, commits_for, publish, task

pytestmark = pytest.mark.integration


def _active(client: redis.Redis, settings: Settings, workers: list[WorkerProcess]) -> WorkerProcess:
    holder = _holder(client, settings, workers)
    assert holder is not None
    return holder


def _holder(
    client: redis.Redis, settings: Settings, workers: list[WorkerProcess]
) -> WorkerProcess | None:
    """The worker holding the executor lease now (None between an expiry and a take-over)."""
    owner = client.get(lease_key(settings.redis_prefix, "executor"))
    if owner is None:
        return None
    pid = int(owner.decode().split("-")[1])
    return next((w for w in workers if w.pid == pid), None)  # None: a worker since killed


@contextlib.contextmanager
def two_executors(
    orch: Settings, endpoints: Endpoints, tmp_path: Path
) -> Iterator[tuple[redis.Redis, list[WorkerProcess], WorkerProcess, WorkerProcess]]:
    """Every other stage in this process and two executor processes, one of them active:
    yields (redis client, the executor workers, the active one, the standby)."""
    env = worker_env(orch, endpoints, packs_dir=str(orch.packs_dir))
    workers = [WorkerProcess(f"executor-{i}", "executor", env, tmp_path / "logs") for i in (1, 2)]
    others = Pipeline(orch, endpoints, ("router", "former", "scheduler", "completer", "ssot"))
    others.start()
    client = redis.Redis.from_url(endpoints.redis_url)
    try:
        assert others.wait_ready(60)
        for w in workers:
            w.start()
        assert settle(lambda: client.get(lease_key(orch.redis_prefix, "executor")) is not None, 30)
        first = _active(client, orch, workers)
        yield client, workers, first, next(w for w in workers if w is not first)
    finally:
        for w in workers:
            w.kill()
        others.stop()
        client.close()


def test_standby_resumes_from_the_checkpoint_after_the_active_executor_is_killed(
    orch: Settings, endpoints: Endpoints, serde: Serde, hook: Hook, tmp_path: Path
) -> None:
    with two_executors(orch, endpoints, tmp_path) as (client, workers, first, standby):
        publish(orch, serde, *(task(f"before{i}") for i in range(3)))
        commits_for(orch, serde, {f"task-before{i}" for i in range(3)})
        hook.slow_s = 8.0  # the first /slow call outlives its executor
        slots = {"hook": hook.url, "last": "slow", "timeout_ms": "5000", "attempts": "1"}
        publish(
            orch,
            serde,
            task(
                "deploy",
                intent="deploy",
                project="apollo",
                slots=slots,
                patch=[{"op": "add", "path": "/deployed", "value": True}],
            ),
        )
        # the later tasks queue behind the deploy: published once it runs (tasks published
        # together land on different partitions of `formed`, in no defined order)
        assert settle(lambda: "a" in hook.paths(), 30)
        publish(orch, serde, *(task(f"after{i}") for i in range(3)))
        assert settle(lambda: "slow" in hook.paths(), 30)
        first.kill()  # SIGKILL mid-step: a, b done and checkpointed; slow in flight

        ids = {"task-deploy"} | {f"task-after{i}" for i in range(3)}
        commits = commits_for(orch, serde, ids, timeout=90)
        assert commits["task-deploy"].outcome == "succeeded"
        assert _active(client, orch, workers) is standby
        # completed side effects were not repeated; the step in flight ran again, same key
        calls = Counter(hook.paths())
        assert calls["a"] == 1 and calls["b"] == 1 and calls["slow"] == 2
        assert not [p for p in calls if p.startswith("undo")]
        slow = [h for p, h in hook.calls if p == "slow"]
        assert {h["Idempotency-Key"] for h in slow} == {"task-deploy/4"}
        tokens = [int(h["X-Taskline-Fencing-Token"]) for h in slow]
        assert tokens[1] > tokens[0]  # the successor's token fences the deposed executor

        results = [
            serde.decode(m.value(), ExecutionResult)
            for m in read_topic(orch, EXECUTED, until=lambda ms: len(ms) >= 7, timeout=30)
        ]
        by_task: dict[str, set[tuple[object, ...]]] = {}
        for r in results:
            by_task.setdefault(r.task_id, set()).add((r.started_at, r.finished_at, r.state_hash))
        assert all(len(v) == 1 for v in by_task.values())  # repeats are identical re-emissions
        deploy = next(r for r in results if r.task_id == "task-deploy")
        assert deploy.resumed_from_step == 3 and deploy.fencing_token == tokens[1]
        assert [s.kind for s in deploy.steps].count("resume") == 1
        intervals = sorted((r.started_at, r.finished_at, r.task_id) for r in results)
        for (_, end, a), (start, _, b) in itertools.pairwise(intervals):
            assert end <= start, f"{a} and {b} overlap"
        # no task completed twice: one commit per task, one task per version
        commits_seen = [
            serde.decode(m.value(), SsotCommit)
            for m in read_topic(orch, SSOT_WRITES, until=lambda ms: len(ms) >= 7, timeout=30)
        ]
        per_task = Counter(c.task_id for c in {c.commit_id: c for c in commits_seen}.values())
        assert per_task and max(per_task.values()) == 1


def test_a_deposed_executor_that_gets_the_lease_back_publishes_nothing_it_computed_before(
    orch: Settings, endpoints: Endpoints, serde: Serde, hook: Hook, tmp_path: Path
) -> None:
    """SIGSTOP the active executor in the middle of a step, past its lease; the standby takes
    over (a new token) and finishes the task; kill the standby, SIGCONT the paused one: it
    gets the lease back under yet another token, and the batch it computed under its old
    token is never published (results and checkpoints are fenced by the token)."""
    lease = lease_key(orch.redis_prefix, "executor")
    token_key = f"{lease}:token"
    with two_executors(orch, endpoints, tmp_path) as (client, workers, first, standby):
        publish(orch, serde, task("warmup"))
        commits_for(orch, serde, {"task-warmup"})
        deposed_token = int(client.get(token_key) or 0)

        hook.slow_s = 3.0  # the deposed executor's call is in flight when it is paused
        slots = {"hook": hook.url, "last": "slow", "timeout_ms": "4000", "attempts": "1"}
        deploy = task(
            "deploy",
            intent="deploy",
            project="apollo",
            slots=slots,
            patch=[{"op": "add", "path": "/deployed", "value": True}],
        )
        publish(orch, serde, deploy)
        assert settle(lambda: "slow" in hook.paths(), 30)
        assert first.pid is not None
        os.kill(first.pid, signal.SIGSTOP)
        try:
            assert settle(lambda: _holder(client, orch, workers) is standby, 60)
            commits_for(orch, serde, {"task-deploy"}, timeout=60)
            standby.kill()
        finally:
            os.kill(first.pid, signal.SIGCONT)
        assert settle(lambda: client.get(lease) is not None, 30)
        assert settle(lambda: _holder(client, orch, workers) is first, 60)
        publish(orch, serde, task("after"))
        commits_for(orch, serde, {"task-after"}, timeout=60)

        results = [
            serde.decode(m.value(), ExecutionResult)
            for m in read_topic(orch, EXECUTED, until=lambda ms: len(ms) >= 3, timeout=30)
        ]
        tokens: dict[str, set[int]] = {}
        for r in results:
            tokens.setdefault(r.task_id, set()).add(r.fencing_token)
        # the deposed executor's result of task-deploy (its old token) was never published
        assert deposed_token not in tokens["task-deploy"]
        assert len(tokens["task-deploy"]) == 1 and min(tokens["task-deploy"]) > deposed_token
        # back with the lease: a token newer than the standby's
        assert min(tokens["task-after"]) > max(tokens["task-deploy"])
        slow = [int(h["X-Taskline-Fencing-Token"]) for p, h in hook.calls if p == "slow"]
        assert slow[0] == deposed_token and slow[-1] == max(tokens["task-deploy"])
        distinct = {(r.task_id, r.started_at, r.finished_at) for r in results}
        intervals = sorted((start, end, t) for t, start, end in distinct)
        for (_, end, a), (start, _, b) in itertools.pairwise(intervals):
            assert end <= start, f"{a} and {b} overlap"
        commits_seen = [
            serde.decode(m.value(), SsotCommit)
            for m in read_topic(orch, SSOT_WRITES, until=lambda ms: len(ms) >= 3, timeout=30)
        ]
        per_task = Counter(c.task_id for c in {c.commit_id: c for c in commits_seen}.values())
        assert per_task == Counter({"task-warmup": 1, "task-deploy": 1, "task-after": 1})


def test_a_deposed_executor_back_with_a_new_token_neither_acts_nor_publishes_for_its_old_batch(
    orch: Settings, endpoints: Endpoints, serde: Serde, hook: Hook, tmp_path: Path
) -> None:
    """The same pause, but the standby dies before it records a result, and its lease runs
    out while the paused executor is still stopped: on SIGCONT that executor takes the lease
    again (same instance id, new token) while its old batch is still in flight. The batch's
    step times out; its compensations must not run and its failure must not be published
    (the token moved on); the task is redone under the new token and succeeds."""
    lease = lease_key(orch.redis_prefix, "executor")
    with two_executors(orch, endpoints, tmp_path) as (client, workers, first, standby):
        publish(orch, serde, task("warmup"))
        commits_for(orch, serde, {"task-warmup"})
        old_token = int(client.get(f"{lease}:token") or 0)

        hook.slow_s, hook.slow_n = 30.0, 2  # both calls outlast the pause: the step times out
        slots = {"hook": hook.url, "last": "slow", "timeout_ms": "3000", "attempts": "1"}
        deploy = task(
            "deploy",
            intent="deploy",
            project="apollo",
            slots=slots,
            patch=[{"op": "add", "path": "/deployed", "value": True}],
        )
        publish(orch, serde, deploy)
        assert settle(lambda: hook.paths().count("slow") == 1, 30)
        assert first.pid is not None
        os.kill(first.pid, signal.SIGSTOP)
        try:
            assert settle(lambda: _holder(client, orch, workers) is standby, 60)
            assert settle(lambda: hook.paths().count("slow") == 2, 30)
            standby.kill()  # mid-step, nothing recorded
            assert settle(lambda: client.get(lease) is None, 60)  # its lease ran out
        finally:
            os.kill(first.pid, signal.SIGCONT)
        commits = commits_for(orch, serde, {"task-deploy"}, timeout=90)
        assert commits["task-deploy"].outcome == "succeeded"

        assert not [p for p in hook.paths() if p.startswith("undo")]
        results = [
            serde.decode(m.value(), ExecutionResult)
            for m in read_topic(orch, EXECUTED, until=lambda ms: len(ms) >= 2, timeout=30)
        ]
        deploy_results = {
            (r.fencing_token, r.status) for r in results if r.task_id == "task-deploy"
        }
        assert len(deploy_results) == 1
        ((token, status),) = deploy_results
        assert status == "succeeded" and token > old_token + 1  # neither t1 nor the standby's
        assert _active(client, orch, workers) is first


def test_a_lease_whose_token_redis_lost_is_taken_anew_not_stalled(
    settings: Settings, redis_client: redis.Redis
) -> None:
    """Redis lost the token key but not the lease (keys deleted one by one, an eviction, a
    partial restore): the owner gets a new token instead of "not held" forever."""
    key = lease_key(settings.redis_prefix, "scheduler")
    lease = Lease(redis_client, key, "me", ttl_ms=5000)
    standby = Lease(redis_client, key, "other", ttl_ms=5000)
    first = lease.hold()
    assert first > 0 and standby.hold() == 0
    redis_client.delete(lease.token_key)
    again = lease.hold()
    assert again > 0 and lease.remaining_s() > 0  # held, under a token of its own
    assert standby.hold() == 0  # and still exclusive
    redis_client.delete(key)  # the lease gone too: whoever asks first gets it, a new token
    assert standby.hold() > again and lease.hold() == 0
