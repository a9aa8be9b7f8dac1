"""Seeding a project's inventory through the pipeline: one ``model_proposal`` event per
project whose patch adds each top-level collection of its inventory file, so the inventory
arrives as ordinary, audited SSOT commits.

The event id is derived from the file's content: publishing the same inventory twice is one
event (the router drops the repeat); a changed inventory is a new commit.

>>> [e.project_hint for e in seed_events(DATA_DIR / "inventories")]  # doctest: +SKIP
['family-calendar', 'home', 'taskline-dev']
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from processors.models import PatchOp, RawEvent


def seed_event(project: str, inventory: dict[str, Any], *, now: datetime | None = None) -> RawEvent:
    """The event that commits ``inventory`` (an object of collections) to ``project``."""
    body = json.dumps(inventory, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{project}\n{body}".encode()).hexdigest()[:16]
    ops = [PatchOp.from_rfc({"op": "add", "path": f"/{key}", "value": value})
           for key, value in sorted(inventory.items())]  # fmt: skip
    return RawEvent(
        source_event_id=f"seed-{project}-{digest}",
        session_id=f"seed-{project}",
        channel="chat",
        kind="model_proposal",
        text=f"seed the {project} inventory ({', '.join(sorted(inventory))})",
        occurred_at=now or datetime.now(UTC),
        metadata={"seed": "inventory"},
        project_hint=project,
        proposal=ops,
    )


def seed_events(directory: Path, *, now: datetime | None = None) -> list[RawEvent]:
    """One seed event per ``<project>.json`` in ``directory``."""
    events = []
    for path in sorted(directory.glob("*.json")):
        inventory = json.loads(path.read_text())
        if not isinstance(inventory, dict):
            raise ValueError(f"{path}: an inventory is a JSON object of collections")
        events.append(seed_event(path.stem, inventory, now=now))
    return events
