"""The scheduler's book in Redis: pending entries, released-but-uncommitted tasks, switches.

Keys under ``{PREFIX:scheduler}:sched`` (the scheduler lease's hash tag): ``entries`` (hash:
task id → pending entry), ``released`` (hash: task id → the ScheduledTask record produced,
until its commit arrives), ``inflight`` (hash: task id → release time), ``meta`` (hash:
safe_mode, seq), ``unavailable`` (set of systems; the executor reads it too),
``gov:seen:ID`` and ``gov:result:ID`` (governance replay guard and outcomes).

>>> SchedulerKeys("taskline").unavailable
'{taskline:scheduler}:sched:unavailable'
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import redis

from processors.models import TaskObject
from processors.scheduler import Book, Entry
from streams.codec.serde import Serde


class SchedulerKeys:
    """Key names of one deployment's scheduler state."""

    def __init__(self, redis_prefix: str) -> None:
        # one hash tag with the scheduler's lease: fenced writes are one script on a cluster
        base = f"{{{redis_prefix}:scheduler}}:sched"
        self.entries = f"{base}:entries"
        self.released = f"{base}:released"
        self.inflight = f"{base}:inflight"
        self.meta = f"{base}:meta"
        self.unavailable = f"{base}:unavailable"
        self._gov = f"{base}:gov"

    def seen(self, command_id: str) -> str:
        """Marks a governance command as obeyed (replay guard)."""
        return f"{self._gov}:seen:{command_id}"

    def result(self, command_id: str) -> str:
        """What became of a governance command (for ``taskline gov``)."""
        return f"{self._gov}:result:{command_id}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def encode_entry(entry: Entry, serde: Serde) -> bytes:
    """A pending entry for Redis: its metadata as JSON, a newline, the task's Avro bytes (as
    it arrived on ``formed``: no second serialization)."""
    return json.dumps(entry.meta()).encode() + b"\n" + (entry.raw or serde.encode(entry.task))


def decode_entry(data: bytes, serde: Serde) -> Entry:
    """Back from :func:`encode_entry`."""
    meta, _, raw = data.partition(b"\n")
    entry = Entry.from_meta(serde.decode(raw, TaskObject), json.loads(meta))
    entry.raw = raw
    return entry


def load_book(
    client: redis.Redis, keys: SchedulerKeys, serde: Serde, dependency_timeout: timedelta
) -> Book:
    """The book as the last active scheduler left it."""
    pipe = client.pipeline(transaction=True)
    pipe.hgetall(keys.entries)
    pipe.hgetall(keys.inflight)
    pipe.hgetall(keys.meta)
    pipe.smembers(keys.unavailable)
    entries, inflight, meta, unavailable = pipe.execute()
    book = Book(dependency_timeout=dependency_timeout)
    for raw in entries.values():
        book.restore(decode_entry(raw, serde))
    for task_id, at in inflight.items():
        book.inflight[_text(task_id)] = datetime.fromisoformat(_text(at))
    meta = {_text(k): _text(v) for k, v in meta.items()}
    book.safe_mode = meta.get("safe_mode") == "1"
    book.seq = int(meta.get("seq", "0"))
    book.unavailable = {_text(s) for s in unavailable}
    return book


def unavailable_systems(client: redis.Redis, keys: SchedulerKeys) -> set[str]:
    """Systems governance marked unavailable (one round trip)."""
    return {_text(s) for s in client.smembers(keys.unavailable)}


def book_status(client: redis.Redis, keys: SchedulerKeys, serde: Serde) -> dict[str, Any]:
    """The book for ``taskline gov status``: switches and every pending task with its wait."""
    book = load_book(client, keys, serde, timedelta(hours=1))
    done: dict[str, str] = {}
    return {
        "safe_mode": book.safe_mode,
        "unavailable": sorted(book.unavailable),
        "inflight": len(book.inflight),
        "pending": [
            {
                "task_id": e.task.task_id,
                "priority": e.priority,
                "task_type": e.task.task_type,
                "project_id": e.task.project_id,
                "waiting": (e.fail and f"to fail: {e.fail[0]}") or book.why_waiting(e, done),
            }
            for e in sorted(book.pending.values(), key=lambda e: (-e.priority, e.seq))
        ],
    }


def command_result(client: redis.Redis, keys: SchedulerKeys, command_id: str) -> Any:
    """The recorded outcome of a governance command, once the scheduler processed it."""
    raw = client.get(keys.result(command_id))
    return json.loads(raw) if raw is not None else None
