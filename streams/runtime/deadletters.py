"""Dead letters: listing, filtering and redriving them to the topic they came from.

A redrive publishes a letter's original key and bytes to its original topic, with headers
naming the letter and who redrove it, and marks the letter in Redis first
(``<prefix>:dlq:redriven:<partition>:<offset>``): a second redrive of the same letter, from the
CLI or the console, finds the mark and does nothing. Downstream, a redriven event that did get
through once is still caught by the router's ``source_event_id`` dedup.

>>> letter = Letter(0, 7, 0, DeadLetter(stage="router", reason="not Avro", error_type="DecodeError",
...     topic="raw-events", partition=0, offset=3, key=None, original=b"x", failed_at=0))
>>> letter.id, letter.matches(stage="router", reason="avro")
('0:7', True)
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import redis

from processors.models import DeadLetter
from streams.codec.serde import Serde
from streams.errors import TasklineError, UsageError
from streams.runtime.kafka import KafkaClients
from streams.runtime.reader import TopicRecord
from streams.settings import Settings

TRUNCATED = "truncated to"  # how StageIO.dead_letter marks an original it could not keep whole


@dataclass(frozen=True)
class Letter:
    """A dead letter and where it sits on ``dead-letters`` (its id is ``partition:offset``)."""

    partition: int
    offset: int
    timestamp_ms: int
    letter: DeadLetter

    @property
    def id(self) -> str:
        return f"{self.partition}:{self.offset}"

    @property
    def truncated(self) -> bool:
        """The original was bigger than max_record_bytes: it is not here whole."""
        return TRUNCATED in self.letter.reason and "sha256" in self.letter.reason

    def matches(
        self, *, stage: str | None = None, reason: str | None = None, topic: str | None = None
    ) -> bool:
        """Filters of ``dlq list|redrive``: stage and topic exact, reason a substring."""
        return (
            (stage is None or self.letter.stage == stage)
            and (topic is None or self.letter.topic.endswith(topic))
            and (reason is None or reason.lower() in self.letter.reason.lower())
        )


def parse_id(text: str) -> tuple[int, int]:
    """``"0:12"`` → ``(0, 12)``; a clear :class:`UsageError` otherwise."""
    part, sep, off = text.partition(":")
    if not sep or not part.isdigit() or not off.isdigit():
        raise UsageError(f"dead letter id {text!r}: expected PARTITION:OFFSET, e.g. 0:12")
    return int(part), int(off)


def letters_of(records: Iterable[TopicRecord], serde: Serde) -> list[Letter]:
    """The decodable dead letters among ``records`` (of the ``dead-letters`` topic)."""
    found = []
    for rec in records:
        try:
            value = serde.decode(rec.value, DeadLetter)
        except TasklineError:
            continue  # not a dead letter: nothing a redrive could use
        found.append(Letter(rec.partition, rec.offset, rec.timestamp_ms, value))
    return found


def describe_original(letter: DeadLetter, serde: Serde) -> tuple[str | None, Any]:
    """The original's record type and fields (JSON-ready) when it decodes, else (None, why)."""
    try:
        value = serde.decode_any(letter.original)
    except TasklineError as exc:
        return None, str(exc)
    return value.__avro_type__, record_json(value)


def record_json(value: Any) -> Any:
    """A record's fields as JSON-ready values; bytes as hex (a dead letter's ``original``)."""
    return json.loads(json.dumps(value.model_dump(), default=_json_default, ensure_ascii=False))


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


@dataclass(frozen=True)
class Redriven:
    """What one redrive did: ``redriven``, ``already`` (marked before) or ``refused``."""

    id: str
    outcome: str
    detail: str


class Redriver:
    """Publishes dead letters back to their topics, each at most once."""

    def __init__(
        self, settings: Settings, bootstrap_servers: str, client: redis.Redis, serde: Serde
    ) -> None:
        self.settings, self.client, self.serde = settings, client, serde
        self._clients = KafkaClients(settings, bootstrap_servers)
        self._producer: Any = None

    def key(self, letter_id: str) -> str:
        return f"{self.settings.redis_prefix}:dlq:redriven:{letter_id}"

    def marks(self, letter_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The redrive marks of these letters (absent: never redriven)."""
        if not letter_ids:
            return {}
        raw = self.client.mget([self.key(i) for i in letter_ids])
        return {i: json.loads(v) for i, v in zip(letter_ids, raw, strict=True) if v is not None}

    def redrive(self, letters: Sequence[Letter], *, actor: str, reason: str) -> list[Redriven]:
        """Redrive each letter once; the mark is taken before publishing and dropped again if
        the broker does not acknowledge (so a failed redrive can be retried)."""
        if not reason.strip():
            raise UsageError("a redrive needs a reason")
        outcomes: list[Redriven] = []
        pending: list[tuple[Letter, str]] = []
        for item in letters:
            if item.truncated:
                outcomes.append(
                    Redriven(
                        item.id,
                        "refused",
                        "original was truncated; it is whole only at "
                        f"{item.letter.topic}[{item.letter.partition}]@{item.letter.offset}",
                    )
                )
                continue
            mark = {
                "actor": actor,
                "reason": reason,
                "at": int(time.time() * 1000),
                "to": item.letter.topic,
            }
            if not self.client.set(self.key(item.id), json.dumps(mark), nx=True):
                prior = self.marks([item.id]).get(item.id, {})
                outcomes.append(
                    Redriven(item.id, "already", f"redriven before by {prior.get('actor', '?')}")
                )
                continue
            pending.append((item, self.key(item.id)))
        if pending:
            failed = self._publish([p[0] for p in pending], actor)
            for item, key in pending:
                if item.id in failed:
                    self.client.delete(key)
                    outcomes.append(Redriven(item.id, "refused", failed[item.id]))
                else:
                    outcomes.append(Redriven(item.id, "redriven", f"to {item.letter.topic}"))
        return outcomes

    def _publish(self, letters: Sequence[Letter], actor: str) -> dict[str, str]:
        if self._producer is None:
            self._producer = self._clients.producer("event-producer")
        failed: dict[str, str] = {}
        acked: set[str] = set()

        def report(letter_id: str) -> Any:
            def callback(err: Any, _msg: Any) -> None:
                if err is not None:
                    failed[letter_id] = f"broker refused: {err}"
                else:
                    acked.add(letter_id)

            return callback

        for item in letters:
            self._producer.produce(
                item.letter.topic,
                value=item.letter.original,
                key=item.letter.key,
                headers=[
                    ("taskline-redrive-of", f"{self.settings.topic('dead-letters')}/{item.id}"),
                    ("taskline-redriven-by", actor),
                ],
                on_delivery=report(item.id),
            )
        self._producer.flush(30)
        for item in letters:
            if item.id not in acked and item.id not in failed:
                failed[item.id] = "no acknowledgement from the broker within 30 s"
        return failed

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(5)
