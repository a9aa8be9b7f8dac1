"""The CLI contract, run as a user would: `up` in one process, `send` and `tail` in others."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streams.runtime.embedded import pid_alive
from streams.runtime.pipeline import STAGES
from tests.conftest import settle

pytestmark = pytest.mark.integration


def cli_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKLINE_")}
    env["TASKLINE_HOME"] = str(home)
    return env


def taskline(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        env=cli_env(home),
        cwd=home.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Up:
    def __init__(self, home: Path, *args: str) -> None:
        self.home = home
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams.cli", "up", *args],
            env=cli_env(home),
            cwd=home.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        self.ready = ""
        said: list[str] = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            said.append(line)
            if line.startswith("taskline ready"):
                self.ready = line.strip()
                break
            if not line and self.proc.poll() is not None:
                break
        assert self.ready, (
            f"taskline up did not print its ready line (exit code {self.proc.poll()}); "
            f"it said: {''.join(said[-40:])[-4000:]}"
        )
        self.runtime = json.loads((home / "runtime.json").read_text())

    def service_pids(self) -> list[int]:
        return list(self.runtime["services"].values())

    def worker_pids(self) -> list[int]:
        return list(self.runtime["workers"].values())

    def status(self) -> dict[str, Any]:
        url = json.loads((self.home / "runtime.json").read_text())["metrics_url"]
        with urllib.request.urlopen(f"{url}/status", timeout=5) as response:
            status: dict[str, Any] = json.loads(response.read())
            return status


def _alive(pids: list[int]) -> list[str]:
    """The processes of ``pids`` still running, as their /proc says (for a failure message)."""
    out = []
    for pid in pids:
        if pid_alive(pid):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                cmd = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[:120]
                out.append(f"{pid} state {stat[0]} ppid {stat[1]}: {cmd}")
            except OSError:
                out.append(f"{pid}: gone while read")
    return out


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    stack = Up(tmp_path / "home")
    yield stack
    if stack.proc.poll() is None:
        stack.proc.kill()
        stack.proc.wait(10)


def tail_json(topic: str, home: Path, *extra: str) -> list[dict[str, object]]:
    result = taskline("tail", topic, "--json", "--idle-timeout", "2", *extra, home=home)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_up_send_tail_restart_and_clean_shutdown(up: Up, tmp_path: Path) -> None:
    home = up.home
    assert up.ready.startswith("taskline ready bootstrap=127.0.0.1:")
    assert " redis=redis://127.0.0.1:" in up.ready
    assert up.ready.endswith(" stages=processes")  # the default: one worker process per stage
    assert sorted(up.runtime["services"]) == ["broker", "redis"]
    assert sorted(up.runtime["workers"]) == sorted(STAGES)
    assert all(pid_alive(p) for p in up.worker_pids())

    sent = taskline(
        "send", "set the apollo status to green", "--event-id", "e-1", "--session", "u1", home=home
    )
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.strip() == "e-1"
    events = tmp_path / "events.jsonl"
    events.write_text(
        "\n".join(
            json.dumps(e)
            for e in [
                {"text": "summarize the atlas inventory", "source_event_id": "e-2"},
                {
                    "text": "x",
                    "kind": "model_proposal",
                    "project_hint": "helios",
                    "proposal": [{"op": "add", "path": "/budget", "value": 10}],
                    "source_event_id": "e-3",
                },
                {"text": "set the apollo status to green", "source_event_id": "e-1"},
            ]
        )
        + "\n"
    )
    batch = taskline("send", "--file", str(events), home=home)
    assert (batch.returncode, batch.stdout.strip()) == (0, "3")

    commits: list[dict[str, object]] = []

    def three_commits() -> bool:
        commits[:] = tail_json("ssot-writes", home, "--from-beginning")
        return len(commits) >= 3

    assert settle(three_commits, timeout=30)
    values = [c["value"] for c in commits]
    assert sorted(v["source_event_id"] for v in values) == ["e-1", "e-2", "e-3"]  # type: ignore[index]
    assert all(c["type"] == "ssot_commit" and c["topic"] == "ssot-writes" for c in commits)

    raw = tail_json("raw-events", home, "--from-beginning")
    assert [r["value"]["source_event_id"] for r in raw].count("e-1") == 2  # type: ignore[index]
    human = taskline("tail", "routed", "--from-beginning", "--idle-timeout", "2", home=home)
    assert human.returncode == 0 and "routed_event" in human.stdout
    # without --from-beginning, tail shows only what arrives after it started
    assert tail_json("raw-events", home) == []

    # a worker that dies is restarted; what it counted before carries on
    before = up.status()["stages"]
    old = up.runtime["workers"]["router"]
    os.kill(old, signal.SIGKILL)

    def restarted() -> bool:
        workers = json.loads((home / "runtime.json").read_text())["workers"]
        return workers.get("router") not in (None, old)

    assert settle(restarted, timeout=30)  # runtime.json names the new process
    assert up.status()["workers"]["router"]["restarts"] == 1
    assert settle(lambda: up.status()["stages"]["router"]["ready"], timeout=60)
    assert up.status()["stages"]["router"]["records_in"] >= before["router"]["records_in"]
    again = taskline("send", "summarize the atlas inventory", "--event-id", "e-4", home=home)
    assert again.returncode == 0, again.stderr
    ssot_in = before["ssot"]["records_in"]
    assert settle(lambda: up.status()["stages"]["ssot"]["records_in"] > ssot_in, timeout=60)
    with urllib.request.urlopen(f"{up.runtime['metrics_url']}/metrics", timeout=5) as r:
        metrics = r.read().decode()
    # one Prometheus text for every worker: each family once, every stage in it
    assert metrics.count("# TYPE taskline_records_in_total counter") == 1
    assert all(f'taskline_records_in_total{{stage="{s}"}}' in metrics for s in STAGES)
    workers = list(json.loads((home / "runtime.json").read_text())["workers"].values())

    up.proc.send_signal(signal.SIGINT)
    out, _ = up.proc.communicate(timeout=60)
    assert up.proc.returncode == 0
    assert "taskline stopped" in out
    assert "the router worker exited with code -9; restarting it" in out
    assert not (home / "runtime.json").exists()
    pids = up.service_pids() + workers
    assert settle(lambda: not any(pid_alive(p) for p in pids), timeout=10)


def test_a_killed_parent_leaves_no_orphans(up: Up) -> None:
    pids = up.service_pids() + up.worker_pids()
    assert len(pids) == 2 + len(STAGES) and all(pid_alive(p) for p in pids)
    up.proc.kill()
    up.proc.wait(10)
    # the workers drain on SIGTERM (their parent-death signal): up to a batch's commit
    assert settle(lambda: not any(pid_alive(p) for p in pids), timeout=30), _alive(pids)


def test_up_threads_runs_every_stage_in_one_process(tmp_path: Path) -> None:
    stack = Up(tmp_path / "home", "--threads")
    try:
        assert stack.ready.endswith(" stages=threads")
        assert stack.runtime["workers"] == {}
        assert sorted(stack.status()["stages"]) == sorted(STAGES)
        stack.proc.send_signal(signal.SIGINT)
        out, _ = stack.proc.communicate(timeout=30)
        assert stack.proc.returncode == 0 and "taskline stopped" in out
    finally:
        if stack.proc.poll() is None:
            stack.proc.kill()
            stack.proc.wait(10)


def test_cli_misuse_is_one_line_and_nonzero(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cases = [
        (["send"], "either TEXT or --file"),
        (["send", "hi"], "no running Taskline stack found"),
        (["send", "--file", str(tmp_path / "missing.jsonl")], "cannot read"),
        (["tail", "nope"], "invalid choice"),
        (["worker", "painter"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
        (["send", "hi", "--channel", "fax"], "invalid choice"),
    ]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": "x", "channel": "fax"}\n')
    cases.append((["send", "--file", str(bad)], "bad.jsonl:2: invalid event"))
    for args, expected in cases:
        result = taskline(*args, home=home)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2, (args, result.stderr)
        assert len(lines) == 1 and expected in lines[0], (args, lines)
        assert lines[0].startswith("taskline: error: ")
