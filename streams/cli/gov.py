"""``taskline gov``: signed governance commands, and the scheduler's book.

::

    taskline gov approve TASK_ID --reason R [--actor A]
    taskline gov reject TASK_ID --reason R
    taskline gov cancel TASK_ID --reason R
    taskline gov reprioritize TASK_ID PRIORITY --reason R
    taskline gov safe-mode on|off --reason R
    taskline gov system NAME available|unavailable --reason R
    taskline gov status [--json]

Commands are signed with ``TASKLINE_GOVERNANCE_KEY`` and cite
``TASKLINE_GOVERNANCE_POLICY_VERSION``; the command waits (``--wait``, default 15 s) for the
scheduler's verdict and exits 0 if applied, 1 if refused or not applied, 3 on no verdict.
"""

from __future__ import annotations

import argparse
import getpass
import json
import time
from typing import Any

import redis

from streams.cli.common import CliParser, Resolver, resolver
from streams.codec.serde import SchemaStore, Serde
from streams.errors import UsageError
from streams.runtime.topics import GOVERNANCE
from streams.sdk.governance import signed
from streams.sdk.producer import EventProducer
from streams.settings import Settings
from streams.state.scheduler_book import SchedulerKeys, book_status, command_result


def add_parsers(sub: Any) -> None:
    """Register ``gov`` on the CLI's subparsers."""
    gov = sub.add_parser("gov", help="governance: approve, reject, reprioritize, safe mode ...")
    gov.set_defaults(run=lambda settings, args: cmd_gov(settings, args, resolver))
    gsub = gov.add_subparsers(dest="gov_command", required=True, parser_class=CliParser)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--reason", required=True, help="why (recorded with the command)")
        p.add_argument("--actor", default=None, help="who (default: the login name)")
        p.add_argument("--wait", type=float, default=15.0, help="seconds to wait for a verdict")

    for name, text in (
        ("approve", "release a held task"),
        ("reject", "fail a pending task without running it"),
        ("cancel", "withdraw a pending task"),
    ):
        p = gsub.add_parser(name, help=text)
        p.add_argument("task_id")
        common(p)
    p = gsub.add_parser("reprioritize", help="change a pending task's priority")
    p.add_argument("task_id")
    p.add_argument("priority", type=int)
    common(p)
    p = gsub.add_parser("safe-mode", help="hold (on) or release (off) every stateful task")
    p.add_argument("state", choices=("on", "off"))
    common(p)
    p = gsub.add_parser("system", help="mark a system available or unavailable")
    p.add_argument("system")
    p.add_argument("state", choices=("available", "unavailable"))
    common(p)
    p = gsub.add_parser("status", help="safe mode, unavailable systems, pending tasks")
    p.add_argument("--json", action="store_true")


def cmd_gov(settings: Settings, args: argparse.Namespace, resolve: Resolver) -> int:
    """Run one ``gov`` command."""
    settings, endpoints = resolve(settings, True)
    client = redis.Redis.from_url(endpoints.redis_url, socket_timeout=10)
    keys = SchedulerKeys(settings.redis_prefix)
    if args.gov_command == "status":
        return _status(client, keys, json_out=args.json)
    if settings.governance_key is None:
        raise UsageError("set TASKLINE_GOVERNANCE_KEY to sign governance commands")
    action, task_id, argument = {
        "approve": ("approve", args.__dict__.get("task_id"), None),
        "reject": ("reject", args.__dict__.get("task_id"), None),
        "cancel": ("cancel", args.__dict__.get("task_id"), None),
        "reprioritize": (
            "reprioritize",
            args.__dict__.get("task_id"),
            str(args.__dict__.get("priority")),
        ),
        "safe-mode": ("set_safe_mode", None, args.__dict__.get("state")),
        "system": (
            "set_system_available",
            None,
            f"{args.__dict__.get('system')}={args.__dict__.get('state')}",
        ),
    }[args.gov_command]
    command = signed(
        action,
        settings.governance_key.get_secret_value().encode(),
        actor=args.actor or getpass.getuser(),
        reason=args.reason,
        policy_version=settings.governance_policy_version,
        task_id=task_id,
        argument=argument,
    )
    producer = EventProducer(settings, endpoints.bootstrap_servers, Serde(SchemaStore.load()))
    producer.publish(settings.topic(GOVERNANCE), [(command.command_id.encode(), command)])
    print(f"sent {action} as command {command.command_id}", flush=True)
    deadline = time.monotonic() + args.wait
    while time.monotonic() < deadline:
        result = command_result(client, keys, command.command_id)
        if result is not None:
            print(f"{result['status']}: {result['detail']}")
            return 0 if result["status"] in ("applied", "duplicate") else 1
        time.sleep(0.2)
    if args.wait > 0:
        print(f"no verdict within {args.wait:.0f} s (is the scheduler running?)")
        return 3
    return 0


def _status(client: redis.Redis, keys: SchedulerKeys, *, json_out: bool) -> int:
    status = book_status(client, keys, Serde(SchemaStore.load()))
    if json_out:
        print(json.dumps(status, indent=2))
        return 0
    print(f"safe mode: {'on' if status['safe_mode'] else 'off'}")
    print(f"unavailable systems: {', '.join(status['unavailable']) or 'none'}")
    print(f"in flight: {status['inflight']}; pending: {len(status['pending'])}")
    for p in status["pending"]:
        print(
            f"  {p['task_id']}  priority {p['priority']}  {p['task_type']:<9} "
            f"{p['project_id'] or '-':<16} {p['waiting'] or 'ready'}"
        )
    return 0
