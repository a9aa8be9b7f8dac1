"""``taskline console`` and ``taskline dlq``: the operator console, and dead letters.

::

    taskline console [--status-url URL ...]      serve the console against a running stack
    taskline console hash-password               a password hash for TASKLINE_CONSOLE_USERS
    taskline dlq list [--stage S] [--error TEXT] [--topic T] [--json]
    taskline dlq show ID [--json]                ID is PARTITION:OFFSET on dead-letters
    taskline dlq redrive ID ... | --matching [filters] --reason R [--actor A]

A redrive publishes the original key and bytes back to the topic they came from, once: a
second redrive of the same letter does nothing (see :mod:`streams.runtime.deadletters`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

import redis

from streams.cli.common import (
    CliParser,
    Resolver,
    install_stop_signals,
    resolver,
    running_metrics_url,
)
from streams.codec.serde import SchemaStore, Serde
from streams.console.auth import hash_password
from streams.console.server import ConsoleServer
from streams.errors import UsageError
from streams.runtime.deadletters import Redriver, describe_original, letters_of, parse_id
from streams.runtime.reader import read_topics
from streams.runtime.topics import DEAD_LETTERS
from streams.settings import Settings


def add_parsers(sub: Any) -> None:
    """Register ``console`` and ``dlq``."""
    console = sub.add_parser("console", help="the operator console (a web page)")
    console.add_argument(
        "--status-url",
        action="append",
        default=None,
        help="a stage's metrics base URL (repeatable; default: the running `taskline up`)",
    )
    csub = console.add_subparsers(dest="console_command", parser_class=CliParser)
    csub.add_parser("hash-password", help="hash a password read from the terminal or stdin")
    console.set_defaults(run=lambda settings, args: cmd_console(settings, args, resolver))

    dlq = sub.add_parser("dlq", help="list, show and redrive dead letters")
    dlq.set_defaults(run=lambda settings, args: cmd_dlq(settings, args, resolver))
    dsub = dlq.add_subparsers(dest="dlq_command", required=True, parser_class=CliParser)

    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--stage", help="only letters of this stage")
        p.add_argument("--error", help="only letters whose reason contains this text")
        p.add_argument("--topic", help="only letters from this (logical) topic")

    p = dsub.add_parser("list", help="dead letters, oldest first")
    filters(p)
    p.add_argument("--json", action="store_true")
    p = dsub.add_parser("show", help="one dead letter with its original bytes")
    p.add_argument("id", help="PARTITION:OFFSET on dead-letters")
    p.add_argument("--json", action="store_true")
    p = dsub.add_parser("redrive", help="publish letters back to their topics, once each")
    p.add_argument("ids", nargs="*", help="PARTITION:OFFSET ...")
    p.add_argument("--matching", action="store_true", help="every letter matching the filters")
    filters(p)
    p.add_argument("--reason", dest="why", required=True, help="why (recorded with the mark)")
    p.add_argument("--actor", default=None, help="who (default: the login name)")


def cmd_console(settings: Settings, args: argparse.Namespace, resolve: Resolver) -> int:
    """Serve the console until interrupted, or hash a password."""
    if args.console_command == "hash-password":
        if sys.stdin.isatty():
            password = getpass.getpass("password: ")
            if getpass.getpass("again: ") != password:
                raise UsageError("the two passwords differ")
        else:
            password = sys.stdin.readline().rstrip("\n")
        if len(password) < 8:
            raise UsageError("a console password needs at least 8 characters")
        print(hash_password(password))
        return 0
    stop = install_stop_signals()
    settings, endpoints = resolve(settings, True)
    urls = args.status_url
    if urls is None:
        metrics = running_metrics_url(settings)
        urls = [metrics] if metrics else []
    server = ConsoleServer(settings, endpoints, status_urls=urls)
    server.start()
    try:
        print(f"console {server.url}", flush=True)
        if server.password_file is not None:
            print(f"  sign in as admin; password in {server.password_file}", flush=True)
        stop.wait()
    finally:
        server.stop()
    return 0


def cmd_dlq(settings: Settings, args: argparse.Namespace, resolve: Resolver) -> int:
    """``taskline dlq list|show|redrive``."""
    settings, endpoints = resolve(settings, True)
    serde = Serde(SchemaStore.load(settings.schemas_dir))
    letters = letters_of(read_topics(settings, endpoints.bootstrap_servers, [DEAD_LETTERS]), serde)
    client = redis.Redis.from_url(endpoints.redis_url, socket_timeout=10)
    redriver = Redriver(settings, endpoints.bootstrap_servers, client, serde)
    try:
        if args.dlq_command == "show":
            want = parse_id(args.id)
            found = [item for item in letters if (item.partition, item.offset) == want]
            if not found:
                raise UsageError(f"no dead letter {args.id} (there are {len(letters)})")
            item = found[0]
            kind, original = describe_original(item.letter, serde)
            mark = redriver.marks([item.id]).get(item.id)
            data = item.letter.model_dump(mode="json", exclude={"original", "key"})
            out = {
                "id": item.id,
                **data,
                "key_hex": item.letter.key.hex() if item.letter.key else None,
                "original_hex": item.letter.original.hex(),
                "original_type": kind,
                "original": original,
                "redriven": mark,
            }
            if args.json:
                print(json.dumps(out, ensure_ascii=False))
            else:
                for k, v in out.items():
                    shown = json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                    print(f"{k:>14}: {shown}")
            return 0
        chosen = [
            item
            for item in letters
            if item.matches(stage=args.stage, reason=args.error, topic=args.topic)
        ]
        if args.dlq_command == "list":
            marks = redriver.marks([item.id for item in chosen])
            for item in chosen:
                row = {
                    "id": item.id,
                    "stage": item.letter.stage,
                    "topic": item.letter.topic,
                    "partition": item.letter.partition,
                    "offset": item.letter.offset,
                    "reason": item.letter.reason,
                    "failed_at": item.letter.failed_at.isoformat(),
                    "redriven": marks.get(item.id),
                }
                if args.json:
                    print(json.dumps(row, ensure_ascii=False))
                else:
                    flag = "redriven" if item.id in marks else "        "
                    print(
                        f"{item.id:<9} {flag} {item.letter.stage:<10} "
                        f"{item.letter.topic}[{item.letter.partition}]@{item.letter.offset}  "
                        f"{item.letter.reason[:90]}"
                    )
            if not args.json:
                print(f"{len(chosen)} dead letters ({len(marks)} redriven)")
            return 0
        # redrive
        if bool(args.ids) == args.matching:
            raise UsageError("dlq redrive takes letter ids or --matching with filters (one)")
        if args.ids:
            wanted = {parse_id(i) for i in args.ids}
            chosen = [item for item in letters if (item.partition, item.offset) in wanted]
            missing = wanted - {(item.partition, item.offset) for item in chosen}
            if missing:
                raise UsageError(
                    "no dead letter " + ", ".join(f"{p}:{o}" for p, o in sorted(missing))
                )
        outcomes = redriver.redrive(chosen, actor=args.actor or getpass.getuser(), reason=args.why)
        for o in outcomes:
            print(f"{o.id:<9} {o.outcome:<9} {o.detail}")
        done = sum(o.outcome == "redriven" for o in outcomes)
        print(f"redrove {done} of {len(outcomes)} dead letters")
        return 1 if any(o.outcome == "refused" for o in outcomes) else 0
    finally:
        redriver.close()
        client.close()
