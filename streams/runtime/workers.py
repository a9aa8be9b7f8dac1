"""Stages as separate ``taskline worker`` processes (one interpreter, one GIL, per stage).

Used by ``taskline chaos`` (to kill and restart stages) and ``taskline bench`` (to measure the
pipeline as it is deployed: one process per stage).

>>> env = worker_env(settings, endpoints, metrics_port=free_port())      # doctest: +SKIP
>>> w = WorkerProcess("router", "router", env, Path("/tmp/logs")); w.start()  # doctest: +SKIP
>>> w.status()["stages"]["router"]["records_in"]                        # doctest: +SKIP
"""

from __future__ import annotations

import collections
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from typing import Any, TextIO

from threadpoolctl import threadpool_limits

from streams.errors import PORT_IN_USE
from streams.runtime.embedded import Endpoints
from streams.settings import Settings

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _term_with_parent() -> None:
    # In the child between fork and exec: SIGTERM (a drain) when the parent dies.
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PDEATHSIG


def free_port() -> int:
    """A TCP port on loopback that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def limit_threads() -> None:
    """One BLAS thread in this process: call where a worker process starts, not on import.

    Each stage is its own process (or thread) on a small machine; BLAS helper threads only
    spin against the other stages (a 200 x 4,096 product took 3.7x the CPU with OpenBLAS's
    default threads). ``OPENBLAS_NUM_THREADS`` set by the operator wins.
    """
    if "OPENBLAS_NUM_THREADS" not in os.environ:
        threadpool_limits(limits=1, user_api="blas")


def settle_heap() -> None:
    """Leave what a ready stage built (indexes, models, packs) out of the collector's scans:
    call once a worker process is ready.

    A stage's caches grow with what people say, and each full collection scanned the stage's
    whole heap again: the former paused 60-75 ms per full collection on never-seen texts,
    5-7 ms with its start-up objects frozen.
    """
    gc.collect()
    gc.freeze()


def worker_env(
    settings: Settings, endpoints: Endpoints, *, metrics_port: int = -1, **extra: str
) -> dict[str, str]:
    """The environment of a worker process: only what ``settings`` says, plus the endpoints.

    The namespace (endpoints, prefixes, partitions, execution lanes, home) is that of the run
    that spawned it, whatever the inherited ``TASKLINE_*`` variables say; ``extra`` adds
    settings by field name (``packs_dir="/x"`` → ``TASKLINE_PACKS_DIR=/x``).
    """
    env = dict(os.environ)  # other TASKLINE_* settings (window, keys, ...) pass through
    # one BLAS thread per worker unless the caller chose otherwise (see limit_threads)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.update(
        {
            "TASKLINE_BOOTSTRAP_SERVERS": endpoints.bootstrap_servers,
            "TASKLINE_REDIS_URL": endpoints.redis_url,
            "TASKLINE_TOPIC_PREFIX": settings.topic_prefix,
            "TASKLINE_GROUP_PREFIX": settings.group_prefix,
            "TASKLINE_REDIS_PREFIX": settings.redis_prefix,
            "TASKLINE_PARTITIONS": str(settings.partitions),
            "TASKLINE_EXECUTION_LANES": str(settings.execution_lanes),
            "TASKLINE_METRICS_PORT": str(metrics_port),
            "TASKLINE_HOME": str(settings.home),
            **{f"TASKLINE_{k.upper()}": v for k, v in extra.items()},
        }
    )
    return env


class WorkerProcess:
    """One ``taskline worker STAGE`` child process, its output appended to ``logs/NAME.log``.

    With ``forward`` (a stream), its stderr, where it logs, is copied there line by line
    instead, and the last lines are kept (:attr:`last_lines`) to say why it died; with
    ``die_with_parent`` the kernel sends it SIGTERM (a drain) when this process dies.
    """

    def __init__(
        self,
        name: str,
        stage: str,
        env: dict[str, str],
        logs: Path,
        *,
        forward: TextIO | None = None,
        die_with_parent: bool = False,
    ) -> None:
        self.name, self.stage, self.env, self.logs = name, stage, env, logs
        self.forward, self.die_with_parent = forward, die_with_parent
        self.proc: subprocess.Popen[bytes] | None = None
        self.last_lines: collections.deque[str] = collections.deque(maxlen=20)

    @property
    def pid(self) -> int | None:
        """The process id while it runs."""
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    def start(self) -> None:
        """Spawn the worker (again, after a kill)."""
        argv = [sys.executable, "-m", "streams.cli", "worker", self.stage]
        preexec = _term_with_parent if self.die_with_parent else None
        if self.forward is not None:
            self.last_lines.clear()
            self.proc = subprocess.Popen(
                argv,
                env=self.env,
                stdout=subprocess.DEVNULL,  # it only announces what /status tells
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                preexec_fn=preexec,
                # its own process group: a terminal's Ctrl-C reaches the supervisor, which
                # stops every worker at once, not each worker on its own
                process_group=0,
            )
            threading.Thread(
                target=self._pump, args=(self.proc,), name=f"taskline-{self.name}-log", daemon=True
            ).start()
            return
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.logs / f"{self.name}.log", "ab") as log:
            self.proc = subprocess.Popen(
                argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=preexec,
            )

    def _pump(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None and self.forward is not None
        for raw in proc.stderr:
            line = raw.decode(errors="replace")
            self.last_lines.append(line.rstrip("\n"))
            try:
                self.forward.write(line)
                self.forward.flush()
            except (OSError, ValueError):  # the terminal went away: keep draining the pipe
                pass

    def last_words(self) -> str:
        """What it said last: its own one-line error if it printed one (without the
        ``taskline: error:`` prefix), else its last line; from its forwarded output, or from
        its log file when it writes one."""
        lines: list[str] = list(self.last_lines)
        if not lines and self.forward is None:
            try:
                said = (self.logs / f"{self.name}.log").read_text(errors="replace")
            except OSError:
                said = ""
            lines = said.splitlines()[-20:]
        lines = [line for line in lines if line.strip()]
        last = next(
            (line for line in reversed(lines) if line.startswith("taskline: error:")),
            lines[-1] if lines else "",
        )
        return last.removeprefix("taskline: error: ")

    def port_was_taken(self) -> bool:
        """Whether it exited because its status port, free when chosen, was taken before it
        bound it (another process's connection can get any free port): start it on another."""
        return self.returncode is not None and self.last_words().startswith(PORT_IN_USE)

    @property
    def returncode(self) -> int | None:
        """The exit status once it exited (None: running or never started)."""
        return self.proc.poll() if self.proc is not None else None

    def terminate(self) -> None:
        """SIGTERM without waiting: several workers then drain at once."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()

    def wait(self, timeout: float) -> None:
        """Wait up to ``timeout`` for it to exit, then SIGKILL it."""
        if self.proc is None:
            return
        try:
            self.proc.wait(max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def kill(self) -> None:
        """SIGKILL: no drain, no goodbye."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM and wait for the drain (SIGKILL after 20 s)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def status(self) -> dict[str, Any] | None:
        """The worker's ``/status`` JSON, or None while it is not serving."""
        port = self.env.get("TASKLINE_METRICS_PORT", "-1")
        if int(port) <= 0:
            return None
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=2) as r:
                data: dict[str, Any] = json.loads(r.read())
                return data
        except (OSError, ValueError):
            return None

    def records_in(self) -> int:
        """Records the worker's stage has consumed so far (0 while it is not serving)."""
        status = self.status()
        if status is None:
            return 0
        return int(status["stages"].get(self.stage, {}).get("records_in", 0))

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (Linux ``/proc``)."""
        if self.pid is None:
            return 0.0
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def memory_mib(self) -> float:
        """Resident memory of the process now (``VmRSS``), MiB."""
        return self._proc_status_mib("VmRSS:")

    def peak_memory_mib(self) -> float:
        """Peak resident memory of the process (``VmHWM``), MiB."""
        return self._proc_status_mib("VmHWM:")

    def _proc_status_mib(self, field: str) -> float:
        if self.pid is None:
            return 0.0
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
        return 0.0
