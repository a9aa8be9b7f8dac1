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
from functools import cached_property
from itertools import chain, pairwise
from typing import Any

import numpy as np

from processors.embeddings import Encoder, HashingEncoder, VectorIndex, query_of, tokens
from processors.grounding import (
    DISMISSED,
    DONE_MYSELF,
    DONE_SAID,
    GIVING,
    HOW_ARE_YOU,
    MINE,
    NEGATED,
    PRAISE,
    WISHES,
    already_done,
    amazed_remark,
    asked_in_any,
    asks_after,
    chatted,
    leaving_home,
    negated_request,
    pet_resting,
    said_alone,
    told_story,
    vented,
    weather_outside,
)
from processors.inventory import KIND_VOCAB, Inventory
from processors.language import REMIND_ME, REQUEST_VERB_STEMS, SUPPORTED, clean, detect, fold
from processors.lexicon import NUMBER_WORDS, WEEKDAY_NAMES
from processors.models import Candidate, RawEvent, RoutedEvent, millis, trusted
from processors.outside import NEW_TICKET_FIRST, outside_span
from processors.packs import DomainPack, Openers, smalltalk_phrases
from processors.patterns import GROUP_REFERENCE as _GROUP_REFERENCE
from processors.patterns import alternatives as _alternatives
from processors.patterns import digit_led as _digit_led
from processors.patterns import needles as _needles
from processors.patterns import required as _required

ROUTER_VERSION = "route-v2"
REGISTRY_EXAMPLE = (
    '[{"id": "apollo", "domain": "space", "description": "Moon lander", "keywords": ["lander"]}]'
)
_W_DOC, _W_EXAMPLE, _W_ID, _W_KEYWORD, _W_SESSION = 0.45, 0.55, 0.35, 0.1, 0.12
# (one's own, "my …", is MINE's, read beside it)
_OWNER = (
    r"(?:the|your|this|that|these|those|le|la|les|l'|ce|cette|el|los|las|este|esta|der|die|das|"
    r"den|dem|des|dein\w*|diese\w*)"
)


def _owned_kind(folded: str) -> bool:
    """Whether a kind of thing is said as a particular one ("the heating", "la lampe", "die
    Heizung"), not as a kind in general ("red light", "heaters")."""
    return _OWNED_KIND.search(folded) is not None


_KINDS = "|".join(sorted(KIND_VOCAB, key=len, reverse=True))
_OWNED_KIND = re.compile(rf"\b{_OWNER}\s+(?:[\w'-]+\s+){{0,2}}(?:{_KINDS})\b")
_W_FRAMED = 0.4  # a project said as where ("in Apollo, …", "dans Orion", "im Helios")
_IN_PROJECT = re.compile(r"\b(?:in|dans|en|im|bei|within|inside) \w")
_W_ITEM = 0.35  # the text names an item of the project's inventory (by name, or area + kind)
_W_KIND, _W_CUE = 0.15, 0.1  # a kind of thing the project holds; a cue of its pack's intents
_W_CHATTER = 0.8  # short small talk pulls every project towards "none of them"
_W_OUTSIDE = 0.8  # so does a request like the out-of-scope pack's (orders, taxis, e-mails)
_W_INCIDENTAL = 0.4  # as like one as this, its mere brush with an inventory is no evidence
_W_CHATTY = 0.45  # small talk as the former reads it
_W_BRUSH = 0.25  # and such a brush pulls the project towards "none of them"
_W_ADVICE = 0.4  # as do advice and a wake-up alarm, harder
_W_OUTSIDE_REQUEST = 2.0  # and an order, a ride, music, a message or a call, below every project
# a request's verb, as a clause beside an outside request says one ("…, and lock the back
# door", "… y cierra el 42", "…, schieb es in Sprint 49")
_REST_ASKS = re.compile(rf"\b{REQUEST_VERB_STEMS}\w*")
_DIGIT_IN = re.compile(r"\d")
# an event called off, told ("the appointment is off", "le cours tombe à l'eau", "fällt aus")
_CALLED_OFF = re.compile(
    r"\b(?:is off|'s off|cancelled|canceled|called off|annule\w*|tombe a l'eau|se anula|"
    r"cancelad\w*|anulad\w*|se cae|fallt aus|abgesagt)\b"
)
# a ticket said by its id or number ("TL-42", "le 63"; not "at 7", "20 euros", "8pm")
_TICKET_IN = re.compile(r"\b[a-z]{2,}-\d+\b|\b\d{2,4}\b(?! ?(?:h|uhr|pm|am|euros?|eur|%|min))")
_HOME_KINDS = frozenset({"light", "lock", "climate", "switch", "scene", "alarm"})
# the kinds of outside request a thing the home names makes its own ("play the welcome scene")
_OF_NAMED_THINGS = frozenset({"media", "chore"})
_MAX_NGRAM = 3
# a number said in words (a ticket's number): "quatre-vingt-quatorze", "hundertacht", "ciento uno"
_NUMBER_WORD = re.compile(
    r"\b(?:" + "|".join(sorted(NUMBER_WORDS)) + r")\b|(?:hundert|zig\b|zehn\b|undzwanzig)"
)
_W_UNRESOLVED = 0.5  # "turn it off" with nothing said of what: no project can be told
_W_NOT_ASKED = 2.0  # a request taken back or told, not made: below every project
# an object pronoun standing for the thing ("turn it off", "éteins-le", "cámbialo", "mach das aus")
_PRONOUN = re.compile(
    r"\b(?:it(?!'s|'ll| is| was| will)|that(?! is|'s)|this(?! is|'s)|them)\b|-(?:le|la|les)\b|"
    r"\b(?:ca|cela)\b|\b(?:eso|esto)\b|\b\w{3,}(?:alo|elo|ilo|ala|ela|alos|elos|"
    r"alas|elas)\b|\b(?:das|es|ihn)\b(?=\s+(?:aus|an|ein|auf|zu|ab|weg|bitte|mal|doch|nicht|"
    r"[a-z]+en)\b)"
)

__all__ = ["UTC", "Calibration", "Project", "ProjectRegistry", "Router", "render_state", "words"]

_LETTERS = re.compile(r"[a-z0-9]+")
_DIGITS = re.compile(r"\d+")
_ID_NUMBER = re.compile(r"\b([a-z]{1,4})-?\d+\b")  # "tl-310", "inc42"
# domain, needle, the needle up to a space, the cue if not the needle
_CueEntry = tuple[int, str, str, re.Pattern[str] | None]
# a cue left to check on the whole text: domain, a string the text must hold first (a needle
# that goes on past a chunk, or one every match of the cue holds; None: none), the cue (None:
# the needle is the cue)
_Pending = tuple[int, str | None, re.Pattern[str] | None]
_Chunk = tuple[frozenset[int], frozenset[_Pending]]  # domains said in a chunk; cues to check
_NOTHING: _Chunk = (frozenset(), frozenset())
_CHUNKS = 4096  # chunks remembered (words repeat across utterances)


class _CueIndex:
    r"""Which domains have a cue said in a (folded) text: for each domain, whether the
    alternation of its cues ``(?:c1)|(?:c2)|...`` is found in the text.

    One alternation of a few dozen cues costs ~15 µs a search: at every position of the text
    every cue is tried. Most cues, though, start with one of a few literal strings (``mov`` of
    ``\bmov``; ``is``, ``'s`` or ``are`` of ``(?:is|'s|are) off\b``): such a cue is only
    tried when one of them is in the text. The alternation matches where one of its cues
    does, so the answer is the same.

    The needles are looked for in each of the text's chunks (its runs of non-space), and what
    a chunk holds is remembered: a needle without a space lies in one chunk; one with a space
    starts at the end of one. A needle without a space that is its cue is said outright.
    ``literals`` are needles that are cues of their own (a domain "said" when one is in the
    text).

    >>> index = _CueIndex({0: [r"\bmov|push", r"\d+ ?%"], 1: [r"(?:turn|switch) on"]})
    >>> index.said("move it"), index.said("switch on the fan"), index.said("50 %"), index.said("")
    ({0}, {1}, {0}, set())
    """

    def __init__(
        self, cues: dict[int, list[str]], literals: dict[int, Sequence[str]] | None = None
    ) -> None:
        self._by_start: dict[str, list[_CueEntry]] = {}
        # needles shorter than three characters before a space: by the needle, if it has no
        # space, else by what a chunk ends with
        self._inside: dict[str, list[_CueEntry]] = {}
        self._ends: dict[str, list[_CueEntry]] = {}
        self._always: list[_Pending] = []  # needles starting with a space
        # cues with no needle whose matches start with a digit: tried when a chunk has one
        self._digit_led: list[_Pending] = []
        # a string every match of a cue contains, when its needle does not say it
        self._required: dict[re.Pattern[str], str] = {}
        rest: dict[int, list[str]] = {}
        found: list[tuple[int, str, re.Pattern[str] | None]] = [
            (domain, needle, None) for domain, ns in (literals or {}).items() for needle in ns
        ]
        for domain, patterns in cues.items():
            if any(_GROUP_REFERENCE.search(p) for p in patterns):
                rest[domain] = patterns
                continue
            for alternative in (a for p in patterns for a in _alternatives(p)):
                needles = _needles(alternative)
                if needles is None and _digit_led(alternative):
                    self._digit_led.append((domain, None, re.compile(alternative)))
                    continue
                if needles is None:
                    rest.setdefault(domain, []).append(alternative)
                    continue
                # a literal alternative is found when its needle is
                regex = None if needles == (alternative,) else re.compile(alternative)
                found += [(domain, needle, regex) for needle in needles]
                literal = _required(alternative)
                if regex is not None and literal and not any(literal in n for n in needles):
                    # "(?:to|in) (?:the )?sprint": "in" is said often, "sprint" seldom
                    self._required[regex] = literal
        for domain, needle, regex in found:
            head = _head(needle)
            if not head:
                self._always.append((domain, needle, regex))
            elif len(head) >= 3:
                self._by_start.setdefault(head[:3], []).append((domain, needle, head, regex))
            else:
                short = self._inside if head == needle else self._ends
                short.setdefault(head, []).append((domain, needle, head, regex))
        self._starts = frozenset(self._by_start)
        self._inside_keys = frozenset(self._inside)
        self._rest = [
            (domain, re.compile("|".join(f"(?:{p})" for p in patterns)))
            for domain, patterns in rest.items()
        ]
        self._chunks: dict[str, _Chunk] = {}

    def said(self, text: str) -> set[int]:
        """The domains with a cue in ``text``."""
        found: set[int] = set()
        pending: set[_Pending] = set(self._always)
        chunks = self._chunks
        for chunk in text.split():
            known = chunks.get(chunk)
            if known is None:
                known = self._chunk(chunk)
            if known is not _NOTHING:
                found |= known[0]
                pending |= known[1]
        for domain, needle, regex in pending:
            if (
                domain not in found
                and (needle is None or needle in text)
                and (regex is None or regex.search(text))
            ):
                found.add(domain)
        for domain, regex in self._rest:
            if domain not in found and regex.search(text):
                found.add(domain)
        return found

    def _chunk(self, chunk: str) -> _Chunk:
        """What the needles found in ``chunk`` say (remembered)."""
        # the chunk's three-character strings, zipped from shifted copies (cheaper than slices)
        trigrams = map("".join, zip(chunk, chunk[1:], chunk[2:], strict=False))
        starts = self._starts.intersection(trigrams)
        grams = {*chunk, *map("".join, pairwise(chunk))}
        ends = self._ends
        said: set[int] = set()
        pending: set[_Pending] = set(self._digit_led) if _DIGITS.search(chunk) else set()
        for domain, needle, head, regex in chain(
            (entry for start in starts for entry in self._by_start[start]),
            (
                entry
                for gram in self._inside_keys.intersection(grams)
                for entry in self._inside[gram]
            ),
            ends.get(chunk[-2:], ()),
            ends.get(chunk[-1:], ()) if len(chunk) > 1 else (),
        ):
            if head == needle:  # no space: in this chunk or not
                if needle not in chunk:
                    continue
                if regex is None:
                    said.add(domain)
                else:  # said when the string it requires is (if any) and it matches
                    pending.add((domain, self._required.get(regex), regex))
            elif chunk.endswith(head):  # it may go on after this chunk
                pending.add((domain, needle, regex))
        known = (frozenset(said), frozenset(pending)) if said or pending else _NOTHING
        if len(self._chunks) >= _CHUNKS:
            self._chunks.clear()
        self._chunks[chunk] = known
        return known


def _head(needle: str) -> str:
    """``needle`` up to its first space (what a chunk of a text holds of it)."""
    for i, char in enumerate(needle):
        if char.isspace():
            return needle[:i]
    return needle


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

    @cached_property
    def _by_id(self) -> dict[str, Project]:
        by_id: dict[str, Project] = {}
        for project in self.projects:
            by_id.setdefault(project.id, project)  # the first, as a scan would find it
        return by_id

    def get(self, project_id: str | None) -> Project | None:
        """The project with this id, if any."""
        return self._by_id.get(project_id) if project_id is not None else None


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
        # the projects whose domain keeps no reminders (a reminder's words are no evidence
        # for them)
        reminding = {
            d
            for pack in packs
            for d in pack.covers
            if any(i.target is not None and i.target.kinds == ["reminder"] for i in pack.intents)
        }
        self._unreminding = frozenset(
            n for n, p in enumerate(registry.projects) if p.domain not in reminding
        )
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
        # the encoder is fitted on each domain's examples (a pack's once per domain it covers);
        # the index holds a pack's examples once, its maximum shared by the domains it covers
        fitted: list[str] = []
        self._examples: list[str] = []
        sections: list[tuple[int, tuple[int, ...]]] = []  # a pack's first row, its domains
        for pack in packs:
            covered = tuple(domains.index(d) for d in pack.covers if d in domains)
            utterances = [u for intent in pack.intents for u in intent.utterances]
            fitted += utterances * len(covered)
            if covered and utterances:
                sections.append((len(self._examples), covered))
                self._examples += utterances
        self._domain_of = [domains.index(p.domain) for p in registry.projects]
        self._n_domains = len(domains)
        self._by_id = sorted(range(len(self._ids)), key=self._ids.__getitem__)
        self._lower_ids = [i.lower() for i in self._ids]
        self.encoder.fit([self._document(p) for p in registry.projects] + fitted)
        docs = self.encoder.encode([self._document(p) for p in registry.projects])
        self._docs = VectorIndex(docs)
        chatter = [
            u for p in packs if "_common" in p.covers for i in p.intents for u in i.utterances
        ]
        self._openers = Openers(smalltalk_phrases(packs))
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
        # the sections of the static index whose maxima a search takes, in one reduceat: each
        # pack's examples, then "none of these", then small talk (the empty ones left out)
        self._section_domains = [covered for _, covered in sections]
        starts = [
            *(start for start, _ in sections),
            *([n_examples] if n_outside else []),
            *([n_examples + n_outside] if chatter else []),
        ]
        self._section_starts = np.array(starts, dtype=np.intp)
        self._id_parts = frozenset(
            part for p in registry.projects for part in re.findall(r"[a-z0-9]+", p.id.lower())
        )
        # one search per domain, not per project; and, after the domains, four keys found with
        # them in the same pass: a number said in words; the start of a negated request ("don't
        # turn it off": without one, grounding's negated_request finds nothing); a part of an
        # id; a digit
        keys = range(len(domains), len(domains) + 4)
        self._number_key, self._negation_key, self._id_part_key, self._digit_key = keys
        self._negation = _needles(NEGATED.pattern) or None
        self._cue_index = _CueIndex(
            {
                **{domains.index(d): cs for d, cs in cues.items() if cs and d in domains},
                self._number_key: [_NUMBER_WORD.pattern],
                self._digit_key: [_DIGITS.pattern],
            },
            {
                **({self._negation_key: self._negation} if self._negation else {}),
                self._id_part_key: sorted(self._id_parts),
            },
        )
        self._phrases: dict[tuple[str, ...], set[int]] = {}
        for i, p in enumerate(registry.projects):
            for phrase in (p.id, *p.keywords):
                key = tuple(words(phrase))
                if key and len(key) <= _MAX_NGRAM:
                    self._phrases.setdefault(key, set()).add(i)
        self._phrase_heads = frozenset(key[0] for key in self._phrases)

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
        return np.array(self._scores(text, session_hint, exclude_example, lang), dtype=np.float64)

    def _scores(
        self, text: str, session_hint: str | None, exclude_example: str | None, lang: str | None
    ) -> list[float]:
        # Python floats, not numpy: the same float64 operations in the same order (the same
        # bits) without numpy's cost per call on a handful of projects
        q = query_of(self.encoder, text)
        docs: list[float] = self._docs.similarities(q).tolist()
        static = self._static.similarities(q)
        if exclude_example is not None:
            static = static.copy()
            static[: len(self._examples)][np.array(self._examples) == exclude_example] = -1.0
        maxima: list[float] = []
        best: list[float] = []
        if len(self._section_starts):
            sections: list[float] = np.maximum.reduceat(static, self._section_starts).tolist()
            k = len(self._section_domains)
            best = [0.0] * self._n_domains
            for covered, most in zip(self._section_domains, sections[:k], strict=True):
                for d in covered:
                    # the largest of 0.0 and the maxima of the packs covering d (-0.0 → 0.0,
                    # as np.maximum(most, 0.0) gave)
                    if most > best[d]:
                        best[d] = most
            maxima = sections[k:]
        if len(self._examples):
            score = [
                _W_DOC * s + _W_EXAMPLE * best[d]
                for s, d in zip(docs, self._domain_of, strict=True)
            ]
        else:
            score = [_W_DOC * s for s in docs]
        folded = fold(text)
        cued = self._cue_index.said(folded)
        toks = plain = words(text)
        # "Helios-Budget", "l'atlas": a project id inside a compound counts as said
        if self._id_part_key in cued:  # else no part of an id is in the text
            parts = _LETTERS.findall(folded)
            toks = toks + [p for p in parts if p in self._id_parts and p not in toks]
        hits: dict[int, int] = {}
        for i, tok in enumerate(toks):
            if tok in self._phrase_heads:  # only a phrase's first word starts one
                for n in range(1, min(_MAX_NGRAM, len(toks) - i) + 1):
                    for p in self._phrases.get(tuple(toks[i : i + n]), ()):
                        hits[p] = hits.get(p, 0) + 1
        for p, count in hits.items():
            score[p] += _W_KEYWORD * min(count, 2)
            if self._lower_ids[p] in toks or self._lower_ids[p] in text.lower():
                score[p] += _W_ID
                if _IN_PROJECT.search(folded) and re.search(
                    rf"\b(?:in|dans|en|im|bei|within|inside)\s+{re.escape(self._lower_ids[p])}\b",
                    folded,
                ):
                    # "in Apollo, set the client meeting to …": the project is said as where
                    # the change is made, whatever its words share with another's
                    score[p] += _W_FRAMED
        away = maxima[0] if self._outside_cols.stop > self._outside_cols.start else 0.0
        if away > 0.4:
            shift = _W_OUTSIDE * (away - 0.4)
            score = [s - shift for s in score]
        chat = 0.0
        if self._chatter_cols.stop > self._chatter_cols.start and len(toks) <= 12:
            chat = maxima[-1]
            # short small talk pulls hard; a longer sentence only when it is close to one
            # ("no no no, cancel that, I changed my mind", "good morning! how are you today?")
            floor = 0.5 if len(toks) <= 5 else 0.6
            if chat > floor:
                shift = _W_CHATTER * (chat - floor)
                score = [s - shift for s in score]
        if session_hint in self._index:
            score[self._index[session_hint]] += _W_SESSION
        if self._merged is not None:
            # the items named in the folded words: "Léo", "salón", "entraînement" are whole
            # words there (the tokens split at accents German does not write)
            said = " ".join(toks if text.isascii() else words(folded) + toks[len(plain) :])
            if lang in SUPPORTED and self._number_key in cued:  # _NUMBER_WORD.search(folded)
                # "passe le quatre-vingt-quatorze en terminé": ticket 94
                # one by one: "un veinte por ciento" is not ticket 120
                said += " , " + " , ".join(_DIGITS.findall(clean(text, lang).numeric))
            res = self._merged.resolve(said, numbers=True)
            per_project: dict[str, Any] = {}
            for m in res.matches:  # best first
                per_project.setdefault(m.item.owner, m)
            if not any(m.named for m in res.matches) and (head := _first_clause(folded)):
                # "close the garage, I'm done with the car": the request's own clause names
                # the garage door fully; the reason after it named a calendar event too
                for m in self._merged.resolve(" ".join(words(head)), numbers=True).matches:
                    if m.score > per_project.get(m.item.owner, m).score or (
                        m.item.owner not in per_project
                    ):
                        per_project[m.item.owner] = m
            # a request like the out-of-scope pack's that only brushes the inventory ("play some
            # jazz in the kitchen": no item by its name, no kind of thing), or advice about a
            # thing ("how do you descale a coffee machine"): for a project none of whose cues or
            # keywords is said, a room or a word spelled near an item's is then no evidence, and
            # the brush pulls it towards "none of them"
            advice = (
                _ADVICE.match(folded) is not None
                or (
                    _KIND_KNOWLEDGE.match(folded) is not None
                    and _CLAUSE_REQUEST.search(folded) is None
                    and MINE.search(folded) is None
                    # (not "what's the difference between TL-42 and TL-94": theirs, by number)
                    and _DIGITS.search(folded) is None
                    and not (
                        _BETWEEN_THE.search(folded)
                        and any(m.named or m.cover >= 0.99 for m in res.matches)
                    )
                )
                or (
                    _TRANSLATE.match(folded) is not None
                    and not _AND_REQUEST.search(folded)
                    and _CLAUSE_REQUEST.search(folded) is None
                )
                or (
                    (
                        _KNOWLEDGE.match(folded) is not None
                        or (_WORLD.search(folded) is not None and asked_in_any(folded))
                    )
                    # nothing asked after it ("les enfants peuvent manger plus tard, décale
                    # l'anniversaire de mamie à 20h")
                    and _CLAUSE_REQUEST.search(folded) is None
                    # of nothing of theirs: no item (said by its title too), no kind of thing,
                    # none of "my …" ("the difference between my yoga class and the piano")
                    and not any(m.named or m.score >= 0.85 for m in res.matches)
                    # no kind of thing of theirs ("kann man die Heizung … einfrieren"); the
                    # temperature of a dish is no thermostat's
                    and (
                        not (set(res.kinds) - ({"climate"} if _OVEN_HEAT.search(folded) else set()))
                        # a kind said of no one's ("why does red light not ruin your night
                        # vision?"; not "why does the heating keep switching off?")
                        or not _owned_kind(folded)
                    )
                    and MINE.search(folded) is None
                )
            ) or (
                _WAKE_UP.match(folded) is not None
                # the alarm it names is the clock's, not the house's
                and not set(res.kinds) - {"alarm"}
                and not any(m.named and m.item.kind != "alarm" for m in res.matches)
            )
            # an order, a ride, music, a message, money or a call ("book a taxi for 6 tomorrow
            # morning", "play some jazz in the kitchen", "call grandma"): what it shares with
            # a project's things is no evidence for it; music or a chore of a thing the home
            # names is the home's ("play the movie night scene")
            outside = self._outside(folded, res)
            # a long day told, or the assistant praised ("ich bin fix und fertig", "eres la
            # mejor"): about the speaker or the assistant, whatever its words cue ("fertig")
            about_us = (
                vented(folded)
                or chatted(folded)
                or (weather_outside(folded) and not any(m.named for m in res.matches))
                or pet_resting(folded)
                # a story told ("Caramel's been a right diva all morning"), as the former
                # reads it: the names in it brush a project's things without naming one
                or (
                    lang in SUPPORTED
                    and not any(self._lower_ids[p] in toks for p in hits)
                    and not any(
                        m.named or (m.score >= 0.7 and m.cover >= 0.99) for m in res.matches
                    )
                    and told_story(clean(text, lang))  # (last: the costliest)
                )
                or (
                    amazed_remark(folded)
                    and not any(
                        m.named or (m.score >= 0.7 and m.cover >= 0.99) for m in res.matches
                    )
                )
                or HOW_ARE_YOU.match(folded) is not None
                # done already by the speaker ("I already turned the porch light off myself",
                # "c'est bon, j'ai déjà éteint …", "ya he llamado yo al dentista"): nothing to
                # do, of no project's (a ticket's news is the tracker's: "I already closed 42")
                or (
                    DONE_MYSELF.match(folded) is not None
                    and not _TICKET_NEWS.search(folded)
                    and "ticket" not in res.kinds
                )
                or (
                    (praised := PRAISE.match(folded)) is not None
                    and praised.group("you") is not None
                )
            )
            advice = advice or about_us
            # a compliment, wishes or a call-off with no request after it
            # a call-off or a compliment and nothing else: its words cue a project ("cancel",
            # "le nouveau thermostat") but ask it for nothing
            opener = self._openers.opening(folded)
            dismissed = (
                said_alone(DISMISSED, folded, at_start=True)
                or said_alone(PRAISE, folded)
                # "merci d'avoir réglé le chauffage", "vielen Dank, das Verandalicht passt
                # jetzt": thanked, as the former reads it, and nothing asked after it
                or (
                    opener is not None
                    # (not "gute Nacht Szene aktivieren": a scene of that name)
                    and (opener.id == "thanks" or (opener.id == "goodbye" and not res.kinds))
                    and not asks_after(folded)
                )
            )
            aside = dismissed or said_alone(WISHES, folded, at_start=True)
            brushed = (
                advice
                or outside is not None
                or aside
                or (
                    away >= _W_INCIDENTAL
                    and not res.kinds
                    and not any(m.named for m in res.matches)
                )
            )
            skip = frozenset(
                p
                for p, d in enumerate(self._domain_of)
                if brushed
                and (
                    advice
                    or outside is not None
                    or dismissed
                    or (d not in cued and (aside or p not in hits))
                )
            )
            pull = _W_OUTSIDE_REQUEST if outside else _W_ADVICE if advice else _W_BRUSH
            reminding = REMIND_ME.match(folded) is not None
            if reminding:
                # what a reminder is about names no other project's things ("remind me to buy
                # bulbs for the lounge lamp" is the calendar's, whatever its words name)
                skip = skip | self._unreminding
            for p in skip:
                score[p] -= pull
            # as like small talk as the former's own reading of it ("eh, forget I asked"): a
            # word of an item's name ("forfet", "the wrong size": less than half of any of its
            # names) is no evidence, for any project
            chatty = (
                chat >= (_W_CHATTY if len(toks) <= 6 else 0.65)
                and not res.kinds
                and _ASKED_OF_A_THING.match(folded) is None  # "cancel piano again" names it
            )
            for owner, top in per_project.items():
                p = self._index[owner]
                if p in skip or (chatty and top.cover < 0.5):
                    continue
                if top.score >= 0.5:
                    score[p] += _W_ITEM * (1.0 if top.named else top.score * 0.8)

            hinted = (
                {
                    self._index[person.owner]
                    for person in (m.item for m in res.values if m.named)
                    if self.registry.projects[self._index[person.owner]].domain
                    in self._person_domains
                    and (
                        GIVING.search(folded)
                        or _WORKS_ON.search(folded)
                        or not any(folded.startswith(fold(n)) for n in (person.id, *person.names))
                    )
                }
                if res.values
                else ()
            )
            for p in hinted:
                if p in skip:
                    continue
                # "… to Sofia", "weis es Jonas zu", "what's Marco working on": one of its
                # people (not the one who says or does something: "Jonas picked up the
                # prescription", "Sofia says hi")
                score[p] += _W_KIND
            if not res.kinds and not any(m.named for m in res.matches) and leaving_home(folded):
                # "we're all off to the coast for the day": the house with an alarm, left empty
                for p, kinds in self._kinds.items():
                    if "alarm" in kinds:
                        score[p] += _W_ITEM
            if res.kinds:
                said_kinds = set(res.kinds)
                for p, kinds in self._kinds.items():
                    if not kinds.isdisjoint(said_kinds):
                        score[p] += _W_KIND
            # a reminder asked, or a new thing put at a day and an hour ("erinner mich
            # übermorgen um neun daran, …", "ajoute un souper chez Sepp jeudi 10 à 18 h 30"):
            # the kind of thing a project with reminders or events holds
            timed = (
                ("reminder",)
                if reminding
                else ("event",)
                if _NEW_FIRST.match(folded)
                and _DAY_AND_HOUR.search(folded)
                # nothing of another kind named ("make the coffee tomorrow at 7", "schedule the
                # porch light for 6", "schedule the nightly build for friday at 2")
                and not res.kinds
                and not any(m.score >= 0.8 for m in res.matches)
                and not hits
                else ()
            )
            for kind in timed:
                for p, kinds in self._kinds.items():
                    if kind in kinds and p not in skip:
                        score[p] += _W_KIND
            areas = (
                {self._area_owner[a] for a in res.areas if a in self._area_owner}
                if res.areas
                else ()
            )
            for area_owner in areas:
                if self._index[area_owner] not in skip:
                    score[self._index[area_owner]] += _W_KIND
            for prefix in set(_ID_NUMBER.findall(folded)) if self._digit_key in cued else ():
                for id_owner in self._id_prefixes.get(prefix, ()):
                    score[self._index[id_owner]] += _W_ITEM  # "tl-310": one of its tickets
            if (
                not hits
                and session_hint is None
                and len(toks) <= 6  # a short command that names nothing but "it"
                and not (res.kinds or res.areas or any(m.score >= 0.5 for m in res.matches))
                and _PRONOUN.search(folded)
            ):
                score = [s - _W_UNRESOLVED for s in score]  # "move it to thursday": which "it"?
            elif already_done(folded):
                # "iba a pedirte que apagaras la cafetera, pero ya la he apagado yo": a request
                # told, not made, asks no project for anything, however well it names a thing
                score = [s - _W_NOT_ASKED for s in score]
            elif (self._negation is None or self._negation_key in cued) and negated_request(text):
                # "don't turn off the porch light yet": taken back, as far below; told with the
                # news of a thing done ("Marco never gave up and fixed TL-42") only a little
                pull = _W_NOT_ASKED if DONE_SAID.search(folded) is None else _W_UNRESOLVED
                score = [s - pull for s in score]
        if _TRANSLATE.match(folded) is not None and not _AND_REQUEST.search(folded):
            # "how do you say unlock the front door in german": words asked about, not said
            score = [s - _W_TRANSLATED for s in score]
        if self._cues:
            hit = [0.0] * (self._n_domains + 4)  # and the four keys after the domains
            for d in cued:
                hit[d] = _W_CUE
            score = [s + hit[d] for s, d in zip(score, self._domain_of, strict=True)]
        return score

    def _outside(self, folded: str, res: Any) -> str | None:
        """The kind of outside request ``folded`` makes (see :mod:`processors.outside`), unless
        a thing of a project is what it plays or tidies ("switch on the tv strip", "play the
        movie night scene"), or another clause asks a project for something ("take the dog
        out and lock the back door", "manda un mensaje a Marco y cierra el 42")."""
        found = outside_span(folded)
        if found is None:
            return None
        kind, start, end = found
        if kind in _OF_NAMED_THINGS and any(
            m.named or (m.score >= 0.8 and not res.areas) for m in res.matches
        ):
            return None
        if kind == "call" and any(
            m.item.kind == "scene" and (m.named or m.score >= 0.8) for m in res.matches
        ):
            return None  # "ruf den Filmabend an": the scene, called by its name
        rest = f"{folded[:start]} {folded[end:]}"
        whole = res.best
        one_named = len(whole) == 1 and whole[0].score >= 0.8
        if kind == "message" and (
            _TICKET_IN.search(folded) or (one_named and whole[0].item.collection == "/tickets")
        ):
            # "schreib Marco, dass TL-42 erledigt ist", "email Lea that the audit export is in
            # review": the ticket's news
            return None
        if self._merged is None or not rest.strip():
            return kind
        # what the rest of the utterance names, read once
        told = self._merged.resolve(" ".join(words(rest)), numbers=True)
        single = told.best[0].score if len(told.best) == 1 else 0.0
        if any(m.named for m in told.matches) or single >= 0.8:
            # "call Sam, the piano lesson is off": a thing of a project, told or asked of
            return None
        if one_named and _CALLED_OFF.search(rest):
            return None  # "ring the dentist, the appointment is off": that one's news
        if _REST_ASKS.search(rest) and (
            # "ruf den Zahnarzt an und verschieb den Termin auf Freitag": one thing named, and
            # asked of
            one_named
            or _DIGIT_IN.search(rest)
            or single >= 0.7
            # a thing of the home by its kind ("…, turn off the kitchen light"; not "… and
            # move my appointment", the errand's own), or a room ("…, et allume la cuisine")
            or not _HOME_KINDS.isdisjoint(told.kinds)
            or told.areas
        ):
            return None
        return kind

    def probabilities(self, score: np.ndarray[Any, np.dtype[np.float64]]) -> list[float]:
        """Calibrated probabilities of each project and, last, of "none of them"."""
        return self._probabilities(score.tolist())

    def _probabilities(self, score: list[float]) -> list[float]:
        t = self.calibration.temperature
        logits = [s / t for s in score]
        logits.append(self.calibration.none_score / t)
        top = max(logits)
        exp = math.exp
        exps = [exp(x - top) for x in logits]
        total = sum(exps)
        return [e / total for e in exps]

    def _untitled(self, text: str) -> str:
        """``text`` without the title of a new ticket it asks for first ("create a ticket: the
        kitchen light doesn't turn on from the app" is routed as "create a ticket"): the
        things a title names are no evidence of their projects. A project said by its id is
        kept ("open a bug in apollo: …")."""
        folded = fold(text.lower())
        found = NEW_TICKET_FIRST.match(folded)
        if (
            found is None
            or found.end() >= len(folded.rstrip(" .!?"))
            # "create a ticket and lock the front door": two requests, no title
            or _THEN_ANOTHER.match(folded, found.end()) is not None
            or _AND_THEN_ASKED.search(folded, found.end()) is not None
        ):
            return text
        ids = [i for i in self._lower_ids if re.search(rf"\b{re.escape(i)}\b", folded)]
        return " ".join([folded[: found.end()], *ids])

    def route(self, event: RawEvent, now: datetime, session_hint: str | None = None) -> RoutedEvent:
        """Route one event."""
        # what was said, not the front end's context: metadata holds device and trace ids,
        # user agents, whole earlier turns, and scoring them made a route depend on an id
        # (and cost time in proportion to them)
        language = detect(event.text, hint=event.metadata.get("lang") or None)
        lang = language.lang if language.supported else None
        said = self._untitled(event.text)
        probs = self._probabilities(self._scores(said, session_hint, None, lang))
        # by probability, then id: a stable sort of the projects in the order of their ids
        order = sorted(self._by_id, key=probs.__getitem__, reverse=True)
        # built, not validated: every value below is already what validation would keep
        # (tests/unit/test_models.py checks that against validated construction)
        candidates = [
            trusted(Candidate, {"project_id": self._ids[i], "score": float(round(probs[i], 6))})
            for i in order[: self.top_k]
            if probs[i] >= 0.01
        ]
        hint = self._index.get(event.project_hint) if event.project_hint is not None else None
        hinted = self.registry.projects[hint] if hint is not None else None
        if hinted is not None:
            project: Project | None = hinted
            confidence = 1.0
        elif order and probs[order[0]] > probs[-1]:
            project = self.registry.projects[order[0]]
            confidence = round(self.calibration.confidence(probs[order[0]]), 6)
        else:
            project = None
            confidence = round(self.calibration.confidence(probs[order[0]]), 6) if order else 0.0
        return trusted(
            RoutedEvent,
            {
                "event": event,
                "domain_id": project.domain if project else None,
                "project_id": project.id if project else None,
                "routing_confidence": float(confidence),
                "top_candidates": candidates,
                "router_version": self.version,
                "routed_at": millis(now),
                "session_hint": session_hint,
                "language": language.lang,
                "language_confidence": float(round(language.confidence, 4)),
            },
        )


_TICKET_NEWS = re.compile(r"\b[a-z]{1,4}-?\d+\b|\b\d{2,}\b|\b(?:ticket|bug|issue)\w*")
_THEN_ANOTHER = re.compile(r"\W*(?:(?:an|auf)\W+)?(?:and|then|et|puis|y|luego|und|dann)\b")
# a second request after the title ("…, and disarm the alarm now")
_AND_THEN_ASKED = re.compile(r"[,;]\s*(?:and|then|et|puis|y|luego|und|dann)\s")
# a clock time's first word, as a wake-up alarm is set ("for 6", "à six heures")
_CLOCK = (
    r"(?:\d|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|midnight|une|deux|"
    r"trois|quatre|cinq|sept|huit|neuf|dix|onze|midi|minuit)"
)
# the fillers a request may open with, before what the patterns below read
_OPENING = r"\W*(?:(?:um|uh|hey|ok|so|euh|eh|pues|also|ahm|ah)\W+)*"
_ADVICE = re.compile(
    # how to do a thing to one ("how do you descale a coffee machine", "comment on détartre …",
    # "wie entkalkt man …", "¿cómo se limpia …?"), what a new one costs, when to tend a
    # garden, what to cook: named verbs only, so "how do I turn on the porch light" or
    # "¿cuándo se cierra el sprint 48?" keep their project
    _OPENING + r"(?:"
    r"how (?:do|can|should) (?:you|i|we|one) (?:clean|descale|fix|repair|cook|bake|boil|plant|"
    r"prune|grow|unclog|paint)\b|how much (?:does|do|would|is) (?:an? |the )?new\b|"
    r"when (?:should|do) (?:i|you|we) (?:plant|prune|water|sow)\b|what can i cook\b|"
    r"comment (?:on |je )?(?:detartre|nettoie|nettoyer|repare|reparer|enleve|enlever)\b|"
    r"combien coute (?:un|une) (?:nouve|autre)|quand (?:faut-il|est-ce qu'on|doit-on) "
    r"(?:planter|tailler|arroser|semer|plante|taille|arrose|seme)\b|"
    r"qu'est-ce que je (?:peux|pourrais) cuisiner|"
    r"como se (?:limpia|arregla|quita|descalcifica|desatasca)\b|"
    r"como (?:limpio|arreglo|quito|descalcifico)\b|cuanto cuesta (?:un|una) nuev|"
    r"cuando (?:hay que|se) (?:plantar|podar|regar|plantan|podan|riegan)\b|"
    r"que (?:puedo|podria) cocinar|"
    r"wie (?:reinige|putze|repariere|entkalke) ich\b|wie (?:reinigt|putzt|repariert|entkalkt) "
    r"man\b|was kostet (?:ein|eine) neue|wann (?:schneidet|pflanzt|giesst) man\b"
    r")"
)
# what any thing of a kind is called, stands or differs by ("why's it called a Christmas
# cactus?", "¿por qué se llama flor de Pascua?", "warum heißt der Weihnachtsstern so?", "how
# cold can a poinsettia get …", "wie viel Frost verträgt ein Olivenbaum?"): asked of the kind
# even where a thing of a project shares its words (a poinsettia delivery), unless it is "my"
# the ones compared said as "the" ones ("between the floor lamp and the big light"): theirs
# when a project's thing is named
_BETWEEN_THE = re.compile(
    r"\b(?:between|entre|zwischen) (?:the|le|la|les|l'|el|los|las|dem|der|den)\b"
)
_KIND_KNOWLEDGE = re.compile(
    _OPENING + r"(?:"
    r"why(?:'s| is| are| was) (?:it|they|this|that|an? \w+|the \w+) (?:\w+ )?called\b|"
    r"why do (?:they|people|we|you) call\b|"
    r"pourquoi (?:ca |cela |on |il |elle )?(?:s'appell?\w*|appelle-t-on|l'appelle|le nomme)\b|"
    r"pourquoi (?:le|la|l'|les|un|une|des) [^?,]{1,40}? s'appell?\w*\b|"
    r"pourquoi les (?:feuilles|fleurs|branches|racines|aiguilles) |"
    r"por que (?:se llaman?|le llaman|la llaman|lo llaman|los llaman|las llaman|las hojas|"
    r"las flores)\b|"
    r"warum (?:heisst|heissen|nennt man|werden die blatter)\b|"
    r"how (?:cold|hot|warm|big|tall|much frost) (?:can|does|do|should|will|may) "
    r"(?:an? \w+|\w+s\b)|"
    r"(?:quel|combien de) (?:froid|gel) (?:peut|supporte|resiste|tolere)\w* "
    r"(?:un|une|le|la|les)\b|"
    r"cuant[oa] (?:frio|helada|calor) (?:aguanta|soporta|resiste|tolera)n? "
    r"(?:un|una|el|la|los|las)\b|"
    r"wie ?viel (?:frost|kalte|hitze) (?:vertragt|vertragen|halt|halten|aushalt) "
    r"(?:ein|eine|der|die|das)\b|"
    r"what(?:'s| is) (?:\w+ )?the (?:\w+ )?difference between|"
    r"(?:c'est quoi|quelle est) (?:\w+ )?la (?:\w+ )?difference entre|"
    r"(?:cual es|que) (?:\w+ )?(?:la )?diferencia (?:hay )?entre|"
    r"was ist (?:\w+ )?der unterschied zwischen"
    r")"
)
# a request's verb opening a clause after something else ("…, décale l'anniversaire de mamie")
_CLAUSE_REQUEST = re.compile(
    r"(?:[,;.!?\u2026]\s*[¿¡]?|\b(?:and|then|so|et|puis|alors|y|luego|pues|und|dann|also)\s+)"
    rf"(?:(?:please|bitte|por favor|just|juste)\s+)?{REQUEST_VERB_STEMS}\w*"
)
# a new thing asked for, its verb first ("add …", "ajoute …", "apunta …", "trag … ein")
_NEW_FIRST = re.compile(
    r"\W*(?:(?:please|ok|so|hey|bitte|por favor|oye|stp|can you|could you|tu peux|peux-tu|"
    r"puedes|kannst du|um|uh|euh|eh|ahm)\W+)*"
    r"(?:add|book|schedule|pencil|put|create|ajoute|note|inscris|planifie|programme|cree|"
    r"rajoute|anade|apunta|agenda|programa|crea|pon|mete|trag|leg|plan|erstell|buch)\w*\b"
)
# a day and an hour said ("on Friday the 11th at nine", "jeudi 10 à 18 h 30", "el martes a las
# seis", "am Samstag um neun")
_DAY_AND_HOUR = re.compile(
    r"\b(?:"
    + "|".join(name for names in WEEKDAY_NAMES for name in names)
    + r"|tomorrow|demain|manana|morgen|ubermorgen|apres-demain|pasado manana|tonight|ce soir|"
    r"esta noche|heute abend|(?:the |le |el |am |den )?\d{1,2}(?:st|nd|rd|th|\.)?)\b"
    r".{0,30}?\b(?:at|a|a las|um|vers|hacia|gegen)\s+(?:\d|half|quarter|noon|midday|midi|"
    r"mediodia|mittag|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|noon|midi|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|"
    r"onze|douze|la una|las|eins|zwei|drei|vier|funf|sechs|sieben|acht|neun|zehn|elf|zwolf|"
    r"halb)"
)
# a request after the question ("how do you say good night in french and turn off the lamp")
_AND_REQUEST = re.compile(
    r"(?:,|\b(?:and|also|then|et|puis|y|luego|und|dann))\s+(?:(?:please|also|aussi|bitte)\s+)?"
    r"(?:turn|switch|lock|unlock|set|put|close|open|cancel|move|dim|add|remind|allume|eteins|"
    r"ferme|ouvre|mets|annule|enciende|apaga|cierra|abre|pon|cancela|mach|schalte?|schliess|"
    r"stell|sperr)\b"
)
_W_TRANSLATED = 2.0  # below every project, whatever its words name
# a word or a phrase asked in another language, whatever it names ("how do you say lock the
# door in french" locks nothing)
_TRANSLATE = re.compile(
    _OPENING + r"(?:(?:can|could|would) you |please |(?:peux|pourrais)-tu |tu peux |"
    r"(?:puedes|podrias) |(?:kannst|konntest) du )?(?:"
    r"how do you say\b|"
    r"what(?:'s| is) the (?:english|french|spanish|german) (?:word )?for\b|"
    r"what(?:'s| is) the (?:catalan|italian|portuguese|dutch|welsh|irish|japanese|chinese|"
    r"russian|arabic|polish|greek|swedish|danish|norwegian|finnish|turkish|hindi|korean|latin|"
    r"basque|galician|breton|gaelic|scots|swahili)(?: (?:word|name))? for\b|"
    r"comment (?:on dit|dit-on)\b|como se dice\b|wie sagt man\b|"
    r"was (?:heisst|bedeutet) .{1,40} auf \w+(?:isch|sch)\b|"
    # "translate unlock the front door into french", "how would I say … in german",
    # "übersetz mal … ins Englische": the language said last (not "translate the onboarding
    # screens to german, mark it done", a ticket's title)
    r"(?:translate|traduis|tradui[st]|traduce|traduceme|traducir|ubersetz\w*|"
    r"how (?:do|would|can|should) (?:i|we) say|how would you say)\b.{1,80}\b"
    r"(?:in|into|to|en|al|ins|auf) (?:english|french|spanish|german|anglais|francais|espagnol|"
    r"allemand|ingles|frances|espanol|aleman|englische|franzosische|spanische|deutsche|englisch|"
    r"franzosisch|spanisch|deutsch)\W*$)"
)
_OVEN_HEAT = re.compile(
    r"\b(?:bake|roast|cook|cuit|cuire|hornea|cuece|asa|backt|kocht|brat|serve|sert|servir|sirve|"
    r"serviert|drink|boit|boire|bebe|trinkt|store|conserve|conserver|conserva|lagert)\b"
)
# what things are, in general, asked of nothing the projects hold by name: how two differ,
# what a word is in another language, what keeps or bakes how ("what's the difference between
# …", "was heißt … auf Englisch", "can you freeze …", "a qué temperatura se hornea …"; not
# "what's the difference between TL-42 and TL-94")
# a request's verb first, then a thing (not "cancel that", "stop, …"): what it names is asked of
_ASKED_OF_A_THING = re.compile(
    rf"\W*{REQUEST_VERB_STEMS}\w*\s+(?!(?:that|this|it|everything|all|ca|cela|eso|esto|"
    r"todo|das|es|alles|ich|je|yo|i)\b)\w"
)
# a question about the world, not about one's own things: what is usual or typical ("how long
# does a glaze firing usually take", "wie lang ist ein typischer Sprint"), a sum or a unit
# ("cent vingt divisé par huit", "cuántos gramos tiene una libra"), a fact of a place or a
# record ("¿cuántos habitantes tiene Andorra?", "the world record for the 100 metres")
# (the router asks besides that no item of a project, no kind of thing and no "my" is said)
_WORLD = re.compile(
    r"\b(?:usually|typically|normally|generally|in general|on average|d'habitude|normalement|"
    r"generalement|en general|en moyenne|normalmente|habitualmente|por lo general|suele\w*|"
    r"normalerweise|ublicherweise|typischerweise|im durchschnitt|typical|typique|tipico|tipica|"
    r"typische\w*|"
    r"\d+ (?:divided by|times|plus|minus|divise par|fois|moins|dividido (?:por|entre)|por|mas|"
    r"menos|geteilt durch|mal|minus) \d+|"
    r"how many (?:grams|ounces|pounds|kilos|litres|liters|cups|inches|centimetres|centimeters|"
    r"metres|meters|miles|kilometres|kilometers|feet|days|hours|minutes|seconds|people|"
    r"inhabitants)|combien de (?:grammes|litres|kilos|centimetres|metres|kilometres|jours|"
    r"habitants|personnes)|cuant[oa]s (?:gramos|litros|kilos|centimetros|metros|kilometros|"
    r"dias|habitantes|personas)|wie ?viele? (?:gramm|liter|kilo|zentimeter|meter|kilometer|tage|"
    r"einwohner|menschen)|"
    r"world record|record du monde|record mundial|weltrekord|official language|langue officielle|"
    r"idioma oficial|amtssprache|spricht man|se habla|parle-t-on|capital of|capitale de|"
    r"capital de|hauptstadt)\b"
)
_KNOWLEDGE = re.compile(
    _OPENING + r"(?:"
    r"what(?:'s| is) the (?:\w+ )?difference between|"
    r"(?:c'est quoi|quelle est) la (?:\w+ )?difference entre|"
    r"(?:cual es|que) (?:la )?diferencia (?:hay )?entre|"
    r"was ist (?:eigentlich )?der unterschied zwischen|"
    r"(?:can|should) (?:you|one|i) freeze\b|(?:est-ce qu')?on peut congeler\b|"
    r"peut-on congeler\b|se puede congelar\b|kann man .{1,40} einfrieren\b|"
    r"(?:at )?what temperature (?:do|should) (?:you|i) (?:bake|cook|roast)\b|"
    r"a quelle temperature (?:on )?(?:cuit|fait cuire|cuire)\b|"
    r"a que temperatura se (?:hornea|cocina|cuece|asa)\b|"
    r"bei wie ?viel grad (?:backt|kocht|brat) man\b|"
    # at what temperature a wine is served or a thing is kept ("à quelle température on sert
    # un gewurztraminer ?", "¿a qué temperatura se sirve un rosado?")
    r"(?:at )?what temperature (?:do you|should you|should i|to|does one|is best to) "
    r"(?:serve|store|drink|keep)\b|a quelle temperature (?:on )?(?:se )?(?:sert|servir|conserve|"
    r"conserver|boit|boire)\b|a que temperatura (?:se )?(?:sirve|servir|bebe|beber|conserva|"
    r"guarda)\b|(?:bei )?welche(?:r)? temperatur (?:trinkt|serviert|lagert) man\b|"
    # why a kind of thing is so, what one is allowed ("why does cold air set off asthma?",
    # "¿por qué a los niños con asma …?", "how many hours am I allowed to drive …", "un routier
    # a le droit de conduire combien d'heures ?", "wie lange darf ein Lkw-Fahrer …")
    r"why (?:does|do) (?!you\b|i\b|we\b|my\b|our\b|the (?:light|heating|door|alarm)\b)|"
    r"por que (?:a |los |las |el |la |un |una )|pourquoi (?:les |des |le |la |l'|un |une )|"
    r"warum (?:vertragen|haben|sind|werden|darf|kann|konnen|mogen|ist (?:ein|eine))\b|"
    r"(?:how many hours )?(?:am i|are we|is one|are you) allowed to\b|how many hours (?:am i|can "
    r"i|may i|can you)\b|(?:a|ai-je|avons-nous) le droit de\b|"
    r"cuantas horas (?:puedo|se puede|puede)\b|wie lange darf (?:ein|eine|man)\b|"
    r"vertrag\w* \w+ (?:eigentlich |auch |denn )?\w+\b|"
    # what a kind of animal may eat, how to get a stain out, when the sun sets, how tall the
    # tallest was ("can parrots eat chilli peppers?", "est-ce que les perroquets peuvent manger
    # de l'avocat ?", "wie hoch war der höchste Menschenturm")
    # (a kind of animal, no one of ours: not "can the kids eat later")
    r"can (?!the |my |our |we |i |you |they |he |she |us )(?:an? )?(?:\w+ )?\w+ (?:eat|drink)\b"
    r"(?! later| before| now| tonight| after)|"
    r"(?:est-ce que )?(?:les|un|une) (?!enfants|petits|gamins)\w+ (?:peu\w+ )?(?:manger|boire)\b"
    r"(?! plus tard| avant| apres| maintenant| ce soir)|"
    r"(?:pueden|puede) (?:los |las |un |una )?(?!ninos|crios|chicos)\w+ (?:comer|beber)\b"
    r"(?! mas tarde| luego| antes| ahora| esta noche)|"
    r"(?:los|las) (?!ninos|crios|chicos)\w+ (?:pueden|puede) (?:comer|beber)\b"
    r"(?! mas tarde| luego| antes| ahora| esta noche)|"
    r"(?:durfen|konnen|darf|kann) (?:ein |eine |die )?(?!kinder)\w+ .{0,30}"
    r"(?:fressen|essen|trinken)\b|"
    # from what age a kind of one may do a thing ("from what age can babies eat eggs?", "ab
    # welchem Alter dürfen Hunde Knochen fressen?")
    r"(?:from|at) what age (?:can|may|do|does|should|are|is) (?!i\b|we\b)|"
    r"a partir de quel age |a quel age (?:un|une|les|on peut|peut-on) |"
    r"a partir de que edad |a que edad (?:pueden|puede|se puede|empiezan) |"
    r"ab (?:wann|welchem alter) (?:durfen|darf|konnen|kann|sollten|sollte) (?!ich\b|wir\b)|"
    r"how do (?:you|i|we|one) get (?:\w+ ){1,4}(?:out of|off|rid of)\b|"
    r"what time (?:does|is) (?:the )?sun(?: ?set| ?rise| set| rise| go down| come up)\b|"
    r"a quelle heure (?:se (?:couche|leve) le soleil|le soleil se (?:couche|leve))\b|"
    r"a que hora (?:se pone|sale) el sol\b|wann geht (?:heute )?die sonne (?:unter|auf)\b|"
    r"how (?:tall|high|deep) (?:is|was|are|were) the \w+est\b|"
    r"wie (?:hoch|gross|lang|alt|tief|weit) (?:ist|war|sind|waren) (?:der|die|das) "
    r"(?:hochste|grosste|langste|alteste|tiefste)\w*\b|"
    r"(?:quelle est|quelle etait) la hauteur (?:du|de la) plus\b|how tall is (?:the|a|an)\b|"
    r"combien mesure (?:le|la|l')|(?:cuanto|que tan alt[oa]) mide\b|"
    r"(?:que|qué) (?:altura|tan alt[oa]) (?:tiene|tenia|tuvo|es|era|fue) (?:el|la) (?:\w+ )?mas\b|"
    # who made a work, why things are so, the weather, the time, calories, travel times
    r"who (?:painted|wrote|invented|discovered|composed|directed|sang|built|founded|won)\b|"
    r"qui a (?:peint|ecrit|invente|decouvert|compose|realise|chante|construit|fonde|gagne)\b|"
    r"quien (?:pinto|escribio|invento|descubrio|compuso|dirigio|canto|construyo|fundo|gano)\b|"
    r"wer hat .{1,40}(?:gemalt|geschrieben|erfunden|entdeckt|komponiert|gesungen|gebaut|"
    r"gegrundet|gewonnen)\b|"
    # (a kind in general: "why do cats purr"; not "why does the login keep timing out?")
    r"why do (?!you\b|i\b|we\b|my\b|our\b|the\b|they\b)\w+s\b|pourquoi (?:les|des) |"
    r"por que (?:los|las) |warum (?:schnurren|bellen|fallen|haben|sind|werden) |"
    r"(?:will|is) it (?:going to )?(?:rain|snow)\b|(?:va-t-il|il va) (?:pleuvoir|neiger)\b|"
    r"va a (?:llover|nevar)\b|(?:regnet|schneit) es\b|"
    r"what time is it\b|(?:il est )?quelle heure (?:est-il|il est)\b|il est quelle heure\b|"
    r"que hora es\b|wie spat ist es\b|"
    r"how many calories|combien de calories|cuantas calorias|wie viele kalorien|"
    r"how long does it take to (?:drive|fly|walk|cycle) |combien de temps (?:faut-il|il faut) "
    r"pour (?:aller|rouler)|cuanto se tarda en (?:ir|llegar)|wie lange (?:braucht|dauert es) man|"
    # how long a kind lives, what a word means ("how long do african grey parrots live",
    # "un perroquet gris, ça vit combien de temps", "what's a spring tide, exactly?")
    r"how long (?:do|does) (?:an? )?(?:\w+ ){1,4}live\b|.{0,60}\bca vit combien de temps\b|"
    r"combien de temps (?:vit|vivent)\b|cuantos anos (?:vive|viven)\b|cuanto (?:tiempo )?viven? "
    r"(?:un|una|los|las)\b|wie (?:lange|alt) (?:lebt|leben|wird|werden) (?:ein|eine|die)\b|"
    r"what(?:'s| is) an? (?:\w+[ ,]+){1,3}(?:exactly|anyway)\b|what does \w+ mean\b|"
    r"c'est quoi (?:un|une) (?:\w+[ ,]+){1,3}(?:exactement|au juste)\b|qu'est-ce qu'(?:un|une) |"
    r"(?:que|qué) es (?:un|una) (?:\w+ ){1,3}(?:exactamente)\b|"
    r"was ist (?:eigentlich )?(?:ein|eine) (?:\w+ ){0,2}\w+ (?:genau|eigentlich)\b|"
    r"(?:que|qué) es exactamente (?:un|una)\b|"
    # how long a kind of thing takes, how much of a thing one needs, since when a thing is
    # ("how long does a bisque firing take", "cuánto tiempo hay que dejar enfriar …",
    # "cuántas horas debería dormir …", "seit wann gibt es …")
    r"how long does an? (?:\w+ ){1,4}(?:usually |normally |typically )?take\b|"
    r".{0,40}\bca (?:cuit|se cuit|prend) (?:a quelle temperature|combien de temps)\b|"
    r"cuanto tiempo hay que\b|cuantas horas (?:deberia|debe|tiene que|hay que)\b|"
    r"how many hours (?:should|does|do) (?:an?|one) \w+|seit wann gibt es\b|"
    r"combien d'heures (?:doit|devrait) (?:dormir|un|une)\b|wie viele stunden (?:sollte|muss) "
    r"(?:ein|eine|man)\b"
    r")"
)
# a wake-up alarm (unless a light or a device of the home wakes: "wake me up at 7 by turning
# on the bedroom ceiling light")
_WAKE_UP = re.compile(
    rf"\W*(?:wake me up|(?:set|put|make) (?:an|my) alarm (?:for|at) {_CLOCK}|"
    r"(?:mets|programme)(?:-moi)? (?:un|mon) reveil|reveille-moi|"
    r"(?:pon|ponme|programa) (?:el|mi|un) despertador|despiertame|\w*wecker|weck mich)"
)
# what someone is working on, asked ("kwame bosse sur quoi en ce moment", "en q anda ingrid",
# "was macht Ingrid gerade"): one of a tracker's people, whoever is said first
_WORKS_ON = re.compile(
    r"\b(?:working on|up to)\b|(?:bosse|travaille|taffe|planche) sur quoi|"
    r"en (?:que|q) (?:anda|esta|trabaja)\b|woran (?:arbeitet|sitzt)\b|was macht \w+ gerade\b"
)
_CLAUSE_BREAK = re.compile(r"[,;:]| - ")


def _first_clause(folded: str) -> str | None:
    """The text before the first clause break, when there is one and it says two words or
    more (else None)."""
    parts = _CLAUSE_BREAK.split(folded, maxsplit=1)
    if len(parts) < 2 or len(parts[0].split()) < 2:
        return None
    return parts[0]


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
