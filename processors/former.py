"""Former: the domain expert, the dependency pass, the threshold review and the task object
(Skyra §6 to §11).

- The *expert* (:class:`PackExpert` by default; anything with ``propose``) decides no task /
  ephemeral / stateful from the nearest example utterances of the project's domain pack,
  fills slots and renders the patch template; a model proposal's patch is validated and used.
- The *dependency pass* orders the systems a task touches by the pack's ``requires`` graph
  and adds preconditions, constraints and rollback hints; a cycle is a conflict: the task is
  held and the session asked to clarify.
- The *review* fires on configured triggers and decides approve / revise /
  clarification required / reject (:class:`PolicyReviewer` by default).
- ``task_id`` is UUIDv5 of ``source_event_id`` and the task variant.

>>> task_id_for("evt-1", "stateful") == task_id_for("evt-1", "stateful")
True
"""

from __future__ import annotations

import json
import re
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from processors.embeddings import Encoder, HashingEncoder, Query, VectorIndex, query_of
from processors.errors import PatchError
from processors.fuzzy import Choices
from processors.grounding import (
    ASKING,
    DISMISSED,
    DONE_MYSELF,
    EARLIER_TALK,
    HOW_ARE_YOU,
    ID_SAID,
    PRAISE,
    TAKE_BACK,
    WISHES,
    GroundedExpert,
    already_done,
    amazed_remark,
    asks_after,
    chatted,
    is_polite_request,
    is_question_in,
    names_kind,
    negated_request,
    off_to_bed,
    packs_by_domain,
    pet_resting,
    reply_text,
    said_alone,
    told_story,
    uuid5_text,
    vented,
    weather_outside,
)
from processors.inventory import _TIME_WORDS
from processors.jsonpatch import JCS_REFUSED, jcs, parse_pointer, refusal
from processors.language import REMIND_ME, SUPPORTED, Detected, clean, detect, fold
from processors.models import (
    DependencyPlan,
    PatchOp,
    RawEvent,
    Reply,
    Review,
    RoutedEvent,
    RoutingDecision,
    TaskObject,
    TaskSheet,
    WorkPlan,
    millis,
    trusted,
)
from processors.outside import OUTSIDE_WHAT, outside_request
from processors.packs import (
    DomainPack,
    IntentSpec,
    MissingSlot,
    Openers,
    extract_slots,
    render_patch,
    slug,
    smalltalk_phrases,
)
from processors.router import ProjectRegistry, words
from processors.values import MONTH_WORDS, WEEKDAY_WORDS, delta, switch, when

FORMER_VERSION = "form-v2"
TASK_NAMESPACE = uuid.UUID("6f1c3a52-8a57-4c1e-9d0a-3b4c1f6e2a10")
PRIORITY = {"stateful": 5, "ephemeral": 3}  # policy: set at formation, changed by governance
_MUTATING = frozenset(
    "set update change mark rename delete remove add create append turn switch lock unlock "
    "arm disarm cancel move schedule book assign close open raise lower "
    "mets passe change modifie fixe regle ajoute supprime annule ferme ouvre deplace "
    "pon cambia actualiza fija marca anade borra cancela cierra abre mueve "
    "setz setze stell stelle andere markiere fuge losche schliess offne verschieb "
    # switched ("mach das Licht an, im Flur": a request, whatever small talk its head is like)
    "allume eteins enciende apaga prende schalt schalte dreh knips".split()
)
# "mach" changes something unless said to someone ("mach's gut", "mach dir keine Sorgen")
_MACH_SAID = frozenset("s dir dich euch ihr gut nichts nix nut schnell hin voran".split())
# the words that make a field a point in time ("launch date", "deadline", "Abgabe"): the last
# of the field's name, or followed only by a day said in it or a verb ("fija el lanzamiento para
# el lunes", "el lanzamiento pasa al lunes"; not "launch budget")
_DATE_HEADS = frozenset(
    "date dates datum fecha deadline due echeance go_live golive launch release delivery "
    "livraison entrega abgabe lieferung liefertermin termin frist lancement lanzamiento rendu "
    "envio event evento evenement".split()
)
_FIELD_VERBS = frozenset("pasa passe geht move moves va".split())
_WHOSE = frozenset("of for de del des du d fur von pour para".split())


def _date_field(field: str) -> bool:
    """Whether a generic field's name says it holds a point in time (see _DATE_HEADS)."""
    words = field.replace("go_live", "golive").split("_")
    heads = [n for n, w in enumerate(words) if w in _DATE_HEADS]
    if not heads:
        return False
    rest = words[heads[-1] + 1 :]
    # ("le lancement de la campagne", "der Termin für Vorgang 812": whose it is after it)
    return (bool(rest) and rest[0] in _WHOSE) or all(
        w in _LINKS or w in _DAY_WORDS or w in _FIELD_VERBS or w.isdigit() for w in rest
    )


def _field_of_project(
    slots: dict[str, Any],
    project_id: str | None,
    said: str,
    lang: str,
    at: datetime,
    zone: str,
) -> None:
    """``slots`` of a generic project's field (``field``, ``value``) as the project keeps it:
    its name without the project's ("set the Helios launch date …" sets ``launch_date``), and
    a point in time for a field that holds one, read where it is said (see _dated_value)."""
    field = str(slots["field"])
    if project_id:
        # the project's name (and "in", "of" before it, "'s" after) is no part of the field's
        # ("leg in Atlas die Abgabe …", "le budget d'Atlas")
        kept = re.sub(
            rf"(?:^|_)(?:(?:in|im|bei|dans|en|for|pour|para|fur|de|del|d|von|of)_)?"
            rf"{slug(project_id)}(?:_s)?(?=_|$)",
            "",
            field,
        ).strip("_")
        field = re.sub(r"^(?:the|le|la|les|l|el|los|las|den|die|das|der)_", "", kept) or field
    value = str(slots.get("value", ""))
    if (
        "value" in slots
        and _date_field(field)
        and (dated := _dated_value(value, said, lang, at, zone))
    ):
        slots["value"] = dated
        words = field.split("_")
        while len(words) > 1 and words[-1] in _FIELD_VERBS:
            words.pop()  # "el lanzamiento pasa al lunes": the launch's
        # the day said before the "to" is no part of the field ("fija el lanzamiento para el
        # lunes a las 9"): the name up to it
        day_at = next((n for n, w in enumerate(words) if w in _DAY_WORDS), None)
        if day_at:
            kept_words = words[:day_at]
            while kept_words and kept_words[-1] in _LINKS:
                kept_words.pop()
            words = kept_words or words
        field = "_".join(words)
    slots["field"] = slots["field_slug"] = field


def _dated_value(value: str, said: str, lang: str, at: datetime, zone: str) -> str | None:
    """The point in time ``value`` says ("Wednesday the 16th at 10 am"), ISO; None when it
    says something else with its numbers (money, a unit, a version, an address, a range) or
    is written as a date already. The day may be said before the value ("fija el lanzamiento
    para el lunes a las 9": "las 9"): then the whole request ``said`` is read."""
    folded = fold(value)
    if (
        not (_SAYS_A_TIME.search(folded) or not _DAY_WORDS.isdisjoint(re.findall(r"\w+", folded)))
        or _NOT_A_TIME.search(folded)
        or _ISO_DATE.match(value)
    ):
        return None
    found = when(clean(value, lang), at, zone)
    if found is None or found.at is None or found.time_only:
        whole = when(clean(said, lang), at, zone)
        found = whole if whole is not None and whole.at is not None else found
    if found is None or found.at is None:
        return None
    return found.at.date().isoformat() if found.date_only else found.at.isoformat()


# a value that says a day or a time of day ("wednesday the 16th at 10 am", "las 9", "den 21.
# Dezember um neun Uhr"), and one that says something else with its numbers (money, a unit,
# a version, an address, a range)
# (besides a weekday's or a month's name: _DAY_WORDS)
_SAYS_A_TIME = re.compile(
    r"\b(?:ubermorgen|next|prochain\w*|proxim\w*|nachste\w*|noon|midday|midi|mediodia|mittag|"
    r"uhr|am|pm|\d{1,2}(?:st|nd|rd|th)|\d{1,2}[:h]\d{0,2}|las? \d{1,2}|a las|um \d{1,2})\b"
)
_NOT_A_TIME = re.compile(
    r"\d\s*(?:k|m|eur|euros?|usd|dollars?|€|\$|%|units?|unidades|unites|stuck|pallets?|"
    r"palettes?)\b|[€$£]|\b(?:rue|street|st|avenue|calle|strasse|str|road|version|v\d)\b|"
    r"\d+\.\d+|\b\d{1,2}\s*(?:to|-|a|bis|hasta)\s*\d{1,2}\s*(?:am|pm|h|uhr)\b"
)
# a new thing asked for ("add a reminder …", "crée une tâche …", "erinnere mich …")
_MAKES_NEW = re.compile(
    r"\W*(?:(?:please|can you|could you|bitte|peux-tu|tu peux|puedes)\W+)?(?:add|create|make|"
    r"note|set up|ajoute|cree|anade|crea|apunta|anota|erstell\w*|trag|notier\w*|erinnere|"
    r"rappelle|recuerdame|recuerda)\w*\b"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\b")
# the words of a day said ("lunes", "15", "december") and those that lead to one
_DAY_WORDS = WEEKDAY_WORDS | MONTH_WORDS | {"tomorrow", "demain", "manana", "morgen"}
_LINKS = frozenset("para pour for on au al el le la de del am den the a an ein einen".split())
# an utterance that opens with a request's own verb (after "and", "then", "oh"): a request of
# its own after a fragment ("set the living room thermostat to" … "and turn on the porch
# light", "apaga la" … "baja la lámpara de pie al 30"), not the fragment's end
_OWN_REQUEST = re.compile(
    r"\W*(?:(?:and|et|y|und|also|then|puis|luego|dann|oh|ok|okay|no|non|nein|actually|"
    r"please|bitte|por favor|s'il te plait)\W+)*"
    r"(?:can you|could you|would you|turn|switch|set|put|make|lock|unlock|open|close|move|"
    r"cancel|create|add|remind|start|stop|dim|raise|lower|allume|eteins|mets|peux|pouvez|"
    r"ferme|ouvre|annule|ajoute|rappelle|baisse|monte|enciende|apaga|pon|puedes|podrias|"
    r"cierra|abre|cancela|anade|recuerda|baja|sube|schalte?|mach|kannst|konntest|stell|"
    r"schliess|offne|erinnere|dreh|aktivier\w*|verschieb\w*)\b"
)
_READS = re.compile(
    r"\s*(?:summari[sz]e|show|list|give me|tell me|resume|montre|liste|donne-moi|muestra|"
    r"resume|dame|fass \w+ zusammen|zeig|nenn)\b"
)
_QUESTION = frozenset("what which who when where why how is are am do does did".split())
_HEDGES = re.compile(
    r"\b(maybe|perhaps|not sure|or something|i guess|whatever|somehow|kind of|sort of|"
    r"i think(?! i\b)|probably|either)\b",
    re.IGNORECASE,
)
# every hedge says one of these (the case-blind search of ``_HEDGES`` costs ~2 µs a text)
_HEDGE_WORDS = (
    "maybe", "perhaps", "not sure", "or something", "i guess", "whatever", "somehow",
    "kind of", "sort of", "i think", "probably", "either",
)  # fmt: skip


def _may_hedge(text: str) -> bool:
    """False when ``text`` has no hedge (``_HEDGES``) for sure: an ASCII text whose lower case
    says none of its words (beyond ASCII, a case-blind match reads other letters too: the
    long s, the Kelvin sign)."""
    if not text.isascii():
        return True
    lowered = text.lower()
    return any(word in lowered for word in _HEDGE_WORDS)


_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
# a later sentence that gives a reason ("I think the kids left it open")
_REASON = re.compile(
    r"\s*(?:i think|i guess|i believe|je pense|je crois|creo|pienso|ich glaube|ich denke)\b",
    re.IGNORECASE,
)
Decision = Literal["no_task", "ephemeral", "stateful", "clarification"]


_FRAGMENT_TAIL = frozenset(
    "the a an my to of in on at and or for with from le la les l' un une des du de au aux à et "
    "ou mon ma mes dans sur el los las un una del al de y o en mi con der die das den dem ein "
    "eine einen im am zum zur und oder mein meine in auf mit".split()
)

_LETTERS = re.compile(r"[a-z]+")


# a request's verb said first, then what it is about ("cancel yoga", "annule le cours"; not
# "cancel that", "forget the lights")
_OPENS_REQUEST = re.compile(
    r"(?:please |bitte |por favor )?(?:cancel|call off|drop|annule|supprime|cancela|anula|"
    r"quita|borra|sag \w+ ab|streich|storn)\w* (?!(?:that|this|it|ca|cela|eso|esto|lo|das|es|"
    r"everything|all|what|tout|ce|todo|mi|alles|meine?)\b)"
)
# ... and not taken back ("cancel the piano... no, never mind", "annule le piano, en fait non")
_TAKEN_BACK = re.compile(
    r"\b(?:no|non|nope|nah|nee|nein)\b(?=\s*(?:[,.!]|$|never|forget|wait|leave|skip|olvid|dej|"
    r"mejor|laisse|oublie|vergiss|lass|doch))|"
    rf"\b(?:{TAKE_BACK}|laisse\w*|oublie\w*|en fait|bof|olvida\w*|vergiss|lass|egal)\b"
)
_THINGS = frozenset("thing things stuff truc machin chose cosa cosas ding sache zeug".split())


def _names_thing(text: str) -> bool:
    """Whether a cancellation is of something: a kind, a day, "the thing tomorrow", a time
    ("cancel my 3pm", "cancel the ten o'clock")."""
    folded = fold(text)
    return (
        names_kind(text)
        or bool(set(_LETTERS.findall(folded)) & (_THINGS | _TIME_WORDS | WEEKDAY_WORDS))
        or _CLOCK_NAMED.search(folded) is not None
    )


# an event named by its time: "my 3pm", "the ten o'clock", "mon 15h", "lo de las cinco",
# "meinen Termin um drei" (a kind word: above)
_CLOCK_NAMED = re.compile(
    r"\b(?:my|the|mon|ma|le|mi|el|meinen|meine|den|das)\s+"
    r"(?:\d{1,2}(?:[:h.]\d{2}(?:\s*(?:am|pm|h|uhr))?|\s*(?:am|pm|h|uhr))\b|"
    r"\w+(?:-\w+)? o'?clock\b|\d{1,2} o'?clock\b)"
    # the time is the thing named, not a delivery or a pickup at that time
    r"(?!\s+(?!(?:on|tomorrow|today|tonight|next|this|please|demain|manana|morgen|heute|le|el|"
    r"am|de|del|du)\b)[a-z])|"
    r"\blo de las? \w+"
)


def is_fragment(text: str) -> bool:
    """Whether ``text`` looks cut off: it ends with an article, a preposition or "…"."""
    toks = words(text)
    stripped = text.rstrip()
    return (
        bool(toks)
        and len(toks) <= 8
        and (toks[-1] in _FRAGMENT_TAIL or stripped.endswith(("...", "…", "-")))
    )


def language_of(routed: RoutedEvent) -> Detected:
    """The event's language: as the router recorded it, else detected now."""
    if routed.language is not None:
        return Detected(routed.language, routed.language_confidence or 0.0)
    return detect(routed.event.text, hint=routed.event.metadata.get("lang") or None)


def task_id_for(source_event_id: str, variant: str) -> str:
    """The stable task id of an event's task variant."""
    return uuid5_text(TASK_NAMESPACE, f"{source_event_id}/{variant}")


def depends_on_of(event: RawEvent) -> list[str]:
    """The events this event's task must wait for: ``metadata["depends_on"]``, a
    comma-separated list of ``source_event_id``s (its own id is ignored)."""
    said = event.metadata.get("depends_on")
    if not said:
        return []
    named = (part.strip() for part in said.split(","))
    return list(dict.fromkeys(n for n in named if n and n != event.source_event_id))


def reply_id_for(source_event_id: str, kind: str) -> str:
    """The stable id of a reply, so a redelivered event repeats the same reply."""
    return uuid5_text(TASK_NAMESPACE, f"{source_event_id}/reply/{kind}")


@dataclass(frozen=True)
class Proposal:
    """What an expert proposes for one routed event."""

    decision: Decision
    confidence: float
    intent_id: str | None = None
    systems: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)
    patch: list[dict[str, Any]] | None = None
    patch_error: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    risk_flags: list[str] = field(default_factory=list)
    preconditions: list[str] = field(default_factory=list)
    reply: str | None = None
    reason_code: str = ""
    expert: str = ""  # the version of the expert that formed it, when not the configured one

    @classmethod
    def read_only(
        cls,
        intent: IntentSpec,
        confidence: float,
        assumptions: list[str],
        *,
        decision: Decision = "ephemeral",
        slots: dict[str, Any] | None = None,
        patch: list[dict[str, Any]] | None = None,
        patch_error: str | None = None,
        reply: str | None = None,
        reason_code: str = "",
    ) -> Proposal:
        """A read-only proposal from a matched intent's systems, tools and steps (the start
        of every intent's formation), with the fields given changed (built once, not
        copied by ``replace``: each frozen copy sets every field again)."""
        return cls(
            decision=decision,
            confidence=confidence,
            intent_id=intent.id,
            systems=list(intent.systems),
            tools=list(intent.tools),
            steps=list(intent.steps) or ["ssot.read", "text.summarize"],
            patch=patch,
            patch_error=patch_error,
            slots={} if slots is None else slots,
            preconditions=list(intent.preconditions),
            assumptions=assumptions,
            reply=reply,
            reason_code=reason_code,
        )


class Expert(Protocol):
    """Proposes a formation for a routed event (pack matching, a model endpoint, ...)."""

    version: str

    def propose(self, routed: RoutedEvent) -> Proposal: ...


def is_question(text: str, toks: list[str] | None = None) -> bool:
    """Whether ``text`` asks rather than tells: a question word first, or a question mark
    (``toks``: its :func:`words`, when already split)."""
    if toks is None:
        toks = words(text)
    return text.rstrip().endswith("?") or bool(toks and toks[0].split("'")[0] in _QUESTION)


def is_command(text: str) -> bool:
    """Whether ``text`` opens with a verb that changes something (``set``, ``lock``, ...)."""
    toks = [t for t in words(text) if t != "please"]
    return bool(toks) and (
        toks[0] in _MUTATING
        or (toks[0] == "mach" and toks[1:2] != [] and toks[1] not in _MACH_SAID)
    )


def distinct_changes(ops: Sequence[dict[str, Any]]) -> int:
    """How many different changes a patch makes: the same change to the same member of
    several items of one collection is one ("every light off" sets ``state`` of each light).

    >>> distinct_changes([
    ...     {"op": "replace", "path": "/entities/light.a/state", "value": "off"},
    ...     {"op": "replace", "path": "/entities/light.b/state", "value": "off"},
    ...     {"op": "replace", "path": "/entities/lock.c/state", "value": "unlocked"},
    ... ])
    2
    """
    seen = set()
    for op in ops:
        try:
            parts = parse_pointer(str(op.get("path", "")))
        except PatchError:
            parts = [str(op.get("path"))]
        member = (parts[0], *parts[2:]) if len(parts) >= 3 else tuple(parts)
        value = json.dumps(op.get("value"), sort_keys=True, default=str)
        seen.add((str(op.get("op")), member, value, str(op.get("from", ""))))
    return len(seen)


def validate_patch(ops: Sequence[dict[str, Any]]) -> str | None:
    """Why a patch is not well-formed RFC 6902 with I-JSON values (what RFC 8785, the commit
    hash's canonical form, accepts), or None."""
    if not ops:
        return "empty patch"
    for n, op in enumerate(ops):
        if op.get("op") not in ("add", "remove", "replace", "move", "copy", "test"):
            return f"op {n}: unknown op {op.get('op')!r}"
        try:
            parse_pointer(str(op.get("path")))
            if op["op"] in ("move", "copy"):
                parse_pointer(str(op.get("from")))
        except PatchError as exc:
            return f"op {n}: {exc}"
        for member in ("path", "from"):
            pointer = op.get(member)
            if isinstance(pointer, str) and (len(pointer) > 1024 or not _unicode(pointer)):
                return f"op {n}: the {member} is not Unicode text of 1,024 characters at most"
        if op["op"] in ("add", "replace", "test") and "value" not in op:
            return f"op {n}: '{op['op']}' needs a value"
        if "value" in op:
            try:
                _as_stored(op["value"])
            except JCS_REFUSED as exc:
                # NaN, an integer beyond 2**53, a lone surrogate: the commit's hash (RFC 8785)
                # could not be computed, so the change could never reach the SSOT
                return f"op {n}: the value is not I-JSON (RFC 7493): {refusal(exc)}"
    return None


def _as_stored(value: Any) -> None:
    """Raise what :func:`jcs` raises for ``value`` as a patch stores it (as JSON text, where
    an object's keys become strings: a template's ``{1: "a"}`` is ``{"1": "a"}``)."""
    try:
        jcs(value)
    except JCS_REFUSED as exc:
        try:  # (sorted as the patch stores it: keys of mixed types cannot be)
            stored = json.loads(json.dumps(value, sort_keys=True))
        except (TypeError, ValueError, RecursionError):
            raise exc from None  # (not JSON at all: what JCS said of it)
        jcs(stored)


def _unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


# a change that says nothing of what to ("update the forecast", "cambia la fecha", "change le
# budget de la campagne"): asked for, not recorded as a request
_BARE_CHANGE = re.compile(
    r"\s*(?:please |can you |could you |peux-tu |tu peux |puedes |kannst du |bitte )?"
    r"(?:update|change|modify|edit|cambia|actualiza|modifica|edita|modifie|"
    r"mets [aà] jour|actualise|[äa]ndere?|aendere?|aktualisier\w*|bearbeite)\b"
    r"(?:\s+[^\W\d]+){1,5}\s*[.!]?\s*$",
    re.IGNORECASE,
)


def _unaddressed(text: str, project_id: str | None) -> str:
    """``text`` without the project it is addressed to, said first ("Orion: mark invoice 3050
    as paid" sets no field called "orion").

    >>> _unaddressed("Atlas: set the stock count to 40", "atlas")
    'set the stock count to 40'
    """
    if project_id:
        said = re.match(rf"\s*{re.escape(project_id)}\s*[:,]\s*", text, re.IGNORECASE)
        if said is not None:
            return text[said.end() :]
    return text


# a change asked with its verb first ("update the Orion entry", "modifie celui-là", "cambia
# lo de Atlas", "Bei Helios, pass das mal an"): what to change it to must be said
_CHANGE_FIRST = re.compile(
    r"\W*(?:(?:ok|okay|so|please|bitte|por favor|can you|could you|would you|peux-tu|tu peux|"
    r"pourrais-tu|puedes|podrias|kannst du|euh|um|uh|eh|ahm|hey|alors|bueno|also|na|"
    # what is left of "lo de Atlas, …", "bei Helios …", "pour Orion, …" without the project
    r"lo|bei|pour|para|for|fur)\W+)*"
    r"(?:update|change|modify|edit|amend|adjust|modifie[rz]?|change[rz]?|mets a jour|"
    r"mettre a jour|actualise[rz]?|cambia(?:lo|la|r)?|actualiza(?:lo|la|r)?|modifica(?:lo|la|r)?|"
    r"ander\w*|aendere|aktualisier\w*|bearbeit\w*|pass\w* (?:\w+ ){1,3}an|"
    # a thing put in, said only as "that" ("put that in Apollo", "mets ça dans Atlas", "trag
    # das bei Helios ein"): what is meant is not in the request
    r"(?:put|add|enter|log|note|stick|mets|ajoute|note|inscris|rentre|pon|anade|apunta|mete|"
    r"trag|schreib|fug)\w*(?= (?:that|this|it|ca|cela|ceci|le|la|eso|esto|lo|das|es|dies)\b))\b"
)
# a value said for it: a number, "to …", "auf …", "a …", "as …", "…: …"
_VALUE_SAID = re.compile(
    r"\d|\b(?:to|as|into|au|aux|sur|auf|zu|al|como|als|comme)\s+\w|:\s*\w|"
    # (not "le truc dont on a parlé": "a" said as "has")
    r"(?<!\bon )(?<!\bil )(?<!\belle )(?<!\bqui )(?<!\bj')(?<!\by )\ba (?!jour\b)\w"
)


def _without_project(text: str, project_id: str | None) -> str:
    """``text`` folded, without its project's name wherever it is said ("En Atlas, cámbialo":
    "cambialo")."""
    folded = fold(text)
    if project_id:
        folded = re.sub(
            rf"\b(?:(?:for|pour|para|en|in|bei|im|dans|a|fur|de|del|von|on)\s+)?"
            rf"{re.escape(fold(project_id))}\b\s*[:,]?",
            " ",
            folded,
        )
    return folded.strip(" ,:")


# what says nothing of which thing or field: articles, pronouns, "thing", "record", "entry"
_VAGUE = frozenset(
    "the a an that this it one thing things entry record item file stuff details status data "
    "info in on for of mal bitte please le la les l ce cet cette celui celle ca cela truc chose "
    "fiche entree enregistrement dans pour de du des d statut infos donnees el lo los las eso "
    "esto ese esa aquello cosa registro ficha entrada en del para estado datos das den die dem "
    "der es eintrag datensatz ding sache bei im fur doch einfach schnell me moi mir us nous uns "
    "nos ein dies ceci esto".split()
)
# a tag after it, which names nothing ("…, ¿vale?", "…, du weißt schon", "…, you know")
_TAGS = frozenset(
    "ok okay vale you know tu vois sais du weisst schon sabes ya right gell oder hein quoi "
    "porfa please bitte".split()
)
# the thing said as the one talked about ("…, the one we talked about yesterday", "le truc
# dont on a parlé ce matin", "lo que hablamos", "das, worüber wir geredet haben")
_TALKED_OF = re.compile(
    r"^(?:the one |that |celui |celle |ce |lo |eso |das )?(?:we|i|on|que|dont on|von dem|woruber)"
    r"\b.*\b(?:talked|discussed|said|mentioned|parle|dit|discute|hablamos|dijimos|comentamos|"
    r"geredet|gesprochen|besprochen)\b"
)

_TALKED_OF_INSIDE = re.compile(
    r"\b(?:(?:that|which) (?:we|i)|we|dont on|dont|que|von dem|woruber|das wir)\b.*\b(?:talked|"
    r"discussed|mentioned|parle|discute|hablamos|dijimos|comentamos|geredet|gesprochen|"
    r"besprochen)\b"
)


# a change's verb first, past fillers and politeness (a generic project's request)
_ORDERED = re.compile(
    r"\W*(?:(?:ok|okay|so|please|bitte|por favor|can you|could you|would you|peux-tu|tu peux|"
    r"pourrais-tu|puedes|podrias|kannst du|euh|um|uh|eh|ahm|hey|alors|bueno|also|na|mal)\W+)*"
    r"(?:set|update|change|move|push|bump|raise|lower|cut|add|record|log|register|mark|pay|"
    r"approve|submit|reorder|order|book|cancel|send|put|delay|postpone|increase|decrease|reduce|"
    r"note|fixe|mets|passe|decale|avance[rz]?|repousse|augmente|baisse|reduis|ajoute|enregistre|"
    r"valide|soumets|envoie|annule|paie|regle|marque|fija|pon|sube|baja|aumenta|recorta|anade|"
    r"apunta|registra|aprueba|envia|manda|cancela|paga|marca|mueve|adelanta|retrasa|setz\w*|"
    r"stell\w*|erhoh\w*|senk\w*|kurz\w*|streich\w*|trag|buch\w*|bezahl\w*|markier\w*|"
    r"verschieb\w*|schick\w*|storniere|freigeben|gib)\b"
)


_FILLERS = re.compile(r"\b(?:um+|uh+|euh+|eh|ahm|ah|er+m?|hum|ahem|also|alors|bueno|pues)\b,?")
_BREAK = re.compile(
    r"[,;:.!?\u2026]|\b(?:while|mientras|pendant que|wahrend|because|car|parce que|porque|weil|"
    r"since|then|puis|luego|dann)\b"
)
# the speaker's own self as what the verb acts on ("lower your voice", "mets-toi à ma place",
# "buch dir mal Urlaub", "trag es mit Fassung", "cut it out")
_PERSONAL = re.compile(
    # (or the speaker, told something: "envoie-moi les chiffres d'Orion", "gib mir die Zahlen")
    r"^\W*\S+(?:-toi|-te|-vous|-moi|-nous)\b|^\W*\S+ (?:\S+ )?(?:me|mir|mich|moi|nos|uns|"
    r"your|you|yourself|dich|dir|du|dein\w*|toi|"
    r"ta|ton|tes|votre|vos|te|tu|tus|it|es|la voz|le culo|el culo|gas)\b"
)


# a remark, a greeting or a take-back, not a change ("Atlas, cancel that, I was just thinking
# out loud", "Helios: send help lol", "schick Grüße ans Helios-Team", "mark my words")
_REMARK = re.compile(
    r"\b(?:cancel that|never mind|pay no attention|mark my words|send (?:help|my love|love)|"
    r"thinking out loud|lol|haha|an example|greetings?|gr(?:u|ue)sse|saludos|bisous?|"
    r"un antes y un despues|note bien|marque mes mots|just kidding|je rigole|es broma|"
    r"thank\w*|merci|gracias|danke|attention|atencion|aufmerksam\w*|flowers|fleurs|flores|"
    r"blumen|the bar|la barre|el liston)\b"
)


def _said_of_it(text: str, project_id: str | None) -> bool:
    """Whether a change is said of the project: it is addressed first ("Atlas: …", "Pour
    Helios, …") or named in the request's own clause ("décale le lancement de la campagne
    helios …"), and the verb acts on no one ("baja la voz, estamos hablando de Orion", "gib
    Gas, Apollo muss raus", "stell dich nicht so an wegen Atlas")."""
    if not project_id:
        return False
    name = re.escape(fold(project_id))
    folded = _FILLERS.sub(" ", fold(text))
    said = _without_project(text, project_id)
    if _PERSONAL.search(_FILLERS.sub(" ", said).strip()) or _REMARK.search(said):
        return False
    if re.match(rf"\W*(?:(?:for|pour|para|bei|en|in|im|fur|dans)\s+)?{name}\b\s*[:,]", folded):
        return True
    own = _BREAK.split(re.sub(r"\s+", " ", folded).strip(), maxsplit=1)[0]
    return re.search(rf"\b{name}\b", own) is not None


def _ordered(said: str) -> bool:
    """Whether ``said`` (folded, its project left out) opens with a change's verb."""
    return _ORDERED.match(said) is not None


def _change_unsaid(said: str) -> bool:
    """Whether ``said`` (folded, its project left out) asks for a change and names neither
    the thing nor a value ("update the record in orion", "Ändere den Eintrag in Helios",
    "update the Orion thing, the one we talked about"; not "update the budget to 30000", "update
    the phone number on the Pichler record", "update the record, the client called back").

    >>> _change_unsaid("update the record"), _change_unsaid("change the budget to 25000")
    (True, False)
    """
    found = _CHANGE_FIRST.match(said)
    if found is None or _VALUE_SAID.search(said, found.end()) is not None:
        return False
    head, *rest = re.split(r"[,.;!?\u2026]+", said[found.end() :], maxsplit=1)
    tail = rest[0].strip() if rest else ""
    talked = _TALKED_OF_INSIDE.search(head)
    head = head[: talked.start()] if talked is not None else head  # "le truc dont on a parlé"
    return _VAGUE.issuperset(re.findall(r"\w+", head)) and (
        not tail
        or _TALKED_OF.match(tail) is not None
        or (_VAGUE | _TAGS).issuperset(re.findall(r"\w+", tail))
    )


class PackExpert:
    """Matches text to the nearest example utterances of the domain's pack (k nearest)."""

    def __init__(
        self,
        packs: Sequence[DomainPack],
        *,
        encoder: Encoder | None = None,
        intent_threshold: float = 0.18,
        smalltalk_threshold: float = 0.45,
        k: int = 3,
    ) -> None:
        self.packs = list(packs)
        self.encoder = encoder or HashingEncoder()
        self.intent_threshold = intent_threshold
        self.smalltalk_threshold = smalltalk_threshold
        self.k = k
        self.version = f"pack-expert-v1/{self.encoder.version}"
        self._pack_of = packs_by_domain(self.packs)
        rows: list[tuple[DomainPack, IntentSpec, str]] = [
            (pack, intent, example)
            for pack in self.packs
            for intent in pack.intents
            if not intent.grounded  # those resolve against the state: GroundedExpert
            for example in intent.utterances
        ]
        self._rows = rows
        self._smalltalk_phrases = smalltalk_phrases(self.packs)
        self._smalltalk_choices = Choices(list(self._smalltalk_phrases))
        self._openers = Openers(self._smalltalk_phrases)
        self.smalltalk_openers = self._openers.first_words
        self._masks: dict[
            tuple[frozenset[str], tuple[str, ...] | None],
            tuple[npt.NDArray[np.bool_] | None, tuple[int, int]],
        ] = {}
        self.encoder.fit([r[2] for r in rows])
        self._last_query: tuple[str, Query] | None = None
        self._vecs = VectorIndex.of(self.encoder, [r[2] for r in rows])
        # the searches events make (small talk; a domain's intents, all or by task type),
        # prepared now: the first event of each kind would otherwise pay for them
        for domains in [{"_common"}, *({d} for pack in self.packs for d in pack.covers)]:
            for task_types in (None, ("ephemeral",), ("stateful",)):
                _, span = self._mask(domains, task_types)
                if span[0] < span[1]:
                    self._vecs.prepare(span)

    def _query(self, text: str) -> Query:
        # one event asks up to four times (small talk, intent, question/command re-checks)
        if self._last_query is None or self._last_query[0] != text:
            self._last_query = (text, query_of(self.encoder, text))
        return self._last_query[1]

    def pack_for(self, domain: str | None) -> DomainPack | None:
        """The pack serving a domain."""
        return self._pack_of.get(domain) if domain is not None else None

    def _mask(
        self, domains: set[str], task_types: tuple[str, ...] | None
    ) -> tuple[npt.NDArray[np.bool_] | None, tuple[int, int]]:
        """Which examples a search of ``domains`` (and ``task_types``) reads, within the span
        of rows that holds them all (None: every row of the span; an empty span: none)."""
        key = (frozenset(domains), task_types)
        found = self._masks.get(key)
        if found is None:
            full = np.array(
                [
                    bool(set(r[0].covers) & domains)
                    and (task_types is None or r[1].task_type in task_types)
                    for r in self._rows
                ],
                dtype=bool,
            )
            rows = np.flatnonzero(full)
            # a pack's examples are contiguous: search only the span that holds the mask
            span = (int(rows[0]), int(rows[-1]) + 1) if len(rows) else (0, 0)
            mask = full[span[0] : span[1]]
            found = (None if mask.all() else mask, span)
            self._masks[key] = found
        return found

    def nearest(
        self,
        text: str,
        domains: set[str],
        *,
        task_types: tuple[str, ...] | None = None,
        at_least: float | None = None,
    ) -> tuple[DomainPack, IntentSpec, float] | None:
        """The best intent among packs covering ``domains``, by weighted k-NN vote (None
        too when no example is ``at_least`` that similar: the vote could not reach it)."""
        mask, span = self._mask(domains, task_types)
        if span[0] == span[1]:
            return None
        sims = self._vecs.similarities(self._query(text), span)
        if mask is not None:
            sims = np.where(mask, sims, -1.0)
        if at_least is not None and float(sims.max()) < at_least:
            return None  # cheaper than sorting hundreds of examples for a vote not taken
        votes: dict[str, float] = {}
        best: dict[str, tuple[DomainPack, IntentSpec, float]] = {}
        for i in np.argsort(-sims)[: self.k]:
            sim = float(sims[i])
            if sim <= 0:
                continue
            pack, intent, _ = self._rows[span[0] + i]
            votes[intent.id] = votes.get(intent.id, 0.0) + sim
            if intent.id not in best or best[intent.id][2] < sim:
                best[intent.id] = (pack, intent, sim)
        if not votes:
            return None
        return best[max(votes, key=lambda k: (votes[k], k))]

    def smalltalk_prefix(self, text: str) -> tuple[IntentSpec, float] | None:
        """A small-talk phrase of two words or more that opens ``text`` ("thank you so much
        for …", "never mind I'll …")."""
        intent = self._openers.opening(fold(text))
        return (intent, 0.5) if intent is not None else None

    def smalltalk(self, text: str) -> tuple[IntentSpec, float] | None:
        """A no-task intent of the shared pack, when the text is short small talk (a
        misspelt short one too: "thnaks a lot", "nevermnid")."""
        toks = words(text)
        n = len(toks)
        if n > 10:
            return None
        # a question is small talk only when it is close to one ("how are you?"), not when it
        # merely shares a word with one ("am I free tomorrow afternoon"); a longer sentence
        # only when it is close to one ("sorry, I was talking to my daughter")
        needed = self.smalltalk_threshold + (0.15 if is_question(text, toks) else 0.0)
        needed += 0.2 if n > 6 else 0.0
        found = self.nearest(text, {"_common"}, at_least=needed)
        if found is not None and found[2] >= needed:
            return found[1], found[2]
        if n <= 4 and self._smalltalk_phrases:
            near = self._smalltalk_choices.best(fold(text), 85)
            if near is not None:
                return self._smalltalk_phrases[near[0]], near[1] / 100
        return None

    def propose(self, routed: RoutedEvent) -> Proposal:
        """A formation for ``routed`` (a project is assumed resolved)."""
        event = routed.event
        pack = self.pack_for(routed.domain_id)
        found = self.nearest(event.text, {routed.domain_id or ""}) if pack else None
        reads = bool(_READS.match(fold(event.text)))
        if found is not None and found[1].task_type == "stateful" and (reads or _asks(routed)):
            # a question changes nothing: prefer the domain's read-only intents
            domain = {routed.domain_id or ""}
            found = self.nearest(event.text, domain, task_types=("ephemeral",)) or found
        elif found is not None and found[1].task_type == "ephemeral" and is_command(event.text):
            # an imperative change ("set the status to red") is not a question about it
            domain = {routed.domain_id or ""}
            changing = self.nearest(event.text, domain, task_types=("stateful",))
            if changing is not None and changing[2] >= self.intent_threshold:
                found = changing
        mutating = bool(set(words(event.text)) & _MUTATING) and not is_question(event.text)
        setting = (
            next(
                (
                    i
                    for i in pack.intents
                    if i.task_type == "stateful" and "value" in i.required_slots
                ),
                None,
            )
            if pack
            else None
        )
        if setting is not None and _change_unsaid(_without_project(event.text, routed.project_id)):
            # "update the Orion entry": a change of something, to nothing said
            return Proposal.read_only(
                setting,
                found[2] if found else 0.0,
                ["a change asked, neither what nor to what said"],
                decision="clarification",
                reply=reply_text("what_change", routed.language or "en"),
                reason_code="missing_slot:value",
            )
        recording = (
            next(
                (i for i in pack.intents if i.task_type == "stateful" and not i.required_slots),
                None,
            )
            if pack and setting is not None
            else None
        )
        if (
            pack is not None
            and recording is not None
            and (
                found is None
                or found[2] < self.intent_threshold
                or found[1].task_type != "stateful"
            )
            and _ordered(_without_project(event.text, routed.project_id))
            and _said_of_it(event.text, routed.project_id)
            and not _asks(routed)
        ):
            # "décale le lancement de la campagne helios au lundi 7 à 10 h", "Streich bei Helios
            # die Anzeigen für nächste Woche": a change asked in words no example has, recorded
            # as asked for the project's people, not answered as a question
            found = (pack, recording, max(found[2] if found else 0.0, self.intent_threshold))
        if found is None or found[2] < self.intent_threshold:
            risk = ["mutation requested without a matching intent: investigating only"]
            return Proposal(
                decision="ephemeral",
                confidence=found[2] if found else 0.0,
                steps=["ssot.read", "text.summarize"],
                tools=["ssot"],
                risk_flags=risk if mutating else [],
                assumptions=["no intent of the domain pack matched; read-only investigation"],
            )
        pack, intent, similarity = found
        notes = [f"matched intent {intent.id} (similarity {similarity:.2f})"]
        if intent.task_type == "no_task":
            return Proposal.read_only(
                intent,
                similarity,
                notes,
                decision="no_task",
                reply=intent.reply or "No task needed.",
            )
        if intent.task_type == "ephemeral":
            return Proposal.read_only(intent, similarity, notes)
        said = _unaddressed(event.text, routed.project_id)
        slots = extract_slots(pack, said)
        if isinstance(slots.get("field"), str):
            lang = language_of(routed).lang
            _field_of_project(
                slots,
                routed.project_id,
                said,
                lang if lang in SUPPORTED else "en",
                event.occurred_at,
                pack.timezone,
            )
        missing = [s for s in intent.required_slots if s not in slots]
        instead = next((i for i in pack.intents if i.id == intent.otherwise), None)
        bare = bool(missing) and _BARE_CHANGE.match(said) is not None
        if bare and "value" in missing:
            missing = ["value"]  # the thing to change is said (as no field: no "to" follows)
        if missing and instead is not None and not _asks(routed) and not bare:
            # "raise the ad budget by ten percent": no field and value to set, but a request
            # the project's people act on: recorded as asked
            note = f"no {' or '.join(missing)} to set: {instead.id}"
            intent, missing = instead, [s for s in instead.required_slots if s not in slots]
            notes = [*notes, note]
        slots.setdefault("text", event.text)
        slots.setdefault("occurred_at", event.occurred_at.isoformat())
        slots.setdefault("new_id", uuid.uuid5(_REQUESTS, event.source_event_id).hex[:8])
        if missing:
            return Proposal.read_only(
                intent,
                similarity,
                notes,
                decision="clarification",
                slots=slots,
                reply=f"I need the {missing[0].replace('_', ' ')} to do that ({intent.id}).",
                reason_code=f"missing_slot:{missing[0]}",
            )
        try:
            patch = render_patch(intent.patch or [], slots)
        except MissingSlot as exc:
            return Proposal.read_only(
                intent,
                similarity,
                notes,
                decision="stateful",
                slots=slots,
                patch_error=f"patch template needs slot {exc.slot!r}",
            )
        return Proposal.read_only(
            intent,
            similarity,
            notes,
            decision="stateful",
            slots=slots,
            patch=patch,
            patch_error=validate_patch(patch),
        )


# a word or phrase asked in another language ("¿cómo se dice «gracias» en galés?")
_SAYING = re.compile(
    r"\b(?:how do you say|comment (?:on dit|dit-on)|como se dice|wie sagt man|"
    r"was (?:heisst|bedeutet)|what(?:'s| is) the \w+ for)\b"
)
# a scene or a mode named: a home's request, whatever greeting its name holds
_SCENE_SAID = re.compile(
    r"\b(?:scenes?|szene|escena|scene|modus|modo|routine|rutina|ambiance|stimmung)\b|"
    r"\w+(?:szene|modus)\b|\bmode (?:bonne nuit|nuit|cinema)\b|\bbedtime\b"
)
# (compiled once: ``re.search(pattern, …)`` looks its pattern up in re's cache at each call)
_CLAUSE_MARK = re.compile(r"[,;:!\u2014\u2013]")
_CLAUSE_SPLIT = re.compile(r"[,;:!\u2014\u2013]| - ")
_DONE = re.compile(r"\b(?:j'ai|i'?ve|i have|ya (?:he|hemos)|he \w+ado|hab\w*|bin)\b")
_STOPS = re.compile(r"\b(?:stop\w*|arrete\w*|para|halt|abbrechen|cancel\w*|annule\w*|cancela\w*)\b")


def _changes(said: str, lang: str) -> bool:
    """Whether a short utterance asks for a change of a value (on, off, warmer, brighter)."""
    if len(words(said)) > 4:
        return False
    c = clean(said, lang if lang in SUPPORTED else "en")
    return switch(c) is not None or delta(c) is not None


def _asks(routed: RoutedEvent) -> bool:
    """Whether the event asks a question, its project named first or not ("atlas, how many
    pallets are in stock")."""
    text = routed.event.text
    lang = routed.language if routed.language in SUPPORTED else "en"
    said = clean(text, lang or "en")
    if routed.project_id:
        lead = rf"^\W*(?:(?:for|pour|para|bei|en|in|im)\s+)?{re.escape(routed.project_id)}\b[\s,:]*"
        said = replace(said, folded=re.sub(lead, "", said.folded))
    if is_question(text) and not is_polite_request(said):
        return True  # "could you push the apollo submission to friday?" asks for a change
    return is_question_in(said)


_REQUESTS = uuid.UUID("6f1d3c2a-8e4b-4f7a-b1c9-0d2e5a7f9b31")  # ids of recorded requests


@dataclass(frozen=True)
class ReviewPolicy:
    """When the threshold review runs (Skyra §8)."""

    min_confidence: float = 0.6
    min_asr_confidence: float = 0.5
    max_patch_ops: int = 5  # changes (a bulk intent's same change to many items counts once)
    max_patch_items: int = 50  # ops in all, however uniform ("every light off" is 13 here)
    max_systems: int = 2
    version: str = "review-policy-v1"


# The policy reviewer's notes and a task's hold reasons, as templates: English on the records
# (one language for the audit trail), in the event's language in the reply the user gets.
# ``{x}`` is what is quoted as it is: paths, the words heard, a patch error, the conflicts.
NOTE_WHOLE_STATE = "the patch would replace the whole project state"
NOTE_PROTECTED = "protected path(s): {x}"
NOTE_MISHEARD = "I may have misheard: did you say {x}?"
NOTE_UNCLEAR = "a change to project state needs an unambiguous, confident request"
NOTE_BROAD = "the patch changes too much at once; please confirm it in parts"
HOLD_NO_PATCH = "patch generation pending: no patch"
HOLD_PATCH = "patch generation pending: {x}"
HOLD_CONFLICT = "unresolved dependency conflict: {x}"
_EXPLAINED: dict[str, dict[str, str]] = {
    NOTE_WHOLE_STATE: {
        "fr": "la modification remplacerait tout l'état du projet",
        "es": "el cambio reemplazaría todo el estado del proyecto",
        "de": "die Änderung würde den ganzen Projektzustand ersetzen",
    },
    NOTE_PROTECTED: {
        "fr": "chemin(s) protégé(s) : {x}",
        "es": "ruta(s) protegida(s): {x}",
        "de": "geschützte(r) Pfad(e): {x}",
    },
    NOTE_MISHEARD: {
        "fr": "j'ai peut-être mal entendu : avez-vous dit {x} ?",
        "es": "puede que le haya oído mal: ¿ha dicho {x}?",
        "de": "vielleicht habe ich mich verhört: haben Sie {x} gesagt?",
    },
    NOTE_UNCLEAR: {
        "fr": "pour modifier l'état du projet, il me faut une demande claire et sûre",
        "es": "para cambiar el estado del proyecto necesito una petición clara y segura",
        "de": "um den Projektzustand zu ändern, brauche ich eine eindeutige, sichere Anfrage",
    },
    NOTE_BROAD: {
        "fr": "la modification change trop de choses à la fois ; confirmez-la par parties",
        "es": "el cambio modifica demasiado a la vez; confírmelo por partes",
        "de": "die Änderung betrifft zu viel auf einmal; bitte bestätigen Sie sie in Teilen",
    },
    HOLD_NO_PATCH: {  # (before the template it is a case of: the first that fits is used)
        "fr": "modification en cours de préparation : aucune modification encore",
        "es": "cambio pendiente de preparar: todavía no hay ningún cambio",
        "de": "Änderung wird noch erstellt: noch keine Änderung",
    },
    HOLD_PATCH: {
        "fr": "modification en cours de préparation : {x}",
        "es": "cambio pendiente de preparar: {x}",
        "de": "Änderung wird noch erstellt: {x}",
    },
    HOLD_CONFLICT: {
        "fr": "conflit de dépendances non résolu : {x}",
        "es": "conflicto de dependencias sin resolver: {x}",
        "de": "ungelöster Abhängigkeitskonflikt: {x}",
    },
}
_TEMPLATES = [
    (re.compile(re.escape(t).replace(re.escape("{x}"), "(?P<x>.*)"), re.DOTALL), t)
    for t in _EXPLAINED
]


def explained(note: str, lang: str) -> str:
    """``note`` (a policy reviewer's note or a hold reason, as recorded in English) in
    ``lang``; English, or a note of no known template (a model reviewer's own words), as
    it is.

    >>> explained("protected path(s): /alarm", "fr")
    'chemin(s) protégé(s) : /alarm'
    >>> explained("the model reviewer says no", "de")
    'the model reviewer says no'
    """
    if lang == "en":
        return note
    for pattern, template in _TEMPLATES:
        if (m := pattern.fullmatch(note)) is not None:
            said = _EXPLAINED[template].get(lang)
            if said is None:
                return note
            return said.replace("{x}", m.group("x")) if "{x}" in said else said
    return note


class Reviewer(Protocol):
    """Decides a reviewed formation: approve, revise, clarification required or reject."""

    version: str

    def review(
        self, proposal: Proposal, routed: RoutedEvent, triggers: list[str], pack: DomainPack | None
    ) -> tuple[Review, Proposal]: ...


class PolicyReviewer:
    """A deterministic reviewer; a model-backed one can replace it through :class:`Reviewer`."""

    version = "policy-reviewer-v1"

    def review(
        self, proposal: Proposal, routed: RoutedEvent, triggers: list[str], pack: DomainPack | None
    ) -> tuple[Review, Proposal]:
        """The verdict, and the proposal as revised."""
        notes: list[str] = []
        protected = set(pack.protected_paths) if pack else set()
        touched = {str(op.get("path")) for op in proposal.patch or []}
        if "" in touched or "/" in touched:
            outcome = "reject"
            notes.append(NOTE_WHOLE_STATE)
        elif touched & protected:
            outcome = "reject"
            notes.append(NOTE_PROTECTED.format(x=", ".join(sorted(touched & protected))))
        elif "invalid_patch" in triggers:
            outcome = "revise"
            notes.append(f"patch invalid ({proposal.patch_error}); patch generation requested")
            proposal = replace(proposal, patch=None)
        elif proposal.decision == "stateful" and "low_asr_confidence" in triggers:
            outcome = "clarification_required"
            notes.append(NOTE_MISHEARD.format(x=repr(routed.event.text)))
        elif proposal.decision == "stateful" and (
            "ambiguous_wording" in triggers or "low_routing_confidence" in triggers
        ):
            outcome = "clarification_required"
            notes.append(NOTE_UNCLEAR)
        elif "broad_patch_scope" in triggers:
            outcome = "clarification_required"
            notes.append(NOTE_BROAD)
        else:
            outcome = "approve"
            notes += [f"{t}: acceptable for a {proposal.decision} task" for t in triggers]
        return Review(
            outcome=outcome, triggers=triggers, reviewer=self.version, notes=notes
        ), proposal


@dataclass(frozen=True)
class Formation:
    """What the former decided: a task (possibly held), a reply, or both."""

    decision: str
    task: TaskObject | None
    reply: Reply | None
    intent_id: str | None = None
    slots: dict[str, Any] = field(default_factory=dict)  # e.g. the candidates asked about


class Former:
    """Forms routed events into task objects; pure and deterministic."""

    def __init__(
        self,
        registry: ProjectRegistry,
        packs: Sequence[DomainPack] = (),
        *,
        min_confidence: float,
        expert: Expert | None = None,
        reviewer: Reviewer | None = None,
        policy: ReviewPolicy | None = None,
        fragment_window_s: float = 4.0,
        semantic: Encoder | None = None,
    ) -> None:
        self.registry = registry
        self.packs = list(packs)
        self.min_confidence = min_confidence
        self.pack_expert = PackExpert(self.packs) if self.packs else None
        grounded = any(i.grounded for p in self.packs for i in p.intents)
        self.grounded = (
            GroundedExpert(self.packs, self.pack_expert, semantic=semantic) if grounded else None
        )
        self.expert: Expert | None = expert or self.grounded or self.pack_expert
        self.reviewer: Reviewer = reviewer or PolicyReviewer()
        self.policy = policy or ReviewPolicy()
        self.fragment_window_s = fragment_window_s
        # each pack's bulk intents (a review reads it for every task)
        self._bulk_intents = {
            id(pack): frozenset(i.id for i in pack.intents if i.bulk) for pack in self.packs
        }
        self._fragments: OrderedDict[str, RawEvent] = OrderedDict()

    @property
    def _expert_version(self) -> str:
        return self.expert.version if self.expert else "rules"

    def observe(self, project_id: str, version: int, state: Any) -> None:
        """Give the expert a project's current SSOT state (its inventory grounds slots)."""
        project = self.registry.get(project_id)
        if self.grounded is not None and project is not None:
            self.grounded.observe(project_id, project.domain, version, state)

    def form(self, routed: RoutedEvent, now: datetime) -> Formation:
        """Form one routed event.

        A fragment of a voice utterance ("turn off the") gets its clarification and is kept
        for its session; the session's next event within ``fragment_window_s`` (by the
        events' own times) is formed together with it ("… kitchen lights") when that forms a
        task. The same records in the same order merge the same way.
        """
        event = routed.event
        pending = self._fragments.get(event.session_id)
        formation: Formation | None = None
        if (
            pending is not None
            and event.kind == "user_action"
            and _OWN_REQUEST.match(fold(event.text))
        ):
            # a request of its own, with its own verb ("lock the shop door" after "Laden
            # auf"), is no fragment's end when it forms a task alone; "21 degrees", "friday
            # at 3", "kitchen lights" after a fragment are
            formation = self._form(routed, now)
        if (
            pending is not None
            and (formation is None or formation.task is None)
            and event.kind == "user_action"
            and pending.source_event_id != event.source_event_id
            and 0
            <= (event.occurred_at - pending.occurred_at).total_seconds()
            <= self.fragment_window_s
        ):
            text = f"{pending.text.rstrip(' .…')} {event.text}"
            merged = routed.model_copy(update={"event": event.model_copy(update={"text": text})})
            joined = self._form(merged, now)
            if joined.task is not None:
                note = f"merged with fragment {pending.source_event_id}: {pending.text!r}"
                task = joined.task.model_copy(
                    update={"assumptions": [*joined.task.assumptions, note]}
                )
                self._fragments.pop(event.session_id, None)
                return replace(joined, task=task)
        if formation is None:
            formation = self._form(routed, now)
        if event.kind == "user_action" and formation.task is None and is_fragment(event.text):
            self._fragments[event.session_id] = event
            self._fragments.move_to_end(event.session_id)
            while len(self._fragments) > 10_000:
                self._fragments.popitem(last=False)
        elif pending is not None and pending.source_event_id != event.source_event_id:
            self._fragments.pop(event.session_id, None)
        return formation

    def _form(self, routed: RoutedEvent, now: datetime) -> Formation:
        event = routed.event
        tokens = words(event.text)
        if event.kind == "user_action":
            if not tokens:
                return self._reply(routed, "no_task", "No task needed.", now, "empty")
            lang = language_of(routed)
            said = clean(event.text, lang.lang if lang.supported else "en").text
            # "cancel the yoga", "good night mode": about a thing, whatever small talk it
            # resembles; asked first, it spares the small-talk search of most requests (the
            # item look-up is the one the expert makes next, remembered by the inventory)
            small = (
                self.pack_expert.smalltalk(said)
                if self.pack_expert
                and said
                and not (
                    self.grounded is not None
                    and not _TAKEN_BACK.search(fold(said))
                    and self.grounded.names_item(said, routed.project_id, lang.lang)
                )
                else None
            )
            if small is not None and small[0].id == "cancel" and _names_thing(said):
                small = None  # "cancel the appointment", "annule le truc de demain": which one
            if (
                small is not None
                and small[0].id in ("thanks", "acknowledge")
                and len(parts := _CLAUSE_SPLIT.split(said, maxsplit=1)) == 2
                and (asked := ASKING.search(fold(parts[1]))) is not None
                and asked.group(0) != "?"  # (not "eres un crack, ¿lo sabías?")
            ):
                small = None  # "thanks, now lock the door": which door, not "you're welcome"
            if (
                small is not None
                and small[0].id in ("cancel", "greeting", "goodbye")
                and _OPENS_REQUEST.match(fold(said))
                and not _TAKEN_BACK.search(fold(said))
                and self.grounded is not None
                and self.grounded.names_item(said, routed.project_id, lang.lang, floor=0.7)
            ):
                small = None  # "annule le cours", "cancel yoga tomorrow evening": an event
            if small is not None and small[0].id in ("goodbye", "greeting") and names_kind(said):
                small = None  # "gute Nacht Szene aktivieren": the scene, not a goodbye
            if (
                small is not None
                and small[0].id == "greeting"
                and len(parts := _CLAUSE_SPLIT.split(said, maxsplit=1)) == 2
                and ASKING.match(fold(parts[1]).strip())
            ):
                small = None  # "buenos días, enciende la cafetera": the request after it
            if (
                small is not None
                and not (small[0].id == "cancel" and _STOPS.search(fold(said)))  # "stopp, lass das"
                and small[1] < 0.9
                and _changes(said, lang.lang)
            ):
                small = None  # "mach's heller", "mets plus chaud": a change, of what is asked
            if small is None and self.pack_expert is not None and said:
                small = self._leading_smalltalk(said, routed)  # "thanks, the porch light is great"
            if small is not None:
                text = small[0].reply_in(lang.lang) or "No task needed."
                return self._reply(routed, "no_task", text, now, "smalltalk", small[0].id)
            remark = fold(event.text)
            if weather_outside(remark) and not (
                self.grounded is not None
                and self.grounded.names_item(said, routed.project_id, lang.lang)
            ):
                # "brr, minus twelve outside": the weather told, whichever project it brushes
                told = reply_text("weather", lang.lang if lang.supported else "en")
                return self._reply(routed, "no_task", told, now, "smalltalk", "weather")
            if pet_resting(remark) or (
                amazed_remark(remark)
                and not (
                    self.grounded is not None
                    and self.grounded.names_item(
                        said, routed.project_id, lang.lang, floor=0.7, whole=True
                    )
                )
            ):
                # "the cat's asleep on the warm towels again": a story, not the towel rail's
                told = reply_text("told", lang.lang if lang.supported else "en")
                return self._reply(routed, "no_task", told, now, "smalltalk", "told")
            if (
                lang.supported
                # (not "atlas: log that the pallets came in": told to a project by its name)
                and (routed.project_id is None or routed.project_id not in words(remark))
                and told_story(clean(event.text, lang.lang), leading=True)
                and outside_request(remark) is None  # "mándale un WhatsApp … que ya llegamos"
                and not (
                    self.grounded is not None
                    and self.grounded.names_item(
                        said, routed.project_id, lang.lang, floor=0.7, whole=True
                    )
                )
            ):
                # "Caramel's been a right diva all morning": told, whichever project its
                # names brush (a thing of it named in full may be told to be acted on)
                told = reply_text("told", lang.lang)
                return self._reply(routed, "no_task", told, now, "smalltalk", "told")
            sure_project = routed.project_id is not None and routed.routing_confidence >= 0.9
            if (
                not lang.supported
                and lang.confidence >= 0.6
                and len(tokens) >= 3
                and not sure_project
                and not (
                    self.grounded and self.grounded.names_item(said, routed.project_id, lang.lang)
                )
            ):
                return self._reply(
                    routed,
                    "clarification",
                    reply_text("unsupported", "en"),
                    now,
                    f"unsupported_language:{lang.lang}",
                )
        confident = (
            routed.project_id is not None and routed.routing_confidence >= self.min_confidence
        )
        if not confident and event.kind == "user_action" and negated_request(event.text):
            # "don't turn off the porch light yet": nothing to change, whichever project
            lang_code = language_of(routed).lang
            return self._reply(
                routed, "no_task", reply_text("unchanged", lang_code), now, "negated_request"
            )
        if not confident:
            said_lang = lang_code if (lang_code := (routed.language or "en")) in SUPPORTED else "en"
            folded = fold(event.text) if event.kind == "user_action" else ""
            if said_alone(DISMISSED, folded, at_start=True) or (
                # (as cleaned too: "ah este no déjalo déjalo" is "ah olvídalo")
                folded
                and said_alone(DISMISSED, fold(clean(event.text, said_lang).text), at_start=True)
            ):
                # "sorry, wrong button": called off, whichever project
                unchanged = reply_text("unchanged", language_of(routed).lang)
                return self._reply(routed, "no_task", unchanged, now, "smalltalk", "cancel")
            if said_alone(WISHES, folded, at_start=True):
                wishes = reply_text("wishes", said_lang)
                return self._reply(routed, "no_task", wishes, now, "smalltalk", "greeting")
            if DONE_MYSELF.match(folded) or already_done(folded):
                # "I already turned the porch light off myself", "I was going to ask you to
                # lock up, but Sam already did": nothing left to do
                unchanged = reply_text("unchanged", said_lang)
                return self._reply(routed, "no_task", unchanged, now, "already_done")
            if HOW_ARE_YOU.match(folded):
                told = reply_text("how_are_you", said_lang)
                return self._reply(routed, "no_task", told, now, "smalltalk", "greeting")
            if vented(folded):
                # "boah, war das ein Tag": a long day told, of no project's business
                told = reply_text("venting", said_lang)
                return self._reply(routed, "no_task", told, now, "smalltalk", "venting")
            if chatted(folded):
                # "what a day for the hills", "tu sais que j'ai fait le Cervin onze fois ?"
                key = "night" if off_to_bed(folded) else "chat"
                told = reply_text(key, said_lang)
                return self._reply(routed, "no_task", told, now, "smalltalk", key)
            if said_alone(PRAISE, folded):
                # "qué bonita ha quedado la casa": a compliment, of no project's business
                return self._reply(
                    routed, "no_task", reply_text("praise", said_lang), now, "praise"
                )
            outside = outside_request(folded) if event.kind == "user_action" else None
            if outside is not None:
                # "book me a taxi", "play some jazz in the kitchen": no project's, and said so
                what = OUTSIDE_WHAT[outside]
                told = reply_text("outside", said_lang, what=what.get(said_lang, what["en"]))
                return self._reply(routed, "clarification", told, now, f"out_of_scope:{outside}")
            if event.kind == "user_action" and told_story(clean(event.text, said_lang)):
                # "Anna hat heute den Malwettbewerb gewonnen!": told, of no project's business
                told = reply_text("told", said_lang)
                return self._reply(routed, "no_task", told, now, "smalltalk", "told")
            if event.kind == "user_action" and is_question_in(clean(event.text, said_lang)):
                conservative = Proposal(
                    decision="ephemeral",
                    confidence=routed.routing_confidence,
                    steps=["text.summarize"],
                    risk_flags=["no_domain_match: answered without project state"],
                    assumptions=["no project matched confidently; conservative read-only path"],
                )
                task = self._task(routed, conservative, now, None, None)
                return Formation("ephemeral", task, None)
            names = ", ".join(c.project_id for c in routed.top_candidates)
            code = "no_domain_match" if routed.project_id is None else "low_confidence"
            code_lang = language_of(routed).lang
            return self._reply(
                routed,
                "clarification",
                reply_text("which_project", code_lang, names=names)
                if names
                else reply_text("no_project", code_lang),  # "order me a pizza"
                now,
                code,
            )
        if (
            event.kind == "user_action"
            and EARLIER_TALK.search(folded_text := fold(event.text))
            # (what a new reminder or item is about: "remind me to follow up on what we
            # discussed", "erinnere mich an das, was wir besprochen haben")
            and not REMIND_ME.match(folded_text)
            and not _MAKES_NEW.match(folded_text)
            and not ID_SAID.search(folded_text)
            and not (
                self.grounded is not None
                and self.grounded.names_item(event.text, routed.project_id, floor=0.7)
            )
        ):
            # "Apollo, that thing we talked about yesterday, can you change it?": which thing
            # is in no state and in no word of the request
            said_in = language_of(routed).lang
            return self._reply(
                routed, "clarification", reply_text("earlier", said_in), now, "missing_slot:target"
            )
        proposal = self._propose(routed)
        if proposal.decision in ("no_task", "clarification"):
            return self._reply(
                routed,
                proposal.decision,
                proposal.reply or "Please clarify.",
                now,
                proposal.reason_code or "no_task_intent",
                proposal.intent_id,
                dict(proposal.slots),
            )
        pack = self.pack_expert.pack_for(routed.domain_id) if self.pack_expert else None
        dependencies = self._dependencies(proposal, pack)
        review: Review | None = None
        triggers = self._triggers(proposal, routed)
        if triggers:
            review, proposal = self.reviewer.review(proposal, routed, triggers, pack)
            if review.outcome in ("reject", "clarification_required"):
                rejected = review.outcome == "reject"
                said_in = language_of(routed).lang
                lead = reply_text("not_done" if rejected else "clarify", said_in)
                why = "; ".join(explained(note, said_in) for note in review.notes)
                return self._reply(
                    routed,
                    "no_task" if rejected else "clarification",
                    f"{lead}: {why}",
                    now,
                    "rejected" if rejected else "clarification_required",
                )
        task = self._task(routed, proposal, now, review, dependencies)
        if task.hold_reason is not None:
            said_in = language_of(routed).lang
            reply = self._reply(
                routed,
                "clarification",
                f"{reply_text('on_hold', said_in)}: {explained(task.hold_reason, said_in)}",
                now,
                "held",
            ).reply
            return Formation(proposal.decision, task, reply, proposal.intent_id)
        return Formation(proposal.decision, task, None, proposal.intent_id)

    def _leading_smalltalk(
        self, said: str, routed: RoutedEvent | None = None
    ) -> tuple[IntentSpec, float] | None:
        """ "thanks a lot, the porch light looks great now", "never mind, I'll do it myself":
        small talk first, and nothing asked after it."""
        assert self.pack_expert is not None
        expert = self.pack_expert
        if _SCENE_SAID.search(fold(said)) or _SAYING.search(fold(said)):
            # "gute Nacht Szene bitte", "comment on dit « bonne nuit » en gallois ?"
            return None
        if not _CLAUSE_MARK.search(said):
            first = fold(said).split(maxsplit=1)[0] if said.strip() else ""
            if first not in expert.smalltalk_openers:
                return None  # most requests: no clause and no small-talk opener, nothing to split
        parts = _CLAUSE_SPLIT.split(said, maxsplit=1)
        head = parts[0].strip()
        rest = parts[1] if len(parts) > 1 else ""
        searched = bool(head) and head != said and not is_command(head)  # "lock everything up, …"
        asks_rest = searched and asks_after(rest)
        if asks_rest:
            # small talk in the head is followed by a request ("thanks, now lock the door"):
            # whatever the head is, only a small-talk prefix of the whole asked nothing after
            # can count, and then only when the head is no small talk (the search of the head
            # is the costly part: most such utterances end here without it)
            found = expert.smalltalk_prefix(said)
            if found is None or asks_after(said) or expert.smalltalk(head) is not None:
                return None
            rest = said
        else:
            found = expert.smalltalk(head) if searched else None
            if found is None:
                found = expert.smalltalk_prefix(said)
                if found is None:
                    return None
                rest = said
                if asks_after(rest):
                    return None
            # (else the head's small talk: what follows it asks nothing, as searched above)
        if routed is not None and self.grounded is not None:
            code = routed.language or "en"
            by_prefix = rest == said
            rest_chatter = (
                bool(rest.strip()) and self.pack_expert.smalltalk(rest.strip()) is not None
            )
            if (
                not by_prefix
                and not rest_chatter
                and self.grounded.names_item(head, routed.project_id, code)
            ):
                return None  # "comment on TL-42: …" is about a thing
            if (
                found[0].id == "acknowledge"
                or (found[0].id == "cancel" and _DONE.search(fold(rest)))
            ) and self.grounded.names_item(rest, routed.project_id, code):
                return None  # "c'est bon, j'ai sorti les poubelles": news about a thing
        return found

    def _propose(self, routed: RoutedEvent) -> Proposal:
        event = routed.event
        if event.kind == "model_proposal":
            ops = [op.to_rfc() for op in event.proposal or []]
            error = validate_patch(ops) if ops else "the proposal has no patch"
            return Proposal(
                decision="stateful",
                confidence=routed.routing_confidence,
                intent_id="apply_proposal",
                patch=ops or None,
                patch_error=error,
                assumptions=["model proposal: its patch is used as given"],
            )
        if self.expert is None:
            return Proposal(
                decision="ephemeral",
                confidence=routed.routing_confidence,
                steps=["ssot.read", "text.summarize"],
                tools=["ssot"],
            )
        return self.expert.propose(routed)

    def _triggers(self, proposal: Proposal, routed: RoutedEvent) -> list[str]:
        p = self.policy
        triggers = []
        if routed.routing_confidence < p.min_confidence and not proposal.slots.get("target_named"):
            # a request naming an item of this project's own state confirms the routing
            triggers.append("low_routing_confidence")
        if proposal.patch_error:
            triggers.append("invalid_patch")
        patch = proposal.patch or []
        pack = self.pack_expert.pack_for(routed.domain_id) if self.pack_expert else None
        touched = {str(op.get("path")) for op in patch}
        # distinct changes are never more than the ops: counted only when the ops are more
        if len(patch) > p.max_patch_ops:
            bulk = pack is not None and proposal.intent_id in self._bulk_intents[id(pack)]
            changes = distinct_changes(patch) if bulk else len(patch)
        else:
            changes = len(patch)
        if (
            changes > p.max_patch_ops
            or len(patch) > p.max_patch_items
            or "" in touched
            or "/" in touched
        ):
            triggers.append("broad_patch_scope")
        if len([s for s in proposal.systems if s != "ssot"]) > p.max_systems:
            triggers.append("many_systems")
        # hedged is the request, not a reason said after it ("lock the back door? I think
        # the kids left it open"); "I'm home. Perhaps unlock the back door" is hedged. A
        # hedge in a sentence is one in the text (no hedge spans ".  "): most texts have none
        text = routed.event.text
        if (
            _may_hedge(text)
            and _HEDGES.search(text)
            and any(
                _HEDGES.search(said) and not (n and _REASON.match(said))
                for n, said in enumerate(_SENTENCE_END.split(text))
            )
        ):
            triggers.append("ambiguous_wording")
        asr = routed.event.asr_confidence
        if asr is not None and asr < p.min_asr_confidence:
            triggers.append("low_asr_confidence")
        if (
            proposal.decision == "stateful"
            and pack
            and not touched.isdisjoint(pack.protected_paths)
        ):
            triggers.append("protected_path")
        return triggers

    @staticmethod
    def _dependencies(proposal: Proposal, pack: DomainPack | None) -> DependencyPlan | None:
        systems = [s for s in proposal.systems if s != "ssot"]
        if len(systems) < 2 and len(proposal.tools) < 2:
            return None
        specs = pack.systems if pack else {}
        order: list[str] = []
        conflicts: list[str] = []
        visiting: set[str] = set()

        def visit(system: str, path: list[str]) -> None:
            if system in order:
                return
            if system in visiting:
                conflicts.append("circular dependency: " + " → ".join([*path, system]))
                return
            visiting.add(system)
            for required in specs[system].requires if system in specs else []:
                if required in systems:
                    visit(required, [*path, system])
            visiting.discard(system)
            if system not in order:
                order.append(system)

        for system in systems:
            visit(system, [])
        pre = list(proposal.preconditions)
        constraints = []
        for system in order:
            for required in specs[system].requires if system in specs else []:
                if required in systems:
                    pre.append(f"{required} is available before {system} is changed")
                    constraints.append(f"change {system} only after {required} succeeded")
        rollback = (
            [
                f"{s}: {specs[s].rollback}"
                for s in reversed(order)
                if s in specs and specs[s].rollback
            ]
            if proposal.decision == "stateful"
            else []
        )
        return DependencyPlan(
            ordering=order,
            preconditions=pre,
            constraints=constraints,
            rollback_hints=rollback,
            conflicts=conflicts,
        )

    def _reply(
        self,
        routed: RoutedEvent,
        kind: str,
        text: str,
        now: datetime,
        code: str,
        intent_id: str | None = None,
        slots: dict[str, Any] | None = None,
    ) -> Formation:
        event = routed.event
        # built, not validated: these values are already what validation would keep
        # (tests/unit/test_models.py checks that against validated construction)
        reply = trusted(
            Reply,
            {
                "reply_id": reply_id_for(event.source_event_id, kind),
                "source_event_id": event.source_event_id,
                "session_id": event.session_id,
                "task_id": None,
                "kind": "no_task" if kind == "no_task" else "clarification",
                "text": text,
                "created_at": millis(now),
                "reason_code": code,
            },
        )
        return Formation(kind, None, reply, intent_id, {} if slots is None else slots)

    def _task(
        self,
        routed: RoutedEvent,
        proposal: Proposal,
        now: datetime,
        review: Review | None,
        dependencies: DependencyPlan | None,
    ) -> TaskObject:
        event = routed.event
        task_type: Literal["ephemeral", "stateful"] = (
            "stateful" if proposal.decision == "stateful" else "ephemeral"
        )
        # only a stateful task touches its project's systems
        project = self.registry.get(routed.project_id) if task_type == "stateful" else None
        slots = {k: str(v) for k, v in proposal.slots.items() if not k.endswith("_slug")}
        systems = sorted(
            {
                "ssot",
                *proposal.systems,
                *(project.systems if project and task_type == "stateful" else ()),
            }
        )
        patch = (
            [PatchOp.from_rfc(op) for op in proposal.patch]
            if proposal.patch and not proposal.patch_error
            else None
        )
        hold = None
        artifact: dict[str, Any] = {}
        if task_type == "stateful":
            assert routed.project_id is not None  # stateful needs a project (checked above)
            targets = sorted({op.path for op in patch or []})
            artifact["task_sheet"] = trusted(
                TaskSheet,
                {
                    "project_id": routed.project_id,
                    "intent": proposal.intent_id or "apply change",
                    "state_targets": targets,
                    "constraints": [
                        "patch applies to the snapshot",
                        "no other project is touched",
                        *(dependencies.constraints if dependencies else []),
                    ],
                    "validation_checks": ["patch applies", "state is a JSON object"],
                    "commit_message_hint": event.text[:120],
                },
            )
            artifact["patch"] = patch
            artifact["patch_status"] = "ready" if patch else "pending"
            if patch is None:
                hold = (
                    HOLD_PATCH.format(x=proposal.patch_error)
                    if proposal.patch_error
                    else HOLD_NO_PATCH
                )
        else:
            # lists copied as validation would: the proposal's may be shared (a pack's)
            artifact["work_plan"] = trusted(
                WorkPlan,
                {
                    "goal": event.text[:500],
                    "inputs": {
                        "project_id": routed.project_id or "",
                        "session_id": event.session_id,
                        **slots,
                    },
                    "steps": list(proposal.steps or ["ssot.read", "text.summarize"]),
                    "tools_required": list(proposal.tools or ["ssot"]),
                    "expected_output": "a summary of the project's state for the request",
                    "timeout_hint_ms": 5000,
                    "risk_flags": list(proposal.risk_flags),
                },
            )
            artifact["patch_status"] = "not_required"
        if dependencies and dependencies.conflicts:
            hold = HOLD_CONFLICT.format(x="; ".join(dependencies.conflicts))
        asr = event.asr_confidence if event.asr_confidence is not None else 1.0
        confidence = round(
            min(1.0, routed.routing_confidence * max(proposal.confidence, 0.5) ** 0.5 * asr**0.5),
            6,
        )
        routing = trusted(
            RoutingDecision,
            {
                "domain_id": routed.domain_id,
                "project_id": routed.project_id,
                "routing_confidence": routed.routing_confidence,
                "top_candidates": list(routed.top_candidates),
                "router_version": routed.router_version,
                "session_hint": routed.session_hint,
            },
        )
        return trusted(
            TaskObject,
            {
                "task_id": task_id_for(event.source_event_id, task_type),
                "source_event_id": event.source_event_id,
                "session_id": event.session_id,
                "task_type": task_type,
                "project_id": routed.project_id,
                "domain_id": routed.domain_id,
                "systems_affected": systems,
                "formation_confidence": float(confidence),
                "routing_confidence": routed.routing_confidence,
                "priority": PRIORITY[task_type],
                "assumptions": [f"routed by {routed.router_version}", *proposal.assumptions],
                "occurred_at": millis(event.occurred_at),
                "created_at": millis(now),
                "intent_id": proposal.intent_id,
                "slots": slots,
                "routing": routing,
                "review": review,
                "dependencies": dependencies,
                "hold_reason": hold,
                "former_version": f"{FORMER_VERSION}/{proposal.expert or self._expert_version}",
                "depends_on": depends_on_of(event),
                **artifact,
            },
        )
