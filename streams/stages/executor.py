"""The executor stage: strictly serial execution under a fenced lease.

``scheduled`` → ``executed`` / ``replies``; logic in :mod:`processors.executor`.
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict
from typing import Any

import redis
from confluent_kafka import Message

from processors.completer import project_of
from processors.executor import Checkpoint, Executor, Snapshot, reply_for
from processors.jsonpatch import CanonicalCache
from processors.models import (
    ExecutionResult,
    ScheduledTask,
)
from processors.ssot import state_at
from streams.runtime.lease import Fenced, Lease
from streams.runtime.recovery import Recovery
from streams.runtime.runner import Out, StageIO
from streams.runtime.topics import (
    EXECUTED,
    REPLIES,
    SCHEDULED,
)
from streams.state.executor_keys import ExecutorKeys
from streams.state.scheduler_book import SchedulerKeys
from streams.state.ssot_store import SsotStore

log = logging.getLogger("taskline.stages")
# a snapshot further behind than this many versions is read whole from the head: a commit
# costs ~8 us to read and ~3 us to apply, a head ~10 us a KB to read and take apart (25 KB:
# 32 commits; a state grown to 250 KB is followed through ~250, as a busy project moves)
_FOLLOW_AT_MOST = 32
_TAKEOVER = "taking the lease over"  # why an instance that took the lease heals (routine)
_FOLLOW_BYTES = 1000  # state characters per commit followed, beyond the first _FOLLOW_AT_MOST
_FOLLOW_LIMIT = 1000  # commits read in one go at most, whatever the state's size


def follow_at_most(snapshot: Snapshot) -> int:
    """How many commits a snapshot is followed through rather than read again whole: more as
    its state grows (reading it costs in proportion to its size, following it does not).

    >>> small, grown = Snapshot("a", 1, {}, "{}"), Snapshot("a", 1, {}, "x" * 250_000)
    >>> follow_at_most(small), follow_at_most(grown)
    (32, 250)
    """
    size = len(snapshot.canonical) if snapshot.canonical is not None else 0
    return min(max(_FOLLOW_AT_MOST, size // _FOLLOW_BYTES), _FOLLOW_LIMIT)


class ExecutorStage:
    """scheduled → executed | replies: strictly serial, one task after the other, fenced.

    Exclusive: the active instance holds the lease; its fencing token goes on every result
    and into every HTTP call. A task's result is checkpointed in Redis under its ``task_id``
    (only while the lease is held) before it is produced, so a redelivered task re-emits its
    recorded result instead of running again; after each side-effecting step its progress is
    checkpointed the same way, so a successor resumes after that step instead of repeating it.
    """

    topics: tuple[str, ...] = (SCHEDULED,)
    exclusive = True
    lease: Lease | None = None

    def __init__(
        self,
        io: StageIO,
        executor: Executor,
        chain: SsotStore,
        client: redis.Redis,
        keys: SchedulerKeys,
        *,
        recovery: Recovery | None = None,
    ) -> None:
        self.io = io
        self.recovery = recovery
        # what this process knows Redis must hold: the highest fencing token seen and the
        # tasks whose results it recorded (bounded); less in Redis means Redis lost writes
        self._max_token = recovery.highest_token if recovery is not None else 0
        self._recorded: OrderedDict[str, None] = OrderedDict()
        self._token_in_use: dict[str, int] = {}  # lease key → token (one per execution lane)
        self._retake_below = 0  # leases with a token at or below this are taken anew
        # a heal the next batch makes first (a take-over, a lost counter), and whether its
        # leases are then taken anew
        self._heal_due: str | None = None
        self._retake_due = False
        self.executor = executor
        self.chain = chain
        self.redis = client
        self.keys = keys
        self._keys = ExecutorKeys(io.settings.redis_prefix)
        self._token = 0  # the fencing token this batch runs under
        self._snapshots: dict[str, Snapshot] = {}
        # how each snapshot was had since start: "followed" (the commits since the last one,
        # usually of states this executor made) or "read" (the head's state, whole)
        self.snapshot_reads: Counter[str] = Counter()
        self._versions: dict[str, int] = {}
        self._down: set[str] = set()
        executor.env.unavailable_systems = lambda: self._down
        executor.env.checkpoint = self._checkpoint
        executor.env.before_side_effect = self._before_side_effect

    def handle(self, batch: list[Message]) -> list[Out]:
        """Execute every scheduled task in offset order."""
        tasks, outs = self.io.decode(batch, ScheduledTask)
        token = self._check_token()  # the batch runs under this one (the renewer may move it)
        projects = sorted({t.task.project_id for _, t in tasks if t.task.project_id})
        ids = list(dict.fromkeys(t.task.task_id for _, t in tasks))
        stored, progress_raw, down, self._versions, lost_writes = self._read_state(ids, projects)
        lost = [i for i, v in zip(ids, stored, strict=False) if v is None and i in self._recorded]
        if (lost_writes or lost or self._heal_due) and self.recovery is not None:
            # Redis lost writes (results may be gone, whoever recorded them) or this instance
            # took over: heal from executed before running anything (never run a task twice)
            missing = f"{len(lost)} recorded result(s) missing ({', '.join(lost[:3])})"
            why = lost_writes or self._heal_due or missing
            retake = lost_writes is not None or self._retake_due
            self._heal(why, retake=retake)
            stored, progress_raw, down, self._versions, _ = self._read_state(ids, projects)
            back = dict(zip(ids, stored, strict=False))
            if not retake and any(back.get(i) is not None for i in lost):
                self._retake()  # results it recorded came back from the log: Redis lost them
            for task_id, value in back.items():
                if value is None:  # expired, or never produced (a batch fenced mid-way)
                    self._recorded.pop(task_id, None)
            token = self._check_token()  # a lease drawn from a counter Redis lost is taken anew
        self._down = {d.decode() if isinstance(d, bytes) else d for d in down}
        recorded = {i: v for i, v in zip(ids, stored, strict=False) if isinstance(v, bytes)}
        progress = {i: v for i, v in zip(ids, progress_raw, strict=False) if isinstance(v, bytes)}
        results: dict[str, ExecutionResult] = {}
        fresh: dict[str, str | bytes | None] = {}
        encoded: dict[str, bytes] = {}
        self._token = token

        def run(_msg: Message, scheduled: ScheduledTask) -> list[Out]:
            task_id = scheduled.task.task_id
            prior = recorded.get(task_id)
            if task_id in results or prior is not None:
                # Ran before (a redelivery or a repeated record): re-emit, never re-run.
                self.io.stats.duplicates += 1
                result = results.get(task_id) or self.io.serde.decode(prior or b"", ExecutionResult)
            else:
                resume = Checkpoint.from_json(progress[task_id]) if task_id in progress else None
                if resume is not None:
                    log.warning(
                        "executor: resuming %s after step %d (checkpoint by %s)",
                        task_id,
                        resume.next_step,
                        resume.executor_id,
                    )
                if self.io.settings.execution_lanes > 1:
                    self.io.stats.current["lane"] = scheduled.lane
                try:
                    result = self.executor.execute(
                        scheduled,
                        self._snapshot(scheduled, resume),
                        progress=resume,
                        fencing_token=token,
                    )
                finally:
                    self.io.stats.current.clear()
                fresh[self._key(task_id)] = encoded[task_id] = self.io.serde.encode(result)
                if task_id in progress:
                    fresh[self._progress_key(task_id)] = None
                if result.status == "failed":
                    self.io.stats.note("task failed", result.error or "", task_id=task_id)
            results[task_id] = result
            return self._outputs(result, encoded.get(task_id) or prior)

        produced = self.io.each(tasks, run)
        if fresh:
            # results are write-once: a task whose result another instance recorded meanwhile
            # is not published from here (the batch is abandoned; the successor re-emits)
            self._fenced_set(fresh, once=[self._key(t) for t in results if self._key(t) in fresh])
        for task_id in results:  # recorded now (not before: a fenced batch recorded nothing)
            self._remember(task_id)
        return outs + produced

    def on_activate(self) -> None:
        """This instance took the lease (or lanes) over: what the last holders recorded may
        be gone from Redis in ways no check here sees (a copy restored without a restart
        keeps the run id and the heal marker), so results are healed from ``executed``
        before its next batch runs (a start heals twice: a standby's start-up heal may be
        hours old). In the batch, not here: a failed heal is retried as a batch is."""
        self._heal_due = self._heal_due or _TAKEOVER

    def _read_state(
        self, ids: list[str], projects: list[str]
    ) -> tuple[list[Any], list[Any], set[Any], dict[str, int], str | None]:
        """Recorded results, checkpoints, unavailable systems, the projects' versions and
        why Redis may have lost results since they were last healed (None: it cannot have),
        in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        if self.recovery is not None:
            self.recovery.queue_loss_check(pipe)
        pipe.mget([self._key(i) for i in ids] or ["-"])
        pipe.mget([self._progress_key(i) for i in ids] or ["-"])
        pipe.smembers(self.keys.unavailable)
        self.chain.queue_versions(pipe, projects)
        answers = pipe.execute(raise_on_error=False)
        why = None
        if self.recovery is not None:
            (marker, info), answers = answers[:2], answers[2:]
            if isinstance(info, redis.ResponseError):  # INFO denied since the last heal
                log.warning("executor: Redis's run id is unavailable: %s", info)
                self.recovery.run_id, info = None, None
            if isinstance(marker, Exception):
                raise marker
            why = self.recovery.lost_writes(marker, info)
        for answer in answers:
            if isinstance(answer, Exception):
                raise answer
        stored, progress_raw, down, *versions = answers
        return stored, progress_raw, down, self.chain.read_versions(projects, versions), why

    def _heal(self, why: str, *, retake: bool) -> None:
        """Put lost results back from ``executed``; with ``retake`` (Redis lost writes, so the
        fencing counter too), every lease this process holds is to be taken anew, above every
        token it used or the log has seen (see :meth:`_check_token`)."""
        assert self.recovery is not None
        # a takeover heals as routine (every start takes a lease): a warning is for a loss
        routine = why == _TAKEOVER and not retake and not self._retake_due
        log.log(
            logging.INFO if routine else logging.WARNING,
            "executor: %s: healing results from executed",
            why,
        )
        self.io.stats.note("recovery", f"{why}: results healed from executed")
        self.recovery.results()
        self._max_token = max(self._max_token, self.recovery.highest_token)
        if retake or self._retake_due:
            self._retake()
        self._heal_due, self._retake_due = None, False  # a heal pending is this one

    def _retake(self) -> None:
        """Have every lease this process holds taken anew: tokens drawn before Redis lost
        writes may repeat old ones (a heal raised the counter to the log's highest; this
        raises it past the tokens this process used that never reached the log, so a lease
        taken anew is above them all)."""
        assert self.recovery is not None
        self._retake_below = self.highest_token
        self.recovery.raise_token(self._retake_below)

    def _remember(self, task_id: str) -> None:
        self._recorded[task_id] = None
        self._recorded.move_to_end(task_id)
        if len(self._recorded) > 10_000:  # recent ones are those a Redis loss can take
            self._recorded.popitem(last=False)

    def _check_token(self) -> int:
        """A fencing token lower than one already used means Redis lost its counter: raise
        it above every token on ``executed`` and take the lease anew (never reuse a token).
        The token checked (0: no lease)."""
        if self.lease is None:
            return 0
        token = self.lease.token
        if token and token <= self._retake_below:
            # drawn before Redis lost writes was noticed and healed: take the lease anew
            log.warning(
                "executor: fencing token %d predates the heal (tokens up to %d seen): "
                "taking a new one",
                token,
                self._retake_below,
            )
            self.lease.release()
            raise Fenced(f"fencing token {token} predates the heal of results")
        previous = self._token_in_use.get(self.lease.key)
        lane = self.lease.counter_key is not None
        if lane and previous is not None and 0 < token < previous:
            # the lane's lease came back from an older copy of Redis, its old token with it
            why = f"{self.lease.key} went back from token {previous} to {token}"
            if self.recovery is not None:
                self._heal(f"{why}: Redis lost writes", retake=True)
            self.lease.release()
            raise Fenced(why)
        # a lane's token was drawn above every token this process had used (LaneLeases.floor,
        # seeded from highest_token), and lanes taken at different times hold older and newer
        # tokens at once, so only a single lease's order says more: above every token this
        # process used *and* every one the log has seen (the start-up heal reads executed
        # after this stage was built: a Redis rolled back past that heal hands out a lower
        # token, and the results it restored are gone again)
        if not lane and token and token <= self.highest_token and token != previous:
            why = f"fencing token {token} is not above {self.highest_token}: Redis lost it"
            if self.recovery is not None:
                self._heal(why, retake=True)
            log.warning("executor: %s; taking a new one", why)
            self.lease.release()
            raise Fenced(f"fencing token {token} went backwards")
        if previous is not None and token and token != previous:
            # held again under a new token (it expired meanwhile): another may have held it
            self._heal_due = self._heal_due or f"{self.lease.key} taken back (token {token})"
        self._max_token = max(self._max_token, token)
        self._token_in_use[self.lease.key] = token
        return token

    def on_counter_lost(self) -> None:
        """Redis lost the fencing counter (a lane's lease found it below this process's
        tokens): it may have lost results too, so put them back from ``executed`` (a task
        is never run twice) and raise the counter above every token the log has seen."""
        self._heal_due = "Redis lost the fencing counter"
        self._retake_due = True

    def saw_token(self, token: int) -> None:
        """A token this process drew (a lane's, whether or not it ran a batch yet)."""
        self._max_token = max(self._max_token, token)

    @property
    def retake_below(self) -> int:
        """Leases held with a token at or below this are to be taken anew (0: none)."""
        return self._retake_below

    @property
    def highest_token(self) -> int:
        """The highest fencing token this process has used or seen on ``executed``: new
        lane tokens are drawn above it."""
        seen = self.recovery.highest_token if self.recovery is not None else 0
        return max(self._max_token, seen)

    def _fenced_set(
        self, values: dict[str, str | bytes | None], once: list[str] | None = None
    ) -> None:
        ttl = self.io.settings.result_window_s
        if self.lease is None:  # a bare handler (tests): nothing to fence against
            pipe = self.redis.pipeline(transaction=False)
            for key, value in values.items():
                if value is None:
                    pipe.delete(key)
                else:
                    pipe.set(key, value, ex=ttl, nx=key in (once or ()))
            pipe.execute()
        else:
            self.lease.fenced_set(values, ttl, token=self._token, once=once or ())

    def _before_side_effect(self, timeout_s: float) -> None:
        if self.lease is not None:
            if self.lease.token != self._token:
                raise Fenced(f"executor token moved from {self._token} to {self.lease.token}")
            self.lease.ensure(timeout_s)

    def _checkpoint(self, progress: Checkpoint) -> None:
        self._fenced_set({self._progress_key(progress.task_id): progress.to_json()})

    def _key(self, task_id: str) -> str:
        return self._keys.result(task_id)

    def _progress_key(self, task_id: str) -> str:
        return self._keys.progress(task_id)

    def _snapshot(self, scheduled: ScheduledTask, resume: Checkpoint | None) -> Snapshot:
        project = scheduled.task.project_id
        if project is None:
            return Snapshot(None, 0, {})
        if resume is not None:
            # resume on the very snapshot the task started on: the batch's own when it is
            # that version (the head may have moved since the batch read it), else rebuilt
            # from the chain
            if resume.snapshot_version == self._versions.get(project):
                current = self._current(project)
                if current.version == resume.snapshot_version:
                    return current
            history = (
                self.recovery.history(self.chain, project)
                if self.recovery is not None
                else self.chain.log(project)
            )
            head = state_at(project, history, resume.snapshot_version)
            return Snapshot(
                project, head.version, head.state, head.canonical_state(), lattice=head.lattice
            )
        return self._current(project)

    def _current(self, project: str) -> Snapshot:
        """The snapshot the batch's tasks of ``project`` run on: at the version the batch
        read, or at the head read for its first task when that had moved since."""
        cached = self._snapshots.get(project)
        version = self._versions.get(project, 0)
        if cached is None or cached.version != version:
            moved = None
            if cached is not None and 0 < version - cached.version <= follow_at_most(cached):
                # the commits since: usually of states this executor made (no state read)
                commits = self.chain.commits_between(project, cached.version, version)
                if commits is not None:
                    moved = cached.follow(commits)
            if moved is not None:
                self.snapshot_reads["followed"] += 1
            else:
                self.snapshot_reads["read"] += 1
                head = self.chain.head(project)  # the state is read only when its version moved
                # a batch's tasks run on the same snapshot: each is dumped from its parts
                canon = CanonicalCache(keep=16, forget=False)
                text = canon.prime(head.state)
                moved = Snapshot(
                    project, head.version, head.state, text, canon=canon, lattice=head.lattice
                )
                # the head may have moved since the batch read the versions: the batch's
                # later tasks of the project run on this snapshot (read once, not per task)
                self._versions[project] = head.version
            cached = self._snapshots[project] = moved
        return cached

    def _outputs(self, result: ExecutionResult, encoded: bytes | None = None) -> list[Out]:
        return [
            self.io.out(EXECUTED, project_of(result), result, encoded),
            self.io.out(REPLIES, result.session_id, reply_for(result)),
        ]
