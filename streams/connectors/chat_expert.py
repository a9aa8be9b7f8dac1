"""A domain expert backed by an OpenAI-compatible chat-completions endpoint.

The model is asked for the formation as one JSON object, which is validated by pydantic
(:class:`ExpertAnswer`) and its patch by the same rules as any other; an unreachable endpoint
or an invalid answer falls back to another expert (the domain packs, by default), so a model
outage degrades formation instead of stopping it.

>>> expert = ChatExpert("http://127.0.0.1:8000/v1", "local-model",
...                     fallback=pack_expert)                       # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from processors.former import Expert, Proposal, validate_patch
from processors.models import RoutedEvent

log = logging.getLogger("taskline.chat_expert")

SYSTEM_PROMPT = """You shape events into tasks for the project {project} (domain {domain}).
Answer with one JSON object and nothing else, with the keys:
decision: "no_task" | "ephemeral" | "stateful" | "clarification";
intent_id: a short snake_case name; confidence: 0..1; systems: [..]; tools: [..];
steps: engine names for a read-only plan, from ["ssot.read", "text.summarize"];
patch: RFC 6902 operations on the project's JSON state (stateful only, else null);
assumptions: [..]; reply: text for the user (no_task or clarification only, else null)."""


class ExpertAnswer(BaseModel):
    """The JSON a chat expert must return."""

    model_config = ConfigDict(extra="ignore")
    decision: Literal["no_task", "ephemeral", "stateful", "clarification"]
    intent_id: str | None = None
    confidence: float = Field(0.5, ge=0, le=1)
    systems: list[str] = Field(default_factory=list)
    tools: list[str] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    patch: list[dict[str, object]] | None = None
    assumptions: list[str] = Field(default_factory=list)
    reply: str | None = None


class ChatClient:
    """One OpenAI-compatible chat-completions endpoint: JSON answers, a timeout, and at most
    ``concurrency`` requests in flight (callers beyond that wait for a slot, up to the
    timeout, then fail like a timeout)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 10.0,
        concurrency: int = 4,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self._api_key = api_key
        self.timeout_s = timeout_s
        self._slots = threading.BoundedSemaphore(max(1, concurrency))

    def complete_json(self, system: str, user: str) -> str:
        """The model's answer (the content of its first choice) to one system + user turn."""
        body = {
            "model": self.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        }
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(
            self.url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        if not self._slots.acquire(timeout=self.timeout_s):
            raise TimeoutError("no free slot for a model request")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                payload = json.loads(response.read())
        finally:
            self._slots.release()
        content: str = payload["choices"][0]["message"]["content"]
        return content


class ChatExpert:
    """Asks a chat model for the formation; falls back when it cannot answer properly."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 10.0,
        fallback: Expert | None = None,
        client: ChatClient | None = None,
    ) -> None:
        self.client = client or ChatClient(base_url, model, api_key=api_key, timeout_s=timeout_s)
        self.url = self.client.url
        self.model = model
        self.fallback = fallback
        self.version = f"chat-expert-v1/{model}"

    def _ask(self, routed: RoutedEvent) -> ExpertAnswer:
        system = SYSTEM_PROMPT.format(project=routed.project_id, domain=routed.domain_id)
        content = self.client.complete_json(system, routed.event.text)
        return ExpertAnswer.model_validate_json(content)

    def propose(self, routed: RoutedEvent) -> Proposal:
        """The model's formation, or the fallback's when the model fails."""
        try:
            answer = self._ask(routed)
        except (
            OSError,
            urllib.error.URLError,
            ValueError,
            KeyError,
            IndexError,
            ValidationError,
            TimeoutError,
        ) as exc:
            log.warning("chat expert unavailable or invalid (%s); falling back", exc)
            if self.fallback is not None:
                return self.fallback.propose(routed)
            return Proposal(
                decision="clarification",
                confidence=0.0,
                reply="I could not work out what to do; please rephrase.",
                reason_code="expert_unavailable",
            )
        patch = [dict(op) for op in answer.patch] if answer.patch else None
        return Proposal(
            decision=answer.decision,
            confidence=answer.confidence,
            intent_id=answer.intent_id,
            systems=answer.systems,
            tools=answer.tools,
            steps=answer.steps,
            patch=patch,
            patch_error=validate_patch(patch)
            if answer.decision == "stateful" and patch
            else ("the model proposed no patch" if answer.decision == "stateful" else None),
            assumptions=[f"formed by {self.version}", *answer.assumptions],
            reply=answer.reply,
        )
