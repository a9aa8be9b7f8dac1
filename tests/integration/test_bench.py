"""`taskline bench --json` runs end to end (the figures themselves are for the README)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.runtime.embedded import Endpoints
from streams.runtime.workers import free_port
from streams.settings import Settings
from streams.tools import bench
from tests.integration.test_cli import cli_env

pytestmark = pytest.mark.integration


def test_bench_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "streams.cli",
            "bench",
            "--events",
            "300",
            "--rate",
            "100",
            "--json",
            str(out),
        ],
        env=cli_env(tmp_path / "home"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert figures["ceiling_events_per_s"] > 0 and figures["pipeline_events_per_s"] > 0
    assert figures["ratio"] == pytest.approx(
        figures["pipeline_events_per_s"] / figures["ceiling_events_per_s"], rel=0.01
    )
    assert set(figures["cpu_ms_per_event"]) == {
        "router",
        "former",
        "scheduler",
        "executor",
        "completer",
        "ssot",
    }
    assert figures["latency_ms_at_offered"]["p50"] > 0 and figures["record_bytes_mean"] > 500
    assert "pipeline (6 real stages, one process per stage)" in result.stdout
    assert figures["mode"] == "one process per stage"
    assert set(figures["peak_memory_mib"]) == set(figures["cpu_ms_per_event"])
    assert all(mib > 20 for mib in figures["peak_memory_mib"].values())
    assert figures["latency_ms_idle"]["p50"] > 0 and figures["latency_ms_idle"]["n"] > 0
    plot = out.with_suffix(".png")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot written to {plot}" in result.stdout


def test_a_bench_worker_whose_status_port_was_taken_is_started_on_another(
    topics: Settings, endpoints: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    ports = iter([taken.getsockname()[1]])
    monkeypatch.setattr(bench, "free_port", lambda: next(ports, None) or free_port())
    stages = bench._ProcessStages(topics, endpoints)
    try:
        stages.start()  # raises if a worker does not start
        assert all(w.status() is not None for w in stages.workers.values())
    finally:
        stages.stop()
        taken.close()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:  # a zombie (exited, not yet reaped by whoever adopted it) is not running
        return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def test_bench_workers_stop_when_the_bench_is_killed(tmp_path: Path) -> None:
    """A bench killed outright leaves no worker behind (nor the embedded broker and Redis)."""
    bench_proc = subprocess.Popen(
        [sys.executable, "-m", "streams.cli", "bench", "--events", "100000"],
        env=cli_env(tmp_path / "home"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert bench_proc.stdout is not None
        for line in bench_proc.stdout:  # the workers are up once the saturation run starts
            if "pipeline at saturation" in line:
                break
        children = _children(bench_proc.pid)
        workers = [
            c for c in children if b"streams.cli\0worker" in Path(f"/proc/{c}/cmdline").read_bytes()
        ]
        assert len(workers) == 6 and len(children) >= 8, children  # and Tansu and Redis
    finally:
        bench_proc.kill()
        bench_proc.wait(10)
    deadline = time.monotonic() + 30
    while any(_running(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [c for c in children if _running(c)]
