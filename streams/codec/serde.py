"""Avro single-object encoding with writer→reader schema resolution by fingerprint.

Wire format (Avro spec, "Single object encoding"): ``C3 01``, the 8-byte little-endian
CRC-64-AVRO (Rabin) fingerprint of the writer schema's canonical form, then the Avro body.
The reader looks the fingerprint up in the schema store (every version of every type under
``schemas/``) and resolves the writer schema to the latest version of the expected type.

>>> serde = Serde(SchemaStore.load())                         # doctest: +SKIP
>>> data = serde.encode(event)                                 # doctest: +SKIP
>>> serde.decode(data, RawEvent) == event                      # doctest: +SKIP
True
"""

from __future__ import annotations

import dataclasses
import io
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

import cavro
import fastavro
import fastavro.schema
from pydantic import ValidationError

from processors.models import MODELS_BY_TYPE, Record
from streams.errors import (
    ConfigurationError,
    DecodeError,
    ValidationFailedError,
    WrongRecordTypeError,
)

MARKER = b"\xc3\x01"
HEADER_LEN = 10
R = TypeVar("R", bound=Record)


def fingerprint(canonical: str) -> bytes:
    """The 8 fingerprint bytes of a schema's parsing canonical form: CRC-64-AVRO, little endian.

    >>> fingerprint('"int"').hex()
    '8f5c393f1ad57572'
    """
    return bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))


@dataclass(frozen=True)
class SchemaVersion:
    """One ``schemas/<type>/v<N>.avsc`` file, parsed."""

    type_name: str
    version: int
    schema: dict[str, Any]
    canonical: str
    fingerprint: bytes
    source: str = dataclasses.field(default="", compare=False, repr=False)  # the file's text


def _schema_files(root: Path | None) -> list[tuple[str, int, str]]:
    found: list[tuple[str, int, str]] = []
    if root is not None and not root.is_dir():
        raise ConfigurationError(f"schema directory {root} does not exist")
    base: Any = root if root is not None else resources.files("schemas")
    for type_dir in base.iterdir():
        if not type_dir.is_dir() or type_dir.name.startswith(("_", ".")):
            continue
        for file in type_dir.iterdir():
            name = file.name
            if name.startswith("v") and name.endswith(".avsc") and name[1:-5].isdigit():
                found.append((type_dir.name, int(name[1:-5]), file.read_text()))
    return found


def parse_version(type_name: str, version: int, text: str) -> SchemaVersion:
    """Parse one schema file's text."""
    raw = json.loads(text)
    # parsed once, with fastavro's "parsed" hint: without it every read and write re-parses
    # the schema (2.5x the cost of a small record's decode)
    parsed = fastavro.parse_schema(raw)
    if not isinstance(parsed, dict):
        raise ValueError(f"{type_name} v{version}: a record schema must be a JSON object")
    canonical = fastavro.schema.to_parsing_canonical_form(parsed)
    return SchemaVersion(type_name, version, parsed, canonical, fingerprint(canonical), text)


class SchemaStore:
    """Every version of every record type, indexed by type and by fingerprint."""

    def __init__(self, versions: list[SchemaVersion]) -> None:
        self.by_type: dict[str, dict[int, SchemaVersion]] = {}
        self.by_fingerprint: dict[bytes, SchemaVersion] = {}
        for v in sorted(versions, key=lambda v: (v.type_name, v.version)):
            self.by_type.setdefault(v.type_name, {})[v.version] = v
            self.by_fingerprint[v.fingerprint] = v

    @classmethod
    def load(cls, root: Path | None = None) -> SchemaStore:
        """Load ``root`` (default: the schemas shipped with Taskline)."""
        return cls([parse_version(t, n, text) for t, n, text in _schema_files(root)])

    def latest(self, type_name: str) -> SchemaVersion:
        """The newest version of a type: what this code writes and reads into."""
        versions = self.by_type.get(type_name)
        if not versions:
            raise KeyError(f"no schema for record type {type_name!r}")
        return versions[max(versions)]


@dataclass(frozen=True)
class _Splice:
    """How a type whose first field is another stored record type is encoded around that
    field's bytes: the nested type's fingerprint and the schema of the other fields."""

    field: str
    fingerprint: bytes
    rest: dict[str, Any]
    fast_rest: Any = None  # cavro's schema of the other fields (None: fastavro's is used)


def _splice(store: SchemaStore, sv: SchemaVersion) -> _Splice | None:
    fields = sv.schema.get("fields") or []
    nested = fields[0].get("type") if fields else None
    if not isinstance(nested, dict) or nested.get("type") != "record":
        return None
    name = str(nested.get("name", "")).rpartition(".")[2]
    for versions in store.by_type.values():
        inner = versions[max(versions)]
        if str(inner.schema.get("name", "")).rpartition(".")[2] != name:
            continue
        if fastavro.schema.to_parsing_canonical_form(nested) != inner.canonical:
            return None  # it nests another version than the one written now
        named: dict[str, Any] = {}
        fastavro.parse_schema(sv.schema, named)
        rest = {"type": "record", "name": f"{sv.schema['name']}Rest", "fields": fields[1:]}
        parsed = fastavro.parse_schema(rest, named)
        return _Splice(
            fields[0]["name"], inner.fingerprint, cast(dict[str, Any], parsed), _fast_rest(sv)
        )
    return None


def _tagged_unions(schema: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The top-level fields that are a union of null and one record, array or map, each
    with the name fastavro knows that branch by."""
    found = []
    for field in schema.get("fields") or []:
        kind = field["type"]
        if not isinstance(kind, list):
            continue
        branches = [b for b in kind if b != "null"]
        if len(branches) != 1:
            continue
        branch = branches[0]
        if isinstance(branch, str):  # a named type defined earlier
            if branch not in _PRIMITIVES:
                found.append((field["name"], branch))
        elif branch.get("type") == "record":
            found.append((field["name"], str(branch["name"])))
        elif branch.get("type") in ("array", "map"):
            found.append((field["name"], str(branch["type"])))
    return tuple(found)


_PRIMITIVES = frozenset(("null", "boolean", "int", "long", "float", "double", "bytes", "string"))


# cavro (a Cython Avro codec) reads and writes a record of the version this code writes at
# about twice fastavro's speed, to the same values and bytes (tests/unit/test_serde.py checks
# both codecs against each other); fastavro stays the reference: it parses the schemas, takes
# the canonical form and the fingerprint, resolves older writers and encodes what cavro
# refuses, so that its errors are the ones reported
_FAST_OPTIONS = cavro.Options(
    record_decodes_to_dict=True,
    record_can_encode_dict=True,
    # integer arithmetic for timestamp-millis, as fastavro: the default goes through a float
    # and writes some instants a millisecond early (about a quarter of those in 2038)
    alternate_timestamp_millis_encoding=True,
)
# read after a record: it raises EOFError exactly when the record ended the body
_ONE_BYTE = cavro.Schema('{"type": "fixed", "name": "taskline.Byte", "size": 1}')


def _fast_rest(sv: SchemaVersion) -> Any:
    """cavro's schema of ``sv``'s fields after the first (None: that codec cannot take it)."""
    if not sv.source:
        return None
    raw = json.loads(sv.source)
    return _cavro({**raw, "name": f"{raw['name']}Rest", "fields": raw["fields"][1:]})


def _fast_schema(sv: SchemaVersion, *, reading: bool = False) -> Any:
    """cavro's schema of ``sv`` (None: that codec cannot take it, fastavro is used); for
    ``reading``, with every ``int`` read as a ``long`` (the same bytes): cavro's int reader
    wraps a value beyond 32 bits that another writer wrote (fastavro writes one), where
    fastavro reads it whole and validation then refuses it."""
    if not sv.source:
        return None
    raw = json.loads(sv.source)
    return _cavro(_ints_as_longs(raw) if reading else raw)


def _cavro(schema: dict[str, Any]) -> Any:
    try:
        return cavro.Schema(json.dumps(schema), options=_FAST_OPTIONS)
    except Exception:  # a schema fastavro takes and cavro does not (a type the first field
        return None  # defines, for the rest of a spliced record): fastavro's path


def _ints_as_longs(schema: Any) -> Any:
    if schema == "int":
        return "long"
    if isinstance(schema, list):
        return [_ints_as_longs(s) for s in schema]
    if isinstance(schema, dict):
        if schema.get("type") == "int" and "logicalType" not in schema:
            return {**schema, "type": "long"}
        return {
            k: (_ints_as_longs(v) if k in ("type", "items", "values", "fields") else v)
            for k, v in schema.items()
        }
    return schema


class Serde:
    """Encodes models to single-object Avro and decodes any known version back to models."""

    def __init__(self, store: SchemaStore, *, fast: bool = True) -> None:
        """``fast=False``: fastavro alone (the reference the fast path is held to)."""
        self.store = store
        self.fast = fast
        self._splices: dict[str, _Splice | None] = {}
        self._tagged: dict[bytes, tuple[tuple[str, str], ...]] = {}
        self._leading: dict[tuple[bytes, tuple[str, ...]], tuple[_Step, ...]] = {}
        # (fingerprint, reading) → cavro's schema, or None
        self._fast: dict[tuple[bytes, bool], Any] = {}

    def _fast_of(self, sv: SchemaVersion, *, reading: bool = False) -> Any:
        key = (sv.fingerprint, reading)
        try:
            return self._fast[key]
        except KeyError:
            found = self._fast[key] = _fast_schema(sv, reading=reading) if self.fast else None
            return found

    def encode(self, record: Record) -> bytes:
        """Encode with the latest schema of the record's type."""
        sv = self.store.latest(record.__avro_type__)
        fields = record.model_dump()
        fast = self._fast_of(sv)
        if fast is not None:
            try:
                return MARKER + sv.fingerprint + bytes(fast.binary_encode(fields))
            except Exception:  # fastavro encodes it, or says why it cannot
                pass
        buf = io.BytesIO()
        buf.write(MARKER)
        buf.write(sv.fingerprint)
        tagged = self._tagged.get(sv.fingerprint)
        if tagged is None:
            tagged = self._tagged[sv.fingerprint] = _tagged_unions(sv.schema)
        for name, branch in tagged:
            value = fields.get(name)
            if value is not None:
                # fastavro's "tuple notation" names the union's branch: without it the writer
                # validates the value against each branch (a whole list of records) to choose
                fields[name] = (branch, value)
        fastavro.schemaless_writer(buf, sv.schema, fields)
        return buf.getvalue()

    def encode_around(self, record: Record, first: bytes) -> bytes:
        """:meth:`encode` of a record whose first field is a record at hand as it arrived
        (``first``, its single-object encoding: a ``ScheduledTask``'s ``TaskObject`` from
        ``formed``): its bytes are copied, not encoded again. Encodes whole when ``first``
        was written with another schema than the one the record nests.

        The caller vouches that ``first`` encodes that field's value. The result decodes to
        the same record as :meth:`encode`'s, and is the same bytes when ``first`` was
        written as this codec writes (a test checks it); another valid encoding of the
        nested record (a map in two blocks, say) is carried as it came.
        """
        sv = self.store.latest(record.__avro_type__)
        if sv.type_name not in self._splices:
            self._splices[sv.type_name] = _splice(self.store, sv)
        splice = self._splices[sv.type_name]
        if splice is None or first[2:HEADER_LEN] != splice.fingerprint or first[:2] != MARKER:
            return self.encode(record)
        rest = record.model_dump(exclude={splice.field})
        if splice.fast_rest is not None and self.fast:
            try:
                written = bytes(splice.fast_rest.binary_encode(rest))
            except Exception:  # fastavro encodes it, or says why it cannot
                pass
            else:
                return b"".join((MARKER, sv.fingerprint, memoryview(first)[HEADER_LEN:], written))
        buf = io.BytesIO()
        buf.write(MARKER)
        buf.write(sv.fingerprint)
        buf.write(memoryview(first)[HEADER_LEN:])
        fastavro.schemaless_writer(buf, splice.rest, rest)
        return buf.getvalue()

    def writer_of(self, data: bytes) -> SchemaVersion:
        """The writer schema named by a record's header; :class:`DecodeError` if unknown."""
        if len(data) < HEADER_LEN or data[:2] != MARKER:
            raise DecodeError("not Avro single-object encoding (missing C3 01 marker)")
        writer = self.store.by_fingerprint.get(data[2:HEADER_LEN])
        if writer is None:
            raise DecodeError(f"unknown schema fingerprint {data[2:HEADER_LEN].hex()}")
        return writer

    def decode_any(self, data: bytes) -> Record:
        """Decode a record of any known type into its current model."""
        writer = self.writer_of(data)
        return self._decode(data, writer, MODELS_BY_TYPE[writer.type_name])

    def decode(self, data: bytes, model: type[R]) -> R:
        """Decode a record that must be of ``model``'s type.

        Raises :class:`DecodeError`, :class:`WrongRecordTypeError` or
        :class:`ValidationFailedError`, all poison-record errors.
        """
        writer = self.writer_of(data)
        if writer.type_name != model.__avro_type__:
            raise WrongRecordTypeError(
                f"expected a {model.__avro_type__} record, got {writer.type_name} v{writer.version}"
            )
        return self._decode(data, writer, model)

    def read_fields(self, data: bytes) -> tuple[SchemaVersion, dict[str, Any]]:
        """The writer schema and the record's fields, resolved to the type's latest schema."""
        writer = self.writer_of(data)
        reader = self.store.latest(writer.type_name)
        fast = self._fast_of(writer, reading=True) if writer is reader else None
        if fast is not None:
            read = _fast_read(fast, data)
            if read is not None:
                return writer, read
        body = io.BytesIO(data)
        body.seek(HEADER_LEN)
        try:
            # the writer's own schema needs no resolution (and no comparison of the two)
            resolve = None if writer is reader else reader.schema
            fields = fastavro.schemaless_reader(body, writer.schema, resolve)
        except Exception as exc:  # fastavro raises many types for corrupt bodies
            raise DecodeError(f"corrupt Avro body: {type(exc).__name__}: {exc}") from exc
        if body.tell() != len(data):
            raise DecodeError(f"{len(data) - body.tell()} trailing bytes after the Avro body")
        if not isinstance(fields, dict):
            raise DecodeError("Avro body is not a record")
        return writer, fields

    def leading_fields(
        self, data: bytes, names: tuple[str, ...]
    ) -> tuple[SchemaVersion, list[Any]]:
        """Some fields of a record, read up to the last of them without decoding the rest
        (the scheduler reads three of a commit's fields, audits only ids), as a full decode
        gives them. Falls back to a full decode when a field before them is not a plain
        string, long, int, boolean or enum (or a union of null and one of those), or when
        the writer's schema lacks one of them (an older version: resolution fills it in).

        The fields after the last one named are not read, so not checked either.

        >>> serde.leading_fields(data, ("task_id", "outcome"))     # doctest: +SKIP
        (SchemaVersion(type_name='ssot_commit', ...), ['task-1', 'succeeded'])
        """
        writer = self.writer_of(data)
        key = (writer.fingerprint, names)
        plan = self._leading.get(key)
        if plan is None:
            latest = self.store.latest(writer.type_name)
            plan = self._leading[key] = _leading_plan(writer.schema, latest.schema, names)
        if not plan:
            _, decoded = self.read_fields(data)
            missing = [n for n in names if n not in decoded]
            if missing:
                raise DecodeError(f"a {writer.type_name} record has no field {missing[0]!r}")
            return writer, [decoded[n] for n in names]
        found: dict[str, Any] = {}
        pos = HEADER_LEN
        try:
            for name, nullable, kind in plan:
                value: Any = None
                if nullable:
                    branch, pos = _zigzag_varint(data, pos)
                    if branch not in (0, 1):
                        raise DecodeError(f"{name}: union branch {branch} out of range")
                    if branch == nullable - 1:  # the null branch
                        found[name] = None
                        continue
                if kind == "string":
                    length, pos = _zigzag_varint(data, pos)
                    if length < 0 or pos + length > len(data):
                        raise DecodeError("string runs past the end of the record")
                    value = data[pos : pos + length].decode("utf-8")
                    pos += length
                elif kind == "boolean":
                    if data[pos] > 1:
                        raise DecodeError(f"{name}: boolean byte {data[pos]}")
                    value, pos = data[pos] == 1, pos + 1
                elif kind == "number":
                    value, pos = _zigzag_varint(data, pos)
                else:  # an enum's symbols
                    index, pos = _zigzag_varint(data, pos)
                    if not 0 <= index < len(kind):
                        raise DecodeError(f"{name}: enum index {index} out of range")
                    value = kind[index]
                found[name] = value
        except (IndexError, UnicodeDecodeError) as exc:
            raise DecodeError(f"corrupt Avro body: {exc}") from exc
        return writer, [found[n] for n in names]

    def _decode(self, data: bytes, writer: SchemaVersion, model: type[R]) -> R:
        _, fields = self.read_fields(data)
        try:
            return model.model_validate(fields)
        except ValidationError as exc:
            raise ValidationFailedError(_short(exc)) from exc


def _fast_read(schema: Any, data: bytes) -> dict[str, Any] | None:
    """The record in ``data`` after its header, read by cavro: the whole body and nothing
    after it. None when cavro cannot read it that way: fastavro then reads it, or says why it
    cannot (cavro refuses some valid Avro, arrays and maps in blocks of negative counts)."""
    reader = cavro.MemoryReader(memoryview(data)[HEADER_LEN:])
    try:
        fields = schema.binary_read(reader)
    except Exception:
        return None
    try:
        _ONE_BYTE.binary_read(reader)
    except EOFError:
        return cast(dict[str, Any], fields) if isinstance(fields, dict) else None
    return None


# how leading_fields reads one field: its name, 0 or the 1-based index of a union's null
# branch, and "string", "boolean", "number" (int, long) or an enum's symbols
_Step = tuple[str, int, str | tuple[str, ...]]


def _leading_kind(kind: Any) -> str | tuple[str, ...] | None:
    if kind == "string" or kind == "boolean":
        return str(kind)
    if kind in ("int", "long"):
        return "number"
    if isinstance(kind, dict) and "logicalType" not in kind:
        if kind.get("type") == "enum":
            return tuple(kind["symbols"])
        return _leading_kind(kind.get("type"))
    return None


def _leading_plan(
    schema: dict[str, Any], latest: dict[str, Any], names: tuple[str, ...]
) -> tuple[_Step, ...]:
    """How to read the fields of ``schema`` (the writer's) up to the last of ``names``; empty
    when one of them, or a field before them, is of another kind, when ``names`` are not all
    there, or when one of ``names`` has another type in ``latest`` (what a full decode
    resolves to: a dropped enum symbol, an int read as a double, a renamed field)."""
    wanted = set(names)
    resolved = {f["name"]: f["type"] for f in latest.get("fields") or []}
    plan: list[_Step] = []
    for field in schema.get("fields") or []:
        if not wanted:
            break
        if field["name"] in wanted and resolved.get(field["name"]) != field["type"]:
            return ()
        kind, nullable = field["type"], 0
        if isinstance(kind, list):
            if len(kind) != 2 or "null" not in kind:
                return ()
            nullable = kind.index("null") + 1
            kind = kind[2 - nullable]
        step = _leading_kind(kind)
        if step is None:
            return ()
        plan.append((field["name"], nullable, step))
        wanted.discard(field["name"])
    return () if wanted else tuple(plan)


def _zigzag_varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return (result >> 1) ^ -(result & 1), pos
        shift += 7
        if shift > 63 or (shift == 63 and data[pos] > 1):  # a long is 64 bits
            raise DecodeError("varint too long")


def _short(exc: ValidationError) -> str:
    errors = exc.errors()
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:3]]
    more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
    return "invalid record: " + "; ".join(parts) + more
