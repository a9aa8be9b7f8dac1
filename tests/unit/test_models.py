"""Records built without validation (``models.trusted``) equal the validated ones, exactly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from processors import former, models, router
from processors.completer import plan_commit
from processors.executor import Executor, Snapshot
from processors.models import PatchOp, RawEvent, millis
from processors.scheduler import schedule
from processors.ssot import Head
from streams.codec.serde import SchemaStore, Serde
from tests.unit.test_processors import FORMER, ROUTER, event


def _same(built: Any, validated: Any, where: str) -> None:
    """Equal down to types, field order and field set, as the serialized form is."""
    assert type(built) is type(validated), where
    if isinstance(built, BaseModel):
        assert list(built.__dict__) == list(validated.__dict__), where
        assert built.model_fields_set == validated.model_fields_set, where
        assert built.__pydantic_extra__ == validated.__pydantic_extra__, where
        assert built.__pydantic_private__ == validated.__pydantic_private__, where
        assert built.model_dump_json() == validated.model_dump_json(), where
        for name, value in built.__dict__.items():
            _same(value, validated.__dict__[name], f"{where}.{name}")
    elif isinstance(built, dict):
        assert list(built) == list(validated), where
        for key, value in built.items():
            _same(value, validated[key], f"{where}[{key!r}]")
    elif isinstance(built, list):
        assert len(built) == len(validated), where
        for n, (a, b) in enumerate(zip(built, validated, strict=True)):
            _same(a, b, f"{where}[{n}]")
    else:
        assert built == validated and repr(built) == repr(validated), where


_PROPOSAL: list[dict[str, Any]] = [
    {"op": "add", "path": "/front_door", "value": {"state": "locked", "at": [2, 1]}},
    {"op": "move", "from": "/front_door", "path": "/back_door"},
    {"op": "remove", "path": "/alarm"},
]
CASES: list[tuple[str, dict[str, Any]]] = [
    ("Set the Kids Room to 19.5 degrees", {}),  # stateful, patch ready
    ("what is the atlas warehouse inventory?", {}),  # ephemeral
    ("thanks!", {}),  # no task
    ("set the temperature", {}),  # clarification: missing slot
    ("book me a table somewhere nice", {}),  # clarification: no project
    ("raise it a bit", {"project_hint": "helios"}),
    ("lock the front door and arm the alarm", {"metadata": {"depends_on": "e0, e9, evt-1"}}),
    (
        "apply this",
        {
            "kind": "model_proposal",
            "project_hint": "home",
            "proposal": [PatchOp.from_rfc(op) for op in _PROPOSAL],
        },
    ),
    ("mets la lumière du salon à 40%", {"channel": "voice", "asr_confidence": 0.8}),
]
# the caller's clock, not UTC and with microseconds: what validation keeps is UTC milliseconds
NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
STORE = SchemaStore.load()


@pytest.mark.parametrize(("text", "kw"), CASES)
def test_trusted_records_equal_validated_ones(
    text: str, kw: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    trusted = models.trusted

    def checked(cls: type[BaseModel], values: dict[str, Any]) -> BaseModel:
        record = trusted(cls, dict(values))
        _same(record, cls(**values), cls.__name__)
        built.append(cls.__name__)
        return record

    for module in (models, router, former):  # models: PatchOp.from_rfc
        monkeypatch.setattr(module, "trusted", checked)
    formation = FORMER.form(ROUTER.route(event(text, **kw), NOW), NOW)
    assert "RoutedEvent" in built
    assert ("TaskObject" in built) == (formation.task is not None)
    assert ("Reply" in built) == (formation.reply is not None)
    assert ("PatchOp" in built) == bool(formation.task and formation.task.patch)


def test_trusted_fills_defaults_and_factories() -> None:
    values = {
        "source_event_id": "e",
        "session_id": "s",
        "channel": "chat",
        "kind": "user_action",
        "text": "t",
        "occurred_at": datetime(2026, 1, 1, tzinfo=UTC),
    }
    a, b = models.trusted(RawEvent, values), models.trusted(RawEvent, values)
    _same(a, RawEvent(**values), "RawEvent")
    assert a.metadata is not b.metadata  # a fresh default per record


def _reference_millis(value: datetime) -> datetime:
    """``millis`` without its shortcut for values already in UTC milliseconds."""
    if value.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    value = value.astimezone(UTC)
    if not datetime(1970, 1, 1, tzinfo=UTC) <= value < datetime(9999, 12, 31, tzinfo=UTC):
        raise ValueError("timestamp out of range 1970..9999")
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


class _Stamp(datetime):
    pass


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 1, 1, 8, 0, 0, 123000, tzinfo=UTC),
        datetime(2026, 1, 1, 8, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(0), "Z")),
        RawEvent.model_validate_json(
            '{"source_event_id": "e", "session_id": "s", "channel": "chat", '
            '"kind": "user_action", "text": "t", "occurred_at": "2026-01-01T08:00:00.5Z"}'
        ).occurred_at,
        _Stamp(2026, 1, 1, 8, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC),
        datetime(9999, 12, 31, tzinfo=UTC),
        datetime(2026, 1, 1),
    ],
)
def test_millis_keeps_what_it_used_to(value: datetime) -> None:
    try:
        expected = _reference_millis(value)
    except ValueError as exc:
        with pytest.raises(ValueError, match=str(exc)):
            millis(value)
        return
    got = millis(value)
    assert (type(got), got, got.tzinfo, got.fold) == (
        type(expected),
        expected,
        expected.tzinfo,
        expected.fold,
    )


@pytest.mark.parametrize(
    "op",
    [
        {"op": "add", "path": "/a", "value": {"z": 1, "a": [True, None, 1.5, "é"]}},
        {"op": "replace", "path": "/a", "value": "x"},
        {"op": "move", "from": "/a", "path": "/b"},
        {"op": "remove", "path": "/ümlaut"},
        {"op": "remove", "path": "/a\ud800"},
        {"op": "frobnicate", "path": "/a"},
        {"op": "add", "path": "/" + "x" * 1024, "value": 1},
        {"op": "copy", "from": 7, "path": "/b"},
        {"op": ["add"], "path": "/a"},
        {"op": "add", "path": "/a", "value": 1, "extra": 2},
        {"path": "/a"},
    ],
)
def test_patch_op_from_rfc_is_the_validated_construction(op: dict[str, Any]) -> None:
    def validated() -> PatchOp:
        members = set(op) - {"op", "path", "from", "value"}
        if members:
            raise ValueError(f"unknown patch member(s): {sorted(members)}")
        if not {"op", "path"} <= set(op):
            raise ValueError("patch operation without")
        value_json = json.dumps(op["value"], sort_keys=True) if "value" in op else None
        return PatchOp(
            op=op["op"], path=op["path"], from_path=op.get("from"), value_json=value_json
        )

    try:
        expected = validated()
    except (ValueError, ValidationError) as exc:
        with pytest.raises(type(exc)):
            PatchOp.from_rfc(op)
        return
    _same(PatchOp.from_rfc(op), expected, "PatchOp")


@pytest.mark.parametrize("value_json", ["{bad", "[1,", "", "tru"])
def test_a_proposal_whose_value_is_not_json_is_refused_at_the_edge(value_json: str) -> None:
    op = PatchOp(op="add", path="/a", value_json=value_json)
    with pytest.raises(ValidationError, match="proposal op 1: value_json is not JSON text"):
        event("apply", kind="model_proposal", proposal=[PatchOp.from_rfc(_PROPOSAL[0]), op])
    assert event("apply", kind="model_proposal", proposal=[PatchOp.from_rfc(_PROPOSAL[0])])


def _through_the_pipeline(text: str, kw: dict[str, Any]) -> list[models.Record]:
    """The records the stages write for one event: routed, formed, scheduled, executed,
    committed (and the reply, if any)."""
    routed = ROUTER.route(event(text, **kw), NOW)
    formation = FORMER.form(routed, NOW)
    out: list[models.Record] = [routed, *([formation.reply] if formation.reply else [])]
    if formation.task is not None:
        scheduled = schedule(formation.task, snapshot_version=0, now=NOW)
        project = formation.task.project_id or "apollo"
        result = Executor("x").execute(scheduled, Snapshot(project, 0, {}))
        commit, _ = plan_commit(result, Head.genesis(project), changed_paths=set(), now=NOW)
        out += [formation.task, scheduled, result, commit]
    return out


@pytest.mark.parametrize(("text", "kw"), CASES)
def test_the_fast_codec_writes_and_reads_the_pipelines_records_as_fastavro(
    text: str, kw: dict[str, Any]
) -> None:
    fast, reference = Serde(STORE), Serde(STORE, fast=False)
    for record in _through_the_pipeline(text, kw):
        data = reference.encode(record)
        assert fast.encode(record) == data, type(record).__name__
        assert fast.read_fields(data) == reference.read_fields(data), type(record).__name__
        assert fast.decode(data, type(record)) == record
