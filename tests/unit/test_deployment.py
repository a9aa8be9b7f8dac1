"""The compose file names only stages and settings that exist (no Docker engine needed); the
live view names what an operator of a deployment looks for."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import yaml
from rich.console import Console

from streams.cli import top
from streams.runtime.pipeline import STAGES
from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_matches_the_code() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"kafka", "redis"} <= set(services)
    assert "KRaft" in (ROOT / "docker-compose.yml").read_text() or "controller" in str(
        services["kafka"]
    )
    assert "--appendonly" in services["redis"]["command"]  # persistence
    stages = {
        name: svc for name, svc in services.items() if svc.get("command", [None])[0] == "worker"
    }
    assert sorted({svc["command"][1] for svc in stages.values()}) == sorted(STAGES)
    # three executors sharing six execution lanes (docs/lanes.md), one setting for every worker
    assert sum(1 for svc in stages.values() if svc["command"][1] == "executor") == 3
    assert {svc["environment"]["TASKLINE_EXECUTION_LANES"] for svc in stages.values()} == {"6"}
    known = {f"TASKLINE_{name.upper()}" for name in Settings.model_fields}
    for name, svc in stages.items():
        env = svc["environment"]
        assert set(env) <= known, (name, set(env) - known)
        assert {"TASKLINE_BOOTSTRAP_SERVERS", "TASKLINE_REDIS_URL"} <= set(env)
        assert "healthcheck" in svc and "/healthz" in " ".join(svc["healthcheck"]["test"])
        Settings(**{k.removeprefix("TASKLINE_").lower(): v for k, v in env.items()})  # valid values
    for infra in ("kafka", "redis"):
        assert "healthcheck" in services[infra]


def test_top_names_the_lane_of_the_running_task_and_the_lanes_held() -> None:
    status = copy.deepcopy(top.SAMPLE_STATUS)
    status["executor"].update(lane=2, lanes=[0, 2])
    console = Console(record=True, width=160, file=io.StringIO())
    console.print(top.render(status, None, 1.0))
    screen = console.export_text()
    assert "task t-1 (lane 2) step 2 patch.apply" in screen and "holds lanes 0, 2" in screen
    console = Console(record=True, width=160, file=io.StringIO())
    console.print(top.render(top.SAMPLE_STATUS, None, 1.0))  # one lane: as before
    assert "lane" not in console.export_text()


def test_top_says_when_the_schedulers_book_is_full() -> None:
    def screen(full: bool) -> str:
        status = copy.deepcopy(top.SAMPLE_STATUS)
        status["scheduler"] = {
            "instance": "s-1",
            "active": True,
            "pending": 20_000,
            "inflight": 256,
            "book_full": full,
        }
        console = Console(record=True, width=200, file=io.StringIO())
        console.print(top.render(status, None, 1.0))
        return console.export_text()

    assert "BOOK FULL: formed is not read" in screen(True)
    assert "BOOK FULL" not in screen(False) and "20000 pending, 256 in flight" in screen(False)
