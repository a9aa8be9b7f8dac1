"""SSOT store in Redis: per project a head (version, hash, state), the most recent commits,
and an index of applied commit ids; commits land through one Lua script doing compare-and-set
on the version and idempotency on the commit id.

Two namespaces use it: ``<prefix>:chain`` is the completer's write-side chain (what CAS is
checked against) and ``<prefix>:ssot`` is the materialized SSOT the ssot stage builds from
``ssot-writes`` (what readers, the scheduler and the executor see). ``taskline ssot rebuild``
can replay the topic into a third namespace and compare.

Bounded: a project's Redis log keeps its last ``retention`` commits (older ones, and their
commit ids, are trimmed by the same script; ``ssot-writes`` keeps them all), and tombstones
live in time buckets that expire ``tombstone_window_s`` after their commits. Every key of a
namespace carries the namespace as its hash tag (``{taskline:chain}:head:apollo``), so the
multi-key script runs on Redis Cluster.

>>> store = SsotStore(redis_client, "taskline:ssot", retention=1000)  # doctest: +SKIP
>>> store.head("apollo").version                                       # doctest: +SKIP
0
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

import redis
from redis.commands.core import Script

from processors.jsonpatch import touched_paths
from processors.models import SsotCommit, patch_to_rfc
from processors.ssot import Head
from processors.statehash import LANES, Lattice
from streams.state.scripts import queue, run_pipeline

# Commits, of one project or several, in one script (one commit is a batch of one): each
# project's state is sent and written once, as of its last commit (a batch of 200 commits of
# four 250 KB states wrote 50 MB through Redis one commit at a time). All or nothing: unless
# every commit extends its project's head as the batch leaves it and none was applied before,
# nothing is written, and each commit's answer says why (the callers then apply one commit
# at a time).
# KEYS: commit index, projects, then head and log of each project, then tombstone buckets
# ARGV: retention, write tombstones, projects p, buckets b, commits n; p x (project, final
#       state, its lattice or ''); b x bucket expiry; n x (project number, bucket number,
#       parent version, commit id, version, hash, commit JSON, source event id, tombstone)
_APPLY_BATCH = """
local keep, stones = tonumber(ARGV[1]), ARGV[2] == '1'
local p, b, n = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local at = 6 + 3 * p + b
local versions, out, fine, seen = {}, {}, true, {}
for j = 1, p do versions[j] = tonumber(redis.call('HGET', KEYS[1 + 2 * j], 'version') or '0') end
for i = 0, n - 1 do
  local o = at + 9 * i
  local j = tonumber(ARGV[o])
  -- applied before, or earlier in this batch (a result redelivered within one batch)
  local applied = seen[ARGV[o + 3]] or redis.call('HGET', KEYS[1], ARGV[o + 3])
  if applied then
    out[i + 1] = {'duplicate', applied}
    fine = false
  elseif versions[j] ~= tonumber(ARGV[o + 2]) then
    out[i + 1] = {'conflict', ''}
    fine = false
  else
    out[i + 1] = {'ok', ARGV[o + 4]}
    versions[j] = tonumber(ARGV[o + 4])
    seen[ARGV[o + 3]] = ARGV[o + 4]
  end
end
if not fine then
  -- nothing written: every commit but a duplicate answers with its store's version
  for i = 0, n - 1 do
    if out[i + 1][1] ~= 'duplicate' then
      local j = tonumber(ARGV[at + 9 * i])
      out[i + 1] = {'conflict', redis.call('HGET', KEYS[1 + 2 * j], 'version') or '0'}
    end
  end
  return out
end
local last = {}
for i = 0, n - 1 do
  local o = at + 9 * i
  local j = tonumber(ARGV[o])
  redis.call('RPUSH', KEYS[2 + 2 * j], ARGV[o + 6])
  redis.call('HSET', KEYS[1], ARGV[o + 3], ARGV[o + 4])
  if stones then
    redis.call('HSETNX', KEYS[2 + 2 * p + tonumber(ARGV[o + 1])], ARGV[o + 7], ARGV[o + 8])
  end
  last[j] = o
end
if stones then
  for k = 1, b do
    local expires = ARGV[5 + 3 * p + k]
    if tonumber(expires) > 0 then redis.call('EXPIREAT', KEYS[2 + 2 * p + k], expires) end
  end
end
for j = 1, p do
  local o = last[j]
  if o then
    local head = KEYS[1 + 2 * j]
    redis.call('HSET', head, 'version', ARGV[o + 4], 'hash', ARGV[o + 5], 'state', ARGV[4 + 3 * j],
      'lattice', ARGV[5 + 3 * j])
    redis.call('SADD', KEYS[2], ARGV[3 + 3 * j])
    local length = redis.call('LLEN', KEYS[2 + 2 * j])
    if keep > 0 and length > keep then
      local first = tonumber(redis.call('HGET', KEYS[1 + 2 * j], 'first') or '1')
      for _ = 1, length - keep do
        local old = redis.call('LPOP', KEYS[2 + 2 * j])
        redis.call('HDEL', KEYS[1], cjson.decode(old)['commit_id'])
      end
      redis.call('HSET', KEYS[1 + 2 * j], 'first', first + length - keep)
    end
  end
end
return out
"""

# KEYS: head, log; ARGV: version
_COMMIT_AT = """
local first = tonumber(redis.call('HGET', KEYS[1], 'first') or '1')
local version = tonumber(ARGV[1])
if version < first then return false end
return redis.call('LINDEX', KEYS[2], version - first)
"""

# KEYS: head, log; ARGV: after, upto. The commits of versions after+1..upto, or false when
# Redis no longer holds the first of them
_COMMITS_BETWEEN = """
local first = tonumber(redis.call('HGET', KEYS[1], 'first') or '1')
local after = tonumber(ARGV[1])
if after + 1 < first then return false end
return redis.call('LRANGE', KEYS[2], after + 1 - first, tonumber(ARGV[2]) - first)
"""

# KEYS: tombstone buckets, oldest first; ARGV: source event ids. The first commit wins.
_TOMBSTONES = """
local out = {}
for i = 1, #ARGV do
  out[i] = false
  for k = 1, #KEYS do
    local stone = redis.call('HGET', KEYS[k], ARGV[i])
    if stone then out[i] = stone break end
  end
end
return out
"""


@dataclass(frozen=True)
class ApplyResult:
    """What the store did with a commit."""

    status: Literal["ok", "duplicate", "conflict"]
    version: int  # the commit's version (ok), the version it was applied as (duplicate),
    #               or the store's current version (conflict)


@dataclass(frozen=True)
class Tombstone:
    """The commit an event's task first reached: answers "duplicate of what?" (and, for
    dependencies, how it ended).

    >>> Tombstone.parse("task-9 apollo 4 failed")
    Tombstone(task_id='task-9', project_id='apollo', version=4, outcome='failed')
    >>> Tombstone.parse("task-9 apollo 4").outcome  # written before outcomes were kept
    ''
    """

    task_id: str
    project_id: str
    version: int
    outcome: str = ""

    @classmethod
    def parse(cls, text: str | bytes) -> Tombstone:
        """From the stored ``"task_id project version [outcome]"``."""
        parts = _text(text).rsplit(" ", 3)
        if len(parts) == 4 and not parts[3].isdigit():
            return cls(parts[0], parts[1], int(parts[2]), parts[3])
        task_id, project_id, version = _text(text).rsplit(" ", 2)
        return cls(task_id, project_id, int(version))

    @classmethod
    def of(cls, commit: SsotCommit) -> Tombstone:
        """The tombstone a commit leaves."""
        return cls(commit.task_id, commit.project_id, commit.version, commit.outcome)

    def stored(self) -> str:
        """As Redis holds it."""
        return f"{self.task_id} {self.project_id} {self.version} {self.outcome}".rstrip()

    def __str__(self) -> str:
        return f"task {self.task_id} ({self.project_id} v{self.version})"


@dataclass(frozen=True)
class TombstoneBuckets:
    """Where tombstones live: one Redis hash per time bucket of a quarter window, each
    expiring a window after its last commit could have landed in it; 0 = one hash, kept.

    >>> b = TombstoneBuckets("{t:chain}:events", window_s=3600)
    >>> b.key_for(1_800_000)
    ('{t:chain}:events:2', 6300)
    >>> b.keys_at(3600.0)
    ['{t:chain}:events:0', '{t:chain}:events:1', '{t:chain}:events:2', '{t:chain}:events:3', \
'{t:chain}:events:4', '{t:chain}:events:5']
    """

    base: str
    window_s: int = 0

    @property
    def span_s(self) -> int:
        """Seconds of commits one bucket holds."""
        return max(self.window_s // 4, 1)

    def key_for(self, committed_at_ms: int) -> tuple[str, int]:
        """The bucket a commit's tombstone goes to, and when that bucket expires (unix s)."""
        if self.window_s <= 0:
            return self.base, 0
        bucket = committed_at_ms // 1000 // self.span_s
        return f"{self.base}:{bucket}", (bucket + 1) * self.span_s + self.window_s

    def keys_at(self, now_s: float) -> list[str]:
        """The buckets that can hold a live tombstone at ``now_s``, oldest first (one bucket
        ahead for clocks that run ahead of this one)."""
        if self.window_s <= 0:
            return [self.base]
        newest = int(now_s) // self.span_s + 1
        oldest = (int(now_s) - self.window_s) // self.span_s
        return [f"{self.base}:{b}" for b in range(oldest, newest + 1)]


class SsotStore:
    """One namespace of project heads, recent commit logs and tombstones."""

    def __init__(
        self,
        client: redis.Redis,
        namespace: str,
        *,
        retention: int = 0,
        tombstone_window_s: int = 0,
        tombstones: bool = True,
    ) -> None:
        self._r = client
        self.namespace = namespace
        self.retention = retention  # commits per project kept in Redis; 0 = all
        self.keeps_tombstones = (
            tombstones  # the materialized SSOT needs none: dedup reads the chain's
        )
        self.tombstones = TombstoneBuckets(self._k("events"), tombstone_window_s)
        self._apply_batch = client.register_script(_APPLY_BATCH)
        self._commit_at = client.register_script(_COMMIT_AT)
        self._commits_between = client.register_script(_COMMITS_BETWEEN)
        self._tombstones = client.register_script(_TOMBSTONES)

    def _k(self, kind: str, project_id: str = "") -> str:
        # the namespace is the hash tag: one script's keys share a Cluster slot
        tag = f"{{{self.namespace}}}"
        return f"{tag}:{kind}:{project_id}" if project_id else f"{tag}:{kind}"

    def head(self, project_id: str) -> Head:
        """The project's current head (genesis if it has no commit yet)."""
        version, hash_, state, lattice = self._r.hmget(
            self._k("head", project_id), "version", "hash", "state", "lattice"
        )
        if version is None or hash_ is None or state is None:
            return Head.genesis(project_id)
        text = _text(state)  # stored canonical: no need to serialize it again
        data = state if isinstance(state, bytes) else None
        # stored with the state, in the same command, behind the hash of the head it is of: a
        # grown state is not hashed whole again, and a lattice some other writer left beside a
        # newer state (code from before hash version 3 writes none) is not taken for its
        tag = hash_ if isinstance(hash_, bytes) else hash_.encode()
        known = (
            Lattice.from_bytes(lattice[len(tag) :])
            if isinstance(lattice, bytes)
            and len(lattice) == len(tag) + 2 * LANES
            and lattice.startswith(tag)
            else None
        )
        return Head(
            project_id, int(version), _text(hash_), json.loads(text), text, None, data, None, known
        )

    def versions(self, project_ids: list[str]) -> dict[str, int]:
        """Current versions of several projects in one round trip."""
        pipe = self._r.pipeline(transaction=False)
        self.queue_versions(pipe, project_ids)
        return self.read_versions(project_ids, pipe.execute())

    def queue_versions(self, pipe: Any, project_ids: list[str]) -> None:
        """Queue the version reads of :meth:`versions` on a caller's pipeline (read its
        answers, the last ``len(project_ids)``, with :meth:`read_versions`)."""
        for project_id in project_ids:
            pipe.hget(self._k("head", project_id), "version")

    @staticmethod
    def read_versions(project_ids: list[str], values: list[Any]) -> dict[str, int]:
        """The answers of :meth:`queue_versions` as versions (0: no commit yet)."""
        return {p: int(v) if v is not None else 0 for p, v in zip(project_ids, values, strict=True)}

    def apply(self, commit: SsotCommit, head: Head) -> ApplyResult:
        """Append ``commit`` (after which the project is at ``head``) if the stored head is its
        parent: ``duplicate`` (with the version it was applied as) if it was applied before,
        ``conflict`` (with the stored version) if the head is elsewhere."""
        return self.apply_many([(commit, head)])[0]

    def apply_many(self, items: list[tuple[SsotCommit, Head]]) -> list[ApplyResult]:
        """:meth:`apply` for several commits (of any projects, each project's in order) in one
        round trip and one script: each project's state is written once, as of its last
        commit. All or nothing: unless every commit applies, none is written and each answer
        says why (``conflict`` for those that would have applied); then apply them one at a
        time, as the stages do."""
        if not items:
            return []
        keys, args = self._batch(items)
        (answers,) = run_pipeline(
            self._r, lambda pipe: [queue(pipe, self._apply_batch, keys, args)]
        )
        return [ApplyResult(_text(s), int(v)) for s, v in answers]  # type: ignore[arg-type]

    def _batch(
        self, items: list[tuple[SsotCommit, Head]]
    ) -> tuple[list[str], list[str | int | bytes]]:
        """The keys and arguments of ``_APPLY_BATCH`` for ``items``."""
        projects: dict[str, int] = {}  # project → its number in the script (from 1)
        last: dict[str, Head] = {}  # project → its head after its last commit here
        buckets: dict[str, tuple[int, int]] = {}  # tombstone bucket → (number, expiry)
        rows: list[str | int | bytes] = []
        for commit, head in items:
            project = commit.project_id
            number = projects.setdefault(project, len(projects) + 1)
            last[project] = head
            key, expires = self.tombstones.key_for(_millis(commit))
            bucket = buckets.setdefault(key, (len(buckets) + 1, expires))[0]
            rows += [
                number,
                bucket,
                commit.version - 1,
                commit.commit_id,
                commit.version,
                commit.hash,
                commit.model_dump_json(),
                commit.source_event_id,
                Tombstone.of(commit).stored(),
            ]
        keys = [self._k("commits"), self._k("projects")]
        args: list[str | int | bytes] = [
            self.retention,
            "1" if self.keeps_tombstones else "0",
            len(projects),
            len(buckets),
            len(items),
        ]
        for project in projects:
            keys += [self._k("head", project), self._k("log", project)]
            head = last[project]
            args += [project, head.canonical_bytes(), _lattice_bytes(head)]  # its state, once
        keys += list(buckets)
        args += [expires for _, expires in buckets.values()]
        return keys, args + rows

    def applied_version(self, commit_id: str) -> int | None:
        """The version a commit id was applied as, if it was (and is still retained)."""
        value = self._r.hget(self._k("commits"), commit_id)
        return int(value) if value is not None else None

    def first_retained(self, project_id: str) -> int:
        """The oldest version whose commit Redis still holds (1 until the log is trimmed)."""
        value = self._r.hget(self._k("head", project_id), "first")
        return int(value) if value is not None else 1

    def commit_at(self, project_id: str, version: int) -> SsotCommit | None:
        """The commit that made ``version`` of a project, if Redis still holds it."""
        keys = [self._k("head", project_id), self._k("log", project_id)]
        raw = self._commit_at(keys=keys, args=[version])
        return SsotCommit.model_validate_json(raw) if raw else None

    def commits_between(self, project_id: str, after: int, upto: int) -> list[SsotCommit] | None:
        """The commits that made versions ``after + 1`` to ``upto``, in one round trip; None
        unless Redis holds every one of them."""
        keys = [self._k("head", project_id), self._k("log", project_id)]
        raws = self._commits_between(keys=keys, args=[after, upto])
        if not raws or len(raws) != upto - after:
            return None
        return [SsotCommit.model_validate_json(raw) for raw in raws]

    def log(self, project_id: str, start_version: int = 1) -> list[SsotCommit]:
        """Retained commits from ``start_version`` on, oldest first; older ones than
        :meth:`first_retained` are only on ``ssot-writes``."""
        first = self.first_retained(project_id)
        raws = self._r.lrange(self._k("log", project_id), max(start_version - first, 0), -1)
        return [SsotCommit.model_validate_json(raw) for raw in raws]

    def changed_paths_since(self, project_id: str, version: int) -> set[str] | None:
        """Pointers written by state commits after ``version``; None when Redis no longer
        holds all of them (the caller must assume anything changed)."""
        if version + 1 < self.first_retained(project_id):
            return None
        paths: set[str] = set()
        for commit in self.log(project_id, version + 1):
            if commit.kind == "state":
                paths |= touched_paths(patch_to_rfc(commit.patch))
        return paths

    def tombstone_keys(self, now_s: float | None = None) -> list[str]:
        """The tombstone buckets live now, oldest first (all in this namespace's slot)."""
        return self.tombstones.keys_at(time.time() if now_s is None else now_s)

    def tombstones_of(self, source_event_ids: list[str]) -> list[Tombstone | None]:
        """For each event, the commit its task first reached, for as long as the tombstone
        window keeps it (one round trip)."""
        if not source_event_ids:
            return []
        found = self._tombstones(keys=self.tombstone_keys(), args=source_event_ids)
        return [Tombstone.parse(v) if v else None for v in found]

    def queue_tombstone_lookup(self, pipe: Any, source_event_ids: list[str]) -> Script:
        """Queue the tombstone lookup on a pipeline (see :mod:`streams.state.scripts`)."""
        return queue(pipe, self._tombstones, self.tombstone_keys(), source_event_ids)

    def tombstone(self, source_event_id: str) -> Tombstone | None:
        """Which task and version an event was committed as, for as long as Redis keeps it."""
        return self.tombstones_of([source_event_id])[0]

    def reset(self, project_id: str, commits: list[SsotCommit], head: Head) -> None:
        """Make the project's chain exactly ``commits`` (verified by the caller, ending at
        ``head``), in one transaction: head, retained log, commit index and tombstones. For
        recovery from the log when this store lost writes or holds a chain the log does not."""
        keep = commits[-self.retention :] if self.retention > 0 and commits else commits
        kept_ids = {c.commit_id for c in keep}
        stale = [c.commit_id for c in self.log(project_id) if c.commit_id not in kept_ids]
        now = time.time()
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(self._k("log", project_id))
        if stale:
            pipe.hdel(self._k("commits"), *stale)
        if keep:
            pipe.rpush(self._k("log", project_id), *(c.model_dump_json() for c in keep))
            pipe.hset(self._k("commits"), mapping={c.commit_id: c.version for c in keep})
            pipe.sadd(self._k("projects"), project_id)
        for c in commits if self.keeps_tombstones else []:
            bucket, expires = self.tombstones.key_for(_millis(c))
            if expires and expires <= now:
                continue  # past the window: it would be gone already
            pipe.hsetnx(bucket, c.source_event_id, Tombstone.of(c).stored())
            if expires:
                pipe.expireat(bucket, expires)
        pipe.hset(
            self._k("head", project_id),
            mapping={
                "version": head.version,
                "hash": head.hash,
                "state": head.canonical_bytes(),
                "lattice": _lattice_bytes(head),
                "first": keep[0].version if keep else head.version + 1,
            },
        )
        pipe.execute()

    def drop(self) -> int:
        """Delete every key of this namespace (for throw-away rebuild namespaces)."""
        keys = list(self._r.scan_iter(f"{self._k('')}*", count=1000))
        return int(self._r.delete(*keys)) if keys else 0

    def projects(self) -> list[str]:
        """Every project with at least one commit."""
        return sorted(_text(p) for p in self._r.smembers(self._k("projects")))


def _lattice_bytes(head: Head) -> bytes:
    """The head's lattice as stored beside its state: the head's hash, then the lattice's
    bytes (empty when not known: a head of hash version 2, whose next commit of version 3
    hashes the state whole once)."""
    if head.lattice is None:
        return b""
    return head.hash.encode() + head.lattice.to_bytes()


def _millis(commit: SsotCommit) -> int:
    return int(commit.committed_at.timestamp() * 1000)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
