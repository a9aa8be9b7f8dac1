"""Bad records land in dead-letters with reason and original bytes; the stage goes on."""

from __future__ import annotations

import io

import fastavro
import pytest

from processors.models import DeadLetter, SsotCommit
from streams.codec.serde import MARKER, Serde
from streams.runtime.pipeline import Pipeline
from streams.runtime.topics import DEAD_LETTERS, RAW_EVENTS, SSOT_WRITES
from streams.sdk.producer import build_event
from streams.settings import Settings
from tests import samples
from tests.conftest import at_least, decode_all, produce, read_topic

pytestmark = pytest.mark.integration


def schema_invalid_raw_event(serde: Serde) -> bytes:
    """Valid Avro for the raw_event schema, but with an empty source_event_id."""
    sv = serde.store.latest("raw_event")
    buf = io.BytesIO()
    buf.write(MARKER + sv.fingerprint)
    fastavro.schemaless_writer(buf, sv.schema, {**samples.RAW.model_dump(), "source_event_id": ""})
    return buf.getvalue()


def test_bad_records_are_dead_lettered_and_later_events_processed(
    pipeline: Pipeline, settings: Settings, serde: Serde
) -> None:
    garbage = b"\x00\x01 definitely not avro \xff"
    invalid = schema_invalid_raw_event(serde)
    wrong_type = serde.encode(samples.STATEFUL)
    unknown_fp = MARKER + b"\x12" * 8 + b"\x02"
    oversize = MARKER + b"x" * (settings.max_record_bytes + 1)
    bad = [garbage, invalid, wrong_type, unknown_fp, oversize, b""]
    good = build_event({"text": "set the atlas stock level to 7", "session_id": "s1"})
    # same key: all in one partition, the good event strictly after the bad ones
    produce(settings, RAW_EVENTS, [(b"s1", value) for value in bad] + [(b"s1", serde.encode(good))])

    commits = decode_all(serde, read_topic(settings, SSOT_WRITES, until=at_least(1)))
    assert [c.source_event_id for c in commits if isinstance(c, SsotCommit)] == [
        good.source_event_id
    ]

    letters = [
        d
        for d in decode_all(serde, read_topic(settings, DEAD_LETTERS, until=at_least(len(bad))))
        if isinstance(d, DeadLetter)
    ]
    limit = settings.max_record_bytes
    assert [d.original for d in sorted(letters, key=lambda d: d.offset)] == [b[:limit] for b in bad]
    reasons = {d.original: d.reason for d in letters}
    oversize = oversize[:limit]
    assert "C3 01 marker" in reasons[garbage]
    assert "source_event_id" in reasons[invalid]
    assert "expected a raw_event record, got task_object" in reasons[wrong_type]
    assert "unknown schema fingerprint" in reasons[unknown_fp]
    assert "exceeds max_record_bytes" in reasons[oversize]
    assert f"truncated to {limit}, sha256" in reasons[oversize]
    assert "empty record" in reasons[b""]
    for d in letters:
        assert (d.stage, d.topic, d.key) == ("router", settings.topic(RAW_EVENTS), b"s1")
        assert d.error_type in {"DecodeError", "WrongRecordTypeError", "ValidationFailedError"}
    assert pipeline.runner("router").error is None
