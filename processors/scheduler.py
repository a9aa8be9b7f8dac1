"""The scheduler's book (Prospera §4.4, §6.3, §6.7): which formed tasks wait, why, and which
to release next to the strictly serial executor.

Pure logic; :class:`streams.stages.scheduler.SchedulerStage` persists the book in Redis and feeds it
formed tasks, completions (commits on ``ssot-writes``) and verified governance commands.

Release rules, in order:

- a task *fails without running* (``disposition="fail"``) when it was cancelled or rejected,
  when it sits in a dependency cycle (*pipeline deadlock*), when a dependency failed, or when
  a dependency did not complete within the wait limit;
- otherwise it *waits* while held (by the former or a governance gate, until approved), while
  safe mode is on and it is stateful, while a system it touches is unavailable, or while a
  task it depends on has not completed;
- ready tasks leave in priority order (higher first, then arrival), at most ``window`` in
  flight at once: the next ones are released as the executor's commits come back.

>>> book = Book()
>>> book.admit(task, now, plan=[])                                  # doctest: +SKIP
>>> [r.task.task_id for r in book.release(window=4, now=now)]       # doctest: +SKIP
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from processors.errors import ProcessorError
from processors.models import INT32_MAX, INT32_MIN, PlanStep, ScheduledTask, TaskObject
from processors.planner import plan_for

OK_OUTCOMES = frozenset({"succeeded", "rebased"})
_WAITING_AT_MOST = 256  # tasks not ready that a release pops from its queue before it scans


@dataclass
class Entry:
    """One admitted task that has not been released yet."""

    task: TaskObject
    plan: list[PlanStep]
    seq: int
    priority: int
    admitted_at: datetime
    hold: str | None = None  # waits for a governance approval
    fail: tuple[str, str] | None = None  # (failure mode, reason): release as a failure
    governance: list[str] = field(default_factory=list)
    systems: frozenset[str] | None = field(default=None, compare=False, repr=False)
    raw: bytes | None = field(default=None, compare=False, repr=False)  # the task as received

    @property
    def source_event_id(self) -> str:
        """The event the task came from (dependencies name events)."""
        return self.task.source_event_id

    def meta(self) -> dict[str, Any]:
        """Everything but the task, as plain data (the store keeps the task's own bytes)."""
        return {
            "plan": [s.model_dump(mode="json", exclude_defaults=True) for s in self.plan],
            "seq": self.seq,
            "priority": self.priority,
            "admitted_at": self.admitted_at.isoformat(),
            "hold": self.hold,
            "fail": list(self.fail) if self.fail else None,
            "governance": self.governance,
        }

    @classmethod
    def from_meta(cls, task: TaskObject, d: dict[str, Any]) -> Entry:
        """Back from :meth:`meta` and the task."""
        return cls(
            task=task,
            plan=[PlanStep.model_validate(s) for s in d["plan"]],
            seq=d["seq"],
            priority=d["priority"],
            admitted_at=datetime.fromisoformat(d["admitted_at"]),
            hold=d["hold"],
            fail=(d["fail"][0], d["fail"][1]) if d["fail"] else None,
            governance=list(d["governance"]),
        )

    def to_json(self) -> str:
        """The whole entry as JSON."""
        return json.dumps({"task": self.task.model_dump(mode="json"), **self.meta()})

    @classmethod
    def from_json(cls, text: str | bytes) -> Entry:
        """Back from :meth:`to_json`."""
        d = json.loads(text)
        return cls.from_meta(TaskObject.model_validate(d["task"]), d)


@dataclass(frozen=True)
class Release:
    """A task leaving the scheduler: to run, or to be recorded as failed."""

    task: TaskObject
    plan: list[PlanStep]
    priority: int
    governance: list[str]
    fail: tuple[str, str] | None = None
    raw: bytes | None = field(default=None, compare=False, repr=False)  # the task as received


@dataclass
class Book:
    """Pending tasks, tasks in flight, and the global switches."""

    pending: dict[str, Entry] = field(default_factory=dict)
    inflight: dict[str, datetime] = field(default_factory=dict)  # task id → released at
    safe_mode: bool = False
    unavailable: set[str] = field(default_factory=set)
    seq: int = 0
    dependency_timeout: timedelta = timedelta(hours=1)
    # a dependency's wait counts from here when that is later than the task's admission: the
    # last time the scheduler could not read formed (its book full), where the dependency may
    # have been waiting unread all the while
    waits_from: datetime | None = None
    changed: set[str] = field(default_factory=set)  # task ids whose entry changed (to persist)
    removed: set[str] = field(default_factory=set)
    # indexes that keep a release cheap with a long backlog
    _dependents: set[str] = field(default_factory=set)  # pending tasks with dependencies
    _failing: set[str] = field(default_factory=set)  # pending tasks to release as failures
    # execution lanes (opt-in): the lane of each task in flight; unknown after a take-over
    # (the book persists no lanes), counted as lane 0 — the window is a throttle, not a rule
    inflight_lane: dict[str, int] = field(default_factory=dict)
    # every pending task by release order, (-priority, seq, push number, task id), so that a
    # release looks at the best tasks first instead of at the whole book; a task's current
    # tuple is in _queued (one that is not was left behind by a change: skipped when it
    # surfaces; the push number keeps an old tuple from passing for the current one). Tasks
    # enter through admit/restore and change priority through set_priority/reprioritize only
    _queue: list[tuple[int, int, int, str]] = field(default_factory=list)
    _queued: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    _pushes: int = 0

    def knows(self, task_id: str) -> bool:
        """Pending or in flight."""
        return task_id in self.pending or task_id in self.inflight

    def admit(
        self, task: TaskObject, now: datetime, *, plan: list[PlanStep], gate: str | None = None
    ) -> Entry | None:
        """Queue a formed task (None if it is already known: a redelivery)."""
        if self.knows(task.task_id):
            return None
        self.seq += 1
        hold = f"formation: {task.hold_reason}" if task.hold_reason else gate
        entry = Entry(task, plan, self.seq, task.priority, now, hold=hold)
        self.restore(entry)
        self._touch(task.task_id)
        return entry

    def restore(self, entry: Entry) -> None:
        """Put a pending entry back (loading the book)."""
        task_id = entry.task.task_id
        self.pending[task_id] = entry
        if entry.task.depends_on:
            self._dependents.add(task_id)
        if entry.fail is not None:
            self._failing.add(task_id)
        self._enqueue(entry)

    def set_priority(self, entry: Entry, priority: int) -> None:
        """A pending task's priority, as its formation's policy says (see :meth:`reprioritize`
        for the governed change)."""
        entry.priority = priority
        self._enqueue(entry)

    def _enqueue(self, entry: Entry) -> None:
        task_id = entry.task.task_id
        current = self._queued.get(task_id)
        if current is None or current[:2] != (-entry.priority, entry.seq):
            self._pushes += 1
            key = (-entry.priority, entry.seq, self._pushes)
            self._queued[task_id] = key
            heapq.heappush(self._queue, (*key, task_id))

    def awaited(self) -> set[str]:
        """The source event ids that pending tasks wait for (only tasks with dependencies
        are looked at, not the whole book)."""
        pending = self.pending
        return {d for t in self._dependents if t in pending for d in pending[t].task.depends_on}

    def _fail(self, entry: Entry, mode: str, reason: str) -> None:
        entry.fail = (mode, reason)
        entry.hold = None
        self._failing.add(entry.task.task_id)
        self._touch(entry.task.task_id)

    def complete(self, task_id: str) -> bool:
        """A commit for ``task_id`` arrived: its window slot is free."""
        self.inflight_lane.pop(task_id, None)
        return self.inflight.pop(task_id, None) is not None

    def release(
        self,
        *,
        window: int,
        now: datetime,
        done: dict[str, str],
        inflight_timeout: timedelta = timedelta(minutes=5),
        lanes: int = 1,
        lane_of: Callable[[str | None], int] | None = None,
    ) -> list[Release]:
        """What to release now. ``done`` maps source event ids to their commit outcome, for
        every dependency of a pending task that has completed.

        With ``lanes`` > 1 the window is per lane (``lane_of`` maps a project to its lane):
        a busy lane does not hold the others back; priority order holds within each lane.
        """
        for task_id, at in list(self.inflight.items()):
            if now - at > inflight_timeout:  # lost its commit (e.g. dead-lettered): free the slot
                del self.inflight[task_id]
                self.inflight_lane.pop(task_id, None)
        if self._dependents:
            self._fail_blocked(now, done)
        self._compact()
        lane = lane_of if lanes > 1 and lane_of is not None else None
        # failures cost nothing (they run no step): they always leave, oldest first
        chosen = sorted((self.pending[t] for t in self._failing), key=lambda e: e.seq)
        ready = (e for e in self.pending.values() if e.fail is None and self._ready(e, done))
        order: Callable[[Entry], tuple[int, int]] = lambda e: (-e.priority, e.seq)  # noqa: E731
        if lane is None:
            room = window - len(self.inflight)
            if room > 0:
                best = self._best_ready(room, done)
                chosen += best if best is not None else heapq.nsmallest(room, ready, key=order)
        else:
            rooms = [window] * lanes
            for task_id in self.inflight:
                rooms[self.inflight_lane.get(task_id, 0)] -= 1
            if any(r > 0 for r in rooms):
                # each lane's own best: an older backlog in one lane never crowds out the rest
                by_lane: dict[int, list[Entry]] = {}
                for entry in ready:
                    n = lane(entry.task.project_id)
                    if rooms[n] > 0:
                        by_lane.setdefault(n, []).append(entry)
                for n, entries in sorted(by_lane.items()):
                    chosen += heapq.nsmallest(rooms[n], entries, key=order)
        out = []
        for entry in chosen:
            task_id = entry.task.task_id
            del self.pending[task_id]
            self._queued.pop(task_id, None)
            self._dependents.discard(task_id)
            self._failing.discard(task_id)
            self._gone(task_id)
            self.inflight[task_id] = now
            if lane is not None:
                self.inflight_lane[task_id] = lane(entry.task.project_id)
            out.append(
                Release(
                    entry.task, entry.plan, entry.priority, entry.governance, entry.fail, entry.raw
                )
            )
        return out

    def _best_ready(self, room: int, done: dict[str, str]) -> list[Entry] | None:
        """The ``room`` first ready tasks in release order, from the queue: what
        ``nsmallest`` over every ready task gives, looking only at tasks up to the last one
        taken. None asks the caller to scan the whole book instead: when more than
        ``_WAITING_AT_MOST`` tasks ahead are not ready (a backlog held by safe mode, gates or
        dependencies: popping them all and pushing them back would cost more than the scan),
        or when an entry surfaces whose priority changed other than through
        :meth:`set_priority` (the queue is rebuilt)."""
        queue, queued, pending = self._queue, self._queued, self.pending
        best: list[Entry] = []
        waiting: list[tuple[int, int, int, str]] = []
        while len(best) < room and queue:
            item = heapq.heappop(queue)
            task_id = item[3]
            entry = pending.get(task_id)
            if entry is None or queued.get(task_id) != item[:3]:
                continue  # released, or its priority changed since: a newer tuple is queued
            if (-entry.priority, entry.seq) != item[:2]:
                self._queue, self._queued = [], {}  # the queue cannot be trusted: rebuild
                for entry in pending.values():
                    self._enqueue(entry)
                return None
            if entry.fail is None and self._ready(entry, done):
                best.append(entry)
                continue
            waiting.append(item)  # failures leave by their own path this very release
            if len(waiting) > _WAITING_AT_MOST:
                break
        for item in waiting:
            heapq.heappush(queue, item)
        if len(waiting) > _WAITING_AT_MOST:
            for entry in best:
                heapq.heappush(queue, (*queued[entry.task.task_id], entry.task.task_id))
            return None
        return best

    def _compact(self) -> None:
        """Drop the queue's tuples that changes left behind, once they outnumber the rest."""
        if len(self._queue) > 2 * len(self.pending) + 64:
            pending = self.pending
            self._queue = [(*k, t) for t, k in self._queued.items() if t in pending]
            heapq.heapify(self._queue)

    def why_waiting(self, entry: Entry, done: dict[str, str]) -> str | None:
        """Why a pending task is not released (None: it is ready)."""
        if entry.fail is not None:
            return None
        if entry.hold is not None:
            return entry.hold
        if self.safe_mode and entry.task.task_type == "stateful":
            return "safe mode holds stateful tasks"
        down = sorted(self.unavailable & self.systems_of(entry)) if self.unavailable else []
        if down:
            return f"system unavailable: {', '.join(down)}"
        missing = [d for d in entry.task.depends_on if d not in done]
        if missing:
            return f"waiting for {', '.join(missing)}"
        return None

    @staticmethod
    def systems_of(entry: Entry) -> frozenset[str]:
        """Every system the task or one of its steps touches."""
        if entry.systems is None:
            found = set(entry.task.systems_affected)
            for step in entry.plan:
                found.update(step.systems)
            entry.systems = frozenset(found)
        return entry.systems

    def _ready(self, entry: Entry, done: dict[str, str]) -> bool:
        return self.why_waiting(entry, done) is None

    def _fail_blocked(self, now: datetime, done: dict[str, str]) -> None:
        # only tasks with dependencies can be in a cycle or wait for one
        waiting = [self.pending[t] for t in self._dependents if self.pending[t].fail is None]
        by_event = {e.source_event_id: e for e in waiting}
        graph = {s: e.task.depends_on for s, e in by_event.items()}
        for cycle in _cycles(graph):
            for source in cycle[:-1]:
                entry = by_event[source]
                if entry.fail is None:
                    reason = "dependency cycle: " + " -> ".join(cycle)
                    self._fail(entry, "pipeline_deadlock", reason)
        for entry in waiting:
            if entry.fail is not None:
                continue
            failed = [d for d in entry.task.depends_on if d in done and done[d] not in OK_OUTCOMES]
            if failed:
                reason = "; ".join(f"{d} ended {done[d]}" for d in failed)
                self._fail(entry, "dependency_failed", reason)
            elif now - self._waiting_since(entry) > self.dependency_timeout and any(
                d not in done for d in entry.task.depends_on
            ):
                missing = [d for d in entry.task.depends_on if d not in done]
                reason = f"dependencies not completed after {self.dependency_timeout}: "
                self._fail(entry, "pipeline_deadlock", reason + ", ".join(missing))

    def _waiting_since(self, entry: Entry) -> datetime:
        since = entry.admitted_at
        return self.waits_from if self.waits_from is not None and self.waits_from > since else since

    def _touch(self, task_id: str) -> None:
        self.changed.add(task_id)
        self.removed.discard(task_id)

    def _gone(self, task_id: str) -> None:
        self.removed.add(task_id)
        self.changed.discard(task_id)

    # -- governance ---------------------------------------------------------------------

    def approve(self, task_id: str, note: str) -> str:
        """Lift a hold (formation or gate). Returns what happened."""
        entry = self._pending(task_id)
        if entry.hold is None:
            raise GovernanceRefused(f"task {task_id} is not held")
        entry.governance.append(f"approved: {note} (was held: {entry.hold})")
        entry.hold = None
        self._touch(task_id)
        return "approved"

    def reject(self, task_id: str, note: str) -> str:
        """Fail a pending task without running it."""
        entry = self._pending(task_id)
        entry.governance.append(f"rejected: {note}")
        self._fail(entry, "rejected", f"rejected by governance: {note}")
        return "rejected"

    def cancel(self, task_id: str, note: str) -> str:
        """Withdraw a pending task; it is recorded as cancelled."""
        entry = self._pending(task_id)
        entry.governance.append(f"cancelled: {note}")
        self._fail(entry, "cancelled", f"cancelled by governance: {note}")
        return "cancelled"

    def reprioritize(self, task_id: str, priority: int, note: str) -> str:
        """The only way a priority changes (Prospera §6.3)."""
        if not INT32_MIN <= priority <= INT32_MAX:  # (what the task's schema can carry)
            raise GovernanceRefused(f"priority {priority} is out of range (32-bit)")
        entry = self._pending(task_id)
        entry.governance.append(f"priority {entry.priority} -> {priority}: {note}")
        self.set_priority(entry, priority)
        self._touch(task_id)
        return f"priority {priority}"

    def _pending(self, task_id: str) -> Entry:
        entry = self.pending.get(task_id)
        if entry is None:
            where = "already released" if task_id in self.inflight else "unknown or finished"
            raise GovernanceRefused(f"task {task_id} is not pending ({where})")
        return entry


class GovernanceRefused(ProcessorError):
    """A valid command that cannot apply (e.g. the task already left the scheduler)."""


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Cycles among pending events, each as ``[a, b, ..., a]`` (edges to events that are not
    pending are ignored: those are completed, in flight, or not formed yet)."""
    color: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        color[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if nxt not in graph:
                continue
            if color.get(nxt) == 1:
                found.append([*stack[stack.index(nxt) :], nxt])
            elif color.get(nxt) is None:
                visit(nxt)
        stack.pop()
        color[node] = 2

    for node in sorted(graph):
        if node not in color:
            visit(node)
    seen: set[str] = set()
    unique = []
    for cycle in found:
        members = cycle[:-1]
        if not seen.intersection(members):
            unique.append(cycle)
            seen.update(members)
    return unique


def to_scheduled(
    release: Release, *, snapshot_version: int, now: datetime, lane: int = 0
) -> ScheduledTask:
    """The record a release becomes on ``scheduled`` (in partition ``lane``)."""
    mode, reason = release.fail if release.fail else (None, None)
    return ScheduledTask(
        task=release.task,
        snapshot_version=snapshot_version,
        scheduled_at=now,
        plan=release.plan,
        priority=release.priority,
        disposition="fail" if release.fail else "run",
        failure_mode=mode,
        failure_reason=reason,
        governance=release.governance,
        lane=lane,
    )


def schedule(task: TaskObject, *, snapshot_version: int, now: datetime) -> ScheduledTask:
    """Release one task straight away with its default plan (simulations and tests)."""
    release = Release(task, plan_for(task, None), task.priority, [])
    return to_scheduled(release, snapshot_version=snapshot_version, now=now)


def as_dict(book: Book) -> dict[str, Any]:
    """The book's switches, for status output."""
    return {
        "safe_mode": book.safe_mode,
        "unavailable": sorted(book.unavailable),
        "pending": len(book.pending),
        "inflight": len(book.inflight),
    }
