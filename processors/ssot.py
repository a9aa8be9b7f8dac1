"""The SSOT hash chain: commit hashes, state hashes and applying a commit to a head.

A project's history is a chain of :class:`~processors.models.SsotCommit`; each ``hash`` is
SHA-256 over the commit's content and its ``parent_hash``, starting from :data:`GENESIS_HASH`,
computed as its ``hash_version`` says (:data:`HASH_FIELDS`; version 2 is RFC 8785 over an
explicit field list, so a commit's hash does not depend on this code's models). The
``state_hash`` a commit names is, up to version 2, SHA-256 of the state's canonical JSON and,
from version 3, the state's lattice hash (:mod:`processors.statehash`), which a commit updates
from the members its patch wrote instead of hashing the whole state again.
Both the completer (writer) and the ssot stage (materializer, rebuild) use these functions.

>>> head = Head.genesis("apollo")
>>> head.version, head.hash == GENESIS_HASH
(0, True)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from processors.errors import ChainError, PatchError
from processors.jsonpatch import (
    CanonicalCache,
    Written,
    apply_patch,
    canonical_json,
    jcs,
    merge_written,
)
from processors.models import SsotCommit, patch_to_rfc
from processors.statehash import Lattice

GENESIS_HASH = "0" * 64
LEDGER_PROJECT = "_ledger"  # tasks without a project keep their ledger entries here


def state_hash(state: Any, hash_version: int = 2) -> str:
    """The state hash a commit of ``hash_version`` names for a state document: SHA-256 of its
    canonical JSON up to version 2, its lattice hash from version 3.

    >>> state_hash({}) == hashlib.sha256(b"{}").hexdigest()
    True
    >>> state_hash({}, 3) == Lattice.of({}).digest()
    True
    """
    if hash_version >= LATTICE_VERSION:
        return Lattice.of(state).digest()
    return hashlib.sha256(canonical_json(state).encode()).hexdigest()


_DUMP_EVERY = 64
"""A head of hash version 3 is dumped at least every this many commits (see Head.pending)."""

HASH_VERSION = 3
"""The hash version new commits are written with."""
LATTICE_VERSION = 3
"""The first hash version whose state hashes are lattice hashes."""

_V1_FIELDS = (
    "commit_id",
    "project_id",
    "version",
    "parent_hash",
    "task_id",
    "source_event_id",
    "kind",
    "outcome",
    "patch",
    "state_hash",
    "message",
    "occurred_at",
    "committed_at",
)
HASH_FIELDS: dict[int, tuple[str, ...]] = {
    # v1: every field of schema v1 but ``hash``, as Python's canonical JSON (sorted keys,
    # compact separators, UTF-8): what every commit before hash versions carried
    1: _V1_FIELDS,
    # v2: the same content and its own version, in RFC 8785 (JSON Canonicalization Scheme),
    # so that any language can recompute it; new fields of the record join only in a new
    # hash version, never silently
    2: ("hash_version", *_V1_FIELDS),
    # v3: as v2; ``state_hash`` is the state's lattice hash (processors.statehash)
    3: ("hash_version", *_V1_FIELDS),
}
"""The fields each hash version covers: ``patch`` as RFC 6902 operations, times as epoch ms."""


def commit_hash(commit: SsotCommit) -> str:
    """The hash a commit must carry, by its ``hash_version``."""
    return commit_hash_fields(commit.model_dump())


def _millis(value: Any) -> int:
    return value if isinstance(value, int) else round(value.timestamp() * 1000)


def commit_hash_fields(fields: dict[str, Any]) -> str:
    """:func:`commit_hash` over a commit's plain fields (``model_dump()`` or Avro-decoded).

    >>> body = {"hash_version": 2, "patch": None, "occurred_at": 0, "committed_at": 0}
    >>> body |= {k: "x" for k in HASH_FIELDS[2] if k not in body}
    >>> len(commit_hash_fields(body))
    64
    """
    version = fields.get("hash_version") or 1
    names = HASH_FIELDS.get(version)
    if names is None:
        raise ChainError(f"unknown hash version {version}")
    body = {name: fields[name] for name in names}
    body["patch"] = [_rfc(op) for op in fields.get("patch") or []]
    body["occurred_at"] = _millis(fields["occurred_at"])
    body["committed_at"] = _millis(fields["committed_at"])
    if version == 1:
        return hashlib.sha256(canonical_json(body).encode()).hexdigest()
    return hashlib.sha256(jcs(body)).hexdigest()


def _rfc(op: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"op": op["op"], "path": op["path"]}
    if op.get("from_path") is not None:
        out["from"] = op["from_path"]
    if op.get("value_json") is not None:
        out["value"] = json.loads(op["value_json"])
    return out


def patch_fields_to_rfc(patch: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """A patch in plain (Avro-decoded) form as RFC 6902 dicts."""
    return [_rfc(op) for op in patch or []]


@dataclass(frozen=True)
class Head:
    """A project's head: version, head hash and state document."""

    project_id: str
    version: int
    hash: str
    state: dict[str, Any] = field(default_factory=dict)
    # the state's canonical JSON when already computed (storing needs it, and hashing up to
    # hash version 2; see canonical_state)
    state_json: str | None = field(default=None, compare=False, repr=False)
    # the texts of the state's parts, handed from head to head: a commit re-dumps only
    # what its patch wrote (see CanonicalCache)
    canon: CanonicalCache | None = field(default=None, compare=False, repr=False)
    # the canonical JSON as UTF-8 when already encoded (hashed, then stored: encoded once)
    state_data: bytes | None = field(default=None, compare=False, repr=False)
    # the state's SHA-256 (the state hash of versions 1 and 2) when this process computed or
    # checked it: a ledger commit, which leaves the state as it is, then names it without
    # hashing the whole state again
    state_digest: str | None = field(default=None, compare=False, repr=False)
    # the state's lattice (the state hash of version 3), carried from head to head
    lattice: Lattice | None = field(default=None, compare=False, repr=False)
    # without state_json: what the patches since the last text ``canon`` dumped wrote (a
    # head of version 3 is dumped only when it is stored: once per batch, not per commit),
    # and how many commits they are (a replay that stores nothing dumps every _DUMP_EVERY,
    # so that merging the writes stays small)
    pending: Written | None = field(default=None, compare=False, repr=False)
    pending_commits: int = field(default=0, compare=False, repr=False)

    def after(self, patch: list[dict[str, Any]]) -> tuple[dict[str, Any], str, CanonicalCache]:
        """The state after ``patch`` (copy-on-write), its canonical JSON, re-dumping only what
        the patch wrote, and the cache for the next head; :class:`PatchError` if it does not
        apply."""
        written: Written = {}
        state = apply_patch(self.state, patch, written=written)
        canon = self.canon if self.canon is not None else CanonicalCache()
        return state, canon.dump(state, written), canon

    def known_lattice(self) -> Lattice:
        """The state's lattice: carried from head to head, computed from the whole state
        (once) only for a head read from a store or reached by an earlier hash version."""
        if self.lattice is None:
            object.__setattr__(self, "lattice", Lattice.of(self.state))  # a cache, not a change
        assert self.lattice is not None
        return self.lattice

    def successor(
        self, patch: list[dict[str, Any]] | None, hash_version: int
    ) -> tuple[dict[str, Any], str | None, CanonicalCache | None, Successor]:
        """The state after ``patch`` (None: a ledger entry, the state stays), its canonical
        JSON (from hash version 3 None, dumped when the head is stored), the cache for the
        next head and its state hash by ``hash_version``; :class:`PatchError` if the patch
        does not apply.

        >>> state, _, _, next_ = Head.genesis("a").successor([], 3)
        >>> next_.digest == state_hash({}, 3)
        True
        """
        if hash_version >= LATTICE_VERSION:
            lattice = self.known_lattice()
            if patch is None:
                nothing = Successor(
                    lattice.digest(), lattice, None, self.pending, self.pending_commits
                )
                return self.state, self.state_json, self.canon, nothing
            written: Written = {}
            state = apply_patch(self.state, patch, written=written)
            lattice = lattice.after(self.state, state, patch)
            commits = 1
            if self.state_json is None and self.pending is not None:
                written = merge_written(self.pending, written)
                commits += self.pending_commits
            cache = self.canon if self.canon is not None else CanonicalCache()
            if commits >= _DUMP_EVERY:
                text = cache.dump(state, written, versions=commits)
                return state, text, cache, Successor(lattice.digest(), lattice)
            return state, None, cache, Successor(lattice.digest(), lattice, None, written, commits)
        text = self.canonical_state()  # (free unless a head of version 3 comes before)
        state, canon = self.state, self.canon
        if patch is not None:
            state, text, canon = self.after(patch)
        data = self.encoded(text)
        # a ledger entry's state is its parent's: its digest, when known, is the parent's
        digest = self.state_digest if patch is None else None
        return state, text, canon, Successor(digest or hashlib.sha256(data).hexdigest(), data=data)

    def canonical_state(self) -> str:
        """The state's canonical JSON, computed once per head: re-dumping only what the
        patches since the last dump wrote, when the head came from one that was dumped."""
        if self.state_json is None:
            if self.canon is not None and self.pending is not None:
                text = self.canon.dump(self.state, self.pending, versions=self.pending_commits)
            else:
                text = canonical_json(self.state)
            object.__setattr__(self, "state_json", text)  # a cache, not a change
            object.__setattr__(self, "pending", None)
            object.__setattr__(self, "pending_commits", 0)
        assert self.state_json is not None
        return self.state_json

    def canonical_bytes(self) -> bytes:
        """:meth:`canonical_state` as UTF-8 (what the store holds, and what the state hash
        covers up to hash version 2)."""
        if self.state_data is None:
            object.__setattr__(self, "state_data", self.canonical_state().encode())
        assert self.state_data is not None
        return self.state_data

    def encoded(self, text: str) -> bytes:
        """``text`` (the canonical JSON of this head's state or of the next one's) as UTF-8,
        not encoded again when it is this head's own and its bytes are known."""
        if text is self.state_json and self.state_data is not None:
            return self.state_data
        return text.encode()

    @classmethod
    def genesis(cls, project_id: str) -> Head:
        """The head before any commit."""
        return cls(project_id, 0, GENESIS_HASH, {})


@dataclass(frozen=True)
class Successor:
    """What :meth:`Head.successor` worked out of the next state besides its text: its state
    hash, and its lattice (hash version 3) or UTF-8 bytes (versions 1 and 2, hashed from
    them)."""

    digest: str
    lattice: Lattice | None = None
    data: bytes | None = None
    pending: Written | None = None  # (see Head.pending)
    pending_commits: int = 0

    def head(
        self,
        project_id: str,
        version: int,
        hash_: str,
        state: dict[str, Any],
        text: str | None,
        canon: CanonicalCache | None,
    ) -> Head:
        """The head at ``version`` whose commit named this state hash."""
        sha = self.digest if self.lattice is None else None
        return Head(
            project_id,
            version,
            hash_,
            state,
            text,
            canon,
            self.data,
            sha,
            self.lattice,
            self.pending if text is None else None,
            self.pending_commits if text is None else 0,
        )


def advance(head: Head, commit: SsotCommit) -> Head:
    """The head after ``commit``; :class:`ChainError` if it does not chain or verify."""
    if commit.project_id != head.project_id:
        raise ChainError(f"commit for {commit.project_id} applied to {head.project_id}")
    if commit.version != head.version + 1:
        raise ChainError(f"version {commit.version} does not follow {head.version}")
    if commit.parent_hash != head.hash:
        raise ChainError(f"v{commit.version}: parent_hash does not match the head hash")
    if commit_hash(commit) != commit.hash:
        raise ChainError(f"v{commit.version}: hash does not match the commit's content")
    patch = patch_to_rfc(commit.patch) if commit.kind == "state" else None
    try:
        state, text, canon, next_ = head.successor(patch, commit.hash_version)
    except PatchError as exc:
        raise ChainError(f"v{commit.version}: patch does not apply: {exc}") from exc
    if next_.digest != commit.state_hash:
        raise ChainError(f"v{commit.version}: state hash mismatch")
    return next_.head(head.project_id, commit.version, commit.hash, state, text, canon)


def state_at(project_id: str, commits: list[SsotCommit], version: int) -> Head:
    """The project's head at ``version``, by replaying and verifying its commits from 1."""
    head = Head.genesis(project_id)
    for commit in commits:
        if commit.version > version:
            break
        head = advance(head, commit)
    if head.version != version:
        raise ChainError(f"{project_id} has no version {version} (head is v{head.version})")
    return head
