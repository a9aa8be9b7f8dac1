"""``taskline send`` and ``taskline tail``: publish events, read topics.

::

    taskline send TEXT [--session ID] [--channel chat|voice] [--event-id ID] [--project ID]
    taskline send --file EVENTS.jsonl
    taskline tail TOPIC [--from-beginning] [--json] [--idle-timeout S]
"""

from __future__ import annotations

import argparse
import base64
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, TopicPartition
from pydantic import ValidationError

from streams.cli.common import (
    install_stop_signals,
    jsonable,
    resolve,
    serde_for,
)
from streams.errors import TasklineError, UsageError
from streams.runtime.kafka import KafkaClients
from streams.runtime.topics import ALL_TOPICS
from streams.sdk.producer import EventProducer, build_event
from streams.settings import Settings


def add_parsers(sub: Any) -> None:
    """Register ``send`` and ``tail``."""
    send = sub.add_parser("send", help="publish a RawEvent; prints its source_event_id")
    send.add_argument("text", nargs="?", help="what the user said or typed")
    send.add_argument("--session", default="cli", help="session id (default: cli)")
    send.add_argument("--channel", choices=("chat", "voice"), default="chat")
    send.add_argument("--event-id", help="source_event_id (default: a new UUID)")
    send.add_argument("--project", help="project hint")
    send.add_argument("--file", type=Path, help="JSONL file, one RawEvent object per line")
    send.set_defaults(run=cmd_send)

    tail = sub.add_parser("tail", help="print decoded records of a topic")
    tail.add_argument("topic", choices=ALL_TOPICS)
    tail.add_argument("--from-beginning", action="store_true", help="start at the first record")
    tail.add_argument("--json", action="store_true", help="one JSON object per line")
    tail.add_argument("--idle-timeout", type=float, help="exit after S seconds without a record")
    tail.set_defaults(run=cmd_tail)


def cmd_send(settings: Settings, args: argparse.Namespace) -> int:
    if (args.text is None) == (args.file is None):
        raise UsageError("send takes either TEXT or --file F.jsonl (one of them)")
    events = []
    if args.file is not None:
        try:
            lines = args.file.read_text().splitlines()
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror}") from exc
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                events.append(build_event(json.loads(line)))
            except (ValueError, ValidationError) as exc:
                first = str(exc).splitlines()[0:3]
                raise UsageError(f"{args.file}:{number}: invalid event: {' '.join(first)}") from exc
    else:
        values: dict[str, Any] = {
            "text": args.text,
            "session_id": args.session,
            "channel": args.channel,
        }
        if args.event_id:
            values["source_event_id"] = args.event_id
        if args.project:
            values["project_hint"] = args.project
        try:
            events.append(build_event(values))
        except (ValueError, ValidationError) as exc:
            raise UsageError(f"invalid event: {str(exc).splitlines()[-1].strip()}") from exc
    settings, endpoints = resolve(settings, need_redis=False)
    producer = EventProducer(settings, endpoints.bootstrap_servers, serde_for(settings))
    count = producer.send_many(events)
    print(count if args.file is not None else events[0].source_event_id, flush=True)
    return 0


def cmd_tail(settings: Settings, args: argparse.Namespace) -> int:
    settings, endpoints = resolve(settings, need_redis=False)
    topic = settings.topic(args.topic)
    clients = KafkaClients(settings, endpoints.bootstrap_servers)
    admin = clients.admin()
    info = admin.list_topics(topic=topic, timeout=10).topics.get(topic)
    if info is None or info.error is not None:
        raise UsageError(f"topic {topic!r} does not exist")
    consumer = clients.consumer("reader")
    # ListOffsets LATEST is wrong on the embedded broker: read from the start and skip
    # records older than this command instead of seeking to the end.
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in info.partitions])
    since_ms = 0 if args.from_beginning else int(time.time() * 1000)
    serde = serde_for(settings)
    stop = install_stop_signals()
    last_seen = time.monotonic()
    try:
        while not stop.is_set():
            msg = consumer.poll(0.2)
            if msg is None or msg.error() is not None:
                if (
                    args.idle_timeout is not None
                    and time.monotonic() - last_seen > args.idle_timeout
                ):
                    break
                continue
            last_seen = time.monotonic()
            if msg.timestamp()[1] < since_ms:
                continue
            envelope: dict[str, Any] = {
                "topic": args.topic,
                "partition": msg.partition(),
                "offset": msg.offset(),
                "timestamp": datetime.fromtimestamp(msg.timestamp()[1] / 1000, UTC).isoformat(),
                "key": (msg.key() or b"").decode(errors="replace"),
            }
            try:
                record = serde.decode_any(msg.value() or b"")
                envelope["type"] = record.__avro_type__
                envelope["value"] = jsonable(record.model_dump())
            except TasklineError as exc:
                envelope["error"] = str(exc)
                envelope["raw_base64"] = base64.b64encode(msg.value() or b"").decode()
            if args.json:
                print(json.dumps(envelope, ensure_ascii=False), flush=True)
            else:
                body = json.dumps(envelope.get("value", envelope.get("error")), ensure_ascii=False)
                where = f"{args.topic}[{msg.partition()}]@{msg.offset()}"
                print(
                    f"{where} {envelope.get('type', '?')} {body}",
                    flush=True,
                )
    finally:
        consumer.close()
    return 0
