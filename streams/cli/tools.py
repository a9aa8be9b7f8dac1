"""``taskline bench``, ``taskline chaos`` and ``taskline eval``: measure the pipeline.

::

    taskline bench [--events N] [--rate R] [--json FILE] [--soak S] [--threads]
                   [--peers [--peers-python PATH]]
    taskline chaos [--events N] [--kills K] [--seed S] [--duplicates P] [--rate R]
    taskline eval [FILE] [--json] [--calibrate OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from processors.lanes import MAX_LANES
from streams.errors import UsageError
from streams.runtime.embedded import EmbeddedStack
from streams.runtime.pipeline import (
    build_former,
    build_router,
    load_packs,
    load_registry,
)
from streams.runtime.workers import limit_threads
from streams.settings import DATA_DIR, Settings
from streams.tools import bench, chaos
from streams.tools.bench_plot import write_plot
from streams.tools.evaluation import (
    TASK_TYPES,
    calibrate,
    comparable_errors,
    compare_errors,
    evaluate,
    read_rows,
    read_states,
)
from streams.tools.peers import default_peers_python


def add_parsers(sub: Any) -> None:
    """Register ``bench``, ``chaos`` and ``eval``."""
    bench_p = sub.add_parser("bench", help="the pipeline against a pass-through ceiling")
    bench_p.add_argument("--events", type=int, default=5000, help="events per saturation run")
    bench_p.add_argument("--rate", type=float, default=1000.0, help="fixed offered load, events/s")
    bench_p.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="also write the figures here (and the plot, FILE with .png)",
    )
    bench_p.add_argument(
        "--soak",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="then a steady load this long, sampling every worker's memory (flatness check)",
    )
    bench_p.add_argument(
        "--soak-rate", type=float, default=300.0, help="events/s offered during --soak"
    )
    bench_p.add_argument(
        "--threads",
        action="store_true",
        help="run the stages as threads of one process (as `up` does), not one process each",
    )
    bench_p.add_argument(
        "--peers",
        action="store_true",
        help="also the same pass-through work with plain loops, Taskline's runtime, Faust and "
        "Quix Streams (the last two from the peers' environment: make bench-peers)",
    )
    bench_p.add_argument(
        "--peers-python",
        type=Path,
        default=None,
        metavar="PATH",
        help="the peers' interpreter (default .venv-peers/bin/python)",
    )
    bench_p.add_argument(
        "--no-metrics",
        action="store_true",
        help="workers serve no metrics endpoint (progress read from committed offsets)",
    )
    bench_p.set_defaults(run=cmd_bench)

    chaos_p = sub.add_parser("chaos", help="kill stages at random under load, then verify")
    chaos_p.add_argument("--events", type=int, default=5000)
    chaos_p.add_argument("--kills", type=int, default=50)
    chaos_p.add_argument("--seed", type=int, default=1)
    chaos_p.add_argument("--duplicates", type=float, default=0.2)
    chaos_p.add_argument("--rate", type=float, default=250.0, help="events per second offered")
    chaos_p.add_argument(
        "--rollbacks", type=int, default=0, help="restart Redis on a copy of its data 1-3 s old"
    )
    chaos_p.add_argument("--wipes", type=int, default=0, help="restart Redis on no data")
    chaos_p.add_argument(
        "--retention",
        type=int,
        default=0,
        help="commits per project Redis keeps (and the batch size); 0 = the settings'",
    )
    chaos_p.add_argument(
        "--lanes", type=int, default=1, help="execution lanes (1: strictly serial, the default)"
    )
    chaos_p.add_argument(
        "--executors", type=int, default=2, help="executor processes (sharing the lanes)"
    )
    chaos_p.add_argument("--dir", type=Path, help="work directory (default: a new temporary one)")
    chaos_p.set_defaults(run=lambda settings, args: cmd_chaos(args))

    ev = sub.add_parser("eval", help="evaluate routing and formation on labelled events")
    ev.add_argument("file", nargs="?", type=Path, help="labelled JSONL (default: the shipped set)")
    ev.add_argument("--json", action="store_true")
    ev.add_argument(
        "--state",
        type=Path,
        metavar="DIR",
        help="project states, one <project>.json each (default: the shipped demo inventories)",
    )
    ev.add_argument(
        "--now",
        help="the events' time, ISO 8601 (default: 2026-12-01T09:00+01:00, the shipped sets')",
    )
    ev.add_argument("--errors", action="store_true", help="print every miss")
    ev.add_argument(
        "--save-errors",
        type=Path,
        metavar="FILE",
        help="write every miss to FILE (JSON), to compare a later run with (--compare)",
    )
    ev.add_argument(
        "--compare",
        type=Path,
        metavar="FILE",
        help="print the misses that are new or fixed since a run saved with --save-errors",
    )
    ev.add_argument(
        "--dev",
        type=Path,
        action="append",
        default=[],
        help="with --calibrate: more labelled dev rows to fit on (never the test set)",
    )
    ev.add_argument(
        "--calibrate",
        type=Path,
        metavar="OUT",
        help="fit the routing calibration on the dev set and write it to OUT",
    )
    ev.set_defaults(run=cmd_eval)


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    if args.events < 100 or args.rate <= 0:
        raise UsageError("bench needs --events >= 100 and --rate > 0")
    if args.soak < 0 or args.soak_rate <= 0:
        raise UsageError("bench needs --soak >= 0 and --soak-rate > 0")
    if args.json is not None and args.json.suffix == ".png":
        raise UsageError("bench --json wants the figures' file; the plot goes beside it as .png")
    if args.no_metrics and args.threads:
        raise UsageError("bench --no-metrics is for worker processes, not --threads")
    peers_python = args.peers_python or default_peers_python()
    if args.peers_python is not None and not args.peers_python.exists():
        raise UsageError(f"bench --peers-python {args.peers_python}: no such interpreter")
    limit_threads()
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
                metrics=not args.no_metrics,
                soak_s=args.soak,
                soak_rate=args.soak_rate,
                peers=args.peers,
                peers_python=peers_python,
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
        try:
            print(f"plot written to {write_plot(result, args.json.with_suffix('.png'))}")
        except (UsageError, OSError) as exc:  # the figures stand without the picture
            print(f"no plot: {exc}")
    return 0


def cmd_chaos(args: argparse.Namespace) -> int:
    if (
        args.events < 1
        or min(args.kills, args.rollbacks, args.wipes, args.retention) < 0
        or not 0 <= args.duplicates < 1
        or args.rate <= 0
        or not 1 <= args.lanes <= MAX_LANES
        or args.executors < 1
    ):
        raise UsageError(
            "chaos needs --events >= 1, --kills/--rollbacks/--wipes/--retention >= 0, "
            f"0 <= --duplicates < 1, --rate > 0, 1 <= --lanes <= {MAX_LANES}, --executors >= 1"
        )
    config = chaos.ChaosConfig(
        args.events,
        args.kills,
        args.seed,
        args.duplicates,
        args.rate,
        rollbacks=args.rollbacks,
        wipes=args.wipes,
        retention=args.retention,
        lanes=args.lanes,
        executors=args.executors,
    )
    workdir = args.dir or Path(tempfile.mkdtemp(prefix="taskline-chaos-"))
    print(f"chaos: seed {args.seed}, work directory {workdir}", flush=True)
    result = chaos.ChaosRun(config, workdir, say=lambda m: print(m, flush=True)).run()
    for line in chaos.report_lines(result):
        print(line, flush=True)
    return 0 if result.ok else 1


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    eval_dir = DATA_DIR / "eval"
    router, former = build_router(settings), build_former(settings)
    state_dir = args.state or DATA_DIR / "inventories"
    try:
        states = read_states(state_dir)
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read project states: {exc}") from exc
    for project, state in states.items():
        router.reindex(project, state)
    if args.calibrate is not None:
        negatives = [
            line
            for line in (eval_dir / "calibration_negatives.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        try:
            dev = [
                (r["text"], r["expected_project"])
                for path in [eval_dir / "calibration_dev.jsonl", *args.dev]
                for r in read_rows(path)
            ]
        except (OSError, ValueError, KeyError) as exc:
            raise UsageError(f"cannot read dev rows: {exc}") from exc
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
    try:
        now = datetime.fromisoformat(args.now) if args.now else None
    except ValueError as exc:
        raise UsageError(f"--now: not an ISO 8601 time: {args.now!r}") from exc
    if now is not None and now.tzinfo is None:
        raise UsageError("--now needs a UTC offset, e.g. 2026-12-01T09:00+01:00")
    before: list[str] | None = None
    if args.compare is not None:
        try:
            before = [str(e) for e in json.loads(args.compare.read_text())["errors"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"--compare {args.compare}: not a saved run: {exc}") from exc
    evaluation = evaluate(router, former, rows, states=states, now=now)
    if args.save_errors is not None:
        errors = comparable_errors(evaluation.overall.errors)
        args.save_errors.write_text(json.dumps({"file": str(path), "errors": errors}, indent=0))
    if before is not None:
        new, fixed = compare_errors(before, evaluation.overall.errors)
        for error in new:
            print(f"NEW    {error}")
        for error in fixed:
            print(f"FIXED  {error}")
        print(
            f"misses: {len(before)} -> {len(evaluation.overall.errors)} ({len(new)} new, "
            f"{len(fixed)} fixed)"
        )
        return 0
    if args.json:
        print(json.dumps(evaluation.as_dict()))
        return 0
    r = evaluation.overall
    print(f"events: {r.events}  (router {router.version}; states from {state_dir})")
    table = [("all", r), *sorted(evaluation.by_language.items())]
    if len(table) == 2:
        table = table[:1]
    print(
        f"{'lang':<5} {'rows':>5} {'task type':>9} {'project':>8} {'abstain':>8} {'ECE':>6} "
        f"{'target':>7} {'value':>6} {'cands':>6}"
    )
    for lang, x in table:
        print(
            f"{lang:<5} {x.events:>5} {x.task_type_accuracy:>9.3f} {x.project_accuracy:>8.3f} "
            f"{x.abstain_rate:>8.3f} {x.ece:>6.3f} {x.target_accuracy:>7.3f} "
            f"{x.value_accuracy:>6.3f} {x.candidates_accuracy:>6.3f}"
        )
    print(
        f"project accuracy:   {r.project_accuracy:.3f}  ({r.project_correct}/{r.answered} answered)"
    )
    print(
        f"abstain rate:       {r.abstain_rate:.3f}  ({r.abstained}/{r.expected_projects} with one)"
    )
    print(f"task type accuracy: {r.task_type_accuracy:.3f}")
    print(f"calibration error:  {r.ece:.3f}  (ECE of routing_confidence, 10 bins)")
    print(
        f"target accuracy:    {r.target_accuracy:.3f}  ({r.target_correct}/{r.target_total}); "
        f"intent {r.intent_correct}/{r.intent_total} (labels may use their own vocabulary)"
    )
    print("confusion (rows: expected, columns: formed):")
    print("  " + " " * 14 + "".join(f"{t:>14}" for t in TASK_TYPES))
    for wanted in TASK_TYPES:
        counts = r.confusion.get(wanted, {})
        print(f"  {wanted:<14}" + "".join(f"{counts.get(t, 0):>14}" for t in TASK_TYPES))
    for error in r.errors if args.errors else r.errors[:20]:
        print(f"  miss: {error}")
    if not args.errors and len(r.errors) > 20:
        print(f"  ... {len(r.errors) - 20} more misses (--errors prints them all)")
    return 0
