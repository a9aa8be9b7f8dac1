"""The lattice state hash (hash version 3): a patch's update equals hashing the whole state
again, whatever the patch does, and a second implementation written from the module's
definition (its own members, RFC 8785 from the ``rfc8785`` package, lanes summed as Python
integers) computes the same hash."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import struct
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processors.errors import PatchError
from processors.jsonpatch import Written, apply_patch
from processors.statehash import DOMAIN, Lattice

BUDGET = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_keys = st.sampled_from(["a", "b", "c/d", "e~f"])
_nested = st.recursive(
    st.integers(-3, 3) | st.none() | st.booleans() | st.floats(-2, 2) | st.text("aé/~", max_size=2),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=12,
)
_states = st.dictionaries(_keys, _nested, max_size=4)
_pointer = st.sampled_from(
    [
        *["", "/a", "/b", "/c~1d", "/e~0f", "/a/a", "/a/b", "/a/c~1d", "/a/0", "/a/-", "/b/0"],
        *["/a/a/a", "/a/b/0", "/b/a/b", "/c~1d/e~0f"],
    ]
)
_ops = st.lists(  # adds and removes most often: collections fill up and empty again
    st.fixed_dictionaries(
        {
            "op": st.sampled_from(
                ["add"] * 4 + ["remove"] * 2 + ["replace", "move", "copy", "test"]
            ),
            "path": _pointer,
            "from": _pointer,
            "value": _nested,
        }
    ),
    max_size=5,
)


def reference(state: Any) -> str:
    """The state hash as the module's docstring defines it, computed independently."""
    lanes = [0] * 1024

    def escape(key: str) -> str:
        return key.replace("~", "~0").replace("/", "~1")

    def add(pointer: str, value: Any) -> None:
        try:
            member = rfc8785.dumps([pointer, value])
        except ValueError:  # what RFC 8785 refuses: version 1's canonical JSON, tagged
            text = json.dumps(
                [pointer, value], sort_keys=True, separators=(",", ":"), ensure_ascii=False
            )
            member = b"\x01" + text.encode("utf-8", "surrogatepass")
        data = hashlib.shake_256(DOMAIN + member).digest(2048)
        for i, lane in enumerate(struct.unpack("<1024H", data)):
            lanes[i] = (lanes[i] + lane) % 65536

    if not isinstance(state, dict):
        add("", state)
    for key, value in state.items() if isinstance(state, dict) else ():
        if isinstance(value, dict) and value:
            for sub, item in value.items():
                add(f"/{escape(key)}/{escape(sub)}", item)
        else:
            add(f"/{escape(key)}", value)
    return hashlib.sha256(struct.pack("<1024H", *lanes)).hexdigest()


@BUDGET
@given(_states)
def test_a_second_implementation_computes_the_same_hash(state: dict[str, Any]) -> None:
    assert Lattice.of(state).digest() == reference(state)


@BUDGET
@given(_states, st.lists(_ops, max_size=6))
def test_each_patch_updates_the_lattice_as_hashing_the_whole_state_again(
    state: dict[str, Any], patches: list[list[dict[str, Any]]]
) -> None:
    lattice = Lattice.of(state)
    for patch in patches:
        before = copy.deepcopy(state)
        try:
            new = apply_patch(state, patch)
        except PatchError:
            continue
        lattice = lattice.after(state, new, patch)
        assert state == before  # (copy-on-write: the old state is as it was)
        state = new
        assert lattice == Lattice.of(state)
        assert lattice.digest() == reference(state)


@BUDGET
@given(_states, st.lists(_ops, max_size=6))
def test_begin_reads_the_old_members_before_an_apply_changes_them_in_place(
    state: dict[str, Any], patches: list[list[dict[str, Any]]]
) -> None:
    """As the executor follows commits: one written map for them all, so a later patch
    changes the copies an earlier one made in place."""
    lattice = Lattice.of(state)
    written: Written = {}
    for patch in patches:
        change = lattice.begin(state, patch)
        try:
            new = apply_patch(state, patch, written=written)
        except PatchError:
            return  # (a failed follow drops its copies)
        state, lattice = new, change.finish(new)
        assert lattice == Lattice.of(state)


SHAPES = {"t": {"x": {"s": 1}, "y": [1]}, "u": {"z": 2}, "l": [1, 2], "e": {}, "n": 3}


@pytest.mark.parametrize(
    "patch",
    [
        [{"op": "remove", "path": "/u/z"}],  # the last member: the collection is left empty
        [{"op": "add", "path": "/e/w", "value": 1}],  # the first member of an empty one
        [{"op": "replace", "path": "/t", "value": 5}],  # a collection becomes a value
        [{"op": "replace", "path": "/n", "value": {"k": 1}}],  # a value becomes one
        [{"op": "move", "from": "/t/x", "path": "/u/x"}],  # between collections
        [{"op": "move", "from": "/u/z", "path": "/z"}],  # to the top (and "u" is emptied)
        [{"op": "copy", "from": "/t/x", "path": "/e/x"}],
        [{"op": "replace", "path": "/t/x/s", "value": 9}],  # inside a member
        [{"op": "add", "path": "/t/y/-", "value": 2}],  # an array inside a member
        [{"op": "add", "path": "/l/0", "value": 0}],  # a top-level array
        [{"op": "replace", "path": "", "value": {"a": {"b": 1}}}],  # the whole document
        [{"op": "test", "path": "/n", "value": 3}],
        [
            {"op": "remove", "path": "/t/x"},
            {"op": "remove", "path": "/t/y"},  # emptied by two operations
            {"op": "add", "path": "/t/q", "value": 1},  # and filled again
            {"op": "remove", "path": "/u/z"},
        ],
    ],
)
def test_every_change_of_shape_updates_as_hashing_again(patch: list[dict[str, Any]]) -> None:
    new = apply_patch(SHAPES, patch)
    assert Lattice.of(SHAPES).after(SHAPES, new, patch) == Lattice.of(new)
    assert Lattice.of(new).digest() == reference(new)
    written: Written = {}
    middle = apply_patch(SHAPES, [{"op": "add", "path": "/t/m", "value": 1}], written=written)
    change = Lattice.of(middle).begin(middle, patch)
    again = apply_patch(middle, patch, written=written)  # in place where the first one copied
    assert change.finish(again) == Lattice.of(again)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({}, {"a": {}}),
        ({"a": {}}, {"a": []}),
        ({"a": {"b": 1}}, {"a/b": 1}),
        ({"a": {"b": 1}}, {"a": {"b": 1.5}}),
        ({"a": 1, "b": 1}, {"a": 1}),
        ({"a": {"b": {"c": 1}}}, {"a": {"b": {"c": 2}}}),
        ({"a": "1"}, {"a": 1}),
    ],
)
def test_different_states_hash_differently(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert Lattice.of(a).digest() != Lattice.of(b).digest()


def test_the_hash_does_not_depend_on_key_order_and_round_trips_as_bytes() -> None:
    one = {"t": {"x": 1, "y": [1, 2]}, "s": "on"}
    two = {"s": "on", "t": {"y": [1, 2], "x": 1}}
    assert Lattice.of(one) == Lattice.of(two)
    data = Lattice.of(one).to_bytes()
    assert len(data) == 2048 and Lattice.from_bytes(data) == Lattice.of(one)
    assert hashlib.sha256(data).hexdigest() == Lattice.of(one).digest()
    with pytest.raises(ValueError, match="2048 bytes"):
        Lattice.from_bytes(data[:-1])


def test_a_member_costs_its_own_hash_not_the_states() -> None:
    """Adding one ticket to a 2,000-ticket collection hashes one member (the others' vectors
    are never recomputed): checked by counting the members hashed."""
    tickets = {f"T-{i}": {"title": f"ticket {i}", "status": "open"} for i in range(2000)}
    state = {"tickets": tickets}
    lattice = Lattice.of(state)
    patch = [{"op": "add", "path": "/tickets/T-9999", "value": {"title": "new"}}]
    calls: list[str] = []
    import processors.statehash as module

    real = module._vector
    with contextlib.ExitStack() as stack:
        stack.callback(setattr, module, "_vector", real)
        module._vector = lambda p, v: calls.append(p) or real(p, v)  # type: ignore[assignment]
        new = apply_patch(state, patch)
        after = lattice.after(state, new, patch)
    assert calls == ["/tickets/T-9999"]
    assert after == Lattice.of(new)


def test_values_rfc_8785_refuses_hash_as_version_1_wrote_them() -> None:
    """A state of hash version 1 may hold an integer beyond 2**53 or NaN: its next commits
    of version 3 still hash it (RFC 8785 alone would refuse), tagged apart from JSON."""
    state = {"seen_ns": 1733000000000000000, "t": {"x": {"v": float("nan")}, "y": 1}}
    assert Lattice.of(state).digest() == reference(state)
    patch = [{"op": "replace", "path": "/t/y", "value": 2**60}]
    new = apply_patch(state, patch)
    assert Lattice.of(state).after(state, new, patch).digest() == reference(new)
    assert Lattice.of({"a": 2**60}) != Lattice.of({"a": float(2**60)})


@pytest.mark.parametrize(
    "patch",
    [
        [{"op": "move", "path": "/a"}],  # no "from"
        [{"op": "add", "path": "a", "value": 1}],  # not a pointer
        [{"op": "remove"}],  # no path
        [{"op": "add", "path": "/x/~2", "value": 1}],  # a bad escape
    ],
)
def test_a_malformed_patch_is_left_to_its_apply_to_refuse(patch: list[dict[str, Any]]) -> None:
    state = {"a": {"b": 1}}
    change = Lattice.of(state).begin(state, patch)  # no KeyError, no PatchError here
    with pytest.raises(PatchError):
        apply_patch(state, patch)
    assert change.finish(state) == Lattice.of(state)  # (hashed whole, if it were finished)
