"""Router: route an event to a project of the registry (Skyra §5, first version).

Scores projects by keyword phrases, project ids and description words found in the event's
text and metadata; an explicit, known ``project_hint`` wins outright. Confidence is the top
score's share against the runner-up (plus one pseudo-count, so a single weak hit is not
"certain").

>>> from datetime import UTC
>>> reg = Registry.from_json('[{"id": "apollo", "domain": "space", "description": "Moon",'
...                          ' "keywords": ["lander"], "systems": ["ssot"]}]')
>>> ev = RawEvent(source_event_id="e", session_id="s", channel="chat", kind="user_action",
...               text="status of the lander?", occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
>>> Router(reg).route(ev, ev.occurred_at).project_id
'apollo'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from processors.models import Candidate, RawEvent, RoutedEvent

ROUTER_VERSION = "keyword-v1"
_WORD = re.compile(r"[a-z0-9][a-z0-9_\-]*")
_STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or the to was were will "
    "with this that these those what which who how please can you me my our we".split()
)


def words(text: str) -> list[str]:
    """Lower-case word tokens of ``text``."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Project:
    """A registry entry."""

    id: str
    domain: str
    description: str
    keywords: tuple[str, ...]
    systems: tuple[str, ...]


@dataclass(frozen=True)
class Registry:
    """The project registry, loaded from a JSON list of projects."""

    projects: tuple[Project, ...]

    @classmethod
    def from_json(cls, text: str) -> Registry:
        """Parse ``[{"id", "domain", "description", "keywords", "systems"}, ...]``."""
        raw = json.loads(text)
        if not isinstance(raw, list):
            raise ValueError("project registry must be a JSON list")
        projects = []
        for n, item in enumerate(raw):
            try:
                projects.append(
                    Project(
                        id=str(item["id"]),
                        domain=str(item["domain"]),
                        description=str(item.get("description", "")),
                        keywords=tuple(str(k).lower() for k in item.get("keywords", [])),
                        systems=tuple(str(s) for s in item.get("systems", [])),
                    )
                )
            except (KeyError, TypeError) as exc:
                raise ValueError(f"project #{n} in the registry is malformed: {exc}") from exc
        ids = [p.id for p in projects]
        if len(set(ids)) != len(ids):
            raise ValueError("project ids in the registry must be unique")
        return cls(tuple(projects))

    def get(self, project_id: str | None) -> Project | None:
        """The project with this id, if any."""
        return next((p for p in self.projects if p.id == project_id), None)


class Router:
    """Routes events to projects; pure and deterministic."""

    def __init__(self, registry: Registry, *, top_k: int = 3) -> None:
        self.registry = registry
        self.top_k = top_k
        self._desc_words = {
            p.id: frozenset(words(p.description)) - _STOPWORDS for p in registry.projects
        }

    def score(self, text: str) -> dict[str, float]:
        """Raw relevance score of every project for ``text``."""
        tokens = words(text)
        token_set = set(tokens)
        joined = " " + " ".join(tokens) + " "
        scores: dict[str, float] = {}
        for p in self.registry.projects:
            s = 0.0
            if p.id.lower() in token_set:
                s += 3.0
            for kw in p.keywords:
                if f" {' '.join(words(kw))} " in joined:
                    s += 2.0
            s += 0.5 * len(token_set & self._desc_words[p.id])
            scores[p.id] = s
        return scores

    def route(self, event: RawEvent, now: datetime) -> RoutedEvent:
        """Route one event."""
        hinted = self.registry.get(event.project_hint)
        scores = self.score(" ".join([event.text, *event.metadata.values()]))
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        total = sum(scores.values()) + 1.0
        candidates = [
            Candidate(project_id=pid, score=round(s / total, 6))
            for pid, s in ranked[: self.top_k]
            if s > 0
        ]
        if hinted is not None:
            project: Project | None = hinted
            confidence = 1.0
        elif ranked and ranked[0][1] > 0:
            top = ranked[0][1]
            second = ranked[1][1] if len(ranked) > 1 else 0.0
            project = self.registry.get(ranked[0][0])
            confidence = round(top / (top + second + 1.0), 6)
        else:
            project, confidence = None, 0.0
        return RoutedEvent(
            event=event,
            domain_id=project.domain if project else None,
            project_id=project.id if project else None,
            routing_confidence=confidence,
            top_candidates=candidates,
            router_version=ROUTER_VERSION,
            routed_at=now,
        )
