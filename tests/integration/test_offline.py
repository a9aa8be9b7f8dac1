"""The embedded default needs no network at run time: ``taskline eval`` runs with every
outgoing connection refused (language models, number words, fuzzy matching and embeddings all
ship in the installed packages)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
# Loaded first by the interpreter of the subprocess: any connection, lookup or socket other
# than a local socketpair fails, as on a machine without a network.
BLOCK = """
import socket

class _Blocked(OSError):
    pass

def _refuse(*args, **kwargs):
    raise _Blocked("network access is blocked in this test")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def _blocked_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCK)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKLINE_")}
    env["PYTHONPATH"] = str(site)
    env["HOME"] = str(tmp_path)
    return env


def _taskline() -> list[str]:
    script = Path(sys.executable).with_name("taskline")
    return [str(script)] if script.exists() else [sys.executable, "-m", "streams.cli"]


def test_eval_runs_with_the_network_blocked(tmp_path: Path) -> None:
    env = _blocked_env(tmp_path)
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('1.1.1.1', 443), 2)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode != 0 and "network access is blocked" in probe.stderr
    rows = ROOT / "tests" / "data" / "formation_dev" / "fr.jsonl"
    command = [*_taskline(), "eval", str(rows), "--json"]
    if (
        shutil.which("unshare")
        and subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=30).returncode
        == 0
    ):
        command = ["unshare", "-n", *command]  # and no network interface at all, where allowed
    result = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout)
    assert figures["events"] == 136 and figures["by_language"]["fr"]["events"] == 136
    assert figures["task_type_accuracy"] > 0.5  # the models loaded and formed tasks
