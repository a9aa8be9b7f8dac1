"""The console on a background thread: index, application and uvicorn, started and stopped
together (``taskline up`` runs one beside the stages; ``taskline console`` runs one alone).

>>> server = ConsoleServer(settings, endpoints, status_urls=[metrics_url])  # doctest: +SKIP
>>> server.start(); print(server.url)                                      # doctest: +SKIP
http://127.0.0.1:8642
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import threading
import time
from pathlib import Path

import uvicorn

from streams.codec.serde import SchemaStore, Serde
from streams.console.app import Console, create_app
from streams.console.auth import Accounts, hash_password, new_token
from streams.console.index import ConsoleIndex
from streams.errors import ConfigurationError
from streams.runtime.embedded import Endpoints
from streams.settings import Settings

log = logging.getLogger(__name__)
PASSWORD_FILE = "console-password"


def default_accounts(settings: Settings) -> tuple[Accounts, Path | None]:
    """The configured accounts; with none configured, an operator ``admin`` whose generated
    password is written to ``<home>/console-password`` (mode 0600), never printed or logged."""
    if settings.console_users:
        return Accounts.from_settings(settings), None
    path = settings.home / PASSWORD_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    password = new_token()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    return Accounts({"admin": "operator:" + hash_password(password)}), path


class ConsoleServer:
    """Index + application + uvicorn on a thread."""

    def __init__(self, settings: Settings, endpoints: Endpoints, *, status_urls: list[str]) -> None:
        self.settings = settings
        self.accounts, self.password_file = default_accounts(settings)
        self.index = ConsoleIndex(
            settings,
            endpoints.bootstrap_servers,
            Serde(SchemaStore.load(settings.schemas_dir)),
            settings.home / "console",
        )
        self.console = Console(
            settings, endpoints, self.index, self.accounts, status_urls=status_urls
        )
        try:
            self.socket = _bind(settings.console_host, settings.console_port)
        except PortTaken:
            if "console_port" in settings.model_fields_set:
                raise
            # the default port is taken (another stack on this machine): any free one will do
            self.socket = _bind(settings.console_host, 0)
        config = uvicorn.Config(
            create_app(self.console),
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self.socket]},
            name="taskline-console",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def start(self, timeout: float = 10.0) -> None:
        """Start indexing and serving; returns once the server accepts connections."""
        self.index.start()
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise ConfigurationError(f"the console did not start on {self.url}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving, then indexing."""
        self.console.close()
        self._server.should_exit = True
        self._thread.join(10)
        self.socket.close()
        self.index.stop()


class PortTaken(ConfigurationError):
    """The console's port is in use."""


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``; a taken port is a clear configuration error."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortTaken(
                f"console port {host}:{port} is taken: set TASKLINE_CONSOLE_PORT (0 = any free "
                "port) or TASKLINE_CONSOLE=false"
            ) from exc
        raise ConfigurationError(f"console cannot bind {host}:{port}: {exc}") from exc
    sock.listen(128)
    sock.setblocking(False)
    return sock
