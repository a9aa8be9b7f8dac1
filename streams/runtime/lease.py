"""The lease that makes one instance of an exclusive stage (scheduler, executor) the active one.

Each acquisition increments a *fencing token*; writes that must not come from a deposed
instance go through :meth:`Lease.fenced_set`, atomically in Redis.
"""

from __future__ import annotations

import redis

_LEASE = """
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(redis.call('GET', KEYS[2]) or '0')
end
if not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return redis.call('INCR', KEYS[2])
end
return 0
"""
_FENCED_SET = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = ARGV[2]
for i = 2, #KEYS do
  local value = ARGV[i + 1]
  if value == '' then
    redis.call('DEL', KEYS[i])
  else
    redis.call('SET', KEYS[i], value, 'EX', ttl)
  end
end
return 1
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Fenced(Exception):
    """This instance no longer holds its stage's lease: another took over. The batch is
    abandoned unproduced; the successor redoes it from the committed offsets."""


class Lease:
    """The lease that makes one instance of an exclusive stage the active one.

    >>> lease = Lease(client, "taskline:lease:executor", "executor-1")   # doctest: +SKIP
    >>> lease.hold()          # the fencing token while held, 0 while another holds it
    7
    """

    def __init__(self, client: redis.Redis, key: str, instance_id: str, ttl_ms: int = 5000):
        self.key, self.instance_id, self.ttl_ms = key, instance_id, ttl_ms
        self.token = 0
        self._redis = client
        self._script = client.register_script(_LEASE)
        self._fenced_set = client.register_script(_FENCED_SET)

    def hold(self) -> int:
        """Acquire or renew; the fencing token (0: not held)."""
        self.token = int(
            self._script(keys=[self.key, f"{self.key}:token"], args=[self.instance_id, self.ttl_ms])
        )
        return self.token

    def release(self) -> None:
        """Give the lease up (a clean shutdown: the standby need not wait for expiry)."""
        self._redis.eval(_RELEASE, 1, self.key, self.instance_id)
        self.token = 0

    def owner(self) -> str | None:
        """Who holds the lease now."""
        value = self._redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value

    def fenced_set(self, values: dict[str, str | bytes | None], ttl_s: int) -> None:
        """Set (or, for None, delete) keys only while this instance holds the lease, in one
        atomic step; :class:`Fenced` otherwise."""
        if not values:
            return
        keys = list(values)
        args: list[str | bytes | int] = [self.instance_id, ttl_s]
        args += [values[k] or b"" for k in keys]
        if not self._fenced_set(keys=[self.key, *keys], args=args):
            raise Fenced(f"{self.instance_id} lost the lease {self.key}")
