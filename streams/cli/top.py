"""``taskline top``: a live terminal view of a running pipeline, from its /status endpoint.

>>> import io
>>> console = Console(record=True, width=120, file=io.StringIO())
>>> console.print(render(SAMPLE_STATUS, None, 1.0))
>>> "executor" in console.export_text()
True
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from datetime import datetime
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from streams.cli.common import running_metrics_url
from streams.errors import UsageError
from streams.settings import Settings

SAMPLE_STATUS: dict[str, Any] = {
    "time": 0.0,
    "stages": {
        "router": {
            "records_in": 10,
            "records_out": 9,
            "dead_letters": 1,
            "duplicates": 1,
            "held": 0,
            "retries": 0,
            "lag": 0,
            "running": True,
        },
        "executor": {
            "records_in": 8,
            "records_out": 16,
            "dead_letters": 0,
            "duplicates": 0,
            "held": 0,
            "retries": 0,
            "lag": 2,
            "running": True,
        },
    },
    "executor": {
        "instance": "executor-1",
        "active": True,
        "task_id": "t-1",
        "step": 2,
        "engine": "patch.apply",
        "since": 0.0,
    },
    "recent": [{"stage": "router", "at": 0.0, "kind": "dead letter", "detail": "not Avro"}],
}


def fetch(url: str, timeout: float = 2.0) -> dict[str, Any]:
    """The /status document of a running pipeline."""
    with urllib.request.urlopen(url.rstrip("/") + "/status", timeout=timeout) as response:
        status: dict[str, Any] = json.loads(response.read())
        return status


def render(status: dict[str, Any], previous: dict[str, Any] | None, elapsed: float) -> Group:
    """One frame: per-stage table, the executor now, recent failures and dead letters."""
    table = Table(title="stages", expand=True)
    for column in (
        "stage",
        "in/s",
        "in",
        "out",
        "lag",
        "dead letters",
        "duplicates",
        "held",
        "retries",
        "state",
    ):
        table.add_column(column, justify="left" if column in ("stage", "state") else "right")
    before = (previous or {}).get("stages", {})
    for stage, s in status["stages"].items():
        rate = (s["records_in"] - before.get(stage, {}).get("records_in", s["records_in"])) / max(
            elapsed, 1e-6
        )
        table.add_row(
            stage,
            f"{rate:,.1f}",
            f"{s['records_in']:,}",
            f"{s['records_out']:,}",
            f"{s['lag']:,}",
            f"{s['dead_letters']:,}",
            f"{s['duplicates']:,}",
            f"{s['held']:,}",
            f"{s['retries']:,}",
            "running" if s["running"] else "[red]failed[/red]",
        )
    ex = status.get("executor") or {}
    if not ex:
        now = "no executor in this process"
    elif not ex.get("active"):
        now = f"{ex.get('instance')}: standby (another instance holds the lease)"
    elif ex.get("task_id"):
        took = max(status["time"] - ex.get("since", status["time"]), 0.0)
        lane = f" (lane {ex['lane']})" if "lane" in ex else ""
        now = (
            f"{ex['instance']}: task {ex['task_id']}{lane} step {ex['step']} {ex['engine']} "
            f"({took:.1f}s)"
        )
    else:
        now = f"{ex['instance']}: active, idle"
    if ex.get("lanes") is not None:
        now += f"; holds lanes {', '.join(map(str, ex['lanes'])) or 'none'}"
    recent = Table(title="recent failures and dead letters", expand=True)
    for column in ("time", "stage", "kind", "detail"):
        recent.add_column(column)
    for e in status.get("recent", []):
        recent.add_row(
            datetime.fromtimestamp(e["at"]).strftime("%H:%M:%S"),
            e["stage"],
            e["kind"],
            e["detail"][:100],
        )
    if not status.get("recent"):
        recent.add_row("-", "-", "-", "none")
    sched = status.get("scheduler") or {}
    if not sched:
        book = "no scheduler in this process"
    elif not sched.get("active"):
        book = f"{sched.get('instance')}: standby (another instance holds the lease)"
    else:
        down = ", ".join(sched.get("unavailable", [])) or "none"
        book = (
            f"{sched['instance']}: {sched.get('pending', 0)} pending, "
            f"{sched.get('inflight', 0)} in flight; safe mode "
            f"{'ON' if sched.get('safe_mode') else 'off'}; unavailable systems: {down}"
        )
        if sched.get("book_full"):
            book += "; BOOK FULL: formed is not read until releases make room"
    return Group(table, Panel(now, title="executor"), Panel(book, title="scheduler"), recent)


def run(
    url: str, *, interval: float = 1.0, once: bool = False, console: Console | None = None
) -> None:
    """Refresh the view every ``interval`` seconds until interrupted (or once)."""
    console = console or Console()
    status = fetch(url)
    if once:
        console.print(render(status, None, interval))
        return
    previous, last = status, time.monotonic()
    with Live(render(status, None, interval), console=console, refresh_per_second=4) as live:
        while True:
            time.sleep(interval)
            status = fetch(url)
            now = time.monotonic()
            live.update(render(status, previous, now - last))
            previous, last = status, now


def add_parsers(sub: Any) -> None:
    """Register ``top``."""
    top = sub.add_parser("top", help="live view of a running pipeline")
    top.add_argument("--url", help="metrics base URL (default: the running `taskline up`)")
    top.add_argument("--interval", type=float, default=1.0, help="seconds between refreshes")
    top.add_argument("--once", action="store_true", help="render one frame and exit")
    top.set_defaults(run=cmd_top)


def cmd_top(settings: Settings, args: argparse.Namespace) -> int:
    url = args.url if args.url is not None else running_metrics_url(settings)
    if not url:
        raise UsageError("no metrics URL: start `taskline up` here, or pass --url http://HOST:PORT")
    try:
        run(url, interval=args.interval, once=args.once)
    except OSError as exc:
        raise UsageError(f"cannot reach {url}: {exc}") from exc
    return 0
