"""Operations: metrics scraped from a live pipeline, `taskline top`, JSON logs, the SDK."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console

from streams.cli import top
from streams.codec.serde import Serde
from streams.runtime import supervisor, workers
from streams.runtime.embedded import Endpoints
from streams.runtime.logs import STAGE, configure, record_ids
from streams.runtime.pipeline import Pipeline
from streams.sdk.client import AsyncTasklineClient, TasklineClient
from streams.sdk.producer import EventProducer, build_event
from streams.settings import Settings
from tests.conftest import settle
from tests.integration.test_cli import Up

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def scrape(url: str) -> dict[str, float]:
    text = urllib.request.urlopen(url + "/metrics", timeout=5).read().decode()
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = sample.name + json.dumps(sample.labels, sort_keys=True)
            values[key] = sample.value
    return values


def total(values: dict[str, float], name: str) -> float:
    return sum(v for k, v in values.items() if k.startswith(name + "{"))


def test_metrics_status_and_top_from_a_live_pipeline(
    pipeline: Pipeline, settings: Settings, serde: Serde
) -> None:
    assert pipeline.metrics is not None
    url = pipeline.metrics.url
    events = [
        build_event({"text": t, "session_id": "m"})
        for t in ("lock the front door", "hello", "what is on my calendar tomorrow")
    ]
    EventProducer(settings, str(settings.bootstrap_servers), serde).send_many([*events, events[0]])
    assert settle(lambda: total(scrape(url), "taskline_end_to_end_seconds_count") >= 2, timeout=30)
    values = scrape(url)
    assert values['taskline_records_in_total{"stage": "router"}'] == 4
    assert values['taskline_dedup_hits_total{"stage": "router"}'] == 1
    assert total(values, "taskline_records_out_total") > 0
    assert total(values, "taskline_batch_processing_seconds_count") > 0
    assert total(values, "taskline_executor_active") == 1
    assert urllib.request.urlopen(url + "/healthz", timeout=5).status == 200
    status = json.loads(urllib.request.urlopen(url + "/status", timeout=5).read())
    assert status["stages"]["router"]["records_in"] == 4 and status["executor"]["active"]

    console = Console(record=True, width=140, file=io.StringIO())
    top.run(url, once=True, console=console)
    screen = console.export_text()
    for word in ("stages", "router", "former", "executor", "active", "recent failures"):
        assert word in screen, screen


def test_json_logs_carry_stage_task_and_event(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure("INFO", "json")
        token = STAGE.set("former")
        with record_ids(event_id="evt-9", task_id="task-9"):
            logging.getLogger("taskline.test").info("formed it")
        STAGE.reset(token)
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert (line["stage"], line["event_id"], line["task_id"], line["message"]) == (
            "former",
            "evt-9",
            "task-9",
            "formed it",
        )
        assert line["level"] == "INFO" and line["ts"].endswith("+00:00")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def readme_examples() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return [
        b
        for b in re.findall(r"```python\n(.*?)```", text, re.S)
        if "from_runtime" in b or ".taskline/runtime.json" in b
    ]


def test_readme_sdk_examples_run_as_written(tmp_path: Path) -> None:
    examples = readme_examples()
    assert len(examples) >= 3
    stack = Up(tmp_path / ".taskline")
    try:
        for code in examples:
            result = subprocess.run(
                [sys.executable, "-c", code],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert result.returncode == 0, (code, result.stderr[-2000:])
            assert result.stdout.strip(), code
    finally:
        stack.proc.kill()
        stack.proc.wait(10)


def test_clients_wait_for_outcomes(tmp_path: Path) -> None:
    stack = Up(tmp_path / ".taskline")
    try:
        client = TasklineClient.from_runtime(tmp_path / ".taskline")
        changed = client.send("lock the back door", session_id="sdk")
        assert (
            client.wait_for_outcome(changed, timeout=60).summary().startswith("committed: home v")
        )
        chat = client.send("hello", session_id="sdk")
        outcome = client.wait_for_outcome(chat, timeout=60)
        assert (
            outcome.commit is None and outcome.reply is not None and outcome.reply.kind == "no_task"
        )

        async def go() -> str:
            aclient = AsyncTasklineClient.from_runtime(tmp_path / ".taskline")
            event_id = await aclient.send("is the back door locked?", session_id="sdk-async")
            return (await aclient.wait_for_outcome(event_id, timeout=60)).summary()

        assert asyncio.run(go()).startswith("committed: home v")
        with pytest.raises(ValueError):
            client.send("x", session_id="", channel="fax")
    finally:
        stack.proc.kill()
        stack.proc.wait(10)


def test_a_worker_whose_status_port_was_taken_is_started_on_another(
    topics: Settings, endpoints: Endpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A free port can be taken (by another process's connection) before the worker binds
    it: the worker says so in one line and the supervisor starts it on a new port."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    ports = iter([taken.getsockname()[1]])
    monkeypatch.setattr(supervisor, "free_port", lambda: next(ports, None) or workers.free_port())
    lines = io.StringIO()
    sup = supervisor.Supervisor(topics, endpoints, stages=("router",), forward=lines)
    try:
        sup.start()
        assert sup.wait_ready(90), lines.getvalue()[-2000:]
        assert "the status port is already in use: 127.0.0.1:" in lines.getvalue()
        assert sup.status()["workers"]["router"]["restarts"] == 0  # a start, not a restart
    finally:
        sup.stop()
        taken.close()
