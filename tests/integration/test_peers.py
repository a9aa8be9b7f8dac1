"""`taskline bench --peers`: the chains Taskline's own environment runs, on the real broker.

The Faust and Quix Streams chains need the peers' environment (`make bench-peers`); without
it their rows say so instead of a figure.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.runtime.embedded import Endpoints
from streams.settings import Settings
from streams.tools.peers import PEERS, report_lines, run_peers
from streams.tools.simulate import sample_events

pytestmark = pytest.mark.integration


def test_plain_and_taskline_chains_move_every_record(
    settings: Settings, endpoints: Endpoints
) -> None:
    events = sample_events(200, seed=7, start=datetime.now(UTC), duplicates=0.3)
    said: list[str] = []
    results = {r.peer: r for r in run_peers(settings, endpoints, events, None, said.append)}
    assert list(results) == list(PEERS)
    for peer in ("plain", "taskline"):
        r = results[peer]
        assert r.error is None, r.error
        assert r.events_per_s > 0 and r.cpu_ms_per_event > 0
        assert r.latency_ms is not None and 0 < r.latency_ms["p50"] <= r.latency_ms["p99"]
    for peer in ("faust", "quix"):
        assert results[peer].events_per_s == 0
        assert "make bench-peers" in (results[peer].error or "")
    lines = report_lines(list(results.values()), (100.0, 2.5, 30.0))
    assert any(line.split()[:1] == ["taskline"] for line in lines)
    assert any("n/a" in line and "make bench-peers" in line for line in lines)
    assert "the real pipeline" in lines[-1]
    assert said == [f"peers: {p}: 200 records through 5 hops" for p in ("plain", "taskline")]
