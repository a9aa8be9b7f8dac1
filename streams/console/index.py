"""What the console knows: every topic followed from the beginning into a SQLite file.

The index is rebuilt from the topics each time the console starts (the topics are the truth;
the file is a cache in ``<home>/console/`` and is deleted on stop). It keeps:

- every record's coordinates, ids and bytes, so that a task's timeline is one indexed query,
  never a re-read of the topics;
- one row per event (``items``): session, project, task, the furthest stage reached and when;
- the dead letters, with the coordinates of their originals;
- per project, its commit chain verified as it arrives, with a snapshot of the state every
  :data:`SNAPSHOT_EVERY` versions, so that the state at any version is a short replay.

>>> index = ConsoleIndex(settings, bootstrap, serde, home / "console")  # doctest: +SKIP
>>> index.start(); index.caught_up.wait(30)                              # doctest: +SKIP
>>> index.search(q="kitchen")[:1]                                         # doctest: +SKIP
[EventRow(event_id='e-1', task_id='task-e-1', status='committed', ...)]
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from processors.errors import ChainError
from processors.models import SsotCommit
from processors.ssot import Head, advance
from streams.codec.serde import Serde
from streams.errors import TasklineError
from streams.runtime.kafka import KafkaClients
from streams.runtime.reader import TopicRecord, answered
from streams.runtime.topics import ALL_TOPICS, DEAD_LETTERS, SSOT_WRITES
from streams.settings import Settings

log = logging.getLogger(__name__)

SNAPSHOT_EVERY = 50
PAGE = 50

# How far along an event got: the furthest stage decides its status.
_RANK = {
    "raw-events": 0.0,
    "dead-letters": 0.5,
    "routed": 1.0,
    "replies": 2.0,
    "formed": 3.0,
    "scheduled": 4.0,
    "executed": 5.0,
    "ssot-writes": 6.0,
}
STAGE_ORDER = {t: i for i, t in enumerate(_RANK)}

_SCHEMA = """
CREATE TABLE records (
    topic TEXT, partition INTEGER, offset INTEGER, ts INTEGER, type TEXT,
    event_id TEXT, task_id TEXT, key BLOB, value BLOB,
    PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
CREATE INDEX records_event ON records(event_id);
CREATE INDEX records_task ON records(task_id);
CREATE TABLE items (
    event_id TEXT PRIMARY KEY, task_id TEXT, session_id TEXT, project_id TEXT,
    task_type TEXT, status TEXT, rank REAL, text TEXT, first_ms INTEGER, last_ms INTEGER);
CREATE INDEX items_task ON items(task_id);
CREATE INDEX items_session ON items(session_id);
CREATE INDEX items_first ON items(first_ms);
CREATE INDEX items_project ON items(project_id, first_ms);
CREATE TABLE letters (
    partition INTEGER, offset INTEGER, ts INTEGER, stage TEXT, reason TEXT, error_type TEXT,
    topic TEXT, src_partition INTEGER, src_offset INTEGER, event_id TEXT, task_id TEXT,
    PRIMARY KEY (partition, offset));
CREATE INDEX letters_ts ON letters(ts);
CREATE TABLE commits (
    project_id TEXT, version INTEGER, hash TEXT, task_id TEXT, event_id TEXT, kind TEXT,
    outcome TEXT, message TEXT, ts INTEGER, partition INTEGER, offset INTEGER,
    PRIMARY KEY (project_id, version));
"""


@dataclass(frozen=True)
class EventRow:
    """One event's row: what it became and how far it got."""

    event_id: str
    task_id: str | None
    session_id: str | None
    project_id: str | None
    task_type: str | None
    status: str
    text: str
    first_ms: int
    last_ms: int


@dataclass(frozen=True)
class LetterRow:
    """A dead letter as listed (its bytes are fetched by :meth:`ConsoleIndex.record`)."""

    partition: int
    offset: int
    ts: int
    stage: str
    reason: str
    error_type: str
    topic: str
    src_partition: int
    src_offset: int
    event_id: str | None
    task_id: str | None

    @property
    def id(self) -> str:
        return f"{self.partition}:{self.offset}"


@dataclass(frozen=True)
class CommitRow:
    """One line of a project's commit log."""

    project_id: str
    version: int
    hash: str
    task_id: str
    event_id: str
    kind: str
    outcome: str
    message: str
    ts: int


@dataclass
class Chain:
    """A project's chain as read so far: verified head, first version seen, first problem."""

    project_id: str
    head: Head
    first: int
    problem: str | None = None
    snapshots: dict[int, Head] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        """Verified from its genesis with no problem."""
        return self.first == 1 and self.problem is None

    @property
    def status(self) -> str:
        if self.problem:
            return f"BROKEN: {self.problem}"
        if self.first != 1:
            return f"from v{self.first} only (earlier commits are no longer on the topic)"
        return f"verified v1..v{self.head.version}"


def _where(filters: list[tuple[str, list[Any] | None]]) -> tuple[str, list[Any]]:
    """`` WHERE a AND b`` and its arguments, from the (clause, args) pairs that apply."""
    used = [(clause, args) for clause, args in filters if args is not None]
    if not used:
        return "", []
    return " WHERE " + " AND ".join(c for c, _ in used), [a for _, args in used for a in args]


def _item(r: Any) -> EventRow:
    # columns: event_id task_id session_id project_id task_type status rank text first last
    return EventRow(r[0], r[1], r[2], r[3], r[4], r[5], r[7], r[8], r[9])


class ConsoleIndex:
    """Follows every Taskline topic from the beginning into SQLite, on a background thread."""

    def __init__(
        self, settings: Settings, bootstrap_servers: str, serde: Serde, directory: Path
    ) -> None:
        self.settings, self.serde = settings, serde
        self._clients = KafkaClients(settings, bootstrap_servers)
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"index-{os.getpid()}-{secrets.token_hex(4)}.sqlite"
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="console-index", daemon=True)
        self.caught_up = threading.Event()
        self.records = 0
        self.per_topic: dict[str, int] = {}
        self.chains: dict[str, Chain] = {}
        self.error: str | None = None

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Start following the topics."""
        self._thread.start()

    def stop(self) -> None:
        """Stop following and delete the file."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        with self._lock:
            self._db.close()
        self.path.unlink(missing_ok=True)

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                self._consume()
            except Exception as exc:  # the console stays up and says so; it retries
                self.error = f"{type(exc).__name__}: {exc}"
                log.warning("console index: %s (retrying in 2 s)", self.error)
                self._stop.wait(2)

    def _consume(self) -> None:
        consumer = self._clients.consumer("reader")
        try:
            metadata = consumer.list_topics(timeout=10).topics
            names = {self.settings.topic(t): t for t in ALL_TOPICS}
            positions = self._positions()
            assignment = [
                TopicPartition(name, p, positions.get((logical, p), OFFSET_BEGINNING))
                for name, logical in names.items()
                if (info := metadata.get(name)) is not None and info.error is None
                for p in info.partitions
            ]
            consumer.assign(assignment)
            unanswered = list(assignment)
            self.error = None
            while not self._stop.is_set():
                batch = consumer.consume(1000, 0.2)
                if unanswered:
                    unanswered = [tp for tp in unanswered if not answered(consumer, tp)]
                good = [m for m in batch if m.error() is None]
                if good:
                    self._ingest(
                        [
                            TopicRecord(
                                names.get(m.topic() or "", m.topic() or ""),
                                m.partition() or 0,
                                m.offset() or 0,
                                m.timestamp()[1],
                                m.key(),
                                m.value() or b"",
                            )
                            for m in good
                        ]
                    )
                elif not unanswered:
                    self.caught_up.set()
        finally:
            consumer.close()

    def _positions(self) -> dict[tuple[str, int], int]:
        """Where to resume after a reconnect: one past the last record indexed."""
        with self._lock:
            rows = self._db.execute(
                "SELECT topic, partition, MAX(offset) FROM records GROUP BY topic, partition"
            ).fetchall()
        return {(t, p): o + 1 for t, p, o in rows}

    # --- ingest -------------------------------------------------------------------------

    def _ingest(self, batch: Sequence[TopicRecord]) -> None:
        rows: list[tuple[Any, ...]] = []
        items: list[tuple[Any, ...]] = []
        letters: list[tuple[Any, ...]] = []
        commits: list[tuple[tuple[Any, ...], SsotCommit]] = []
        for rec in batch:
            kind, event_id, task_id, item = self._describe(rec, letters)
            rows.append(
                (
                    rec.topic,
                    rec.partition,
                    rec.offset,
                    rec.timestamp_ms,
                    kind,
                    event_id,
                    task_id,
                    rec.key,
                    rec.value,
                )
            )
            if item is not None:
                items.append(item)
            if rec.topic == SSOT_WRITES:
                commit = self._commit(rec)
                if commit is not None:
                    commits.append(commit)
        with self._lock:
            db = self._db
            db.execute("BEGIN")
            db.executemany("INSERT OR IGNORE INTO records VALUES (?,?,?,?,?,?,?,?,?)", rows)
            for item in items:
                self._upsert(item)
            db.executemany("INSERT OR IGNORE INTO letters VALUES (?,?,?,?,?,?,?,?,?,?,?)", letters)
            db.executemany(
                "INSERT OR IGNORE INTO commits VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [c[0] for c in commits],
            )
            db.execute("COMMIT")
        for rec in batch:
            self.per_topic[rec.topic] = self.per_topic.get(rec.topic, 0) + 1
        self.records += len(batch)

    def _describe(
        self, rec: TopicRecord, letters: list[tuple[Any, ...]]
    ) -> tuple[str, str | None, str | None, tuple[Any, ...] | None]:
        """(record type, event id, task id, items row or None) of one record."""
        try:
            writer, f = self.serde.read_fields(rec.value)
        except TasklineError:
            return "undecodable", None, None, None
        kind = writer.type_name
        topic = rec.topic
        inner = f.get("event") or f.get("task") or f
        event_id = inner.get("source_event_id")
        task_id = inner.get("task_id") or f.get("task_id")
        status, session, project, task_type, text = "", None, None, None, ""
        if topic == "raw-events":
            status, session, text = "received", f.get("session_id"), f.get("text", "")
            project = f.get("project_hint")
        elif topic == "routed":
            status, session = "routed", inner.get("session_id")
            project, text = f.get("project_id"), inner.get("text", "")
        elif topic == "replies":
            status = {"no_task": "no task", "clarification": "clarification asked"}.get(
                f.get("kind", ""), ""
            )
            session = f.get("session_id")
        elif topic == "formed":
            status = f"held: {f['hold_reason']}" if f.get("hold_reason") else "formed"
            session, project, task_type = f.get("session_id"), f.get("project_id"), f["task_type"]
        elif topic == "scheduled":
            status = "released" if f.get("disposition") != "fail" else "failing"
            project, task_type = inner.get("project_id"), inner.get("task_type")
        elif topic == "executed":
            status, project = f"executed: {f.get('status')}", f.get("project_id")
        elif topic == SSOT_WRITES:
            outcome = f.get("outcome", "")
            status = "committed" if outcome == "succeeded" else f"committed: {outcome}"
            project = f.get("project_id")
        elif topic == DEAD_LETTERS and kind == "dead_letter":
            original_event, original_task = None, None
            try:
                _, o = self.serde.read_fields(f["original"])
                oi = o.get("event") or o.get("task") or o
                original_event, original_task = oi.get("source_event_id"), oi.get("task_id")
            except TasklineError:
                pass
            event_id, task_id = original_event, original_task
            letters.append(
                (
                    rec.partition,
                    rec.offset,
                    rec.timestamp_ms,
                    f["stage"],
                    f["reason"],
                    f["error_type"],
                    f["topic"],
                    f["partition"],
                    f["offset"],
                    event_id,
                    task_id,
                )
            )
            status = f"dead letter ({f['stage']})"
        if event_id is None or not status:
            return kind, event_id, task_id, None
        item = (event_id, task_id, session, project, task_type, status, _RANK.get(topic, -1.0))
        return kind, event_id, task_id, (*item, text, rec.timestamp_ms)

    def _upsert(self, item: tuple[Any, ...]) -> None:
        event_id, task_id, session, project, task_type, status, rank, text, ts = item
        self._db.execute(
            """INSERT INTO items VALUES (?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(event_id) DO UPDATE SET
              task_id = COALESCE(excluded.task_id, task_id),
              session_id = COALESCE(session_id, excluded.session_id),
              project_id = COALESCE(excluded.project_id, project_id),
              task_type = COALESCE(excluded.task_type, task_type),
              status = CASE WHEN excluded.rank >= rank THEN excluded.status ELSE status END,
              rank = MAX(rank, excluded.rank),
              text = CASE WHEN text = '' THEN excluded.text ELSE text END,
              first_ms = MIN(first_ms, excluded.first_ms),
              last_ms = MAX(last_ms, excluded.last_ms)""",
            (event_id, task_id, session, project, task_type, status, rank, text, ts, ts),
        )

    def _commit(self, rec: TopicRecord) -> tuple[tuple[Any, ...], SsotCommit] | None:
        """Verify a commit against its project's chain; the commits row to store."""
        try:
            c = self.serde.decode(rec.value, SsotCommit)
        except TasklineError:
            return None
        chain = self.chains.get(c.project_id)
        if chain is None:
            genesis = Head.genesis(c.project_id)
            if c.version != 1:  # the topic no longer holds the start: nothing to verify from
                genesis = Head(c.project_id, c.version - 1, c.parent_hash, {})
            chain = self.chains[c.project_id] = Chain(c.project_id, genesis, c.version)
        row: tuple[Any, ...] = (c.project_id, c.version, c.hash, c.task_id, c.source_event_id)
        row += (c.kind, c.outcome, c.message, rec.timestamp_ms, rec.partition, rec.offset)
        head = chain.head
        if c.version <= head.version:
            with self._lock:
                known = self._db.execute(
                    "SELECT hash FROM commits WHERE project_id=? AND version=?",
                    (c.project_id, c.version),
                ).fetchone()
            if known is not None and known[0] != c.hash and chain.problem is None:
                chain.problem = f"v{c.version} was written twice with different hashes"
            return None  # a redelivered duplicate
        if chain.problem is None:
            if chain.first != 1:
                # unverifiable from genesis: follow the links, not the states
                if c.parent_hash != head.hash or c.version != head.version + 1:
                    chain.problem = f"v{c.version} does not extend v{head.version}"
                else:
                    chain.head = Head(c.project_id, c.version, c.hash, {})
            else:
                try:
                    chain.head = advance(head, c)
                except ChainError as exc:
                    chain.problem = str(exc)
                else:
                    if c.version % SNAPSHOT_EVERY == 0:
                        chain.snapshots[c.version] = chain.head
        return row, c

    # --- queries ------------------------------------------------------------------------

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def search(
        self,
        *,
        q: str = "",
        project: str = "",
        status: str = "",
        since_ms: int | None = None,
        until_ms: int | None = None,
        page: int = 0,
    ) -> list[EventRow]:
        """Events newest first: ``q`` is an id (event, task, session) or words of the text."""
        where, args = _where(
            [
                (
                    "(event_id = ? OR task_id = ? OR session_id = ? OR text LIKE ?)",
                    [q, q, q, f"%{q}%"] if q else None,
                ),
                ("project_id = ?", [project] if project else None),
                ("status LIKE ?", [f"{status}%"] if status else None),
                ("first_ms >= ?", [since_ms] if since_ms is not None else None),
                ("first_ms <= ?", [until_ms] if until_ms is not None else None),
            ]
        )
        sql = f"SELECT * FROM items{where} ORDER BY first_ms DESC LIMIT ? OFFSET ?"
        return [_item(r) for r in self._rows(sql, [*args, PAGE, page * PAGE])]

    def item(self, ident: str) -> EventRow | None:
        """The event row for an event id or a task id."""
        rows = self._rows(
            "SELECT * FROM items WHERE event_id = ? OR task_id = ? LIMIT 1", (ident,) * 2
        )
        return _item(rows[0]) if rows else None

    def timeline(self, event_id: str, task_id: str | None) -> list[TopicRecord]:
        """Every record naming the event or its task, in time and stage order."""
        rows = self._rows(
            "SELECT topic, partition, offset, ts, key, value FROM records "
            "WHERE event_id = ? OR task_id = ?",
            (event_id, task_id or event_id),
        )
        records = [TopicRecord(*r) for r in rows]
        records.sort(key=lambda r: (r.timestamp_ms, STAGE_ORDER.get(r.topic, 99), r.offset))
        return records

    def record(self, topic: str, partition: int, offset: int) -> TopicRecord | None:
        """One record by its coordinates."""
        rows = self._rows(
            "SELECT topic, partition, offset, ts, key, value FROM records "
            "WHERE topic = ? AND partition = ? AND offset = ?",
            (topic, partition, offset),
        )
        return TopicRecord(*rows[0]) if rows else None

    def letters(
        self,
        *,
        stage: str = "",
        reason: str = "",
        topic: str = "",
        page: int = 0,
        limit: int = PAGE,
    ) -> list[LetterRow]:
        """Dead letters, newest first, filtered like ``dlq list``."""
        where, args = _where(
            [
                ("stage = ?", [stage] if stage else None),
                ("reason LIKE ?", [f"%{reason}%"] if reason else None),
                ("topic LIKE ?", [f"%{topic}"] if topic else None),
            ]
        )
        sql = f"SELECT * FROM letters{where} ORDER BY ts DESC, offset DESC LIMIT ? OFFSET ?"
        return [LetterRow(*r) for r in self._rows(sql, [*args, limit, page * limit])]

    def letter_count(self) -> int:
        return int(self._rows("SELECT COUNT(*) FROM letters")[0][0])

    def commits(self, project: str, *, before: int | None = None) -> list[CommitRow]:
        """A project's commits, newest first, a page at a time."""
        rows = self._rows(
            "SELECT project_id, version, hash, task_id, event_id, kind, outcome, message, ts "
            "FROM commits WHERE project_id = ? AND version < ? ORDER BY version DESC LIMIT ?",
            (project, before if before is not None else 2**62, PAGE),
        )
        return [CommitRow(*r) for r in rows]

    def state_at(self, project: str, version: int) -> Head:
        """The verified state at ``version``: nearest snapshot, then a short replay."""
        chain = self.chains.get(project)
        if chain is None or not chain.verified or not 0 <= version <= chain.head.version:
            raise ChainError(f"{project}: no verified state at v{version} in the console index")
        if version == chain.head.version:
            return chain.head
        base = max((v for v in chain.snapshots if v <= version), default=0)
        head = chain.snapshots[base] if base else Head.genesis(project)
        rows = self._rows(
            "SELECT r.value FROM commits c JOIN records r ON r.topic = ? AND "
            "r.partition = c.partition AND r.offset = c.offset "
            "WHERE c.project_id = ? AND c.version > ? AND c.version <= ? ORDER BY c.version",
            (SSOT_WRITES, project, base, version),
        )
        for (value,) in rows:
            head = advance(head, self.serde.decode(value, SsotCommit))
        return head
