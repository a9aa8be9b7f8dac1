"""Executor logic (Prospera §4.5-4.6, §6.1, §6.4-6.6, §9): run a scheduled task's plan, one
step after the other, against an immutable SSOT snapshot.

Every step passes, in order:

1. **safety**: its engine is registered and allowed for the task's domain (else *forbidden
   engine call*); its preconditions hold and no forbidden state is present on the snapshot,
   and no system it touches is unavailable (else *safety violation* / *blocked routing*); a
   gated step needs a recorded governance approval (else *safety violation*);
2. **the engine**, bounded by the step's timeout, retried up to ``max_attempts`` times with a
   fixed backoff when it fails in a retryable way (deterministic: no jitter);
3. **its validator**, a JSON Schema over the step's output (else *invalid output*).

A state hash is taken after every step. On the first failure, completed side-effecting steps
are compensated in reverse order (backtracking) and the task fails as a whole: nothing
partial leaves the executor (§6.5). After each side-effecting step a :class:`Checkpoint`
checkpoint is handed to ``checkpoint`` so that a successor resumes after it instead of
repeating it.

>>> ex = Executor("exec-1")
>>> snap = Snapshot("apollo", 2, {"status": "green"})
>>> ex.execute(scheduled, snap).status                     # doctest: +SKIP
'succeeded'
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from processors.engines import (
    MAX_STATE_BYTES,
    Engine,
    EngineRegistry,
    StepContext,
    StepFailed,
    schema_problem,
)
from processors.errors import PatchError
from processors.jsonpatch import CanonicalCache, Written, apply_patch
from processors.models import (
    ExecutionResult,
    PlanStep,
    Reply,
    ScheduledTask,
    SsotCommit,
    StepLog,
    millis,
    patch_to_rfc,
    trusted,
)
from processors.planner import SAFE_ENGINES, plan_for
from processors.safety import violations
from processors.ssot import HASH_VERSION, LATTICE_VERSION, state_hash
from processors.statehash import Lattice

__all__ = ["MAX_STATE_BYTES", "Checkpoint", "Environment", "Executor", "Snapshot", "StepFailed"]

WORLD_FAILURES = frozenset({"blocked_routing", "timeout"})
"""Failure modes that depend on the world, not on the task and snapshot: a replay takes
them from the record."""

RETRY_BACKOFF_S = (0.05, 0.1, 0.2, 0.4, 0.8)  # fixed: a retried task behaves the same every run


@dataclass(frozen=True)
class Snapshot:
    """The SSOT state a task runs against; never changed during the run."""

    project_id: str | None
    version: int
    state: dict[str, Any]
    # the state's canonical JSON when the reader already has it (the SSOT stores it so)
    canonical: str | None = field(default=None, compare=False, repr=False)
    # the texts of the state's parts: a working state patched from it is dumped re-using them
    canon: CanonicalCache | None = field(default=None, compare=False, repr=False)
    digest: str | None = field(default=None, compare=False, repr=False)  # when known
    # the state's lattice (hash version 3) when known: following commits updates it
    lattice: Lattice | None = field(default=None, compare=False, repr=False)

    @cached_property
    def state_hash(self) -> str:
        """Hash of the state, computed once per snapshot (tasks share snapshots)."""
        if self.digest is not None:
            return self.digest
        if self.canonical is not None:
            return hashlib.sha256(self.canonical.encode()).hexdigest()
        return state_hash(self.state)

    @cached_property
    def size(self) -> int | None:
        """The UTF-8 size of the state's canonical JSON when it is known (once per snapshot:
        the batch's tasks share it)."""
        if self.canonical is None:
            return None
        return len(self.canonical.encode("utf-8", "surrogatepass"))

    def known_lattice(self) -> Lattice:
        """The state's lattice: carried from snapshot to snapshot, or computed (once)."""
        if self.lattice is None:
            object.__setattr__(self, "lattice", Lattice.of(self.state))  # a cache, not a change
        assert self.lattice is not None
        return self.lattice

    def hash_of(self, hash_version: int) -> str:
        """The state hash by ``hash_version`` (see :func:`processors.ssot.state_hash`)."""
        if hash_version >= LATTICE_VERSION:
            return self.known_lattice().digest()
        return self.state_hash

    def follow(self, commits: Sequence[SsotCommit]) -> Snapshot | None:
        """The snapshot after ``commits`` (the next versions, in order), or None when they
        do not follow on, a patch does not apply, or the state they end on does not hash to
        what the last commit says (the caller reads the head instead).

        The patches are applied copy-on-write one after the other and the state they end on
        is dumped once, re-dumping only what they wrote. Only the last commit's state hash is
        checked: the state it names is the only one the snapshot keeps. From hash version 3
        that costs what the patches wrote (:mod:`processors.statehash`), before it one
        SHA-256 of the whole state.

        >>> snap = Snapshot("apollo", 0, {}, "{}")
        >>> snap.follow([]) is snap
        True
        """
        if not commits:
            return self
        patches = self._patches(commits)
        if patches is None:
            return None
        version = commits[-1].version
        if commits[-1].hash_version >= LATTICE_VERSION:
            return self._follow_lattice(patches, version, commits[-1].state_hash)
        state, text, canon = self.state, self.canonical, self.canon
        written: Written = {}  # every copy made since the snapshot
        for patch in patches:
            try:
                # one written map for them all: a container copied by an earlier patch here
                # is this follow's own, and later ones change it in place
                state = apply_patch(state, patch, written=written)
            except PatchError:
                return None
            text = None
        last = commits[-1].state_hash
        if text is None:
            canon = canon if canon is not None else CanonicalCache()
            text = canon.dump(state, written, forget=True)  # (see _follow_lattice)
        elif self.state_hash == last:  # only ledger entries since
            return Snapshot(self.project_id, version, state, text, canon, last, self.lattice)
        if hashlib.sha256(text.encode()).hexdigest() != last:
            return None  # (the copies this follow made are dropped with it)
        return Snapshot(self.project_id, version, state, text, canon, last)

    def _patches(self, commits: Sequence[SsotCommit]) -> list[list[dict[str, Any]]] | None:
        """The patches of ``commits``' state commits (ledger entries leave the state as it
        is), or None when the commits are not this project's next versions, in order."""
        patches = []
        version = self.version
        for commit in commits:
            if commit.version != version + 1 or commit.project_id != self.project_id:
                return None
            version = commit.version
            if commit.kind == "state" and commit.patch:
                patches.append(patch_to_rfc(commit.patch))
        return patches

    def _follow_lattice(
        self, patches: list[list[dict[str, Any]]], version: int, last: str
    ) -> Snapshot | None:
        """:meth:`follow` to a commit of hash version 3 (at ``version``, naming the state
        hash ``last``): each patch applied and the state's lattice updated from what it
        wrote, the last state hash checked from the lattice (the whole state is hashed only
        when this snapshot's lattice is not known yet)."""
        state, canon = self.state, self.canon
        lattice = self.lattice if self.lattice is not None else Lattice.of(state)
        written: Written = {}
        for patch in patches:
            try:
                change = lattice.begin(state, patch)  # before the apply changes its copies
                state = apply_patch(state, patch, written=written)
            except PatchError:
                return None
            lattice = change.finish(state)
        if lattice.digest() != last:
            return None  # (the copies this follow made are dropped with it)
        if state is self.state:
            text, digest = self.canonical, self.digest
        else:
            # the snapshot followed from is not patched again: the texts of what the commits
            # copied are forgotten (an executor's cache keeps originals for its tasks' working
            # states, and kept each version's whole text, keys and members for 16-32 follows)
            canon = canon if canon is not None else CanonicalCache()
            text, digest = canon.dump(state, written, forget=True), None
        return Snapshot(self.project_id, version, state, text, canon, digest, lattice)


@dataclass
class Checkpoint:
    """A checkpoint after a side-effecting step: enough to resume the task elsewhere."""

    task_id: str
    next_step: int  # index into the plan
    working: Any
    output: str
    logs: list[StepLog]
    side_effects: list[int]  # plan indexes of completed side-effecting steps
    started_at: datetime
    snapshot_version: int
    executor_id: str
    fencing_token: int
    hash_version: int = 1  # how its steps' state hashes were computed (absent: 1)

    def to_json(self) -> str:
        """For Redis."""
        return json.dumps(
            {
                "task_id": self.task_id,
                "next_step": self.next_step,
                "working": self.working,
                "output": self.output,
                "logs": [s.model_dump(mode="json") for s in self.logs],
                "side_effects": self.side_effects,
                "started_at": self.started_at.isoformat(),
                "snapshot_version": self.snapshot_version,
                "executor_id": self.executor_id,
                "fencing_token": self.fencing_token,
                "hash_version": self.hash_version,
            }
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Checkpoint:
        """Back from :meth:`to_json`."""
        d = json.loads(text)
        return cls(
            task_id=d["task_id"],
            next_step=d["next_step"],
            working=d["working"],
            output=d["output"],
            logs=[StepLog.model_validate(s) for s in d["logs"]],
            side_effects=list(d["side_effects"]),
            started_at=datetime.fromisoformat(d["started_at"]),
            snapshot_version=d["snapshot_version"],
            executor_id=d["executor_id"],
            fencing_token=d["fencing_token"],
            hash_version=d.get("hash_version", 1),
        )


@dataclass
class Environment:
    """What the executor consults besides the task: engines, policy and live switches."""

    registry: EngineRegistry = field(default_factory=EngineRegistry.builtin)
    allowed_engines: Callable[[str | None], Collection[str]] = lambda _domain: SAFE_ENGINES
    unavailable_systems: Callable[[], Collection[str]] = lambda: ()
    checkpoint: Callable[[Checkpoint], None] | None = None
    # called before every attempt of a step with side effects (and every compensation) with
    # the attempt's timeout in seconds: the runtime raises if this executor might not still be
    # the active one by then (its lease), and the exception leaves the task unfinished
    before_side_effect: Callable[[float], None] | None = None
    sleep: Callable[[float], None] = time.sleep
    # what an engine may raise that is the runtime's trouble, not the step's (a broker or
    # Redis away, a lease lost): it leaves the task unfinished, to run again with its batch.
    # Any other exception an engine raises (a plugin's bug) fails the step like StepFailed,
    # so what the task did before is compensated and its outcome recorded
    infrastructure: tuple[type[BaseException], ...] = ()


def _now() -> datetime:
    return datetime.now(UTC)


def _seed(task_id: str) -> int:
    return int.from_bytes(hashlib.sha256(task_id.encode()).digest()[:8], "big")


class _Failure(Exception):
    def __init__(self, mode: str, message: str, attempts: int = 1) -> None:
        super().__init__(_text(message))
        self.mode = mode
        self.attempts = attempts


class Executor:
    """Runs tasks one at a time; the caller guarantees strict serial order."""

    def __init__(
        self,
        executor_id: str,
        clock: Callable[[], datetime] = _now,
        on_step: Callable[[str, int, str], None] | None = None,
        env: Environment | None = None,
        hash_version: int = HASH_VERSION,
    ) -> None:
        self.executor_id = executor_id
        self.clock = clock
        self.on_step = on_step  # (task_id, step number, engine.module): for live views
        self.env = env or Environment()
        # how its state hashes are computed: as the SSOT commits of that hash version name
        # states (3: the lattice hash, updated from what a patch wrote; else SHA-256)
        self.hash_version = hash_version

    def plan_of(self, scheduled: ScheduledTask) -> list[PlanStep]:
        """The plan the scheduler attached, or the default plan (records from before plans)."""
        return list(scheduled.plan) or plan_for(scheduled.task, None)

    def execute(
        self,
        scheduled: ScheduledTask,
        snapshot: Snapshot,
        *,
        progress: Checkpoint | None = None,
        fencing_token: int = 0,
        replay: list[StepLog] | None = None,
        hash_version: int | None = None,
    ) -> ExecutionResult:
        """Run the plan (from ``progress`` on, when resuming). With ``replay`` (the recorded
        step log), side-effecting steps are not performed again: their recorded outcome
        stands in, so the state hashes can be checked without touching the world.
        ``hash_version``: how to hash states (a replay's record says; a resumed run keeps
        its checkpoint's; else this executor's)."""
        task = scheduled.task
        if hash_version is None:
            hash_version = progress.hash_version if progress is not None else self.hash_version
        if scheduled.disposition == "fail":
            return self._result(
                scheduled,
                snapshot,
                [],
                "",
                snapshot.hash_of(hash_version),
                self.clock(),
                fencing_token,
                error=scheduled.failure_reason or "failed by the scheduler",
                mode=scheduled.failure_mode or "step_failed",
                hash_version=hash_version,
            )
        plan = self.plan_of(scheduled)
        ctx = StepContext(
            scheduled=scheduled,
            snapshot_state=snapshot.state,
            snapshot_version=snapshot.version,
            working=snapshot.state,
            step=plan[0] if plan else PlanStep(number=0, engine="ssot.read"),
            now=task.occurred_at,
            rng=random.Random(_seed(task.task_id)),
            fencing_token=fencing_token,
            snapshot_text=snapshot.canonical,
            snapshot_canon=snapshot.canon,
            snapshot_size=snapshot.size,
        )
        ctx.extra["hash_version"] = hash_version
        logs: list[StepLog] = []
        side_effects: list[int] = []
        started, first = self.clock(), 0
        if progress is not None:
            ctx.working, ctx.output = progress.working, progress.output
            logs, side_effects = list(progress.logs), list(progress.side_effects)
            started, first = progress.started_at, progress.next_step
            logs.append(
                self._log(
                    len(logs) + 1,
                    PlanStep(number=first, engine="executor.resume"),
                    "succeeded",
                    self._hash(ctx, snapshot),
                    f"resumed after step {first} of {len(plan)} (checkpoint by "
                    f"{progress.executor_id}, token {progress.fencing_token})",
                    self.clock(),
                    kind="resume",
                    snapshot=snapshot,
                )
            )
        allowed = self.env.allowed_engines(task.domain_id)
        down = set(self.env.unavailable_systems())
        failure: _Failure | None = None
        for index in range(first, len(plan)):
            step = plan[index]
            ctx.step = step
            step_start = self.clock()
            if self.on_step is not None:
                self.on_step(task.task_id, step.number, step.engine)
            recorded = _recorded(replay, step.number)
            attempts, side_effect = 1, step.side_effect
            before = ctx.working
            performed = False  # done in the world: undone if the task fails
            try:
                if recorded is not None and recorded.safety in WORLD_FAILURES:
                    # failed because of the world at the time (a switch, a slow endpoint)
                    raise _Failure(recorded.safety, recorded.detail, recorded.attempts)
                engine = self._admit(step, scheduled, snapshot, allowed, down)
                side_effect = side_effect or engine.side_effect
                if replay is not None and side_effect:
                    if recorded is not None and recorded.status == "failed":
                        # (its output failed the validator after it was done: undone live)
                        performed = recorded.safety == "invalid_output"
                        raise _Failure(recorded.safety or "step_failed", recorded.detail)
                    detail = recorded.detail if recorded else "replayed: side effect not repeated"
                else:
                    detail, attempts = self._run(engine, ctx, side_effect=side_effect)
                performed = side_effect
                if side_effect:
                    ctx.working = before  # side effects act on the world, not on the snapshot
                # (a replay has no output of a side effect to check: its record says)
                if step.validator and not (replay is not None and side_effect):
                    problem = schema_problem(step.validator, ctx.value)
                    if problem:
                        raise _Failure("invalid_output", f"output breaks its schema: {problem}")
                safety = "passed"
            except _Failure as exc:
                failure, detail, safety, attempts = exc, str(exc), exc.mode, exc.attempts
                # a failed step leaves the working state as it was, whatever it wrote before
                # failing: a replay raises a recorded failure of the world or of a side effect
                # without running it, and must record the same state hash
                ctx.working = before
            logs.append(
                self._log(
                    len(logs) + 1,
                    step,
                    "failed" if failure else "succeeded",
                    self._hash(ctx, snapshot),
                    detail,
                    step_start,
                    safety=safety,
                    governance=_governance_note(step, scheduled),
                    attempts=attempts,
                    snapshot=snapshot,
                )
            )
            if failure is not None:
                if performed:
                    side_effects.append(index)  # its output refused: undone with the others
                break
            if side_effect:
                side_effects.append(index)
                if self.env.checkpoint is not None and replay is None:
                    self.env.checkpoint(
                        Checkpoint(
                            task.task_id,
                            index + 1,
                            ctx.working,
                            ctx.output,
                            list(logs),
                            list(side_effects),
                            started,
                            snapshot.version,
                            self.executor_id,
                            fencing_token,
                            hash_version,
                        )
                    )
        failed_at = ctx.step
        if failure is not None:
            logs += self._compensate(plan, side_effects, ctx, snapshot, replay)
        final_hash = self._hash(ctx, snapshot)
        return self._result(
            scheduled,
            snapshot,
            logs,
            ctx.output if failure is None else "",
            final_hash,
            started,
            fencing_token,
            error=(f"step {failed_at.number} ({failed_at.engine}): {failure}" if failure else None),
            mode=failure.mode if failure else None,
            resumed_from=first if progress is not None else 0,
            hash_version=hash_version,
        )

    # -- the gates ------------------------------------------------------------------------

    def _admit(
        self,
        step: PlanStep,
        scheduled: ScheduledTask,
        snapshot: Snapshot,
        allowed: Collection[str],
        down: set[str],
    ) -> Engine:
        engine = self.env.registry.get(step.engine)
        if engine is None:
            raise _Failure("forbidden_engine_call", f"{step.engine!r} is not a registered engine")
        if step.engine not in allowed:
            domain = scheduled.task.domain_id or "no domain"
            raise _Failure(
                "forbidden_engine_call", f"{step.engine!r} is not allowed in domain {domain}"
            )
        problems = violations(step.preconditions, step.forbidden_states, snapshot.state)
        if problems:
            raise _Failure("safety_violation", "; ".join(problems))
        blocked = sorted(down & set(step.systems))
        if blocked:
            raise _Failure("blocked_routing", f"system unavailable: {', '.join(blocked)}")
        if step.gate and not any(g.startswith("approved") for g in scheduled.governance):
            raise _Failure("safety_violation", "gated step without a governance approval")
        return engine

    def _run(self, engine: Engine, ctx: StepContext, *, side_effect: bool) -> tuple[str, int]:
        step = ctx.step
        attempts = max(step.max_attempts, 1)
        for attempt in range(1, attempts + 1):
            if side_effect and self.env.before_side_effect is not None:
                self.env.before_side_effect(step.timeout_ms / 1000)
            try:
                return self._call(engine, ctx, step.timeout_ms / 1000), attempt
            except self.env.infrastructure:
                raise
            except StepFailed as exc:
                if not exc.retryable or attempt == attempts:
                    raise _Failure(exc.mode, str(exc), attempt) from exc
            except TimeoutError as exc:
                if attempt == attempts:
                    raise _Failure("timeout", str(exc), attempt) from exc
            except Exception as exc:  # an engine's own bug: not retried, it would repeat
                why = f"{engine.name} raised {type(exc).__name__}: {exc}"
                raise _Failure("step_failed", why[:500], attempt) from exc
            self.env.sleep(RETRY_BACKOFF_S[min(attempt - 1, len(RETRY_BACKOFF_S) - 1)])
        raise AssertionError("unreachable")

    @staticmethod
    def _call(engine: Engine, ctx: StepContext, timeout_s: float) -> str:
        if engine.inline:
            return str(engine.run(ctx))  # (as a thread's: a plugin may return another type)
        # The attempt works on its own copy: an attempt abandoned at its timeout may still be
        # running, and nothing it does afterwards reaches the task (or its retry).
        attempt = replace(
            ctx,
            working=copy.deepcopy(ctx.working),
            extra=dict(ctx.extra),
            rng=copy.deepcopy(ctx.rng),
            abandoned=threading.Event(),
            snapshot_canon=None,  # not thread-safe, and of no use to a deep copy
        )
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["detail"] = engine.run(attempt)
            except BaseException as exc:  # handed back to the executor's thread
                box["error"] = exc

        worker = threading.Thread(target=target, name=f"step-{engine.name}", daemon=True)
        worker.start()
        worker.join(timeout_s)
        if worker.is_alive():
            attempt.abandoned.set()
            raise TimeoutError(f"{engine.name} did not finish within {timeout_s:.1f} s")
        if "error" in box:
            raise box["error"]
        ctx.working, ctx.value, ctx.output = attempt.working, attempt.value, attempt.output
        ctx.extra, ctx.rng = attempt.extra, attempt.rng
        return str(box["detail"])

    def _compensate(
        self,
        plan: list[PlanStep],
        side_effects: list[int],
        ctx: StepContext,
        snapshot: Snapshot,
        replay: list[StepLog] | None,
    ) -> list[StepLog]:
        """Undo completed side effects, last first."""
        logs: list[StepLog] = []
        # a replay's undos are the recorded ones, in the order they ran (by position: a plan
        # from the wire may number two steps alike)
        undos = iter([s for s in replay or () if s.kind == "compensation"])
        for index in reversed(side_effects):
            done = plan[index]
            start = self.clock()
            if not done.compensation:
                status, detail = "failed", f"step {done.number} ({done.engine}) has no compensation"
            elif replay is not None:
                undone = next(undos, None)
                status = undone.status if undone is not None else "succeeded"
                detail = "replayed: compensation not repeated"
            else:
                undo = PlanStep(
                    number=done.number,
                    engine=done.compensation,
                    args=done.compensation_args,
                    timeout_ms=done.timeout_ms,
                    max_attempts=max(done.max_attempts, 2),
                )
                engine = self.env.registry.get(undo.engine)
                ctx.step = undo
                before = ctx.working
                try:
                    if engine is None:
                        raise _Failure("forbidden_engine_call", f"{undo.engine!r} not registered")
                    detail, _ = self._run(engine, ctx, side_effect=True)
                    status = "succeeded"
                except _Failure as exc:
                    status, detail = "failed", f"compensation failed ({exc.mode}): {exc}"
                # an undo acts on the world, not on the snapshot (as every side effect): a
                # replay, which runs none, records the same state hashes
                ctx.working = before
            logs.append(
                self._log(
                    done.number,
                    PlanStep(number=done.number, engine=done.compensation or "-"),
                    status,
                    self._hash(ctx, snapshot),
                    f"undo step {done.number} ({done.engine}): {detail}",
                    start,
                    kind="compensation",
                    snapshot=snapshot,
                )
            )
        return logs

    # -- records --------------------------------------------------------------------------

    @staticmethod
    def _hash(ctx: StepContext, snapshot: Snapshot) -> str:
        # one hash per distinct working state: from hash version 3 its lattice, updated from
        # what patch.apply wrote into the snapshot's; before, SHA-256 of the text the
        # validator checks
        working = ctx.working
        version = int(ctx.extra.get("hash_version", 1))
        if working is snapshot.state:
            return snapshot.hash_of(version)
        memo = ctx.extra.get("hash")
        if memo is not None and memo[0] is working:
            return str(memo[1])
        if version >= LATTICE_VERSION:
            patched = ctx.extra.get("patched")
            if patched is not None and patched[1] is working and patched[0] is snapshot.state:
                lattice = snapshot.known_lattice().after(snapshot.state, working, patched[2])
            else:  # (a state some other engine made: hashed whole)
                lattice = Lattice.of(working)
            digest = lattice.digest()
        else:
            digest = hashlib.sha256(ctx.working_text().encode()).hexdigest()
        ctx.extra["hash"] = (working, digest)
        return digest

    def _log(
        self,
        number: int,
        step: PlanStep,
        status: str,
        hash_: str,
        detail: str,
        started: datetime,
        *,
        snapshot: Snapshot,
        kind: str = "step",
        safety: str = "",
        governance: str = "",
        attempts: int = 1,
    ) -> StepLog:
        engine, _, module = step.engine.partition(".")
        return StepLog(
            step=step.number if kind == "step" else number,
            engine=engine,
            module=module or engine,
            status=status,
            state_hash=hash_,
            detail=_text(detail[:1000]),
            started_at=started,
            finished_at=self.clock(),
            kind=kind,
            routing_path=f"{snapshot.project_id or '-'}/{step.engine}",
            safety=safety,
            governance=governance,
            attempts=attempts,
            ssot_version=snapshot.version,
        )

    def _result(
        self,
        scheduled: ScheduledTask,
        snapshot: Snapshot,
        logs: list[StepLog],
        output: str,
        final_hash: str,
        started: datetime,
        fencing_token: int,
        *,
        error: str | None,
        mode: str | None,
        resumed_from: int = 0,
        hash_version: int = 1,
    ) -> ExecutionResult:
        task = scheduled.task
        return ExecutionResult(
            task_id=task.task_id,
            source_event_id=task.source_event_id,
            session_id=task.session_id,
            project_id=task.project_id,
            task_type=task.task_type,
            status="failed" if error else "succeeded",
            error=(f"{(mode or 'failed').replace('_', ' ')}: {_text(error)}" if error else None),
            scheduled_snapshot_version=scheduled.snapshot_version,
            snapshot_version=snapshot.version,
            patch=task.patch,
            output=_text(output),
            state_hash=final_hash,
            steps=logs,
            executor_id=self.executor_id,
            occurred_at=task.occurred_at,
            started_at=started,
            finished_at=self.clock(),
            failure_mode=mode,
            fencing_token=fencing_token,
            resumed_from_step=resumed_from,
            lane=scheduled.lane,
            hash_version=hash_version,
        )


_REPLY_NAMESPACE = uuid.UUID("a3c9e1f4-5b6d-4e7f-8a9b-0c1d2e3f4a5b")


def reply_for(result: ExecutionResult) -> Reply:
    """The reply a task's result sends back to its session (one id per task: a redelivered
    result re-sends the same reply). Built, not validated: every value is one validation
    keeps as it is (tests/unit/test_orchestration.py checks it against validation).

    >>> reply_for(result).kind                                        # doctest: +SKIP
    'result'
    """
    said = result.output if result.status == "succeeded" else f"failed: {result.error}"
    return trusted(
        Reply,
        {
            "reply_id": str(uuid.uuid5(_REPLY_NAMESPACE, f"{result.task_id}/result")),
            "source_event_id": result.source_event_id,
            "session_id": result.session_id,
            "task_id": result.task_id,
            "kind": "result",
            "text": said[:2000],
            "created_at": millis(result.finished_at),
        },
    )


def _text(text: str) -> str:
    """``text`` as a record can carry it: a lone surrogate (an exception's message naming a
    file, an engine's output) written as its escape, not refused by the encoder."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _recorded(replay: list[StepLog] | None, number: int) -> StepLog | None:
    if replay is None:
        return None
    return next((s for s in replay if s.kind == "step" and s.step == number), None)


def _governance_note(step: PlanStep, scheduled: ScheduledTask) -> str:
    if not scheduled.governance:
        return "gate: no approval" if step.gate else ""
    return ("gate: " if step.gate else "") + "; ".join(scheduled.governance)[:300]
