"""The former stage: a routed event becomes no task, a clarification or a task object.

``routed`` → ``formed`` / ``replies``; logic in :mod:`processors.former`.
"""

from __future__ import annotations

import logging

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

log = logging.getLogger("taskline.stages")


class FormerStage:
    """routed → formed | replies: expert, dependency pass, review, task object.

    Task ids are claimed in Redis too, so a duplicate that slipped past the router (its
    window expired before a commit existed) is dropped at the task object boundary.
    """

    topics: tuple[str, ...] = (ROUTED,)
    exclusive = False
    lease: Lease | None = None

    def __init__(self, io: StageIO, former: Former, tasks: Deduplicator) -> None:
        self.io = io
        self.former = former
        self.tasks = tasks

    def handle(self, batch: list[Message]) -> list[Out]:
        """Form every routed event."""
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
