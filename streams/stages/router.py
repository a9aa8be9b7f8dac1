"""The router stage: dedup by ``source_event_id``, then route each event to a project.

``raw-events`` → ``routed`` (and ``dead-letters``); logic in :mod:`processors.router`.
"""

from __future__ import annotations

import logging
import time

import redis
from confluent_kafka import Message

from processors.models import (
    RawEvent,
    now_millis,
)
from processors.router import Router
from streams.runtime.lease import Lease
from streams.runtime.logs import record_ids
from streams.runtime.runner import Out, StageIO, coordinate
from streams.runtime.topics import (
    RAW_EVENTS,
    ROUTED,
)
from streams.state.dedup import Deduplicator
from streams.state.ssot_store import SsotStore

log = logging.getLogger("taskline.stages")


class RouterStage:
    """raw-events → routed: decode, validate, dedup by ``source_event_id``, route.

    Keeps each session's last project in Redis as a hint for its next event, and re-indexes
    a project's routing document when its SSOT version moved.
    """

    topics: tuple[str, ...] = (RAW_EVENTS,)
    exclusive = False
    lease: Lease | None = None

    def __init__(
        self,
        io: StageIO,
        router: Router,
        dedup: Deduplicator,
        client: redis.Redis,
        ssot: SsotStore,
    ) -> None:
        self.io = io
        self.router = router
        self.dedup = dedup
        self.redis = client
        self.ssot = ssot
        self._indexed: dict[str, int] = {}
        self._next_reindex = 0.0
        self._session_prefix = f"{io.settings.redis_prefix}:session"

    def reindex(self) -> int:
        """Re-index projects whose SSOT version changed; returns how many."""
        ids = [p.id for p in self.router.registry.projects]
        changed = 0
        for project, version in self.ssot.versions(ids).items():
            if version and self._indexed.get(project) != version:
                self.router.reindex(project, self.ssot.head(project).state)
                self._indexed[project] = version
                changed += 1
        return changed

    def handle(self, batch: list[Message]) -> list[Out]:
        """Route every first carrier of a ``source_event_id``; drop later duplicates."""
        if time.monotonic() >= self._next_reindex:
            self.reindex()
            self._next_reindex = time.monotonic() + self.io.settings.reindex_interval_s
        events, outs = self.io.decode(batch, RawEvent)
        # the sessions' hints in the claim's round trip (a duplicate's session is read too)
        sessions = sorted({event.session_id for _, event in events})
        claims, stored = self.dedup.claim_getting(
            [(ev.source_event_id, coordinate(m)) for m, ev in events],
            [f"{self._session_prefix}:{s}" for s in sessions],
        )
        fresh = []
        for (msg, event), claim in zip(events, claims, strict=True):
            if claim.own:
                fresh.append((msg, event))
                continue
            self.io.stats.duplicates += 1
            with record_ids(event_id=event.source_event_id, task_id=None):
                log.info(
                    "router: duplicate dropped (%s)",
                    f"already committed as {claim.tombstone}"
                    if claim.tombstone
                    else "in the window",
                )
        routed_sessions = {event.session_id for _, event in fresh}
        hints = {
            s: v.decode()
            for s, v in zip(sessions, stored, strict=True)
            if isinstance(v, bytes) and s in routed_sessions
        }
        now = now_millis()

        def route(msg: Message, event: RawEvent) -> list[Out]:
            routed = self.router.route(event, now, hints.get(event.session_id))
            if routed.project_id is not None:
                hints[event.session_id] = routed.project_id
            # the event's own bytes as they arrived: only the routing fields are encoded
            encoded = self.io.serde.encode_around(routed, msg.value() or b"")
            return [self.io.out(ROUTED, event.session_id, routed, encoded)]

        outs += self.io.each(fresh, route)
        if hints:
            pipe = self.redis.pipeline(transaction=False)
            for session, project in hints.items():
                pipe.set(
                    f"{self._session_prefix}:{session}",
                    project,
                    ex=self.io.settings.session_hint_ttl_s,
                )
            pipe.execute()
        return outs
