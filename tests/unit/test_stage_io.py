"""StageIO's decoding of a batch (good records through, bad ones to dead letters), the
scheduler's bound on its book (the topics it asks the runner not to read), and how far the
executor follows a snapshot."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, cast

import fastavro
import pytest

from processors.executor import Snapshot
from processors.models import DeadLetter, SsotCommit
from streams.codec.serde import MARKER, SchemaStore, Serde
from streams.runtime.runner import StageIO
from streams.settings import Settings
from streams.stages.executor import follow_at_most
from streams.stages.scheduler import SchedulerStage
from tests import samples


@dataclass
class Msg:
    """What StageIO reads of a consumed record."""

    data: bytes
    at: int

    def value(self) -> bytes:
        return self.data

    def topic(self) -> str:
        return "ssot-writes"

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self.at

    def key(self) -> bytes:
        return b"apollo"


@pytest.fixture
def io_() -> StageIO:
    return StageIO("scheduler", Settings(max_record_bytes=4096), Serde(SchemaStore.load()))


def test_decode_fields_reads_what_it_is_asked_and_dead_letters_the_rest(io_: StageIO) -> None:
    commit = samples.COMMIT
    good = Msg(io_.serde.encode(commit), 0)
    later = Msg(io_.serde.encode(commit.model_copy(update={"outcome": "failed"})), 1)
    bad = [
        Msg(io_.serde.encode(samples.STATEFUL), 2),  # another type
        Msg(io_.serde.encode(commit)[:20], 3),  # cut short inside the fields asked for
        Msg(b"", 4),
        Msg(b"\xc3\x01" + b"x" * 5000, 5),  # over max_record_bytes
    ]
    names = ("task_id", "source_event_id", "outcome")
    read, dead = io_.decode_fields([good, bad[0], later, *bad[1:]], SsotCommit, names)
    assert [(m.offset(), v) for m, v in read] == [
        (0, [commit.task_id, commit.source_event_id, commit.outcome]),
        (1, [commit.task_id, commit.source_event_id, "failed"]),
    ]
    letters = [io_.serde.decode(out.value, DeadLetter) for out in dead]
    assert [d.offset for d in letters] == [2, 3, 4, 5]
    assert "expected a ssot_commit record, got task_object" in letters[0].reason
    assert [d.error_type for d in letters] == [
        "WrongRecordTypeError",
        "DecodeError",
        "ValidationFailedError",
        "ValidationFailedError",
    ]
    assert io_.stats.dead_letters == 4


def test_decode_fields_validates_the_fields_it_reads_as_the_model_does(io_: StageIO) -> None:
    names = ("task_id", "source_event_id", "outcome")
    blank = samples.COMMIT.model_dump() | {"task_id": ""}  # Avro allows it, the model does not
    sv = io_.serde.store.latest("ssot_commit")
    buf = io.BytesIO()
    buf.write(MARKER + sv.fingerprint)
    fastavro.schemaless_writer(buf, sv.schema, blank)
    read, dead = io_.decode_fields([Msg(buf.getvalue(), 7)], SsotCommit, names)
    assert read == []
    letter = io_.serde.decode(dead[0].value, DeadLetter)
    assert letter.error_type == "ValidationFailedError" and "task_id" in letter.reason


@pytest.mark.parametrize("limit", [1, 2, 4, 20_000])
def test_a_full_book_pauses_formed_until_it_is_four_fifths_full(limit: int) -> None:
    """The scheduler's bound with hysteresis, every limit down to 1 (never paused for good)."""
    io_ = StageIO("scheduler", Settings(book_max_pending=limit), Serde(SchemaStore.load()))
    stage = SchedulerStage(io_, cast(Any, None), cast(Any, None))
    entry = cast(Any, object())

    def with_pending(n: int) -> tuple[str, ...]:
        stage.book.pending = dict.fromkeys((f"t{i}" for i in range(n)), entry)
        return stage.paused_topics()

    assert with_pending(limit - 1) == ()
    assert with_pending(limit) == ("formed",)
    low = max(limit * 4 // 5, 1)
    assert with_pending(low) == ("formed",)  # not below four fifths yet
    assert with_pending(low - 1) == ()
    assert with_pending(limit - 1) == ()  # filling again: read until the bound
    unbounded = StageIO("scheduler", Settings(book_max_pending=0), io_.serde)
    stage = SchedulerStage(unbounded, cast(Any, None), cast(Any, None))
    assert with_pending(100_000) == ()


def test_a_grown_state_is_followed_through_more_commits_before_it_is_read_again() -> None:
    # reading a head costs in proportion to its state, following a commit does not
    assert follow_at_most(Snapshot("apollo", 1, {}, "{}")) == 32
    assert follow_at_most(Snapshot("apollo", 1, {}, None)) == 32
    assert follow_at_most(Snapshot("apollo", 1, {}, "x" * 250_000)) == 250
    # but never more than one read of a thousand commits (what Redis retains by default)
    assert follow_at_most(Snapshot("apollo", 1, {}, "x" * 50_000_000)) == 1000
