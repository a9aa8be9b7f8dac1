"""Incremental state hashes: the lattice hash of a state document (hash version 3).

A state document (a JSON object) is read as the set of its *members*: for each top-level
key ``k`` whose value is a non-empty object, one member per key ``m`` of that object, at the
pointer ``/k/m``; for any other top-level value (a scalar, an array, an empty object), one
member at ``/k``. (A collection of tickets is one member per ticket; a top-level field is one
member.) Pointers are RFC 6901, so no two members of two different states coincide. (A
document that is not an object, which no commit of Taskline makes, is one member at the
pointer ``""``.) Numbers are read as RFC 8785 writes them: ``1`` and ``1.0`` are one value,
as JSON Patch's ``test`` takes them.

Each member is the RFC 8785 (JCS) bytes of the array ``[pointer, value]``, prefixed with
:data:`DOMAIN` (see :func:`member_bytes` for values RFC 8785 refuses), expanded with
SHAKE256 to 2,048 bytes and read as 1,024 little-endian 16-bit lanes. The state's *lattice*
is the lane-wise sum, modulo 2**16, of its members' vectors (LtHash16 with n = 1024: Lewi,
Kim, Maykov, Weis, "Securing Update Propagation with Homomorphic Hashing", IACR ePrint
2019/227, whose collision resistance rests on the short integer solution problem). The state
hash is SHA-256 of the lattice's 2,048 bytes, in hex.

Because the sum is taken member by member, a commit's state hash costs in proportion to the
members its patch wrote (each one subtracted as it was and added as it is), not to the state:
SHA-256 of a whole 400 KB state is ~0.25 ms here, a member ~10 µs.

>>> Lattice.of({}).digest() == Lattice.of({"a": {}}).digest()
False
>>> old = {"tickets": {"TL-1": {"status": "open"}}}
>>> new = {"tickets": {"TL-1": {"status": "done"}}}
>>> patch = [{"op": "replace", "path": "/tickets/TL-1/status", "value": "done"}]
>>> Lattice.of(old).after(old, new, patch) == Lattice.of(new)
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from processors.errors import PatchError
from processors.jsonpatch import canonical_json, escape_token, jcs, parse_pointer

__all__ = ["DOMAIN", "LANES", "Change", "Lattice", "member_bytes", "members"]

DOMAIN = b"taskline/state-hash/3\n"
"""Prefixed to every member's bytes: a member's vector is never another hash's."""
LANES = 1024
_BYTES = 2 * LANES
_LANE = np.dtype("<u2")
_CHUNK = 256


def member_bytes(pointer: str, value: Any) -> bytes:
    """What a member's vector is expanded from: :data:`DOMAIN` and the RFC 8785 bytes of
    ``[pointer, value]``; for a value RFC 8785 refuses (an integer beyond 2**53, NaN, a lone
    surrogate: what a state of hash version 1 may hold), :data:`DOMAIN`, the byte 0x01 (never
    the first byte of JSON) and the value's canonical JSON as hash version 1 wrote it.

    >>> member_bytes("/a", 1)
    b'taskline/state-hash/3\\n["/a",1]'
    >>> member_bytes("/a", 2**60)[len(DOMAIN):]
    b'\\x01["/a",1152921504606846976]'
    """
    try:
        return DOMAIN + jcs([pointer, value])
    except ValueError:  # (rfc8785's refusals and UnicodeEncodeError are ValueErrors)
        text = canonical_json([pointer, value])
        return DOMAIN + b"\x01" + text.encode("utf-8", "surrogatepass")


def _vector(pointer: str, value: Any) -> bytes:
    return hashlib.shake_256(member_bytes(pointer, value)).digest(_BYTES)


def members(state: Any) -> Iterator[tuple[str, Any]]:
    """The members of ``state``: ``(pointer, value)``, in the state's own order (a document
    that is not an object, which no commit of Taskline makes, is one member at ``""``).

    >>> list(members({"a": 1, "b": {"x": [2]}, "c": {}}))
    [('/a', 1), ('/b/x', [2]), ('/c', {})]
    """
    if not isinstance(state, dict):
        yield "", state
        return
    for key, value in state.items():
        if isinstance(value, dict) and value:
            for sub, item in value.items():
                yield _pointer(key, sub), item
        else:
            yield "/" + escape_token(key), value


def _of_key(state: dict[str, Any], key: str) -> Iterator[tuple[str, Any]]:
    """The members under the top-level ``key`` (none when it is absent)."""
    if key in state:
        yield from members({key: state[key]})


def _pointer(key: str, sub: str) -> str:
    return "/" + escape_token(key) + "/" + escape_token(sub)


def _sum(pairs: Iterable[tuple[str, Any]]) -> npt.NDArray[np.uint16]:
    """The lane-wise sum of the members' vectors, mod 2**16 (``_CHUNK`` vectors at a time:
    a whole state's members are never held at once)."""
    acc: npt.NDArray[np.uint16] | None = None
    chunk: list[bytes] = []
    for pointer, value in pairs:
        chunk.append(_vector(pointer, value))
        if len(chunk) == _CHUNK:
            acc = _added(acc, chunk)
            chunk = []
    return _added(acc, chunk) if chunk or acc is None else acc


def _added(acc: npt.NDArray[np.uint16] | None, vectors: list[bytes]) -> npt.NDArray[np.uint16]:
    # summed in uint16, which wraps: mod 2**16 without a wider sum to mask (a commit's sums
    # are of one or two members: numpy's cost per call is most of it)
    part: npt.NDArray[np.uint16]
    if len(vectors) == 1:
        part = np.frombuffer(vectors[0], dtype=_LANE).astype(np.uint16)
    elif vectors:
        rows = np.frombuffer(b"".join(vectors), dtype=_LANE).reshape(-1, LANES)
        part = rows.sum(axis=0, dtype=np.uint16)
    else:
        part = np.zeros(LANES, dtype=np.uint16)
    return part if acc is None else acc + part


class Lattice:
    """The lattice of a state: 1,024 lanes of 16 bits, immutable.

    >>> Lattice.of({"a": 1}).digest()[:12]
    'a63c38a83cbd'
    """

    __slots__ = ("_lanes",)

    def __init__(self, lanes: npt.NDArray[np.uint16]) -> None:
        lanes.setflags(write=False)
        self._lanes = lanes

    @classmethod
    def of(cls, state: Any) -> Lattice:
        """The lattice of a whole state (every member hashed: O(state))."""
        return cls(_sum(members(state)))

    @classmethod
    def from_bytes(cls, data: bytes) -> Lattice:
        """A lattice stored with :meth:`to_bytes`."""
        if len(data) != _BYTES:
            raise ValueError(f"a lattice is {_BYTES} bytes, not {len(data)}")
        return cls(np.frombuffer(data, dtype=_LANE).astype(np.uint16))

    def to_bytes(self) -> bytes:
        """The 2,048 bytes (little-endian lanes) the state hash is SHA-256 of."""
        return self._lanes.astype(_LANE, copy=False).tobytes()

    def digest(self) -> str:
        """The state hash: SHA-256 of :meth:`to_bytes`, in hex."""
        return hashlib.sha256(self.to_bytes()).hexdigest()

    def after(self, old: Any, new: Any, patch: Iterable[dict[str, Any]]) -> Lattice:
        """The lattice of ``new``, the state ``patch`` (RFC 6902 operations) made of ``old``,
        whose lattice this is: only the members the patch wrote are hashed again, as they
        were and as they are (``old`` must be as it was: see :meth:`begin`)."""
        return self.begin(old, patch).finish(new)

    def begin(self, old: Any, patch: Iterable[dict[str, Any]]) -> Change:
        """The first half of :meth:`after`, read before ``patch`` is applied to ``old``: the
        members it will write, hashed as they are now. Finish it on the state the patch made,
        even when applying it changed ``old``'s own objects in place."""
        whole: set[str] = set()  # top-level keys written whole (or not a collection)
        touched: set[tuple[str, str]] = set()  # members of collections written
        if not isinstance(old, dict):
            return Change(self, None, set(), set(), replaced=True)
        for op in patch:
            if op.get("op") == "test":
                continue
            pointers = (
                [op.get("path"), op.get("from")] if op.get("op") == "move" else [op.get("path")]
            )
            for pointer in pointers:
                try:
                    tokens = parse_pointer(pointer) if isinstance(pointer, str) else []
                except PatchError:
                    tokens = []  # (the patch will not apply: its apply says why)
                if not tokens:
                    return Change(self, None, set(), set(), replaced=True)  # the whole document
                key, before = tokens[0], old.get(tokens[0])
                if len(tokens) > 1 and isinstance(before, dict) and before:
                    touched.add((key, tokens[1]))
                else:
                    whole.add(key)
        touched = {(key, sub) for key, sub in touched if key not in whole}
        gone: list[tuple[str, Any]] = []
        for key in sorted(whole):
            gone += _of_key(old, key)
        for key, sub in sorted(touched):
            if sub in old[key]:
                gone.append((_pointer(key, sub), old[key][sub]))
        return Change(self, _sum(gone) if gone else None, whole, touched)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lattice) and bool(np.array_equal(self._lanes, other._lanes))

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"Lattice({self.digest()[:12]}…)"


class Change:
    """A patch's change to a lattice, half done: see :meth:`Lattice.begin`."""

    __slots__ = ("_base", "_gone", "_replaced", "_touched", "_whole")

    def __init__(
        self,
        base: Lattice,
        gone: npt.NDArray[np.uint16] | None,
        whole: set[str],
        touched: set[tuple[str, str]],
        *,
        replaced: bool = False,
    ) -> None:
        self._base, self._gone, self._whole, self._touched = base, gone, whole, touched
        self._replaced = replaced

    def finish(self, new: Any) -> Lattice:
        """The lattice of ``new``, the state the patch made."""
        if self._replaced or not isinstance(new, dict):
            return Lattice.of(new)
        if not self._whole and not self._touched:
            return self._base  # nothing written (tests only)
        came: list[tuple[str, Any]] = []
        for key in sorted(self._whole):
            came += _of_key(new, key)
        emptied: set[str] = set()
        for key, sub in sorted(self._touched):
            members_now = new[key]
            if isinstance(members_now, dict) and members_now:
                if sub in members_now:
                    came.append((_pointer(key, sub), members_now[sub]))
            else:
                # every member removed (a patch inside a collection leaves it an object)
                emptied.add(key)
        for key in sorted(emptied):
            came += _of_key(new, key)
        lanes = self._base._lanes
        if self._gone is not None:
            lanes = lanes - self._gone  # (uint16 arithmetic wraps: mod 2**16)
        if came:
            lanes = lanes + _sum(came)
        return Lattice(lanes)
