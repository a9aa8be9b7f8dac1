"""A threshold reviewer backed by a chat model (Skyra §8), on the chat expert's client.

The model sees the request, the proposed formation, why the review fired, and the items of
the project's state the request may mean (from the grounded expert's inventory), and answers
one JSON object (:class:`ReviewAnswer`, validated by pydantic). Its answer is recorded in the
review's notes on the task object, so a replay reads the record and never asks again. A
timeout, an unreachable endpoint or an answer that does not validate falls back to the
deterministic :class:`~processors.former.PolicyReviewer`.

>>> reviewer = ChatReviewer(client, candidates=former.grounded.candidates)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import urllib.error
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from processors.former import PolicyReviewer, Proposal, Reviewer, validate_patch
from processors.models import Review, RoutedEvent
from processors.packs import DomainPack
from streams.connectors.chat_expert import ChatClient

log = logging.getLogger("taskline.chat_reviewer")

REVIEW_PROMPT = """You review a task formed from a user's request for the project {project}.
The review fired because: {triggers}.
Items of the project's state the request may name (id, name, path, current state):
{candidates}
Answer with one JSON object and nothing else, with the keys:
outcome: "approve" | "revise" | "clarification_required" | "reject";
notes: [short reasons, in the user's language when you ask them something];
patch: RFC 6902 operations replacing the proposed patch (only with "revise", else null)."""


class ReviewAnswer(BaseModel):
    """The JSON a reviewing model must return."""

    model_config = ConfigDict(extra="ignore")
    outcome: Literal["approve", "revise", "clarification_required", "reject"]
    notes: list[str] = Field(default_factory=list, max_length=10)
    patch: list[dict[str, object]] | None = None


Candidates = Callable[[RoutedEvent], list[dict[str, Any]]]


class ChatReviewer:
    """Reviews with a chat model; falls back to ``fallback`` when it cannot answer properly."""

    def __init__(
        self,
        client: ChatClient,
        *,
        candidates: Candidates | None = None,
        fallback: Reviewer | None = None,
    ) -> None:
        self.client = client
        self.candidates = candidates
        self.fallback = fallback or PolicyReviewer()
        self.version = f"chat-reviewer-v1/{client.model}"

    def _prompt(self, proposal: Proposal, routed: RoutedEvent, triggers: list[str]) -> str:
        items = self.candidates(routed) if self.candidates is not None else []
        listed = "\n".join(json.dumps(item, ensure_ascii=False) for item in items) or "(none)"
        return REVIEW_PROMPT.format(
            project=routed.project_id, triggers=", ".join(triggers), candidates=listed
        )

    def review(
        self, proposal: Proposal, routed: RoutedEvent, triggers: list[str], pack: DomainPack | None
    ) -> tuple[Review, Proposal]:
        """The model's verdict, and the proposal as it revised it (the fallback's on failure)."""
        user = json.dumps(
            {
                "request": routed.event.text,
                "decision": proposal.decision,
                "intent": proposal.intent_id,
                "patch": proposal.patch,
                "assumptions": proposal.assumptions,
            },
            ensure_ascii=False,
        )
        try:
            content = self.client.complete_json(self._prompt(proposal, routed, triggers), user)
            answer = ReviewAnswer.model_validate_json(content)
        except (
            OSError,
            urllib.error.URLError,
            TimeoutError,
            ValueError,
            KeyError,
            IndexError,
            ValidationError,
        ) as exc:
            log.warning("model reviewer unavailable or invalid (%s); policy review", exc)
            review, revised = self.fallback.review(proposal, routed, triggers, pack)
            notes = [*review.notes, f"model reviewer unavailable: {type(exc).__name__}"]
            return review.model_copy(update={"notes": notes}), revised
        protected = set(pack.protected_paths) if pack else set()
        outcome = answer.outcome
        notes = list(answer.notes)
        revised = proposal
        if outcome == "revise":
            patch = [dict(op) for op in answer.patch or []]
            error = validate_patch(patch) if patch else "the reviewer proposed no patch"
            if error is None and {str(op.get("path")) for op in patch} & protected:
                error = "the revised patch touches a protected path"
            if error is not None:
                outcome = "clarification_required"
                notes.append(f"revision refused: {error}")
            else:
                revised = replace(proposal, patch=patch, patch_error=None)
        # the model's answer is part of the record: a replay reads it and asks nothing
        notes.append(f"model answer: {content}")
        return Review(
            outcome=outcome, triggers=triggers, reviewer=self.version, notes=notes
        ), revised
