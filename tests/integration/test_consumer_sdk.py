"""The typed consumer SDK: every schema version decodes, offsets are committed safely."""

from __future__ import annotations

import io
import json
import shutil
import time
from pathlib import Path

import fastavro
import pytest

from processors.models import RawEvent, SsotCommit
from streams.codec.serde import MARKER, SchemaStore, Serde
from streams.runtime.topics import RAW_EVENTS, SSOT_WRITES
from streams.sdk.consumer import Delivery, TaskConsumer
from streams.settings import Settings
from streams.tools.simulate import simulate
from tests.conftest import produce

pytestmark = pytest.mark.integration
SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def drain(consumer: TaskConsumer, n: int, timeout: float = 30) -> list[Delivery]:
    got: list[Delivery] = []
    deadline = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        batch = consumer.poll(0.5)
        got += batch
        consumer.commit(batch)
    return got


def test_typed_records_and_at_least_once_commits(topics: Settings) -> None:
    history = [r for r in simulate(80, seed=9) if r.topic == SSOT_WRITES]
    produce(topics, SSOT_WRITES, [(r.key, r.value) for r in history])
    bootstrap = str(topics.bootstrap_servers)

    with TaskConsumer(topics, bootstrap, [SSOT_WRITES], group_id=f"{topics.group_prefix}-sdk") as c:
        seen = []
        for delivery in c:
            assert isinstance(delivery.record, SsotCommit) and delivery.topic == SSOT_WRITES
            seen.append(delivery)
            if len(seen) == 10:
                break  # the 10th was handed out but the loop never came back for more
    with TaskConsumer(topics, bootstrap, [SSOT_WRITES], group_id=f"{topics.group_prefix}-sdk") as c:
        rest = drain(c, len(history) - 9)

    def ids(ds: list[Delivery]) -> set[str]:
        return {d.record.commit_id for d in ds if isinstance(d.record, SsotCommit)}

    serde = Serde(SchemaStore.load())
    everything = {serde.decode(r.value, SsotCommit).commit_id for r in history}
    assert not ids(seen[:9]) & ids(rest)  # finished records are not delivered again
    assert ids(seen[:9]) | ids(rest) == everything  # nothing lost
    assert ids(seen[9:10]) <= ids(rest)  # the unfinished one comes again


def test_records_written_with_an_older_schema_decode(topics: Settings, tmp_path: Path) -> None:
    # An older raw_event (v1 here) had neither `metadata` nor `project_hint`; the current
    # schema becomes v2 beside it, exactly how the type would evolve in schemas/.
    shutil.copytree(
        SCHEMAS, tmp_path / "schemas", ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    current = json.loads((SCHEMAS / "raw_event" / "v1.avsc").read_text())
    (tmp_path / "schemas" / "raw_event" / "v2.avsc").write_text(json.dumps(current))
    old = dict(
        current,
        fields=[f for f in current["fields"] if f["name"] not in ("metadata", "project_hint")],
    )
    (tmp_path / "schemas" / "raw_event" / "v1.avsc").write_text(json.dumps(old))
    store = SchemaStore.load(tmp_path / "schemas")
    assert sorted(store.by_type["raw_event"]) == [1, 2]
    v1 = store.by_type["raw_event"][1]
    body = io.BytesIO()
    fastavro.schemaless_writer(
        body,
        v1.schema,
        {
            "source_event_id": "old-1",
            "session_id": "s",
            "channel": "voice",
            "kind": "user_action",
            "text": "written long ago",
            "occurred_at": 1_700_000_000_000,
            "proposal": None,
        },
    )
    produce(topics, RAW_EVENTS, [(b"s", MARKER + v1.fingerprint + body.getvalue())])
    with TaskConsumer(
        topics,
        str(topics.bootstrap_servers),
        [RAW_EVENTS],
        group_id=f"{topics.group_prefix}-old",
        serde=Serde(store),
    ) as c:
        (delivery,) = drain(c, 1)
    event = delivery.record
    assert isinstance(event, RawEvent)
    assert (event.source_event_id, event.text, event.metadata, event.project_hint) == (
        "old-1",
        "written long ago",
        {},
        None,
    )
    assert int(event.occurred_at.timestamp() * 1000) == 1_700_000_000_000


def test_commits_never_pass_a_record_that_was_not_handled(topics: Settings) -> None:
    history = [r for r in simulate(40, seed=3) if r.topic == SSOT_WRITES]
    produce(topics, SSOT_WRITES, [(b"one-key", r.value) for r in history])  # one partition
    bootstrap = str(topics.bootstrap_servers)
    group = f"{topics.group_prefix}-order"

    def first_offsets(n: int) -> list[int]:
        with TaskConsumer(topics, bootstrap, [SSOT_WRITES], group_id=group) as c:
            got: list[Delivery] = []
            deadline = time.monotonic() + 30
            while len(got) < n and time.monotonic() < deadline:
                got += c.poll(0.5)
            return [d.offset for d in got[:n]]

    with TaskConsumer(topics, bootstrap, [SSOT_WRITES], group_id=group) as c:
        got: list[Delivery] = []
        deadline = time.monotonic() + 30
        while len(got) < 6 and time.monotonic() < deadline:
            got += c.poll(0.5)
        d = got[:6]
        c.commit([d[2], d[4]])  # out of order: nothing before them is done yet
    assert first_offsets(1) == [d[0].offset]  # nothing was committed past the first
    with TaskConsumer(topics, bootstrap, [SSOT_WRITES], group_id=group) as c:
        got = []
        deadline = time.monotonic() + 30
        while len(got) < 6 and time.monotonic() < deadline:
            got += c.poll(0.5)
        c.commit([got[2], got[0], got[1]])  # 0, 1 and 2 done: commit after 2, not after 4
        c.commit_later(got[4])
    assert first_offsets(1) == [got[3].offset]
