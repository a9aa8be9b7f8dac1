"""Declarative domain packs: intents with example utterances, slots, patch and step templates.

A pack is plain data (YAML on disk, parsed by the caller); this module validates it, pulls
slots out of text and renders patch templates.

>>> pack = DomainPack.model_validate({"domain": "home", "slots": {"room": {"pattern":
...     "(?P<room>kitchen|office)"}}, "intents": [{"id": "lights", "task_type": "stateful",
...     "examples": ["lights on in the kitchen"],
...     "patch": [{"op": "add", "path": "/{room}_lights", "value": "on"}]}]})
>>> render_patch(pack.intents[0].patch or [], extract_slots(pack, "kitchen lights on"))
[{'op': 'add', 'path': '/kitchen_lights', 'value': 'on'}]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from processors.errors import ProcessorError
from processors.inventory import CollectionSpec
from processors.language import fold
from processors.models import Int32

_SLOT_REF = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class SlotSpec(BaseModel):
    """How to find one slot in text: a regex with a named group, then a transform."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    pattern: str
    transform: Literal["slug", "number", "strip_quotes"] | None = None
    map: dict[str, str] = Field(default_factory=dict)
    default: str | None = None  # used when the text does not name the slot

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


class SystemSpec(BaseModel):
    """A system a pack's intents touch: what it requires first, how to roll it back."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    requires: list[str] = Field(default_factory=list)
    rollback: str = ""


class TargetSpec(BaseModel):
    """What a grounded intent acts on: items of a collection, of some kinds.

    ``create``: the intent makes a new item (a ticket, an event) instead of naming one;
    ``optional``: the intent works without an item (a question about the whole project).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    collection: str
    kinds: list[str] = Field(default_factory=list)
    create: bool = False
    optional: bool = False
    area_ok: bool = True  # "the lights in the office" acts on each of them


class IntentSpec(BaseModel):
    """One intent: examples to match, the task it forms, and its templates.

    Grounded intents (with ``target``) resolve their item from the project's state, read
    their value with a built-in reader (``value``) and are matched on ``examples`` plus the
    per-language ``phrases``, with ``cues`` (regular expressions over the folded text, per
    language) as strong evidence.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str
    task_type: Literal["no_task", "ephemeral", "stateful"]
    examples: list[str] = Field(min_length=1)
    systems: list[str] = Field(default_factory=list)
    tools: list[str] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    patch: list[dict[str, Any]] | None = None
    required_slots: list[str] = Field(default_factory=list)
    preconditions: list[str] = Field(default_factory=list)
    reply: str | None = None
    priority: Int32 | None = None  # policy: overrides the task type's default priority
    plan: list[dict[str, Any]] | None = None  # execution plan steps (PlanStep fields, templated)
    target: TargetSpec | None = None
    value: str | None = None  # switch, percent, temperature, colour, when, status, person, ...
    value_optional: bool = False
    # review policy: the same change to many items counts as one ("every light off"); off for
    # changes whose mass is itself the risk (reassigning every ticket, cancelling every event)
    bulk: bool = False
    # only a candidate when one of its cues is said ("remind me about the vet" sets a reminder
    # on the event; "the team lunch is at 1 now" moves it)
    cue_required: bool = False
    otherwise: str | None = None  # the intent formed instead when a required slot is missing
    phrases: dict[str, list[str]] = Field(default_factory=dict)
    extra_phrases: dict[str, list[str]] = Field(default_factory=dict)  # a second writer's
    cues: dict[str, list[str]] = Field(default_factory=dict)
    replies: dict[str, str] = Field(default_factory=dict)

    @property
    def utterances(self) -> list[str]:
        """Every example, in every language."""
        return [
            *self.examples,
            *(p for ps in self.phrases.values() for p in ps),
            *(p for ps in self.extra_phrases.values() for p in ps),
        ]

    @property
    def grounded(self) -> bool:
        """Whether the intent is resolved against the project's inventory."""
        return self.target is not None

    def reply_in(self, lang: str) -> str | None:
        """The reply in ``lang`` (English when not translated)."""
        return self.replies.get(lang, self.reply)


class DomainPack(BaseModel):
    """A domain's intents. ``domain`` names one domain, ``domains`` several."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    domain: str | None = None
    domains: list[str] = Field(default_factory=list)
    description: str = ""
    systems: dict[str, SystemSpec] = Field(default_factory=dict)
    protected_paths: list[str] = Field(default_factory=list)
    engines: list[str] | None = None  # engines this domain may call (None: the safe built-ins)
    slots: dict[str, SlotSpec] = Field(default_factory=dict)
    inventory: list[CollectionSpec] = Field(default_factory=list)
    timezone: str = "UTC"  # for dates, unless the state says otherwise (``/timezone``)
    intents: list[IntentSpec]

    @property
    def covers(self) -> list[str]:
        """Every domain this pack serves."""
        return [self.domain] if self.domain else list(self.domains)


def smalltalk_phrases(packs: Iterable[DomainPack]) -> dict[str, IntentSpec]:
    """The shared pack's no-task examples, folded, each with its intent ("thanks a lot" →
    ``thanks``)."""
    return {
        fold(example): intent
        for pack in packs
        if "_common" in pack.covers
        for intent in pack.intents
        if not intent.grounded and intent.task_type == "no_task"
        for example in intent.utterances
    }


class Openers:
    """The small-talk phrases that open an utterance ("thank you so much for …", "never mind,
    I'll …"): every thanks, and call-offs and goodbyes of two words or more, longest first;
    greetings are left out ("good morning, turn on …" is a request).

    >>> thanks = IntentSpec(id="thanks", task_type="no_task", examples=["thanks a lot"])
    >>> Openers({"thanks a lot": thanks}).opening("thanks a lot, the porch light is perfect").id
    'thanks'
    """

    def __init__(self, phrases: dict[str, IntentSpec]) -> None:
        ordered = sorted(
            (
                (phrase, intent)
                for phrase, intent in phrases.items()
                if (len(phrase.split()) >= 2 and intent.id in ("thanks", "cancel", "goodbye"))
                or intent.id == "thanks"  # "gracias por arreglar …", "danke, dass …"
            ),
            key=lambda pi: -len(pi[0]),
        )
        self.first_words = frozenset(p.split()[0] for p, _ in ordered)
        # by first letter, longest first: an opener is looked up among a few dozen
        self._by_letter: dict[str, list[tuple[str, IntentSpec]]] = {}
        for phrase, intent in ordered:
            self._by_letter.setdefault(phrase[:1], []).append((phrase, intent))

    def opening(self, folded: str) -> IntentSpec | None:
        """The intent of the phrase that opens ``folded`` (a whole word or words), or None."""
        for phrase, intent in self._by_letter.get(folded[:1], ()):
            if folded.startswith(phrase) and (
                len(folded) == len(phrase) or not folded[len(phrase)].isalnum()
            ):
                return intent
        return None


class MissingSlot(ProcessorError):
    """A template needs a slot the text did not provide."""

    def __init__(self, slot: str) -> None:
        super().__init__(slot)
        self.slot = slot


def slug(value: str) -> str:
    """``"Living Room"`` → ``living_room``."""
    return re.sub(r"[^a-z0-9]+", "_", fold(value)).strip("_")


def extract_slots(pack: DomainPack, text: str) -> dict[str, Any]:
    """Every slot the pack can find in ``text`` (plus ``<name>_slug`` for each)."""
    found: dict[str, Any] = {}
    lowered = " ".join(text.lower().split())
    for name, spec in pack.slots.items():
        match = re.search(spec.pattern, lowered, re.IGNORECASE)
        if match is None or match.group(name) is None:
            if spec.default is not None:
                found[name] = spec.default
                found[f"{name}_slug"] = slug(spec.default)
            continue
        raw = match.group(name).strip()
        value: Any = spec.map.get(raw, raw)
        if spec.transform == "slug":
            value = slug(value)
        elif spec.transform == "number":
            number = float(value.replace(",", "."))
            value = int(number) if number.is_integer() else number
        elif spec.transform == "strip_quotes":
            value = value.strip("\"'")
        if value == "":
            continue
        found[name] = value
        found[f"{name}_slug"] = slug(str(value))
    return found


def _render(template: Any, slots: dict[str, Any], *, pointer: bool = False) -> Any:
    if isinstance(template, dict):
        return {k: _render(v, slots) for k, v in template.items()}
    if isinstance(template, list):
        return [_render(v, slots) for v in template]
    if not isinstance(template, str):
        return template
    whole = _SLOT_REF.fullmatch(template)
    if whole and not pointer:
        if whole.group(1) not in slots:
            raise MissingSlot(whole.group(1))
        return slots[whole.group(1)]  # keeps numbers numbers

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in slots:
            raise MissingSlot(m.group(1))
        text = str(slots[m.group(1)])
        return text.replace("~", "~0").replace("/", "~1") if pointer else text

    return _SLOT_REF.sub(sub, template)


def render_template(template: Any, slots: dict[str, Any]) -> Any:
    """A template (dict, list or string) with ``{slot}`` references filled in."""
    return _render(template, slots)


def render_patch(templates: list[dict[str, Any]], slots: dict[str, Any]) -> list[dict[str, Any]]:
    """RFC 6902 operations from templates; :class:`MissingSlot` when a slot is absent."""
    ops = []
    for template in templates:
        op = {k: _render(v, slots, pointer=k in ("path", "from")) for k, v in template.items()}
        ops.append(op)
    return ops
