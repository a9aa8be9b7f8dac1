"""The package map holds: import directions, one Kafka client factory, unique names, no
import-time side effects. Read from the source (and, for transitive imports, a fresh
interpreter), so a change that breaks the layout fails here, not in a review."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.runtime.kafka import ROLES, KafkaClients
from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
STREAMS = ROOT / "streams"

# What each subpackage of streams/ may import (besides itself, errors and settings).
ALLOWED: dict[str, set[str]] = {
    "codec": {"processors"},
    "connectors": {"processors"},
    "state": {"processors", "codec"},
    "sdk": {"processors", "codec", "runtime.topics", "runtime.kafka"},
    "stages": {"processors", "codec", "state", "sdk.governance", "runtime"},
    "audit": {"processors", "codec", "state", "runtime"},
    "runtime": {"processors", "codec", "state", "stages", "connectors"},
    "tools": {"processors", "codec", "state", "stages", "connectors", "runtime", "sdk", "audit"},
    "console": {"processors", "codec", "state", "runtime", "sdk", "audit"},
    "cli": {"processors", "codec", "state", "stages", "connectors", "runtime", "sdk", "audit"}
    | {"tools", "cli", "console"},
}
SHARED = {"errors", "settings"}


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every module an import statement in ``path`` names, function-level ones included."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            # `from streams import x` imports the submodule x
            if node.module in ("streams", "processors"):
                for alias in node.names:
                    yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name


def _allowed(target: str, rules: set[str]) -> bool:
    if target == "processors" or target.startswith("processors."):
        return "processors" in rules
    rest = target.removeprefix("streams.")
    top = rest.split(".")[0]
    return top in SHARED or any(rest == r or rest.startswith(r + ".") for r in rules)


def test_processors_never_import_streams() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "processors").rglob("*.py"))
        for line, module in _imports(path)
        if module == "streams" or module.startswith("streams.")
    ]
    assert offenders == []


def test_each_subpackage_imports_only_what_its_docstring_allows() -> None:
    offenders = []
    for path in sorted(STREAMS.rglob("*.py")):
        parts = path.relative_to(STREAMS).parts
        if len(parts) < 2 or parts[0] == "data":
            continue
        own = parts[0]
        rules = ALLOWED[own] | {own}
        for line, module in _imports(path):
            if (module.startswith("streams.") or module.startswith("processors")) and not (
                _allowed(module, rules)
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{line} ({own}) imports {module}")
    assert offenders == []


def test_streams_top_level_holds_subpackages_and_two_shared_modules() -> None:
    modules = sorted(p.name for p in STREAMS.glob("*.py"))
    assert modules == ["__init__.py", "errors.py", "settings.py"]
    for package in ALLOWED:
        init = STREAMS / package / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc and "import" in doc, f"{init} must say what lives there and what it imports"


def _fresh_python(code: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_sdk_loads_neither_the_cli_nor_the_tools_and_import_changes_no_environment() -> None:
    loaded = json.loads(
        _fresh_python(
            "import json, os, sys; import streams.sdk; "
            "print(json.dumps([sorted(sys.modules), os.environ.get('OPENBLAS_NUM_THREADS')]))"
        )
    )
    modules, blas = loaded
    assert not [m for m in modules if m.startswith(("streams.cli", "streams.tools"))]
    assert "streams.sdk.client" in modules
    assert blas is None, "importing the SDK must not change the application's environment"


def test_importing_the_pipeline_changes_no_environment() -> None:
    out = _fresh_python(
        "import os; import streams.runtime.pipeline, streams.tools.bench; "
        "print(os.environ.get('OPENBLAS_NUM_THREADS'))"
    )
    assert out.strip() == "None"


_CLIENTS = {"Consumer", "Producer", "AdminClient"}


def test_only_the_factory_constructs_kafka_clients() -> None:
    factory = STREAMS / "runtime" / "kafka.py"
    offenders = []
    for path in sorted([*STREAMS.rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]):
        if path == factory:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in _CLIENTS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}(...)")
    assert offenders == []


SASL = Settings(
    kafka_options={"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN"},
    kafka_secret_options={"sasl.password": "hunter2"},  # type: ignore[dict-item]
)


@pytest.mark.parametrize("role", ROLES)
def test_sasl_settings_reach_every_client_role(role: str) -> None:
    clients = KafkaClients(SASL, "k:9093")
    config = clients.config(role, group_id="g")  # type: ignore[arg-type]
    assert config["bootstrap.servers"] == "k:9093"
    assert config["security.protocol"] == "SASL_SSL"
    assert config["sasl.mechanism"] == "PLAIN"
    assert config["sasl.password"] == "hunter2"
    assert config["logger"].name == "taskline.kafka"


def test_role_defaults_and_options() -> None:
    clients = KafkaClients(Settings(fetch_wait_max_ms=12), "k:9092")
    stage = clients.config("group-consumer", group_id="taskline-router")
    assert stage["group.id"] == "taskline-router" and stage["enable.auto.commit"] is False
    assert stage["fetch.wait.max.ms"] == 12
    reader = clients.config("reader", {"fetch.wait.max.ms": 10})
    assert reader["fetch.wait.max.ms"] == 10 and reader["enable.auto.commit"] is False
    assert clients.config("reader")["group.id"] != clients.config("reader")["group.id"]
    producer = clients.config("stage-producer")
    assert producer["enable.idempotence"] is True and producer["acks"] == "all"
    with pytest.raises(ValueError, match="group_id"):
        clients.config("group-consumer")
    with pytest.raises(ValueError, match="unknown Kafka client role"):
        clients.config("spy")  # type: ignore[arg-type]


def test_real_clients_are_built_from_the_factory() -> None:
    clients = KafkaClients(Settings(), "127.0.0.1:1")
    consumer = clients.consumer("group-consumer", group_id="architecture-test")
    producer = clients.producer("event-producer")
    admin = clients.admin()
    assert producer.flush(0) == 0 and admin is not None
    consumer.close()


def test_public_class_names_are_unique() -> None:
    seen: dict[str, list[str]] = {}
    for root in (STREAMS, ROOT / "processors"):
        for path in sorted(root.rglob("*.py")):
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                    seen.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    assert {name: where for name, where in seen.items() if len(where) > 1} == {}
