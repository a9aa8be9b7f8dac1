"""Router: route an event to a project (Skyra §5).

Evidence per project, combined into one score:

- similarity of the text to the project's document: id, domain, description, keywords and a
  text rendering of its current SSOT state (re-indexed when the state changes);
- similarity to the nearest example utterance of the project's domain pack;
- the project's id or one of its keyword phrases named in the text;
- the session's previous routing (a follow-up such as "and lock it too").

A softmax with a fitted temperature over the projects' scores plus a *none of them* score
turns the scores into ``routing_confidence`` (calibrated: ≈ the chance the top project is
right). An explicit, known ``project_hint`` wins outright.

>>> router = Router(ProjectRegistry.from_json(REGISTRY_EXAMPLE), [])
>>> ev = RawEvent(source_event_id="e", session_id="s", channel="chat", kind="user_action",
...               text="apollo lander status?", occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
>>> router.route(ev, ev.occurred_at).project_id
'apollo'
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from processors.embeddings import Encoder, HashingEncoder, VectorIndex, query_of, tokens
from processors.grounding import negated_request
from processors.inventory import Inventory
from processors.language import SUPPORTED, clean, detect, fold
from processors.lexicon import NUMBER_WORDS
from processors.models import Candidate, RawEvent, RoutedEvent
from processors.packs import DomainPack

ROUTER_VERSION = "route-v2"
REGISTRY_EXAMPLE = (
    '[{"id": "apollo", "domain": "space", "description": "Moon lander", "keywords": ["lander"]}]'
)
_W_DOC, _W_EXAMPLE, _W_ID, _W_KEYWORD, _W_SESSION = 0.45, 0.55, 0.35, 0.1, 0.12
_W_ITEM = 0.35  # the text names an item of the project's inventory (by name, or area + kind)
_W_KIND, _W_CUE = 0.15, 0.1  # a kind of thing the project holds; a cue of its pack's intents
_W_CHATTER = 0.8  # short small talk pulls every project towards "none of them"
_W_OUTSIDE = 0.8  # so does a request like the out-of-scope pack's (orders, taxis, e-mails)
_MAX_NGRAM = 3
# a number said in words (a ticket's number): "quatre-vingt-quatorze", "hundertacht", "ciento uno"
_NUMBER_WORD = re.compile(
    r"\b(?:" + "|".join(sorted(NUMBER_WORDS)) + r")\b|(?:hundert|zig\b|zehn\b|undzwanzig)"
)
_W_UNRESOLVED = 0.5  # "turn it off" with nothing said of what: no project can be told
# an object pronoun standing for the thing ("turn it off", "éteins-le", "cámbialo", "mach das aus")
_PRONOUN = re.compile(
    r"\b(?:it(?!'s|'ll| is| was| will)|that(?! is|'s)|this(?! is|'s)|them)\b|-(?:le|la|les)\b|"
    r"\b(?:ca|cela)\b|\b(?:eso|esto)\b|\b\w{3,}(?:alo|elo|ilo|ala|ela|alos|elos|"
    r"alas|elas)\b|\b(?:das|es|ihn)\b(?=\s+(?:aus|an|ein|auf|zu|ab|weg|bitte|mal|doch|nicht|"
    r"[a-z]+en)\b)"
)

__all__ = ["UTC", "Calibration", "Project", "ProjectRegistry", "Router", "render_state", "words"]


def words(text: str) -> list[str]:
    """Lower-case word tokens of ``text``."""
    return tokens(text)


@dataclass(frozen=True)
class Project:
    """A registry entry."""

    id: str
    domain: str
    description: str
    keywords: tuple[str, ...]
    systems: tuple[str, ...]
    lane_key: str | None = None  # projects sharing a lane key share an execution lane


@dataclass(frozen=True)
class ProjectRegistry:
    """The project registry, loaded from a JSON list of projects."""

    projects: tuple[Project, ...]

    @classmethod
    def from_json(cls, text: str) -> ProjectRegistry:
        """Parse ``[{"id", "domain", "description", "keywords", "systems", "lane_key"}, ...]``
        (``lane_key`` optional)."""
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
                        lane_key=str(item["lane_key"]) if item.get("lane_key") else None,
                    )
                )
            except (KeyError, TypeError) as exc:
                raise ValueError(f"project #{n} in the registry is malformed: {exc}") from exc
        ids = [p.id for p in projects]
        if len(set(ids)) != len(ids):
            raise ValueError("project ids in the registry must be unique")
        return cls(tuple(projects))

    @property
    def lane_keys(self) -> dict[str, str]:
        """``project id → lane key`` for the projects that declare one."""
        return {p.id: p.lane_key for p in self.projects if p.lane_key}

    def get(self, project_id: str | None) -> Project | None:
        """The project with this id, if any."""
        return next((p for p in self.projects if p.id == project_id), None)


@dataclass(frozen=True)
class Calibration:
    """Softmax temperature and the score of "none of these projects"."""

    temperature: float = 0.07
    none_score: float = 0.3
    version: str = "calib-default"
    slope: float = 1.0  # Platt scaling of the top probability: sigmoid(slope·logit(p) + intercept)
    intercept: float = 0.0

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        """Parse ``{"temperature", "none_score", "version", "slope"?, "intercept"?}``."""
        data = json.loads(text)
        return cls(
            float(data["temperature"]),
            float(data["none_score"]),
            str(data["version"]),
            float(data.get("slope", 1.0)),
            float(data.get("intercept", 0.0)),
        )

    def to_json(self) -> str:
        """The calibration file's text."""
        return json.dumps(
            {
                "version": self.version,
                "temperature": self.temperature,
                "none_score": self.none_score,
                "slope": self.slope,
                "intercept": self.intercept,
            },
            indent=2,
        )

    def confidence(self, p: float) -> float:
        """The calibrated probability that the top project is right, from its raw share."""
        p = min(max(p, 1e-6), 1 - 1e-6)
        z = self.slope * math.log(p / (1 - p)) + self.intercept
        return 1 / (1 + math.exp(-z))


def render_state(state: Any, limit: int = 600) -> str:
    """A project's state as words for indexing: ``front_door locked kitchen_lights on ...``."""
    if not isinstance(state, dict):
        return ""
    parts = []
    for key, value in list(state.items())[:60]:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key.replace('_', ' ')} {text[:60]}")
    return " ".join(parts)[:limit]


class Router:
    """Routes events to projects; deterministic for a given registry, packs and state."""

    def __init__(
        self,
        registry: ProjectRegistry,
        packs: Sequence[DomainPack],
        *,
        encoder: Encoder | None = None,
        calibration: Calibration | None = None,
        top_k: int = 3,
    ) -> None:
        self.registry = registry
        self.encoder = encoder or HashingEncoder()
        self.calibration = calibration or Calibration()
        self.top_k = top_k
        self._ids = [p.id for p in registry.projects]
        self._index = {pid: i for i, pid in enumerate(self._ids)}
        self._states: dict[str, str] = {}
        self._inventory_specs = {
            domain: pack.inventory for pack in packs if pack.inventory for domain in pack.covers
        }
        self._inventories: dict[int, Inventory] = {}
        self._merged: Inventory | None = None
        self._area_owner: dict[str, str] = {}
        self._id_prefixes: dict[str, set[str]] = {}
        self._kinds: dict[int, set[str]] = {}
        # domains whose requests take a person ("assign it to Sofia"): naming one of their
        # people is a hint; a family member named in small talk is none
        self._person_domains = {
            d
            for pack in packs
            for d in pack.covers
            if any(i.value == "person" for i in pack.intents)
        }
        cues: dict[str, list[str]] = {}
        for pack in packs:
            for intent in pack.intents:
                found = [c for cs in intent.cues.values() for c in cs if c != "\\?$"]
                for domain in pack.covers:
                    cues.setdefault(domain, []).extend(found)
        self._cues = {
            d: re.compile("|".join(f"(?:{c})" for c in cs)) for d, cs in cues.items() if cs
        }
        domains = sorted({p.domain for p in registry.projects})
        self._examples: list[str] = []
        example_domain: list[int] = []
        for pack in packs:
            for domain in pack.covers:
                if domain in domains:
                    for intent in pack.intents:
                        self._examples += intent.utterances
                        example_domain += [domains.index(domain)] * len(intent.utterances)
        self._example_domain = np.array(example_domain, dtype=np.int64)
        # examples grouped by domain: the best example per domain is one reduceat
        self._by_domain = np.argsort(self._example_domain, kind="stable")
        present, starts = np.unique(self._example_domain[self._by_domain], return_index=True)
        self._present_domains, self._domain_starts = present, starts
        self._project_domain = np.array([domains.index(p.domain) for p in registry.projects])
        self._n_domains = len(domains)
        self._domain_cues = [
            (domains.index(d), cue) for d, cue in self._cues.items() if d in domains
        ]
        self.encoder.fit([self._document(p) for p in registry.projects] + self._examples)
        docs = self.encoder.encode([self._document(p) for p in registry.projects])
        self._docs = VectorIndex(docs)
        chatter = [
            u for p in packs if "_common" in p.covers for i in p.intents for u in i.utterances
        ]
        outside = [u for p in packs if "_none" in p.covers for i in p.intents for u in i.utterances]
        # the examples, "none of these" and small talk in one index: one search per event
        static = [*self._examples, *outside, *chatter]
        self._static = (
            VectorIndex.of(self.encoder, static)
            if static
            else VectorIndex(np.zeros((0, docs.shape[1]), dtype=np.float32))
        )
        n_examples, n_outside = len(self._examples), len(outside)
        self._outside_cols = slice(n_examples, n_examples + n_outside)
        self._chatter_cols = slice(n_examples + n_outside, len(static))
        self._id_parts = frozenset(
            part for p in registry.projects for part in re.findall(r"[a-z0-9]+", p.id.lower())
        )
        self._phrases: dict[tuple[str, ...], set[int]] = {}
        for i, p in enumerate(registry.projects):
            for phrase in (p.id, *p.keywords):
                key = tuple(words(phrase))
                if key and len(key) <= _MAX_NGRAM:
                    self._phrases.setdefault(key, set()).add(i)

    @property
    def version(self) -> str:
        """Router, encoder and calibration versions that produce a routing decision."""
        return f"{ROUTER_VERSION}/{self.encoder.version}/{self.calibration.version}"

    def _document(self, project: Project) -> str:
        return " ".join(
            [
                project.id.replace("-", " "),
                project.domain.replace("_", " "),
                project.description,
                " ".join(project.keywords),
                self._states.get(project.id, ""),
            ]
        )

    def reindex(self, project_id: str, state: Any) -> None:
        """Re-encode a project's document with a rendering of its current SSOT state."""
        i = self._index.get(project_id)
        if i is None:
            return
        self._states[project_id] = render_state(state)
        specs = self._inventory_specs.get(self.registry.projects[i].domain)
        if specs:
            self._inventories[i] = Inventory.from_state(
                state, specs, owner=project_id
            ).keep_lookups(self._inventories.get(i))
            self._kinds[i] = {it.kind for it in self._inventories[i].items if it.kind}
            # one index over every project's items: one resolution per event, not one each
            self._merged = Inventory(
                [it for inv in self._inventories.values() for it in inv.items]
            ).keep_lookups(self._merged)
            self._area_owner = {it.id: it.owner for it in self._merged.items if it.role == "area"}
            self._id_prefixes = {}
            for it in self._merged.items:
                if m := re.fullmatch(r"([a-z]{1,4})-\d+", it.id.lower()):
                    self._id_prefixes.setdefault(m.group(1), set()).add(it.owner)
        self._docs.set_row(i, self.encoder.encode([self._document(self.registry.projects[i])])[0])

    def scores(
        self,
        text: str,
        session_hint: str | None = None,
        *,
        exclude_example: str | None = None,
        lang: str | None = None,
    ) -> np.ndarray[Any, np.dtype[np.float64]]:
        """The combined score of every project for ``text`` (said in ``lang``, if known)."""
        q = query_of(self.encoder, text)
        score = _W_DOC * self._docs.similarities(q).astype(np.float64)
        static = self._static.similarities(q)
        if len(self._examples):
            sims = static[: len(self._examples)]
            if exclude_example is not None:
                sims = np.where(np.array(self._examples) == exclude_example, -1.0, sims)
            best = np.full(self._n_domains, 0.0)
            best[self._present_domains] = np.maximum.reduceat(
                sims[self._by_domain], self._domain_starts
            )
            np.maximum(best, 0.0, out=best)
            score += _W_EXAMPLE * best[self._project_domain]
        toks = words(text)
        # "Helios-Budget", "l'atlas": a project id inside a compound counts as said
        parts = re.findall(r"[a-z0-9]+", fold(text))
        toks = toks + [p for p in parts if p not in toks and p in self._id_parts]
        hits: dict[int, int] = {}
        for n in range(1, _MAX_NGRAM + 1):
            for i in range(len(toks) - n + 1):
                for p in self._phrases.get(tuple(toks[i : i + n]), ()):
                    hits[p] = hits.get(p, 0) + 1
        for p, count in hits.items():
            score[p] += _W_KEYWORD * min(count, 2)
            if self._ids[p].lower() in toks or self._ids[p].lower() in text.lower():
                score[p] += _W_ID
        if self._outside_cols.stop > self._outside_cols.start:
            away = float(static[self._outside_cols].max())
            if away > 0.4:
                score -= _W_OUTSIDE * (away - 0.4)
        if self._chatter_cols.stop > self._chatter_cols.start and len(toks) <= 12:
            chat = float(static[self._chatter_cols].max())
            # short small talk pulls hard; a longer sentence only when it is close to one
            # ("no no no, cancel that, I changed my mind", "good morning! how are you today?")
            floor = 0.5 if len(toks) <= 5 else 0.6
            if chat > floor:
                score -= _W_CHATTER * (chat - floor)
        if session_hint in self._index:
            score[self._index[session_hint]] += _W_SESSION
        if self._merged is not None:
            said = " ".join(toks)
            if lang in SUPPORTED and _NUMBER_WORD.search(fold(text)):
                # "passe le quatre-vingt-quatorze en terminé": ticket 94
                # one by one: "un veinte por ciento" is not ticket 120
                said += " , " + " , ".join(re.findall(r"\d+", clean(text, lang).numeric))
            res = self._merged.resolve(said, numbers=True)
            per_project: dict[str, Any] = {}
            for m in res.matches:  # best first
                per_project.setdefault(m.item.owner, m)
            for owner, top in per_project.items():
                p = self._index[owner]
                if top.score >= 0.5:
                    score[p] += _W_ITEM * (1.0 if top.named else top.score * 0.8)
            for owner in {m.item.owner for m in res.values if m.named}:
                if self.registry.projects[self._index[owner]].domain in self._person_domains:
                    score[self._index[owner]] += _W_KIND  # "… to Sofia": one it assigns to
            for p, kinds in self._kinds.items():
                if kinds & set(res.kinds):
                    score[p] += _W_KIND
            for area_owner in {self._area_owner[a] for a in res.areas if a in self._area_owner}:
                score[self._index[area_owner]] += _W_KIND
            for prefix in set(re.findall(r"\b([a-z]{1,4})-?\d+\b", fold(text))):
                for id_owner in self._id_prefixes.get(prefix, ()):
                    score[self._index[id_owner]] += _W_ITEM  # "tl-310": one of its tickets
            named = any(m.score >= 0.5 for m in res.matches) or bool(res.kinds) or bool(res.areas)
            if (
                not named
                and not hits
                and session_hint is None
                and len(toks) <= 6  # a short command that names nothing but "it"
                and _PRONOUN.search(fold(text))
            ) or negated_request(text):
                score -= _W_UNRESOLVED  # "move it to thursday": which project's "it"?
        if self._cues:
            folded = fold(text)
            hit = np.zeros(self._n_domains)
            for d, cue in self._domain_cues:  # one search per domain, not per project
                if cue.search(folded):
                    hit[d] = _W_CUE
            score += hit[self._project_domain]
        result: np.ndarray[Any, np.dtype[np.float64]] = score
        return result

    def probabilities(self, score: np.ndarray[Any, np.dtype[np.float64]]) -> list[float]:
        """Calibrated probabilities of each project and, last, of "none of them"."""
        t = self.calibration.temperature
        logits = [*(float(s) / t for s in score), self.calibration.none_score / t]
        top = max(logits)
        exps = [math.exp(x - top) for x in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def route(self, event: RawEvent, now: datetime, session_hint: str | None = None) -> RoutedEvent:
        """Route one event."""
        # what was said, not the front end's context: metadata holds device and trace ids,
        # user agents, whole earlier turns, and scoring them made a route depend on an id
        # (and cost time in proportion to them)
        language = detect(event.text, hint=event.metadata.get("lang") or None)
        lang = language.lang if language.supported else None
        probs = self.probabilities(self.scores(event.text, session_hint, lang=lang))
        order = sorted(range(len(self._ids)), key=lambda i: (-probs[i], self._ids[i]))
        candidates = [
            Candidate(project_id=self._ids[i], score=round(probs[i], 6))
            for i in order[: self.top_k]
            if probs[i] >= 0.01
        ]
        hinted = self.registry.get(event.project_hint)
        if hinted is not None:
            project: Project | None = hinted
            confidence = 1.0
        elif order and probs[order[0]] > probs[-1]:
            project = self.registry.projects[order[0]]
            confidence = round(self.calibration.confidence(probs[order[0]]), 6)
        else:
            project = None
            confidence = round(self.calibration.confidence(probs[order[0]]), 6) if order else 0.0
        return RoutedEvent(
            language=language.lang,
            language_confidence=round(language.confidence, 4),
            event=event,
            domain_id=project.domain if project else None,
            project_id=project.id if project else None,
            routing_confidence=confidence,
            top_candidates=candidates,
            router_version=self.version,
            routed_at=now,
            session_hint=session_hint,
        )


def fit_calibration(
    router: Router, labelled: Sequence[tuple[str, str | None]], version: str
) -> Calibration:
    """The temperature and none-score minimizing log loss on ``(text, project or None)``.

    Pack examples may be in ``labelled``: each is scored without its own example.
    """
    rows = [(router.scores(text, exclude_example=text), label) for text, label in labelled]
    best: tuple[float, Calibration] | None = None
    for t in (0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.05, 0.06, 0.07, 0.08, 0.1, 0.12):
        for none in np.arange(-0.2, 0.8, 0.02):
            cal = Calibration(t, float(round(none, 3)), version)
            router.calibration = cal
            loss = 0.0
            for score, label in rows:
                probs = router.probabilities(score)
                idx = router._index[label] if label is not None else len(probs) - 1
                loss -= math.log(max(probs[idx], 1e-9))
            if best is None or loss < best[0]:
                best = (loss, cal)
    assert best is not None
    cal = best[1]
    router.calibration = cal
    # Platt scaling of the top project's share against "is the top project right"
    points = []
    for score, label in rows:
        probs = router.probabilities(score)
        top = max(range(len(probs) - 1), key=lambda i: probs[i])
        p = min(max(probs[top], 1e-6), 1 - 1e-6)
        points.append((math.log(p / (1 - p)), router._ids[top] == label))
    best_platt: tuple[float, float, float] | None = None
    for slope in np.arange(0.3, 3.01, 0.02):
        for intercept in np.arange(-3.0, 3.01, 0.05):
            loss = 0.0
            for z, ok in points:
                q = 1 / (1 + math.exp(-(slope * z + intercept)))
                loss -= math.log(max(q if ok else 1 - q, 1e-9))
            if best_platt is None or loss < best_platt[0]:
                best_platt = (loss, float(slope), float(intercept))
    assert best_platt is not None
    cal = Calibration(
        cal.temperature,
        cal.none_score,
        version,
        round(best_platt[1], 3),
        round(best_platt[2], 3),
    )
    router.calibration = cal
    return cal
