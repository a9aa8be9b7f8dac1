"""Orchestration logic without Kafka or Redis: the scheduler's book, governance signatures,
plans, safety conditions and the executor's gates, retries, timeouts, compensation, resume
and replay."""

from __future__ import annotations

import contextlib
import dataclasses
import heapq
import random
import time
from datetime import timedelta
from typing import Any

import pytest

from processors.completer import plan_commit
from processors.engines import EngineRegistry, FunctionEngine, StepContext, StepFailed
from processors.executor import Checkpoint, Environment, Executor, Snapshot, reply_for
from processors.former import depends_on_of
from processors.jsonpatch import CanonicalCache
from processors.models import PlanStep, Reply, ScheduledTask, TaskObject
from processors.packs import IntentSpec
from processors.planner import SAFE_ENGINES, PlanError, plan_for
from processors.safety import holds, violations
from processors.scheduler import (
    Book,
    Entry,
    GovernanceRefused,
    Release,
    schedule,
    to_scheduled,
)
from processors.ssot import GENESIS_HASH, Head
from streams.audit.verify import _compare, _replayed
from streams.codec.serde import SchemaStore, Serde
from streams.errors import GovernanceAuthError
from streams.sdk.governance import signed, verify
from tests import samples

T0 = samples.T0


def stateful(source: str, **update: Any) -> TaskObject:
    return samples.STATEFUL.model_copy(
        update={
            "task_id": f"task-{source}",
            "source_event_id": source,
            "patch": [samples.PATCH[0]],
            **update,
        }
    )


def ephemeral(source: str, **update: Any) -> TaskObject:
    return samples.EPHEMERAL.model_copy(
        update={"task_id": f"task-{source}", "source_event_id": source, **update}
    )


def admit(book: Book, *tasks: TaskObject, gate: str | None = None) -> None:
    for t in tasks:
        assert book.admit(t, T0, plan=plan_for(t, None), gate=gate) is not None


def released(book: Book, window: int = 10, done: dict[str, str] | None = None) -> list[str]:
    return [r.task.task_id for r in book.release(window=window, now=T0, done=done or {})]


# --- the book ----------------------------------------------------------------------------


def test_release_in_priority_order_then_arrival_within_the_window() -> None:
    book = Book()
    admit(book, stateful("a"), stateful("b", priority=9), ephemeral("c"), stateful("d"))
    assert released(book, window=3) == ["task-b", "task-a", "task-d"]
    assert released(book, window=3) == []  # window full until a commit comes back
    assert book.complete("task-b")
    assert released(book, window=3) == ["task-c"]
    assert book.admit(stateful("a"), T0, plan=[]) is None  # a redelivered formed task


@pytest.mark.parametrize("seed", range(40))
def test_a_release_takes_what_a_scan_of_the_whole_book_would(seed: int) -> None:
    """The book's release queue against nsmallest over every ready task, through admissions,
    priorities set at formation and by governance, gates, approvals, cancellations,
    dependencies, safe mode and completions in random order."""
    rng = random.Random(seed)
    book = Book()
    order = lambda e: (-e.priority, e.seq)  # noqa: E731
    done: dict[str, str] = {}
    for step in range(300):
        roll = rng.random()
        pending = list(book.pending)
        if roll < 0.35:
            deps = [f"s{rng.randrange(step + 1)}"] if rng.random() < 0.15 else []
            make = stateful if rng.random() < 0.6 else ephemeral
            task = make(f"s{step}", priority=rng.randrange(4), depends_on=deps)
            gate = "gate" if rng.random() < 0.1 else None
            entry = book.admit(task, T0, plan=plan_for(task, None), gate=gate)
            if entry is not None and rng.random() < 0.3:
                book.set_priority(entry, rng.randrange(6))
        elif roll < 0.45 and pending:
            book.reprioritize(rng.choice(pending), rng.randrange(-2, 8), "test")
        elif roll < 0.5 and pending:
            with contextlib.suppress(GovernanceRefused):
                book.approve(rng.choice(pending), "test")
        elif roll < 0.53 and pending:
            with contextlib.suppress(GovernanceRefused):
                book.cancel(rng.choice(pending), "test")
        elif roll < 0.56:
            book.safe_mode = not book.safe_mode
        elif roll < 0.7 and book.inflight:
            task_id = rng.choice(list(book.inflight))
            book.complete(task_id)
            done[task_id.removeprefix("task-")] = rng.choice(["succeeded", "failed"])
        else:
            window = rng.randrange(1, 8)
            if book._dependents:  # what release decides first (failed or timed-out deps)
                book._fail_blocked(T0, done)
            failing = sorted(
                (e for e in book.pending.values() if e.fail is not None), key=lambda e: e.seq
            )
            ready = [e for e in book.pending.values() if e.fail is None and book._ready(e, done)]
            room = window - len(book.inflight)
            expected = [e.task.task_id for e in failing]
            if room > 0:
                expected += [e.task.task_id for e in heapq.nsmallest(room, ready, key=order)]
            got = book.release(window=window, now=T0, done=done)
            assert [r.task.task_id for r in got] == expected, step


def test_a_backlog_that_is_not_ready_is_scanned_and_the_queue_stays_bounded() -> None:
    book = Book(safe_mode=True)  # holds stateful tasks: 600 of them ahead of the ephemeral
    admit(book, *(stateful(f"w{i}", priority=5) for i in range(600)))
    admit(book, *(ephemeral(f"e{i}") for i in range(3)))
    assert released(book, window=2) == ["task-e0", "task-e1"]
    book.safe_mode = False
    assert book.complete("task-e0") and released(book, window=2) == ["task-w0"]
    # with lanes the queue is not popped: it is compacted as tasks leave
    lanes = Book()
    for i in range(2000):
        admit(lanes, ephemeral(f"l{i}"))
        for r in lanes.release(window=4, now=T0, done={}, lanes=2, lane_of=lambda _p: 1):
            lanes.complete(r.task.task_id)
    assert not lanes.pending and len(lanes._queue) <= 64 + 2


def test_release_windows_per_lane_an_older_backlog_crowds_no_lane_out() -> None:
    book = Book()
    lanes = {"busy": 0, "calm": 1}
    # six older tasks of a project in lane 0, then two of a project in lane 1
    admit(book, *(stateful(f"b{i}", project_id="busy") for i in range(6)))
    admit(book, stateful("c0", project_id="calm"), stateful("c1", project_id="calm"))

    def release() -> list[str]:
        out = book.release(
            window=2, now=T0, done={}, lanes=2, lane_of=lambda p: lanes.get(p or "", 0)
        )
        return [r.task.task_id for r in out]

    # two per lane, in arrival order within each lane; lane 1 not held back by lane 0's queue
    assert release() == ["task-b0", "task-b1", "task-c0", "task-c1"]
    assert release() == []
    assert book.complete("task-c0") and release() == []  # lane 1 has nothing left
    assert book.complete("task-b0") and release() == ["task-b2"]
    assert book.inflight_lane == {"task-b1": 0, "task-c1": 1, "task-b2": 0}


def test_governance_holds_across_every_lane() -> None:
    book = Book(safe_mode=True)
    admit(book, stateful("s0", project_id="p0"), stateful("s1", project_id="p1"))
    admit(book, ephemeral("e1", project_id="p1"))

    def release() -> list[str]:
        out = book.release(
            window=4, now=T0, done={}, lanes=2, lane_of=lambda p: int((p or "p0")[1])
        )
        return [r.task.task_id for r in out]

    assert release() == ["task-e1"]  # safe mode holds the stateful tasks of both lanes
    book.safe_mode = False
    assert release() == ["task-s0", "task-s1"]


def test_safe_mode_holds_stateful_tasks_and_unavailable_systems_hold_theirs() -> None:
    book = Book(safe_mode=True, unavailable={"pump"})
    admit(book, stateful("s"), ephemeral("e"), ephemeral("p", systems_affected=["pump"]))
    assert released(book) == ["task-e"]
    assert book.why_waiting(book.pending["task-s"], {}) == "safe mode holds stateful tasks"
    assert book.why_waiting(book.pending["task-p"], {}) == "system unavailable: pump"
    book.safe_mode = False
    book.unavailable.clear()
    assert released(book) == ["task-s", "task-p"]


def test_dependencies_wait_fail_with_their_dependency_and_cycles_deadlock() -> None:
    book = Book(dependency_timeout=timedelta(minutes=5))
    admit(
        book,
        stateful("later", depends_on=["first"]),
        stateful("x", depends_on=["y"]),
        stateful("y", depends_on=["x"]),
        stateful("orphan", depends_on=["never"]),
        stateful("after-failed", depends_on=["bad"]),
    )
    out = {r.task.task_id: r for r in book.release(window=10, now=T0, done={"bad": "failed"})}
    assert out["task-x"].fail and out["task-x"].fail[0] == "pipeline_deadlock"
    assert "x -> y -> x" in out["task-x"].fail[1] or "y -> x -> y" in out["task-x"].fail[1]
    assert out["task-after-failed"].fail == ("dependency_failed", "bad ended failed")
    assert "task-later" not in out and "task-orphan" not in out
    assert released(book, done={"first": "rebased"}) == ["task-later"]
    late = book.release(window=10, now=T0 + timedelta(minutes=6), done={})
    assert [(r.task.task_id, r.fail and r.fail[0]) for r in late] == [
        ("task-orphan", "pipeline_deadlock")
    ]


def test_a_dependency_wait_counts_from_when_formed_was_last_unread() -> None:
    """While the scheduler's book is full its dependencies may be waiting on formed, unread:
    a wait then counts from the last time that was so, not from the task's admission."""
    book = Book(dependency_timeout=timedelta(minutes=5))
    admit(book, stateful("later", depends_on=["first"]))
    book.waits_from = T0 + timedelta(minutes=4)  # the book was full until then
    assert book.release(window=10, now=T0 + timedelta(minutes=6), done={}) == []
    late = book.release(window=10, now=T0 + timedelta(minutes=10), done={})
    assert [(r.task.task_id, r.fail and r.fail[0]) for r in late] == [
        ("task-later", "pipeline_deadlock")
    ]


def test_governance_acts_only_on_pending_tasks() -> None:
    book = Book()
    admit(book, stateful("held"), gate="governance gate at step 2: awaiting approval")
    admit(book, stateful("other"))
    assert released(book) == ["task-other"]
    assert book.reprioritize("task-held", 8, "alice") == "priority 8"
    with pytest.raises(GovernanceRefused, match="out of range"):
        book.reprioritize("task-held", 3_000_000_000, "bob")  # (the schema's int is 32 bits)
    assert book.approve("task-held", "alice: checked") == "approved"
    with pytest.raises(GovernanceRefused, match="not held"):
        book.approve("task-held", "again")
    out = book.release(window=10, now=T0, done={})
    assert out[0].priority == 8 and any(g.startswith("approved") for g in out[0].governance)
    with pytest.raises(GovernanceRefused, match="already released"):
        book.cancel("task-held", "too late")
    with pytest.raises(GovernanceRefused, match="unknown"):
        book.reject("task-nope", "x")
    admit(book, stateful("doomed"))
    book.cancel("task-doomed", "bob: not needed")
    (gone,) = book.release(window=0, now=T0, done={})  # failures need no window slot
    assert gone.fail == ("cancelled", "cancelled by governance: bob: not needed")


def test_entries_round_trip_through_json() -> None:
    entry = Entry(
        samples.SCHEDULED.task,
        samples.SCHEDULED.plan,
        3,
        9,
        T0,
        hold="h",
        fail=("cancelled", "r"),
        governance=["g"],
    )
    assert Entry.from_json(entry.to_json()) == entry


# --- governance ----------------------------------------------------------------------------


def test_only_signed_attributed_fresh_commands_verify() -> None:
    key = b"secret"
    ok = signed(
        "cancel", key, actor="alice", reason="dup", policy_version="p1", task_id="t", now=T0
    )
    check = {"policy_version": "p1", "max_age_s": 60, "now": T0 + timedelta(seconds=30)}
    verify(ok, key, **check)  # type: ignore[arg-type]
    cases = [
        (None, ok, "disabled"),
        (key, ok.model_copy(update={"signature": ""}), "unsigned"),
        (b"other", ok, "bad signature"),
        (key, ok.model_copy(update={"task_id": "t2"}), "bad signature"),
        (
            key,
            signed("cancel", key, actor=" ", reason="r", policy_version="p1", task_id="t", now=T0),
            "no actor",
        ),
        (
            key,
            signed("cancel", key, actor="a", reason="r", policy_version="p0", task_id="t", now=T0),
            "cites policy",
        ),
        (
            key,
            signed(
                "cancel",
                key,
                actor="a",
                reason="r",
                policy_version="p1",
                task_id="t",
                now=T0 - timedelta(minutes=5),
            ),
            "issued",
        ),
        (
            key,
            signed(
                "reprioritize",
                key,
                actor="a",
                reason="r",
                policy_version="p1",
                task_id="t",
                argument="high",
                now=T0,
            ),
            "integer",
        ),
        (
            key,
            signed(
                "set_safe_mode",
                key,
                actor="a",
                reason="r",
                policy_version="p1",
                argument="maybe",
                now=T0,
            ),
            "on or off",
        ),
        (
            key,
            signed("approve", key, actor="a", reason="r", policy_version="p1", now=T0),
            "needs a task",
        ),
    ]
    for k, cmd, why in cases:
        with pytest.raises(GovernanceAuthError, match=why):
            verify(cmd, k, **check)  # type: ignore[arg-type]


# --- plans and safety ----------------------------------------------------------------------


def test_plans_from_intents_and_defaults() -> None:
    assert [s.engine for s in plan_for(samples.STATEFUL, None)] == [
        "ssot.read",
        "patch.apply",
        "state.validate",
    ]
    assert [s.engine for s in plan_for(samples.EPHEMERAL, None)] == ["ssot.read", "text.summarize"]
    intent = IntentSpec(
        id="notify",
        task_type="stateful",
        examples=["x"],
        plan=[
            {
                "engine": "http.call",
                "args": {"url": "{hook}/n"},
                "side_effect": True,
                "timeout_ms": "{ms}",
            }
        ],
    )
    task = samples.STATEFUL.model_copy(update={"slots": {"hook": "http://h", "ms": "250"}})
    plan = plan_for(task, intent)
    assert [s.engine for s in plan] == ["ssot.read", "http.call", "patch.apply", "state.validate"]
    assert plan[1].args == {"url": "http://h/n"} and plan[1].timeout_ms == 250
    assert plan[1].systems == task.systems_affected and [s.number for s in plan] == [1, 2, 3, 4]
    with pytest.raises(PlanError, match="needs slot 'hook'"):
        plan_for(samples.STATEFUL, intent)
    # validated once per plan and systems: the same steps again, in a list of the task's own
    again = plan_for(task, intent)
    assert again == plan and again is not plan and again[1] is plan[1]
    other = task.model_copy(update={"systems_affected": ["pump"], "slots": task.slots})
    assert plan_for(other, intent)[1].systems == ["pump"]
    slower = task.model_copy(update={"slots": {"hook": "http://h", "ms": "900"}})
    assert plan_for(slower, intent)[1].timeout_ms == 900
    bad = task.model_copy(update={"slots": {"hook": "http://h", "ms": "soon"}})
    for _ in range(2):  # (a refusal is not remembered as a plan)
        with pytest.raises(PlanError, match="step 2"):
            plan_for(bad, intent)


def test_safety_conditions() -> None:
    state = {"mode": "armed", "n": 3, "doors": {"front": "locked"}}
    assert holds('/mode == "armed"', state) and holds("/n in [1, 3]", state)
    assert holds("absent /x", state) and holds('/x != "y"', state)
    assert violations(["exists /x", "nonsense"], ['/doors/front == "locked"'], state) == [
        "precondition not met: exists /x",
        "malformed precondition: not a condition: 'nonsense'",
        'forbidden state present: /doors/front == "locked"',
    ]


def test_depends_on_comes_from_event_metadata() -> None:
    event = samples.RAW.model_copy(update={"metadata": {"depends_on": "e1, e2,e1, evt-1,"}})
    assert depends_on_of(event) == ["e1", "e2"]


# --- the executor --------------------------------------------------------------------------


class World:
    """Side-effecting test engines that record what they did."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.failures: dict[str, int] = {}
        self.sleeps: list[float] = []

    def engine(self, name: str, *, side_effect: bool = True, inline: bool = True) -> FunctionEngine:
        def run(ctx: StepContext) -> str:
            target = ctx.args.get("target", name)
            self.calls.append(target)
            if self.failures.get(target, 0) > 0:
                self.failures[target] -= 1
                raise StepFailed(f"{target} refused", retryable=True)
            if target == "hang":
                time.sleep(1.0)
            ctx.output = f"{target} at {ctx.now.isoformat()} roll {ctx.rng.randint(1, 10**6)}"
            return f"did {target}"

        return FunctionEngine(name, run, side_effect=side_effect, inline=inline)

    def env(self, **kw: Any) -> Environment:
        registry = EngineRegistry.builtin()
        registry.register(self.engine("act.do"))
        registry.register(self.engine("act.slow", inline=False))
        allowed = SAFE_ENGINES | {"act.do", "act.slow"}
        return Environment(
            registry=registry, allowed_engines=lambda _d: allowed, sleep=self.sleeps.append, **kw
        )


def act(n: int, target: str, **kw: Any) -> PlanStep:
    return PlanStep(
        number=n,
        engine="act.do",
        args={"target": target},
        side_effect=True,
        compensation="act.do",
        compensation_args={"target": f"undo-{target}"},
        **kw,
    )


def run_plan(plan: list[PlanStep], env: Environment, **kw: Any) -> Any:
    scheduled = schedule(
        samples.STATEFUL.model_copy(update={"patch": [samples.PATCH[0]]}),
        snapshot_version=1,
        now=T0,
    ).model_copy(update={"plan": plan, **kw})
    return Executor("x", env=env).execute(scheduled, Snapshot("apollo", 1, {"ready": True}))


def test_failure_compensates_completed_side_effects_in_reverse() -> None:
    world = World()
    world.failures["c"] = 5
    plan = [
        PlanStep(number=1, engine="ssot.read"),
        act(2, "a"),
        act(3, "b"),
        act(4, "c", max_attempts=3),
    ]
    result = run_plan(plan, world.env())
    assert result.status == "failed" and result.failure_mode == "step_failed"
    assert world.calls == ["a", "b", "c", "c", "c", "undo-b", "undo-a"]
    assert world.sleeps == [0.05, 0.1]  # fixed backoff: the same every run
    assert [s.kind for s in result.steps] == ["step"] * 4 + ["compensation"] * 2
    assert result.steps[3].attempts == 3 and result.output == ""


def test_a_compensation_acts_on_the_world_not_on_the_state() -> None:
    # an undo engine that also writes the working state: as for any side effect, the state
    # is left as it was, so a replay (which runs no compensation) records the same hashes
    world = World()
    world.failures["c"] = 1

    def undo(ctx: StepContext) -> str:
        ctx.working = {"undone": ctx.args["target"]}
        return "undone"

    env = world.env()
    env.registry.register(FunctionEngine("act.undo", undo, side_effect=True))
    env.allowed_engines = lambda _d: SAFE_ENGINES | {"act.do", "act.undo"}
    plan = [
        PlanStep(number=1, engine="ssot.read"),
        act(2, "a").model_copy(update={"compensation": "act.undo"}),
        act(3, "c"),
    ]
    live = run_plan(plan, env)
    assert live.status == "failed" and [s.kind for s in live.steps][-1] == "compensation"
    scheduled = schedule(
        samples.STATEFUL.model_copy(update={"patch": [samples.PATCH[0]]}),
        snapshot_version=1,
        now=T0,
    ).model_copy(update={"plan": plan})
    again = Executor("z", env=World().env()).execute(
        scheduled, Snapshot("apollo", 1, {"ready": True}), replay=live.steps
    )
    assert [s.state_hash for s in again.steps] == [s.state_hash for s in live.steps]
    assert again.state_hash == live.state_hash


def test_an_engine_that_crashes_fails_its_step_and_what_came_before_is_undone() -> None:
    class Outage(Exception):
        """Stands for the runtime's own trouble (a broker away)."""

    errors = {"bug": KeyError("entity"), "outage": Outage("broker away")}

    def crash(ctx: StepContext) -> str:
        raise errors[ctx.args["error"]]

    for name, error in errors.items():
        world = World()
        env = world.env(infrastructure=(Outage,))
        env.registry.register(FunctionEngine("act.crash", crash, side_effect=True))
        env.allowed_engines = lambda _d: SAFE_ENGINES | {"act.do", "act.crash"}
        plan = [act(1, "a"), PlanStep(number=2, engine="act.crash", args={"error": name})]
        if isinstance(error, Outage):  # the task is left unfinished, to run with its batch
            with pytest.raises(Outage):
                run_plan(plan, env)
            assert world.calls == ["a"]
            continue
        result = run_plan(plan, env)
        assert (result.status, result.failure_mode) == ("failed", "step_failed")
        assert result.error == (
            "step failed: step 2 (act.crash): act.crash raised KeyError: 'entity'"
        )
        assert world.calls == ["a", "undo-a"]  # not retried; the side effect before is undone
        assert [s.kind for s in result.steps] == ["step", "step", "compensation"]


def test_retry_succeeds_and_gates_checks_block_steps() -> None:
    world = World()
    world.failures["a"] = 1
    ok = run_plan(
        [act(1, "a", max_attempts=2), PlanStep(number=2, engine="patch.apply")], world.env()
    )
    assert ok.status == "succeeded" and ok.steps[0].attempts == 2
    cases = {
        "safety_violation": [act(1, "a", preconditions=["exists /missing"])],
        "forbidden_engine_call": [PlanStep(number=1, engine="shell.exec")],
        "blocked_routing": [act(1, "a", systems=["pump"])],
        "invalid_output": [act(1, "a", validator='{"type": "object"}')],
    }
    for mode, plan in cases.items():
        world = World()
        result = run_plan(plan, world.env(unavailable_systems=lambda: {"pump"}))
        assert result.failure_mode == mode, (mode, result.error)
        assert result.error and result.error.startswith(mode.replace("_", " "))
    gated = [act(1, "a", gate=True)]
    assert run_plan(gated, World().env()).failure_mode == "safety_violation"
    approved = run_plan(gated, World().env(), governance=["approved: alice"])
    assert approved.status == "succeeded" and "approved" in approved.steps[0].governance


def test_a_step_that_hangs_times_out() -> None:
    world = World()
    plan = [PlanStep(number=1, engine="act.slow", args={"target": "hang"}, timeout_ms=100)]
    started = time.monotonic()
    result = run_plan(plan, world.env())
    assert result.failure_mode == "timeout" and time.monotonic() - started < 0.9


def test_resume_skips_checkpointed_steps_and_replay_repeats_no_side_effect() -> None:
    world = World()
    checkpoints: list[Checkpoint] = []
    plan = [
        PlanStep(number=1, engine="ssot.read"),
        act(2, "a"),
        act(3, "b"),
        PlanStep(number=4, engine="patch.apply"),
    ]
    full = run_plan(plan, world.env(checkpoint=checkpoints.append))
    assert [c.next_step for c in checkpoints] == [2, 3]
    # a successor resumes from the first checkpoint: only b and the patch run again
    world2 = World()
    scheduled = schedule(
        samples.STATEFUL.model_copy(update={"patch": [samples.PATCH[0]]}),
        snapshot_version=1,
        now=T0,
    ).model_copy(update={"plan": plan})
    first = Checkpoint.from_json(checkpoints[0].to_json())
    resumed = Executor("y", env=world2.env()).execute(
        scheduled, Snapshot("apollo", 1, {"ready": True}), progress=first, fencing_token=2
    )
    assert world2.calls == ["b"] and resumed.resumed_from_step == 2
    assert [s.kind for s in resumed.steps] == ["step", "step", "resume", "step", "step"]
    assert resumed.state_hash == full.state_hash and resumed.output == full.output
    # replay: same hashes, nothing performed
    world3 = World()
    again = Executor("z", env=world3.env()).execute(
        scheduled, Snapshot("apollo", 1, {"ready": True}), replay=full.steps
    )
    assert world3.calls == [] and [s.state_hash for s in again.steps] == [
        s.state_hash for s in full.steps
    ]
    # during an upgrade, an executor of the code before hash version 3 resumes a checkpoint
    # of version 3 (it knows no version: it hashes by SHA-256 and records none): the replay
    # accepts each step's hash by either version, and only for a resumed run
    assert first.hash_version == 3
    old = dataclasses.replace(first, hash_version=1)
    mixed = Executor("y", env=World().env(), hash_version=1).execute(
        scheduled, Snapshot("apollo", 1, {"ready": True}), progress=old, fencing_token=2
    )
    assert mixed.hash_version == 1 and mixed.steps[0].state_hash == full.steps[0].state_hash
    state, env = ({"ready": True}, None), World().env()
    assert not _compare(mixed, _replayed(mixed, scheduled, state, env, 1)).matched
    both = _compare(
        mixed,
        _replayed(mixed, scheduled, state, env, 1),
        _replayed(mixed, scheduled, state, env, 3),
    )
    assert both.matched, both.detail
    forged = mixed.model_copy(
        update={"steps": [s.model_copy(update={"state_hash": "0" * 64}) for s in mixed.steps]}
    )
    assert not _compare(
        forged,
        _replayed(mixed, scheduled, state, env, 1),
        _replayed(mixed, scheduled, state, env, 3),
    ).matched


def test_deterministic_context_and_scheduler_failures_skip_execution() -> None:
    plan = [act(1, "a")]
    one, two = run_plan(plan, World().env()), run_plan(plan, World().env())
    assert one.steps[0].detail == two.steps[0].detail
    world = World()
    cancelled = Release(
        samples.STATEFUL, plan, 5, [], ("cancelled", "cancelled by governance: bob")
    )
    scheduled: ScheduledTask = to_scheduled(cancelled, snapshot_version=0, now=T0)
    result = Executor("x", env=world.env()).execute(scheduled, Snapshot("apollo", 0, {}))
    assert result.status == "failed" and result.failure_mode == "cancelled" and not world.calls
    assert result.error == "cancelled: cancelled by governance: bob"


def test_a_step_on_a_helper_thread_works_on_copies_and_not_on_the_snapshot_cache() -> None:
    """An attempt that a timeout may abandon gets a deep copy of the working state and no
    share in the snapshot's text cache (not thread-safe: the executor keeps dumping with it)."""
    seen: list[tuple[bool, bool]] = []

    def look(ctx: StepContext) -> str:
        seen.append((ctx.snapshot_canon is None, ctx.working is not ctx.snapshot_state))
        return ctx.working_text()

    registry = EngineRegistry.builtin()
    registry.register(FunctionEngine("look.here", look, inline=False))
    env = Environment(registry=registry, allowed_engines=lambda _d: SAFE_ENGINES | {"look.here"})
    scheduled = schedule(samples.STATEFUL, snapshot_version=1, now=T0).model_copy(
        update={"plan": [PlanStep(number=1, engine="look.here")]}
    )
    snapshot = Snapshot("apollo", 1, {"ready": True}, '{"ready":true}', CanonicalCache())
    result = Executor("x", env=env).execute(scheduled, snapshot)
    assert result.status == "succeeded", result.error
    assert seen == [(True, True)] and result.steps[0].detail == '{"ready":true}'


def test_a_summary_from_the_snapshots_dump_is_the_summary_dumped_afresh() -> None:
    # a state whose first members by key include collections, arrays, long and non-ASCII
    # values, and a key that sorts apart in UTF-16 and in code points
    state: dict[str, Any] = {
        f"k{i:03d}": {"n": i, "tags": ["é" * (i % 7)], "long": "x" * 90} for i in range(40)
    }
    state.update({"Zeta": [1, 2.5, None], "\U0001f600": "emoji", "\uff41": "fullwidth a"})
    scheduled = schedule(samples.EPHEMERAL, snapshot_version=3, now=T0)
    plain = Executor("x").execute(scheduled, Snapshot("apollo", 3, state))
    primed = CanonicalCache(keep=16, forget=False)
    text = primed.prime(state)
    from_dump = Executor("x").execute(scheduled, Snapshot("apollo", 3, state, text, canon=primed))
    assert from_dump.output == plain.output and "k000=" in plain.output
    assert primed.first_members(state, 12) is not None  # (the dump's members were used)
    # a snapshot followed through a commit: the new version's members, dumped by patch
    base = Snapshot("apollo", 3, state, text, canon=primed)
    stateful = samples.STATEFUL.model_copy(update={"patch": [samples.PATCH[0]]})
    result = Executor("x").execute(schedule(stateful, snapshot_version=3, now=T0), base)
    head = Head("apollo", 3, GENESIS_HASH, state, text)
    commit, after = plan_commit(result, head, changed_paths=set(), now=T0)
    followed = base.follow([commit])
    assert followed is not None and followed.state == after.state != state
    assert primed.first_members(state, 12) is None  # (the version followed from: forgotten)
    later = scheduled.model_copy(update={"snapshot_version": 4})
    again = Executor("x").execute(later, followed)
    fresh = Executor("x").execute(later, Snapshot("apollo", 4, followed.state))
    assert again.output == fresh.output
    assert followed.canon is not None and followed.canon.first_members(followed.state, 12)


def _live_and_replayed(plan: list[PlanStep], engines: list[FunctionEngine]) -> tuple[Any, Any]:
    def env() -> Environment:
        made = World().env()
        for engine in engines:
            made.registry.register(engine)
        made.allowed_engines = lambda _d: SAFE_ENGINES | {"act.do", *(e.name for e in engines)}
        return made

    scheduled = schedule(
        samples.STATEFUL.model_copy(update={"patch": [samples.PATCH[0]]}),
        snapshot_version=1,
        now=T0,
    ).model_copy(update={"plan": plan})
    live = Executor("x", env=env()).execute(scheduled, Snapshot("apollo", 1, {"ready": True}))
    again = Executor("z", env=env()).execute(
        scheduled, Snapshot("apollo", 1, {"ready": True}), replay=live.steps
    )
    return live, again


def test_a_failed_side_effect_or_undo_replays_as_it_ran() -> None:
    def post(ctx: StepContext) -> str:
        ctx.working = {**ctx.working, "posted": True}  # written, then it fails
        raise (ctx.args["error"] == "bug" and KeyError("after posting")) or StepFailed("refused")

    def undo(_ctx: StepContext) -> str:
        raise KeyError("undo bug")

    engines = [
        FunctionEngine("act.post", post, side_effect=True),
        FunctionEngine("act.undo", undo, side_effect=True),
    ]
    read = PlanStep(number=1, engine="ssot.read")
    for error in ("bug", "refused"):
        posting = PlanStep(number=2, engine="act.post", side_effect=True, args={"error": error})
        live, again = _live_and_replayed([read, posting], engines)
        assert live.status == "failed" and _compare(live, again).matched
        assert live.steps[1].state_hash == live.steps[0].state_hash  # the state as it was
    undone = act(2, "a").model_copy(update={"compensation": "act.undo"})
    failing = PlanStep(number=3, engine="act.post", side_effect=True, args={"error": "bug"})
    live, again = _live_and_replayed([read, undone, failing], engines)
    assert [(s.kind, s.status) for s in live.steps][-1] == ("compensation", "failed")
    assert [s.status for s in again.steps] == [s.status for s in live.steps]
    assert _compare(live, again).matched


def test_an_engines_error_text_is_recorded_as_a_record_can_carry_it() -> None:
    def read(_ctx: StepContext) -> str:
        raise ValueError(b"caf\xe9".decode("utf-8", "surrogateescape"))  # a decoded file name

    live, _ = _live_and_replayed(
        [PlanStep(number=1, engine="act.read")], [FunctionEngine("act.read", read)]
    )
    assert live.error is not None and live.error.endswith("ValueError: caf\\udce9")
    assert Serde(SchemaStore.load()).encode(live)  # (a lone surrogate could not be encoded)


def test_failed_steps_replay_as_they_ran_and_a_refused_side_effect_is_undone() -> None:
    world = World()

    def calc(ctx: StepContext) -> str:
        ctx.working = {"half": "done"}  # written, then the world fails it
        raise StepFailed("slow upstream", mode="timeout")

    def post(ctx: StepContext) -> str:
        world.calls.append(ctx.args["target"])
        ctx.value = {"id": 7}  # the output its validator refuses
        return "posted"

    def count(_ctx: StepContext) -> int:
        return 3  # not a str: recorded as its text

    engines = [
        FunctionEngine("act.calc", calc),
        FunctionEngine("act.post", post, side_effect=True),
        FunctionEngine("act.count", count),
    ]
    read = PlanStep(number=1, engine="ssot.read")
    live, again = _live_and_replayed([read, PlanStep(number=2, engine="act.calc")], engines)
    assert live.failure_mode == "timeout" and _compare(live, again).matched
    refused = PlanStep(
        number=2,
        engine="act.post",
        side_effect=True,
        args={"target": "p"},
        compensation="act.do",
        compensation_args={"target": "undo-p"},
        validator='{"type": "string"}',
    )
    live, again = _live_and_replayed([read, refused], engines)
    assert live.failure_mode == "invalid_output" and world.calls == ["p"]
    assert [(s.kind, s.status) for s in live.steps][-1] == ("compensation", "succeeded")
    assert "undo step 2 (act.post): did undo-p" in live.steps[-1].detail  # it was undone
    assert _compare(live, again).matched  # (its replay undoes it too, without repeating it)
    checked = PlanStep(number=2, engine="act.count", validator='{"type": "string"}')
    live, again = _live_and_replayed([read, checked], engines)
    assert live.failure_mode == "invalid_output" and _compare(live, again).matched
    # two steps numbered alike (a plan from the wire): their undos replay in order
    twice = [act(1, "a"), act(1, "b").model_copy(update={"compensation": "act.calc"}), refused]
    live, again = _live_and_replayed(twice, engines)
    undos = [s.status for s in live.steps if s.kind == "compensation"]
    assert undos == ["succeeded", "failed", "succeeded"] and _compare(live, again).matched
    live, _ = _live_and_replayed([PlanStep(number=1, engine="act.count")], engines)
    assert live.status == "succeeded" and live.steps[0].detail == "3"


def test_a_results_reply_is_the_validated_one() -> None:
    # built without validation: each value as validation keeps it (a result's microseconds
    # truncated to the reply's milliseconds, a long output cut, a failure's text)
    ok = run_plan([PlanStep(number=1, engine="ssot.read")], World().env())
    long = ok.model_copy(update={"output": "é" * 2500, "finished_at": ok.finished_at})
    failed = run_plan([act(1, "c", max_attempts=1)], World().env())
    for result in (ok, long, failed):
        built = reply_for(result)
        validated = Reply(
            reply_id=built.reply_id,
            source_event_id=result.source_event_id,
            session_id=result.session_id,
            task_id=result.task_id,
            kind="result",
            text=(result.output if result.status == "succeeded" else f"failed: {result.error}")[
                :2000
            ],
            created_at=result.finished_at,
        )
        assert built == validated and built.model_dump() == validated.model_dump()
        assert built.model_fields_set == validated.model_fields_set
        assert built.created_at.microsecond % 1000 == 0
    assert reply_for(ok).reply_id == reply_for(ok).reply_id  # one id per task
