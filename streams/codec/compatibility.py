"""Avro schema-resolution compatibility: can a reader schema read a writer schema's data?

Implements the resolution rules of the Avro specification (records by name with defaults for
added fields, enums by symbol, unions branch by branch, numeric and string/bytes promotion).
``check_store`` demands that every two versions of a type read each other (backward *and*
forward compatible), which is what ``taskline schemas check`` runs.

>>> problems("int", "long")       # a long reader reads int data
[]
>>> problems("long", "int")
['$: writer long cannot be read as int']
"""

from __future__ import annotations

from typing import Any

from streams.codec.serde import SchemaStore

_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
_PROMOTIONS = {
    ("int", "long"),
    ("int", "float"),
    ("int", "double"),
    ("long", "float"),
    ("long", "double"),
    ("float", "double"),
    ("string", "bytes"),
    ("bytes", "string"),
}

Names = dict[str, Any]


def _collect(schema: Any, names: Names, namespace: str = "") -> None:
    if isinstance(schema, list):
        for branch in schema:
            _collect(branch, names, namespace)
    elif isinstance(schema, dict):
        kind = schema.get("type")
        if kind in ("record", "error", "enum", "fixed"):
            full = _full_name(schema, namespace)
            names[full] = schema
            namespace = full.rpartition(".")[0]
            for field in schema.get("fields", []):
                _collect(field["type"], names, namespace)
        elif kind == "array":
            _collect(schema["items"], names, namespace)
        elif kind == "map":
            _collect(schema["values"], names, namespace)
        elif isinstance(kind, dict | list):
            _collect(kind, names, namespace)


def _full_name(schema: dict[str, Any], namespace: str) -> str:
    name: str = schema["name"]
    if "." in name:
        return name
    ns = schema.get("namespace", namespace)
    return f"{ns}.{name}" if ns else name


def _resolve(schema: Any, names: Names) -> Any:
    while True:
        if isinstance(schema, str) and schema not in _PRIMITIVES:
            found = names.get(schema)
            if found is None:
                short = [v for k, v in names.items() if k.rpartition(".")[2] == schema]
                found = short[0] if short else None
            if found is None:
                raise ValueError(f"unknown named type {schema!r}")
            schema = found
        elif isinstance(schema, dict) and isinstance(schema.get("type"), dict | list):
            schema = schema["type"]
        elif isinstance(schema, dict) and schema.get("type") in _PRIMITIVES:
            return schema["type"]  # a primitive with a logical type reads as the primitive
        else:
            return schema


def _kind(schema: Any) -> str:
    if isinstance(schema, str):
        return schema
    if isinstance(schema, list):
        return "union"
    kind: str = schema["type"]
    return kind


def _short_name(schema: dict[str, Any]) -> str:
    name: str = schema["name"]
    return name.rpartition(".")[2]


class _Checker:
    def __init__(self, writer_names: Names, reader_names: Names) -> None:
        self.wn = writer_names
        self.rn = reader_names
        self.seen: set[tuple[str, str]] = set()

    def check(self, w: Any, r: Any, path: str) -> list[str]:
        w, r = _resolve(w, self.wn), _resolve(r, self.rn)
        if isinstance(w, list):
            out: list[str] = []
            for branch in w:
                out += self.check(branch, r, path)
            return out
        if isinstance(r, list):
            for branch in r:
                if not _Checker(self.wn, self.rn).check(w, branch, path):
                    return []
            return [f"{path}: writer {_kind(w)} matches no branch of the reader's union"]
        wk, rk = _kind(w), _kind(r)
        if wk != rk:
            if (wk, rk) in _PROMOTIONS:
                return []
            return [f"{path}: writer {wk} cannot be read as {rk}"]
        if wk in ("record", "error", "enum", "fixed") and _short_name(w) != _short_name(r):
            aliases = {a.rpartition(".")[2] for a in r.get("aliases", [])}
            if _short_name(w) not in aliases:
                return [f"{path}: record name {_short_name(w)} != {_short_name(r)}"]
        if wk in ("record", "error"):
            return self._record(w, r, path)
        if wk == "enum":
            missing = [s for s in w["symbols"] if s not in r["symbols"]]
            if missing and "default" not in r:
                return [f"{path}: reader enum {_short_name(r)} lacks symbol(s) {missing}"]
            return []
        if wk == "fixed" and w["size"] != r["size"]:
            return [f"{path}: fixed size {w['size']} != {r['size']}"]
        if wk == "array":
            return self.check(w["items"], r["items"], f"{path}[]")
        if wk == "map":
            return self.check(w["values"], r["values"], f"{path}{{}}")
        return []

    def _record(self, w: dict[str, Any], r: dict[str, Any], path: str) -> list[str]:
        key = (_short_name(w), _short_name(r))
        if key in self.seen:  # recursive types: assume compatible on the second visit
            return []
        self.seen.add(key)
        writer_fields = {f["name"]: f for f in w["fields"]}
        for f in w["fields"]:
            for alias in f.get("aliases", []):
                writer_fields.setdefault(alias, f)
        out: list[str] = []
        for field in r["fields"]:
            names = [field["name"], *field.get("aliases", [])]
            match = next((writer_fields[n] for n in names if n in writer_fields), None)
            sub = f"{path}.{field['name']}"
            if match is not None:
                out += self.check(match["type"], field["type"], sub)
            elif "default" not in field:
                out.append(f"{sub}: added without a default")
        return out


def problems(writer: Any, reader: Any) -> list[str]:
    """Why ``reader`` cannot read data written with ``writer`` (empty list: it can)."""
    wn: Names = {}
    rn: Names = {}
    _collect(writer, wn)
    _collect(reader, rn)
    return _Checker(wn, rn).check(writer, reader, "$")


def check_store(store: SchemaStore) -> list[str]:
    """Every incompatibility between two versions of one type, as readable lines."""
    out: list[str] = []
    for type_name, versions in sorted(store.by_type.items()):
        for a in sorted(versions):
            for b in sorted(versions):
                if a == b:
                    continue
                for p in problems(versions[a].schema, versions[b].schema):
                    out.append(f"{type_name}: v{b} cannot read v{a}: {p}")
    return out
