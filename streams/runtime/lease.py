"""The lease that makes one instance of an exclusive stage (scheduler, executor) the active one.

Each acquisition increments a *fencing token*; writes that must not come from a deposed
instance go through :meth:`Lease.fenced_set`, atomically in Redis.
"""

from __future__ import annotations

import threading
import time
import zlib
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
  if KEYS[3] then
    -- a lane's lease: its token comes from the counter all lanes share, so tokens never
    -- repeat across lanes and one counter is what recovery raises; never at or below the
    -- highest token this instance already used (ARGV[3]): a counter Redis lost is raised
    -- (returned negative then: Redis lost the counter, so it may have lost results too)
    local fresh = redis.call('INCR', KEYS[3])
    local floor = tonumber(ARGV[3] or '0')
    if fresh <= floor then
      redis.call('SET', KEYS[3], floor + 1)
      redis.call('SET', KEYS[2], floor + 1)
      return -(floor + 1)
    end
    redis.call('SET', KEYS[2], fresh)
    return fresh
  end
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

    def __init__(
        self,
        client: redis.Redis,
        key: str,
        instance_id: str,
        ttl_ms: int = 5000,
        *,
        counter_key: str | None = None,
    ):
        self.key, self.instance_id, self.ttl_ms = key, instance_id, ttl_ms
        self.counter_key = counter_key  # tokens drawn from a shared counter (execution lanes)
        self.token = 0
        self.counter_was_lost = False  # the last hold found the shared counter lost
        self._valid_until = 0.0  # monotonic: the lease cannot have expired before this
        self._redis = client
        self._script = client.register_script(_LEASE)
        self._fenced_set = client.register_script(_FENCED_SET)
        self._fenced_ops = client.register_script(_FENCED_OPS)

    @property
    def token_key(self) -> str:
        """Where the fencing token lives (incremented on every acquisition)."""
        return f"{self.key}:token"

    def hold(self, ttl_ms: int | None = None, *, floor: int = 0) -> int:
        """Acquire or renew (for at least ``ttl_ms``, default the lease's TTL); the fencing
        token (0: not held). With a shared counter, a new token is above ``floor``."""
        ttl = max(ttl_ms or 0, self.ttl_ms)
        asked = time.monotonic()  # before the request: a conservative expiry estimate
        keys = [self.key, self.token_key]
        args: list[str | int] = [self.instance_id, ttl]
        if self.counter_key is not None:
            keys.append(self.counter_key)
            args.append(floor)
        got = int(self._script(keys=keys, args=args))
        # negative: the shared counter was below ``floor`` (Redis lost it) and was raised
        self.counter_was_lost = got < 0
        self.token = abs(got)
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


class LaneLeases:
    """The leases of the execution lanes (opt-in): each lane held by one executor at a time.

    Every executor process registers as a member and holds at most its fair share of the
    lanes (``ceil(lanes / live members)``): a new member gets lanes as the others give up
    their extras between batches, and a dead member's lanes are taken when its leases
    expire. Tokens come from one counter shared by all lanes (``{base}:token``, the token
    of the single-lane lease), so a token is never reused on any lane; ``floor`` is the
    highest token this instance has used or seen, and a new token is always above it (a
    counter Redis lost is raised past it in the same step).

    >>> leases = LaneLeases(client, lease_key("taskline", "executor"), "x-1", 4)  # doctest: +SKIP
    >>> leases.balance()          # the lanes this instance holds now
    {0, 1, 2, 3}
    """

    def __init__(
        self, client: redis.Redis, base_key: str, instance_id: str, lanes: int, ttl_ms: int = 5000
    ) -> None:
        self.instance_id, self.ttl_ms = instance_id, ttl_ms
        self.leases = [
            Lease(
                client, f"{base_key}:lane:{i}", instance_id, ttl_ms, counter_key=f"{base_key}:token"
            )
            for i in range(lanes)
        ]
        self.members_key = f"{base_key}:members"
        self.held: set[int] = set()
        self.floor = 0
        # set when a lane was taken over a counter Redis had lost: the executor heals its
        # results from ``executed`` before it runs anything (see StageRunner._run_lanes)
        self.counter_lost = False
        self._redis = client
        self._lock = threading.Lock()  # the renewer thread and the main loop share the leases
        # where this instance starts looking for free lanes: members spread over the lanes
        self._start = zlib.crc32(instance_id.encode()) % lanes

    def share(self) -> int:
        """How many lanes this instance may hold: its fair share of the live members."""
        now_ms = int(time.time() * 1000)
        pipe = self._redis.pipeline(transaction=False)
        pipe.zadd(self.members_key, {self.instance_id: now_ms})
        pipe.zremrangebyscore(self.members_key, "-inf", now_ms - 2 * self.ttl_ms)
        pipe.zcard(self.members_key)
        pipe.pexpire(self.members_key, 4 * self.ttl_ms)
        members = int(pipe.execute()[2])
        return -(-len(self.leases) // max(members, 1))

    def renew(self) -> set[int]:
        """Renew the held leases; those lost are dropped. The lanes still held."""
        with self._lock:
            for lane in sorted(self.held):
                if not self._hold(lane):
                    self.held.discard(lane)
            return set(self.held)

    def raise_floor(self, token: int) -> None:
        """Make every new token above ``token`` (one this process saw on ``executed``)."""
        with self._lock:
            self.floor = max(self.floor, token)

    def _hold(self, lane: int) -> int:
        lease = self.leases[lane]
        token = lease.hold(floor=self.floor)
        self.counter_lost |= lease.counter_was_lost
        self.floor = max(self.floor, token)
        return token

    def balance(self) -> set[int]:
        """Renew, give up lanes above the fair share, take free lanes up to it."""
        share = self.share()
        self.renew()
        with self._lock:
            for lane in sorted(self.held, reverse=True)[: max(len(self.held) - share, 0)]:
                self.leases[lane].release()
                self.held.discard(lane)
            n = len(self.leases)
            for step in range(n):
                if len(self.held) >= share:
                    break
                lane = (self._start + step) % n
                if lane not in self.held and self._hold(lane):
                    self.held.add(lane)
            return set(self.held)

    def drop(self, lane: int) -> None:
        """Forget a lane this instance was fenced out of."""
        with self._lock:
            self.held.discard(lane)
            self.leases[lane].token = 0

    def release_at_or_below(self, token: int) -> None:
        """Give up the lanes held with a token at or below ``token`` (to take them anew)."""
        with self._lock:
            for lane in sorted(self.held):
                if self.leases[lane].token <= token:
                    self.leases[lane].release()
                    self.held.discard(lane)

    def release_all(self) -> None:
        """Give every lane up and leave the members (a clean shutdown)."""
        with self._lock:
            for lane in sorted(self.held):
                self.leases[lane].release()
            self.held.clear()
            self._redis.zrem(self.members_key, self.instance_id)
