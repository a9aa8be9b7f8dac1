"""A short, seeded chaos run in every `make test` (the long one: `taskline chaos`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.tools.chaos import ChaosConfig, ChaosRun, report_lines

pytestmark = pytest.mark.integration


def test_kills_everywhere_lose_and_double_nothing(tmp_path: Path) -> None:
    # Redis keeps 25 commits per project: trimmed logs are part of what the faults hit
    config = ChaosConfig(
        events=400, kills=12, seed=11, duplicates=0.2, rate=200, rollbacks=3, wipes=1, retention=25
    )
    result = ChaosRun(config, tmp_path / "chaos", say=None).run()
    lines = report_lines(result)
    assert lines[-1] == "ALL-EVENTS-ACCOUNTED", "\n".join(lines)
    assert len(result.kills) == 16 and result.unique < result.published
    assert result.kills.count("redis-rollback") == 3 and result.kills.count("redis-wipe") == 1
    assert result.dead_letters == []
    assert result.report is not None and result.report.ok


def test_with_execution_lanes_killed_executors_lose_and_double_nothing(tmp_path: Path) -> None:
    """Four lanes shared by three executor processes; kills hit executors holding lanes."""
    config = ChaosConfig(
        events=300, kills=10, seed=5, duplicates=0.2, rate=200, wipes=1, lanes=4, executors=3
    )
    result = ChaosRun(config, tmp_path / "chaos", say=None).run()
    lines = report_lines(result)
    assert lines[-1] == "ALL-EVENTS-ACCOUNTED", "\n".join(lines)
    assert any(k.startswith("executor") for k in result.kills), result.kills
    assert any("serial execution (per lane" in line for line in lines), lines
    assert result.dead_letters == []
