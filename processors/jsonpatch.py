"""RFC 6902 JSON Patch and RFC 6901 JSON Pointer over plain JSON documents.

Pure and copy-on-write: the input document is never changed, and a patch copies only the
objects and arrays on the paths it writes (the rest of the result shares the input's), so
applying it costs in proportion to the patch, not to the document.

>>> apply_patch({"a": 1}, [{"op": "add", "path": "/b", "value": [1]}])
{'a': 1, 'b': [1]}
>>> sorted(touched_paths([{"op": "move", "from": "/a", "path": "/b"}]))
['/a', '/b']
"""

from __future__ import annotations

import bisect
import copy
import json
from collections.abc import Callable, Iterable
from typing import Any

import rfc8785

from processors.errors import PatchError

MAX_DEPTH = 64


def parse_pointer(pointer: str) -> list[str]:
    """Split a JSON Pointer into unescaped tokens (``~1`` → ``/``, ``~0`` → ``~``)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f"JSON Pointer must start with '/': {pointer!r}")
    tokens = pointer[1:].split("/")
    if len(tokens) > MAX_DEPTH:
        raise PatchError(f"JSON Pointer deeper than {MAX_DEPTH}: {pointer[:80]!r}")
    out = []
    for token in tokens:
        if "~" in token.replace("~0", "").replace("~1", ""):
            raise PatchError(f"bad escape in JSON Pointer {pointer!r}")
        out.append(token.replace("~1", "/").replace("~0", "~"))
    return out


def _index(container: list[Any], token: str, *, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit() or (token != "0" and token.startswith("0")):
        raise PatchError(f"bad array index {token!r}")
    idx = int(token)
    limit = len(container) if allow_end else len(container) - 1
    if idx > limit:
        raise PatchError(f"array index {idx} out of range")
    return idx


def _parent(doc: Any, tokens: list[str]) -> Any:
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise PatchError(f"path segment {token!r} does not exist")
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, allow_end=False)]
        else:
            raise PatchError(f"cannot descend into a {type(node).__name__} at {token!r}")
    return node


def get(doc: Any, pointer: str) -> Any:
    """The value at ``pointer``; :class:`PatchError` if it does not exist."""
    tokens = parse_pointer(pointer)
    if not tokens:
        return doc
    parent = _parent(doc, tokens)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"path {pointer!r} does not exist")
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, allow_end=False)]
    raise PatchError(f"path {pointer!r} does not exist")


Written = dict[int, tuple[Any, Any, set[Any]]]
"""What ``apply_patch(..., written=)`` fills: by id, each container the patch made by
copying, the container it copies (both held, so that no id is reused meanwhile), and the keys
of an object the patch wrote (set, added or removed; an array's stay empty)."""


def merge_written(older: Written, newer: Written) -> Written:
    """What two successive copy-on-write applies wrote, as if one apply from the document
    before the first had: a container the second copied from one the first made counts as
    copied from that one's original, with the keys both wrote (neither map is changed).

    >>> doc = {"a": {"x": 1}}
    >>> w1: Written = {}
    >>> w2: Written = {}
    >>> v1 = apply_patch(doc, [{"op": "add", "path": "/a/y", "value": 2}], written=w1)
    >>> v2 = apply_patch(v1, [{"op": "add", "path": "/a/z", "value": 3}], written=w2)
    >>> merged = merge_written(w1, w2)
    >>> merged[id(v2["a"])][1] is doc["a"], sorted(merged[id(v2["a"])][2])
    (True, ['y', 'z'])
    """
    merged = dict(older)
    for key, (mine, original, keys) in newer.items():
        first = merged.pop(id(original), None)
        if first is not None and first[0] is original:
            merged[key] = (mine, first[1], first[2] | keys)
            continue
        if first is not None:  # (no two held objects share an id: never, kept to be exact)
            merged[id(original)] = first
        merged[key] = (mine, original, keys)
    return merged


# the containers this apply created (see Written): the only ones it may change; None applies
# in place
_Owned = Written | None


def _own(node: Any, owned: _Owned) -> Any:
    """``node`` itself if this apply may change it, else a shallow copy it may."""
    if owned is None or id(node) in owned or not isinstance(node, dict | list):
        return node
    mine = dict(node) if isinstance(node, dict) else list(node)
    owned[id(mine)] = (mine, node, set())
    return mine


def _wrote(parent: dict[str, Any], key: str, owned: _Owned) -> None:
    """Note that this apply wrote member ``key`` of ``parent`` (one it owns)."""
    if owned is not None:
        owned[id(parent)][2].add(key)


def _writable(doc: Any, tokens: list[str], owned: _Owned) -> tuple[Any, Any]:
    """``(doc, parent)``: the document and the parent of ``tokens``, with every container
    from the root to that parent copied (once per apply) and linked into its copied parent."""
    doc = _own(doc, owned)
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise PatchError(f"path segment {token!r} does not exist")
            key: str | int = token
        elif isinstance(node, list):
            key = _index(node, token, allow_end=False)
        else:
            raise PatchError(f"cannot descend into a {type(node).__name__} at {token!r}")
        child = _own(node[key], owned)
        if child is not node[key]:
            node[key] = child
            if type(key) is str:
                _wrote(node, key, owned)
        node = child
    return doc, node


def _add(doc: Any, tokens: list[str], value: Any, owned: _Owned) -> Any:
    if not tokens:
        return value
    doc, parent = _writable(doc, tokens, owned)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
        _wrote(parent, last, owned)
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, allow_end=True), value)
    else:
        raise PatchError(f"cannot add into a {type(parent).__name__}")
    return doc


def _remove(doc: Any, tokens: list[str], owned: _Owned) -> tuple[Any, Any]:
    if not tokens:
        raise PatchError("cannot remove the whole document")
    doc, parent = _writable(doc, tokens, owned)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f"cannot remove missing member {last!r}")
        _wrote(parent, last, owned)
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(parent, last, allow_end=False))
    raise PatchError(f"cannot remove from a {type(parent).__name__}")


def apply_patch(
    doc: Any,
    patch: Iterable[dict[str, Any]],
    *,
    in_place: bool = False,
    written: Written | None = None,
) -> Any:
    """Apply RFC 6902 operations to ``doc`` and return the result, copy-on-write: ``doc`` is
    unchanged and the result shares every part of it the patch did not write (treat both as
    read-only; copy before changing either by hand). ``in_place`` changes ``doc`` itself.

    Raises :class:`PatchError` on any failing operation. Without ``in_place`` the patch is
    all-or-nothing; ``in_place`` is for replays that discard the document on failure.

    >>> before = {"a": {"x": 1}, "b": {"y": 2}}
    >>> after = apply_patch(before, [{"op": "add", "path": "/a/z", "value": 3}])
    >>> before["a"], after["a"], after["b"] is before["b"]
    ({'x': 1}, {'x': 1, 'z': 3}, True)

    ``written`` (a dict, filled by the call) receives the objects and arrays the patch
    created by copying, by id, each with the one it copies and the members it wrote
    (:data:`Written`): what :meth:`CanonicalCache.dump` must dump afresh. Not with
    ``in_place`` (nothing is copied).
    """
    if in_place and written is not None:
        raise ValueError("apply_patch: written= records copies, and in_place makes none")
    result = doc
    owned: _Owned = None if in_place else (written if written is not None else {})
    for n, op in enumerate(patch):
        try:
            result = _apply_one(result, op, owned)
        except PatchError as exc:
            raise PatchError(f"op {n} ({op.get('op')} {op.get('path')}): {exc}") from None
    return result


def _apply_one(doc: Any, op: dict[str, Any], owned: _Owned) -> Any:
    kind = op.get("op")
    path = op.get("path")
    if not isinstance(path, str):
        raise PatchError("missing 'path'")
    tokens = parse_pointer(path)
    if kind in ("add", "replace", "test") and "value" not in op:
        raise PatchError(f"'{kind}' needs a 'value'")
    if kind == "add":
        return _add(doc, tokens, copy.deepcopy(op["value"]), owned)
    if kind == "remove":
        return _remove(doc, tokens, owned)[0]
    if kind == "replace":
        get(doc, path)
        if not tokens:
            return copy.deepcopy(op["value"])
        doc, _ = _remove(doc, tokens, owned)
        return _add(doc, tokens, copy.deepcopy(op["value"]), owned)
    if kind in ("move", "copy"):
        source = op.get("from")
        if not isinstance(source, str):
            raise PatchError(f"'{kind}' needs 'from'")
        if kind == "move" and (path + "/").startswith(source + "/") and path != source:
            raise PatchError("cannot move a value into one of its own children")
        value = copy.deepcopy(get(doc, source))
        if kind == "move":
            doc, _ = _remove(doc, parse_pointer(source), owned)
        return _add(doc, tokens, value, owned)
    if kind == "test":
        if not json_equal(get(doc, path), op["value"]):
            raise PatchError(f"test failed at {path!r}")
        return doc
    raise PatchError(f"unknown op {kind!r}")


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality as RFC 6902 §4.6 defines it for ``test``.

    Numbers are equal when their values are (``1`` equals ``1.0``); ``true`` is not ``1``;
    objects are equal member-wise whatever their order; arrays element-wise.

    >>> json_equal({"n": 1, "l": [True]}, {"l": [True], "n": 1.0}), json_equal(True, 1)
    (True, False)
    """
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(v, b[k]) for k, v in a.items())
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def escape_token(token: str) -> str:
    """A key as a JSON Pointer token (RFC 6901: ``~`` → ``~0``, ``/`` → ``~1``).

    >>> escape_token("a/b~c")
    'a~1b~0c'
    """
    return token.replace("~", "~0").replace("/", "~1")


def diff(old: Any, new: Any, path: str = "") -> list[dict[str, Any]]:
    """An RFC 6902 patch that turns ``old`` into ``new`` (objects member-wise, else replace).

    >>> diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": [4]})
    [{'op': 'replace', 'path': '/b', 'value': 3}, {'op': 'add', 'path': '/c', 'value': [4]}]
    """
    if isinstance(old, dict) and isinstance(new, dict):
        ops: list[dict[str, Any]] = []
        for key in sorted(old.keys() - new.keys()):
            ops.append({"op": "remove", "path": f"{path}/{escape_token(key)}"})
        for key in sorted(old.keys() & new.keys()):
            ops.extend(diff(old[key], new[key], f"{path}/{escape_token(key)}"))
        for key in sorted(new.keys() - old.keys()):
            ops.append({"op": "add", "path": f"{path}/{escape_token(key)}", "value": new[key]})
        return ops
    if canonical_json(old) == canonical_json(new):
        return []
    return [{"op": "replace", "path": path, "value": new}]


def touched_paths(patch: Iterable[dict[str, Any]]) -> set[str]:
    """Every pointer a patch writes or reads (``path`` and ``from``)."""
    out: set[str] = set()
    for op in patch:
        out.add(str(op.get("path", "")))
        if "from" in op:
            out.add(str(op["from"]))
    return out


def paths_overlap(a: Iterable[str], b: Iterable[str]) -> bool:
    """Whether any pointer in ``a`` equals, contains or lies inside one in ``b``."""
    a_list = [p.rstrip("/") + "/" for p in a]
    for q in b:
        qn = q.rstrip("/") + "/"
        if any(p.startswith(qn) or qn.startswith(p) for p in a_list):
            return True
    return False


def canonical_json(value: Any) -> str:
    """Deterministic JSON text: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_SAFE_INT = 2**53 - 1
# json's C encoder writes what RFC 8785 writes for strings (the same escapes, UTF-8 kept),
# integers of JSON's exact range, booleans and null, and sorts ASCII keys in the same order
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


# what :func:`jcs` raises for a value RFC 8785 refuses (NaN and infinities, an integer beyond
# 2**53, text with a lone surrogate); with RecursionError, for a value nested too deep
JCS_REFUSED: tuple[type[Exception], ...] = (
    rfc8785.CanonicalizationError,
    UnicodeError,
    RecursionError,
)


def refusal(exc: BaseException) -> str:
    """Why :func:`jcs` refused a value, in one line (the package's messages may run on).

    >>> refusal(ValueError("nan is not representable in JCS"))
    'nan is not representable in JCS'
    """
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


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


# json.dumps(text, ensure_ascii=False) of a str, without json.dumps's per-call set-up
_string: Callable[[str], str] = json.encoder.encode_basestring


class CanonicalCache:
    """:func:`canonical_json` of the successive versions of one document, re-dumping only the
    objects and arrays a copy-on-write patch wrote: every other part of the new version is
    the very object the previous version held, and its text is remembered.

    Exact by construction: a part is reused only while it is the same object, parts are
    never changed after the patch that created them, and anything not remembered is dumped
    whole. The texts of the containers a patch copied are forgotten as it is dumped (unless
    ``forget`` is false: several versions are patched from the same one, as an executor runs
    a batch's tasks on one snapshot); texts not used in the last ``keep`` dumps (parts since
    removed) are dropped.

    >>> cache = CanonicalCache()
    >>> v1 = {"rooms": {"hall": {"on": False}, "den": {"on": True}}}
    >>> cache.dump(v1) == canonical_json(v1)
    True
    >>> written: Written = {}
    >>> v2 = apply_patch(v1, [{"op": "replace", "path": "/rooms/hall/on", "value": True}],
    ...                  written=written)
    >>> cache.dump(v2, written)
    '{"rooms":{"den":{"on":true},"hall":{"on":true}}}'
    """

    def __init__(self, keep: int = 64, *, forget: bool = True) -> None:
        # id -> [container, text, last dump using it, pieces]; pieces, for an object dumped
        # member by member: its sorted keys and each member's '"key":text' in that order (a
        # copy of it re-dumps only the members that are not the same objects)
        self._texts: dict[int, list[Any]] = {}
        self._dumps = 0  # versions dumped or passed over (see dump)
        self._next_drop = keep
        self._keep = keep
        self._forget = forget

    def dump(
        self,
        doc: Any,
        written: Written | None = None,
        *,
        versions: int = 1,
        forget: bool | None = None,
    ) -> str:
        """``canonical_json(doc)``; ``written``: what ``apply_patch(..., written=)`` filled
        since the last dump (those containers are dumped afresh, those they copy forgotten),
        over ``versions`` versions of the document (texts are kept for ``keep`` versions,
        dumped or not: a head dumped once per batch forgets removed parts as soon).
        ``forget``: whether the texts of the containers ``written`` copies are forgotten
        (None: as the cache was made); true for a version that replaces the one it was
        patched from, as a snapshot followed to the next in a cache that keeps originals."""
        written = written or {}
        self._dumps += max(1, versions)
        forget = self._forget if forget is None else forget
        copied: dict[int, list[Any]] = {}  # a copy's id -> its original's entry
        for key, (_, original, _keys) in written.items():
            known = self._texts.get(id(original))
            if known is not None and known[0] is original:
                copied[key] = known
                if forget:
                    del self._texts[id(original)]
                else:
                    known[2] = self._dumps
        text = self._text(doc, written, copied)
        self._drop_unused()
        return text

    def _drop_unused(self) -> None:
        if self._dumps >= self._next_drop:
            oldest = self._dumps - self._keep
            self._texts = {k: e for k, e in self._texts.items() if e[2] > oldest}
            self._next_drop = self._dumps + self._keep

    def first_members(self, doc: Any, n: int) -> list[tuple[str, str]] | None:
        """The first ``n`` members of the object ``doc`` by key, each with its canonical JSON,
        when ``doc`` was dumped member by member (its keys are sorted then): no sort and no
        dump of a grown state's members (None: not remembered so).

        >>> cache = CanonicalCache()
        >>> doc = {"b": {"x": 1}, "a": [2], "c": 3}
        >>> _ = cache.prime(doc)
        >>> cache.first_members(doc, 2)
        [('a', '[2]'), ('b', '{"x":1}')]
        """
        known = self._texts.get(id(doc))
        if known is None or known[0] is not doc or known[3] is None:
            return None
        keys, parts = known[3][0][:n], known[3][1][:n]
        return [(k, part[len(_string(k)) + 1 :]) for k, part in zip(keys, parts, strict=True)]

    def prime(self, doc: Any) -> str:
        """``canonical_json(doc)``, remembering its top object member by member (as a dump
        after a patch would), so that the first versions patched from it re-dump only what
        their patches wrote."""
        self._dumps += 1
        text = self._text(doc, {id(doc): (doc, doc, set())}, {})
        self._drop_unused()
        return text

    def _text(self, value: Any, written: Written, copied: dict[int, list[Any]]) -> str:
        if not isinstance(value, dict | list) or not value:
            return _scalar(value)
        key = id(value)
        known = self._texts.get(key)
        if key not in written and known is not None and known[0] is value:
            known[2] = self._dumps
            return str(known[1])
        pieces = None
        flat = False  # known to hold no container (its copies are checked by what they wrote)
        before = copied.get(key)
        if key not in written:
            text = canonical_json(value)  # unchanged: json's own C loop, whole
        elif (
            before is not None
            and type(value) is dict
            and self._pieces_of(before, written, copied) is not None
        ):
            # a copy of an object known member by member: only its changed members
            pieces = self._members_after(value, before, written, copied)
            text = "{" + ",".join(pieces[1]) + "}" if pieces else canonical_json(value)
        elif (
            before is not None
            and before[4]
            and type(value) is dict
            and not any(isinstance(value.get(k), dict | list) for k in written[key][2])
        ) or not _nested(value):
            # flat, whole (a copy of a flat object is flat unless it wrote a container: not
            # every member is looked at again, 5,000 of them cost ~2.5 ms a commit)
            text, flat = canonical_json(value), type(value) is dict
        elif isinstance(value, list):
            text = "[" + ",".join(self._text(v, written, copied) for v in value) + "]"
        elif all(type(k) is str for k in value):
            keys = sorted(value)
            parts = [f"{_string(k)}:{self._text(value[k], written, copied)}" for k in keys]
            pieces = keys, parts
            text = "{" + ",".join(parts) + "}"
        else:  # keys json.dumps would convert (or refuse to sort): its own rules, whole
            text = canonical_json(value)
        self._texts[key] = [value, text, self._dumps, pieces, flat]
        return text

    def _pieces_of(
        self, entry: list[Any], written: Written, copied: dict[int, list[Any]]
    ) -> tuple[list[str], list[str]] | None:
        """The sorted keys and members' texts of a remembered object, worked out now (once)
        if it was dumped whole: an executor patches many versions from one snapshot, and
        each then re-dumps only what its patch wrote, not every member of a collection."""
        old = entry[0]
        if (
            entry[3] is None
            and not entry[4]  # (known flat: no pieces to work out)
            and type(old) is dict
            and _nested(old)
            and all(type(k) is str for k in old)
        ):
            keys = sorted(old)
            entry[3] = keys, [f"{_string(k)}:{self._text(old[k], written, copied)}" for k in keys]
        pieces: tuple[list[str], list[str]] | None = entry[3]
        return pieces

    def _members_after(
        self,
        value: dict[Any, Any],
        before: list[Any],
        written: Written,
        copied: dict[int, list[Any]],
    ) -> tuple[list[str], list[str]] | None:
        """The sorted keys and members' texts of a copy of ``before``'s object, re-dumping
        only the members that are not the same objects (None when a new key is not a
        string: json.dumps's own rules apply): of the keys the patches wrote, as ``written``
        says, those whose members are not the same objects."""
        old: dict[str, Any] = before[0]
        keys, parts = before[3]
        missing = object()
        # (in a set's order: every key's place is found by bisection, whatever the order)
        said = written[id(value)][2]
        changed = [k for k in said if old.get(k, missing) is not value.get(k, missing)]
        added = [k for k in changed if k not in old]
        if any(type(k) is not str for k in added):
            return None
        keys, parts = keys.copy(), parts.copy()
        if len(value) != len(old) + len(added):
            for k in changed:
                if k not in value:  # removed
                    at = bisect.bisect_left(keys, k)
                    del keys[at], parts[at]
        for k in added:  # json.dumps sorts keys as bisect compares them
            at = bisect.bisect_left(keys, k)
            keys.insert(at, k)
            parts.insert(at, "")
        for k in changed:
            if k in value:
                member = f"{_string(k)}:{self._text(value[k], written, copied)}"
                parts[bisect.bisect_left(keys, k)] = member
        return keys, parts


def _nested(value: dict[Any, Any] | list[Any]) -> bool:
    """Whether composing ``value`` from its parts can reuse any: an object with a container
    member; an array whose ends are containers (checking every item of a long array of
    numbers would cost more than dumping it). Either answer gives the same text."""
    if isinstance(value, list):
        return isinstance(value[0], dict | list) or isinstance(value[-1], dict | list)
    return any(isinstance(v, dict | list) for v in value.values())


_CONSTANTS = {True: "true", False: "false", None: "null"}


def _scalar(value: Any) -> str:
    """``canonical_json`` of a value that is not a non-empty container, faster for the
    common ones."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return int.__repr__(value)
    if kind is bool or value is None:
        return _CONSTANTS[value]
    return canonical_json(value)
