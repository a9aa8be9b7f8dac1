"""The completer stage: verify an execution and write it back as one SSOT commit.

``executed`` → ``ssot-writes``; logic in :mod:`processors.completer`, chain in
:mod:`streams.state.ssot_store`.
"""

from __future__ import annotations

import logging

from confluent_kafka import Message

from processors.completer import commit_id_for, plan_commit, project_of
from processors.errors import ChainError
from processors.jsonpatch import touched_paths
from processors.models import (
    ExecutionResult,
    SsotCommit,
    now_millis,
    patch_to_rfc,
)
from processors.ssot import Head
from streams.runtime.lease import Lease
from streams.runtime.logs import record_ids
from streams.runtime.recovery import Recovery
from streams.runtime.runner import Out, StageIO
from streams.runtime.topics import (
    EXECUTED,
    SSOT_WRITES,
)
from streams.state.ssot_store import SsotStore

log = logging.getLogger("taskline.stages")


class CompleterStage:
    """executed → ssot-writes: compare-and-set the next link of the project's chain."""

    topics: tuple[str, ...] = (EXECUTED,)
    exclusive = False
    lease: Lease | None = None
    max_attempts = 5
    # also runs when idle this long: a Redis that lost the chains at a quiet time (wiped,
    # restored) is healed then, not when each project's next result comes
    tick_s = 1.0

    def __init__(self, io: StageIO, chain: SsotStore, *, recovery: Recovery | None = None) -> None:
        self.io = io
        self.chain = chain
        self.recovery = recovery
        self._heads: dict[str, Head] = {}
        # paths each recent state commit wrote, by (project, version): rebase checks without
        # reading the commit log back from Redis
        self._written: dict[str, dict[int, set[str]]] = {}

    def handle(self, batch: list[Message]) -> list[Out]:
        """Commit every result exactly once per task: one Redis round trip for the batch when
        nothing raced, else one result at a time."""
        if not batch:  # idle: every project this stage or the log knows of
            known = set(self._heads) | set(self.recovery.log_heads if self.recovery else ())
            self._heal_if_behind(known)
            return []
        results, outs = self.io.decode(batch, ExecutionResult)
        projects = {project_of(r) for _, r in results}
        self._heal_if_behind(projects)
        fast = self._batch(results)
        if fast is not None:
            return outs + fast
        # raced, redelivered, or Redis lost writes since the check above: heal while the heads
        # this stage wrote are still known, then redo the batch one by one, from Redis
        self._heal_if_behind(projects)
        self._heads.clear()
        self._written.clear()
        return outs + self.io.each(results, lambda _m, r: self._complete(r))

    def _committed_beyond_retention(self, result: ExecutionResult) -> bool:
        stone = self.chain.tombstone(result.source_event_id)
        return (
            stone is not None
            and stone.task_id == result.task_id
            and stone.version < self.chain.first_retained(stone.project_id)
        )

    def _heal_if_behind(self, projects: set[str]) -> None:
        """Never write on a head older than the log's: if Redis holds a project's chain at a
        version below one this stage wrote or the log holds (Redis lost writes), heal the
        chain from ``ssot-writes`` before planning anything on it."""
        if self.recovery is None or not projects:
            return
        stored = self.chain.versions(sorted(projects))
        log_heads = self.recovery.log_heads
        behind = [
            p
            for p in sorted(projects)
            if stored[p]
            < max(self._heads[p].version if p in self._heads else 0, log_heads.get(p, 0))
        ]
        if behind:
            log.warning("completer: chain behind the log for %s: healing", ", ".join(behind))
            self.io.stats.note("recovery", f"chain behind the log: {', '.join(behind)}")
            self.recovery.chains()
            self._heads.clear()
            self._written.clear()

    def _changed(self, project: str, head: Head, result: ExecutionResult) -> set[str]:
        if result.task_type != "stateful" or head.version == result.snapshot_version:
            return set()
        written = self._written.get(project, {})
        needed = range(result.snapshot_version + 1, head.version + 1)
        if all(v in written for v in needed):
            return set().union(*(written[v] for v in needed))
        changed = self.chain.changed_paths_since(project, result.snapshot_version)
        # older than Redis's retention: assume the whole state changed (no blind rebase)
        return changed if changed is not None else {""}

    def _remember(self, commit: SsotCommit) -> None:
        written = self._written.setdefault(commit.project_id, {})
        written[commit.version] = (
            touched_paths(patch_to_rfc(commit.patch)) if commit.kind == "state" else set()
        )
        while len(written) > 1000:  # bounded: the oldest go first (O(1), not a scan)
            del written[next(iter(written))]

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
            return None  # the caller redoes the batch one by one
        outs = []
        for result, commit, new_head in planned:
            self._heads[commit.project_id] = new_head
            latency = (commit.committed_at - result.occurred_at).total_seconds()
            self.io.stats.observe_end_to_end(max(latency, 0.0))
            outs.append(self.io.out(SSOT_WRITES, commit.project_id, commit))
        return outs

    def _complete(self, result: ExecutionResult) -> list[Out]:
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
                self.io.stats.observe_end_to_end(max(latency, 0.0))
                return [self.io.out(SSOT_WRITES, project, commit)]
            if applied.status == "duplicate":
                # Completed before (a redelivery): re-emit the very commit recorded then.
                self.io.stats.duplicates += 1
                prior = self.chain.commit_at(project, applied.version)
                if prior is None or prior.commit_id != commit_id_for(result.task_id):
                    raise ChainError(f"commit log of {project} lost task {result.task_id}")
                return [self.io.out(SSOT_WRITES, project, prior)]
            if self._committed_beyond_retention(result):
                # a redelivery of a commit Redis has trimmed since: it was produced before
                # (a batch's commits are acknowledged before later batches can trim them)
                self.io.stats.duplicates += 1
                return []
            # the head moved: Redis may have lost writes (heal first, from what this stage
            # knows), or another writer raced: reload and retry
            self._heal_if_behind({project})
            self._heads.pop(project, None)
        raise ChainError(f"{project}: head kept moving; gave up after {self.max_attempts} tries")
