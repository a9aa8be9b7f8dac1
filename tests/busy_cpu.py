"""Run a command several times in a row while other processes keep every core busy, and
record each run: how the suite behaves on a starved machine (a flaky test shows up here).

    python -m tests.busy_cpu --runs 5 --out runs.md -- make test

The load is local and bounded: one spinning process per core (lowest CPU priority is *not*
used: they compete as an unrelated job would), stopped when the runs end or after
``--max-hours``, whichever comes first.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path


def _spin(deadline: float) -> None:
    x = 0
    while time.monotonic() < deadline:
        x = (x * 31 + 7) % 1_000_003


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--busy", type=int, default=os.cpu_count() or 2, help="spinning processes")
    p.add_argument("--max-hours", type=float, default=3.0)
    p.add_argument("--out", type=Path, default=Path("busy-runs.md"))
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    command = [c for c in args.command if c != "--"]
    if args.runs < 1 or not command:
        p.error("needs --runs >= 1 and a command after --")
    deadline = time.monotonic() + args.max_hours * 3600
    spinners = [
        multiprocessing.Process(target=_spin, args=(deadline,), daemon=True)
        for _ in range(args.busy)
    ]
    for s in spinners:
        s.start()
    rows = []
    try:
        for n in range(1, args.runs + 1):
            started = time.monotonic()
            done = subprocess.run(command, capture_output=True, text=True)
            took = time.monotonic() - started
            tail = [line for line in done.stdout.splitlines() if line.strip()][-1:] or [""]
            rows.append((n, done.returncode, took, tail[0]))
            print(f"run {n}: exit {done.returncode} in {took:.0f} s: {tail[0]}", flush=True)
            if done.returncode != 0:
                (args.out.with_suffix(f".run{n}.log")).write_text(done.stdout + done.stderr)
    finally:
        for s in spinners:
            s.terminate()
    with args.out.open("w") as fh:
        fh.write(f"# `{' '.join(command)}` under {args.busy} busy processes\n\n")
        fh.write(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores\n\n")
        fh.write("| run | exit | seconds | last line |\n|---|---|---|---|\n")
        for n, code, took, tail in rows:
            fh.write(f"| {n} | {code} | {took:.0f} | {tail} |\n")
    return 0 if all(code == 0 for _, code, _, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
