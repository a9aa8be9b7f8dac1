"""Deduplication by ``source_event_id`` in Redis, one round trip per batch.

Each id is *claimed* with ``SET NX PX`` by the record that first carries it; the claim's value
is that record's coordinate (``topic/partition/offset``). A later record with the same id is a
duplicate; the *same* record delivered again after a crash finds its own coordinate in the
claim and is processed again instead of dropped.

Past the window, the SSOT's tombstones (``source_event_id`` → the commit its task reached)
still catch a duplicate whose task was committed, for as long as the tombstone window keeps
them. Claims share one hash tag (``{taskline:dedup}:evt-1``) so the batch's script runs on
Redis Cluster; the tombstone lookup goes to the chain's slot in the same round trip.

>>> dedup = Deduplicator(redis_client, "taskline:dedup", window_s=3600,
...                      tombstones=chain_store)                                 # doctest: +SKIP
>>> dedup.claim([("evt-1", "raw-events/0/7"), ("evt-1", "raw-events/1/3")])  # doctest: +SKIP
[Claim(own=True, tombstone=None), Claim(own=False, tombstone=None)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis
from redis.commands.core import Script

from streams.state.scripts import queue, run_pipeline
from streams.state.ssot_store import SsotStore, Tombstone

_CLAIM = """
local out = {}
for i = 1, #KEYS do
  if redis.call('SET', KEYS[i], ARGV[i + 1], 'NX', 'PX', ARGV[1]) then
    out[i] = 1
  elseif redis.call('GET', KEYS[i]) == ARGV[i + 1] then
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
"""


@dataclass(frozen=True)
class Claim:
    """The answer for one record: does it own its id, and was the id committed already?"""

    own: bool
    tombstone: Tombstone | None = None


class Deduplicator:
    """Claims ids for records; answers which records are first (or redelivered) carriers."""

    def __init__(
        self, client: redis.Redis, prefix: str, *, window_s: int, tombstones: SsotStore | None
    ) -> None:
        self._client = client
        self._tag = f"{{{prefix}}}"
        self._window_ms = window_s * 1000
        self._tombstones = tombstones
        self._script = client.register_script(_CLAIM)

    def key(self, event_id: str) -> str:
        """The Redis key of an id's claim."""
        return f"{self._tag}:{event_id}"

    def claim(self, items: Sequence[tuple[str, str]]) -> list[Claim]:
        """For each ``(id, coordinate)``: whether this record owns the id (one round trip).
        A tombstoned id is never owned: its task was committed already."""
        return self.claim_getting(items, [])[0]

    def claim_getting(
        self, items: Sequence[tuple[str, str]], keys: Sequence[str]
    ) -> tuple[list[Claim], list[Any]]:
        """:meth:`claim`, and the values of ``keys`` read in the same round trip (the router
        reads its sessions' hints so: one round trip a batch less)."""
        if not items and not keys:
            return [], []

        def build(pipe: Any) -> list[Script]:
            # reads, and claims that only set what is not there: safe to send twice
            scripts = []
            if items:
                if self._tombstones is not None:
                    ids = [i for i, _ in items]
                    scripts.append(self._tombstones.queue_tombstone_lookup(pipe, ids))
                argv: list[int | str] = [self._window_ms, *(c for _, c in items)]
                scripts.append(queue(pipe, self._script, [self.key(i) for i, _ in items], argv))
            if keys:
                pipe.mget(list(keys))
            return scripts

        answers = run_pipeline(self._client, build)
        values = answers.pop() if keys else []
        if not items:
            return [], values
        owns = answers.pop()
        if self._tombstones is None:
            return [Claim(bool(own)) for own in owns], values
        stones = answers.pop()
        claims = [
            Claim(False, Tombstone.parse(stone)) if stone else Claim(bool(own))
            for stone, own in zip(stones, owns, strict=True)
        ]
        return claims, values

    def owner(self, event_id: str) -> str | None:
        """The coordinate of the record that claimed ``event_id``, if still remembered."""
        value = self._client.get(self.key(event_id))
        return value.decode() if isinstance(value, bytes) else None
