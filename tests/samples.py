"""One fully populated instance of every wire model, for round-trip and property tests."""

from __future__ import annotations

from datetime import UTC, datetime

from processors.models import (
    Candidate,
    DeadLetter,
    ExecutionResult,
    GovernanceCommand,
    PatchOp,
    RawEvent,
    Record,
    Reply,
    RoutedEvent,
    ScheduledTask,
    SsotCommit,
    StepLog,
    TaskObject,
    TaskSheet,
    WorkPlan,
)

T0 = datetime(2026, 11, 23, 8, 0, 0, 123000, tzinfo=UTC)
T1 = datetime(2026, 11, 23, 8, 0, 1, 456789, tzinfo=UTC)
PATCH = [
    PatchOp.from_rfc({"op": "add", "path": "/release_date", "value": "2026-12-15"}),
    PatchOp.from_rfc({"op": "move", "from": "/a", "path": "/b"}),
    PatchOp.from_rfc({"op": "test", "path": "/n", "value": {"x": [1, 2.5, None, True]}}),
]
RAW = RawEvent(
    source_event_id="evt-1",
    session_id="sess-1",
    channel="voice",
    kind="model_proposal",
    text="set the apollo release date to 2026-12-15 — ünïcode ✓",
    occurred_at=T0,
    metadata={"locale": "de-DE", "device": "car"},
    project_hint="apollo",
    proposal=PATCH,
)
ROUTED = RoutedEvent(
    event=RAW,
    domain_id="engineering",
    project_id="apollo",
    routing_confidence=0.8,
    top_candidates=[
        Candidate(project_id="apollo", score=0.8),
        Candidate(project_id="atlas", score=0.1),
    ],
    router_version="keyword-v1",
    routed_at=T0,
)
STATEFUL = TaskObject(
    task_id="task-1",
    source_event_id="evt-1",
    session_id="sess-1",
    task_type="stateful",
    project_id="apollo",
    domain_id="engineering",
    systems_affected=["ci", "ssot"],
    task_sheet=TaskSheet(
        project_id="apollo",
        intent="set fields",
        state_targets=["/release_date"],
        constraints=["c"],
        validation_checks=["v"],
        commit_message_hint="hint",
    ),
    patch=PATCH,
    patch_status="ready",
    formation_confidence=0.8,
    routing_confidence=0.8,
    priority=5,
    assumptions=["a"],
    occurred_at=T0,
    created_at=T0,
)
EPHEMERAL = TaskObject(
    task_id="task-2",
    source_event_id="evt-2",
    session_id="sess-1",
    task_type="ephemeral",
    project_id=None,
    domain_id=None,
    systems_affected=[],
    work_plan=WorkPlan(
        goal="g",
        inputs={"k": "v"},
        steps=["ssot.read", "text.summarize"],
        tools_required=["ssot"],
        expected_output="summary",
        timeout_hint_ms=5000,
        risk_flags=[],
    ),
    patch_status="not_required",
    formation_confidence=0.5,
    routing_confidence=0.5,
    priority=3,
    assumptions=[],
    occurred_at=T0,
    created_at=T0,
)
SCHEDULED = ScheduledTask(task=STATEFUL, snapshot_version=7, scheduled_at=T0)
RESULT = ExecutionResult(
    task_id="task-1",
    source_event_id="evt-1",
    session_id="sess-1",
    project_id="apollo",
    task_type="stateful",
    status="failed",
    error="step 2 (patch.apply): boom",
    scheduled_snapshot_version=7,
    snapshot_version=8,
    patch=PATCH,
    output="",
    state_hash="ab" * 32,
    steps=[
        StepLog(
            step=1,
            engine="ssot",
            module="read",
            status="succeeded",
            state_hash="cd" * 32,
            detail="read",
            started_at=T0,
            finished_at=T1,
        )
    ],
    executor_id="host-1",
    occurred_at=T0,
    started_at=T0,
    finished_at=T1,
)
COMMIT = SsotCommit(
    commit_id="c-1",
    project_id="apollo",
    version=3,
    parent_hash="0" * 64,
    hash="f" * 64,
    task_id="task-1",
    source_event_id="evt-1",
    kind="state",
    outcome="rebased",
    patch=PATCH,
    state_hash="e" * 64,
    message="m",
    occurred_at=T0,
    committed_at=T0,
)
REPLY = Reply(
    reply_id="r-1",
    source_event_id="evt-1",
    session_id="sess-1",
    task_id=None,
    kind="clarification",
    text="which project?",
    created_at=T0,
)
DEAD = DeadLetter(
    stage="router",
    reason="not Avro",
    error_type="DecodeError",
    topic="raw-events",
    partition=2,
    offset=99,
    key=None,
    original=b"\x00\xff garbage",
    failed_at=T0,
)
GOV = GovernanceCommand(
    command_id="g-1",
    action="reprioritize",
    task_id="task-1",
    argument="9",
    actor="alice",
    reason="customer escalation",
    policy_version="p1",
    issued_at=T0,
    signature="hmac",
)
ALL: list[Record] = [RAW, ROUTED, STATEFUL, EPHEMERAL, SCHEDULED, RESULT, COMMIT, REPLY, DEAD, GOV]
