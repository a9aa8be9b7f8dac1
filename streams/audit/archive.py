"""Audit archives: topics exported to Avro Object Container Files that outlive the broker.

``DIR/<topic>.avro`` holds one envelope record per topic record (topic, partition, offset,
timestamp, key, and the original single-object-encoded bytes, untouched). Every writer schema
Taskline knows is embedded in each file's metadata, so an archive decodes even where the
schema directory has moved on. ``DIR/manifest.json`` lists files, counts, time range and
SHA-256 digests.

>>> counts = export_topics(records, Path("audit-2026-11"), store)     # doctest: +SKIP
>>> for rec in read_archive(Path("audit-2026-11"), ["ssot-writes"]):   # doctest: +SKIP
...     ...
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import fastavro
from fastavro.write import Writer

from streams.codec.serde import SchemaStore, SchemaVersion, parse_version
from streams.errors import UsageError
from streams.runtime.reader import TopicRecord

FORMAT = "taskline-archive/1"
ENVELOPE = fastavro.parse_schema(
    {
        "type": "record",
        "name": "ArchivedRecord",
        "namespace": "taskline.archive",
        "doc": "One topic record, bytes untouched.",
        "fields": [
            {"name": "topic", "type": "string"},
            {"name": "partition", "type": "int"},
            {"name": "offset", "type": "long"},
            {"name": "timestamp_ms", "type": "long"},
            {"name": "key", "type": ["null", "bytes"], "default": None},
            {"name": "value", "type": "bytes"},
        ],
    }
)


def _schemas_metadata(store: SchemaStore) -> str:
    return json.dumps(
        {
            sv.fingerprint.hex(): {
                "type": sv.type_name,
                "version": sv.version,
                "schema": sv.canonical,
            }
            for sv in store.by_fingerprint.values()
        }
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_topics(
    records: Iterable[TopicRecord],
    out_dir: Path,
    store: SchemaStore,
    *,
    from_ms: int | None = None,
    to_ms: int | None = None,
) -> dict[str, int]:
    """Write records to ``out_dir`` (one file per topic) and a manifest; returns counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    handles: dict[str, tuple[IO[bytes], Writer]] = {}
    stats: dict[str, dict[str, Any]] = {}
    metadata = {"taskline.format": FORMAT, "taskline.schemas": _schemas_metadata(store)}
    try:
        for rec in records:
            if (from_ms is not None and rec.timestamp_ms < from_ms) or (
                to_ms is not None and rec.timestamp_ms > to_ms
            ):
                continue
            if rec.topic not in handles:
                fh = open(out_dir / f"{rec.topic}.avro", "wb")  # noqa: SIM115 (closed below)
                meta = {**metadata, "taskline.topic": rec.topic}
                handles[rec.topic] = (fh, Writer(fh, ENVELOPE, codec="deflate", metadata=meta))
                stats[rec.topic] = {"records": 0, "first_ms": rec.timestamp_ms, "last_ms": 0}
            handles[rec.topic][1].write(
                {
                    "topic": rec.topic,
                    "partition": rec.partition,
                    "offset": rec.offset,
                    "timestamp_ms": rec.timestamp_ms,
                    "key": rec.key,
                    "value": rec.value,
                }
            )
            s = stats[rec.topic]
            s["records"] += 1
            s["first_ms"] = min(s["first_ms"], rec.timestamp_ms)
            s["last_ms"] = max(s["last_ms"], rec.timestamp_ms)
    finally:
        for handle, writer in handles.values():
            writer.flush()
            handle.close()
    for topic, s in stats.items():
        s["file"] = f"{topic}.avro"
        s["sha256"] = _sha256(out_dir / s["file"])
    manifest = {
        "format": FORMAT,
        "exported_at": datetime.now(UTC).isoformat(),
        "from_ms": from_ms,
        "to_ms": to_ms,
        "topics": stats,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return {topic: s["records"] for topic, s in stats.items()}


def _manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"{directory} is not a Taskline archive (no readable manifest.json)"
        ) from exc
    if manifest.get("format") != FORMAT:
        raise UsageError(f"{directory}: unknown archive format {manifest.get('format')!r}")
    return manifest


def archive_topics(directory: Path) -> list[str]:
    """The topics an archive holds."""
    return sorted(_manifest(directory)["topics"])


def check_digests(directory: Path) -> list[str]:
    """Files whose SHA-256 differs from the manifest (changed after export)."""
    out = []
    for topic, info in _manifest(directory)["topics"].items():
        path = directory / info["file"]
        if not path.exists():
            out.append(f"{topic}: {info['file']} is missing")
        elif _sha256(path) != info["sha256"]:
            out.append(f"{topic}: {info['file']} changed after export (SHA-256 differs)")
    return out


def archive_store(directory: Path, base: SchemaStore) -> SchemaStore:
    """``base`` plus every writer schema embedded in the archive's files."""
    versions: dict[bytes, SchemaVersion] = dict(base.by_fingerprint)
    for topic in archive_topics(directory):
        with open(directory / f"{topic}.avro", "rb") as fh:
            meta = fastavro.reader(fh).metadata
        for info in json.loads(meta.get("taskline.schemas", "{}")).values():
            sv = parse_version(info["type"], int(info["version"]), info["schema"])
            versions.setdefault(sv.fingerprint, sv)
    return SchemaStore(list(versions.values()))


def read_archive(directory: Path, topics: Sequence[str] | None = None) -> Iterator[TopicRecord]:
    """The records of an archive, topic by topic, in their stored order."""
    available = archive_topics(directory)
    for topic in topics or available:
        if topic not in available:
            continue
        with open(directory / f"{topic}.avro", "rb") as fh:
            for row in fastavro.reader(fh):
                assert isinstance(row, dict)
                yield TopicRecord(
                    topic=row["topic"],
                    partition=row["partition"],
                    offset=row["offset"],
                    timestamp_ms=row["timestamp_ms"],
                    key=row["key"],
                    value=row["value"],
                )
