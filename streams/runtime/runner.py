"""The stage runner: consume a batch → handle → produce → wait for acks → commit offsets.

At-least-once by construction: offsets are committed only after every output of the batch is
acknowledged, so a crash anywhere repeats records, never loses them; each stage's effects are
idempotent by stable ids, so a repeated record repeats no task, completion or SSOT version.

Records that can never be processed become ``dead-letters`` (reason, original bytes, topic,
partition, offset); infrastructure faults (Redis or broker unreachable) retry the whole batch
with backoff instead, because the records are fine.

``exclusive`` stages (the scheduler and the executor) read every partition of their topics by
assignment and only while they hold a Redis :class:`Lease`, so a second instance waits as a
hot standby. Each acquisition of the lease increments a *fencing token*; writes that must
not come from a deposed instance (the executor's checkpoints and results) are made only if
the writer still holds the lease, atomically in Redis, and a deposed instance stops before
producing anything (:class:`Fenced`).

With execution lanes (``TASKLINE_EXECUTION_LANES`` > 1, opt-in) the executor holds one lease
per lane instead (:class:`LaneLeases`): it reads only the partitions of ``scheduled`` whose
lanes it holds, handles each lane's records under that lane's lease and fencing token, and
any number of executor processes share the lanes.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol, TypeVar

import redis
from confluent_kafka import (
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from pydantic import TypeAdapter, ValidationError

from processors.models import DeadLetter, Record, now_millis
from streams.codec.serde import Serde
from streams.errors import (
    ConfigurationError,
    PermanentFaultError,
    PoisonRecordError,
    ValidationFailedError,
    WrongRecordTypeError,
)
from streams.runtime.kafka import KafkaClients, take
from streams.runtime.layout import claim_lanes, retired_partitions
from streams.runtime.lease import Fenced, LaneLeases, Lease, lease_key
from streams.runtime.logs import STAGE, record_ids
from streams.runtime.topics import DEAD_LETTERS, SCHEDULED, check_scheduled_partitions
from streams.settings import Settings

log = logging.getLogger("taskline.runtime")
R = TypeVar("R", bound=Record)


class DeliveryError(Exception):
    """The broker did not acknowledge an output record; the batch is retried."""


INFRA_ERRORS: tuple[type[BaseException], ...] = (redis.RedisError, KafkaException, DeliveryError)

# Redis replies that a retry can outlive: a replica being promoted, a resharding cluster
_HEALING_REPLIES = (redis.exceptions.ReadOnlyError, redis.exceptions.TryAgainError)
_FATAL_KAFKA = {
    KafkaError.TOPIC_AUTHORIZATION_FAILED,
    KafkaError.GROUP_AUTHORIZATION_FAILED,
    KafkaError.CLUSTER_AUTHORIZATION_FAILED,
    KafkaError.SASL_AUTHENTICATION_FAILED,
    KafkaError._AUTHENTICATION,
    KafkaError._SSL,
}


def permanent(exc: BaseException) -> bool:
    """Whether an infrastructure error will not heal by retrying the batch.

    Redis error replies are (out of memory, an error in a script, keys in different cluster
    slots, no permission), but for a read-only replica or a cluster's TRYAGAIN during a
    failover; so are wrong credentials. Connection losses and time-outs are not.

    >>> permanent(redis.exceptions.OutOfMemoryError("OOM command not allowed"))
    True
    >>> permanent(redis.exceptions.ConnectionError("Connection refused"))
    False
    """
    if isinstance(exc, redis.exceptions.AuthenticationError | redis.exceptions.AuthorizationError):
        return True
    if isinstance(exc, redis.exceptions.ResponseError):
        return not isinstance(exc, _HEALING_REPLIES)
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        error: KafkaError = exc.args[0]
        return bool(error.fatal()) or error.code() in _FATAL_KAFKA
    return False


PROPAGATE: tuple[type[BaseException], ...] = (*INFRA_ERRORS, Fenced)  # never dead-lettered


@dataclass(frozen=True)
class Out:
    """One record a stage wants produced."""

    topic: str
    key: bytes | None
    value: bytes
    partition: int | None = None  # None: the key's partition (librdkafka's partitioner)


class Observer(Protocol):
    """What a latency goes into (a prometheus histogram child)."""

    def observe(self, amount: float) -> None: ...


@dataclass
class StageStats:
    """Counters and state of one stage: read by `up`'s summary, /metrics and `taskline top`."""

    records_in: int = 0
    records_done: int = 0  # consumed records whose whole batch was produced, acked, committed
    dead_letters: int = 0
    duplicates: int = 0
    held: int = 0
    retries: int = 0
    out: Counter[str] = field(default_factory=Counter)
    lag: dict[tuple[str, int], int] = field(default_factory=dict)
    # Where latencies go: the metrics server's histograms (set when it starts); with metrics
    # off they are not kept at all, so nothing grows between scrapes or without them.
    batch_histogram: Observer | None = None
    end_to_end_histogram: Observer | None = None
    recent: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=20))
    current: dict[str, Any] = field(default_factory=dict)  # the executor's task and step now
    cpu_seconds: float = 0.0  # this stage's thread CPU time spent on batches

    def observe_batch(self, seconds: float) -> None:
        """One batch's handle + produce + commit time."""
        if self.batch_histogram is not None:
            self.batch_histogram.observe(seconds)

    def observe_end_to_end(self, seconds: float) -> None:
        """One event's time from ``occurred_at`` to its SSOT commit."""
        if self.end_to_end_histogram is not None:
            self.end_to_end_histogram.observe(seconds)

    def note(self, kind: str, detail: str, **ids: str | None) -> None:
        """Remember a failure or dead letter for `taskline top`."""
        self.recent.append({"at": time.time(), "kind": kind, "detail": detail[:300], **ids})


def record_ids_of(record: Record) -> tuple[str | None, str | None]:
    """The source event id and task id a record is about (for log lines)."""
    inner = _field(record, "event") or _field(record, "task") or record
    event_id = _field(inner, "source_event_id")
    task_id = _field(inner, "task_id") or _field(record, "task_id")
    return event_id, task_id


def _field(record: Any, name: str) -> Any:
    # a model's missing attribute raises inside pydantic (an exception per record and name)
    return getattr(record, name) if name in type(record).model_fields else None


def coordinate(msg: Message) -> str:
    """``topic/partition/offset`` of a consumed record: its identity for redelivery checks."""
    return f"{msg.topic()}/{msg.partition()}/{msg.offset()}"


@functools.cache
def _field_check(model: type[Record], name: str) -> TypeAdapter[Any]:
    """Validation of one field of ``model``, as validating the whole record does it."""
    info = model.model_fields[name]
    kind: Any = info.annotation
    # Annotated needs one annotation at least: a field with no constraint is its type alone
    if info.metadata:
        kind = Annotated[(kind, *info.metadata)]
    return TypeAdapter(kind)


class StageIO:
    """What handlers share: settings, serde, stats, and the dead-letter/encode helpers."""

    def __init__(self, stage: str, settings: Settings, serde: Serde) -> None:
        self.stage = stage
        self.settings = settings
        self.serde = serde
        self.stats = StageStats()

    def out(self, topic: str, key: str | None, record: Record, encoded: bytes | None = None) -> Out:
        """An output record on logical ``topic`` (``encoded``: the record's bytes, when the
        caller already has them)."""
        value = encoded if encoded is not None else self.serde.encode(record)
        return Out(self.settings.topic(topic), key.encode() if key else None, value)

    def dead_letter(self, msg: Message, exc: BaseException) -> Out:
        """A dead letter for ``msg`` explaining ``exc``."""
        self.stats.dead_letters += 1
        reason = str(exc) if isinstance(exc, PoisonRecordError) else f"{type(exc).__name__}: {exc}"
        self.stats.note("dead letter", reason, coordinate=coordinate(msg))
        original = msg.value() or b""
        limit = self.settings.max_record_bytes
        if len(original) > limit:
            # Too big to republish whole; the record stays on its topic at the coordinate
            # below, and the digest proves which one it was.
            digest = hashlib.sha256(original).hexdigest()
            reason += f" (original of {len(original)} bytes truncated to {limit}, sha256 {digest})"
            original = original[:limit]
        log.warning("%s: dead-lettering %s: %s", self.stage, coordinate(msg), reason[:300])
        letter = DeadLetter(
            stage=self.stage,
            reason=reason[:4000],
            error_type=type(exc).__name__,
            topic=msg.topic() or "",
            partition=msg.partition() or 0,
            offset=msg.offset() or 0,
            key=msg.key(),
            original=original,
            failed_at=now_millis(),
        )
        return self.out(DEAD_LETTERS, self.stage, letter)

    def decode(
        self, batch: Sequence[Message], model: type[R]
    ) -> tuple[list[tuple[Message, R]], list[Out]]:
        """Decode a batch; undecodable or oversize records become dead letters."""
        good: list[tuple[Message, R]] = []
        dead: list[Out] = []
        for msg in batch:
            try:
                good.append((msg, self.serde.decode(self._value(msg), model)))
            except PoisonRecordError as exc:
                dead.append(self.dead_letter(msg, exc))
        return good, dead

    def decode_fields(
        self, batch: Sequence[Message], model: type[Record], names: tuple[str, ...]
    ) -> tuple[list[tuple[Message, list[Any]]], list[Out]]:
        """:meth:`decode` of only some fields of each record (``Serde.leading_fields``: the
        rest is not read, nor checked), each validated as ``model`` validates it; records
        that are not ``model``'s type or whose fields are unreadable or invalid become dead
        letters."""
        good: list[tuple[Message, list[Any]]] = []
        dead: list[Out] = []
        checks = [_field_check(model, n) for n in names]
        for msg in batch:
            try:
                value = self._value(msg)
                writer = self.serde.writer_of(value)
                if writer.type_name != model.__avro_type__:
                    raise WrongRecordTypeError(
                        f"expected a {model.__avro_type__} record, got {writer.type_name} "
                        f"v{writer.version}"
                    )
                values = self.serde.leading_fields(value, names)[1]
                for name, check, field_value in zip(names, checks, values, strict=True):
                    try:
                        check.validate_python(field_value)
                    except ValidationError as exc:
                        reason = f"invalid record: {name}: {exc.errors()[0]['msg']}"
                        raise ValidationFailedError(reason) from exc
                good.append((msg, values))
            except PoisonRecordError as exc:
                dead.append(self.dead_letter(msg, exc))
        return good, dead

    def _value(self, msg: Message) -> bytes:
        value = msg.value()
        if not value:
            raise ValidationFailedError("empty record value")
        if len(value) > self.settings.max_record_bytes:
            raise ValidationFailedError(
                f"record of {len(value)} bytes exceeds max_record_bytes="
                f"{self.settings.max_record_bytes}"
            )
        return value

    def each(
        self, items: Sequence[tuple[Message, R]], fn: Callable[[Message, R], list[Out]]
    ) -> list[Out]:
        """Apply ``fn`` per record; a record whose logic raises is dead-lettered, others go on.

        Infrastructure errors propagate so that the runner retries the whole batch.
        """
        outs: list[Out] = []
        for msg, record in items:
            event_id, task_id = record_ids_of(record)
            try:
                with record_ids(event_id=event_id, task_id=task_id):
                    outs.extend(fn(msg, record))
            except PROPAGATE:
                raise
            except Exception as exc:
                outs.append(self.dead_letter(msg, exc))
        return outs


class Handler(Protocol):
    """A stage's logic over one batch of records."""

    io: StageIO
    topics: tuple[str, ...]
    exclusive: bool
    lease: Lease | None  # set by the runner for exclusive stages

    def handle(self, batch: list[Message]) -> list[Out]: ...


T = TypeVar("T")
STARTUP_RETRY_S = 60.0  # how long start-up waits out a Redis that is restarting


def retrying(what: str, step: Callable[[], T]) -> T:
    """``step``, retried while Redis or the broker is briefly away (a restart, a failover):
    a worker started meanwhile waits for it rather than dying; errors no retry can heal
    (and any after ``STARTUP_RETRY_S``) are raised."""
    deadline = time.monotonic() + STARTUP_RETRY_S
    attempt = 0
    while True:
        try:
            return step()
        except INFRA_ERRORS as exc:
            if permanent(exc) or time.monotonic() > deadline:
                raise
            attempt += 1
            delay = min(0.1 * 2**attempt, 2.0)
            log.warning("start-up: %s: retrying in %.1fs: %s", what, delay, exc)
            time.sleep(delay)


# the stages whose work depends on the lane count: they claim it when they become active
LANED_STAGES = ("scheduler", "executor")


class StageRunner:
    """Runs one handler until ``stop`` is set. Use :meth:`run` in a thread or the main thread."""

    def __init__(
        self,
        handler: Handler,
        settings: Settings,
        bootstrap_servers: str,
        redis_client: redis.Redis,
        *,
        lease_ttl_ms: int = 5000,
    ) -> None:
        self.handler = handler
        self.settings = settings
        self.stage = handler.io.stage
        self._clients = KafkaClients(settings, bootstrap_servers)
        self._redis = redis_client
        self.instance_id = f"{self.stage}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.lease = Lease(
            redis_client,
            lease_key(settings.redis_prefix, self.stage),
            self.instance_id,
            lease_ttl_ms,
        )
        if handler.exclusive:
            handler.lease = self.lease
        self.lanes: LaneLeases | None = None
        if handler.exclusive and SCHEDULED in handler.topics and settings.execution_lanes > 1:
            self.lanes = LaneLeases(
                redis_client,
                lease_key(settings.redis_prefix, self.stage),
                self.instance_id,
                settings.execution_lanes,
                lease_ttl_ms,
            )
        self.ready = threading.Event()
        self.active = False  # exclusive stages: whether this instance holds the lease
        self._next_lag = 0.0
        self._next_claim = 0.0  # when the scheduler or executor checks the lane count again
        self._paused: set[str] = set()  # topics the handler asked not to be read (for now)
        self.error: BaseException | None = None

    @property
    def stats(self) -> StageStats:
        """The handler's counters."""
        return self.handler.io.stats

    def _consumer(self) -> Consumer:
        return self._clients.consumer("group-consumer", group_id=self.settings.group(self.stage))

    def _producer(self) -> Producer:
        return self._clients.producer("stage-producer")

    def run(self, stop: threading.Event) -> None:
        """Consume and process until ``stop``; errors that end the stage are kept in ``error``."""
        STAGE.set(self.stage)
        try:
            if self.lanes is not None:
                self._run_lanes(stop, self.lanes)
            else:
                self._run(stop)
        except BaseException as exc:
            self.error = exc
            raise

    def _run(self, stop: threading.Event) -> None:
        topics = [self.settings.topic(t) for t in self.handler.topics]
        partitions: list[TopicPartition] = []
        renewer: threading.Thread | None = None
        if self.handler.exclusive:
            admin = self._clients.admin()
            if SCHEDULED in self.handler.topics:
                retired = retrying(
                    "reading the lanes",
                    lambda: retired_partitions(self._redis, self.settings.redis_prefix),
                )
                check_scheduled_partitions(admin, self.settings, retired=retired)
            meta = admin.list_topics(timeout=10).topics
            scheduled = self.settings.topic(SCHEDULED)
            partitions = [
                TopicPartition(t, p)
                for t in topics
                if t in meta
                for p in sorted(meta[t].partitions)
                # lane i is partition i; any beyond the lanes are no longer used
                if t != scheduled or p < self.settings.execution_lanes
            ]
            renewer = threading.Thread(
                target=self._renew, args=(stop,), name=f"{self.stage}-lease", daemon=True
            )
            renewer.start()
        consumer = self._consumer()
        producer = self._producer()
        try:
            if self.handler.exclusive:
                self.ready.set()
            else:
                consumer.subscribe(topics, on_assign=lambda _c, _p: self.ready.set())
            # handlers with a ``tick_s`` are also called with an empty batch when idle that long
            # (the scheduler: re-produce after a take-over, dependency time-outs)
            last_handled = 0.0
            while not stop.is_set():
                if self.handler.exclusive and not self._hold_lease(consumer, partitions):
                    stop.wait(0.5)
                    continue
                batch = take(consumer, self.settings.batch_max, self.settings.poll_timeout_s)
                records = [m for m in batch if m.error() is None]
                for m in batch:
                    if m.error() is not None:
                        log.warning("%s: consume error: %s", self.stage, m.error())
                tick = getattr(self.handler, "tick_s", None)
                if not records and not (tick and time.monotonic() - last_handled >= tick):
                    continue
                last_handled = time.monotonic()
                self.stats.records_in += len(records)
                started, cpu = time.perf_counter(), time.thread_time()
                try:
                    if not self._process(records, producer, stop):
                        break
                except Fenced as exc:
                    log.warning("%s: fenced, standing by: %s", self.stage, exc)
                    consumer.unassign()
                    self.active = False
                    continue
                if records:
                    self._commit(consumer, records)
                    self.stats.records_done += len(records)
                self._pause_as_asked(consumer)
                self.stats.observe_batch(time.perf_counter() - started)
                self.stats.cpu_seconds += time.thread_time() - cpu
                if time.monotonic() >= self._next_lag:
                    self._measure_lag(consumer)
        finally:
            producer.flush(10)
            consumer.close()
            if self.active:
                try:
                    self.lease.release()
                except redis.RedisError as exc:
                    log.warning("%s: could not release the lease: %s", self.stage, exc)
                self.active = False
            if renewer is not None:
                renewer.join(2)

    def _run_lanes(self, stop: threading.Event, lanes: LaneLeases) -> None:
        """The executor with execution lanes: each lane's records under that lane's lease."""
        topic = self.settings.topic(SCHEDULED)
        retired = retrying(
            "reading the lanes", lambda: retired_partitions(self._redis, self.settings.redis_prefix)
        )
        check_scheduled_partitions(self._clients.admin(), self.settings, retired=retired)
        renewer = threading.Thread(
            target=self._renew_lanes, args=(stop, lanes), name=f"{self.stage}-lanes", daemon=True
        )
        renewer.start()
        consumer = self._consumer()
        producer = self._producer()
        assigned: set[int] = set()
        rewind = False  # a batch was abandoned: every lane resumes at its committed offset
        next_balance = 0.0
        self.ready.set()
        try:
            while not stop.is_set():
                if time.monotonic() >= next_balance:
                    next_balance = time.monotonic() + lanes.ttl_ms / 6000
                    lanes.raise_floor(getattr(self.handler, "highest_token", 0))
                    try:
                        self._claim_lanes()
                        held = lanes.balance()
                    except redis.RedisError as exc:
                        if permanent(exc):
                            raise PermanentFaultError(f"{self.stage}: lanes: {exc}") from exc
                        log.warning("%s: lane leases: %s", self.stage, exc)
                        held = set()
                else:
                    held = set(lanes.held)
                if held != assigned or rewind:
                    # (re)assign so that each lane starts at the group's committed offset
                    rewind = False
                    if held:
                        consumer.assign([TopicPartition(topic, lane) for lane in sorted(held)])
                    else:
                        consumer.unassign()
                    gained, lost = sorted(held - assigned), sorted(assigned - held)
                    log.info(
                        "%s: %s holds lanes %s (gained %s, gave up %s)",
                        self.stage,
                        self.instance_id,
                        sorted(held) or "none",
                        gained or "none",
                        lost or "none",
                    )
                    assigned = held
                    activate = getattr(self.handler, "on_activate", None)
                    if gained and activate is not None:
                        activate()  # lanes taken over: what their last holders recorded
                self.active = bool(held)
                if not held:
                    stop.wait(0.5)
                    continue
                if lanes.counter_lost:
                    # a lane was taken over a fencing counter Redis had lost: results may be
                    # lost too, so heal them from executed before running anything
                    lanes.counter_lost = False
                    heal = getattr(self.handler, "on_counter_lost", None)
                    if heal is not None:
                        heal()
                    lanes.raise_floor(getattr(self.handler, "highest_token", 0))
                batch = take(consumer, self.settings.batch_max, self.settings.poll_timeout_s)
                by_lane: dict[int, list[Message]] = {}
                for m in batch:
                    if m.error() is not None:
                        log.warning("%s: consume error: %s", self.stage, m.error())
                    else:
                        by_lane.setdefault(m.partition() or 0, []).append(m)
                for lane, records in sorted(by_lane.items()):
                    if lane not in lanes.held:
                        # lost meanwhile: its next holder reads them again (and so does this
                        # instance if it takes the lane back: hence the rewind)
                        rewind = True
                        continue
                    self.handler.lease = lanes.leases[lane]
                    saw_token = getattr(self.handler, "saw_token", None)
                    if saw_token is not None:
                        saw_token(lanes.floor)  # every token this instance drew, on any lane
                    self.stats.records_in += len(records)
                    started, cpu = time.perf_counter(), time.thread_time()
                    try:
                        if not self._process(records, producer, stop):
                            return
                    except Fenced as exc:
                        log.warning("%s: fenced out of lane %d: %s", self.stage, lane, exc)
                        lanes.drop(lane)
                        assigned.discard(lane)  # taken back, it is taken over: gained anew
                        # leases the handler wants taken anew (Redis lost writes, so their
                        # tokens may repeat old ones): all at once, not one rewind per lane
                        below = getattr(self.handler, "retake_below", 0)
                        lanes.release_at_or_below(below)
                        next_balance = 0.0
                        # the consumer has read past this batch: re-assign every lane so that
                        # each resumes at its committed offset (the batch's rest is redone)
                        rewind = True
                        break
                    self._commit(consumer, records)
                    self.stats.records_done += len(records)
                    self.stats.observe_batch(time.perf_counter() - started)
                    self.stats.cpu_seconds += time.thread_time() - cpu
                if time.monotonic() >= self._next_lag:
                    self._measure_lag(consumer)
        finally:
            producer.flush(10)
            consumer.close()
            try:
                lanes.release_all()
            except redis.RedisError as exc:
                log.warning("%s: could not release the lanes: %s", self.stage, exc)
            self.active = False
            renewer.join(2)

    def _renew_lanes(self, stop: threading.Event, lanes: LaneLeases) -> None:
        # keeps the held lanes while a long batch runs; a lost lane is noticed by the fenced
        # writes and by the main loop's next balance
        while not stop.wait(lanes.ttl_ms / 3000):
            try:
                lanes.renew()
            except redis.RedisError as exc:
                log.warning("%s: lane renewal failed: %s", self.stage, exc)

    def _claim_lanes(self) -> None:
        self._next_claim = time.monotonic() + 1.0
        try:
            claim_lanes(self._redis, self.settings)
        except ConfigurationError:
            if self.lease.token:  # hand over at once, not after the lease's TTL
                self.lease.release()
            self.active = False
            raise

    def _measure_lag(self, consumer: Consumer) -> None:
        # High watermarks from fetch responses (cached: no extra request). The embedded broker
        # reports them too small, so lag there reads low; on Apache Kafka it is exact.
        self._next_lag = time.monotonic() + 5.0
        try:
            for tp in consumer.position(consumer.assignment()):
                _low, high = consumer.get_watermark_offsets(tp, cached=True)
                if tp.offset >= 0 and high >= 0:
                    self.stats.lag[(tp.topic, tp.partition)] = max(high - tp.offset, 0)
        except KafkaException as exc:
            log.debug("%s: lag unavailable: %s", self.stage, exc)

    def _renew(self, stop: threading.Event) -> None:
        # keeps the lease while a long batch runs (a slow step); a failed renewal is noticed
        # by the fenced writes and by the main loop's next check
        while not stop.wait(self.lease.ttl_ms / 3000):
            if self.active:
                try:
                    if not self.lease.hold():
                        self.active = False
                except redis.RedisError as exc:
                    log.warning("%s: lease renewal failed: %s", self.stage, exc)

    def _hold_lease(self, consumer: Consumer, partitions: list[TopicPartition]) -> bool:
        if (
            self.active
            and self.lease.remaining_s() * 1000 > self.lease.ttl_ms / 2
            and not (self.stage in LANED_STAGES and time.monotonic() >= self._next_claim)
        ):
            # renewed by the renewer (every third of the TTL) moments ago: certainly held, as
            # a step's lease.ensure() trusts too; no Redis round trip for every batch
            return True
        try:
            held = bool(self.lease.hold())
            if (
                held
                and self.stage in LANED_STAGES
                and (not self.active or time.monotonic() >= self._next_claim)
            ):
                # never two lane counts at once: on taking over, and again every second (a
                # `lanes set` may have changed the count while this instance stood by)
                self._claim_lanes()
        except redis.RedisError as exc:
            if permanent(exc):
                raise PermanentFaultError(
                    f"{self.stage}: lease: {type(exc).__name__}: {exc}"
                ) from exc
            log.warning("%s: lease check failed: %s", self.stage, exc)
            held = False
        if held and not self.active:
            if self._paused:
                # librdkafka keeps a partition's pause across unassign and assign: undo it
                # here, then pause again below if the handler still asks
                consumer.resume([tp for tp in partitions if tp.topic in self._paused])
                self._paused = set()
            # (Re)assign so that consumption starts at the group's committed offsets.
            consumer.assign(partitions)
            if hasattr(self.handler, "on_activate"):
                self.handler.on_activate()
            self._pause_as_asked(consumer)  # before the first batch: a full book stays full
            log.info(
                "%s: %s is the active instance (fencing token %d)",
                self.stage,
                self.instance_id,
                self.lease.token,
            )
        elif not held and self.active:
            consumer.unassign()
            log.warning("%s: %s lost the lease; standing by", self.stage, self.instance_id)
        self.active = held
        return held

    @property
    def paused(self) -> list[str]:
        """The topics (full names) this stage does not read for now, at its handler's asking."""
        return sorted(self._paused)

    def _pause_as_asked(self, consumer: Consumer) -> None:
        """Stop reading the topics the handler's ``paused_topics()`` names, and read again
        those it no longer names: backpressure, the backlog waiting on the topic (from the
        position after the last record handled: nothing is skipped or read twice)."""
        asked = getattr(self.handler, "paused_topics", None)
        if asked is None:
            return
        wanted = {self.settings.topic(t) for t in asked()}
        if wanted == self._paused:
            return
        assignment = consumer.assignment()
        pause = [tp for tp in assignment if tp.topic in wanted - self._paused]
        resume = [tp for tp in assignment if tp.topic in self._paused - wanted]
        if pause:
            consumer.pause(pause)
        if resume:
            consumer.resume(resume)
        for topic in sorted(wanted - self._paused):
            log.warning("%s: not reading %s for now (backpressure)", self.stage, topic)
            self.stats.note("paused", topic)
        for topic in sorted(self._paused - wanted):
            log.info("%s: reading %s again", self.stage, topic)
            self.stats.note("resumed", topic)
        self._paused = wanted

    def _process(self, records: list[Message], producer: Producer, stop: threading.Event) -> bool:
        attempt = 0
        while True:
            try:
                try:
                    outs = self.handler.handle(records)
                    self._produce(producer, outs)
                    return True
                except BaseException:
                    # a handler with in-memory state drops it: the batch may be half done
                    if hasattr(self.handler, "on_failure"):
                        self.handler.on_failure()
                    raise
            except INFRA_ERRORS as exc:
                if permanent(exc):
                    raise PermanentFaultError(
                        f"{self.stage}: {type(exc).__name__}: {exc} (retrying cannot fix this; "
                        "the stage stops)"
                    ) from exc
                attempt += 1
                self.stats.retries += 1
                self.stats.note("retry", f"{type(exc).__name__}: {exc}", stage=self.stage)
                delay = min(0.1 * 2**attempt, 5.0)
                log.warning("%s: retrying batch in %.1fs: %s", self.stage, delay, exc)
                if stop.wait(delay):
                    return False

    def _produce(self, producer: Producer, outs: list[Out]) -> None:
        failures: list[str] = []

        def on_delivery(err: Any, _msg: Any) -> None:
            if err is not None:
                failures.append(str(err))

        for out in outs:
            while True:
                try:
                    if out.partition is None:
                        producer.produce(out.topic, out.value, out.key, on_delivery=on_delivery)
                    else:
                        producer.produce(
                            out.topic,
                            out.value,
                            out.key,
                            partition=out.partition,
                            on_delivery=on_delivery,
                        )
                    break
                except BufferError:
                    producer.poll(0.1)  # local queue full: let deliveries drain
        remaining = producer.flush(30)
        if remaining or failures:
            raise DeliveryError(f"{remaining} undelivered, failures: {failures[:3]}")
        for out in outs:
            self.stats.out[out.topic] += 1

    def _commit(self, consumer: Consumer, records: list[Message]) -> None:
        last: dict[tuple[str, int], int] = {}
        for m in records:
            key = (m.topic() or "", m.partition() or 0)
            last[key] = max(last.get(key, -1), m.offset() or 0)
        offsets = [TopicPartition(t, p, o + 1) for (t, p), o in last.items()]
        try:
            consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as exc:
            # Not fatal: the records were processed; a redelivery is absorbed by idempotency.
            log.warning(
                "%s: offset commit failed (records may be redelivered): %s", self.stage, exc
            )
