"""RFC 6902 / RFC 6901 behaviour, including the RFC's own examples."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from processors.errors import PatchError
from processors.jsonpatch import (
    CanonicalCache,
    Written,
    apply_patch,
    canonical_json,
    get,
    json_equal,
    parse_pointer,
    paths_overlap,
    touched_paths,
)


@pytest.mark.parametrize(
    ("doc", "patch", "expected"),
    [
        (
            {"foo": "bar"},
            [{"op": "add", "path": "/baz", "value": "qux"}],
            {"foo": "bar", "baz": "qux"},
        ),
        (
            {"foo": ["bar", "baz"]},
            [{"op": "add", "path": "/foo/1", "value": "qux"}],
            {"foo": ["bar", "qux", "baz"]},
        ),
        ({"foo": [1]}, [{"op": "add", "path": "/foo/-", "value": 2}], {"foo": [1, 2]}),
        ({"baz": "qux", "foo": "bar"}, [{"op": "remove", "path": "/baz"}], {"foo": "bar"}),
        ({"baz": "qux"}, [{"op": "replace", "path": "/baz", "value": "boo"}], {"baz": "boo"}),
        (
            {"foo": {"bar": "baz", "waldo": "fred"}, "qux": {"corge": "grault"}},
            [{"op": "move", "from": "/foo/waldo", "path": "/qux/thud"}],
            {"foo": {"bar": "baz"}, "qux": {"corge": "grault", "thud": "fred"}},
        ),
        (
            {"foo": ["all", "grass", "cows", "eat"]},
            [{"op": "move", "from": "/foo/1", "path": "/foo/3"}],
            {"foo": ["all", "cows", "eat", "grass"]},
        ),
        (
            {"a": {"b": 1}},
            [{"op": "copy", "from": "/a", "path": "/c"}],
            {"a": {"b": 1}, "c": {"b": 1}},
        ),
        (
            {"a/b": 1, "m~n": 2},
            [{"op": "replace", "path": "/a~1b", "value": 3}, {"op": "remove", "path": "/m~0n"}],
            {"a/b": 3},
        ),
        (
            {"baz": "qux", "foo": ["a", 2, "c"]},
            [
                {"op": "test", "path": "/baz", "value": "qux"},
                {"op": "test", "path": "/foo/1", "value": 2},
            ],
            {"baz": "qux", "foo": ["a", 2, "c"]},
        ),
        ({}, [{"op": "add", "path": "", "value": {"x": 1}}], {"x": 1}),
    ],
)
def test_rfc_examples(doc: Any, patch: list[dict[str, Any]], expected: Any) -> None:
    before = repr(doc)
    assert apply_patch(doc, patch) == expected
    assert repr(doc) == before  # never mutates its input


@pytest.mark.parametrize(
    "patch",
    [
        [{"op": "add", "path": "/baz/bat", "value": "qux"}],  # parent missing
        [{"op": "remove", "path": "/nope"}],
        [{"op": "replace", "path": "/nope", "value": 1}],
        [{"op": "test", "path": "/foo", "value": "other"}],
        [{"op": "add", "path": "/arr/5", "value": 1}],
        [{"op": "add", "path": "/arr/01", "value": 1}],
        [{"op": "move", "from": "/obj", "path": "/obj/child"}],
        [{"op": "add", "path": "no-slash", "value": 1}],
        [{"op": "add", "path": "/x"}],  # no value
        [{"op": "frobnicate", "path": "/x"}],
        [{"op": "add", "path": "/bad~2escape", "value": 1}],
        [{"op": "add", "path": "/" + "/".join(["a"] * 100), "value": 1}],
    ],
)
def test_invalid_operations_raise(patch: list[dict[str, Any]]) -> None:
    with pytest.raises(PatchError):
        apply_patch({"foo": "bar", "arr": [1], "obj": {}}, patch)


def test_all_or_nothing() -> None:
    doc = {"a": 1}
    with pytest.raises(PatchError, match="op 1"):
        apply_patch(doc, [{"op": "add", "path": "/b", "value": 2}, {"op": "remove", "path": "/zz"}])
    assert doc == {"a": 1}


def test_a_patch_copies_only_the_paths_it_writes() -> None:
    rooms = {f"room{i}": {"lights": [{"on": False}], "temp": 20} for i in range(100)}
    doc = {"home": {"rooms": rooms}, "log": [1, 2]}
    after = apply_patch(
        doc, [{"op": "replace", "path": "/home/rooms/room7/lights/0/on", "value": True}]
    )
    assert doc["home"]["rooms"]["room7"]["lights"][0]["on"] is False  # the input is unchanged
    assert after["home"]["rooms"]["room7"]["lights"][0]["on"] is True
    assert after["log"] is doc["log"] and after["home"]["rooms"]["room8"] is rooms["room8"]
    # patching the result again leaves the first result as it was, and the input too
    again = apply_patch(after, [{"op": "move", "from": "/home/rooms/room7", "path": "/moved"}])
    assert "room7" in after["home"]["rooms"] and "room7" not in again["home"]["rooms"]
    assert again["moved"]["lights"][0]["on"] is True and "moved" not in doc


def test_pointers_and_overlap() -> None:
    assert parse_pointer("/a~1b/c~0d") == ["a/b", "c~d"]
    assert get({"a": [{"b": 7}]}, "/a/0/b") == 7
    assert touched_paths([{"op": "copy", "from": "/x", "path": "/y"}]) == {"/x", "/y"}
    assert paths_overlap(["/a"], ["/a/b"])
    assert paths_overlap(["/a/b"], ["/a"])
    assert paths_overlap([""], ["/z"])
    assert not paths_overlap(["/ab"], ["/a"])
    assert not paths_overlap(["/a"], ["/b"])


# --- the public json-patch-tests vectors (vendored, Apache-2.0; see tests/data/json-patch-tests)

_VECTORS = Path(__file__).resolve().parents[1] / "data" / "json-patch-tests"


def _vectors() -> list[Any]:
    cases = []
    for name in ("tests.json", "spec_tests.json"):
        for n, case in enumerate(json.loads((_VECTORS / name).read_text())):
            if case.get("disabled"):  # the suite's own marker for cases it does not require
                continue
            label = f"{name}#{n}: {case.get('comment', case.get('error', ''))}"[:90]
            cases.append(pytest.param(case, id=label))
    return cases


@pytest.mark.parametrize("case", _vectors())
def test_json_patch_tests_suite(case: dict[str, Any]) -> None:
    if "error" in case:
        with pytest.raises(PatchError):
            apply_patch(case["doc"], case["patch"])
        return
    result = apply_patch(case["doc"], case["patch"])
    if "expected" in case:
        assert json_equal(result, case["expected"])
        assert json.dumps(result, sort_keys=True) == json.dumps(case["expected"], sort_keys=True)


def test_vectors_are_all_there() -> None:
    assert len(_vectors()) >= 90  # 91 enabled cases in release 1.1.0


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, 1.0, True),
        ({"x": [1, 2.0]}, {"x": [1.0, 2]}, True),
        (True, 1, False),
        (False, 0, False),
        (None, False, False),
        ("1", 1, False),
        ([1, 2], [2, 1], False),
        ({"a": 1}, {"a": 1, "b": None}, False),
    ],
)
def test_test_op_compares_json_values(a: Any, b: Any, equal: bool) -> None:
    assert json_equal(a, b) is equal
    patch = [{"op": "test", "path": "/v", "value": b}]
    if equal:
        assert apply_patch({"v": a}, patch) == {"v": a}
    else:
        with pytest.raises(PatchError, match="test failed"):
            apply_patch({"v": a}, patch)


def test_the_canonical_cache_redumps_a_wide_object_member_by_member() -> None:
    import random

    rng = random.Random(7)
    doc: dict[str, Any] = {f"k{i}": {"n": i, "tags": [i, "x"]} for i in range(120)}
    cache = CanonicalCache(keep=8)
    assert cache.dump(doc) == canonical_json(doc)
    for n in range(400):
        key = f"k{rng.randrange(140)}"
        patch = rng.choice(
            [
                [{"op": "add", "path": f"/{key}", "value": {"n": n}}],  # replaces or adds
                [{"op": "add", "path": f'/{key}/é"', "value": n}],
                [{"op": "remove", "path": f"/{key}"}],
                [{"op": "add", "path": f"/{key}", "value": n}, {"op": "remove", "path": "/k3"}],
                [{"op": "move", "from": f"/{key}", "path": "/moved"}],
            ]
        )
        written: dict[int, tuple[Any, Any]] = {}
        with contextlib.suppress(PatchError):
            doc = apply_patch(doc, patch, written=written)
        assert cache.dump(doc, written) == canonical_json(doc)


def test_a_cache_that_keeps_originals_forgets_a_version_replaced_by_the_next() -> None:
    # an executor's snapshot followed commit after commit: the versions it followed from are
    # not patched again, and their texts (a grown state's whole text, keys and members)
    # were kept for up to twice ``keep`` follows
    cache = CanonicalCache(keep=16, forget=False)
    versions: list[dict[str, Any]] = [{f"r{i:02d}": {"n": i} for i in range(50)}]
    cache.prime(versions[0])
    for n in range(40):
        written: Written = {}
        patch = [{"op": "add", "path": f"/q{n:02d}", "value": {"n": n}}]
        versions.append(apply_patch(versions[-1], patch, written=written))
        assert cache.dump(versions[-1], written, forget=True) == canonical_json(versions[-1])
    assert cache.first_members(versions[-1], 1) == [("q00", '{"n":0}')]
    assert all(cache.first_members(v, 1) is None for v in versions[:-1])


def test_the_canonical_cache_keeps_a_flat_object_flat_until_a_patch_nests_it() -> None:
    import random

    rng = random.Random(11)
    doc: dict[str, Any] = {f"k{i}": i for i in range(60)}  # flat: dumped whole each time
    for forget in (True, False):
        cache = CanonicalCache(keep=8, forget=forget)
        assert cache.dump(doc) == canonical_json(doc)
        version = doc
        for n in range(300):
            key = f"k{rng.randrange(70)}"
            patch = rng.choice(
                [
                    [{"op": "add", "path": f"/{key}", "value": n}],
                    [{"op": "add", "path": f"/{key}", "value": {"n": n}}],  # nests it
                    [{"op": "add", "path": f"/{key}", "value": []}],
                    [{"op": "remove", "path": f"/{key}"}],
                    [{"op": "add", "path": f"/{key}/n", "value": n}],  # inside a nested one
                ]
            )
            written: dict[int, tuple[Any, Any]] = {}
            with contextlib.suppress(PatchError):
                version = apply_patch(version if forget else doc, patch, written=written)
            assert cache.dump(version, written) == canonical_json(version)
