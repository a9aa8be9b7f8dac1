"""Property-based fuzzing with a fixed example budget: bad input never crashes a decoder, a
stage's decode step, the patch engine, the event builder or the router — it is rejected with
a Taskline error (dead letter / clear message) or handled."""

from __future__ import annotations

import contextlib
import copy
import string
from datetime import UTC, datetime
from typing import Any

import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from processors.errors import PatchError
from processors.jsonpatch import CanonicalCache, Written, apply_patch, canonical_json
from processors.models import RawEvent
from processors.ssot import Head, jcs
from processors.statehash import Lattice
from streams.codec.serde import MARKER, SchemaStore, Serde
from streams.errors import PoisonRecordError
from streams.sdk.producer import build_event
from tests import samples
from tests.unit.test_processors import FORMER, PACKS, ROUTER

SERDE = Serde(SchemaStore.load())
BUDGET = settings(
    max_examples=200, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck)
)
FINGERPRINTS = [sv.fingerprint for sv in SERDE.store.by_fingerprint.values()]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@BUDGET
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_crash_the_decoder(data: bytes) -> None:
    with contextlib.suppress(PoisonRecordError):
        SERDE.decode(data, RawEvent)


@BUDGET
@given(st.sampled_from(FINGERPRINTS), st.binary(max_size=512))
def test_known_fingerprint_with_garbage_body(fingerprint: bytes, body: bytes) -> None:
    with contextlib.suppress(PoisonRecordError):
        SERDE.decode_any(MARKER + fingerprint + body)


@BUDGET
@given(st.sampled_from(samples.ALL), st.data())
def test_truncated_and_bitflipped_records(record: Any, data: st.DataObject) -> None:
    encoded = bytearray(SERDE.encode(record))
    cut = data.draw(st.integers(0, len(encoded)))
    flip = data.draw(st.integers(0, len(encoded) - 1))
    encoded[flip] ^= data.draw(st.integers(1, 255))
    for candidate in (bytes(encoded[:cut]), bytes(encoded)):
        with contextlib.suppress(PoisonRecordError):
            SERDE.decode_any(candidate)


@BUDGET
@given(
    json_values,
    st.lists(
        st.fixed_dictionaries(
            {
                "op": st.sampled_from(
                    ["add", "remove", "replace", "move", "copy", "test", "bogus"]
                ),
                "path": st.text(alphabet="/~01abc-", max_size=12),
            },
            optional={"from": st.text(alphabet="/~01abc", max_size=8), "value": json_values},
        ),
        max_size=6,
    ),
)
def test_patches_apply_or_raise_patch_error(doc: Any, patch: list[dict[str, Any]]) -> None:
    before = repr(doc)
    with contextlib.suppress(PatchError):
        apply_patch(doc, patch)
    assert repr(doc) == before  # never changes its input


_keys = st.sampled_from(["a", "b", "c"])
_nested = st.recursive(
    st.integers(0, 3) | st.none() | st.booleans() | st.floats(-2, 2) | st.text('aé"\\', max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=12,
)
_pointer = st.sampled_from(["/a", "/b", "/c", "/a/a", "/a/b", "/a/0", "/a/-", "/b/0", "/b/-"])
_ops = st.lists(  # adds most often, so that later operations find members to work on
    st.fixed_dictionaries(
        {
            "op": st.sampled_from(["add"] * 4 + ["remove", "replace", "move", "copy", "test"]),
            "path": _pointer,
            "from": _pointer,
            "value": _nested,
        }
    ),
    max_size=5,
)


@BUDGET
@given(st.dictionaries(_keys, _nested, max_size=3), _ops, _ops)
def test_copy_on_write_apply_matches_applying_to_a_deep_copy(
    doc: dict[str, Any], first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> None:
    """The copy-on-write result equals the in-place result on a deep copy, and patching a
    result again changes neither it nor the document it shares parts with."""

    def outcome(fn: Any) -> Any:
        try:
            return ("ok", fn())
        except PatchError:
            return ("error", None)

    before = copy.deepcopy(doc)
    got = outcome(lambda: apply_patch(doc, first))
    assert got == outcome(lambda: apply_patch(copy.deepcopy(doc), first, in_place=True))
    assert doc == before
    if got[0] == "ok":
        result, snapshot = got[1], copy.deepcopy(got[1])
        again = outcome(lambda: apply_patch(result, second))
        assert again == outcome(lambda: apply_patch(copy.deepcopy(result), second, in_place=True))
        assert result == snapshot and doc == before


@BUDGET
@given(st.dictionaries(_keys, _nested, max_size=3), st.lists(_ops, max_size=6))
def test_the_canonical_cache_dumps_every_version_as_canonical_json(
    doc: dict[str, Any], patches: list[list[dict[str, Any]]]
) -> None:
    cache = CanonicalCache()
    assert cache.dump(doc) == canonical_json(doc)
    for patch in patches:
        written: dict[int, Any] = {}
        with contextlib.suppress(PatchError):
            doc = apply_patch(doc, patch, written=written)
        assert cache.dump(doc, written) == canonical_json(doc)


@BUDGET
@given(st.dictionaries(_keys, _nested, max_size=6), st.lists(_ops, max_size=4), st.booleans())
def test_the_canonical_cache_dumps_several_patches_at_once(
    doc: dict[str, Any], patches: list[list[dict[str, Any]]], primed: bool
) -> None:
    """As Snapshot.follow uses it: patches applied one after the other into one written map
    (later ones change the copies of earlier ones in place), then one dump."""
    cache = CanonicalCache()
    assert (cache.prime(doc) if primed else cache.dump(doc)) == canonical_json(doc)
    written: Written = {}
    for patch in patches:
        with contextlib.suppress(PatchError):
            doc = apply_patch(doc, patch, written=written)
    assert cache.dump(doc, written) == canonical_json(doc)


def test_heads_of_version_3_dump_two_patches_at_once_from_their_merged_writes() -> None:
    cache = CanonicalCache()
    doc = {"t": {"a": {"s": 1}, "b": {"s": 2}}, "u": {"c": [1]}}
    head = Head("p", 0, "", doc, cache.prime(doc), cache)
    for path in ("/t/a/s", "/t/b/s", "/u/c/0"):
        state, text, canon, next_ = head.successor([{"op": "replace", "path": path, "value": 9}], 3)
        assert text is None  # not dumped: dumped when stored
        head = next_.head("p", head.version + 1, "", state, text, canon)
    assert head.canonical_state() == canonical_json(head.state)
    assert head.state == {"t": {"a": {"s": 9}, "b": {"s": 9}}, "u": {"c": [9]}}
    # a head dumped once per batch forgets removed parts as soon as one dumped every commit
    for i in range(3000):
        patch = [{"op": "add", "path": f"/t/e{i}", "value": {"n": i}}]
        if i >= 20:
            patch.append({"op": "remove", "path": f"/t/e{i - 20}"})
        state, text, canon, next_ = head.successor(patch, 3)
        head = next_.head("p", head.version + 1, "", state, text, canon)
        if i % 40 == 39:
            head.canonical_bytes()
    assert len(cache._texts) < 200  # (of the 3,000 members that came and went)
    # a replay that never stores a head still dumps now and then: what it merges stays small
    for i in range(150):
        state, text, canon, next_ = head.successor([{"op": "add", "path": f"/r{i}", "value": i}], 3)
        head = next_.head("p", head.version + 1, "", state, text, canon)
        assert head.pending_commits < 64 and len(head.pending or {}) <= 64
    assert head.canonical_state() == canonical_json(head.state)


@BUDGET
@given(
    st.dictionaries(_keys, _nested, max_size=6),
    st.lists(_ops, max_size=6),
    st.lists(st.integers(0, 6), max_size=4),
    st.booleans(),
)
def test_heads_of_hash_version_3_dump_lazily_as_canonical_json(
    doc: dict[str, Any], patches: list[list[dict[str, Any]]], order: list[int], stored: bool
) -> None:
    """Heads of hash version 3 are dumped only when stored (once per batch), from the writes
    merged since the last dump; any head dumped in any order (an older one after a newer one)
    is its state's canonical JSON, and its lattice is the whole state's."""
    cache = CanonicalCache()
    head = Head("p", 0, "", doc, cache.prime(doc) if stored else None, cache)
    heads = [head]
    for patch in patches:
        try:
            state, text, canon, next_ = head.successor(patch, 3)
        except PatchError:
            continue
        if not isinstance(state, dict):
            continue
        head = next_.head("p", head.version + 1, "", state, text, canon)
        heads.append(head)
    for n in [*sorted(order), *order, len(heads) - 1]:
        h = heads[n % len(heads)]
        assert h.canonical_state() == canonical_json(h.state)
        assert h.known_lattice() == Lattice.of(h.state)


@BUDGET
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "text",
                "session_id",
                "channel",
                "kind",
                "occurred_at",
                "metadata",
                "project_hint",
                "proposal",
                "source_event_id",
                "x",
            ]
        ),
        json_values,
        max_size=8,
    )
)
def test_event_builder_validates_or_refuses(values: dict[str, Any]) -> None:
    with contextlib.suppress(ValueError, ValidationError):  # nothing else may escape
        build_event(values)


@BUDGET
@given(
    st.text(alphabet=string.printable + "äöüß€\u202e\x00", max_size=300),
    st.sampled_from([None, "home", "apollo", "nope"]),
)
def test_router_and_former_handle_any_text(text: str, hint: str | None) -> None:
    event = RawEvent(
        source_event_id="e",
        session_id="s",
        channel="chat",
        kind="user_action",
        text=text,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        project_hint=hint,
    )
    routed = ROUTER.route(event, event.occurred_at)
    assert 0.0 <= routed.routing_confidence <= 1.0
    formation = FORMER.form(routed, event.occurred_at)
    assert formation.task is not None or formation.reply is not None
    assert PACKS


def test_extreme_timestamps_and_huge_strings_are_rejected() -> None:
    for bad in (
        {"text": "x" * 20_000},
        {"text": "hi", "occurred_at": datetime(1960, 1, 1, tzinfo=UTC)},
        {"text": "hi", "occurred_at": "9999-12-31T23:59:59+00:00"},
        {"text": "hi", "source_event_id": ""},
    ):
        try:
            build_event(bad)
        except (ValueError, ValidationError):
            continue
        raise AssertionError(f"accepted {bad}")


_jcs_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=6)
_jcs_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**54), 2**54)
    | st.floats(allow_nan=False)
    | _jcs_text,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(_jcs_text | st.sampled_from(["a", "B", "é", "\ue000", "😀"]), inner)
    ),
    max_leaves=20,
)


@BUDGET
@given(_jcs_values)
def test_commit_hashes_serialize_as_the_rfc8785_package(value: Any) -> None:
    def outcome(fn: Any) -> Any:
        try:
            return fn(value)
        except (rfc8785.CanonicalizationError, UnicodeEncodeError) as exc:
            return type(exc)  # refused alike (a surrogate key fails in the package itself)

    assert outcome(jcs) == outcome(rfc8785.dumps)


def test_commit_hashes_of_deeply_nested_values_are_the_packages() -> None:
    deep: Any = 1
    for _ in range(400):  # deeper than the plain-value check recurses
        deep = {"a": [deep]}
    assert jcs(deep) == rfc8785.dumps(deep)


@BUDGET
@given(
    st.dictionaries(_keys, _nested, max_size=3),
    st.lists(st.tuples(st.booleans(), _ops), max_size=8),
)
def test_a_cache_that_keeps_originals_dumps_versions_patched_from_one_snapshot(
    doc: dict[str, Any], patches: list[tuple[bool, list[dict[str, Any]]]]
) -> None:
    """As the executor uses it: primed with a snapshot, then several versions made from the
    snapshot itself or from the latest one, each dumped once."""
    cache = CanonicalCache(keep=2, forget=False)
    assert cache.prime(doc) == canonical_json(doc)
    latest = doc
    for from_snapshot, patch in patches:
        written: dict[int, Any] = {}
        with contextlib.suppress(PatchError):
            latest = apply_patch(doc if from_snapshot else latest, patch, written=written)
        assert cache.dump(latest, written) == canonical_json(latest)
