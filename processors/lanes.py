"""Execution lanes (Prospera v2.x, opt-in): which lane a task runs in.

A lane is one partition of ``scheduled``. Within a lane execution is strictly serial; lanes run
in parallel. A task's lane is a stable function of its project's *lane key* — the project id,
or a key the registry declares for several projects that must stay serial with each other (a
household, a repository). With one lane (the default) every task is in lane 0.

>>> lane_of("home", 1)
0
>>> lane_of("home", 4) == lane_of("home", 4)
True
>>> sorted({lane_of(f"p{i}", 4) for i in range(40)})
[0, 1, 2, 3]
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping

MAX_LANES = 64


def lane_of(key: str | None, lanes: int) -> int:
    """The lane of ``key`` among ``lanes`` (crc32: stable across processes and releases).

    A task without a project (an ephemeral answer) goes to lane 0.
    """
    if lanes <= 1 or not key:
        return 0
    return zlib.crc32(key.encode()) % lanes


def lane_function(lanes: int, lane_keys: Mapping[str, str]) -> Callable[[str | None], int]:
    """``project id → lane``, using a project's declared lane key where it has one.

    >>> f = lane_function(4, {"kitchen-hub": "household-1", "garage": "household-1"})
    >>> f("kitchen-hub") == f("garage")
    True
    """

    def lane(project_id: str | None) -> int:
        if project_id is None:
            return 0
        return lane_of(lane_keys.get(project_id, project_id), lanes)

    return lane
