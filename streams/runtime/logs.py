"""Logging setup: every line carries the stage, task id and event id it concerns.

The ids live in context variables that the stage runner sets per thread (stage) and per
record (task and event), so ordinary ``log.info(...)`` calls get them without passing them.

>>> configure("INFO", "json")                                     # doctest: +SKIP
>>> with record_ids(event_id="evt-1", task_id=None): log.info("routed")   # doctest: +SKIP
{"ts": "...", "level": "INFO", "stage": "router", "event_id": "evt-1", "task_id": null, ...}
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

STAGE: ContextVar[str | None] = ContextVar("taskline_stage", default=None)
TASK_ID: ContextVar[str | None] = ContextVar("taskline_task_id", default=None)
EVENT_ID: ContextVar[str | None] = ContextVar("taskline_event_id", default=None)


def record_ids(*, event_id: str | None, task_id: str | None) -> _RecordIds:
    """Log lines inside the block carry these ids.

    >>> with record_ids(event_id="evt-1", task_id=None):
    ...     EVENT_ID.get()
    'evt-1'
    """
    return _RecordIds(event_id, task_id)


class _RecordIds:
    # a class, not a generator context manager: entered once per record in every stage
    __slots__ = ("_event_id", "_task_id", "_tokens")

    def __init__(self, event_id: str | None, task_id: str | None) -> None:
        self._event_id, self._task_id = event_id, task_id

    def __enter__(self) -> None:
        self._tokens = (EVENT_ID.set(self._event_id), TASK_ID.set(self._task_id))

    def __exit__(self, *_: object) -> None:
        event_token, task_token = self._tokens
        EVENT_ID.reset(event_token)
        TASK_ID.reset(task_token)


class _ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.stage = STAGE.get()
        record.task_id = TASK_ID.get()
        record.event_id = EVENT_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "stage": getattr(record, "stage", None),
            "task_id": getattr(record, "task_id", None),
            "event_id": getattr(record, "event_id", None),
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def configure(level: str, fmt: str) -> None:
    """Root logging to stderr, as text or JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ContextFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s stage=%(stage)s task=%(task_id)s "
                "event=%(event_id)s %(message)s"
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
