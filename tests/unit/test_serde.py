"""Avro single-object encoding: every model round-trips through its schema; bad bytes fail
with poison-record errors; writer→reader resolution works across versions."""

from __future__ import annotations

import io
import json
import random
import shutil
import struct
from datetime import UTC, datetime
from pathlib import Path

import fastavro
import fastavro.schema
import pytest
from pydantic import ValidationError

from processors.models import (
    ALL_MODELS,
    Candidate,
    DependencyPlan,
    RawEvent,
    Record,
    Review,
    RoutedEvent,
    RoutingDecision,
    ScheduledTask,
    TaskObject,
)
from streams.codec.serde import HEADER_LEN, MARKER, SchemaStore, Serde, fingerprint
from streams.errors import DecodeError, ValidationFailedError, WrongRecordTypeError
from tests import samples

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def test_every_model_has_a_schema_and_a_sample(serde: Serde) -> None:
    types = {m.__avro_type__ for m in ALL_MODELS}
    assert types == set(serde.store.by_type)
    assert types == {s.__avro_type__ for s in samples.ALL}


@pytest.mark.parametrize("record", samples.ALL, ids=lambda r: type(r).__name__)
def test_round_trip_every_model(serde: Serde, record: Record) -> None:
    data = serde.encode(record)
    assert data[:2] == MARKER
    assert data[2:10] == serde.store.latest(record.__avro_type__).fingerprint
    assert serde.decode(data, type(record)) == record
    assert serde.decode_any(data) == record


def test_fingerprint_is_crc64_avro_little_endian(serde: Serde) -> None:
    for versions in serde.store.by_type.values():
        for sv in versions.values():
            expected = fastavro.schema.fingerprint(sv.canonical, "CRC-64-AVRO")
            assert sv.fingerprint.hex() == expected
            assert sv.fingerprint == fingerprint(sv.canonical)
    # the Avro reference implementations' CRC-64-AVRO of the schema "int", as a number
    assert struct.unpack("<Q", fingerprint('"int"'))[0] == 0x7275D51A3F395C8F


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage", MARKER + b"\x00" * 8 + b"body", MARKER + b"\x01"],
    ids=["empty", "garbage", "unknown-fingerprint", "short-header"],
)
def test_undecodable_bytes_are_decode_errors(serde: Serde, data: bytes) -> None:
    with pytest.raises(DecodeError):
        serde.decode(data, RawEvent)


def test_truncated_and_trailing_bodies_fail(serde: Serde) -> None:
    data = serde.encode(samples.RAW)
    with pytest.raises(DecodeError):
        serde.decode(data[:-5], RawEvent)
    with pytest.raises(DecodeError, match="trailing"):
        serde.decode(data + b"\x00", RawEvent)


def test_wrong_type_is_rejected(serde: Serde) -> None:
    with pytest.raises(WrongRecordTypeError, match="expected a raw_event"):
        serde.decode(serde.encode(samples.STATEFUL), RawEvent)


def test_schema_valid_but_model_invalid_is_a_validation_error(serde: Serde) -> None:
    sv = serde.store.latest("raw_event")
    fields = samples.RAW.model_dump()
    fields["source_event_id"] = ""  # Avro allows it, the model does not
    buf = io.BytesIO()
    buf.write(MARKER + sv.fingerprint)
    fastavro.schemaless_writer(buf, sv.schema, fields)
    with pytest.raises(ValidationFailedError, match="source_event_id"):
        serde.decode(buf.getvalue(), RawEvent)


def test_old_writer_resolves_to_new_reader(tmp_path: Path) -> None:
    """Data written with v1 reads with a v2 that adds a defaulted field, and back."""
    shutil.copytree(SCHEMAS / "task_object", tmp_path / "task_object")
    v2 = json.loads((SCHEMAS / "task_object" / "v3.avsc").read_text())
    v2["fields"].append({"name": "estimate_ms", "type": "long", "default": 0})
    (tmp_path / "task_object" / "v9.avsc").write_text(json.dumps(v2))
    old = Serde(SchemaStore.load(SCHEMAS))
    new = Serde(SchemaStore.load(tmp_path))
    data_v1 = old.encode(samples.STATEFUL)
    writer, fields = new.read_fields(data_v1)
    assert writer.version == 3
    assert fields["estimate_ms"] == 0
    assert TaskObject.model_validate({k: v for k, v in fields.items() if k != "estimate_ms"}) == (
        samples.STATEFUL
    )
    # forward: a v2 record read by a v1-only store fails cleanly (unknown fingerprint) ...
    sv2 = new.store.latest("task_object")
    buf = io.BytesIO()
    buf.write(MARKER + sv2.fingerprint)
    fastavro.schemaless_writer(buf, sv2.schema, {**samples.STATEFUL.model_dump(), "estimate_ms": 5})
    with pytest.raises(DecodeError, match="unknown schema fingerprint"):
        old.decode(buf.getvalue(), TaskObject)
    # ... and reads once the v1 reader knows the v2 writer schema (the new field is ignored).
    v1_reader = fastavro.schemaless_reader(
        io.BytesIO(buf.getvalue()[10:]), sv2.schema, old.store.latest("task_object").schema
    )
    assert "estimate_ms" not in v1_reader


def test_leading_fields_match_a_full_decode(serde: Serde) -> None:
    data = serde.encode(samples.STATEFUL)
    writer, ids = serde.leading_fields(data, ("task_id", "source_event_id"))
    assert writer.type_name == "task_object" and ids == ["task-1", "evt-1"]
    _, first = serde.leading_fields(serde.encode(samples.RAW), ("source_event_id",))
    assert first == ["evt-1"]
    # a long, an enum, names in any order
    _, got = serde.leading_fields(serde.encode(samples.COMMIT), ("outcome", "version", "task_id"))
    assert got == [samples.COMMIT.outcome, samples.COMMIT.version, samples.COMMIT.task_id]
    # a field after a record (the commit's patch) falls back to a full decode
    _, via_full = serde.leading_fields(serde.encode(samples.COMMIT), ("task_id", "message"))
    assert via_full == [samples.COMMIT.task_id, samples.COMMIT.message]
    with pytest.raises(DecodeError):
        serde.leading_fields(data[:14], ("task_id", "source_event_id"))
    with pytest.raises(DecodeError, match="a task_object record has no field 'outcome'"):
        serde.leading_fields(data, ("task_id", "outcome"))


@pytest.mark.parametrize("record", samples.ALL, ids=lambda r: type(r).__name__)
def test_leading_fields_read_every_field_as_a_full_decode_does(
    serde: Serde, record: Record
) -> None:
    data = serde.encode(record)
    writer, fields = serde.read_fields(data)
    names = tuple(f["name"] for f in writer.schema["fields"])
    for end in range(1, len(names) + 1):
        wanted = names[:end][::-1]  # every prefix, read backwards
        assert serde.leading_fields(data, wanted)[1] == [fields[n] for n in wanted], wanted
    # every byte string cut short is an error, never a wrong value
    reads = names[:3]
    for cut in range(HEADER_LEN, len(data)):
        try:
            got = serde.leading_fields(data[:cut], reads)[1]
        except DecodeError:
            continue
        assert got == [fields[n] for n in reads]


def test_leading_fields_refuse_a_long_beyond_64_bits(serde: Serde) -> None:
    data = serde.encode(samples.COMMIT)
    _, fields = serde.read_fields(data)
    # commit_id, project_id (strings), then version: a varint of ten bytes
    start = HEADER_LEN
    for _ in range(2):
        start += 1 + data[start] // 2  # one-byte length prefixes here
    for varint, value in ((b"\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 2**63 - 1),):
        ok = data[:start] + varint + data[start + 1 :]
        assert serde.leading_fields(ok, ("version",))[1] == [value]
    for varint in (b"\xff" * 9 + b"\x7f", b"\x80" * 9 + b"\x02", b"\x80" * 10 + b"\x01"):
        with pytest.raises(DecodeError, match="varint too long"):
            serde.leading_fields(data[:start] + varint + data[start + 1 :], ("version",))
    assert fields["version"] == samples.COMMIT.version


def test_leading_fields_decode_whole_when_the_latest_schema_reads_a_field_otherwise(
    tmp_path: Path,
) -> None:
    """A dropped enum symbol, an int read as a double, a renamed field: a full decode."""

    def thing(fields: list[dict[str, object]]) -> str:
        return json.dumps({"type": "record", "name": "Thing", "namespace": "t", "fields": fields})

    kind = {"type": "enum", "name": "S", "symbols": ["ok", "gone"]}
    (tmp_path / "thing").mkdir()
    (tmp_path / "thing" / "v1.avsc").write_text(
        thing(
            [
                {"name": "status", "type": kind},
                {"name": "n", "type": "int"},
                {"name": "task_id", "type": "string"},
            ]
        )
    )
    (tmp_path / "thing" / "v2.avsc").write_text(
        thing(
            [
                {"name": "status", "type": {**kind, "symbols": ["ok", "new"], "default": "ok"}},
                {"name": "n", "type": "double"},
                {"name": "task", "type": "string", "aliases": ["task_id"]},
            ]
        )
    )
    serde = Serde(SchemaStore.load(tmp_path))
    v1 = serde.store.by_type["thing"][1]
    buf = io.BytesIO()
    buf.write(MARKER + v1.fingerprint)
    fastavro.schemaless_writer(buf, v1.schema, {"status": "gone", "n": 3, "task_id": "t-1"})
    data = buf.getvalue()
    assert serde.leading_fields(data, ("status", "n"))[1] == ["ok", 3.0]
    assert type(serde.leading_fields(data, ("n",))[1][0]) is float
    with pytest.raises(DecodeError, match="no field 'task_id'"):
        serde.leading_fields(data, ("task_id",))


def test_leading_fields_of_a_nullable_and_of_an_older_version(serde: Serde) -> None:
    # project_id is a union of null and a string: both branches
    for project in ("apollo", None):
        data = serde.encode(samples.RESULT.model_copy(update={"project_id": project}))
        assert serde.leading_fields(data, ("project_id", "task_id"))[1] == [project, "task-1"]
    # written with v1, which has no hash_version: resolution gives its default
    old = serde.store.by_type["ssot_commit"][1]
    buf = io.BytesIO()
    buf.write(MARKER + old.fingerprint)
    fields = samples.COMMIT.model_dump()
    del fields["hash_version"]
    fastavro.schemaless_writer(buf, old.schema, fields)
    wanted = ("outcome", "hash_version")
    assert serde.leading_fields(buf.getvalue(), wanted)[1] == [samples.COMMIT.outcome, 1]


NESTING = [r for r in samples.ALL if isinstance(r, ScheduledTask | RoutedEvent)]


@pytest.mark.parametrize("record", NESTING, ids=lambda r: type(r).__name__)
def test_a_record_encoded_around_its_first_records_bytes_is_the_same(
    serde: Serde, record: ScheduledTask | RoutedEvent
) -> None:
    first = serde.encode(record.task if isinstance(record, ScheduledTask) else record.event)
    assert serde.encode_around(record, first) == serde.encode(record)
    assert serde.decode(serde.encode_around(record, first), type(record)) == record
    assert serde.encode_around(record, first) == Serde(serde.store, fast=False).encode_around(
        record, first
    )  # cavro writes the other fields as fastavro does
    assert serde._splices[record.__avro_type__].fast_rest is not None  # (and it did)
    # bytes that are not that record's encoding are never spliced in
    assert serde.encode_around(record, b"\xc3\x01" + b"\0" * 8) == serde.encode(record)


REVIEWED = samples.STATEFUL.model_copy(
    update={
        "routing": RoutingDecision(
            domain_id="ops",
            project_id="apollo",
            routing_confidence=0.9,
            top_candidates=[Candidate(project_id="apollo", score=0.9)],
            router_version="r1",
        ),
        "review": Review(outcome="approve", triggers=["policy"], reviewer="policy-v1"),
        "dependencies": DependencyPlan(
            ordering=["a"], preconditions=[], constraints=["c"], rollback_hints=[]
        ),
    }
)


@pytest.mark.parametrize("record", [*samples.ALL, REVIEWED], ids=lambda r: type(r).__name__)
def test_naming_the_union_branches_writes_the_same_bytes(serde: Serde, record: Record) -> None:
    sv = serde.store.latest(record.__avro_type__)
    plain = io.BytesIO()
    fastavro.schemaless_writer(plain, sv.schema, record.model_dump())
    assert serde.encode(record) == MARKER + sv.fingerprint + plain.getvalue()
    assert serde.decode(serde.encode(record), type(record)) == record


def test_a_first_record_of_another_version_is_encoded_again(tmp_path: Path) -> None:
    """A task written with an older schema than the one ScheduledTask nests: encoded whole."""
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    old_task = tmp_path / "schemas" / "task_object" / "v3.avsc"
    newer = json.loads(old_task.read_text())
    newer["fields"].append({"name": "estimate_ms", "type": "long", "default": 0})
    (tmp_path / "schemas" / "task_object" / "v9.avsc").write_text(json.dumps(newer))
    serde = Serde(SchemaStore.load(tmp_path / "schemas"))
    scheduled = next(r for r in samples.ALL if isinstance(r, ScheduledTask))
    # task_object's latest is now v9, which scheduled_task does not nest: no splice
    first = serde.encode(scheduled.task)
    assert serde.encode_around(scheduled, first) == serde.encode(scheduled)
    older = Serde(SchemaStore.load(SCHEMAS)).encode(scheduled.task)
    assert serde.encode_around(scheduled, older) == serde.encode(scheduled)


_EDGES = [
    samples.RAW.model_copy(update={"text": "ünïcode ✓ 𝄞 \x00 \u2028", "metadata": {}}),
    samples.RESULT.model_copy(update={"fencing_token": 2**63 - 1, "error": None}),
    samples.COMMIT.model_copy(update={"version": 0, "message": "", "patch": []}),
]


@pytest.mark.parametrize(
    "record", [*samples.ALL, REVIEWED, *_EDGES], ids=lambda r: type(r).__name__
)
def test_the_fast_codec_reads_and_writes_as_fastavro_does(serde: Serde, record: Record) -> None:
    reference = Serde(serde.store, fast=False)
    data = reference.encode(record)
    assert serde.encode(record) == data
    assert serde.read_fields(data) == reference.read_fields(data)
    latest = serde.store.latest(record.__avro_type__)
    assert serde._fast_of(latest) is not None  # (the fast codec was the one used)
    assert serde._fast_of(latest, reading=True) is not None


def _outcome(codec: Serde, data: bytes) -> object:
    try:
        return codec.read_fields(data)[1]
    except DecodeError:
        return DecodeError


@pytest.mark.parametrize("record", samples.ALL, ids=lambda r: type(r).__name__)
def test_the_fast_codec_refuses_what_fastavro_refuses(serde: Serde, record: Record) -> None:
    reference, rng = Serde(serde.store, fast=False), random.Random(7)
    data = serde.encode(record)
    for n in range(400):
        body = bytearray(data)
        for _ in range(1 + n % 3):  # one to three bytes of the body changed, or cut, or added
            body[rng.randrange(HEADER_LEN, len(body))] = rng.randrange(256)
        corrupt = [bytes(body), bytes(body[: rng.randrange(HEADER_LEN, len(body))])]
        corrupt.append(bytes(body) + bytes([rng.randrange(256)]))
        for case in corrupt:
            assert _outcome(serde, case) == _outcome(reference, case), case.hex()


@pytest.mark.parametrize(
    "instant",
    [
        datetime(2038, 8, 27, 11, 59, 25, 101000, tzinfo=UTC),  # 2**31 s: a float's rounding
        datetime(1970, 1, 1, 0, 0, 8, 46000, tzinfo=UTC),
        datetime(2004, 1, 10, 13, 37, 4, 999000, tzinfo=UTC),
        datetime(9998, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
    ],
)
def test_the_fast_codec_writes_every_millisecond_as_fastavro(
    serde: Serde, instant: datetime
) -> None:
    reference = Serde(serde.store, fast=False)
    for record in (
        samples.RAW.model_copy(update={"occurred_at": instant}),
        samples.COMMIT.model_copy(update={"occurred_at": instant, "committed_at": instant}),
    ):
        data = serde.encode(record)
        assert data == reference.encode(record)
        assert serde.decode(data, type(record)) == record


def _zigzag(n: int) -> bytes:
    n, out = (n << 1) ^ (n >> 63), bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        if not n:
            return bytes(out + bytes([low]))
        out.append(low | 0x80)


def test_a_map_written_in_blocks_of_negative_count_is_read(serde: Serde) -> None:
    # valid Avro that another writer may produce (Java's BlockingBinaryEncoder): a block's
    # count negated, followed by its size in bytes. cavro refuses it; fastavro reads it
    def text(s: str) -> bytes:
        return _zigzag(len(s.encode())) + s.encode()

    pair = text("lang") + text("fr")
    head = [text("e1"), text("s1"), _zigzag(1), _zigzag(0), text("hi"), _zigzag(1_700_000_000_000)]
    metadata = [_zigzag(-1), _zigzag(len(pair)), pair, _zigzag(0)]  # one block of -1 pairs
    body = b"".join([*head, *metadata, _zigzag(0) * 4])
    data = MARKER + serde.store.latest("raw_event").fingerprint + body
    assert serde.decode(data, RawEvent).metadata == {"lang": "fr"}


def test_an_int_beyond_32_bits_is_refused_before_it_is_written() -> None:
    # a value Avro's "int" cannot carry (fastavro would write it; a reader may wrap it)
    with pytest.raises(ValidationError):
        TaskObject.model_validate({**samples.STATEFUL.model_dump(), "priority": 3_000_000_000})


def test_an_int_beyond_32_bits_from_another_writer_is_read_whole_and_refused(
    serde: Serde,
) -> None:
    # fastavro writes what Avro's "int" cannot carry; cavro's int reader would wrap it to a
    # valid-looking 5 (ints are read as longs, the same bytes): refused alike by both paths
    wide = ScheduledTask.model_construct(**{**samples.SCHEDULED.__dict__, "priority": 2**32 + 5})
    data = Serde(serde.store, fast=False).encode(wide)
    assert serde.read_fields(data)[1]["priority"] == 2**32 + 5
    for codec in (serde, Serde(serde.store, fast=False)):
        with pytest.raises(ValidationFailedError, match="priority"):
            codec.decode(data, ScheduledTask)
