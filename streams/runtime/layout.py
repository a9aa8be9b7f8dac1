"""The execution lanes a deployment runs with, recorded in Redis, and the one way to change them.

A task's lane is ``crc32(lane key) % lanes``: a scheduler or an executor started with another
count would put a project in two lanes and could run two of its tasks at once. So the count is
recorded (``{<prefix>:executor}:lanes``): the scheduler and each executor claim it when they
become active (the first one records it) and refuse to run under another; only
:func:`change_lanes` (``taskline lanes set N``) changes it, and only on a drained, stopped
deployment:

1. no scheduler and no executor holds a lease (all of them stopped);
2. every task released onto ``scheduled`` (and every release the scheduler's book remembers)
   has its result on ``executed``;
3. ``scheduled`` has a partition per lane (added with CreatePartitions where the broker
   allows it; Kafka cannot remove partitions, so lowering the count leaves the last ones
   unused, and that partition count is recorded too: :func:`retired_partitions`).

>>> claim_lanes(client, settings)            # doctest: +SKIP
>>> change_lanes(settings, endpoints, client, 6)   # doctest: +SKIP
['scheduled: 6 partitions (2 added)', 'lanes: 4 -> 6: ...']
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import redis
from confluent_kafka import KafkaException
from confluent_kafka.cimpl import NewPartitions

from processors.lanes import MAX_LANES
from processors.models import DeadLetter, ExecutionResult, ScheduledTask
from streams.codec.serde import Serde
from streams.errors import ConfigurationError, PoisonRecordError
from streams.runtime.embedded import Endpoints
from streams.runtime.kafka import KafkaClients
from streams.runtime.lease import lease_key
from streams.runtime.reader import read_topics
from streams.runtime.topics import DEAD_LETTERS, EXECUTED, SCHEDULED, partition_count
from streams.settings import Settings
from streams.state.scheduler_book import SchedulerKeys


def lanes_key(redis_prefix: str) -> str:
    """Where the deployment's lane count is recorded (the executor's hash tag).

    >>> lanes_key("taskline")
    '{taskline:executor}:lanes'
    """
    return f"{lease_key(redis_prefix, 'executor').removesuffix(':lease')}:lanes"


def retired_partitions(client: redis.Redis, redis_prefix: str) -> int | None:
    """The partition count of ``scheduled`` that `lanes set` left when it lowered the lanes
    below it (the partitions beyond the lanes are no longer used), or None."""
    value = client.get(f"{lanes_key(redis_prefix)}:partitions")
    return int(value) if value is not None else None


def recorded_lanes(client: redis.Redis, redis_prefix: str) -> int | None:
    """The recorded lane count, or None before any scheduler or executor ran."""
    value = client.get(lanes_key(redis_prefix))
    return int(value) if value is not None else None


def claim_lanes(client: redis.Redis, settings: Settings) -> None:
    """Record ``settings.execution_lanes`` if nothing is recorded; :class:`ConfigurationError`
    when the deployment runs another count (a process started with a stale setting)."""
    key = lanes_key(settings.redis_prefix)
    lanes = settings.execution_lanes
    client.set(key, lanes, nx=True)
    recorded = recorded_lanes(client, settings.redis_prefix)
    if recorded is not None and recorded != lanes:
        raise ConfigurationError(
            f"this deployment runs {recorded} execution lane(s) but this process was started "
            f"with TASKLINE_EXECUTION_LANES={lanes}: start it with {recorded}, or change the "
            "deployment's lanes with `taskline lanes set` (docs/lanes.md)"
        )


@dataclass
class LaneState:
    """What ``taskline lanes show`` prints and what :func:`change_lanes` checks."""

    recorded: int | None
    partitions: int | None
    holders: dict[str, str] = field(default_factory=dict)  # lease → owner
    unfinished: list[str] = field(default_factory=list)  # released task ids without a result

    def lines(self) -> list[str]:
        """Human-readable, one fact per line."""
        out = [
            f"lanes: {self.recorded if self.recorded is not None else 'not recorded yet'}",
            f"scheduled partitions: {self.partitions if self.partitions is not None else '-'}",
        ]
        if self.holders:
            out += [f"held: {lease} by {owner}" for lease, owner in sorted(self.holders.items())]
        else:
            out.append("held: nothing (no scheduler or executor is active)")
        out.append(f"released without a result: {len(self.unfinished)}")
        out += [f"  {t}" for t in self.unfinished[:10]]
        return out


def lane_state(
    settings: Settings, endpoints: Endpoints, client: redis.Redis, serde: Serde
) -> LaneState:
    """The recorded count, the partitions, who holds leases, what is released but unfinished."""
    admin = KafkaClients(settings, endpoints.bootstrap_servers).admin()
    partitions = partition_count(admin, settings.topic(SCHEDULED))
    recorded = recorded_lanes(client, settings.redis_prefix)
    prefix = settings.redis_prefix
    holders = _holders(client, prefix)
    released: set[str] = {_text(k) for k in client.hkeys(SchedulerKeys(prefix).released)}
    finished: set[str] = set()
    # each topic read at least as far as its reader consumed it (a slow first fetch is not
    # taken for an empty topic)
    groups = {SCHEDULED: [settings.group("executor")], EXECUTED: [settings.group("completer")]}
    topics = [SCHEDULED, EXECUTED, DEAD_LETTERS]
    for rec in read_topics(settings, endpoints.bootstrap_servers, topics, groups=groups):
        try:
            if rec.topic == SCHEDULED:
                released.add(serde.decode(rec.value, ScheduledTask).task.task_id)
            elif rec.topic == EXECUTED:
                finished.add(serde.decode(rec.value, ExecutionResult).task_id)
            else:
                # a release the executor dead-lettered is finished too: it will never run
                letter = serde.decode(rec.value, DeadLetter)
                if letter.stage == "executor":
                    finished.add(serde.decode(letter.original, ScheduledTask).task.task_id)
        except PoisonRecordError:
            continue  # unreadable: nothing an executor could run
    return LaneState(recorded, partitions, holders, sorted(released - finished))


def change_lanes(
    settings: Settings, endpoints: Endpoints, client: redis.Redis, serde: Serde, lanes: int
) -> list[str]:
    """Change the deployment's lane count to ``lanes`` (drained and stopped, see the module
    docstring); what was done, one line each. :class:`ConfigurationError` says why not."""
    if not 1 <= lanes <= MAX_LANES:
        raise ConfigurationError(f"lanes must be 1..{MAX_LANES}, not {lanes}")
    state = lane_state(settings, endpoints, client, serde)
    if state.holders:
        lease, owner = sorted(state.holders.items())[0]
        raise ConfigurationError(
            f"{owner} holds {lease}: stop the scheduler and every executor first (docs/lanes.md)"
        )
    if state.unfinished:
        raise ConfigurationError(
            f"{len(state.unfinished)} released task(s) have no result yet "
            f"({', '.join(state.unfinished[:3])}): run the executors with the current lanes "
            "(the scheduler stopped) until `taskline lanes show` reports none, then stop them"
        )
    topic = settings.topic(SCHEDULED)
    done: list[str] = []
    have = state.partitions or 0
    if have < lanes:
        admin = KafkaClients(settings, endpoints.bootstrap_servers).admin()
        try:
            for future in admin.create_partitions([NewPartitions(topic, lanes)]).values():
                future.result(30)
        except KafkaException as exc:
            raise ConfigurationError(
                f"cannot add partitions to {topic} ({have} -> {lanes}): {exc.args[0].str()} "
                "(the embedded broker cannot; it keeps no topics across restarts: restart "
                f"`taskline up` with TASKLINE_EXECUTION_LANES={lanes})"
            ) from exc
        deadline = time.monotonic() + 30
        while (partition_count(admin, topic) or 0) < lanes:
            if time.monotonic() > deadline:
                raise ConfigurationError(f"{topic} did not grow to {lanes} partitions in 30 s")
            time.sleep(0.2)
        done.append(f"{topic}: {lanes} partitions ({lanes - have} added)")
    elif have > lanes:
        done.append(f"{topic}: {have} partitions, {have - lanes} no longer used")
    # recorded only if still no scheduler or executor holds a lease (an atomic check-and-set
    # over the executor's keys; the scheduler's lease is checked just before, and a scheduler
    # checks the count again every second while it runs)
    late = _holders(client, settings.redis_prefix, executor=False)
    base = lease_key(settings.redis_prefix, "executor")
    key = lanes_key(settings.redis_prefix)
    leases = [base] + [f"{base}:lane:{i}" for i in range(MAX_LANES)]
    retired = str(have) if have > lanes else ""
    held = (
        None
        if late
        else client.eval(
            _SET_LANES, 2 + len(leases), key, f"{key}:partitions", *leases, lanes, retired
        )
    )
    if late or held:
        who = next(iter(late.values())) if late else _text(held)
        raise ConfigurationError(
            f"{who} became active meanwhile: nothing recorded; stop it and run `lanes set` again"
            + (f" ({topic} has {lanes} partitions now)" if have < lanes else "")
        )
    before = state.recorded if state.recorded is not None else "unrecorded"
    done.append(
        f"lanes: {before} -> {lanes}: start every worker with TASKLINE_EXECUTION_LANES={lanes}"
    )
    return done


# KEYS[1] the lane count, KEYS[2] the retired partition count, KEYS[3..] the executor's leases;
# ARGV[1] lanes, ARGV[2] partitions left ('' = none). Returns the holder of a lease, or nil.
_SET_LANES = """
for i = 3, #KEYS do
  local owner = redis.call('GET', KEYS[i])
  if owner then return owner end
end
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[2] == '' then redis.call('DEL', KEYS[2]) else redis.call('SET', KEYS[2], ARGV[2]) end
return false
"""


def _holders(client: redis.Redis, prefix: str, *, executor: bool = True) -> dict[str, str]:
    # one MGET per hash tag (a cluster refuses keys of two slots in one command)
    found = {}
    scheduler = client.get(lease_key(prefix, "scheduler"))
    if scheduler is not None:
        found["scheduler lease"] = _text(scheduler)
    if executor:
        base = lease_key(prefix, "executor")
        names = [base] + [f"{base}:lane:{i}" for i in range(MAX_LANES)]
        for name, owner in zip(names, client.mget(names), strict=True):
            if owner is not None:
                found[_lease_name(name)] = _text(owner)
    return found


def _lease_name(key: str) -> str:
    # '{p:executor}:lease:lane:3' -> 'executor lane 3'; '{p:scheduler}:lease' -> 'scheduler'
    stage = key.split("}", 1)[0].rsplit(":", 1)[1]
    lane = key.rsplit(":lane:", 1)
    return f"{stage} lane {lane[1]}" if len(lane) == 2 else f"{stage} lease"


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
