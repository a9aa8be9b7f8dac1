"""Governance commands: signing, verification and publishing.

A command is signed with HMAC-SHA256 over the canonical JSON of every field but
``signature`` (``issued_at`` as epoch milliseconds), keyed by ``TASKLINE_GOVERNANCE_KEY``.
The scheduler obeys a command only if the signature verifies, it cites the policy version in
force, it names an actor and a reason, it is fresh (``issued_at`` within
``governance_max_age_s``), and its ``command_id`` was not seen before (replay). Anything else
is dead-lettered with the reason and logged.

>>> key = b"k"
>>> cmd = signed("approve", key, task_id="t1", actor="alice", reason="checked",
...              policy_version="gov-policy-1", now=datetime(2026, 1, 1, tzinfo=UTC))
>>> verify(cmd, key, policy_version="gov-policy-1", max_age_s=300,
...        now=datetime(2026, 1, 1, tzinfo=UTC))
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime
from typing import Any

from processors.jsonpatch import canonical_json
from processors.models import GovernanceCommand
from streams.errors import GovernanceAuthError

ACTIONS = ("approve", "reject", "reprioritize", "cancel", "set_safe_mode", "set_system_available")


def _payload(fields: dict[str, Any]) -> bytes:
    body = {k: v for k, v in fields.items() if k != "signature"}
    issued = body["issued_at"]
    body["issued_at"] = issued if isinstance(issued, int) else round(issued.timestamp() * 1000)
    return canonical_json(body).encode()


def signature_of(command: GovernanceCommand, key: bytes) -> str:
    """The HMAC-SHA256 (hex) a command must carry."""
    return hmac.new(key, _payload(command.model_dump()), hashlib.sha256).hexdigest()


def signed(
    action: str,
    key: bytes,
    *,
    actor: str,
    reason: str,
    policy_version: str,
    task_id: str | None = None,
    argument: str | None = None,
    now: datetime | None = None,
    command_id: str | None = None,
) -> GovernanceCommand:
    """A new command, signed."""
    draft = GovernanceCommand(
        command_id=command_id or str(uuid.uuid4()),
        action=action,
        task_id=task_id,
        argument=argument,
        actor=actor,
        reason=reason,
        policy_version=policy_version,
        issued_at=now or datetime.now(UTC),
        signature="",
    )
    return draft.model_copy(update={"signature": signature_of(draft, key)})


def verify(
    command: GovernanceCommand,
    key: bytes | None,
    *,
    policy_version: str,
    max_age_s: int,
    now: datetime,
) -> None:
    """Raise :class:`GovernanceAuthError` with the reason unless the command may be obeyed
    (replay is checked by the caller, which holds the seen command ids)."""
    if key is None:
        raise GovernanceAuthError("governance is disabled: no TASKLINE_GOVERNANCE_KEY is set")
    if not command.signature:
        raise GovernanceAuthError(f"unsigned command {command.command_id}")
    if not hmac.compare_digest(command.signature, signature_of(command, key)):
        raise GovernanceAuthError(f"bad signature on command {command.command_id}")
    if not command.actor.strip() or not command.reason.strip():
        raise GovernanceAuthError(f"command {command.command_id} names no actor or no reason")
    if command.policy_version != policy_version:
        raise GovernanceAuthError(
            f"command {command.command_id} cites policy {command.policy_version!r}, "
            f"in force: {policy_version!r}"
        )
    age = abs((now - command.issued_at).total_seconds())
    if age > max_age_s:
        raise GovernanceAuthError(
            f"command {command.command_id} issued {age:.0f} s from now (limit {max_age_s} s)"
        )
    needs_task = command.action in ("approve", "reject", "reprioritize", "cancel")
    if needs_task and not command.task_id:
        raise GovernanceAuthError(f"{command.action} needs a task id")
    if command.action == "reprioritize":
        try:
            int(command.argument or "")
        except ValueError:
            raise GovernanceAuthError("reprioritize needs an integer priority") from None
    if command.action == "set_safe_mode" and command.argument not in ("on", "off"):
        raise GovernanceAuthError("set_safe_mode takes on or off")
    if command.action == "set_system_available":
        system, _, state = (command.argument or "").partition("=")
        if not system or state not in ("available", "unavailable"):
            raise GovernanceAuthError("set_system_available takes SYSTEM=available|unavailable")
