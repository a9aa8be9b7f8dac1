"""Helpers for the orchestration tests: a recording HTTP endpoint, task builders, governance
commands and topic readers (fixtures are in tests/integration/conftest.py)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import redis

from processors.models import (
    ExecutionResult,
    GovernanceCommand,
    PatchOp,
    ScheduledTask,
    SsotCommit,
    TaskObject,
    TaskSheet,
    WorkPlan,
)
from streams.codec.serde import SchemaStore, Serde
from streams.runtime.topics import EXECUTED, FORMED, GOVERNANCE, SCHEDULED, SSOT_WRITES
from streams.sdk.governance import signed
from streams.settings import Settings
from streams.state.scheduler_book import SchedulerKeys, book_status, command_result
from tests.conftest import event_producer, read_topic, settle

KEY = "test-governance-key"
PACKS = Path(__file__).parents[1] / "streams" / "data" / "packs"
OPS_PACK = Path(__file__).parent / "data" / "ops_pack.yaml"


class Hook:
    """A local HTTP endpoint that records calls; ``/fail`` answers 500, ``/slow`` sleeps
    ``slow_s`` on its first ``slow_n`` calls, ``/bad`` answers JSON without ``ok``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.slow_s = 0.0
        self.slow_n = 1
        self._slow_calls = 0
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                path = self.path.strip("/")
                with hook.lock:
                    hook.calls.append((path, dict(self.headers.items())))
                    slow = path == "slow" and hook._slow_calls < hook.slow_n
                    hook._slow_calls += slow
                if slow:
                    time.sleep(hook.slow_s)
                status = 500 if path == "fail" else 200
                body = {"nope": 1} if path == "bad" else {"ok": True, "path": path}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def paths(self) -> list[str]:
        with self.lock:
            return [p for p, _ in self.calls]


def task(
    source: str,
    *,
    project: str = "atlas",
    domain: str = "ops",
    intent: str | None = None,
    patch: list[dict[str, Any]] | None = None,
    slots: dict[str, str] | None = None,
    depends_on: list[str] | None = None,
    systems: list[str] | None = None,
    priority: int = 5,
    ephemeral: bool = False,
) -> TaskObject:
    now = datetime.now(UTC)
    artifact: dict[str, Any]
    if ephemeral:
        artifact = {
            "task_type": "ephemeral",
            "work_plan": WorkPlan(
                goal=source,
                inputs={},
                steps=["ssot.read", "text.summarize"],
                tools_required=[],
                expected_output="",
                timeout_hint_ms=1000,
                risk_flags=[],
            ),
            "patch_status": "not_required",
        }
    else:
        ops = patch or [{"op": "add", "path": f"/{source}", "value": 1}]
        artifact = {
            "task_type": "stateful",
            "task_sheet": TaskSheet(
                project_id=project,
                intent=intent or "set",
                state_targets=[],
                constraints=[],
                validation_checks=[],
                commit_message_hint=source,
            ),
            "patch": [PatchOp.from_rfc(op) for op in ops],
            "patch_status": "ready",
        }
    return TaskObject(
        task_id=f"task-{source}",
        source_event_id=source,
        session_id="orchestration",
        project_id=project,
        domain_id=domain,
        systems_affected=systems or [],
        formation_confidence=0.9,
        routing_confidence=0.9,
        priority=priority,
        assumptions=[],
        occurred_at=now,
        created_at=now,
        intent_id=intent,
        slots=slots or {},
        depends_on=depends_on or [],
        **artifact,
    )


def publish(settings: Settings, serde: Serde, *tasks: TaskObject) -> None:
    producer = event_producer(settings, serde)
    producer.publish(settings.topic(FORMED), [(t.task_id.encode(), t) for t in tasks])


def govern(
    settings: Settings,
    serde: Serde,
    action: str,
    *,
    task_id: str | None = None,
    argument: str | None = None,
    key: str = KEY,
    command_id: str | None = None,
) -> GovernanceCommand:
    cmd = signed(
        action,
        key.encode(),
        actor="ops-lead",
        reason="integration test",
        policy_version=settings.governance_policy_version,
        task_id=task_id,
        argument=argument,
        command_id=command_id,
    )
    send_command(settings, serde, cmd)
    return cmd


def send_command(settings: Settings, serde: Serde, cmd: GovernanceCommand) -> None:
    producer = event_producer(settings, serde)
    producer.publish(settings.topic(GOVERNANCE), [(cmd.command_id.encode(), cmd)])


def verdict(settings: Settings, client: redis.Redis, cmd: GovernanceCommand) -> dict[str, str]:
    keys = SchedulerKeys(settings.redis_prefix)
    assert settle(lambda: command_result(client, keys, cmd.command_id) is not None, 20)
    result: dict[str, str] = command_result(client, keys, cmd.command_id)
    return result


def commits_for(
    settings: Settings, serde: Serde, task_ids: set[str], timeout: float = 60
) -> dict[str, SsotCommit]:
    def done(msgs: list[Any]) -> bool:
        return task_ids <= {
            c.task_id for c in (serde.decode_any(m.value()) for m in msgs) if hasattr(c, "task_id")
        }

    found = {}
    for m in read_topic(settings, SSOT_WRITES, until=done, timeout=timeout):
        c = serde.decode(m.value(), SsotCommit)
        if c.task_id in task_ids:
            found.setdefault(c.task_id, c)
    assert set(found) == task_ids, f"missing commits: {task_ids - set(found)}"
    return found


def results_for(settings: Settings, serde: Serde, task_ids: set[str]) -> dict[str, ExecutionResult]:
    def done(msgs: list[Any]) -> bool:
        return task_ids <= {serde.decode(m.value(), ExecutionResult).task_id for m in msgs}

    found: dict[str, ExecutionResult] = {}
    for m in read_topic(settings, EXECUTED, until=done, timeout=60):
        r = serde.decode(m.value(), ExecutionResult)
        if r.task_id in task_ids:
            found.setdefault(r.task_id, r)
    return found


def drained(settings: Settings, topic: str, idle: float = 1.0) -> list[Any]:
    """Everything on a topic now: read until nothing new came for ``idle`` seconds."""
    seen = {"n": -1, "at": time.monotonic()}

    def quiet(msgs: list[Any]) -> bool:
        if len(msgs) != seen["n"]:
            seen.update(n=len(msgs), at=time.monotonic())
            return False
        return time.monotonic() - seen["at"] > idle

    return read_topic(settings, topic, until=quiet, timeout=30)


def pending(settings: Settings, client: redis.Redis) -> set[str]:
    keys = SchedulerKeys(settings.redis_prefix)
    return {p["task_id"] for p in book_status(client, keys, Serde(SchemaStore.load()))["pending"]}


def scheduled_order(settings: Settings, serde: Serde, task_ids: set[str]) -> list[str]:
    def done(msgs: list[Any]) -> bool:
        return task_ids <= {serde.decode(m.value(), ScheduledTask).task.task_id for m in msgs}

    order = []
    messages = read_topic(settings, SCHEDULED, until=done, timeout=30) if task_ids else []
    for m in messages or drained(settings, SCHEDULED):
        tid = serde.decode(m.value(), ScheduledTask).task.task_id
        if tid in task_ids and tid not in order:
            order.append(tid)
    return order
