"""The supervisor's merging of its workers' /status and /metrics (pure; no processes)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from streams.cli.common import runtime_path, write_runtime
from streams.runtime.embedded import Endpoints, pid_alive
from streams.runtime.supervisor import _added, _Merged, merge_status
from streams.settings import Settings


def _worker_metrics(stage: str, records: int, latencies: list[float]) -> str:
    registry = CollectorRegistry()
    counter = Counter("taskline_records_in", "Records consumed.", ["stage"], registry=registry)
    counter.labels(stage).inc(records)
    e2e = Histogram("taskline_end_to_end_seconds", "E2E.", registry=registry, buckets=(0.1, 1))
    for x in latencies:
        e2e.observe(x)
    return generate_latest(registry).decode()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
    }


def _render(collector: Collector) -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(collector)
    return generate_latest(registry).decode()


def test_metrics_of_the_workers_merge_into_one_valid_text() -> None:
    texts = [
        _worker_metrics("router", 3, []),
        _worker_metrics("former", 5, []),
        _worker_metrics("ssot", 2, [0.05, 0.5]),
    ]
    merged = _render(_Merged(texts))
    samples = _samples(merged)  # it parses: each family once
    assert merged.count("# TYPE taskline_records_in_total counter") == 1
    assert samples[("taskline_records_in_total", (("stage", "router"),))] == 3
    assert samples[("taskline_records_in_total", (("stage", "former"),))] == 5
    # the one histogram every worker has: counts add up, its creation time is the earliest
    assert samples[("taskline_end_to_end_seconds_count", ())] == 2
    assert samples[("taskline_end_to_end_seconds_bucket", (("le", "0.1"),))] == 1
    created = [_samples(t)[("taskline_end_to_end_seconds_created", ())] for t in texts]
    assert samples[("taskline_end_to_end_seconds_created", ())] == min(created)
    assert _render(_Merged([])) == ""


def test_status_documents_merge_and_restarted_counts_carry_on() -> None:
    a = {
        "stages": {"ssot": {"records_in": 1}, "router": {"records_in": 4}},
        "executor": {},
        "recent": [{"at": 1.0, "stage": "router"}],
    }
    b = {
        "stages": {"executor": {"records_in": 2}},
        "executor": {"instance": "x", "active": True},
        "recent": [{"at": 2.0, "stage": "executor"}],
    }
    m = merge_status([a, b])
    assert list(m["stages"]) == ["router", "executor", "ssot"]  # pipeline order
    assert m["executor"] == {"instance": "x", "active": True}
    assert [e["at"] for e in m["recent"]] == [2.0, 1.0]
    before = {"records_in": 7, "lag": 3, "running": False, "out": {"routed": 6, "replies": 1}}
    now = {"records_in": 2, "lag": 1, "running": True, "out": {"routed": 2}}
    assert _added(now, before) == {
        "records_in": 9,
        "lag": 1,  # a gauge: what the stage has now
        "running": True,
        "out": {"routed": 8, "replies": 1},
    }


def test_runtime_file_is_never_seen_half_written(tmp_path: Path) -> None:
    """`taskline up` rewrites runtime.json when a worker restarts while other commands read
    it: every read is a whole document (it was once read empty, in the restart test)."""
    settings = Settings(home=tmp_path)
    endpoints = Endpoints("127.0.0.1:9092", "redis://127.0.0.1:6379/0")
    write_runtime(settings, endpoints, {"broker": 1}, workers={"router": 0})
    done = threading.Event()

    def rewrite() -> None:
        for n in range(400):
            write_runtime(settings, endpoints, {"broker": 1}, workers={"router": n})
        done.set()

    writer = threading.Thread(target=rewrite)
    writer.start()
    reads = 0
    while not done.is_set() or reads == 0:
        data = json.loads(runtime_path(settings).read_text())
        assert "router" in data["workers"]
        reads += 1
    writer.join()
    assert oct(runtime_path(settings).stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["runtime.json"]


def test_an_exited_child_not_yet_collected_is_not_alive() -> None:
    # a zombie waits only for its parent (init, for an orphan) to collect it: it has exited
    child = subprocess.Popen(["sleep", "0"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not collected
    assert not pid_alive(child.pid)
    assert child.wait(5) == 0
    assert not pid_alive(child.pid)
    assert pid_alive(os.getpid())
