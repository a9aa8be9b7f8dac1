"""Schema compatibility rules and the `taskline schemas check` command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from streams.cli.main import main
from streams.codec.compatibility import check_store, problems
from streams.codec.serde import SchemaStore

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def rec(*fields: dict[str, object], name: str = "R") -> dict[str, object]:
    return {"type": "record", "name": name, "fields": list(fields)}


def test_added_field_needs_a_default() -> None:
    old = rec({"name": "a", "type": "string"})
    new_bad = rec({"name": "a", "type": "string"}, {"name": "b", "type": "int"})
    new_ok = rec({"name": "a", "type": "string"}, {"name": "b", "type": "int", "default": 0})
    assert problems(old, new_bad) == ["$.b: added without a default"]
    assert problems(old, new_ok) == []
    assert problems(new_ok, old) == []  # old readers ignore the new field


def test_promotions_and_type_changes() -> None:
    assert problems("int", "long") == []
    assert problems("float", "double") == []
    assert problems("string", "bytes") == []
    assert problems("long", "int") != []
    assert problems(rec({"name": "a", "type": "string"}), rec({"name": "a", "type": "int"}))


def test_enums_unions_arrays_maps() -> None:
    e1 = {"type": "enum", "name": "E", "symbols": ["a", "b"]}
    e2 = {"type": "enum", "name": "E", "symbols": ["a"]}
    assert problems(e2, e1) == []
    assert "lacks symbol" in problems(e1, e2)[0]
    assert problems({**e1}, {**e2, "default": "a"}) == []
    assert problems("string", ["null", "string"]) == []
    assert problems(["null", "string"], "string") != []
    assert problems({"type": "array", "items": "int"}, {"type": "array", "items": "long"}) == []
    assert problems({"type": "map", "values": "long"}, {"type": "map", "values": "int"}) != []
    assert problems(rec(name="A"), rec(name="B")) != []


def test_shipped_schemas_are_compatible(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_store(SchemaStore.load(SCHEMAS)) == []
    assert main(["schemas", "check"]) == 0
    assert "schemas check: ok" in capsys.readouterr().out


def test_check_fails_on_an_incompatible_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(SCHEMAS / "raw_event", tmp_path / "raw_event")
    v2 = json.loads((SCHEMAS / "raw_event" / "v1.avsc").read_text())
    v2["fields"] = [f for f in v2["fields"] if f["name"] != "channel"]
    v2["fields"].append({"name": "priority", "type": "int"})  # no default: v1 data unreadable
    for f in v2["fields"]:
        if f["name"] == "text":
            f["type"] = "long"
    (tmp_path / "raw_event" / "v2.avsc").write_text(json.dumps(v2))
    assert main(["schemas", "check", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "raw_event: v2 cannot read v1: $.priority: added without a default" in out
    assert "$.text: writer string cannot be read as long" in out
    assert "problem(s)" in out


def test_check_on_a_missing_directory_is_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schemas", "check", "--dir", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0]
