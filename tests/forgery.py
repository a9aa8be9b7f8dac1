"""Tampering with an export, as an attacker with file access would: for audit tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import fastavro
from fastavro.write import Writer

from processors.models import SsotCommit
from streams.audit.archive import ENVELOPE
from streams.codec.serde import Serde


def forge_commit(archive: Path, copy_to: Path, serde: Serde, index: int, message: str) -> str:
    """Copy ``archive`` to ``copy_to`` with the message of commit row ``index`` rewritten
    (its hash left alone); returns where the forged record sits (``topic[p]@offset``)."""
    shutil.copytree(archive, copy_to)
    path = copy_to / "ssot-writes.avro"
    with open(path, "rb") as fh:
        reader = fastavro.reader(fh)
        metadata = {k: v for k, v in reader.metadata.items() if k.startswith("taskline.")}
        rows = [row for row in reader if isinstance(row, dict)]
    victim = rows[index]
    commit = serde.decode(victim["value"], SsotCommit)
    victim["value"] = serde.encode(commit.model_copy(update={"message": message}))
    with open(path, "wb") as fh:
        writer = Writer(fh, ENVELOPE, codec="deflate", metadata=metadata)
        for row in rows:
            writer.write(row)
        writer.flush()
    return f"ssot-writes[{victim['partition']}]@{victim['offset']}"
