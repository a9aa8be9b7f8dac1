"""The SSOT hash chain: commit hashes, state hashes and applying a commit to a head.

A project's history is a chain of :class:`~processors.models.SsotCommit`; each ``hash`` is
SHA-256 over the commit's content and its ``parent_hash``, starting from :data:`GENESIS_HASH`,
computed as its ``hash_version`` says (:data:`HASH_FIELDS`; version 2 is RFC 8785 over an
explicit field list, so a commit's hash does not depend on this code's models).
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

import rfc8785

from processors.errors import ChainError, PatchError
from processors.jsonpatch import CanonicalCache, Written, apply_patch, canonical_json
from processors.models import SsotCommit, patch_to_rfc

GENESIS_HASH = "0" * 64
LEDGER_PROJECT = "_ledger"  # tasks without a project keep their ledger entries here


def state_hash(state: Any) -> str:
    """SHA-256 of a state document's canonical JSON."""
    return hashlib.sha256(canonical_json(state).encode()).hexdigest()


HASH_VERSION = 2
"""The hash version new commits are written with."""

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


_SAFE_INT = 2**53 - 1
# json's C encoder writes what RFC 8785 writes for strings (the same escapes, UTF-8 kept),
# integers of JSON's exact range, booleans and null, and sorts ASCII keys in the same order
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def jcs(value: Any) -> bytes:
    """RFC 8785 (JSON Canonicalization Scheme) bytes of ``value``: json's C encoder where
    its output is the same, the ``rfc8785`` package otherwise (floats, keys beyond ASCII,
    integers beyond 2**53, text that is not Unicode), which also raises on what JCS refuses.

    >>> jcs({"b": [1, True, None], "a": "é\\n"})
    b'{"a":"\\xc3\\xa9\\\\n","b":[1,true,null]}'
    """
    try:
        plain = _plain(value)
    except RecursionError:  # nested deeper than the check's recursion: the package's own way
        plain = False
    if plain:
        try:
            return _JSON.encode(value).encode()
        except UnicodeEncodeError:
            pass  # a lone surrogate: the package says why it is refused
    return rfc8785.dumps(value)


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return bool(-_SAFE_INT <= value <= _SAFE_INT)
    if kind is dict:
        return all(type(k) is str and k.isascii() and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return False


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
    # the state's canonical JSON when already computed (hashing and storing both need it)
    state_json: str | None = field(default=None, compare=False, repr=False)
    # the texts of the state's parts, handed from head to head: a commit re-dumps only
    # what its patch wrote (see CanonicalCache)
    canon: CanonicalCache | None = field(default=None, compare=False, repr=False)
    # the canonical JSON as UTF-8 when already encoded (hashed, then stored: encoded once)
    state_data: bytes | None = field(default=None, compare=False, repr=False)
    # the state's SHA-256 when this process computed or checked it: a ledger commit, which
    # leaves the state as it is, then names it without hashing the whole state again
    state_digest: str | None = field(default=None, compare=False, repr=False)

    def after(self, patch: list[dict[str, Any]]) -> tuple[dict[str, Any], str, CanonicalCache]:
        """The state after ``patch`` (copy-on-write), its canonical JSON, re-dumping only what
        the patch wrote, and the cache for the next head; :class:`PatchError` if it does not
        apply."""
        written: Written = {}
        state = apply_patch(self.state, patch, written=written)
        canon = self.canon if self.canon is not None else CanonicalCache()
        return state, canon.dump(state, written), canon

    def canonical_state(self) -> str:
        """The state's canonical JSON (computed once per head)."""
        return self.state_json if self.state_json is not None else canonical_json(self.state)

    def canonical_bytes(self) -> bytes:
        """:meth:`canonical_state` as UTF-8 (what its hash covers and the store holds)."""
        return self.state_data if self.state_data is not None else self.canonical_state().encode()

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
    state, text, canon = head.state, head.state_json, head.canon
    if commit.kind == "state":
        try:
            state, text, canon = head.after(patch_to_rfc(commit.patch))
        except PatchError as exc:
            raise ChainError(f"v{commit.version}: patch does not apply: {exc}") from exc
    if text is None:
        text = canonical_json(state)
    data = head.encoded(text)
    # a ledger entry's state is its parent's: checked against the digest known for it
    digest = head.state_digest if commit.kind != "state" else None
    if (digest or hashlib.sha256(data).hexdigest()) != commit.state_hash:
        raise ChainError(f"v{commit.version}: state hash mismatch")
    return Head(
        head.project_id, commit.version, commit.hash, state, text, canon, data, commit.state_hash
    )


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
