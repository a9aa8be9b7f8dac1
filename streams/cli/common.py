"""What every command group shares: the parser class, the runtime file, endpoints, signals.

``taskline up`` writes ``<home>/runtime.json`` (endpoints, pids, namespaces); other commands
run against that stack unless ``TASKLINE_BOOTSTRAP_SERVERS`` / ``TASKLINE_REDIS_URL`` are set.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from streams.codec.serde import SchemaStore, Serde
from streams.errors import UsageError
from streams.runtime.embedded import Endpoints, pid_alive
from streams.settings import Settings

Resolver = Callable[[Settings, bool], tuple[Settings, Endpoints]]
"""Endpoints for a command: ``resolver(settings, need_redis)``."""
RUNTIME_FILE = "runtime.json"
_NAMESPACE_FIELDS = ("topic_prefix", "group_prefix", "redis_prefix")


class CliParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line and exit code 2 (argparse would also print the whole usage).
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def runtime_path(settings: Settings) -> Path:
    return settings.home / RUNTIME_FILE


def running_metrics_url(settings: Settings) -> str | None:
    """The metrics base URL of the `taskline up` running in this home (None: none known)."""
    try:
        url = json.loads(runtime_path(settings).read_text()).get("metrics_url")
    except (OSError, ValueError):
        return None
    return str(url) if url else None


def write_runtime(
    settings: Settings,
    endpoints: Endpoints,
    pids: dict[str, int],
    metrics_url: str | None = None,
    *,
    console_url: str | None = None,
    workers: dict[str, int] | None = None,
) -> Path:
    path = runtime_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "pid": os.getpid(),
        "bootstrap_servers": endpoints.bootstrap_servers,
        "redis_url": endpoints.redis_url,
        "services": pids,
        "workers": workers or {},  # stage worker processes (`taskline up` without --threads)
        "metrics_url": metrics_url,
        "console_url": console_url,
        **{f: getattr(settings, f) for f in _NAMESPACE_FIELDS},
    }
    # rewritten while other commands read it (a restarted worker's pid): written whole to a
    # temporary file and renamed over, so a reader never sees it empty or half written
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # may hold a password
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)
    return path


def resolve(settings: Settings, *, need_redis: bool) -> tuple[Settings, Endpoints]:
    """Endpoints from the settings, else from the runtime file of a running `taskline up`."""
    bootstrap = settings.bootstrap_servers
    redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
    if bootstrap and (redis_url or not need_redis):
        return settings, Endpoints(bootstrap, redis_url or "")
    path = runtime_path(settings)
    try:
        runtime = json.loads(path.read_text())
    except (OSError, ValueError):
        runtime = None
    if not runtime or not pid_alive(int(runtime.get("pid", -1))):
        raise UsageError(
            "no running Taskline stack found: start `taskline up` (or `make run`) in this "
            "directory, or set TASKLINE_BOOTSTRAP_SERVERS and TASKLINE_REDIS_URL"
        )
    update = {f: runtime[f] for f in _NAMESPACE_FIELDS if f not in settings.model_fields_set}
    settings = settings.model_copy(update=update)
    return settings, Endpoints(
        bootstrap or runtime["bootstrap_servers"], redis_url or runtime["redis_url"]
    )


def resolver(settings: Settings, need_redis: bool) -> tuple[Settings, Endpoints]:
    return resolve(settings, need_redis=need_redis)


def serde_for(settings: Settings) -> Serde:
    return Serde(SchemaStore.load(settings.schemas_dir))


def install_stop_signals() -> threading.Event:
    stop = threading.Event()

    def handler(_signum: int, _frame: object) -> None:
        # not stop.set() here: the handler runs in the main thread, which may be inside
        # stop.wait() holding the event's (non-reentrant) lock, and setting it from the
        # handler could then deadlock. A thread sets it once the main thread lets go.
        threading.Thread(target=stop.set, name="stop-signal", daemon=True).start()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


def jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
