"""Former: decide no task / ephemeral / stateful and build the task object (Skyra §6, §9, §11).

First version, by simple rules:

- a ``model_proposal`` with a proposal, routed to a project → stateful, the proposal is the patch;
- "set|update|change|mark <field> to <value>" routed to a project → stateful with a one-op patch;
- greetings and thanks → no task, a reply;
- routing confidence under the threshold → no task, a clarification reply;
- any other request → ephemeral (retrieve and summarize the project's state).

``task_id`` is UUIDv5 of ``source_event_id`` and the task variant, so a duplicate source event
can never mint a second task.

>>> task_id_for("evt-1", "stateful") == task_id_for("evt-1", "stateful")
True
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from processors.models import (
    PatchOp,
    Reply,
    RoutedEvent,
    TaskObject,
    TaskSheet,
    WorkPlan,
)
from processors.router import Registry, words

TASK_NAMESPACE = uuid.UUID("6f1c3a52-8a57-4c1e-9d0a-3b4c1f6e2a10")
PRIORITY = {"stateful": 5, "ephemeral": 3}  # policy: set at formation, changed by governance

_SET = re.compile(
    r"^\s*(?:please\s+)?(?:set|update|change|mark)\s+(?:the\s+)?(?P<field>[a-z][\w \-]{0,60}?)"
    r"\s+(?:to|as)\s+(?P<value>.+?)\s*[.!]?\s*$",
    re.IGNORECASE,
)
_CHITCHAT = frozenset("hi hello hey thanks thank you ok okay cool great bye goodbye yes no".split())
_MUTATING = frozenset("set update change mark rename delete remove add create append".split())


def task_id_for(source_event_id: str, variant: str) -> str:
    """The stable task id of an event's task variant."""
    return str(uuid.uuid5(TASK_NAMESPACE, f"{source_event_id}/{variant}"))


def reply_id_for(source_event_id: str, kind: str) -> str:
    """The stable id of a reply, so a redelivered event repeats the same reply."""
    return str(uuid.uuid5(TASK_NAMESPACE, f"{source_event_id}/reply/{kind}"))


def field_pointer(field: str) -> str:
    """``"release date"`` → ``/release_date`` (an escaped JSON Pointer)."""
    name = "_".join(words(field)) or "value"
    return "/" + name.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Formation:
    """What the former decided: a task, a reply, or both absent never."""

    decision: str  # no_task | ephemeral | stateful | clarification
    task: TaskObject | None
    reply: Reply | None


class Former:
    """Forms routed events into task objects; pure and deterministic."""

    def __init__(self, registry: Registry, *, min_confidence: float) -> None:
        self.registry = registry
        self.min_confidence = min_confidence

    def form(self, routed: RoutedEvent, now: datetime) -> Formation:
        """Form one routed event."""
        event = routed.event
        tokens = words(event.text)
        confident = (
            routed.project_id is not None and routed.routing_confidence >= self.min_confidence
        )
        if event.kind == "user_action" and (not tokens or set(tokens) <= _CHITCHAT):
            return self._reply(routed, "no_task", "No task needed.", now)
        if not confident:
            names = ", ".join(c.project_id for c in routed.top_candidates) or "none matched"
            return self._reply(
                routed,
                "clarification",
                f"Which project do you mean? (candidates: {names})",
                now,
            )
        if event.kind == "model_proposal":
            if not event.proposal:
                return self._reply(routed, "clarification", "The proposal has no patch.", now)
            return Formation("stateful", self._stateful(routed, list(event.proposal), now), None)
        match = _SET.match(event.text)
        if match:
            value = match.group("value").strip().strip("\"'")
            patch = [
                PatchOp.from_rfc(
                    {"op": "add", "path": field_pointer(match["field"]), "value": value}
                )
            ]
            return Formation("stateful", self._stateful(routed, patch, now), None)
        return Formation("ephemeral", self._ephemeral(routed, set(tokens) & _MUTATING, now), None)

    def _reply(self, routed: RoutedEvent, kind: str, text: str, now: datetime) -> Formation:
        event = routed.event
        reply = Reply(
            reply_id=reply_id_for(event.source_event_id, kind),
            source_event_id=event.source_event_id,
            session_id=event.session_id,
            task_id=None,
            kind="no_task" if kind == "no_task" else "clarification",
            text=text,
            created_at=now,
        )
        return Formation(kind, None, reply)

    def _task(
        self,
        routed: RoutedEvent,
        task_type: Literal["ephemeral", "stateful"],
        now: datetime,
        *,
        confidence: float,
        **artifact: Any,
    ) -> TaskObject:
        event = routed.event
        project = self.registry.get(routed.project_id)
        return TaskObject(
            task_id=task_id_for(event.source_event_id, task_type),
            source_event_id=event.source_event_id,
            session_id=event.session_id,
            task_type=task_type,
            project_id=routed.project_id,
            domain_id=routed.domain_id,
            systems_affected=sorted({"ssot", *(project.systems if project else ())}),
            formation_confidence=round(confidence, 6),
            routing_confidence=routed.routing_confidence,
            priority=PRIORITY[task_type],
            assumptions=[f"routed by {routed.router_version}"],
            occurred_at=event.occurred_at,
            created_at=now,
            **artifact,
        )

    def _stateful(self, routed: RoutedEvent, patch: list[PatchOp], now: datetime) -> TaskObject:
        event = routed.event
        assert routed.project_id is not None  # checked by the caller: stateful needs a project
        sheet = TaskSheet(
            project_id=routed.project_id,
            intent="apply proposal" if event.kind == "model_proposal" else "set fields",
            state_targets=sorted({op.path for op in patch}),
            constraints=["patch applies to the snapshot", "no other project is touched"],
            validation_checks=["patch applies", "state is a JSON object"],
            commit_message_hint=event.text[:120],
        )
        return self._task(
            routed,
            "stateful",
            now,
            confidence=routed.routing_confidence,
            task_sheet=sheet,
            patch=patch,
            patch_status="ready",
        )

    def _ephemeral(self, routed: RoutedEvent, mutating: set[str], now: datetime) -> TaskObject:
        event = routed.event
        risk = ["mutation requested without a patch: investigating only"] if mutating else []
        plan = WorkPlan(
            goal=event.text[:500],
            inputs={"project_id": routed.project_id or "", "session_id": event.session_id},
            steps=["ssot.read", "text.summarize"],
            tools_required=["ssot"],
            expected_output="a summary of the project's state for the request",
            timeout_hint_ms=5000,
            risk_flags=risk,
        )
        return self._task(
            routed,
            "ephemeral",
            now,
            confidence=routed.routing_confidence * (0.8 if mutating else 1.0),
            work_plan=plan,
            patch_status="not_required",
        )
