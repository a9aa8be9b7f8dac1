"""The former stage: a routed event becomes no task, a clarification or a task object.

``routed`` → ``formed`` / ``replies``; logic in :mod:`processors.former`.
"""

from __future__ import annotations

import logging
import time

from confluent_kafka import Message

from processors.former import Formation, Former
from processors.models import (
    RoutedEvent,
    now_millis,
)
from streams.runtime.lease import Lease
from streams.runtime.runner import Out, StageIO, coordinate
from streams.runtime.topics import (
    FORMED,
    REPLIES,
    ROUTED,
)
from streams.state.dedup import Deduplicator
from streams.state.ssot_store import SsotStore

log = logging.getLogger("taskline.stages")


class FormerStage:
    """routed → formed | replies: expert, dependency pass, review, task object.

    Task ids are claimed in Redis too, so a duplicate that slipped past the router (its
    window expired before a commit existed) is dropped at the task object boundary.
    """

    topics: tuple[str, ...] = (ROUTED,)
    exclusive = False
    lease: Lease | None = None

    def __init__(
        self, io: StageIO, former: Former, tasks: Deduplicator, ssot: SsotStore | None = None
    ) -> None:
        self.io = io
        self.former = former
        self.tasks = tasks
        self.ssot = ssot
        self._observed: dict[str, int] = {}
        self._next_observe = 0.0

    def observe(self) -> int:
        """Give the former the state of every project whose SSOT version changed (its
        inventory grounds slots); returns how many."""
        if self.ssot is None:
            return 0
        ids = [p.id for p in self.former.registry.projects]
        changed = 0
        for project, version in self.ssot.versions(ids).items():
            if version and self._observed.get(project) != version:
                self.former.observe(project, version, self.ssot.head(project).state)
                self._observed[project] = version
                changed += 1
        return changed

    def handle(self, batch: list[Message]) -> list[Out]:
        """Form every routed event."""
        if time.monotonic() >= self._next_observe:
            self.observe()
            self._next_observe = time.monotonic() + self.io.settings.reindex_interval_s
        routed, outs = self.io.decode(batch, RoutedEvent)
        now = now_millis()
        formations: dict[str, Formation] = {}

        def form(msg: Message, item: RoutedEvent) -> list[Out]:
            formations[coordinate(msg)] = self.former.form(item, now)
            return []

        outs += self.io.each(routed, form)
        with_task = [(c, f.task.task_id) for c, f in formations.items() if f.task is not None]
        owned = {
            c
            for (c, _), claim in zip(
                with_task, self.tasks.claim([(t, c) for c, t in with_task]), strict=True
            )
            if claim.own
        }
        for coord, formation in formations.items():
            if formation.task is not None and coord not in owned:
                self.io.stats.duplicates += 1
                log.info("former: duplicate task %s dropped", formation.task.task_id)
                continue
            if formation.task is not None:
                key = formation.task.project_id or formation.task.task_id
                outs.append(self.io.out(FORMED, key, formation.task))
            if formation.reply is not None:
                outs.append(self.io.out(REPLIES, formation.reply.session_id, formation.reply))
        return outs
