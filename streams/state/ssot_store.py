"""SSOT store in Redis: per project a head (version, hash, state), a commit log, and an index
of applied commit ids; commits land through one Lua script doing compare-and-set on the
version and idempotency on the commit id.

Two namespaces use it: ``<prefix>:chain`` is the completer's write-side chain (what CAS is
checked against) and ``<prefix>:ssot`` is the materialized SSOT the ssot stage builds from
``ssot-writes`` (what readers, the scheduler and the executor see). ``taskline ssot rebuild``
can replay the topic into a third namespace and compare.

>>> store = SsotStore(redis_client, "taskline:ssot")              # doctest: +SKIP
>>> store.head("apollo").version                                   # doctest: +SKIP
0
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import redis

from processors.jsonpatch import touched_paths
from processors.models import SsotCommit, patch_to_rfc
from processors.ssot import Head

_APPLY = """
local applied = redis.call('HGET', KEYS[3], ARGV[2])
if applied then return {'duplicate', applied} end
local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if version ~= tonumber(ARGV[1]) then return {'conflict', tostring(version)} end
redis.call('HSET', KEYS[1], 'version', ARGV[3], 'hash', ARGV[4], 'state', ARGV[5])
redis.call('RPUSH', KEYS[2], ARGV[6])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[7])
redis.call('HSETNX', KEYS[5], ARGV[8], ARGV[9])
return {'ok', ARGV[3]}
"""


@dataclass(frozen=True)
class ApplyResult:
    """What the store did with a commit."""

    status: Literal["ok", "duplicate", "conflict"]
    version: int  # the commit's version (ok), the version it was applied as (duplicate),
    #               or the store's current version (conflict)


@dataclass(frozen=True)
class Tombstone:
    """The commit an event's task first reached: answers "duplicate of what?"."""

    task_id: str
    project_id: str
    version: int

    @classmethod
    def parse(cls, text: str) -> Tombstone:
        """From the stored ``"task_id project version"``."""
        task_id, project_id, version = text.rsplit(" ", 2)
        return cls(task_id, project_id, int(version))

    def __str__(self) -> str:
        return f"task {self.task_id} ({self.project_id} v{self.version})"


class SsotStore:
    """One namespace of project heads and commit logs."""

    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self._r = client
        self.namespace = namespace
        self._apply = client.register_script(_APPLY)

    def _k(self, kind: str, project_id: str = "") -> str:
        return f"{self.namespace}:{kind}:{project_id}" if project_id else f"{self.namespace}:{kind}"

    def head(self, project_id: str) -> Head:
        """The project's current head (genesis if it has no commit yet)."""
        version, hash_, state = self._r.hmget(
            self._k("head", project_id), "version", "hash", "state"
        )
        if version is None or hash_ is None or state is None:
            return Head.genesis(project_id)
        text = _text(state)  # stored canonical: no need to serialize it again
        return Head(project_id, int(version), _text(hash_), json.loads(text), text)

    def versions(self, project_ids: list[str]) -> dict[str, int]:
        """Current versions of several projects in one round trip."""
        pipe = self._r.pipeline(transaction=False)
        for project_id in project_ids:
            pipe.hget(self._k("head", project_id), "version")
        values = pipe.execute()
        return {p: int(v) if v is not None else 0 for p, v in zip(project_ids, values, strict=True)}

    def apply(self, commit: SsotCommit, head: Head) -> ApplyResult:
        """Append ``commit`` (after which the project is at ``head``) if the stored head is its
        parent."""
        status, value = self._apply(keys=self._keys(commit), args=self._args(commit, head))
        return ApplyResult(_text(status), int(value))  # type: ignore[arg-type]

    def _keys(self, commit: SsotCommit) -> list[str]:
        return [
            self._k("head", commit.project_id),
            self._k("log", commit.project_id),
            self._k("commits"),
            self._k("projects"),
            self._k("events"),
        ]

    @staticmethod
    def _args(commit: SsotCommit, head: Head) -> list[str | int]:
        return [
            commit.version - 1,
            commit.commit_id,
            commit.version,
            commit.hash,
            head.canonical_state(),
            commit.model_dump_json(),
            commit.project_id,
            commit.source_event_id,
            f"{commit.task_id} {commit.project_id} {commit.version}",
        ]

    def apply_many(self, items: list[tuple[SsotCommit, Head]]) -> list[ApplyResult]:
        """:meth:`apply` for several commits in one round trip, in order (a later commit of a
        project sees the earlier one's version)."""
        pipe = self._r.pipeline(transaction=False)
        for commit, head in items:
            self._apply(keys=self._keys(commit), args=self._args(commit, head), client=pipe)
        return [ApplyResult(_text(s), int(v)) for s, v in pipe.execute()]  # type: ignore[arg-type]

    def applied_version(self, commit_id: str) -> int | None:
        """The version a commit id was applied as, if it was."""
        value = self._r.hget(self._k("commits"), commit_id)
        return int(value) if value is not None else None

    def commit_at(self, project_id: str, version: int) -> SsotCommit | None:
        """The commit that made ``version`` of a project."""
        raw = self._r.lindex(self._k("log", project_id), version - 1)
        return SsotCommit.model_validate_json(raw) if raw is not None else None

    def log(self, project_id: str, start_version: int = 1) -> list[SsotCommit]:
        """Commits from ``start_version`` on, oldest first."""
        raws = self._r.lrange(self._k("log", project_id), start_version - 1, -1)
        return [SsotCommit.model_validate_json(raw) for raw in raws]

    def changed_paths_since(self, project_id: str, version: int) -> set[str]:
        """Pointers written by state commits after ``version``."""
        paths: set[str] = set()
        for commit in self.log(project_id, version + 1):
            if commit.kind == "state":
                paths |= touched_paths(patch_to_rfc(commit.patch))
        return paths

    @property
    def tombstones_key(self) -> str:
        """Redis hash: ``source_event_id`` → ``"task_id project version"`` of its first commit."""
        return self._k("events")

    def tombstone(self, source_event_id: str) -> Tombstone | None:
        """Which task and version an event was committed as, for as long as Redis keeps it."""
        value = self._r.hget(self.tombstones_key, source_event_id)
        return Tombstone.parse(_text(value)) if value is not None else None

    def reset(self, project_id: str, commits: list[SsotCommit], head: Head) -> None:
        """Make the project's chain exactly ``commits`` (verified by the caller, ending at
        ``head``), in one transaction: head, log, commit index and tombstones. For recovery
        from the log when this store lost writes or holds a chain the log does not."""
        keep = {c.commit_id for c in commits}
        stale = [c.commit_id for c in self.log(project_id) if c.commit_id not in keep]
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(self._k("log", project_id))
        if stale:
            pipe.hdel(self._k("commits"), *stale)
        if commits:
            pipe.rpush(self._k("log", project_id), *(c.model_dump_json() for c in commits))
            pipe.hset(self._k("commits"), mapping={c.commit_id: c.version for c in commits})
            pipe.sadd(self._k("projects"), project_id)
            for c in commits:
                pipe.hsetnx(
                    self.tombstones_key, c.source_event_id, f"{c.task_id} {project_id} {c.version}"
                )
        pipe.hset(
            self._k("head", project_id),
            mapping={"version": head.version, "hash": head.hash, "state": head.canonical_state()},
        )
        pipe.execute()

    def drop(self) -> int:
        """Delete every key of this namespace (for throw-away rebuild namespaces)."""
        keys = list(self._r.scan_iter(f"{self.namespace}:*", count=1000))
        return int(self._r.delete(*keys)) if keys else 0

    def projects(self) -> list[str]:
        """Every project with at least one commit."""
        return sorted(_text(p) for p in self._r.smembers(self._k("projects")))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
