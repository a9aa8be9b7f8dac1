"""Audit tools on simulated histories: verify catches every kind of tampering, archives
round-trip, replay finds the diverging step."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from processors.jsonpatch import apply_patch, diff
from processors.models import ExecutionResult, Record, SsotCommit
from processors.ssot import commit_hash
from streams.audit.archive import (
    archive_store,
    check_digests,
    export_topics,
    read_archive,
)
from streams.audit.verify import replay, verify
from streams.codec.serde import SchemaStore, Serde
from streams.runtime.reader import TopicRecord
from streams.tools.simulate import simulate
from tests.forgery import forge_commit

HISTORY = simulate(400, seed=3)


def first(topic: str) -> int:
    return next(i for i, r in enumerate(HISTORY) if r.topic == topic)


def replaced(
    records: list[TopicRecord], index: int, serde: Serde, change: Callable[[Record], Record]
) -> list[TopicRecord]:
    out = list(records)
    value = change(serde.decode_any(records[index].value))
    out[index] = dataclasses.replace(records[index], value=serde.encode(value))
    return out


def violations(records: list[TopicRecord], serde: Serde, **window: int) -> list[str]:
    return [str(v) for v in verify(records, serde, **window).violations]


def test_an_honest_history_verifies(serde: Serde) -> None:
    report = verify(HISTORY, serde)
    assert report.ok, report.lines()
    assert report.records == len(HISTORY) and report.pending == []
    assert sum(v for v, _ in report.heads.values()) == sum(
        1 for r in HISTORY if r.topic == "ssot-writes"
    )
    # a redelivered (repeated) record is not a violation
    again = [*HISTORY, HISTORY[first("ssot-writes")], HISTORY[first("executed")]]
    assert verify(again, serde).ok and verify(again, serde).redelivered == 1


def test_tampered_commit_content_is_named(serde: Serde) -> None:
    i = first("ssot-writes")
    forged = replaced(HISTORY, i, serde, lambda c: c.model_copy(update={"message": "all fine"}))
    found = violations(forged, serde)
    assert found == [f"VIOLATION [hash chain] {HISTORY[i].where}: " + found[0].split(": ", 1)[1]]
    assert "hash does not match the commit's content" in found[0]


def test_rehashed_forgery_breaks_the_next_link_or_state(serde: Serde) -> None:
    i = first("ssot-writes")

    def forge(c: Record) -> Record:
        assert isinstance(c, SsotCommit)
        bad = c.model_copy(update={"state_hash": "0" * 64})
        return bad.model_copy(update={"hash": commit_hash(bad)})

    found = violations(replaced(HISTORY, i, serde, forge), serde)
    assert any("state_hash does not match" in v and HISTORY[i].where in v for v in found)
    assert any("parent_hash does not match" in v for v in found)  # the next link


def test_missing_commit_breaks_contiguity(serde: Serde) -> None:
    i = first("ssot-writes")
    gap = HISTORY[:i] + HISTORY[i + 1 :]
    found = violations(gap, serde)
    assert any("[contiguous versions]" in v and "follows v0" in v for v in found)


def test_second_task_for_one_event_and_second_completion(serde: Serde) -> None:
    i = first("formed")
    twin = replaced(HISTORY, i, serde, lambda t: t.model_copy(update={"task_id": "another-task"}))
    found = violations([*HISTORY, twin[i]], serde)
    assert any("[one task per source event]" in v and "another-task" in v for v in found)

    commits = [(k, r) for k, r in enumerate(HISTORY) if r.topic == "ssot-writes"]
    _, last = commits[-1]
    last_commit = serde.decode(last.value, SsotCommit)
    _, earlier = next((k, r) for k, r in commits if r.partition == last.partition and r != last)
    earlier_commit = serde.decode(earlier.value, SsotCommit)
    again = last_commit.model_copy(
        update={
            "version": last_commit.version + 1,
            "parent_hash": last_commit.hash,
            "task_id": earlier_commit.task_id,
            "source_event_id": earlier_commit.source_event_id,
        }
    )
    again = again.model_copy(update={"hash": commit_hash(again)})
    extra = dataclasses.replace(last, offset=last.offset + 1000, value=serde.encode(again))
    found = violations([*HISTORY, extra], serde)
    assert any("[one completion per task]" in v and extra.where in v for v in found)


def test_overlapping_executions_and_untraceable_commits(serde: Serde) -> None:
    i = first("executed")

    def stretch(r: Record) -> Record:
        assert isinstance(r, ExecutionResult)
        return r.model_copy(update={"finished_at": r.finished_at.replace(year=2027)})

    found = violations(replaced(HISTORY, i, serde, stretch), serde)
    assert any("[serial execution]" in v and "overlaps" in v for v in found)
    commit = serde.decode(HISTORY[first("ssot-writes")].value, SsotCommit)

    def names_event(r: TopicRecord) -> bool:
        return r.topic == "raw-events" and serde.read_fields(r.value)[1]["source_event_id"] == (
            commit.source_event_id
        )

    found = violations([r for r in HISTORY if not names_event(r)], serde)
    assert found == [
        f"VIOLATION [traceable commits] {HISTORY[first('ssot-writes')].where}: "
        f"source event {commit.source_event_id} is not on raw-events"
    ]


def test_window_limits_what_is_reported(serde: Serde) -> None:
    i = first("ssot-writes")
    forged = replaced(HISTORY, i, serde, lambda c: c.model_copy(update={"message": "x"}))
    ts = HISTORY[i].timestamp_ms
    assert violations(forged, serde, from_ms=ts + 1) == []
    assert violations(forged, serde, to_ms=ts - 1) == []
    assert len(violations(forged, serde, from_ms=ts, to_ms=ts)) == 1


def test_skipped_checks_are_said(serde: Serde) -> None:
    report = verify([r for r in HISTORY if r.topic == "ssot-writes"], serde)
    assert report.ok
    assert {"traceable commits", "serial execution", "one task per source event"} <= set(
        report.skipped_checks
    )
    assert any("not checked" in line for line in report.lines())


def test_archive_round_trip_and_tamper_detection(tmp_path: Path, serde: Serde) -> None:
    counts = export_topics(HISTORY, tmp_path / "a", serde.store)
    assert sum(counts.values()) == len(HISTORY)
    back = list(read_archive(tmp_path / "a"))
    assert sorted(back, key=_order) == sorted(HISTORY, key=_order)
    assert check_digests(tmp_path / "a") == []
    archived = Serde(archive_store(tmp_path / "a", SchemaStore([])))  # schemas from the files alone
    assert verify(back, archived).ok

    # forge one commit inside the container file, as an attacker with file access would
    where = forge_commit(tmp_path / "a", tmp_path / "b", serde, 3, "forged")
    found = violations(list(read_archive(tmp_path / "b")), serde)
    assert len(found) == 1 and where in found[0] and "hash does not match" in found[0]
    assert check_digests(tmp_path / "b") == [
        "ssot-writes: ssot-writes.avro changed after export (SHA-256 differs)"
    ]


def _order(r: TopicRecord) -> tuple[str, int, int]:
    return (r.topic, r.partition, r.offset)


def test_replay_matches_and_names_the_diverging_step(serde: Serde) -> None:
    outcomes = replay(HISTORY, serde)
    assert outcomes and all(o.matched for o in outcomes), [o for o in outcomes if not o.matched][:3]
    assert len(outcomes) == sum(1 for r in HISTORY if r.topic == "executed")

    i = next(
        k
        for k, r in enumerate(HISTORY)
        if r.topic == "executed" and serde.decode(r.value, ExecutionResult).task_type == "stateful"
    )

    def corrupt(r: Record) -> Record:
        assert isinstance(r, ExecutionResult)
        steps = list(r.steps)
        steps[1] = steps[1].model_copy(update={"state_hash": "f" * 64})
        return r.model_copy(update={"steps": steps})

    bad = [o for o in replay(replaced(HISTORY, i, serde, corrupt), serde) if not o.matched]
    assert len(bad) == 1 and "diverged at step 2 (patch.apply)" in bad[0].detail


def test_diff_round_trips_through_apply() -> None:
    old = {"a": 1, "b": {"c": [1, 2], "d": "x"}, "e~/": True}
    new = {"a": 2, "b": {"c": [1, 2, 3]}, "f": None, "e~/": True}
    assert apply_patch(old, diff(old, new)) == new
    assert diff(new, new) == []
