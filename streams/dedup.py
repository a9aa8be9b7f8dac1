"""Deduplication by ``source_event_id`` in Redis, one round trip per batch.

Each id is *claimed* with ``SET NX PX`` by the record that first carries it; the claim's value
is that record's coordinate (``topic/partition/offset``). A later record with the same id is a
duplicate; the *same* record delivered again after a crash finds its own coordinate in the
claim and is processed again instead of dropped.

>>> dedup = Deduplicator(redis_client, "taskline:dedup", window_s=3600)   # doctest: +SKIP
>>> dedup.claim([("evt-1", "raw-events/0/7"), ("evt-1", "raw-events/1/3")])  # doctest: +SKIP
[True, False]
"""

from __future__ import annotations

from collections.abc import Sequence

import redis

_CLAIM = """
local out = {}
for i, key in ipairs(KEYS) do
  local coord = ARGV[i + 1]
  if redis.call('SET', key, coord, 'NX', 'PX', ARGV[1]) then
    out[i] = 1
  elseif redis.call('GET', key) == coord then
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
"""


class Deduplicator:
    """Claims ids for records; answers which records are first (or redelivered) carriers."""

    def __init__(self, client: redis.Redis, prefix: str, *, window_s: int) -> None:
        self._client = client
        self._prefix = prefix
        self._window_ms = window_s * 1000
        self._script = client.register_script(_CLAIM)

    def claim(self, items: Sequence[tuple[str, str]]) -> list[bool]:
        """For each ``(id, coordinate)``: True if this record owns the id, False if duplicate."""
        if not items:
            return []
        keys = [f"{self._prefix}:{event_id}" for event_id, _ in items]
        argv: list[int | str] = [self._window_ms, *(coord for _, coord in items)]
        flags = self._script(keys=keys, args=argv)
        return [bool(f) for f in flags]

    def owner(self, event_id: str) -> str | None:
        """The coordinate of the record that claimed ``event_id``, if still remembered."""
        value = self._client.get(f"{self._prefix}:{event_id}")
        return value.decode() if isinstance(value, bytes) else None
