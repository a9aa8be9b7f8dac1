"""The six stage handlers: Kafka/Redis I/O around the pure logic in :mod:`processors`.

Each handler takes a batch of consumed records and returns the records to produce; the
runner (:mod:`streams.runtime`) does the consuming, producing and offset commits.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import redis
from confluent_kafka import Message

from processors.completer import commit_id_for, plan_commit, project_of
from processors.executor import Executor, Progress, Snapshot
from processors.former import Formation, Former
from processors.jsonpatch import touched_paths
from processors.models import (
    ExecutionResult,
    GovernanceCommand,
    RawEvent,
    Reply,
    RoutedEvent,
    ScheduledTask,
    SsotCommit,
    TaskObject,
    now_millis,
    patch_to_rfc,
)
from processors.packs import IntentSpec
from processors.planner import PlanError, plan_for
from processors.router import Router
from processors.scheduler import Book, GovernanceRefused, as_dict, to_scheduled
from processors.ssot import Head, advance, state_at
from streams.dedup import Deduplicator
from streams.errors import ChainError, GovernanceAuthError
from streams.governance import verify
from streams.logs import record_ids
from streams.runtime import Lease, Out, StageIO, coordinate
from streams.scheduler_store import SchedulerKeys, encode_entry, load_book
from streams.ssot_store import SsotStore, Tombstone
from streams.topics import (
    EXECUTED,
    FORMED,
    GOVERNANCE,
    RAW_EVENTS,
    REPLIES,
    ROUTED,
    SCHEDULED,
    SSOT_WRITES,
)

log = logging.getLogger("taskline.stages")
_REPLY_NAMESPACE = uuid.UUID("a3c9e1f4-5b6d-4e7f-8a9b-0c1d2e3f4a5b")


class RouterStage:
    """raw-events → routed: decode, validate, dedup by ``source_event_id``, route.

    Keeps each session's last project in Redis as a hint for its next event, and re-indexes
    a project's routing document when its SSOT version moved.
    """

    topics: tuple[str, ...] = (RAW_EVENTS,)
    exclusive = False
    lease: Lease | None = None

    def __init__(
        self,
        io: StageIO,
        router: Router,
        dedup: Deduplicator,
        client: redis.Redis,
        ssot: SsotStore,
    ) -> None:
        self.io = io
        self.router = router
        self.dedup = dedup
        self.redis = client
        self.ssot = ssot
        self._indexed: dict[str, int] = {}
        self._next_reindex = 0.0
        self._session_prefix = f"{io.settings.redis_prefix}:session"

    def reindex(self) -> int:
        """Re-index projects whose SSOT version changed; returns how many."""
        ids = [p.id for p in self.router.registry.projects]
        changed = 0
        for project, version in self.ssot.versions(ids).items():
            if version and self._indexed.get(project) != version:
                self.router.reindex(project, self.ssot.head(project).state)
                self._indexed[project] = version
                changed += 1
        return changed

    def handle(self, batch: list[Message]) -> list[Out]:
        """Route every first carrier of a ``source_event_id``; drop later duplicates."""
        if time.monotonic() >= self._next_reindex:
            self.reindex()
            self._next_reindex = time.monotonic() + self.io.settings.reindex_interval_s
        events, outs = self.io.decode(batch, RawEvent)
        claims = self.dedup.claim([(ev.source_event_id, coordinate(m)) for m, ev in events])
        fresh = []
        for (msg, event), claim in zip(events, claims, strict=True):
            if claim.own:
                fresh.append((msg, event))
                continue
            self.io.stats.duplicates += 1
            with record_ids(event_id=event.source_event_id, task_id=None):
                log.info(
                    "router: duplicate dropped (%s)",
                    f"already committed as {claim.tombstone}"
                    if claim.tombstone
                    else "in the window",
                )
        sessions = sorted({event.session_id for _, event in fresh})
        stored = (
            self.redis.mget([f"{self._session_prefix}:{s}" for s in sessions]) if sessions else []
        )
        hints = {
            s: v.decode() for s, v in zip(sessions, stored, strict=True) if isinstance(v, bytes)
        }
        now = now_millis()

        def route(_msg: Message, event: RawEvent) -> list[Out]:
            routed = self.router.route(event, now, hints.get(event.session_id))
            if routed.project_id is not None:
                hints[event.session_id] = routed.project_id
            return [self.io.out(ROUTED, event.session_id, routed)]

        outs += self.io.each(fresh, route)
        if hints:
            pipe = self.redis.pipeline(transaction=False)
            for session, project in hints.items():
                pipe.set(
                    f"{self._session_prefix}:{session}",
                    project,
                    ex=self.io.settings.session_hint_ttl_s,
                )
            pipe.execute()
        return outs


class FormerStage:
    """routed → formed | replies: expert, dependency pass, review, task object.

    Task ids are claimed in Redis too, so a duplicate that slipped past the router (its
    window expired before a commit existed) is dropped at the task object boundary.
    """

    topics: tuple[str, ...] = (ROUTED,)
    exclusive = False
    lease: Lease | None = None

    def __init__(self, io: StageIO, former: Former, tasks: Deduplicator) -> None:
        self.io = io
        self.former = former
        self.tasks = tasks

    def handle(self, batch: list[Message]) -> list[Out]:
        """Form every routed event."""
        routed, outs = self.io.decode(batch, RoutedEvent)
        now = now_millis()
        formations: dict[str, Formation] = {}

        def form(msg: Message, item: RoutedEvent) -> list[Out]:
            formations[coordinate(msg)] = self.former.form(item, now)
            return []

        outs += self.io.each(routed, form)
        with_task = [(c, f.task.task_id) for c, f in formations.items() if f.task is not None]
        owned = {
            c
            for (c, _), claim in zip(
                with_task, self.tasks.claim([(t, c) for c, t in with_task]), strict=True
            )
            if claim.own
        }
        for coord, formation in formations.items():
            if formation.task is not None and coord not in owned:
                self.io.stats.duplicates += 1
                log.info("former: duplicate task %s dropped", formation.task.task_id)
                continue
            if formation.task is not None:
                key = formation.task.project_id or formation.task.task_id
                outs.append(self.io.out(FORMED, key, formation.task))
            if formation.reply is not None:
                outs.append(self.io.out(REPLIES, formation.reply.session_id, formation.reply))
        return outs


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
    ) -> None:
        self.io = io
        self.chain = chain
        self.redis = client
        self.intents = intents
        self.keys = SchedulerKeys(io.settings.redis_prefix)
        self.book = Book(dependency_timeout=timedelta(seconds=io.settings.dependency_timeout_s))
        self._done: dict[str, str] = {}  # source event id → commit outcome (bounded)
        self._reproduce: dict[str, bytes] = {}  # task id → ScheduledTask bytes
        self._last_inflight: set[str] = set()
        self._stale = False
        s = io.settings
        self._key = s.governance_key.get_secret_value().encode() if s.governance_key else None

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
        log.info(
            "scheduler: book loaded: %d pending, %d in flight, safe mode %s, unavailable %s",
            len(self.book.pending),
            len(self.book.inflight),
            self.book.safe_mode,
            sorted(self.book.unavailable) or "none",
        )

    def handle(self, batch: list[Message]) -> list[Out]:
        """Admit formed tasks, note completions, obey governance, then release what is ready."""
        if self._stale:
            self.on_activate()
        now = now_millis()
        by_topic: dict[str, list[Message]] = {}
        for msg in batch:
            by_topic.setdefault(self.io.settings.logical(msg.topic() or ""), []).append(msg)
        tasks, outs = self.io.decode(by_topic.get(FORMED, []), TaskObject)
        commits, dead = self.io.decode(by_topic.get(SSOT_WRITES, []), SsotCommit)
        commands, bad = self.io.decode(by_topic.get(GOVERNANCE, []), GovernanceCommand)
        outs += dead + bad
        finished = {c.task_id for _, c in commits}
        committed = self._committed([t.source_event_id for _, t in tasks])
        for msg, task in tasks:
            if task.task_id in finished or task.source_event_id in committed:
                self.io.stats.duplicates += 1  # a redelivered task that already completed
                continue
            outs += self._admit(msg, task, now)
        for _, commit in commits:
            self._remember(commit.source_event_id, commit.outcome)
            self.book.complete(commit.task_id)
        results = {}
        for msg, command in commands:
            results[command.command_id], letter = self._govern(msg, command, now)
            outs += letter
        # released before a take-over and not committed since: produce them again
        for task_id, value in self._reproduce.items():
            if task_id in self.book.inflight:
                outs.append(Out(self.io.settings.topic(SCHEDULED), task_id.encode(), value))
        self._reproduce = {}
        released = self.book.release(
            window=self.io.settings.release_window, now=now, done=self._dependencies_done()
        )
        projects = sorted({r.task.project_id for r in released if r.task.project_id})
        versions = self.chain.versions(projects) if projects else {}
        produced: dict[str, Out] = {}
        for release in released:
            version = versions.get(release.task.project_id or "", 0)
            scheduled = to_scheduled(release, snapshot_version=version, now=now)
            produced[release.task.task_id] = self.io.out(SCHEDULED, release.task.task_id, scheduled)
        self._persist(produced, results, now)
        self.io.stats.held = len(self.book.pending)
        self.io.stats.current.update(as_dict(self.book))
        return outs + list(produced.values())

    def _admit(self, msg: Message, task: TaskObject, now: datetime) -> list[Out]:
        try:
            intent = self.intents(task)
            plan = plan_for(task, intent)
        except PlanError as exc:
            return [self.io.dead_letter(msg, exc)]
        gates = [s.number for s in plan if s.gate]
        gate = f"governance gate at step {gates[0]}: awaiting approval" if gates else None
        entry = self.book.admit(task, now, plan=plan, gate=gate)
        if entry is not None:
            entry.raw = msg.value()
        if entry is not None and intent is not None and intent.priority is not None:
            entry.priority = intent.priority  # policy at formation, not a reprioritization
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
        values = self.redis.hmget(self.chain.tombstones_key, unknown)
        found = {i for i, v in zip(unknown, values, strict=True) if v is not None}
        return found | {i for i in source_event_ids if i in self._done}

    def _dependencies_done(self) -> dict[str, str]:
        wanted = {
            d for e in self.book.pending.values() for d in e.task.depends_on if d not in self._done
        }
        if wanted:
            ordered = sorted(wanted)
            stones = self.redis.hmget(self.chain.tombstones_key, ordered)
            for source, stone in zip(ordered, stones, strict=True):
                if stone is None:
                    continue
                where = Tombstone.parse(stone.decode() if isinstance(stone, bytes) else stone)
                commit = self.chain.commit_at(where.project_id, where.version)
                self._remember(source, commit.outcome if commit else "succeeded")
        return self._done

    def _remember(self, source_event_id: str, outcome: str) -> None:
        self._done[source_event_id] = outcome
        if len(self._done) > 100_000:  # bounded: the tombstones in Redis answer for the rest
            for key in list(self._done)[:10_000]:
                del self._done[key]

    def _persist(
        self, released: dict[str, Out], results: dict[str, dict[str, str]], now: datetime
    ) -> None:
        book, keys = self.book, self.keys
        pipe = self.redis.pipeline(transaction=True)
        for task_id in book.changed:
            if task_id in book.pending:
                pipe.hset(keys.entries, task_id, encode_entry(book.pending[task_id], self.io.serde))
        for task_id in book.removed:
            pipe.hdel(keys.entries, task_id)
        for task_id, out in released.items():
            pipe.hset(keys.released, task_id, out.value)
            pipe.hset(keys.inflight, task_id, book.inflight.get(task_id, now).isoformat())
        done = [t for t in self._last_inflight if t not in book.inflight]
        if done:
            pipe.hdel(keys.inflight, *done)
            pipe.hdel(keys.released, *done)
        pipe.hset(keys.meta, mapping={"safe_mode": int(book.safe_mode), "seq": book.seq})
        pipe.delete(keys.unavailable)
        if book.unavailable:
            pipe.sadd(keys.unavailable, *sorted(book.unavailable))
        ttl = self.io.settings.governance_max_age_s * 4
        for command_id, result in results.items():
            if result["status"] in ("applied", "not_applied"):
                pipe.set(keys.seen(command_id), 1, ex=ttl)
            pipe.set(keys.result(command_id), json.dumps(result), ex=86_400, nx=True)
        pipe.execute()
        book.changed.clear()
        book.removed.clear()
        self._last_inflight = set(book.inflight)


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
    ) -> None:
        self.io = io
        self.executor = executor
        self.chain = chain
        self.redis = client
        self.keys = keys
        self._prefix = f"{io.settings.redis_prefix}:exec"
        self._snapshots: dict[str, Snapshot] = {}
        self._versions: dict[str, int] = {}
        self._down: set[str] = set()
        executor.env.unavailable_systems = lambda: self._down
        executor.env.checkpoint = self._checkpoint

    def handle(self, batch: list[Message]) -> list[Out]:
        """Execute every scheduled task in offset order."""
        tasks, outs = self.io.decode(batch, ScheduledTask)
        projects = sorted({t.task.project_id for _, t in tasks if t.task.project_id})
        ids = list(dict.fromkeys(t.task.task_id for _, t in tasks))
        pipe = self.redis.pipeline(transaction=False)
        pipe.mget([self._key(i) for i in ids] or ["-"])
        pipe.mget([self._progress_key(i) for i in ids] or ["-"])
        pipe.smembers(self.keys.unavailable)
        stored, progress_raw, down = pipe.execute()
        self._versions = self.chain.versions(projects) if projects else {}
        self._down = {d.decode() if isinstance(d, bytes) else d for d in down}
        recorded = {i: v for i, v in zip(ids, stored, strict=False) if isinstance(v, bytes)}
        progress = {i: v for i, v in zip(ids, progress_raw, strict=False) if isinstance(v, bytes)}
        results: dict[str, ExecutionResult] = {}
        fresh: dict[str, str | bytes | None] = {}
        encoded: dict[str, bytes] = {}
        token = self.lease.token if self.lease is not None else 0

        def run(_msg: Message, scheduled: ScheduledTask) -> list[Out]:
            task_id = scheduled.task.task_id
            prior = recorded.get(task_id)
            if task_id in results or prior is not None:
                # Ran before (a redelivery or a repeated record): re-emit, never re-run.
                self.io.stats.duplicates += 1
                result = results.get(task_id) or self.io.serde.decode(prior or b"", ExecutionResult)
            else:
                resume = Progress.from_json(progress[task_id]) if task_id in progress else None
                if resume is not None:
                    log.warning(
                        "executor: resuming %s after step %d (checkpoint by %s)",
                        task_id,
                        resume.next_step,
                        resume.executor_id,
                    )
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
            self._fenced_set(fresh)
        return outs + produced

    def _fenced_set(self, values: dict[str, str | bytes | None]) -> None:
        ttl = self.io.settings.dedup_window_s
        if self.lease is None:  # a bare handler (tests): nothing to fence against
            pipe = self.redis.pipeline(transaction=False)
            for key, value in values.items():
                pipe.delete(key) if value is None else pipe.set(key, value, ex=ttl)
            pipe.execute()
        else:
            self.lease.fenced_set(values, ttl)

    def _checkpoint(self, progress: Progress) -> None:
        self._fenced_set({self._progress_key(progress.task_id): progress.to_json()})

    def _key(self, task_id: str) -> str:
        return f"{self._prefix}:{task_id}"

    def _progress_key(self, task_id: str) -> str:
        return f"{self._prefix}:progress:{task_id}"

    def _snapshot(self, scheduled: ScheduledTask, resume: Progress | None) -> Snapshot:
        project = scheduled.task.project_id
        if project is None:
            return Snapshot(None, 0, {})
        if resume is not None and resume.snapshot_version != self._versions.get(project):
            # resume on the very snapshot the task started on, rebuilt from the chain
            head = state_at(project, self.chain.log(project), resume.snapshot_version)
            return Snapshot(project, head.version, head.state)
        cached = self._snapshots.get(project)
        if cached is None or cached.version != self._versions.get(project):
            head = self.chain.head(project)  # the state is read only when its version moved
            cached = Snapshot(project, head.version, head.state)
            self._snapshots[project] = cached
        return cached

    def _outputs(self, result: ExecutionResult, encoded: bytes | None = None) -> list[Out]:
        reply = Reply(
            reply_id=str(uuid.uuid5(_REPLY_NAMESPACE, f"{result.task_id}/result")),
            source_event_id=result.source_event_id,
            session_id=result.session_id,
            task_id=result.task_id,
            kind="result",
            text=(result.output if result.status == "succeeded" else f"failed: {result.error}")[
                :2000
            ],
            created_at=result.finished_at,
        )
        return [
            self.io.out(EXECUTED, project_of(result), result, encoded),
            self.io.out(REPLIES, result.session_id, reply),
        ]


class CompleterStage:
    """executed → ssot-writes: compare-and-set the next link of the project's chain."""

    topics: tuple[str, ...] = (EXECUTED,)
    exclusive = False
    lease: Lease | None = None
    max_attempts = 5

    def __init__(self, io: StageIO, chain: SsotStore) -> None:
        self.io = io
        self.chain = chain
        self._heads: dict[str, Head] = {}
        # paths each recent state commit wrote, by (project, version): rebase checks without
        # reading the commit log back from Redis
        self._written: dict[str, dict[int, set[str]]] = {}

    def handle(self, batch: list[Message]) -> list[Out]:
        """Commit every result exactly once per task: one Redis round trip for the batch when
        nothing raced, else one result at a time."""
        results, outs = self.io.decode(batch, ExecutionResult)
        fast = self._batch(results)
        if fast is not None:
            return outs + fast
        return outs + self.io.each(results, lambda _m, r: [self._complete(r)])

    def _changed(self, project: str, head: Head, result: ExecutionResult) -> set[str]:
        if result.task_type != "stateful" or head.version == result.snapshot_version:
            return set()
        written = self._written.get(project, {})
        needed = range(result.snapshot_version + 1, head.version + 1)
        if all(v in written for v in needed):
            return set().union(*(written[v] for v in needed))
        return self.chain.changed_paths_since(project, result.snapshot_version)

    def _remember(self, commit: SsotCommit) -> None:
        written = self._written.setdefault(commit.project_id, {})
        written[commit.version] = (
            touched_paths(patch_to_rfc(commit.patch)) if commit.kind == "state" else set()
        )
        for old in [v for v in written if v <= commit.version - 1000]:  # bounded
            del written[old]

    def _batch(self, results: list[tuple[Message, ExecutionResult]]) -> list[Out] | None:
        if not results:
            return []
        heads = dict(self._heads)
        missing = sorted({project_of(r) for _, r in results} - set(heads))
        for project in missing:
            heads[project] = self.chain.head(project)
        planned: list[tuple[ExecutionResult, SsotCommit, Head]] = []
        now = now_millis()
        for _, result in results:
            project = project_of(result)
            try:
                with record_ids(event_id=result.source_event_id, task_id=result.task_id):
                    commit, new_head = plan_commit(
                        result,
                        heads[project],
                        changed_paths=self._changed(project, heads[project], result),
                        now=now,
                    )
            except Exception:
                return None
            heads[project] = new_head
            planned.append((result, commit, new_head))
            self._remember(commit)
        applied = self.chain.apply_many([(c, h) for _, c, h in planned])
        if any(a.status != "ok" for a in applied):
            self._heads.clear()  # raced or redelivered: redo the batch one by one, from Redis
            self._written.clear()
            return None
        outs = []
        for result, commit, new_head in planned:
            self._heads[commit.project_id] = new_head
            latency = (commit.committed_at - result.occurred_at).total_seconds()
            self.io.stats.end_to_end_seconds.append(max(latency, 0.0))
            outs.append(self.io.out(SSOT_WRITES, commit.project_id, commit))
        return outs

    def _complete(self, result: ExecutionResult) -> Out:
        project = project_of(result)
        for _ in range(self.max_attempts):
            head = self._heads.get(project) or self.chain.head(project)
            changed = self._changed(project, head, result)
            commit, new_head = plan_commit(result, head, changed_paths=changed, now=now_millis())
            applied = self.chain.apply(commit, new_head)
            if applied.status == "ok":
                self._heads[project] = new_head
                self._remember(commit)
                latency = (commit.committed_at - result.occurred_at).total_seconds()
                self.io.stats.end_to_end_seconds.append(max(latency, 0.0))
                return self.io.out(SSOT_WRITES, project, commit)
            if applied.status == "duplicate":
                # Completed before (a redelivery): re-emit the very commit recorded then.
                self.io.stats.duplicates += 1
                prior = self.chain.commit_at(project, applied.version)
                if prior is None or prior.commit_id != commit_id_for(result.task_id):
                    raise ChainError(f"commit log of {project} lost task {result.task_id}")
                return self.io.out(SSOT_WRITES, project, prior)
            self._heads.pop(project, None)  # someone else moved the head: reload and retry
        raise ChainError(f"{project}: head kept moving; gave up after {self.max_attempts} tries")


class SsotStage:
    """ssot-writes → Redis: verify each commit against its project's head and materialize it."""

    topics: tuple[str, ...] = (SSOT_WRITES,)
    exclusive = False
    lease: Lease | None = None

    def __init__(self, io: StageIO, ssot: SsotStore) -> None:
        self.io = io
        self.ssot = ssot
        self._heads: dict[str, Head] = {}

    def handle(self, batch: list[Message]) -> list[Out]:
        """Apply every commit once, in order; a broken chain is dead-lettered.

        One Redis round trip for the batch when every commit extends the cached heads and
        applies cleanly; otherwise (a redelivery, another writer, a broken link) one commit
        at a time, verified against the stored heads.
        """
        commits, outs = self.io.decode(batch, SsotCommit)
        if self._batch(commits):
            return outs
        return outs + self.io.each(commits, lambda _m, c: self._apply(c))

    def _batch(self, commits: list[tuple[Message, SsotCommit]]) -> bool:
        heads = dict(self._heads)
        for project in sorted({c.project_id for _, c in commits} - set(heads)):
            heads[project] = self.ssot.head(project)
        planned: list[tuple[SsotCommit, Head]] = []
        for _, commit in commits:
            try:
                new_head = advance(heads[commit.project_id], commit)
            except ChainError:
                return False
            heads[commit.project_id] = new_head
            planned.append((commit, new_head))
        if planned and any(a.status != "ok" for a in self.ssot.apply_many(planned)):
            self._heads.clear()  # the one-by-one path sorts out what was applied already
            return False
        self._heads.update({c.project_id: h for c, h in planned})
        return True

    def _apply(self, commit: SsotCommit) -> list[Out]:
        project = commit.project_id
        for fresh in (False, True):
            cached = None if fresh else self._heads.get(project)
            head = cached or self.ssot.head(project)
            if commit.version <= head.version:
                if self.ssot.applied_version(commit.commit_id) is not None:
                    self.io.stats.duplicates += 1  # a redelivered commit: already applied
                    return []
                if cached is None:
                    raise ChainError(
                        f"{project}: v{commit.version} already exists with another commit"
                    )
                continue
            try:
                new_head = advance(head, commit)
            except ChainError:
                if cached is None:
                    raise  # verified against the store's own head: the chain is broken
                continue
            applied = self.ssot.apply(commit, new_head)
            if applied.status == "ok":
                self._heads[project] = new_head
                return []
            self._heads.pop(project, None)
            if applied.status == "duplicate":
                self.io.stats.duplicates += 1
                return []
        raise ChainError(f"{project}: v{commit.version} does not extend the stored head")


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
