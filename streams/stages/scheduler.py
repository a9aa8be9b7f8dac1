"""The scheduler stage: the book of pending tasks, governance, release in priority order.

``formed`` + ``executed`` + ``governance`` → ``scheduled``; logic in :mod:`processors.scheduler`,
the book persisted by :mod:`streams.state.scheduler_book`.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import redis
from confluent_kafka import Message

from processors.lanes import lane_of as lane_of_key
from processors.models import (
    GovernanceCommand,
    ScheduledTask,
    SsotCommit,
    TaskObject,
    now_millis,
)
from processors.packs import IntentSpec
from processors.planner import PlanError, plan_for
from processors.scheduler import Book, GovernanceRefused, as_dict, to_scheduled
from streams.errors import GovernanceAuthError, PoisonRecordError
from streams.runtime.lease import Lease
from streams.runtime.recovery import Recovery
from streams.runtime.runner import Out, StageIO
from streams.runtime.topics import (
    FORMED,
    GOVERNANCE,
    SCHEDULED,
    SSOT_WRITES,
)
from streams.sdk.governance import verify
from streams.state.scheduler_book import SchedulerKeys, encode_entry, load_book
from streams.state.ssot_store import SsotStore

log = logging.getLogger("taskline.stages")
_DONE = ("task_id", "source_event_id", "outcome")  # what the scheduler reads of a commit


class SchedulerStage:
    """formed + ssot-writes + governance → scheduled: the scheduler's book, persisted in Redis.

    Exclusive (one active instance, a hot standby): it keeps the global release window and
    priority order. Every batch updates the book, writes the change to Redis in one
    transaction, then produces the releases; a crash in between re-produces the released
    tasks on the next start (the executor and completer absorb repeats by task id).
    """

    topics: tuple[str, ...] = (FORMED, SSOT_WRITES, GOVERNANCE)
    exclusive = True
    lease: Lease | None = None
    tick_s = 1.0  # also runs when idle: re-produce after a take-over, dependency time-outs

    def __init__(
        self,
        io: StageIO,
        chain: SsotStore,
        client: redis.Redis,
        *,
        intents: Callable[[TaskObject], IntentSpec | None] = lambda _t: None,
        recovery: Recovery | None = None,
        lane_of: Callable[[str | None], int] | None = None,
    ) -> None:
        self.io = io
        self.recovery = recovery
        self.chain = chain
        self.redis = client
        self.intents = intents
        self.lanes = io.settings.execution_lanes
        self.lane_of = lane_of or functools.partial(lane_of_key, lanes=self.lanes)
        self.keys = SchedulerKeys(io.settings.redis_prefix)
        self.book = Book(dependency_timeout=timedelta(seconds=io.settings.dependency_timeout_s))
        self._done: dict[str, str] = {}  # source event id → commit outcome (bounded)
        self._reproduce: dict[str, bytes] = {}  # task id → ScheduledTask bytes
        self._last_inflight: set[str] = set()
        self._stale = False
        self._persisted_seq: int | None = None  # the book's seq this instance last wrote
        self._full = False  # the book reached book_max_pending: formed is not read meanwhile
        self._token = 0  # the fencing token this batch runs under
        s = io.settings
        self._key = s.governance_key.get_secret_value().encode() if s.governance_key else None

    def paused_topics(self) -> tuple[str, ...]:
        """``formed`` while the book is full (``book_max_pending``): the runner stops reading
        it until releases bring the book below four fifths of the bound, so that overload
        leaves its backlog on the topic instead of in this process's memory. Completions and
        governance are read all the while: they are what empties the book."""
        limit = self.io.settings.book_max_pending
        pending = len(self.book.pending)
        if limit <= 0:
            self._full = False
        elif pending >= limit:
            self._full = True
        elif pending < max(limit * 4 // 5, 1):
            self._full = False
        self.io.stats.current["book_full"] = self._full
        return (FORMED,) if self._full else ()

    def on_failure(self) -> None:
        """A batch failed somewhere (Redis, the broker, fenced): the book in memory may be ahead
        of Redis or of what was produced, so the next batch reloads it."""
        self._stale = True

    def on_activate(self) -> None:
        """Load the book from Redis when this instance becomes the active one."""
        self._stale = False
        serde = self.io.serde
        self.book = load_book(self.redis, self.keys, serde, self.book.dependency_timeout)
        released = self.redis.hgetall(self.keys.released)
        # released before a crash, maybe never produced: produce again (repeats are absorbed)
        self._reproduce = {_str(k): v for k, v in released.items() if isinstance(v, bytes)}
        self._last_inflight = set(self.book.inflight)
        # read the log only when the book may have lost writes: on taking over (what the last
        # holder wrote is unknown) or when Redis holds an older book than this instance wrote
        if self._persisted_seq is None or self.book.seq < self._persisted_seq:
            self._readmit_from_log()
        self._persisted_seq = self.book.seq
        log.info(
            "scheduler: book loaded: %d pending, %d in flight, safe mode %s, unavailable %s",
            len(self.book.pending),
            len(self.book.inflight),
            self.book.safe_mode,
            sorted(self.book.unavailable) or "none",
        )

    def _readmit_from_log(self) -> None:
        """The book in Redis may have lost recent writes (a restore, a failover): admit again
        every task on ``formed`` that is neither committed on ``ssot-writes`` nor in the book
        (a repeat is harmless: the executor re-emits a recorded result, the completer a
        recorded commit)."""
        if self.recovery is None:
            return
        commits = 0
        known = set(self.book.pending) | set(self.book.inflight)
        for rec in self.recovery.scan(SSOT_WRITES, "ssot", "scheduler"):
            known.add(self.io.serde.decode(rec.value, SsotCommit).task_id)
            commits += 1
        now = now_millis()
        readmitted = formed = 0
        # what this group has not committed yet it reads anyway (under the book's bound);
        # everything when the broker does not say how far that is
        read = self.recovery.committed(FORMED, "scheduler")
        for rec in self.recovery.scan(FORMED, "scheduler"):
            formed += 1
            if read is not None and rec.offset >= read.get(rec.partition, 0):
                continue
            task = self.io.serde.decode(rec.value, TaskObject)
            if task.task_id in known:
                continue
            known.add(task.task_id)
            self._admit(task, rec.value, now)
            readmitted += 1
        if readmitted:
            self.book.changed.update(self.book.pending)  # persisted with the next batch
            log.warning(
                "scheduler: %d of %d formed task(s) neither committed (%d commits read) nor in "
                "the book: re-admitted",
                readmitted,
                formed,
                commits,
            )
            self.io.stats.note("recovery", f"{readmitted} task(s) re-admitted from formed")

    def handle(self, batch: list[Message]) -> list[Out]:
        """Admit formed tasks, note completions, obey governance, then release what is ready."""
        self._token = self.lease.token if self.lease is not None else 0
        if self._stale:
            self.on_activate()
        now = now_millis()
        by_topic: dict[str, list[Message]] = {}
        for msg in batch:
            by_topic.setdefault(self.io.settings.logical(msg.topic() or ""), []).append(msg)
        tasks, outs = self.io.decode(by_topic.get(FORMED, []), TaskObject)
        # of a commit only what completes its task: the ssot stage reads (and checks) the rest
        commits, dead = self.io.decode_fields(by_topic.get(SSOT_WRITES, []), SsotCommit, _DONE)
        commands, bad = self.io.decode(by_topic.get(GOVERNANCE, []), GovernanceCommand)
        outs += dead + bad
        finished = {task_id for _, (task_id, _s, _o) in commits}
        committed = self._committed([t.source_event_id for _, t in tasks])
        for msg, task in tasks:
            if task.task_id in finished or task.source_event_id in committed:
                self.io.stats.duplicates += 1  # a redelivered task that already completed
                continue
            outs += self._admit(task, msg.value() or b"", now, msg)
        for _, (task_id, source_event_id, outcome) in commits:
            self._remember(source_event_id, outcome)
            self.book.complete(task_id)
        results = {}
        for msg, command in commands:
            results[command.command_id], letter = self._govern(msg, command, now)
            outs += letter
        # released before a take-over and not committed since: produce them again
        for task_id, value in self._reproduce.items():
            if task_id in self.book.inflight:
                outs.append(self._reproduced(task_id, value))
        self._reproduce = {}
        if self._full:
            # formed is not read: a dependency may be there, unread, so no wait times out now
            self.book.waits_from = now
        released = self.book.release(
            window=self.io.settings.release_window,
            now=now,
            done=self._dependencies_done(),
            lanes=self.lanes,
            lane_of=self.lane_of,
        )
        projects = sorted({r.task.project_id for r in released if r.task.project_id})
        versions = self.chain.versions(projects) if projects else {}
        produced: dict[str, Out] = {}
        for release in released:
            version = versions.get(release.task.project_id or "", 0)
            lane = self.lane_of(release.task.project_id)
            scheduled = to_scheduled(release, snapshot_version=version, now=now, lane=lane)
            # the task's own bytes as they arrived: only the scheduling fields are encoded
            encoded = self.io.serde.encode_around(scheduled, release.raw) if release.raw else None
            out = self.io.out(SCHEDULED, release.task.task_id, scheduled, encoded)
            produced[release.task.task_id] = replace(out, partition=lane)
        self._persist(produced, results, now)
        self.io.stats.held = len(self.book.pending)
        self.io.stats.current.update(as_dict(self.book))
        return outs + list(produced.values())

    def _reproduced(self, task_id: str, value: bytes) -> Out:
        """A release produced again after a take-over, to its project's lane (the lanes may
        have been changed since it was released: then it carries its new lane)."""
        try:
            scheduled = self.io.serde.decode(value, ScheduledTask)
        except PoisonRecordError:  # unreadable: the executor dead-letters it from lane 0
            return Out(self.io.settings.topic(SCHEDULED), task_id.encode(), value, 0)
        lane = self.lane_of(scheduled.task.project_id)
        # the book in Redis keeps no lanes: count it in its lane's window again
        self.book.inflight_lane[task_id] = lane
        if lane != scheduled.lane:
            value = self.io.serde.encode(scheduled.model_copy(update={"lane": lane}))
        return Out(self.io.settings.topic(SCHEDULED), task_id.encode(), value, lane)

    def _admit(
        self, task: TaskObject, raw: bytes, now: datetime, msg: Message | None = None
    ) -> list[Out]:
        try:
            intent = self.intents(task)
            plan = plan_for(task, intent)
        except PlanError as exc:
            # dead-lettered when it first arrived; a re-admission from the log only skips it
            return [self.io.dead_letter(msg, exc)] if msg is not None else []
        gates = [s.number for s in plan if s.gate]
        gate = f"governance gate at step {gates[0]}: awaiting approval" if gates else None
        entry = self.book.admit(task, now, plan=plan, gate=gate)
        if entry is not None:
            entry.raw = raw
        if entry is not None and intent is not None and intent.priority is not None:
            # policy at formation, not a reprioritization
            self.book.set_priority(entry, intent.priority)
        if entry is not None and entry.hold is not None:
            log.info("scheduler: task %s held: %s", task.task_id, entry.hold)
        return []

    def _govern(
        self, msg: Message, command: GovernanceCommand, now: datetime
    ) -> tuple[dict[str, str], list[Out]]:
        s = self.io.settings
        try:
            verify(
                command,
                self._key,
                policy_version=s.governance_policy_version,
                max_age_s=s.governance_max_age_s,
                now=now,
            )
        except GovernanceAuthError as exc:
            log.warning("governance: refused %s by %r: %s", command.action, command.actor, exc)
            self.io.stats.note("governance refused", str(exc))
            return {"status": "refused", "detail": str(exc)}, [self.io.dead_letter(msg, exc)]
        if self.redis.exists(self.keys.seen(command.command_id)):
            log.info("governance: command %s already obeyed", command.command_id)
            return {"status": "duplicate", "detail": "already obeyed"}, []
        note = (
            f"{command.actor}: {command.reason} (policy {command.policy_version}, "
            f"command {command.command_id})"
        )
        book = self.book
        try:
            if command.action == "approve":
                detail = book.approve(command.task_id or "", note)
            elif command.action == "reject":
                detail = book.reject(command.task_id or "", note)
            elif command.action == "cancel":
                detail = book.cancel(command.task_id or "", note)
            elif command.action == "reprioritize":
                detail = book.reprioritize(command.task_id or "", int(command.argument or 0), note)
            elif command.action == "set_safe_mode":
                book.safe_mode = command.argument == "on"
                detail = f"safe mode {command.argument}"
            else:
                system, _, state = (command.argument or "").partition("=")
                if state == "unavailable":
                    book.unavailable.add(system)
                else:
                    book.unavailable.discard(system)
                detail = f"system {system} {state}"
        except GovernanceRefused as exc:
            log.warning("governance: %s by %s not applied: %s", command.action, note, exc)
            return {"status": "not_applied", "detail": str(exc)}, []
        log.info("governance: %s %s by %s", command.action, detail, note)
        return {"status": "applied", "detail": detail}, []

    def _committed(self, source_event_ids: list[str]) -> set[str]:
        unknown = [i for i in dict.fromkeys(source_event_ids) if i not in self._done]
        if not unknown:
            return {i for i in source_event_ids if i in self._done}
        values = self.chain.tombstones_of(unknown)
        found = {i for i, v in zip(unknown, values, strict=True) if v is not None}
        return found | {i for i in source_event_ids if i in self._done}

    def _dependencies_done(self) -> dict[str, str]:
        wanted = {d for d in self.book.awaited() if d not in self._done}
        if wanted:
            ordered = sorted(wanted)
            stones = self.chain.tombstones_of(ordered)
            for source, where in zip(ordered, stones, strict=True):
                if where is None:
                    continue
                outcome = where.outcome
                if not outcome:  # a tombstone from before outcomes were kept
                    commit = self.chain.commit_at(where.project_id, where.version)
                    outcome = commit.outcome if commit else "succeeded"
                self._remember(source, outcome)
        return self._done

    def _remember(self, source_event_id: str, outcome: str) -> None:
        self._done[source_event_id] = outcome
        if len(self._done) > 10_000:  # bounded: the tombstones in Redis answer for the rest
            for key in list(self._done)[:1_000]:
                del self._done[key]

    def _persist(
        self, released: dict[str, Out], results: dict[str, dict[str, str]], now: datetime
    ) -> None:
        """Write the batch's changes to the book as one fenced step: a deposed scheduler
        (lost lease, or a new token since the batch began) writes nothing."""
        book, keys = self.book, self.keys
        ops: list[tuple[str | bytes | int, ...]] = []
        for task_id in book.changed:
            if task_id in book.pending:
                entry = encode_entry(book.pending[task_id], self.io.serde)
                ops.append(("HSET", keys.entries, task_id, entry))
        if book.removed:
            ops.append(("HDEL", keys.entries, *book.removed))
        for task_id, out in released.items():
            ops.append(("HSET", keys.released, task_id, out.value))
            since = book.inflight.get(task_id, now).isoformat()
            ops.append(("HSET", keys.inflight, task_id, since))
        done = [t for t in self._last_inflight if t not in book.inflight]
        if done:
            ops += [("HDEL", keys.inflight, *done), ("HDEL", keys.released, *done)]
        ops.append(("HSET", keys.meta, "safe_mode", int(book.safe_mode), "seq", book.seq))
        ops.append(("DEL", keys.unavailable))
        if book.unavailable:
            ops.append(("SADD", keys.unavailable, *sorted(book.unavailable)))
        ttl = self.io.settings.governance_max_age_s * 4
        for command_id, result in results.items():
            if result["status"] in ("applied", "not_applied"):
                ops.append(("SET", keys.seen(command_id), 1, "EX", ttl))
            ops.append(("SET", keys.result(command_id), json.dumps(result), "EX", 86_400, "NX"))
        if self.lease is not None:
            self.lease.fenced_apply(ops, token=self._token)
        else:  # a bare handler (tests): nothing to fence against
            pipe = self.redis.pipeline(transaction=True)
            for command, *args in ops:
                pipe.execute_command(command, *args)  # type: ignore[no-untyped-call]
            pipe.execute()
        self._persisted_seq = book.seq
        book.changed.clear()
        book.removed.clear()
        self._last_inflight = set(book.inflight)


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
