"""The ssot stage: materialize ``ssot-writes`` into the per-project heads in Redis.

Logic in :mod:`processors.ssot`; the router re-indexes projects whose head moved.
"""

from __future__ import annotations

from confluent_kafka import Message

from processors.errors import ChainError
from processors.models import SsotCommit
from processors.ssot import Head, advance
from streams.runtime.lease import Lease
from streams.runtime.recovery import Recovery
from streams.runtime.runner import Out, StageIO
from streams.runtime.topics import SSOT_WRITES
from streams.state.ssot_store import SsotStore


class SsotStage:
    """ssot-writes → Redis: verify each commit against its project's head and materialize it."""

    topics: tuple[str, ...] = (SSOT_WRITES,)
    exclusive = False
    lease: Lease | None = None

    def __init__(
        self,
        io: StageIO,
        ssot: SsotStore,
        chain: SsotStore | None = None,
        *,
        recovery: Recovery | None = None,
    ) -> None:
        self.io = io
        self.ssot = ssot
        self.chain = chain  # the completer's chain: where a missing predecessor is found
        self.recovery = recovery  # and the log, when the chain lost it too
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
                if commit.version < self.ssot.first_retained(project):
                    self.io.stats.duplicates += 1  # redelivered, and trimmed since
                    return []
                if cached is None:
                    raise ChainError(
                        f"{project}: v{commit.version} already exists with another commit"
                    )
                continue
            if cached is None and commit.version > head.version + 1:
                try:
                    head = self._fill_gap(head, commit)
                except ChainError:
                    if self.recovery is None:
                        raise
                    # the chain lost it too (Redis lost writes): the log has it
                    self.io.stats.note("recovery", f"{project}: v{commit.version} ahead of both")
                    self.recovery.chains()
                    self._heads.pop(project, None)
                    head = self.ssot.head(project)
                    if commit.version <= head.version:
                        if self.ssot.applied_version(commit.commit_id) is not None:
                            return []  # the healed store holds it
                        raise
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

    def _fill_gap(self, head: Head, commit: SsotCommit) -> Head:
        """A commit arrived before its predecessors (the materialized head is behind: an
        out-of-order delivery, a Redis that lost recent writes): apply the missing versions
        from the completer's chain first instead of dead-lettering their successor."""
        project = commit.project_id
        for version in range(head.version + 1, commit.version):
            missing = self.chain.commit_at(project, version) if self.chain else None
            if missing is None:
                raise ChainError(
                    f"{project}: v{commit.version} arrived before v{version}, "
                    "which the chain does not hold either"
                )
            head = advance(head, missing)
            if self.ssot.apply(missing, head).status not in ("ok", "duplicate"):
                raise ChainError(f"{project}: v{version} from the chain does not apply")
            self.io.stats.note("gap filled", f"{project} v{version} from the chain")
        return head
