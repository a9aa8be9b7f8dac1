"""Prometheus metrics and a JSON status view for the stages running in this process.

``GET /metrics`` is Prometheus text (records in/out, errors, dead letters, dedup hits, the
scheduler's pending and in-flight tasks and release window, batch processing and end-to-end
latency histograms, consumer lag, queue depth, executor state); ``GET /status`` is the JSON
``taskline top`` renders; ``GET /healthz`` answers 200 while every stage runs.

>>> server = MetricsServer(pipeline.runners, "127.0.0.1", 0)      # doctest: +SKIP
>>> server.start(); server.url                                     # doctest: +SKIP
'http://127.0.0.1:41234'
"""

from __future__ import annotations

import abc
import errno
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from streams.errors import PORT_IN_USE, PortInUseError
from streams.runtime.runner import StageRunner

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class _StatsCollector(Collector):
    def __init__(self, runners: Sequence[StageRunner]) -> None:
        self.runners = runners

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        def counter(
            name: str, doc: str, value: Callable[[StageRunner], int]
        ) -> CounterMetricFamily:
            family = CounterMetricFamily(name, doc, labels=["stage"])
            for r in self.runners:
                family.add_metric([r.stage], value(r))
            return family

        yield counter("taskline_records_in", "Records consumed.", lambda r: r.stats.records_in)
        yield counter(
            "taskline_records_done",
            "Consumed records whose batch was produced, acknowledged and committed.",
            lambda r: r.stats.records_done,
        )
        yield counter(
            "taskline_errors",
            "Batches retried after a broker or Redis fault.",
            lambda r: r.stats.retries,
        )
        yield counter(
            "taskline_dead_letters", "Records sent to dead-letters.", lambda r: r.stats.dead_letters
        )
        yield counter(
            "taskline_dedup_hits", "Duplicates dropped or re-emitted.", lambda r: r.stats.duplicates
        )
        yield counter(
            "taskline_held_tasks", "Tasks held back by the scheduler.", lambda r: r.stats.held
        )
        out = CounterMetricFamily(
            "taskline_records_out", "Records produced.", labels=["stage", "topic"]
        )
        lag = GaugeMetricFamily(
            "taskline_consumer_lag",
            "High watermark minus position.",
            labels=["stage", "topic", "partition"],
        )
        depth = GaugeMetricFamily(
            "taskline_queue_depth", "Records waiting for the stage (sum of lag).", labels=["stage"]
        )
        active = GaugeMetricFamily(
            "taskline_executor_active",
            "1 while this instance holds the executor lease.",
            labels=["instance"],
        )
        busy = GaugeMetricFamily(
            "taskline_executor_busy", "1 while a task is executing.", labels=["instance"]
        )
        book = GaugeMetricFamily(
            "taskline_scheduler_tasks",
            "The scheduler's book: tasks pending release, and released but not yet committed "
            "(inflight; at the release window, results are what releases wait on).",
            labels=["stage", "state"],
        )
        window = GaugeMetricFamily(
            "taskline_scheduler_release_window",
            "Tasks the scheduler keeps released and not yet committed, per execution lane.",
            labels=["stage"],
        )
        paused = GaugeMetricFamily(
            "taskline_topic_paused",
            "1 while the stage does not read the topic (backpressure: the scheduler's book is "
            "full); its lag is then the last one fetched.",
            labels=["stage", "topic"],
        )
        for r in self.runners:
            for topic, n in r.stats.out.items():
                out.add_metric([r.stage, topic], n)
            for (topic, partition), n in r.stats.lag.items():
                lag.add_metric([r.stage, topic, str(partition)], n)
            depth.add_metric([r.stage], sum(r.stats.lag.values()))
            for topic in r.paused:
                paused.add_metric([r.stage, topic], 1)
            if "inflight" in r.stats.current:  # the scheduler (its book's counts)
                for state in ("pending", "inflight"):
                    book.add_metric([r.stage, state], r.stats.current[state])
                window.add_metric([r.stage], r.settings.release_window)
            if r.stage == "executor":
                active.add_metric([r.instance_id], 1 if r.active else 0)
                busy.add_metric([r.instance_id], 1 if r.stats.current else 0)
        yield from (out, lag, depth, active, busy, book, window, paused)


class StatusServer(abc.ABC):
    """``/metrics``, ``/status`` and ``/healthz`` on a background thread, from the three
    methods a subclass gives: :meth:`metrics_text`, :meth:`status` and :meth:`healthy`."""

    def __init__(self, host: str, port: int) -> None:
        try:
            self._server = ThreadingHTTPServer((host, port), self._handler())
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise PortInUseError(f"{PORT_IN_USE} {host}:{port}") from exc
        self._server.daemon_threads = True
        # serve_forever looks at a shutdown request once per poll interval (0.5 s by default):
        # a short one keeps stop() from waiting up to half a second
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="taskline-metrics",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """Base URL of the server."""
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    def start(self) -> None:
        """Start serving."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    @abc.abstractmethod
    def metrics_text(self) -> bytes:
        """The Prometheus text of ``/metrics``."""

    @abc.abstractmethod
    def status(self) -> dict[str, Any]:
        """The JSON of ``/status`` (what ``taskline top`` shows)."""

    @abc.abstractmethod
    def healthy(self) -> bool:
        """Whether ``/healthz`` answers 200."""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                code = 200
                if self.path == "/metrics":
                    body, kind = server.metrics_text(), "text/plain; version=0.0.4"
                elif self.path == "/status":
                    body, kind = json.dumps(server.status()).encode(), "application/json"
                elif self.path == "/healthz":
                    ok = server.healthy()
                    body, kind, code = (
                        (b"ok" if ok else b"failed"),
                        "text/plain",
                        200 if ok else 503,
                    )
                else:
                    self.send_error(404)
                    return
                self.send_response(code)
                self.send_header("Content-Type", kind)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


class MetricsServer(StatusServer):
    """Serves /metrics, /status and /healthz for the given runners on a background thread."""

    def __init__(self, runners: Sequence[StageRunner], host: str, port: int) -> None:
        self.runners = runners
        self.registry = CollectorRegistry()
        self.registry.register(_StatsCollector(runners))
        self.batch = Histogram(
            "taskline_batch_processing_seconds",
            "Handle, produce and commit one batch.",
            ["stage"],
            registry=self.registry,
            buckets=_LATENCY_BUCKETS,
        )
        self.e2e = Histogram(
            "taskline_end_to_end_seconds",
            "From an event's occurred_at to its SSOT commit.",
            registry=self.registry,
            buckets=_LATENCY_BUCKETS,
        )
        for r in runners:
            r.stats.batch_histogram = self.batch.labels(r.stage)
            r.stats.end_to_end_histogram = self.e2e
        super().__init__(host, port)

    def status(self) -> dict[str, Any]:
        """The state `taskline top` shows."""
        stages = {}
        recent: list[dict[str, Any]] = []
        executor: dict[str, Any] = {}
        scheduler: dict[str, Any] = {}
        for r in self.runners:
            s = r.stats
            stages[r.stage] = {
                "records_in": s.records_in,
                "records_done": s.records_done,
                "records_out": sum(s.out.values()),
                "dead_letters": s.dead_letters,
                "duplicates": s.duplicates,
                "held": s.held,
                "retries": s.retries,
                "lag": sum(s.lag.values()),
                "running": r.error is None,
                "ready": r.ready.is_set(),
                "out": dict(s.out),  # by topic
            }
            recent += [{"stage": r.stage, **e} for e in list(s.recent)]
            if r.stage == "executor":
                executor = {"instance": r.instance_id, "active": r.active, **s.current}
                if r.lanes is not None:  # execution lanes: the ones this instance holds
                    executor["lanes"] = sorted(r.lanes.held)
            elif r.stage == "scheduler":
                scheduler = {"instance": r.instance_id, "active": r.active, **s.current}
        recent.sort(key=lambda e: e["at"], reverse=True)
        return {
            "time": time.time(),
            "stages": stages,
            "executor": executor,
            "scheduler": scheduler,
            "recent": recent[:10],
        }

    def metrics_text(self) -> bytes:
        """The runners' metrics as Prometheus text."""
        return bytes(generate_latest(self.registry))

    def healthy(self) -> bool:
        """Every runner runs."""
        return all(r.error is None for r in self.runners)
