"""The ``taskline`` command line. The only place that reads settings from the environment.

::

    taskline up [--demo]                  run the embedded stack and every stage
    taskline worker STAGE                 run one stage (router|former|scheduler|executor|...)
    taskline send TEXT [--session ID] [--channel chat|voice] [--event-id ID] [--project ID]
    taskline send --file EVENTS.jsonl
    taskline tail TOPIC [--from-beginning] [--json] [--idle-timeout S]
    taskline schemas check [--dir DIR]
    taskline ssot show|log|diff|rebuild ...      (see streams/cli_audit.py)
    taskline task show TASK_ID | --event ID ...
    taskline audit verify|export|replay ...
    taskline gov approve|reject|cancel|reprioritize|safe-mode|system|status ...  (cli_gov.py)
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import platform
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
from pydantic import ValidationError
from rich.console import Console

from streams import bench, chaos, cli_audit, cli_gov, top
from streams.compat import check_store
from streams.embedded import EmbeddedStack, Endpoints, pid_alive
from streams.errors import TasklineError, UsageError
from streams.evaluation import calibrate, evaluate, read_rows
from streams.logs import configure as configure_logging
from streams.pipeline import (
    STAGES,
    Pipeline,
    build_former,
    build_router,
    load_packs,
    load_registry,
    ssot_store,
)
from streams.producer import EventProducer, build_event
from streams.runtime import StageRunner
from streams.serde import SchemaStore, Serde
from streams.settings import DATA_DIR, Settings
from streams.topics import ALL_TOPICS, DEAD_LETTERS, REPLIES, ROUTED, SSOT_WRITES

log = logging.getLogger("taskline.cli")
RUNTIME_FILE = "runtime.json"
_NAMESPACE_FIELDS = ("topic_prefix", "group_prefix", "redis_prefix")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line and exit code 2 (argparse would also print the whole usage).
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="taskline", description="Turn voice/chat events into governed tasks.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    up = sub.add_parser("up", help="run the stack and every stage in the foreground")
    up.add_argument("--demo", action="store_true", help="publish sample events and summarize")

    worker = sub.add_parser("worker", help="run one stage in the foreground")
    worker.add_argument("stage", choices=STAGES)

    send = sub.add_parser("send", help="publish a RawEvent; prints its source_event_id")
    send.add_argument("text", nargs="?", help="what the user said or typed")
    send.add_argument("--session", default="cli", help="session id (default: cli)")
    send.add_argument("--channel", choices=("chat", "voice"), default="chat")
    send.add_argument("--event-id", help="source_event_id (default: a new UUID)")
    send.add_argument("--project", help="project hint")
    send.add_argument("--file", type=Path, help="JSONL file, one RawEvent object per line")

    tail = sub.add_parser("tail", help="print decoded records of a topic")
    tail.add_argument("topic", choices=ALL_TOPICS)
    tail.add_argument("--from-beginning", action="store_true", help="start at the first record")
    tail.add_argument("--json", action="store_true", help="one JSON object per line")
    tail.add_argument("--idle-timeout", type=float, help="exit after S seconds without a record")

    schemas = sub.add_parser("schemas", help="schema tools")
    schemas_sub = schemas.add_subparsers(
        dest="schemas_command", required=True, parser_class=_Parser
    )
    check = schemas_sub.add_parser("check", help="verify every type's versions are compatible")
    check.add_argument("--dir", type=Path, help="schema directory (default: the shipped one)")
    bench = sub.add_parser("bench", help="the pipeline against a pass-through ceiling")
    bench.add_argument("--events", type=int, default=5000, help="events per saturation run")
    bench.add_argument("--rate", type=float, default=1000.0, help="fixed offered load, events/s")
    bench.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    bench.add_argument(
        "--soak",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="then a steady load this long, sampling every worker's memory (flatness check)",
    )
    bench.add_argument(
        "--soak-rate", type=float, default=300.0, help="events/s offered during --soak"
    )
    bench.add_argument(
        "--threads",
        action="store_true",
        help="run the stages as threads of one process (as `up` does), not one process each",
    )
    chaos = sub.add_parser("chaos", help="kill stages at random under load, then verify")
    chaos.add_argument("--events", type=int, default=5000)
    chaos.add_argument("--kills", type=int, default=50)
    chaos.add_argument("--seed", type=int, default=1)
    chaos.add_argument("--duplicates", type=float, default=0.2)
    chaos.add_argument("--rate", type=float, default=250.0, help="events per second offered")
    chaos.add_argument("--dir", type=Path, help="work directory (default: a new temporary one)")
    top = sub.add_parser("top", help="live view of a running pipeline")
    top.add_argument("--url", help="metrics base URL (default: the running `taskline up`)")
    top.add_argument("--interval", type=float, default=1.0, help="seconds between refreshes")
    top.add_argument("--once", action="store_true", help="render one frame and exit")
    ev = sub.add_parser("eval", help="evaluate routing and formation on labelled events")
    ev.add_argument("file", nargs="?", type=Path, help="labelled JSONL (default: the shipped set)")
    ev.add_argument("--json", action="store_true")
    ev.add_argument(
        "--calibrate",
        type=Path,
        metavar="OUT",
        help="fit the routing calibration on the dev set and write it to OUT",
    )
    cli_audit.add_parsers(sub, _Parser)
    cli_gov.add_parsers(sub, _Parser)
    return p


# --- runtime file ----------------------------------------------------------------------


def _runtime_path(settings: Settings) -> Path:
    return settings.home / RUNTIME_FILE


def _write_runtime(
    settings: Settings, endpoints: Endpoints, pids: dict[str, int], metrics_url: str | None = None
) -> Path:
    path = _runtime_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "pid": os.getpid(),
        "bootstrap_servers": endpoints.bootstrap_servers,
        "redis_url": endpoints.redis_url,
        "services": pids,
        "metrics_url": metrics_url,
        **{f: getattr(settings, f) for f in _NAMESPACE_FIELDS},
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # may hold a password
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    return path


def _resolve(settings: Settings, *, need_redis: bool) -> tuple[Settings, Endpoints]:
    """Endpoints from the settings, else from the runtime file of a running `taskline up`."""
    bootstrap = settings.bootstrap_servers
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    if bootstrap and (redis_url or not need_redis):
        return settings, Endpoints(bootstrap, redis_url or "")
    path = _runtime_path(settings)
    try:
        runtime = json.loads(path.read_text())
    except (OSError, ValueError):
        runtime = None
    if not runtime or not pid_alive(int(runtime.get("pid", -1))):
        raise UsageError(
            "no running Taskline stack found: start `taskline up` (or `make run`) in this "
            "directory, or set TASKLINE_BOOTSTRAP_SERVERS and TASKLINE_REDIS_URL"
        )
    update = {f: runtime[f] for f in _NAMESPACE_FIELDS if f not in settings.model_fields_set}
    settings = settings.model_copy(update=update)
    return settings, Endpoints(
        bootstrap or runtime["bootstrap_servers"], redis_url or runtime["redis_url"]
    )


def _resolver(settings: Settings, need_redis: bool) -> tuple[Settings, Endpoints]:
    return _resolve(settings, need_redis=need_redis)


# --- commands --------------------------------------------------------------------------


def _serde(settings: Settings) -> Serde:
    return Serde(SchemaStore.load(settings.schemas_dir))


def _install_stop_signals() -> threading.Event:
    stop = threading.Event()

    def handler(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


def _summary(runners: Sequence[StageRunner], settings: Settings) -> str:
    by = {r.stage: r.stats for r in runners}
    out: dict[str, int] = {}
    for stats in by.values():
        for topic, count in stats.out.items():
            out[topic] = out.get(topic, 0) + count

    def n(topic: str) -> int:
        return out.get(settings.topic(topic), 0)

    router = by.get("router")
    parts = [
        f"raw-events {router.records_in if router else 0}",
        f"routed {n(ROUTED)} (duplicates {router.duplicates if router else 0})",
        f"formed {n('formed')}",
        f"scheduled {n('scheduled')}",
        f"executed {n('executed')}",
        f"ssot-writes {n(SSOT_WRITES)}",
        f"replies {n(REPLIES)}",
        f"dead-letters {n(DEAD_LETTERS)}",
    ]
    return " | ".join(parts)


def cmd_up(settings: Settings, demo: bool) -> int:
    stop = _install_stop_signals()
    stack = EmbeddedStack(settings)
    runtime_file: Path | None = None
    pipeline: Pipeline | None = None
    try:
        endpoints = stack.start()
        runtime_file = _write_runtime(settings, endpoints, stack.pids)
        pipeline = Pipeline(settings, endpoints)
        pipeline.start()
        metrics_url = pipeline.metrics.url if pipeline.metrics else None
        runtime_file = _write_runtime(settings, endpoints, stack.pids, metrics_url)
        while not pipeline.wait_ready(1.0):
            stack.check_alive()
            if stop.is_set():
                return 130
        print(
            f"taskline ready bootstrap={endpoints.bootstrap_servers} "
            f"redis={endpoints.redacted_redis_url}",
            flush=True,
        )
        if metrics_url:
            print(f"metrics {metrics_url}/metrics  (live view: taskline top)", flush=True)
        if demo:
            _publish_demo(settings, endpoints)
        _watch(stop, stack, pipeline, settings)
        return 0
    finally:
        if pipeline is not None:
            pipeline.stop()
        stack.stop()
        if runtime_file is not None:
            runtime_file.unlink(missing_ok=True)
        print("taskline stopped", flush=True)


def _publish_demo(settings: Settings, endpoints: Endpoints) -> None:
    lines = (DATA_DIR / "demo_events.jsonl").read_text().splitlines()
    events = [build_event(json.loads(line)) for line in lines if line.strip()]
    producer = EventProducer(settings, endpoints.bootstrap_servers, _serde(settings))
    producer.send_many(events)
    # One duplicate, as a flaky front end would send it: it must not become a second task.
    producer.send(events[1])
    print(f"demo: published {len(events) + 1} events (1 duplicate)", flush=True)


def _watch(
    stop: threading.Event, stack: EmbeddedStack, pipeline: Pipeline, settings: Settings
) -> None:
    last = ""
    store = ssot_store(settings, pipeline.redis)
    while not stop.wait(1.0):
        stack.check_alive()
        pipeline.raise_if_failed()
        line = _summary(pipeline.runners, settings)
        if line != last:
            heads = ", ".join(
                f"{p} v{h.version} {h.hash[:10]}" for p in store.projects() for h in [store.head(p)]
            )
            print(line + (f"\n  ssot: {heads}" if heads else ""), flush=True)
            last = line


def cmd_worker(settings: Settings, stage: str) -> int:
    stop = _install_stop_signals()
    settings, endpoints = _resolve(settings, need_redis=True)
    pipeline = Pipeline(settings, endpoints, (stage,))
    pipeline.start()
    try:
        if pipeline.wait_ready(60):
            print(f"taskline worker {stage} consuming", flush=True)
        if pipeline.metrics is not None:
            print(f"metrics {pipeline.metrics.url}/metrics", flush=True)
        while not stop.wait(1.0):
            pipeline.raise_if_failed()
    finally:
        pipeline.stop()
    return 0


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
    settings, endpoints = _resolve(settings, need_redis=False)
    producer = EventProducer(settings, endpoints.bootstrap_servers, _serde(settings))
    count = producer.send_many(events)
    print(count if args.file is not None else events[0].source_event_id, flush=True)
    return 0


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def cmd_tail(settings: Settings, args: argparse.Namespace) -> int:
    settings, endpoints = _resolve(settings, need_redis=False)
    topic = settings.topic(args.topic)
    config = settings.kafka_config(endpoints.bootstrap_servers)
    admin = AdminClient(config)
    info = admin.list_topics(topic=topic, timeout=10).topics.get(topic)
    if info is None or info.error is not None:
        raise UsageError(f"topic {topic!r} does not exist")
    consumer = Consumer(
        {
            **config,
            "group.id": f"taskline-tail-{uuid.uuid4().hex[:8]}",
            "enable.auto.commit": False,
            "fetch.wait.max.ms": settings.fetch_wait_max_ms,
        }
    )
    # ListOffsets LATEST is wrong on the embedded broker: read from the start and skip
    # records older than this command instead of seeking to the end.
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in info.partitions])
    since_ms = 0 if args.from_beginning else int(time.time() * 1000)
    serde = _serde(settings)
    stop = _install_stop_signals()
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
                envelope["value"] = _jsonable(record.model_dump())
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


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    if args.events < 100 or args.rate <= 0:
        raise UsageError("bench needs --events >= 100 and --rate > 0")
    if args.soak < 0 or args.soak_rate <= 0:
        raise UsageError("bench needs --soak >= 0 and --soak-rate > 0")
    stack = EmbeddedStack(settings)
    console = Console(stderr=True)
    try:
        endpoints = stack.start()
        with console.status("bench: starting") as status:

            def say(message: str) -> None:
                status.update(f"bench: {message}")
                print(f"bench: {message}", flush=True)

            result = bench.run_bench(
                settings,
                endpoints,
                events=args.events,
                offered_rate=args.rate,
                processes=not args.threads,
                soak_s=args.soak,
                soak_rate=args.soak_rate,
                say=say,
            )
    finally:
        stack.stop()
    result.machine = (
        f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    )
    for line in bench.report_lines(result):
        print(line)
    if args.json is not None:
        args.json.write_text(json.dumps(result.as_dict(), indent=2) + "\n")
        print(f"figures written to {args.json}")
    return 0


def cmd_chaos(args: argparse.Namespace) -> int:
    if args.events < 1 or args.kills < 0 or not 0 <= args.duplicates < 1 or args.rate <= 0:
        raise UsageError(
            "chaos needs --events >= 1, --kills >= 0, 0 <= --duplicates < 1, --rate > 0"
        )
    config = chaos.ChaosConfig(args.events, args.kills, args.seed, args.duplicates, args.rate)
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="taskline-chaos-"))
    print(f"chaos: seed {args.seed}, work directory {workdir}", flush=True)
    result = chaos.ChaosRun(config, workdir, say=lambda m: print(m, flush=True)).run()
    for line in chaos.report_lines(result):
        print(line, flush=True)
    return 0 if result.ok else 1


def cmd_top(settings: Settings, args: argparse.Namespace) -> int:
    url = args.url
    if url is None:
        try:
            url = json.loads(_runtime_path(settings).read_text()).get("metrics_url")
        except (OSError, ValueError):
            url = None
    if not url:
        raise UsageError("no metrics URL: start `taskline up` here, or pass --url http://HOST:PORT")
    try:
        top.run(url, interval=args.interval, once=args.once)
    except OSError as exc:
        raise UsageError(f"cannot reach {url}: {exc}") from exc
    return 0


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    eval_dir = DATA_DIR / "eval"
    router, former = build_router(settings), build_former(settings)
    if args.calibrate is not None:
        negatives = [
            line
            for line in (eval_dir / "calibration_negatives.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        dev = [
            (r["text"], r["expected_project"])
            for r in read_rows(eval_dir / "calibration_dev.jsonl")
        ]
        version = f"calib-{datetime.now(UTC):%Y%m%d}"
        registry, packs = load_registry(settings), load_packs(settings)
        calibration = calibrate(router, registry, packs, negatives, dev, version)
        args.calibrate.write_text(calibration.to_json() + "\n")
        print(f"calibration written to {args.calibrate}: {calibration}")
    path = args.file or eval_dir / "labelled.jsonl"
    try:
        rows = read_rows(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read labelled events: {exc}") from exc
    result = evaluate(router, former, rows)
    if args.json:
        print(json.dumps(result.as_dict()))
        return 0
    r = result
    print(f"events: {r.events}  (router {router.version})")
    print(
        f"project accuracy:   {r.project_accuracy:.3f}  ({r.project_correct}/{r.answered} answered)"
    )
    print(
        f"abstain rate:       {r.abstain_rate:.3f}  ({r.abstained}/{r.expected_projects} with one)"
    )
    print(f"task type accuracy: {r.task_type_accuracy:.3f}")
    print(f"intent accuracy:    {r.intent_accuracy:.3f}  ({r.intent_correct}/{r.intent_total})")
    print(f"calibration error:  {result.ece:.3f}  (ECE of routing_confidence, 10 bins)")
    for error in result.errors:
        print(f"  miss: {error}")
    return 0


def cmd_schemas_check(settings: Settings, directory: Path | None) -> int:
    root = directory or settings.schemas_dir
    if root is not None and not root.is_dir():
        raise UsageError(f"schema directory {root} does not exist")
    store = SchemaStore.load(root)
    problems = check_store(store)
    versions = sum(len(v) for v in store.by_type.values())
    for line in problems:
        print(f"INCOMPATIBLE {line}")
    if problems:
        print(f"schemas check: {len(problems)} problem(s) in {len(store.by_type)} types")
        return 1
    print(f"schemas check: ok ({len(store.by_type)} types, {versions} versions)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``taskline`` console script."""
    try:
        args = _parser().parse_args(argv)
        settings = Settings()
        configure_logging(settings.log_level, settings.log_format)
        if args.command == "up":
            return cmd_up(settings, args.demo)
        if args.command == "worker":
            return cmd_worker(settings, args.stage)
        if args.command == "send":
            return cmd_send(settings, args)
        if args.command == "tail":
            return cmd_tail(settings, args)
        if args.command == "bench":
            return cmd_bench(settings, args)
        if args.command == "chaos":
            return cmd_chaos(args)
        if args.command == "top":
            return cmd_top(settings, args)
        if args.command == "eval":
            return cmd_eval(settings, args)
        if args.command == "gov":
            return cli_gov.cmd_gov(settings, args, _resolver)
        if args.command in ("ssot", "task", "audit"):
            command = {
                "ssot": cli_audit.cmd_ssot,
                "task": cli_audit.cmd_task,
                "audit": cli_audit.cmd_audit,
            }
            return command[args.command](settings, args, _resolver)
        return cmd_schemas_check(settings, args.dir)
    except UsageError as exc:
        print(f"taskline: error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "TASKLINE_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        print(f"taskline: error: invalid {name}: {message}", file=sys.stderr)
        return 2
    except TasklineError as exc:
        print(f"taskline: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
