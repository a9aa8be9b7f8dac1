"""The lease that makes one instance of an exclusive stage (scheduler, executor) the active one.

Each acquisition increments a *fencing token*; writes that must not come from a deposed
instance go through :meth:`Lease.fenced_set`, atomically in Redis.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

import redis

# Renewing never shortens the lease: a long step may have extended it past the usual TTL.
# A held lease whose token is gone (Redis lost that key but not the lease) is taken anew with
# a new token: returning 0 there would stall the owner forever while it kept renewing.
_LEASE = """
local owner = redis.call('GET', KEYS[1])
local token = redis.call('GET', KEYS[2])
if owner == ARGV[1] and token then
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  end
  return tonumber(token)
end
if not owner or owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return redis.call('INCR', KEYS[2])
end
return 0
"""
# KEYS[1] lease, KEYS[2] its token, KEYS[3..] the keys to write; ARGV[1] owner, ARGV[2] token
# the writer holds, ARGV[3] ttl, ARGV[4] how many of the keys (from KEYS[3]) are write-once,
# then one value per key ('' = delete). Returns 1, 0 (fenced: owner or token moved on) or -1
# (a write-once key exists: another instance already recorded that result).
_FENCED_SET = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return 0
end
local once = tonumber(ARGV[4])
for i = 3, 2 + once do
  if redis.call('EXISTS', KEYS[i]) == 1 then return -1 end
end
for i = 3, #KEYS do
  local value = ARGV[i + 2]
  if value == '' then
    redis.call('DEL', KEYS[i])
  else
    redis.call('SET', KEYS[i], value, 'EX', ARGV[3])
  end
end
return 1
"""
# KEYS[1] lease, KEYS[2] token, KEYS[3..] the keys the ops name; ARGV[1] owner, ARGV[2] token,
# then per op: command, its key's index in KEYS, the number of further arguments, the arguments.
_FENCED_OPS = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return 0
end
local i = 3
while i <= #ARGV do
  local argc = tonumber(ARGV[i + 2])
  local call = {ARGV[i], KEYS[tonumber(ARGV[i + 1])]}
  for j = 1, argc do call[#call + 1] = ARGV[i + 2 + j] end
  redis.call(unpack(call))
  i = i + 3 + argc
end
return 1
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


_MARGIN_S = 1.0  # clock drift and the round trip between a check and the step's last act


class Fenced(Exception):
    """This instance no longer holds its stage's lease: another took over. The batch is
    abandoned unproduced; the successor redoes it from the committed offsets."""


class Lease:
    """The lease that makes one instance of an exclusive stage the active one.

    ``key`` should carry a Redis Cluster hash tag (``{taskline:executor}:lease``) shared by
    every key written through :meth:`fenced_set`, so that the fenced script runs on a cluster.

    >>> lease = Lease(client, "{taskline:executor}:lease", "executor-1")   # doctest: +SKIP
    >>> lease.hold()          # the fencing token while held, 0 while another holds it
    7
    """

    def __init__(self, client: redis.Redis, key: str, instance_id: str, ttl_ms: int = 5000):
        self.key, self.instance_id, self.ttl_ms = key, instance_id, ttl_ms
        self.token = 0
        self._valid_until = 0.0  # monotonic: the lease cannot have expired before this
        self._redis = client
        self._script = client.register_script(_LEASE)
        self._fenced_set = client.register_script(_FENCED_SET)
        self._fenced_ops = client.register_script(_FENCED_OPS)

    @property
    def token_key(self) -> str:
        """Where the fencing token lives (incremented on every acquisition)."""
        return f"{self.key}:token"

    def hold(self, ttl_ms: int | None = None) -> int:
        """Acquire or renew (for at least ``ttl_ms``, default the lease's TTL); the fencing
        token (0: not held)."""
        ttl = max(ttl_ms or 0, self.ttl_ms)
        asked = time.monotonic()  # before the request: a conservative expiry estimate
        self.token = int(
            self._script(keys=[self.key, self.token_key], args=[self.instance_id, ttl])
        )
        if not self.token:
            self._valid_until = 0.0
        else:
            self._valid_until = max(self._valid_until, asked + ttl / 1000)
        return self.token

    def remaining_s(self) -> float:
        """How long the lease is still certainly held (0 when not held)."""
        return max(self._valid_until - time.monotonic(), 0.0) if self.token else 0.0

    def ensure(self, needed_s: float) -> None:
        """Make sure the lease outlives ``needed_s`` seconds from now, extending it for a long
        step (a standby then waits that long); :class:`Fenced` when this instance lost it
        (or got it back under a new token): the step must not start."""
        if self.remaining_s() > needed_s + _MARGIN_S:
            return
        token = self.token
        extended = int((needed_s + _MARGIN_S) * 1000) + self.ttl_ms
        if token == 0 or self.hold(extended) != token:
            raise Fenced(f"{self.instance_id} lost the lease {self.key} (token {token})")

    def release(self) -> None:
        """Give the lease up (a clean shutdown: the standby need not wait for expiry)."""
        self._redis.eval(_RELEASE, 1, self.key, self.instance_id)
        self.token = 0
        self._valid_until = 0.0

    def owner(self) -> str | None:
        """Who holds the lease now."""
        value = self._redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value

    def fenced_set(
        self,
        values: dict[str, str | bytes | None],
        ttl_s: int,
        *,
        token: int,
        once: Collection[str] = (),
    ) -> None:
        """Set (or, for None, delete) keys only while this instance holds the lease with the
        fencing ``token`` it worked under, in one atomic step; keys in ``once`` are written
        only if absent. :class:`Fenced` when the owner or token moved on or a write-once key
        exists (an instance that lost the lease and got it back has a new token, so a batch
        it computed under the old one is refused)."""
        if not values:
            return
        first = [k for k in values if k in once]
        keys = first + [k for k in values if k not in once]
        args: list[str | bytes | int] = [self.instance_id, token, ttl_s, len(first)]
        args += [values[k] or b"" for k in keys]
        done = int(self._fenced_set(keys=[self.key, self.token_key, *keys], args=args))
        if done == 0:
            raise Fenced(f"{self.instance_id} no longer holds {self.key} with token {token}")
        if done < 0:
            raise Fenced(f"{self.instance_id}: a result for {first} is recorded already")

    def fenced_apply(self, ops: Sequence[Sequence[str | bytes | int]], *, token: int) -> None:
        """Run Redis write commands (``("HSET", key, field, value)``, ``("DEL", key)``, ...;
        the key second) as one atomic step, only while this instance holds the lease with
        ``token``; :class:`Fenced` otherwise. Nothing is written when fenced."""
        if not ops:
            return
        keys: dict[str, int] = {}
        args: list[str | bytes | int] = [self.instance_id, token]
        for command, key, *rest in ops:
            index = keys.setdefault(str(key), len(keys) + 3)
            args += [command, index, len(rest), *rest]
        if not int(self._fenced_ops(keys=[self.key, self.token_key, *keys], args=args)):
            raise Fenced(f"{self.instance_id} no longer holds {self.key} with token {token}")


def lease_key(redis_prefix: str, stage: str) -> str:
    """The lease of an exclusive stage; its hash tag is shared by the stage's fenced keys.

    >>> lease_key("taskline", "executor")
    '{taskline:executor}:lease'
    """
    return f"{{{redis_prefix}:{stage}}}:lease"
