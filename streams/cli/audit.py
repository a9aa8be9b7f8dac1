"""The audit side of the CLI: ``ssot``, ``task`` and ``audit`` commands.

::

    taskline ssot show PROJECT [--version N] [--json]
    taskline ssot log PROJECT [--json]
    taskline ssot diff PROJECT A B [--json]
    taskline ssot rebuild [--archive DIR] [--keep]
    taskline task show TASK_ID | --event SOURCE_EVENT_ID [--archive DIR] [--json]
    taskline audit verify [--from TIME] [--to TIME] [--archive DIR]
    taskline audit export --out DIR [--topics T ...] [--from TIME] [--to TIME]
    taskline audit replay [--archive DIR]
"""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

from processors.errors import ChainError
from processors.jsonpatch import diff
from processors.models import SsotCommit
from processors.ssot import Head, state_at
from streams.audit.archive import (
    archive_store,
    archive_topics,
    check_digests,
    export_topics,
    read_archive,
)
from streams.audit.verify import history, rebuild, replay, tasks_of_events, verify
from streams.cli.common import CliParser, Resolver, resolver
from streams.cli.progress import ProgressLine
from streams.codec.serde import SchemaStore, Serde
from streams.errors import UsageError
from streams.runtime.pipeline import build_environment, ssot_store
from streams.runtime.reader import TopicRecord, read_topics
from streams.runtime.recovery import project_history
from streams.runtime.topics import ALL_TOPICS, FORMED, SSOT_WRITES
from streams.settings import Settings
from streams.state.scheduler_book import SchedulerKeys, book_status
from streams.state.ssot_store import SsotStore


def add_parsers(sub: Any) -> None:
    """Register the ``ssot``, ``task`` and ``audit`` commands on the CLI's subparsers."""
    ssot = sub.add_parser("ssot", help="inspect and rebuild the SSOT")
    ssot.set_defaults(run=lambda settings, args: cmd_ssot(settings, args, resolver))
    ssot_sub = ssot.add_subparsers(dest="ssot_command", required=True, parser_class=CliParser)
    show = ssot_sub.add_parser("show", help="a project's state at its head or at a version")
    show.add_argument("project")
    show.add_argument("--version", type=int, help="version to show (default: head)")
    show.add_argument("--json", action="store_true")
    log = ssot_sub.add_parser("log", help="a project's commits, oldest first")
    log.add_argument("project")
    log.add_argument("--json", action="store_true")
    d = ssot_sub.add_parser("diff", help="what changed between two versions")
    d.add_argument("project")
    d.add_argument("a", type=int)
    d.add_argument("b", type=int)
    d.add_argument("--json", action="store_true")
    rb = ssot_sub.add_parser("rebuild", help="replay ssot-writes into a fresh namespace; compare")
    rb.add_argument("--archive", type=Path, help="replay an export instead of the live topic")
    rb.add_argument("--keep", action="store_true", help="keep the rebuilt namespace")

    task = sub.add_parser("task", help="one event's or task's whole life")
    task.set_defaults(run=lambda settings, args: cmd_task(settings, args, resolver))
    task_sub = task.add_subparsers(dest="task_command", required=True, parser_class=CliParser)
    ts = task_sub.add_parser("show", help="every record of one task or event, in order")
    ts.add_argument("task_id", nargs="?")
    ts.add_argument("--event", help="a source_event_id instead of a task id")
    ts.add_argument("--archive", type=Path)
    ts.add_argument("--json", action="store_true")

    audit = sub.add_parser("audit", help="verify, export and replay the record")
    audit.set_defaults(run=lambda settings, args: cmd_audit(settings, args, resolver))
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, parser_class=CliParser)
    v = audit_sub.add_parser("verify", help="check every invariant over the topics")
    _window(v)
    v.add_argument("--archive", type=Path)
    e = audit_sub.add_parser("export", help="write topics to Avro container files")
    e.add_argument("--out", type=Path, required=True)
    e.add_argument("--topics", nargs="+", choices=ALL_TOPICS, default=list(ALL_TOPICS))
    _window(e)
    r = audit_sub.add_parser("replay", help="re-execute finished tasks and compare state hashes")
    r.add_argument("--archive", type=Path)


def _window(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="from_", type=_time, help="ISO 8601 time (UTC if no zone)")
    p.add_argument("--to", type=_time, help="ISO 8601 time (UTC if no zone)")


def _time(text: str) -> int:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1000)


# --- sources ----------------------------------------------------------------------------


def _source(
    settings: Settings, resolve: Resolver, archive: Path | None, topics: Sequence[str]
) -> tuple[Callable[[], Iterator[TopicRecord]], Serde]:
    base = SchemaStore.load(settings.schemas_dir)
    if archive is not None:
        if not archive.is_dir():
            raise UsageError(f"archive {archive} does not exist")
        present = [t for t in topics if t in archive_topics(archive)]
        return (lambda: read_archive(archive, present)), Serde(archive_store(archive, base))
    settings, endpoints = resolve(settings, False)
    return (lambda: read_topics(settings, endpoints.bootstrap_servers, topics)), Serde(base)


def _counted(records: Iterable[TopicRecord], progress: ProgressLine) -> Iterator[TopicRecord]:
    n = 0
    for n, rec in enumerate(records, start=1):
        if n % 1000 == 0:
            progress.update(n)
        yield rec
    progress.update(n)


def _store(settings: Settings, resolve: Resolver) -> tuple[Settings, SsotStore, redis.Redis]:
    settings, endpoints = resolve(settings, True)
    client = redis.Redis.from_url(endpoints.redis_url, socket_timeout=10)
    return settings, ssot_store(settings, client), client


# --- ssot -------------------------------------------------------------------------------


class _History:
    """A project's commits from v1, read from ``ssot-writes`` only once Redis has trimmed them."""

    def __init__(self, settings: Settings, resolve: Resolver, store: SsotStore) -> None:
        self.settings, self.resolve, self.store = settings, resolve, store
        self._cache: dict[str, list[SsotCommit]] = {}

    def __call__(self, project: str) -> list[SsotCommit]:
        if project not in self._cache:
            records, serde = _source(self.settings, self.resolve, None, [SSOT_WRITES])
            self._cache[project] = project_history(self.store, project, records, serde)
        return self._cache[project]


def _head_at(
    store: SsotStore, project: str, version: int | None, history: _History | None = None
) -> Head:
    head = store.head(project)
    if head.version == 0 and project not in store.projects():
        raise UsageError(
            f"project {project!r} has no commits (known: {', '.join(store.projects()) or 'none'})"
        )
    if version is None or version == head.version:
        return head
    if not 0 <= version <= head.version:
        raise UsageError(f"{project} has versions 0..{head.version}, not {version}")
    return state_at(project, history(project) if history else store.log(project), version)


def cmd_ssot(settings: Settings, args: argparse.Namespace, resolve: Resolver) -> int:
    """``taskline ssot show|log|diff|rebuild``."""
    if args.ssot_command == "rebuild":
        return _rebuild(settings, args, resolve)
    settings, store, client = _store(settings, resolve)
    history = _History(settings, resolve, store)
    try:
        if args.ssot_command == "show":
            head = _head_at(store, args.project, args.version, history)
            if args.json:
                print(
                    json.dumps(
                        {
                            "project_id": head.project_id,
                            "version": head.version,
                            "hash": head.hash,
                            "state": head.state,
                        }
                    )
                )
            else:
                print(f"{head.project_id} v{head.version} {head.hash}")
                print(json.dumps(head.state, indent=2, sort_keys=True, ensure_ascii=False))
        elif args.ssot_command == "log":
            _head_at(store, args.project, None)
            for c in history(args.project):
                if args.json:
                    print(c.model_dump_json())
                else:
                    print(
                        f"v{c.version:<5} {c.committed_at.isoformat(timespec='milliseconds')} "
                        f"{c.kind:<6} {c.outcome:<13} {c.hash[:12]} task {c.task_id} "
                        f"event {c.source_event_id}  {c.message[:60]}"
                    )
        else:
            a = _head_at(store, args.project, args.a, history)
            b = _head_at(store, args.project, args.b, history)
            ops = diff(a.state, b.state)
            if args.json:
                print(json.dumps(ops, ensure_ascii=False))
            else:
                print(f"{args.project} v{a.version} → v{b.version}: {len(ops)} change(s)")
                for op in ops:
                    value = (
                        f" {json.dumps(op['value'], ensure_ascii=False)}" if "value" in op else ""
                    )
                    print(f"  {op['op']:<7} {op['path'] or '/'}{value}")
    except ChainError as exc:
        raise UsageError(f"the stored commit log of {args.project} does not verify: {exc}") from exc
    finally:
        client.close()
    return 0


def _rebuild(settings: Settings, args: argparse.Namespace, resolve: Resolver) -> int:
    settings, live, client = _store(settings, resolve)
    fresh = SsotStore(client, f"{settings.redis_prefix}:rebuild-{uuid.uuid4().hex[:8]}")
    records, serde = _source(settings, resolve, args.archive, [SSOT_WRITES])
    try:
        with ProgressLine("rebuild") as progress:
            rows = rebuild(_counted(records(), progress), serde, fresh, live)
        bad = [r for r in rows if not r.matches]
        for r in rows:
            mark = "ok  " if r.matches else "DIFF"
            print(
                f"{mark} {r.project_id}: rebuilt v{r.rebuilt[0]} {r.rebuilt[1][:16]}  "
                f"live v{r.live[0]} {r.live[1][:16]}"
            )
        print(
            f"ssot rebuild: {len(rows)} projects, {len(bad)} differ; {progress.count:,} records "
            f"in {progress.busy:.2f}s" + (f"; kept in {fresh.namespace}" if args.keep else "")
        )
        return 1 if bad else 0
    finally:
        if not args.keep:
            fresh.drop()
        client.close()


# --- task -------------------------------------------------------------------------------


def _summary_of(value: Any) -> str:
    data = value.model_dump(mode="json")
    for key in (
        "original",
        "event",
        "task",
        "steps",
        "patch",
        "proposal",
        "work_plan",
        "task_sheet",
        "top_candidates",
        "metadata",
        "plan",
    ):
        data.pop(key, None)
    # the execution lane first (a long summary is cut): where it ran serially with others
    lane = f"lane {data.pop('lane')}  " if "lane" in data else ""
    return lane + json.dumps(data, ensure_ascii=False)[:300]


def cmd_task(settings: Settings, args: argparse.Namespace, resolve: Resolver) -> int:
    """``taskline task show``."""
    if (args.task_id is None) == (args.event is None):
        raise UsageError("task show takes either TASK_ID or --event SOURCE_EVENT_ID (one of them)")
    records, serde = _source(settings, resolve, args.archive, list(ALL_TOPICS))
    given = {args.event} if args.event else {args.task_id}
    formed = (r for r in records() if r.topic == FORMED)
    task_ids, event_ids = tasks_of_events(formed, serde, given)
    if args.task_id:
        task_ids.add(args.task_id)
    entries = history(records(), serde, event_ids=event_ids, task_ids=task_ids)
    if not entries:
        raise UsageError(f"no record names {'event' if args.event else 'task'} {next(iter(given))}")
    start = entries[0].record.timestamp_ms
    for entry in entries:
        rec = entry.record
        if args.json:
            assert entry.value is not None
            print(
                json.dumps(
                    {
                        "topic": rec.topic,
                        "partition": rec.partition,
                        "offset": rec.offset,
                        "timestamp_ms": rec.timestamp_ms,
                        "elapsed_ms": rec.timestamp_ms - start,
                        "type": entry.value.__avro_type__,
                        "value": entry.value.model_dump(mode="json"),
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(f"+{rec.timestamp_ms - start:>7} ms  {rec.where:<22} {_summary_of(entry.value)}")
            for planned in getattr(entry.value, "plan", []):
                flags = [
                    f
                    for f, on in (
                        ("side effect", planned.side_effect),
                        ("gate", planned.gate),
                        (f"undo {planned.compensation}", planned.compensation),
                        (f"{planned.max_attempts} attempts", planned.max_attempts > 1),
                    )
                    if on
                ]
                print(
                    f"{'':>13}plan {planned.number} {planned.engine} "
                    f"timeout {planned.timeout_ms} ms{'; ' + ', '.join(flags) if flags else ''}"
                )
            for step in getattr(entry.value, "steps", []):
                took = (step.finished_at - step.started_at).total_seconds() * 1000
                extra = "".join(
                    f"  {label}={value}"
                    for label, value in (
                        ("safety", step.safety),
                        ("attempts", step.attempts),
                        ("governance", step.governance[:60]),
                    )
                    if value and value != 1
                )
                print(
                    f"{'':>13}{step.kind} {step.step} {step.engine}.{step.module} {step.status} "
                    f"{took:.2f} ms state {step.state_hash[:12]} v{step.ssot_version} "
                    f"via {step.routing_path or '-'}{extra}  {step.detail[:80]}"
                )
    if not args.json and args.archive is None:
        _print_waiting(settings, resolve, task_ids)
    if not args.json:
        total = entries[-1].record.timestamp_ms - start
        print(
            f"{len(entries)} records over {total} ms; "
            f"tasks: {', '.join(sorted(task_ids)) or 'none'}"
        )
    return 0


def _print_waiting(settings: Settings, resolve: Resolver, task_ids: set[str]) -> None:
    """Tasks still in the scheduler's book, and why they wait."""
    settings, endpoints = resolve(settings, True)
    client = redis.Redis.from_url(endpoints.redis_url, socket_timeout=5)
    try:
        status = book_status(
            client, SchedulerKeys(settings.redis_prefix), Serde(SchemaStore.load())
        )
    except redis.RedisError:
        return
    finally:
        client.close()
    for entry in status["pending"]:
        if entry["task_id"] in task_ids:
            print(
                f"{'':>13}scheduler: {entry['task_id']} pending, priority {entry['priority']}: "
                f"{entry['waiting'] or 'ready, waiting for a release slot'}"
            )


# --- audit ------------------------------------------------------------------------------


def cmd_audit(settings: Settings, args: argparse.Namespace, resolve: Resolver) -> int:
    """``taskline audit verify|export|replay``."""
    if args.audit_command == "export":
        return _export(settings, args, resolve)
    if args.audit_command == "replay":
        records, serde = _source(settings, resolve, args.archive, list(ALL_TOPICS))
        with ProgressLine("replay") as progress:
            outcomes = replay(_counted(records(), progress), serde, build_environment(settings))
        diverged = [o for o in outcomes if not o.matched]
        for o in diverged:
            print(f"DIVERGED task {o.task_id} ({o.project_id or '-'}): {o.detail}")
        print(
            f"audit replay: {len(outcomes)} tasks re-executed, "
            f"{len(outcomes) - len(diverged)} match, "
            f"{len(diverged)} diverge ({progress.count:,} records in {progress.busy:.2f}s)"
        )
        return 1 if diverged else 0
    records, serde = _source(settings, resolve, args.archive, list(ALL_TOPICS))
    with ProgressLine("verify") as progress:
        report = verify(_counted(records(), progress), serde, from_ms=args.from_, to_ms=args.to)
    lines = report.lines()
    if args.archive is not None:
        for problem in check_digests(args.archive):
            lines.append(f"VIOLATION [archive digest] {problem}")
    for line in lines:
        print(line)
    failed = not report.ok or any(line.startswith("VIOLATION [archive") for line in lines)
    print(
        f"audit verify: {'FAILED' if failed else 'ok'} — {report.records:,} records in "
        f"{progress.busy:.2f}s ({progress.rate:,.0f} records/s)"
    )
    return 1 if failed else 0


def _export(settings: Settings, args: argparse.Namespace, resolve: Resolver) -> int:
    if args.out.exists() and any(args.out.iterdir()):
        raise UsageError(f"{args.out} is not empty; export into a new directory")
    records, _ = _source(settings, resolve, None, args.topics)
    store = SchemaStore.load(settings.schemas_dir)
    with ProgressLine("export") as progress:
        counts = export_topics(
            _counted(records(), progress), args.out, store, from_ms=args.from_, to_ms=args.to
        )
    for topic in args.topics:
        print(f"{topic}: {counts.get(topic, 0):,} records")
    print(f"audit export: {sum(counts.values()):,} records to {args.out} in {progress.busy:.2f}s")
    return 0
