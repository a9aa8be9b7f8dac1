"""Executor logic: run a scheduled task's steps against an immutable SSOT snapshot.

Each step names an engine from :data:`ENGINES`; an unknown engine is a *forbidden engine call*
and fails the step. After every step the working state is hashed (Prospera §10), and a failed
step fails the task as a whole: nothing partial leaves the executor (Prospera §6.5).

>>> ex = Executor("exec-1")
>>> snap = Snapshot("apollo", 2, {"status": "green"})
>>> ex.execute(scheduled, snap).status                     # doctest: +SKIP
'succeeded'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from processors.jsonpatch import apply_patch, canonical_json
from processors.models import ExecutionResult, ScheduledTask, StepLog, patch_to_rfc
from processors.ssot import state_hash
from streams.errors import PatchError

MAX_STATE_BYTES = 1_000_000
STATEFUL_STEPS = ("ssot.read", "patch.apply", "state.validate")


@dataclass(frozen=True)
class Snapshot:
    """The SSOT state a task runs against; never changed during the run."""

    project_id: str | None
    version: int
    state: dict[str, Any]

    @cached_property
    def state_hash(self) -> str:
        """Hash of the state, computed once per snapshot (tasks share snapshots)."""
        return state_hash(self.state)


@dataclass
class StepContext:
    """What a step sees: the task, the snapshot, and the working state it may replace."""

    scheduled: ScheduledTask
    snapshot: Snapshot
    working: Any
    output: str = ""


class StepFailed(Exception):
    """A step that could not do its work; the task fails with this message."""


def _read(ctx: StepContext) -> str:
    ctx.working = ctx.snapshot.state
    return f"read {ctx.snapshot.project_id or '-'} v{ctx.snapshot.version}: {len(ctx.working)} keys"


def _summarize(ctx: StepContext) -> str:
    state = ctx.working if isinstance(ctx.working, dict) else {}
    facts = [f"{k}={canonical_json(v)[:60]}" for k, v in sorted(state.items())[:12]]
    project = ctx.snapshot.project_id or "no project"
    body = "; ".join(facts) if facts else "no recorded state yet"
    ctx.output = f"{project} (v{ctx.snapshot.version}): {body}"
    return f"summarized {len(facts)} facts"


def _apply(ctx: StepContext) -> str:
    patch = patch_to_rfc(ctx.scheduled.task.patch)
    if not patch:
        raise StepFailed("stateful task without a patch")
    try:
        ctx.working = apply_patch(ctx.working, patch)
    except PatchError as exc:
        raise StepFailed(f"patch does not apply to v{ctx.snapshot.version}: {exc}") from exc
    ctx.output = f"applied {len(patch)} op(s) to {ctx.snapshot.project_id} v{ctx.snapshot.version}"
    return ctx.output


def _validate(ctx: StepContext) -> str:
    if not isinstance(ctx.working, dict):
        raise StepFailed("project state must stay a JSON object")
    size = len(canonical_json(ctx.working).encode())
    if size > MAX_STATE_BYTES:
        raise StepFailed(f"project state would be {size} bytes (limit {MAX_STATE_BYTES})")
    return f"state valid ({size} bytes)"


ENGINES: dict[str, Callable[[StepContext], str]] = {
    "ssot.read": _read,
    "text.summarize": _summarize,
    "patch.apply": _apply,
    "state.validate": _validate,
}


def _now() -> datetime:
    return datetime.now(UTC)


class Executor:
    """Runs tasks one at a time; the caller guarantees strict serial order."""

    def __init__(
        self,
        executor_id: str,
        clock: Callable[[], datetime] = _now,
        on_step: Callable[[str, int, str], None] | None = None,
    ) -> None:
        self.executor_id = executor_id
        self.clock = clock
        self.on_step = on_step  # (task_id, step number, engine.module): for live views

    def steps_of(self, scheduled: ScheduledTask) -> list[str]:
        """The task's execution plan: the WorkPlan's steps or the stateful sequence."""
        task = scheduled.task
        if task.task_type == "stateful":
            return list(STATEFUL_STEPS)
        return list(task.work_plan.steps) if task.work_plan else ["ssot.read"]

    def execute(self, scheduled: ScheduledTask, snapshot: Snapshot) -> ExecutionResult:
        """Run every step; the first failure stops the task and fails it."""
        task = scheduled.task
        ctx = StepContext(scheduled, snapshot, snapshot.state)
        logs: list[StepLog] = []
        error: str | None = None
        started = self.clock()
        hashed: tuple[Any, str] = (snapshot.state, "")

        def hash_of(working: Any) -> str:
            # steps that leave the state alone (reads, validation) reuse the last hash
            nonlocal hashed
            if working is snapshot.state:
                return snapshot.state_hash
            if working is not hashed[0] or not hashed[1]:
                hashed = (working, state_hash(working))
            return hashed[1]

        for number, name in enumerate(self.steps_of(scheduled), start=1):
            step_start = self.clock()
            if self.on_step is not None:
                self.on_step(task.task_id, number, name)
            engine = ENGINES.get(name)
            try:
                if engine is None:
                    raise StepFailed(f"forbidden engine call: {name!r} is not a known engine")
                detail, status = engine(ctx), "succeeded"
            except StepFailed as exc:
                detail, status, error = str(exc), "failed", f"step {number} ({name}): {exc}"
            engine_name, _, module = name.partition(".")
            logs.append(
                StepLog(
                    step=number,
                    engine=engine_name,
                    module=module or engine_name,
                    status=status,
                    state_hash=hash_of(ctx.working),
                    detail=detail[:1000],
                    started_at=step_start,
                    finished_at=self.clock(),
                )
            )
            if error is not None:
                break
        return ExecutionResult(
            task_id=task.task_id,
            source_event_id=task.source_event_id,
            session_id=task.session_id,
            project_id=task.project_id,
            task_type=task.task_type,
            status="failed" if error else "succeeded",
            error=error,
            scheduled_snapshot_version=scheduled.snapshot_version,
            snapshot_version=snapshot.version,
            patch=task.patch,
            output=ctx.output if not error else "",
            state_hash=hash_of(ctx.working),
            steps=logs,
            executor_id=self.executor_id,
            occurred_at=task.occurred_at,
            started_at=started,
            finished_at=self.clock(),
        )
