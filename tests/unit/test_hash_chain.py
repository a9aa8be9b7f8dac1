"""The hash chain is portable: a second implementation that shares no code with Taskline
(its own RFC 8785 canonicalization, its own Avro reading from the .avsc files, its own lattice
state hash) recomputes every link and every state hash of a simulated history; commits of
hash versions 1, 2 and 3 verify side by side in one chain."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
from pathlib import Path
from typing import Any

import fastavro
import pytest

from processors.errors import ChainError
from processors.jsonpatch import apply_patch
from processors.models import SsotCommit, patch_to_rfc
from processors.ssot import GENESIS_HASH, HASH_VERSION, Head, advance, commit_hash
from streams.audit.verify import verify
from streams.codec.serde import Serde
from streams.runtime.reader import TopicRecord
from streams.tools.simulate import simulate
from tests.unit.test_statehash import reference as lattice_hash

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas" / "ssot_commit"
HISTORY = simulate(300, seed=21)

# --- a second implementation: written from RFC 8785 and the Avro spec, not from Taskline -----


def _es6_number(x: float | int) -> str:
    """ECMAScript Number::toString, which RFC 8785 prescribes for numbers."""
    if isinstance(x, int):
        return str(x)
    if math.isnan(x) or math.isinf(x):
        raise ValueError("not representable in I-JSON")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # the shortest digits that round-trip (repr), then ECMAScript's layout of them
    mantissa, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    stripped = digits.lstrip("0")
    n = len(whole) + int(exp or 0) - (len(digits) - len(stripped))
    s = stripped.rstrip("0") or "0"
    k = len(s)
    if k <= n <= 21:
        return sign + s + "0" * (n - k)
    if 0 < n <= 21:
        return sign + s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + s
    e = n - 1
    return sign + s[0] + ("." + s[1:] if k > 1 else "") + f"e{'+' if e >= 0 else '-'}{abs(e)}"


def _jcs_string(s: str) -> str:
    out = ['"']
    for ch in s:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch in "\b\f\n\r\t":
            out.append({"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif code < 0x20:
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def jcs(value: Any) -> str:
    """RFC 8785 canonical JSON of a JSON value."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return _es6_number(value)
    if isinstance(value, str):
        return _jcs_string(value)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        # members sorted by their names as UTF-16 code units
        items = sorted(value.items(), key=lambda kv: kv[0].encode("utf-16-be"))
        return "{" + ",".join(_jcs_string(k) + ":" + jcs(v) for k, v in items) + "}"
    raise TypeError(type(value).__name__)


FIELDS_V1 = [
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
]


def recompute(commit: dict[str, Any]) -> str:
    """A commit's hash from its Avro fields, as the README's hash-version table defines it."""
    version = commit.get("hash_version", 1)
    names = FIELDS_V1 if version == 1 else ["hash_version", *FIELDS_V1]
    body = {name: commit[name] for name in names}
    ops = []
    for op in commit["patch"] or []:
        rfc: dict[str, Any] = {"op": op["op"], "path": op["path"]}
        if op.get("from_path") is not None:
            rfc["from"] = op["from_path"]
        if op.get("value_json") is not None:
            rfc["value"] = json.loads(op["value_json"])
        ops.append(rfc)
    body["patch"] = ops
    if version == 1:
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    else:
        text = jcs(body)
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(schema: Any) -> Any:
    """The schema without logical types: timestamps stay epoch milliseconds."""
    if isinstance(schema, dict):
        return {k: _plain(v) for k, v in schema.items() if k != "logicalType"}
    if isinstance(schema, list):
        return [_plain(v) for v in schema]
    return schema


def _schema(name: str) -> Any:
    return fastavro.parse_schema(_plain(json.loads((SCHEMAS / name).read_text())))


def read_commit(value: bytes) -> dict[str, Any]:
    """Avro single-object decoding with the writer schema found by fingerprint."""
    assert value[:2] == b"\xc3\x01"
    for path in sorted(SCHEMAS.glob("v*.avsc")):
        schema = _schema(path.name)
        canonical = fastavro.schema.to_parsing_canonical_form(schema)
        if bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO")) == value[2:10]:
            record = fastavro.schemaless_reader(io.BytesIO(value[10:]), schema, None)
            assert isinstance(record, dict)
            return record
    raise AssertionError("unknown writer schema")


def check_chains(records: list[TopicRecord]) -> int:
    heads: dict[str, tuple[int, str]] = {}
    links = 0
    for rec in records:
        if rec.topic != "ssot-writes":
            continue
        c = read_commit(rec.value)
        version, parent = heads.get(c["project_id"], (0, GENESIS_HASH))
        assert c["version"] == version + 1 and c["parent_hash"] == parent
        assert recompute(c) == c["hash"], (c["project_id"], c["version"])
        heads[c["project_id"]] = (c["version"], c["hash"])
        links += 1
    return links


# --- the checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (-21.5, "-21.5"),
        (123456789.125, "123456789.125"),
        (5e-324, "5e-324"),
        ({"b": [True, None], "a": "é\n", "\u20ac": 1, "\U0001f600": 2}, None),
    ],
)
def test_the_second_canonicalization_matches_rfc8785_examples(value: Any, text: str) -> None:
    import rfc8785  # the product's library, only as the reference to compare with

    assert jcs(value) == rfc8785.dumps(value).decode()
    if text is not None:
        assert jcs(value) == text


def test_a_second_implementation_recomputes_every_link() -> None:
    links = check_chains(HISTORY)
    assert links > 100
    commits = [read_commit(r.value) for r in HISTORY if r.topic == "ssot-writes"]
    assert {c["hash_version"] for c in commits} == {HASH_VERSION}


def _write_v1(commit: dict[str, Any]) -> bytes:
    schema = _schema("v1.avsc")
    canonical = fastavro.schema.to_parsing_canonical_form(schema)
    body = io.BytesIO()
    fastavro.schemaless_writer(body, schema, commit)
    fingerprint = bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))
    return b"\xc3\x01" + fingerprint + body.getvalue()


def second_state_hash(state: Any, hash_version: int) -> str:
    """The state hash a commit of ``hash_version`` names, as the README defines it."""
    if hash_version >= 3:
        return lattice_hash(state)
    return hashlib.sha256(jcs(state).encode()).hexdigest()


def _as_v1(
    records: list[TopicRecord], serde: Serde, upto: int, v2_upto: int = 0
) -> list[TopicRecord]:
    """The history as if each project's first ``upto`` commits had been written before hash
    versions existed (schema v1 on the wire, hash version 1), the ones after them up to
    ``v2_upto`` with hash version 2 (state hashes by SHA-256 of the state), and the later ones
    with the current version, all re-chained on them."""
    parents: dict[str, str] = {}
    states: dict[str, Any] = {}
    out = []
    for rec in records:
        if rec.topic != "ssot-writes":
            out.append(rec)
            continue
        c = serde.decode(rec.value, SsotCommit)
        old = c.version <= upto
        version = 1 if old else 2 if c.version <= v2_upto else HASH_VERSION
        state = states.get(c.project_id, {})
        if c.kind == "state":
            state = states[c.project_id] = apply_patch(state, patch_to_rfc(c.patch))
        c = c.model_copy(
            update={
                "parent_hash": parents.get(c.project_id, GENESIS_HASH),
                "hash_version": version,
                "state_hash": second_state_hash(state, version),
            }
        )
        c = c.model_copy(update={"hash": commit_hash(c)})
        parents[c.project_id] = c.hash
        if old:
            fields = read_commit(serde.encode(c))
            del fields["hash_version"]
            value = _write_v1(fields)
        else:
            value = serde.encode(c)
        out.append(dataclasses.replace(rec, value=value))
    return out


def test_commits_of_every_hash_version_verify_in_one_chain(serde: Serde) -> None:
    mixed = _as_v1(HISTORY, serde, upto=3, v2_upto=6)
    versions = {
        read_commit(r.value).get("hash_version", 1) for r in mixed if r.topic == "ssot-writes"
    }
    assert versions == {1, 2, 3}
    assert check_chains(mixed) > 100  # the second implementation agrees
    report = verify(mixed, serde)
    assert report.ok, report.lines()[:5]
    # and a v1 commit that was tampered with is still caught
    i = next(i for i, r in enumerate(mixed) if r.topic == "ssot-writes")
    c = read_commit(mixed[i].value)
    assert "hash_version" not in c  # written with schema v1
    forged = list(mixed)
    forged[i] = dataclasses.replace(mixed[i], value=_write_v1(c | {"message": "rewritten"}))
    assert any("hash does not match" in str(v) for v in verify(forged, serde).violations)
    # and the stages' own replay (Head by Head) reaches every version's state hash
    heads: dict[str, Head] = {}
    for rec in mixed:
        if rec.topic == "ssot-writes":
            c = serde.decode(rec.value, SsotCommit)
            heads[c.project_id] = advance(heads.get(c.project_id) or Head.genesis(c.project_id), c)
    assert len(heads) > 1


def test_every_state_hash_is_the_second_implementations(serde: Serde) -> None:
    """Every state hash, updated from what each patch wrote (ledger entries name their
    parent's without hashing anything), is what the second implementation computes from the
    whole state; a ledger entry naming another is refused."""
    heads: dict[str, Head] = {}
    kinds = set()
    ledger: SsotCommit | None = None
    for rec in HISTORY:
        if rec.topic != "ssot-writes":
            continue
        commit = serde.decode(rec.value, SsotCommit)
        head = heads.get(commit.project_id) or Head.genesis(commit.project_id)
        head = heads[commit.project_id] = advance(head, commit)
        expected = second_state_hash(head.state, commit.hash_version)
        assert commit.state_hash == expected, (commit.project_id, commit.version)
        kinds.add(commit.kind)
        if commit.kind == "ledger" and ledger is None and head.version > 1:
            ledger = commit
            parent = heads[commit.project_id]
    assert kinds == {"state", "ledger"} and ledger is not None
    forged = SsotCommit.model_validate(
        {
            **ledger.model_dump(),
            "version": parent.version + 1,
            "parent_hash": parent.hash,
            "state_hash": "0" * 64,
            "hash": "",
        }
    )
    forged = forged.model_copy(update={"hash": commit_hash(forged)})
    with pytest.raises(ChainError, match="state hash mismatch"):
        advance(parent, forged)
