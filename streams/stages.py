"""The six stage handlers: Kafka/Redis I/O around the pure logic in :mod:`processors`.

Each handler takes a batch of consumed records and returns the records to produce; the
runner (:mod:`streams.runtime`) does the consuming, producing and offset commits.
"""

from __future__ import annotations

import logging
import time
import uuid

import redis
from confluent_kafka import Message

from processors.completer import commit_id_for, plan_commit, project_of
from processors.executor import Executor, Snapshot
from processors.former import Formation, Former
from processors.jsonpatch import touched_paths
from processors.models import (
    ExecutionResult,
    RawEvent,
    Reply,
    RoutedEvent,
    ScheduledTask,
    SsotCommit,
    TaskObject,
    now_millis,
    patch_to_rfc,
)
from processors.router import Router
from processors.scheduler import schedule
from processors.ssot import Head, advance
from streams.dedup import Deduplicator
from streams.errors import ChainError
from streams.logs import record_ids
from streams.runtime import Out, StageIO, coordinate
from streams.ssot_store import SsotStore
from streams.topics import (
    EXECUTED,
    FORMED,
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
    """formed → scheduled: first in, first out, stamped with the project's SSOT version."""

    topics: tuple[str, ...] = (FORMED,)
    exclusive = False

    def __init__(self, io: StageIO, ssot: SsotStore) -> None:
        self.io = io
        self.ssot = ssot

    def handle(self, batch: list[Message]) -> list[Out]:
        """Schedule every task object."""
        tasks, outs = self.io.decode(batch, TaskObject)
        now = now_millis()
        projects = sorted({t.project_id for _, t in tasks if t.project_id})
        versions = self.ssot.versions(projects) if projects else {}  # one round trip a batch

        def release(_msg: Message, task: TaskObject) -> list[Out]:
            if task.hold_reason is not None:
                self.io.stats.held += 1
                log.info("scheduler: task %s held: %s", task.task_id, task.hold_reason)
                return []
            version = versions.get(task.project_id, 0) if task.project_id else 0
            scheduled = schedule(task, snapshot_version=version, now=now)
            return [self.io.out(SCHEDULED, task.task_id, scheduled)]

        return outs + self.io.each(tasks, release)


class ExecutorStage:
    """scheduled → executed | replies: strictly serial, one task after the other.

    A task's result is checkpointed in Redis under its ``task_id`` before it is produced, so a
    redelivered task re-emits its recorded result instead of running again.
    """

    topics: tuple[str, ...] = (SCHEDULED,)
    exclusive = True

    def __init__(
        self, io: StageIO, executor: Executor, ssot: SsotStore, client: redis.Redis
    ) -> None:
        self.io = io
        self.executor = executor
        self.ssot = ssot
        self.redis = client
        self._prefix = f"{io.settings.redis_prefix}:exec"
        self._snapshots: dict[str, Snapshot] = {}
        self._versions: dict[str, int] = {}

    def handle(self, batch: list[Message]) -> list[Out]:
        """Execute every scheduled task in offset order."""
        tasks, outs = self.io.decode(batch, ScheduledTask)
        projects = sorted({t.task.project_id for _, t in tasks if t.task.project_id})
        self._versions = self.ssot.versions(projects) if projects else {}
        ids = list(dict.fromkeys(t.task.task_id for _, t in tasks))
        stored = self.redis.mget([self._key(i) for i in ids]) if ids else []
        recorded = {i: v for i, v in zip(ids, stored, strict=True) if isinstance(v, bytes)}
        results: dict[str, ExecutionResult] = {}
        fresh: dict[str, bytes] = {}

        def run(_msg: Message, scheduled: ScheduledTask) -> list[Out]:
            task_id = scheduled.task.task_id
            prior = recorded.get(task_id)
            if task_id in results or prior is not None:
                # Ran before (a redelivery or a repeated record): re-emit, never re-run.
                self.io.stats.duplicates += 1
                result = results.get(task_id) or self.io.serde.decode(prior or b"", ExecutionResult)
            else:
                try:
                    result = self.executor.execute(scheduled, self._snapshot(scheduled))
                finally:
                    self.io.stats.current.clear()
                fresh[task_id] = self.io.serde.encode(result)
                if result.status == "failed":
                    self.io.stats.note("task failed", result.error or "", task_id=task_id)
            results[task_id] = result
            return self._outputs(result)

        produced = self.io.each(tasks, run)
        if fresh:
            pipe = self.redis.pipeline(transaction=False)
            for task_id, value in fresh.items():
                pipe.set(self._key(task_id), value, ex=self.io.settings.dedup_window_s)
            pipe.execute()
        return outs + produced

    def _key(self, task_id: str) -> str:
        return f"{self._prefix}:{task_id}"

    def _snapshot(self, scheduled: ScheduledTask) -> Snapshot:
        project = scheduled.task.project_id
        if project is None:
            return Snapshot(None, 0, {})
        cached = self._snapshots.get(project)
        if cached is None or cached.version != self._versions.get(project):
            head = self.ssot.head(project)  # the state is read only when its version moved
            cached = Snapshot(project, head.version, head.state)
            self._snapshots[project] = cached
        return cached

    def _outputs(self, result: ExecutionResult) -> list[Out]:
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
            self.io.out(EXECUTED, project_of(result), result),
            self.io.out(REPLIES, result.session_id, reply),
        ]


class CompleterStage:
    """executed → ssot-writes: compare-and-set the next link of the project's chain."""

    topics: tuple[str, ...] = (EXECUTED,)
    exclusive = False
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
