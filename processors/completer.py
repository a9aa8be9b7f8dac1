"""Completer logic: turn an execution result into the next link of its project's chain.

- failed task → ledger entry, outcome ``failed``;
- ephemeral task → ledger entry, outcome ``succeeded``;
- stateful task run on the current head → state commit, outcome ``succeeded``;
- stateful task run on an older version whose patch touches nothing changed since, and that
  still applies → state commit, outcome ``rebased``;
- otherwise → ledger entry, outcome ``ssot_mismatch`` (the state is left untouched).

>>> head = Head.genesis("apollo")
>>> commit, new_head = plan_commit(result, head, changed_paths=set(), now=now)  # doctest: +SKIP
>>> commit.version                                                                # doctest: +SKIP
1
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from processors.errors import PatchError
from processors.jsonpatch import JCS_REFUSED, paths_overlap, refusal, touched_paths
from processors.models import ExecutionResult, SsotCommit, patch_to_rfc
from processors.ssot import HASH_VERSION, LEDGER_PROJECT, Head, commit_hash

COMMIT_NAMESPACE = uuid.UUID("0b7d6c8e-3f2a-4d5b-8e9f-1a2b3c4d5e6f")


def commit_id_for(task_id: str) -> str:
    """The one commit id a task can ever have: completion is idempotent by it."""
    return str(uuid.uuid5(COMMIT_NAMESPACE, task_id))


def project_of(result: ExecutionResult) -> str:
    """The chain a result is committed to (tasks without a project use the ledger chain)."""
    return result.project_id or LEDGER_PROJECT


def plan_commit(
    result: ExecutionResult, head: Head, *, changed_paths: set[str], now: datetime
) -> tuple[SsotCommit, Head]:
    """The commit extending ``head`` for ``result``, and the head after it.

    ``changed_paths`` are the pointers written by state commits after the result's snapshot
    version; they decide whether a stale stateful result may be rebased.
    """
    patch: list[dict[str, Any]] | None = None
    kind, outcome = "ledger", "succeeded"
    message = result.output[:500]
    if result.status == "failed":
        outcome, message = "failed", (result.error or "failed")[:500]
    elif result.task_type == "stateful":
        rfc = patch_to_rfc(result.patch)
        stale = head.version != result.snapshot_version
        if stale and paths_overlap(touched_paths(rfc), changed_paths):
            outcome = "ssot_mismatch"
            message = (
                f"ran on v{result.snapshot_version}, head is v{head.version} and the patch "
                "touches paths changed since"
            )
        else:
            patch, kind, outcome = rfc, "state", "rebased" if stale else "succeeded"
    try:
        return _commit(result, head, patch, kind, outcome, message, now)
    except JCS_REFUSED as exc:
        if patch is None:
            raise
        # a value RFC 8785 refuses (NaN, an integer beyond 2**53, a lone surrogate) in a task
        # formed before formation refused them: the change can never be hashed into the
        # chain, so the task's outcome is recorded as failed instead of its record lost
        message = f"patch not committed: a value is not I-JSON (RFC 7493): {refusal(exc)}"
        return _commit(result, head, None, "ledger", "failed", message, now)


def _commit(
    result: ExecutionResult,
    head: Head,
    patch: list[dict[str, Any]] | None,
    kind: str,
    outcome: str,
    message: str,
    now: datetime,
) -> tuple[SsotCommit, Head]:
    try:
        state, text, canon, next_ = head.successor(patch, HASH_VERSION)
    except PatchError as exc:
        kind, outcome, message = "ledger", "ssot_mismatch", f"patch no longer applies: {exc}"[:500]
        state, text, canon, next_ = head.successor(None, HASH_VERSION)
    draft = SsotCommit(
        commit_id=commit_id_for(result.task_id),
        project_id=head.project_id,
        version=head.version + 1,
        parent_hash=head.hash,
        hash="",
        task_id=result.task_id,
        source_event_id=result.source_event_id,
        kind=kind,
        outcome=outcome,
        patch=result.patch if kind == "state" else None,
        state_hash=next_.digest,
        message=message,
        occurred_at=result.occurred_at,
        committed_at=now,
        hash_version=HASH_VERSION,
    )
    commit = draft.model_copy(update={"hash": commit_hash(draft)})
    return commit, next_.head(head.project_id, commit.version, commit.hash, state, text, canon)
