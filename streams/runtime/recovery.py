"""Recovery from the log: what Redis holds is rebuilt from the topics when it is found behind.

Kafka topics are the record of truth; Redis holds caches of them plus short-lived
coordination. Redis can lose its most recent writes (a failover to a lagging replica, a restore
from an older AOF/RDB, a power cut with ``appendfsync everysec``) or everything. Which key
caches which topic, and what heals it:

==========================================  =================  ==================================
Redis keys                                  cache of           healed by
==========================================  =================  ==================================
``{<p>:chain}:*`` completer chain: heads,   ``ssot-writes``    :func:`heal_store` (reset to the
recent logs, commit index, tombstones                          log when behind or forked)
``{<p>:ssot}:*`` materialized SSOT          ``ssot-writes``    :func:`heal_store`
``{<p>:executor}:result:<task>``            ``executed``       :func:`heal_results` (write-once)
``{<p>:executor}:lease:token``              ``executed``       :func:`heal_results` (raised to the
                                                               highest ``fencing_token`` seen)
``{<p>:executor}:lease:healed``             (a marker)         raised by every results heal: an
                                                               executor finding it lower than it
                                                               saw knows Redis lost writes
``{<p>:dedup}:*``, ``{<p>:tasks}:*``        short-lived        not rebuilt: a duplicate that slips
claims                                                         through is caught by the scheduler's
                                                               tombstone check, the executor's
                                                               result and the completer's commit id
``{<p>:scheduler}:sched:*`` the book        ``formed``,        the scheduler, taking over, re-admits
                                            ``ssot-writes``    formed tasks neither committed nor
                                                               in the book it loaded
==========================================  =================  ==================================

When: :class:`~streams.runtime.pipeline.Pipeline` heals before any stage starts; the
completer when a chain head is lower than one it knows was written; the ssot stage when a
commit's predecessors are missing from both stores; the executor, before it runs anything,
after it took the lease (or lanes) over, when Redis restarted since its last heal (the run id
changed: a restore, a failover, a crash that lost its last second) or was wiped (the heal
marker went back), and when the fencing token or a result it wrote is gone. Every step is
idempotent and never moves a head backwards past the log.

>>> chains = chains_from_log(read_topics(s, bootstrap, [SSOT_WRITES]), serde)  # doctest: +SKIP
>>> heal_store(chain_store, chains)                                           # doctest: +SKIP
['apollo']
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import redis

from processors.errors import ChainError
from processors.models import ExecutionResult, SsotCommit
from processors.ssot import Head, advance
from streams.codec.serde import Serde
from streams.runtime.lease import lease_key
from streams.runtime.reader import TopicRecord, committed_offsets, read_topics
from streams.runtime.topics import EXECUTED, SSOT_WRITES
from streams.settings import Settings
from streams.state.executor_keys import ExecutorKeys
from streams.state.ssot_store import SsotStore

log = logging.getLogger("taskline.recovery")

# the stages whose commits bound each read: a heal sees at least what they consumed
_CHAIN_READERS = ("ssot", "scheduler")
_RESULT_READERS = ("completer",)


def chain_store(settings: Settings, client: redis.Redis) -> SsotStore:
    """The completer's write-side chain."""
    return SsotStore(
        client,
        f"{settings.redis_prefix}:chain",
        retention=settings.ssot_retention,
        tombstone_window_s=settings.tombstone_window_s,
    )


def ssot_store(settings: Settings, client: redis.Redis) -> SsotStore:
    """The materialized SSOT read by the scheduler, the executor and the CLI."""
    return SsotStore(
        client, f"{settings.redis_prefix}:ssot", retention=settings.ssot_retention, tombstones=False
    )


_RAISE_TOKEN = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0
"""
# the heal marker: above every value the healer has seen, so that a marker Redis lost (or
# rolled back past this heal) reads lower than what every executor remembers
_RAISE_MARKER = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local after = math.max(current, tonumber(ARGV[1])) + 1
redis.call('SET', KEYS[1], after)
return after
"""


@dataclass
class LogChains:
    """Every project's chain as the log has it: verified commits from version 1 on."""

    commits: dict[str, list[SsotCommit]] = field(default_factory=dict)
    heads: dict[str, Head] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # forks or gaps in the log itself


def chains_from_log(records: Iterable[TopicRecord], serde: Serde) -> LogChains:
    """The chains on ``ssot-writes``: per project, the first commit of each version, chained
    and verified from the genesis (repeated records are redeliveries and are skipped)."""
    by_version: dict[str, dict[int, SsotCommit]] = {}
    problems = []
    for rec in records:
        if rec.topic != SSOT_WRITES:
            continue
        commit = serde.decode(rec.value, SsotCommit)
        seen = by_version.setdefault(commit.project_id, {})
        first = seen.setdefault(commit.version, commit)
        if first.commit_id != commit.commit_id:
            problems.append(f"{commit.project_id} v{commit.version}: two commits ({rec.where})")
    out = LogChains(problems=problems)
    for project, versions in by_version.items():
        head = Head.genesis(project)
        chain = []
        for version in sorted(versions):
            try:
                head = advance(head, versions[version])
            except ChainError as exc:
                out.problems.append(f"{project}: the log's chain stops at v{head.version}: {exc}")
                break
            chain.append(versions[version])
        out.commits[project], out.heads[project] = chain, head
    return out


def project_history(
    store: SsotStore,
    project: str,
    ssot_writes: Callable[[], Iterable[TopicRecord]],
    serde: Serde,
) -> list[SsotCommit]:
    """A project's commits from version 1: Redis's log while it still holds them all, else
    ``ssot-writes`` (read only then: past ``ssot_retention`` the topic is the history)."""
    if store.first_retained(project) <= 1:
        return store.log(project)
    return chains_from_log(ssot_writes(), serde).commits.get(project, [])


def heal_store(store: SsotStore, chains: LogChains) -> list[str]:
    """Reset every project whose stored chain is behind the log, or differs from it, to the
    log; returns the projects healed. A store ahead of the log, extending it, is left alone:
    the completer's chain holds commits applied but not yet produced, and a stage may have
    applied commits that arrived after the log was read (a head never moves backwards)."""
    healed = []
    for project, head in chains.heads.items():
        stored = store.head(project)
        if stored.version == head.version and stored.hash == head.hash:
            continue
        if stored.version > head.version:
            at = store.commit_at(project, head.version) if head.version else None
            if head.version == 0 or (at is not None and at.hash == head.hash):
                continue
            if at is None and head.version < store.first_retained(project):
                continue  # ahead of the log by more than Redis retains: never move it back
        store.reset(project, chains.commits[project], head)
        healed.append(project)
        log.warning(
            "recovery: %s %s was at v%d, the log at v%d: reset to the log",
            store.namespace,
            project,
            stored.version,
            head.version,
        )
    return healed


def heal_results(
    client: redis.Redis,
    records: Iterable[TopicRecord],
    serde: Serde,
    *,
    result_key: Callable[[str], str],
    token_key: str,
    ttl_s: int,
) -> tuple[int, int]:
    """Put back every result on ``executed`` that Redis lost (write-once: a stored one wins)
    for what is left of its ``ttl_s`` (counted from when it finished), and raise the fencing
    token to the highest one the log has seen, so that a task is never executed twice and
    tokens never go backwards. ``result_key(task_id)`` names a result.
    Returns (results restored, highest token)."""
    restored, highest = 0, 0
    now = time.time()
    pipe = client.pipeline(transaction=False)
    pending = 0
    for rec in records:
        if rec.topic != EXECUTED:
            continue
        result = serde.decode(rec.value, ExecutionResult)
        highest = max(highest, result.fencing_token)
        left = int(ttl_s - (now - result.finished_at.timestamp()))
        if left <= 0:
            continue  # it would have expired by now
        pipe.set(result_key(result.task_id), rec.value, ex=left, nx=True)
        pending += 1
        if pending >= 500:
            restored += sum(1 for ok in pipe.execute() if ok)
            pending = 0
    if pending:
        restored += sum(1 for ok in pipe.execute() if ok)
    if highest:
        client.eval(_RAISE_TOKEN, 1, token_key, highest)
    return restored, highest


class Recovery:
    """Heals one deployment's Redis from its topics; what stages call when they find Redis
    behind, and what the pipeline runs before its stages start."""

    def __init__(
        self, settings: Settings, bootstrap_servers: str, client: redis.Redis, serde: Serde
    ) -> None:
        self.settings, self.bootstrap_servers = settings, bootstrap_servers
        self.client, self.serde = client, serde
        self.log_heads: dict[str, int] = {}  # project → version, as of the last heal
        self.highest_token = 0  # the highest fencing token on executed, as of the last heal
        # what says Redis lost writes since the results were last healed: the heal marker
        # (raised by every results heal, gone when Redis is wiped) and Redis's run id (new
        # on every restart: a restore, a failover, a crash losing its last second)
        self.marker = 0  # the highest heal marker seen (0: no results heal yet)
        self.run_id: str | None = None  # Redis's run id when results were last healed
        self._lock = threading.Lock()

    def read(self, topic: str, *readers: str) -> list[TopicRecord]:
        """A whole topic, at least as far as the ``readers``' stages have consumed it."""
        return list(self.scan(topic, *readers))

    def committed(self, topic: str, stage: str) -> dict[int, int] | None:
        """The offsets ``stage``'s consumer group committed on ``topic``, by partition (a
        partition it never committed on is absent); None when the broker did not say."""
        return committed_offsets(
            self.settings, self.bootstrap_servers, self.settings.group(stage), topic
        )

    def scan(self, topic: str, *readers: str) -> Iterator[TopicRecord]:
        """:meth:`read`, one record at a time (nothing held but the record)."""
        groups = [self.settings.group(stage) for stage in readers]
        return read_topics(
            self.settings, self.bootstrap_servers, [topic], idle_s=0.5, groups=groups
        )

    def history(self, store: SsotStore, project: str) -> list[SsotCommit]:
        """:func:`project_history` from this deployment's ``ssot-writes``."""
        return project_history(store, project, lambda: self.read(SSOT_WRITES), self.serde)

    def chains(self) -> list[str]:
        """Heal the completer's chain and the materialized SSOT from ``ssot-writes``."""
        with self._lock:
            return self._heal_chains(self.read(SSOT_WRITES, *_CHAIN_READERS))

    def results(self) -> int:
        """Heal the executor's results and fencing token from ``executed``; the highest
        token the log has seen."""
        with self._lock:
            run_id = self._run_id()  # before the read: a restart during it is noticed later
            return self._heal_results(self.read(EXECUTED, *_RESULT_READERS), run_id)

    @property
    def marker_key(self) -> str:
        """The heal marker, raised by every results heal (the executor's hash tag)."""
        return f"{lease_key(self.settings.redis_prefix, 'executor')}:healed"

    def raise_token(self, token: int) -> None:
        """Make the executor's fencing counter at least ``token`` (new tokens above it)."""
        self.client.eval(_RAISE_TOKEN, 1, self.token_key, token)

    @property
    def token_key(self) -> str:
        """The executor's fencing counter (the lease's token; shared by every lane)."""
        return f"{lease_key(self.settings.redis_prefix, 'executor')}:token"

    def queue_loss_check(self, pipe: Any) -> None:
        """Queue, on a pipeline, what :meth:`lost_writes` reads (two answers)."""
        pipe.get(self.marker_key)
        if self.run_id is not None:
            pipe.info("server")
        else:
            pipe.exists(self.marker_key)  # a placeholder: the answers are always two

    def lost_writes(self, marker: Any, info: Any) -> str | None:
        """Why Redis may have lost results since they were last healed (None: it cannot
        have), from the answers :meth:`queue_loss_check` queued. Redis loses acknowledged
        writes only when it restarts or is wiped, so a lost result is noticed whoever wrote
        it, not only by the process that did (nothing is known before the first heal)."""
        seen = int(marker or 0)
        if seen < self.marker:
            return f"the heal marker went back from {self.marker} to {seen}"
        self.marker = seen  # another process healed since: its heal covers this one's
        if self.run_id is not None and isinstance(info, dict):
            run_id = info.get("run_id")
            if run_id is not None and run_id != self.run_id:
                return f"Redis restarted (run id {self.run_id[:8]} -> {str(run_id)[:8]})"
        return None

    def _run_id(self) -> str | None:
        try:
            run_id = self.client.info("server").get("run_id")
        except redis.ResponseError:
            # INFO disabled (some managed Redis): a restart that lost writes is then seen only
            # by the fencing tokens and by an executor's own results
            return None
        return str(run_id) if run_id else None

    def heal(self, *, chains: bool = True, results: bool = True) -> list[str]:
        """:meth:`chains` and/or :meth:`results` from one read of both topics (one wait for
        quiet instead of two, each topic bounded by its own readers' commits): what the
        pipeline runs before its stages start. Returns the projects healed."""
        readers: dict[str, tuple[str, ...]] = {SSOT_WRITES: _CHAIN_READERS} if chains else {}
        if results:
            readers[EXECUTED] = _RESULT_READERS
        if not readers:
            return []
        groups = {
            topic: [self.settings.group(stage) for stage in stages]
            for topic, stages in readers.items()
        }
        with self._lock:
            run_id = self._run_id() if results else None
            records = list(
                read_topics(
                    self.settings, self.bootstrap_servers, list(groups), idle_s=0.5, groups=groups
                )
            )
            healed = self._heal_chains(records) if chains else []
            if results:
                self._heal_results(records, run_id)
            return healed

    def _heal_chains(self, records: Iterable[TopicRecord]) -> list[str]:
        chains = chains_from_log(records, self.serde)
        for problem in chains.problems:
            log.error("recovery: ssot-writes: %s", problem)
        healed = heal_store(chain_store(self.settings, self.client), chains)
        healed += heal_store(ssot_store(self.settings, self.client), chains)
        self.log_heads = {p: h.version for p, h in chains.heads.items()}
        return sorted(set(healed))

    def _heal_results(self, records: Iterable[TopicRecord], run_id: str | None) -> int:
        prefix = self.settings.redis_prefix
        restored, highest = heal_results(
            self.client,
            records,
            self.serde,
            result_key=ExecutorKeys(prefix).result,
            token_key=self.token_key,
            ttl_s=self.settings.result_window_s,
        )
        if restored:
            log.warning("recovery: %d executor result(s) restored from executed", restored)
        self.highest_token = max(self.highest_token, highest)
        self.marker = int(self.client.eval(_RAISE_MARKER, 1, self.marker_key, self.marker))
        self.run_id = run_id
        return highest
