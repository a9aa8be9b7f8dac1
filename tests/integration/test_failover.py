"""Executor failover: two executor processes; the active one is SIGKILLed in the middle of a
task; the standby takes the lease (a higher fencing token), resumes the task from its last
checkpoint without repeating the completed side effects, and no two executions overlap."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest
import redis

from processors.models import ExecutionResult, SsotCommit
from streams.codec.serde import Serde
from streams.runtime.embedded import Endpoints
from streams.runtime.pipeline import Pipeline
from streams.runtime.topics import EXECUTED, SSOT_WRITES
from streams.runtime.workers import WorkerProcess, worker_env
from streams.settings import Settings
from tests.conftest import read_topic, settle
from tests.orchestration import Hook, commits_for, publish, task

pytestmark = pytest.mark.integration


def _active(client: redis.Redis, settings: Settings, workers: list[WorkerProcess]) -> WorkerProcess:
    owner = client.get(f"{settings.redis_prefix}:lease:executor")
    assert owner is not None
    pid = int(owner.decode().split("-")[1])
    return next(w for w in workers if w.pid == pid)


def test_standby_resumes_from_the_checkpoint_after_the_active_executor_is_killed(
    orch: Settings, endpoints: Endpoints, serde: Serde, hook: Hook, tmp_path: Path
) -> None:
    env = worker_env(orch, endpoints, packs_dir=str(orch.packs_dir))
    workers = [WorkerProcess(f"executor-{i}", "executor", env, tmp_path / "logs") for i in (1, 2)]
    others = Pipeline(orch, endpoints, ("router", "former", "scheduler", "completer", "ssot"))
    others.start()
    client = redis.Redis.from_url(endpoints.redis_url)
    try:
        assert others.wait_ready(60)
        for w in workers:
            w.start()
        assert settle(lambda: client.get(f"{orch.redis_prefix}:lease:executor") is not None, 30)
        first = _active(client, orch, workers)
        standby = next(w for w in workers if w is not first)

        publish(orch, serde, *(task(f"before{i}") for i in range(3)))
        commits_for(orch, serde, {f"task-before{i}" for i in range(3)})
        hook.slow_s = 8.0  # the first /slow call outlives its executor
        slots = {"hook": hook.url, "last": "slow", "timeout_ms": "20000", "attempts": "1"}
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
    finally:
        for w in workers:
            w.kill()
        others.stop()
        client.close()
