"""Scheduler, first version: first in, first out, with the SSOT snapshot version attached.

Priority, holds, dependencies and governance arrive with the orchestration work; this stage
already stamps each task with the project version it is scheduled against (Prospera §6.1).

>>> schedule(task, snapshot_version=3, now=now).snapshot_version    # doctest: +SKIP
3
"""

from __future__ import annotations

from datetime import datetime

from processors.models import ScheduledTask, TaskObject


def schedule(task: TaskObject, *, snapshot_version: int, now: datetime) -> ScheduledTask:
    """Release one task to the serial executor."""
    return ScheduledTask(task=task, snapshot_version=snapshot_version, scheduled_at=now)
