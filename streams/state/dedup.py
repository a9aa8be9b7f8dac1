"""Deduplication by ``source_event_id`` in Redis, one round trip per batch.

Each id is *claimed* with ``SET NX PX`` by the record that first carries it; the claim's value
is that record's coordinate (``topic/partition/offset``). A later record with the same id is a
duplicate; the *same* record delivered again after a crash finds its own coordinate in the
claim and is processed again instead of dropped.

Past the window, the SSOT's tombstones (``source_event_id`` → the commit its task reached)
still catch a duplicate whose task was committed, for as long as the ledger is kept.

>>> dedup = Deduplicator(redis_client, "taskline:dedup", window_s=3600,
...                      tombstones_key="taskline:chain:events")             # doctest: +SKIP
>>> dedup.claim([("evt-1", "raw-events/0/7"), ("evt-1", "raw-events/1/3")])  # doctest: +SKIP
[Claim(own=True, tombstone=None), Claim(own=False, tombstone=None)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import redis

from streams.state.ssot_store import Tombstone

_CLAIM = """
local out = {}
local n = #KEYS - 1
for i = 1, n do
  local key = KEYS[i + 1]
  local coord = ARGV[i + 1]
  local tomb = redis.call('HGET', KEYS[1], ARGV[n + i + 1])
  if tomb then
    out[i] = tomb
  elseif redis.call('SET', key, coord, 'NX', 'PX', ARGV[1]) then
    out[i] = 1
  elseif redis.call('GET', key) == coord then
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
        self, client: redis.Redis, prefix: str, *, window_s: int, tombstones_key: str | None
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._window_ms = window_s * 1000
        # without tombstones, a key that is never written keeps the script the same
        self._tombstones_key = tombstones_key or f"{prefix}:no-tombstones"
        self._script = client.register_script(_CLAIM)

    def claim(self, items: Sequence[tuple[str, str]]) -> list[Claim]:
        """For each ``(id, coordinate)``: whether this record owns the id (one round trip)."""
        if not items:
            return []
        keys = [self._tombstones_key, *(f"{self._prefix}:{event_id}" for event_id, _ in items)]
        argv: list[int | str] = [self._window_ms, *(c for _, c in items), *(i for i, _ in items)]
        answers = self._script(keys=keys, args=argv)
        return [
            Claim(False, Tombstone.parse(a.decode() if isinstance(a, bytes) else a))
            if isinstance(a, bytes | str)
            else Claim(bool(a))
            for a in answers
        ]

    def owner(self, event_id: str) -> str | None:
        """The coordinate of the record that claimed ``event_id``, if still remembered."""
        value = self._client.get(f"{self._prefix}:{event_id}")
        return value.decode() if isinstance(value, bytes) else None
