"""Orchestration through the real scheduler, executor, completer and ssot stages: priority,
signed governance, dependencies and cycles, safe mode, unavailable systems, every §9 failure
mode, compensation order, rebase vs mismatch, and replay of recorded state hashes.

Tasks are published on ``formed`` as the former would (the former's own behaviour is covered
in test_formation); the test domain ``ops`` (tests/data/ops_pack.yaml) calls a local HTTP
server that records every request.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from processors.models import DeadLetter, ScheduledTask, SsotCommit
from processors.planner import plan_for
from processors.scheduler import Release, to_scheduled
from streams.audit.verify import replay
from streams.codec.serde import Serde
from streams.runtime.embedded import Endpoints
from streams.runtime.metrics import _StatsCollector
from streams.runtime.pipeline import Pipeline, build_environment, chain_store
from streams.runtime.reader import read_topics
from streams.runtime.topics import (
    DEAD_LETTERS,
    EXECUTED,
    FORMED,
    SCHEDULED,
    SSOT_WRITES,
)
from streams.sdk.governance import signed
from streams.sdk.producer import EventProducer, build_event
from streams.settings import Settings
from tests.conftest import event_producer, read_topic, settle
from tests.orchestration import (
    Hook,
    commits_for,
    govern,
    pending,
    publish,
    results_for,
    scheduled_order,
    send_command,
    task,
    verdict,
)

pytestmark = pytest.mark.integration


def test_priority_order_safe_mode_and_signed_reprioritize(
    orch: Settings, running: Pipeline, serde: Serde, redis_client: redis.Redis
) -> None:
    on = govern(orch, serde, "set_safe_mode", argument="on")
    assert verdict(orch, redis_client, on)["status"] == "applied"
    stateful = [task(f"p{i}") for i in range(4)]
    publish(orch, serde, task("q-ephemeral", ephemeral=True))
    for t in stateful:  # one at a time: arrival order across partitions is then defined
        publish(orch, serde, t)
        assert settle(lambda t=t: t.task_id in pending(orch, redis_client))
    # safe mode holds stateful tasks only: the ephemeral one runs meanwhile
    commits_for(orch, serde, {"task-q-ephemeral"})
    up = govern(orch, serde, "reprioritize", task_id="task-p3", argument="9")
    assert verdict(orch, redis_client, up)["status"] == "applied"
    # an unsigned command and one signed with another key: dead letters, not obeyed
    forged = signed(
        "reprioritize",
        b"wrong-key",
        actor="mallory",
        reason="me first",
        policy_version=orch.governance_policy_version,
        task_id="task-p2",
        argument="99",
    )
    unsigned = forged.model_copy(update={"command_id": str(uuid.uuid4()), "signature": ""})
    send_command(orch, serde, forged)
    send_command(orch, serde, unsigned)
    assert verdict(orch, redis_client, forged)["status"] == "refused"
    assert "bad signature" in verdict(orch, redis_client, forged)["detail"]
    assert "unsigned" in verdict(orch, redis_client, unsigned)["detail"]
    # a replay of the applied command is not obeyed twice
    send_command(orch, serde, up)
    assert "task-p0" not in scheduled_order(orch, serde, set())
    off = govern(orch, serde, "set_safe_mode", argument="off")
    assert verdict(orch, redis_client, off)["status"] == "applied"
    ids = {t.task_id for t in stateful}
    commits_for(orch, serde, ids)
    assert scheduled_order(orch, serde, ids) == ["task-p3", "task-p0", "task-p1", "task-p2"]
    scheduled = {
        s.task.task_id: s
        for s in (
            serde.decode(m.value(), ScheduledTask)
            for m in read_topic(orch, SCHEDULED, until=lambda msgs: len(msgs) >= 5, timeout=10)
        )
    }
    assert scheduled["task-p3"].priority == 9 and scheduled["task-p2"].priority == 5
    assert sum("priority 5 -> 9" in g for g in scheduled["task-p3"].governance) == 1
    letters = [
        serde.decode(m.value(), DeadLetter)
        for m in read_topic(orch, DEAD_LETTERS, until=lambda msgs: len(msgs) >= 2, timeout=10)
    ]
    assert {lt.error_type for lt in letters} == {"GovernanceAuthError"}
    assert any("bad signature" in lt.reason for lt in letters)


def test_a_full_book_leaves_the_backlog_on_formed(
    orch: Settings, endpoints: Endpoints, serde: Serde, redis_client: redis.Redis
) -> None:
    """Backpressure: at book_max_pending the scheduler stops reading formed (overload waits
    on the topic, not in memory) and reads on once releases empty the book; nothing is lost
    or done twice."""
    settings = orch.model_copy(update={"book_max_pending": 4})
    running = Pipeline(settings, endpoints)
    running.start()
    try:
        assert running.wait_ready(60)
        scheduler = running.runner("scheduler")
        assert settle(lambda: scheduler.active and running.runner("executor").active, 20)
        on = govern(settings, serde, "set_safe_mode", argument="on")
        assert verdict(settings, redis_client, on)["status"] == "applied"
        first = [task(f"full{i}") for i in range(4)]
        for t in first:  # one batch each: the book fills to its bound exactly
            publish(settings, serde, t)
            assert settle(lambda t=t: t.task_id in pending(settings, redis_client))
        assert settle(lambda: scheduler.paused == [settings.topic(FORMED)])
        registry = CollectorRegistry()
        registry.register(_StatsCollector([scheduler]))
        gauge = ("taskline_topic_paused", "scheduler", settings.topic(FORMED))
        samples = [
            s
            for f in text_string_to_metric_families(generate_latest(registry).decode())
            for s in f.samples
        ]
        assert gauge in {
            (s.name, s.labels["stage"], s.labels["topic"])
            for s in samples
            if s.name == "taskline_topic_paused" and s.value == 1
        }
        # the book as an operator sees it: full, nothing released (safe mode)
        book = {s.labels["state"]: s.value for s in samples if s.name == "taskline_scheduler_tasks"}
        assert book == {"pending": 4, "inflight": 0}
        assert [s.value for s in samples if s.name == "taskline_scheduler_release_window"] == [
            settings.release_window
        ]
        backlog = [task(f"later{i}") for i in range(3)]
        publish(settings, serde, *backlog)
        time.sleep(2)  # read, they would be in the book within milliseconds
        assert pending(settings, redis_client) == {t.task_id for t in first}
        # a new scheduler (a restart, a take-over) neither takes the backlog from the log
        # nor reads it before it finds the book full
        running.stop()
        running = Pipeline(settings, endpoints)
        running.start()
        assert running.wait_ready(60)
        scheduler = running.runner("scheduler")
        assert settle(lambda: scheduler.active and running.runner("executor").active, 20)
        assert scheduler.paused == [settings.topic(FORMED)]
        time.sleep(2)
        assert pending(settings, redis_client) == {t.task_id for t in first}
        off = govern(settings, serde, "set_safe_mode", argument="off")
        assert verdict(settings, redis_client, off)["status"] == "applied"
        ids = {t.task_id for t in first + backlog}
        commits = [
            serde.decode(m.value(), SsotCommit)
            for m in read_topic(
                settings,
                SSOT_WRITES,
                until=lambda msgs: len(msgs) >= len(ids),
                timeout=60,
            )
        ]
        assert sorted(c.task_id for c in commits) == sorted(ids)  # each once
        assert settle(lambda: not scheduler.paused)
        assert scheduler.error is None
    finally:
        running.stop()


def test_dependencies_wait_and_a_cycle_is_a_pipeline_deadlock(
    orch: Settings, running: Pipeline, serde: Serde
) -> None:
    later = task("dep-later", depends_on=["dep-first"])
    publish(orch, serde, later, task("cyc-a", depends_on=["cyc-b"]))
    assert settle(lambda: "task-dep-later" in pending(orch, running.redis))
    assert "task-dep-later" not in scheduled_order(orch, serde, set())  # waiting
    publish(orch, serde, task("cyc-b", depends_on=["cyc-a"]), task("dep-first"))
    commits = commits_for(
        orch, serde, {"task-dep-later", "task-dep-first", "task-cyc-a", "task-cyc-b"}
    )
    results = results_for(orch, serde, {"task-dep-later", "task-dep-first"})
    # the dependent ran only after its dependency's commit, on a state that holds it
    assert results["task-dep-later"].started_at >= commits["task-dep-first"].committed_at
    ran_on = results["task-dep-later"].snapshot_version
    assert ran_on >= commits["task-dep-first"].version
    later = commits["task-dep-later"]
    if later.outcome == "rebased":
        # the cycle's failures are committed on the same project; when one lands while the
        # dependent runs, its result is rebased onto it: nothing else may come between
        between = {n for n, c in commits.items() if ran_on < c.version < later.version}
        assert between and between <= {"task-cyc-a", "task-cyc-b"}, between
    else:
        assert later.outcome == "succeeded"
    for name in ("task-cyc-a", "task-cyc-b"):
        assert commits[name].outcome == "failed"
        assert commits[name].message.startswith("pipeline deadlock")
        assert "dependency cycle" in commits[name].message
    # a dependency that failed fails its dependents without running them
    publish(orch, serde, task("dep-on-cycle", depends_on=["cyc-a"]))
    failed = commits_for(orch, serde, {"task-dep-on-cycle"})["task-dep-on-cycle"]
    assert failed.outcome == "failed" and failed.message.startswith("dependency failed")


def test_an_unavailable_system_holds_its_tasks_and_blocks_released_ones(
    orch: Settings, running: Pipeline, serde: Serde, redis_client: redis.Redis
) -> None:
    down = govern(orch, serde, "set_system_available", argument="pump=unavailable")
    assert verdict(orch, redis_client, down)["status"] == "applied"
    publish(orch, serde, task("uses-pump", systems=["pump"]), task("no-pump"))
    commits_for(orch, serde, {"task-no-pump"})
    assert settle(lambda: "task-uses-pump" in pending(orch, redis_client))
    assert "task-uses-pump" not in scheduled_order(orch, serde, {"task-no-pump"})
    # a task released before the switch (already on `scheduled`) fails as blocked routing
    early = task("early-pump", systems=["pump"])
    release = Release(early, plan_for(early, None), 5, [])
    scheduled = to_scheduled(release, snapshot_version=0, now=datetime.now(UTC))
    event_producer(orch, serde).publish(
        orch.topic(SCHEDULED), [(early.task_id.encode(), scheduled)]
    )
    blocked = commits_for(orch, serde, {"task-early-pump"})["task-early-pump"]
    assert blocked.outcome == "failed" and blocked.message.startswith("blocked routing")
    back = govern(orch, serde, "set_system_available", argument="pump=available")
    assert verdict(orch, redis_client, back)["status"] == "applied"
    assert commits_for(orch, serde, {"task-uses-pump"})["task-uses-pump"].outcome == "succeeded"


def test_every_failure_mode_is_named(
    orch: Settings, running: Pipeline, serde: Serde, hook: Hook, redis_client: redis.Redis
) -> None:
    hook_slots = {"hook": hook.url}
    publish(
        orch,
        serde,
        # set up state for the guarded intent: ready, level 1
        task(
            "seed",
            project="helios",
            patch=[
                {"op": "add", "path": "/ready", "value": True},
                {"op": "add", "path": "/mode", "value": "frozen"},
            ],
        ),
    )
    commits_for(orch, serde, {"task-seed"})
    publish(
        orch,
        serde,
        task(
            "unsafe",
            project="helios",
            intent="guarded",
            patch=[{"op": "add", "path": "/level", "value": 3}],
        ),
        task("forbidden", intent="shell", ephemeral=True),
        task("invalid", intent="notify", ephemeral=True, slots={**hook_slots, "path": "bad"}),
        task(
            "drifted",
            project="orion",
            patch=[
                {"op": "test", "path": "/status", "value": "green"},
                {"op": "add", "path": "/status", "value": "amber"},
            ],
        ),
        task("gated", intent="gated", patch=[{"op": "add", "path": "/g", "value": 1}]),
    )
    assert settle(lambda: "task-gated" in pending(orch, redis_client))
    gated_held = govern(orch, serde, "reject", task_id="task-gated")
    assert verdict(orch, redis_client, gated_held)["status"] == "applied"
    ids = {"task-unsafe", "task-forbidden", "task-invalid", "task-drifted", "task-gated"}
    commits = commits_for(orch, serde, ids)
    expect = {
        "task-unsafe": "safety violation",
        "task-forbidden": "forbidden engine call",
        "task-invalid": "invalid output",
        "task-drifted": "drift",
        "task-gated": "rejected",
    }
    for task_id, prefix in expect.items():
        assert commits[task_id].outcome == "failed", task_id
        assert commits[task_id].message.startswith(prefix), commits[task_id].message
    results = results_for(orch, serde, ids - {"task-gated"})
    assert results["task-unsafe"].failure_mode == "safety_violation"
    assert "forbidden state present" in (results["task-unsafe"].error or "")
    assert results["task-forbidden"].failure_mode == "forbidden_engine_call"
    assert results["task-drifted"].failure_mode == "drift"
    invalid = results["task-invalid"].steps
    assert [s.safety for s in invalid if s.kind == "step"][-1] == "invalid_output"
    # the hook was called: its refused output does not undo the call, a compensation does
    # (the notify step has none, and its entry says so)
    assert invalid[-1].kind == "compensation" and "has no compensation" in invalid[-1].detail
    # the remaining two modes: pipeline deadlock (dependencies test) and SSOT mismatch (below)


def test_gate_waits_for_approval_then_runs(
    orch: Settings, running: Pipeline, serde: Serde, redis_client: redis.Redis
) -> None:
    publish(
        orch,
        serde,
        task("gate-ok", intent="gated", patch=[{"op": "add", "path": "/x", "value": 2}]),
    )
    assert settle(lambda: "task-gate-ok" in pending(orch, redis_client))
    assert scheduled_order(orch, serde, set()) == []
    ok = govern(orch, serde, "approve", task_id="task-gate-ok")
    assert verdict(orch, redis_client, ok)["status"] == "applied"
    commit = commits_for(orch, serde, {"task-gate-ok"})["task-gate-ok"]
    assert commit.outcome == "succeeded"
    result = results_for(orch, serde, {"task-gate-ok"})["task-gate-ok"]
    assert "approved" in result.steps[0].governance
    # approving something that is no longer pending is a logged, non-applied verdict
    again = govern(orch, serde, "approve", task_id="task-gate-ok")
    assert verdict(orch, redis_client, again)["status"] == "not_applied"


def test_compensation_runs_in_reverse_and_nothing_partial_commits(
    orch: Settings, running: Pipeline, serde: Serde, hook: Hook
) -> None:
    slots = {"hook": hook.url, "last": "fail", "timeout_ms": "2000", "attempts": "2"}
    publish(
        orch,
        serde,
        task(
            "deploy-fails",
            intent="deploy",
            project="apollo",
            slots=slots,
            patch=[{"op": "add", "path": "/deployed", "value": True}],
        ),
    )
    commit = commits_for(orch, serde, {"task-deploy-fails"})["task-deploy-fails"]
    assert commit.outcome == "failed" and commit.kind == "ledger"  # no state change
    assert hook.paths() == ["a", "b", "fail", "fail", "undo-b", "undo-a"]  # retried once
    result = results_for(orch, serde, {"task-deploy-fails"})["task-deploy-fails"]
    assert [s.kind for s in result.steps][-2:] == ["compensation", "compensation"]
    assert result.steps[3].attempts == 2
    headers = dict(hook.calls[0][1])
    assert headers["Idempotency-Key"] == "task-deploy-fails/2"
    assert int(headers["X-Taskline-Fencing-Token"]) >= 1
    assert "deployed" not in chain_store(orch, running.redis).head("apollo").state


def test_rebase_versus_mismatch(
    orch: Settings, running: Pipeline, serde: Serde, redis_client: redis.Redis
) -> None:
    # hold all three so they are released together and run on the same snapshot
    on = govern(orch, serde, "set_safe_mode", argument="on")
    assert verdict(orch, redis_client, on)["status"] == "applied"
    for t in (
        task("r1", project="orion", patch=[{"op": "add", "path": "/a", "value": 1}]),
        task("r2", project="orion", patch=[{"op": "add", "path": "/b", "value": 2}]),
        task("r3", project="orion", patch=[{"op": "add", "path": "/a", "value": 3}]),
    ):  # one at a time, so that they run in this order (equal priority: arrival order)
        publish(orch, serde, t)
        assert settle(lambda t=t: t.task_id in pending(orch, redis_client))
    off = govern(orch, serde, "set_safe_mode", argument="off")
    assert verdict(orch, redis_client, off)["status"] == "applied"
    commits = commits_for(orch, serde, {"task-r1", "task-r2", "task-r3"})
    results = results_for(orch, serde, {"task-r1", "task-r2", "task-r3"})
    assert {r.snapshot_version for r in results.values()} == {0}
    assert [commits[t].outcome for t in ("task-r1", "task-r2", "task-r3")] == [
        "succeeded",
        "rebased",
        "ssot_mismatch",
    ]
    assert chain_store(orch, running.redis).head("orion").state == {"a": 1, "b": 2}


def test_replay_reproduces_every_recorded_state_hash(
    orch: Settings, running: Pipeline, serde: Serde, hook: Hook
) -> None:
    slots = {"hook": hook.url, "last": "c", "timeout_ms": "2000", "attempts": "1"}
    publish(
        orch,
        serde,
        task("rp1", project="apollo", patch=[{"op": "add", "path": "/v", "value": 1}]),
        task(
            "rp2",
            intent="deploy",
            project="apollo",
            slots=slots,
            patch=[{"op": "add", "path": "/deployed", "value": True}],
        ),
        task(
            "rp3",
            intent="guarded",
            project="apollo",
            patch=[{"op": "add", "path": "/level", "value": 2}],
        ),
        task("rp4", ephemeral=True),
    )
    ids = {"task-rp1", "task-rp2", "task-rp3", "task-rp4"}
    commits = commits_for(orch, serde, ids)
    assert commits["task-rp2"].outcome in ("succeeded", "rebased")
    calls = len(hook.calls)
    records = read_topics(orch, str(orch.bootstrap_servers), [SCHEDULED, EXECUTED, SSOT_WRITES])
    outcomes = replay(records, serde, build_environment(orch))
    mine = [o for o in outcomes if o.task_id in ids]
    assert len(mine) == 4 and all(o.matched for o in mine), [o for o in mine if not o.matched]
    assert len(hook.calls) == calls  # replay repeats no side effect


def test_a_dependency_named_by_the_producer_holds_the_task_end_to_end(
    orch: Settings, running: Pipeline, serde: Serde, redis_client: redis.Redis
) -> None:
    """Through router and former: `metadata.depends_on` on a raw event makes its task wait."""
    first = build_event({"text": "set the helios item 1 to v1", "session_id": "dep-e2e"})
    second = build_event(
        {
            "text": "set the helios item 2 to v2",
            "session_id": "dep-e2e",
            "metadata": {"depends_on": first.source_event_id},
        }
    )
    producer = EventProducer(orch, str(orch.bootstrap_servers), serde)
    producer.send_many([second])
    waiting = "task-unknown"

    def second_pending() -> bool:
        nonlocal waiting
        for task_id in pending(orch, redis_client):
            waiting = task_id
            return True
        return False

    assert settle(second_pending, 30)
    producer.send_many([first])
    commits = {
        c.source_event_id: c
        for c in (
            serde.decode(m.value(), SsotCommit)
            for m in read_topic(orch, SSOT_WRITES, until=lambda ms: len(ms) >= 2, timeout=60)
        )
    }
    assert set(commits) == {first.source_event_id, second.source_event_id}
    assert commits[second.source_event_id].task_id == waiting
    assert (
        commits[second.source_event_id].committed_at >= commits[first.source_event_id].committed_at
    )
    assert commits[second.source_event_id].version == commits[first.source_event_id].version + 1
