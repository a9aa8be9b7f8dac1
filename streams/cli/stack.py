"""``taskline up`` and ``taskline worker``: run the stack, or one stage of it.

::

    taskline up [--demo] [--threads]      run the embedded stack and every stage
    taskline worker STAGE                 run one stage (router|former|scheduler|executor|...)

``up`` runs each stage as a ``taskline worker`` process under a supervisor
(:mod:`streams.runtime.supervisor`); ``--threads`` (or ``TASKLINE_STAGE_MODE=threads``) runs
them as threads of this one process instead.
"""

from __future__ import annotations

import faulthandler
import json
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from streams.cli.common import (
    install_stop_signals,
    resolve,
    serde_for,
    write_runtime,
)
from streams.console.server import ConsoleServer
from streams.runtime.embedded import EmbeddedStack, Endpoints
from streams.runtime.pipeline import (
    STAGES,
    Pipeline,
    ssot_store,
)
from streams.runtime.runner import StageRunner
from streams.runtime.supervisor import Supervisor
from streams.runtime.topics import DEAD_LETTERS, REPLIES, ROUTED, SSOT_WRITES
from streams.runtime.workers import limit_threads, settle_heap
from streams.sdk.producer import EventProducer, build_event
from streams.settings import DATA_DIR, Settings
from streams.tools.seed import seed_events


def add_parsers(sub: Any) -> None:
    """Register ``up`` and ``worker``."""
    up = sub.add_parser("up", help="run the stack and every stage in the foreground")
    up.add_argument("--demo", action="store_true", help="publish sample events and summarize")
    up.add_argument(
        "--threads",
        action="store_true",
        help="run the stages as threads of this process, not as one worker process each",
    )
    up.set_defaults(
        run=lambda settings, args: cmd_up(
            settings.model_copy(update={"stage_mode": "threads"}) if args.threads else settings,
            args.demo,
        )
    )

    worker = sub.add_parser("worker", help="run one stage in the foreground")
    worker.add_argument("stage", choices=STAGES)
    worker.set_defaults(run=lambda settings, args: cmd_worker(settings, args.stage))


def _counts(runners: Sequence[StageRunner]) -> dict[str, dict[str, Any]]:
    """What :func:`_summary` reads, from runners in this process (as a /status has it)."""
    return {
        r.stage: {
            "records_in": r.stats.records_in,
            "duplicates": r.stats.duplicates,
            "out": dict(r.stats.out),
        }
        for r in runners
    }


def _summary(stages: dict[str, dict[str, Any]], settings: Settings) -> str:
    out: dict[str, int] = {}
    for stats in stages.values():
        for topic, count in stats.get("out", {}).items():
            out[topic] = out.get(topic, 0) + count

    def n(topic: str) -> int:
        return out.get(settings.topic(topic), 0)

    router = stages.get("router", {})
    parts = [
        f"raw-events {router.get('records_in', 0)}",
        f"routed {n(ROUTED)} (duplicates {router.get('duplicates', 0)})",
        f"formed {n('formed')}",
        f"scheduled {n('scheduled')}",
        f"executed {n('executed')}",
        f"ssot-writes {n(SSOT_WRITES)}",
        f"replies {n(REPLIES)}",
        f"dead-letters {n(DEAD_LETTERS)}",
    ]
    return " | ".join(parts)


def cmd_up(settings: Settings, demo: bool) -> int:
    limit_threads()
    stop = install_stop_signals()
    stack = EmbeddedStack(settings)
    runtime_file: Path | None = None
    pipeline: Pipeline | Supervisor | None = None
    console: ConsoleServer | None = None
    metrics_url: str | None = None
    try:
        endpoints = stack.start()

        def save_runtime() -> Path:  # what other commands read: rewritten as it changes
            return write_runtime(
                settings,
                endpoints,
                stack.pids,
                metrics_url,
                console_url=console.url if console is not None else None,
                workers=pipeline.pids if isinstance(pipeline, Supervisor) else {},
            )

        runtime_file = save_runtime()
        if settings.stage_mode == "threads":
            pipeline = Pipeline(settings, endpoints)
        else:
            pipeline = Supervisor(settings, endpoints)
        pipeline.start()
        metrics_url = pipeline.metrics.url if pipeline.metrics else None
        runtime_file = save_runtime()
        while not pipeline.wait_ready(1.0):
            stack.check_alive()
            if stop.is_set():
                return 130
        # a worker respawned while starting (its status port was taken) has a new pid: the
        # runtime file lists the live ones by the time "ready" says other commands may read it
        runtime_file = save_runtime()
        print(
            f"taskline ready bootstrap={endpoints.bootstrap_servers} "
            f"redis={endpoints.redacted_redis_url} stages={settings.stage_mode}",
            flush=True,
        )
        if metrics_url:
            print(f"metrics {metrics_url}/metrics  (live view: taskline top)", flush=True)
        if settings.console:
            console = ConsoleServer(
                settings, endpoints, status_urls=[metrics_url] if metrics_url else []
            )
            console.start()
            runtime_file = save_runtime()
            print(f"console {console.url}", flush=True)
            if console.password_file is not None:
                print(f"  sign in as admin; password in {console.password_file}", flush=True)
        if demo:
            _publish_demo(settings, endpoints, pipeline)
        _watch(stop, stack, pipeline, settings, save_runtime)
        return 0
    finally:
        if console is not None:
            console.stop()
        if pipeline is not None:
            pipeline.stop()
        stack.stop()
        if runtime_file is not None:
            runtime_file.unlink(missing_ok=True)
        print("taskline stopped", flush=True)


def _publish_demo(
    settings: Settings, endpoints: Endpoints, pipeline: Pipeline | Supervisor
) -> None:
    producer = EventProducer(settings, endpoints.bootstrap_servers, serde_for(settings))
    seeds = seed_events(DATA_DIR / "inventories")
    producer.send_many(seeds)
    store = ssot_store(settings, pipeline.redis)
    wanted = {
        e.project_hint: {op.path.lstrip("/") for op in e.proposal or []}
        for e in seeds
        if e.project_hint
    }
    projects = sorted(wanted)

    def seeded() -> bool:
        return all(
            isinstance(state := store.head(p).state, dict) and keys <= set(state)
            for p, keys in wanted.items()
        )

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not seeded():
        time.sleep(0.2)
    print(f"demo: seeded the inventories of {', '.join(projects)} as commits", flush=True)
    time.sleep(settings.reindex_interval_s + 0.5)  # the former and router index the new states
    lines = (DATA_DIR / "demo_events.jsonl").read_text().splitlines()
    events = [build_event(json.loads(line)) for line in lines if line.strip()]
    producer.send_many(events)
    # One duplicate, as a flaky front end would send it: it must not become a second task.
    producer.send(events[1])
    total = len(seeds) + len(events) + 1
    print(
        f"demo: published {total} events ({len(seeds)} inventory seeds, 1 duplicate)",
        flush=True,
    )


def _watch(
    stop: threading.Event,
    stack: EmbeddedStack,
    pipeline: Pipeline | Supervisor,
    settings: Settings,
    save_runtime: Callable[[], Path],
) -> None:
    last = ""
    store = ssot_store(settings, pipeline.redis)
    pids = pipeline.pids if isinstance(pipeline, Supervisor) else {}
    while not stop.wait(1.0):
        stack.check_alive()
        pipeline.raise_if_failed()
        if isinstance(pipeline, Supervisor):
            if pipeline.pids != pids:  # a worker was restarted
                save_runtime()
                pids = pipeline.pids
            line = _summary(pipeline.status()["stages"], settings)
        else:
            line = _summary(_counts(pipeline.runners), settings)
        if line != last:
            heads = ", ".join(
                f"{p} v{h.version} {h.hash[:10]}" for p in store.projects() for h in [store.head(p)]
            )
            print(line + (f"\n  ssot: {heads}" if heads else ""), flush=True)
            last = line


def cmd_worker(settings: Settings, stage: str) -> int:
    limit_threads()
    stop = install_stop_signals()
    settings, endpoints = resolve(settings, need_redis=True)
    pipeline = Pipeline(settings, endpoints, (stage,))
    pipeline.start()
    try:
        if pipeline.wait_ready(60):
            settle_heap()
            print(f"taskline worker {stage} consuming", flush=True)
        if pipeline.metrics is not None:
            print(f"metrics {pipeline.metrics.url}/metrics", flush=True)
        while not stop.wait(1.0):
            pipeline.raise_if_failed()
    finally:
        # a shutdown that hangs prints where every thread is (stderr) rather than nothing
        faulthandler.dump_traceback_later(12, exit=False)
        pipeline.stop()
        faulthandler.cancel_dump_traceback_later()
    return 0
