"""`taskline dlq list|show|redrive` against the embedded broker and Redis: a redrive puts the
original bytes back on their topic once, a second redrive does nothing, a truncated original
is refused, misuse is one line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from processors.models import DeadLetter
from streams.cli.common import resolver
from streams.cli.console import cmd_dlq
from streams.cli.main import parser
from streams.codec.serde import Serde
from streams.errors import UsageError
from streams.runtime.topics import DEAD_LETTERS, RAW_EVENTS
from streams.sdk.producer import build_event
from streams.settings import Settings
from tests.conftest import produce, read_topic

pytestmark = pytest.mark.integration


def dlq(settings: Settings, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    args = parser().parse_args(["dlq", *argv])
    code = cmd_dlq(settings, args, resolver)
    return code, capsys.readouterr().out


def letter(settings: Settings, original: bytes, reason: str, key: bytes | None) -> DeadLetter:
    return DeadLetter(
        stage="router",
        reason=reason,
        error_type="RuntimeError",
        topic=settings.topic(RAW_EVENTS),
        partition=0,
        offset=41,
        key=key,
        original=original,
        failed_at=0,
    )


def test_list_show_redrive_once(
    topics: Settings, serde: Serde, capsys: pytest.CaptureFixture[str]
) -> None:
    good = build_event({"text": "turn on the porch light", "session_id": "dlq"})
    produce(
        topics,
        DEAD_LETTERS,
        [
            (
                b"router",
                serde.encode(
                    letter(
                        topics, serde.encode(good), "bug 12: failed", good.source_event_id.encode()
                    )
                ),
            ),
            (
                b"router",
                serde.encode(
                    letter(
                        topics,
                        b"x" * 64,
                        "too big (original of 9000 bytes truncated to 64, sha256 ab12)",
                        None,
                    )
                ),
            ),
        ],
    )
    code, out = dlq(topics, capsys, "list", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 2 and all(r["redriven"] is None for r in rows)
    good_id = next(r["id"] for r in rows if r["reason"].startswith("bug 12"))
    big_id = next(r["id"] for r in rows if r["reason"].startswith("too big"))

    code, out = dlq(topics, capsys, "show", good_id, "--json")
    shown = json.loads(out)
    assert shown["original_type"] == "raw_event"
    assert shown["original"]["source_event_id"] == good.source_event_id
    assert bytes.fromhex(shown["original_hex"]) == serde.encode(good)

    code, out = dlq(
        topics, capsys, "redrive", good_id, "--reason", "bug 12 fixed", "--actor", "ops"
    )
    assert code == 0 and f"{good_id:<9} redriven" in out
    records = read_topic(topics, RAW_EVENTS, until=lambda ms: len(ms) >= 1, timeout=20)
    assert [m.value() for m in records] == [serde.encode(good)]
    assert records[0].key() == good.source_event_id.encode()
    headers: dict[str, Any] = dict(records[0].headers() or [])
    assert headers["taskline-redriven-by"] == b"ops"
    assert headers["taskline-redrive-of"].decode().endswith(f"dead-letters/{good_id}")

    # a second redrive, by id or by filter, publishes nothing
    code, out = dlq(topics, capsys, "redrive", "--matching", "--error", "bug 12", "--reason", "x")
    assert code == 0 and f"{good_id:<9} already" in out and "redrove 0 of 1" in out
    code, out = dlq(topics, capsys, "list", "--json")
    marks = {json.loads(line)["id"]: json.loads(line)["redriven"] for line in out.splitlines()}
    assert marks[good_id]["actor"] == "ops" and marks[good_id]["reason"] == "bug 12 fixed"
    # a truncated original is not whole here: refused, exit 1, not marked
    code, out = dlq(topics, capsys, "redrive", big_id, "--reason", "try")
    assert code == 1 and "refused" in out
    again = read_topic(topics, RAW_EVENTS, until=lambda ms: len(ms) >= 2, timeout=3)
    assert len(again) == 1


def test_misuse_is_one_clear_error(topics: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError, match="ids or --matching"):
        dlq(topics, capsys, "redrive", "--reason", "r")
    with pytest.raises(UsageError, match="PARTITION:OFFSET"):
        dlq(topics, capsys, "show", "twelve")
    with pytest.raises(UsageError, match="no dead letter 0:99"):
        dlq(topics, capsys, "redrive", "0:99", "--reason", "r")
