"""The stages as worker processes under one supervisor: what ``taskline up`` runs by default.

Each stage is a ``taskline worker STAGE`` child with its own interpreter and GIL (in
``taskline bench`` here, six processes moved 751 events/s where six threads of one process
moved 440). The supervisor

- starts the workers and waits until each one consumes (its ``/status`` says ``ready``);
- copies their log lines to its own stderr, as threads of one process would print them;
- restarts a worker that dies (at-least-once delivery and idempotent effects make a restart
  safe), unless it died before it ever consumed (a setting it cannot work with: restarting
  would only repeat the error) or died :data:`MAX_RESTARTS` times within a minute; then it
  stops with :class:`~streams.errors.WorkerFailedError`, naming the stage and its last line;
- stops them with SIGTERM, all at once, so that each drains its batch and commits;
- arranges that a supervisor killed outright takes its workers with it (``PR_SET_PDEATHSIG``);
- serves one ``/status``, ``/metrics`` and ``/healthz`` merged from the workers' own, so
  ``taskline top``, the console and a Prometheus scrape see one pipeline at one address.

>>> sup = Supervisor(settings, endpoints); sup.start()             # doctest: +SKIP
>>> sup.wait_ready(60), sup.metrics.url                             # doctest: +SKIP
(True, 'http://127.0.0.1:41234')
"""

from __future__ import annotations

import sys
import time
import urllib.request
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from streams.codec.serde import SchemaStore
from streams.errors import WorkerFailedError
from streams.runtime.embedded import Endpoints
from streams.runtime.metrics import StatusServer
from streams.runtime.pipeline import (
    STAGES,
    load_calibration,
    load_packs,
    load_registry,
    redis_client,
)
from streams.runtime.workers import WorkerProcess, free_port, worker_env
from streams.settings import Settings

#: restarts of one worker within :data:`RESTART_WINDOW_S` after which the supervisor gives up
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0
PORT_RETRIES = 3  # new status ports for a worker whose port was taken before it started


class Supervisor:
    """Every stage (or ``stages``) as a worker process; the interface of
    :class:`~streams.runtime.pipeline.Pipeline` that ``taskline up`` uses."""

    def __init__(
        self,
        settings: Settings,
        endpoints: Endpoints,
        stages: Sequence[str] = STAGES,
        *,
        forward: TextIO | None = None,
    ) -> None:
        self.settings, self.endpoints, self.stages = settings, endpoints, tuple(stages)
        # what every worker would read first: a mistake in it is one line here, not one per
        # worker (a ConfigurationError, as the threads' pipeline raises it)
        load_packs(settings)
        load_registry(settings)
        load_calibration(settings)
        SchemaStore.load(settings.schemas_dir)
        self.redis = redis_client(endpoints)
        self.workers = {
            stage: WorkerProcess(
                stage,
                stage,
                {},
                settings.home / "logs",
                forward=forward if forward is not None else sys.stderr,
                die_with_parent=True,
            )
            for stage in self.stages
        }
        self._ready: set[str] = set()
        # a restarted worker counts from 0: what its earlier lives counted is carried here,
        # so that the pipeline's totals only grow (Prometheus sees an ordinary counter reset)
        self._last: dict[str, dict[str, Any]] = {}
        self._carried: dict[str, dict[str, Any]] = {}
        self._restarts: dict[str, deque[float]] = {s: deque() for s in self.stages}
        self._port_retries: dict[str, int] = dict.fromkeys(self.stages, 0)
        self._stopping = False
        self._pool = ThreadPoolExecutor(len(self.stages), thread_name_prefix="taskline-status")
        self.metrics: MergedMetricsServer | None = None

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Spawn every worker; serve the merged endpoints (unless metrics are off)."""
        for worker in self.workers.values():
            self._spawn(worker)
        if self.settings.metrics_port >= 0:
            self.metrics = MergedMetricsServer(
                self, self.settings.metrics_host, self.settings.metrics_port
            )
            self.metrics.start()

    def _spawn(self, worker: WorkerProcess) -> None:
        # a new port per start: the last one may have been taken while the worker was down;
        # the workers always serve /status on loopback: it is how they are supervised
        worker.env = worker_env(
            self.settings, self.endpoints, metrics_port=free_port(), metrics_host="127.0.0.1"
        )
        worker.start()

    def wait_ready(self, timeout: float) -> bool:
        """Wait until every worker consumes; raise if one cannot start."""
        deadline = time.monotonic() + timeout
        while True:
            self.raise_if_failed()
            missing = [s for s in self.stages if s not in self._ready]
            for stage, status in zip(missing, self._statuses(missing), strict=True):
                if status is not None and status["stages"].get(stage, {}).get("ready"):
                    self._ready.add(stage)
            if len(self._ready) == len(self.stages):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def raise_if_failed(self) -> None:
        """Restart a worker that died; raise :class:`WorkerFailedError` when that cannot help."""
        if self._stopping:
            return
        for stage, worker in self.workers.items():
            code = worker.returncode
            if code is None:
                continue
            last = worker.last_words()
            why = f"the {stage} worker exited with code {code}" + (f": {last}" if last else "")
            if stage not in self._ready:
                # its status port was taken before it bound it: a new port, a few times
                if worker.port_was_taken() and self._port_retries[stage] < PORT_RETRIES:
                    self._port_retries[stage] += 1
                    self._spawn(worker)
                    continue
                raise WorkerFailedError(why)  # it never consumed: a restart repeats the error
            now = time.monotonic()
            recent = self._restarts[stage]
            while recent and now - recent[0] > RESTART_WINDOW_S:
                recent.popleft()
            if len(recent) >= MAX_RESTARTS:
                raise WorkerFailedError(f"{why} ({MAX_RESTARTS} restarts within a minute)")
            recent.append(now)
            print(f"taskline: {why}; restarting it", file=sys.stderr, flush=True)
            self._carried[stage] = _added(self._carried.get(stage, {}), self._last.pop(stage, {}))
            self._spawn(worker)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM every worker at once; wait for their drains (SIGKILL after ``timeout``)."""
        self._stopping = True
        for worker in self.workers.values():
            worker.terminate()
        deadline = time.monotonic() + timeout
        for worker in self.workers.values():
            worker.wait(deadline - time.monotonic())
        if self.metrics is not None:
            self.metrics.stop()
        self._pool.shutdown(wait=False)
        self.redis.close()

    @property
    def pids(self) -> dict[str, int]:
        """The running workers' process ids, by stage."""
        return {s: pid for s, w in self.workers.items() if (pid := w.pid) is not None}

    # --- what the workers say -------------------------------------------------------------
    def _statuses(self, stages: Iterable[str]) -> list[dict[str, Any] | None]:
        # asked in parallel: a busy worker answers late, and six in a row would add up
        return list(self._pool.map(lambda s: self.workers[s].status(), stages))

    def status(self) -> dict[str, Any]:
        """The workers' ``/status`` merged into one, plus ``workers`` (pid, restarts)."""
        merged = merge_status([s for s in self._statuses(self.stages) if s is not None])
        for stage in self.stages:
            now = merged["stages"].get(stage)
            if now is None:  # a worker that does not answer is shown, as not running
                now = merged["stages"][stage] = {**_SILENT, "out": {}}
            else:
                self._last[stage] = now
            if stage in self._carried:
                merged["stages"][stage] = _added(now, self._carried[stage])
        merged["workers"] = {
            s: {"pid": w.pid, "restarts": len(self._restarts[s])} for s, w in self.workers.items()
        }
        return merged

    def metrics_text(self) -> bytes:
        """The workers' ``/metrics`` merged into one Prometheus text."""
        texts = self._pool.map(_fetch_metrics, [w.env for w in self.workers.values()])
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_Merged([t for t in texts if t is not None]))
        return generate_latest(registry)

    def healthy(self) -> bool:
        """Every worker runs and says so."""
        statuses = self._statuses(self.stages)
        return all(
            s is not None and all(v.get("running") for v in s["stages"].values()) for s in statuses
        )


_SILENT = {
    "records_in": 0,
    "records_done": 0,
    "records_out": 0,
    "dead_letters": 0,
    "duplicates": 0,
    "held": 0,
    "retries": 0,
    "lag": 0,
    "running": False,
    "ready": False,
}


_GAUGES = frozenset({"lag"})  # what a stage has now, not what it counted


def _added(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """``a`` with the counts of ``b`` added (``out`` topic by topic)."""
    out = dict(a)
    for k, v in b.items():
        if k == "out":
            out["out"] = {t: out.get("out", {}).get(t, 0) + n for t, n in v.items()} | {
                t: n for t, n in out.get("out", {}).items() if t not in v
            }
        elif isinstance(v, int | float) and not isinstance(v, bool) and k not in _GAUGES:
            out[k] = out.get(k, 0) + v
    return out


def merge_status(statuses: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Several ``/status`` documents (one per worker) as one.

    >>> a = {"time": 1, "stages": {"router": {"records_in": 2}}, "recent": [{"at": 1}]}
    >>> b = {"time": 2, "stages": {"ssot": {"records_in": 1}}, "recent": [{"at": 3}]}
    >>> m = merge_status([a, b]); sorted(m["stages"]), [e["at"] for e in m["recent"]]
    (['router', 'ssot'], [3, 1])
    """
    stages: dict[str, Any] = {}
    recent: list[dict[str, Any]] = []
    executor: dict[str, Any] = {}
    scheduler: dict[str, Any] = {}
    for status in statuses:
        stages.update(status.get("stages", {}))
        recent += status.get("recent", [])
        executor = executor or status.get("executor") or {}
        scheduler = scheduler or status.get("scheduler") or {}
    recent.sort(key=lambda e: e.get("at", 0), reverse=True)
    return {
        "time": time.time(),
        "stages": {s: stages[s] for s in STAGES if s in stages}
        | {s: v for s, v in stages.items() if s not in STAGES},
        "executor": executor,
        "scheduler": scheduler,
        "recent": recent[:10],
    }


def _fetch_metrics(env: dict[str, str]) -> str | None:
    port = env.get("TASKLINE_METRICS_PORT", "-1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            return str(r.read().decode())
    except (OSError, ValueError):
        return None


class _Merged(Collector):
    """Metric families of several processes as one: samples with the same name and labels
    are added (counters, histogram buckets and sums, gauges of one stage), except the
    ``_created`` timestamps, of which the earliest is kept."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = texts

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        values: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
        for text in self.texts:
            for family in text_string_to_metric_families(text):
                if family.name not in families:
                    families[family.name] = Metric(family.name, family.documentation, family.type)
                    values[family.name] = {}
                merged = values[family.name]
                for sample in family.samples:
                    key = (sample.name, tuple(sorted(sample.labels.items())))
                    if key not in merged:
                        merged[key] = sample.value
                    elif sample.name.endswith("_created"):
                        merged[key] = min(merged[key], sample.value)
                    else:
                        merged[key] += sample.value
        for name, family in families.items():
            for (sample_name, labels), value in values[name].items():
                family.add_sample(sample_name, dict(labels), value)
            yield family


class MergedMetricsServer(StatusServer):
    """``/status``, ``/metrics`` and ``/healthz`` of a :class:`Supervisor`'s workers, merged."""

    def __init__(self, supervisor: Supervisor, host: str, port: int) -> None:
        self.supervisor = supervisor
        super().__init__(host, port)

    def metrics_text(self) -> bytes:
        """The workers' metrics, merged."""
        return self.supervisor.metrics_text()

    def status(self) -> dict[str, Any]:
        """The workers' status, merged."""
        return self.supervisor.status()

    def healthy(self) -> bool:
        """Every worker runs."""
        return self.supervisor.healthy()
