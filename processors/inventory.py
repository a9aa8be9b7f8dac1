"""Inventory: the things a request can name, read from a project's SSOT state, and the
resolution of mentions in an utterance to those things (Skyra §5, "vector search over derived
project state").

A pack declares its collections (:class:`CollectionSpec`): where they live in the state and
which fields name an item. Matching is word by word and typo tolerant (rapidfuzz over the
inventory's vocabulary), so "the bedsdie lamp", "la Stehlampe" and "ticket 118" all find
their item; an item is also found by its area and its kind ("the lights in the office").

>>> spec = CollectionSpec(path="/entities", names=["name", "aliases"], area="area", kind="kind")
>>> inv = Inventory.from_state({"entities": {"light.porch": {"name": "porch light",
...     "kind": "light", "area": "garden"}}}, [spec])
>>> inv.resolve("turn on the prch light").best[0].item.id
'light.porch'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import mul
from typing import Any, NamedTuple, TypeVar

import Stemmer
from pydantic import BaseModel, ConfigDict, Field

from processors.fuzzy import Choices
from processors.glossary import PHRASES as GLOSSARY_PHRASES
from processors.language import fold
from processors.lexicon import (
    NOT_MISSPELT,
    NUMBER_WORDS,
    PHRASES,
    by_sound,
    canonical,
    common_in,
    glossed,
    lexicon_words,
    mistyped,
)

# the endings of an English word's forms a title may use ("pricing", "booked", "bookings")
_FORMS = ("ing", "ings", "ed", "er", "ers", "es")
# Words that never name an item on their own.
_STOP = frozenset(
    fold(w)
    for w in (
        "the a an of in on at to my our your this that these those all every and or with for "
        "from please can you could turn switch put set make it its is are be off up down "
        "le la les l de du des d un une au aux mon ma mes ton ta notre votre dans sur et ou "
        "tout tous toute toutes pour avec el los las lo del al uno una mi mis tu su en y o "
        "todo todos toda todas por para con der die das den dem des ein eine einen einem im "
        "am zum zur mein meine meinen dein unser und oder alle alles mit fur auf von vom an "
        "aus"
    ).split()
)
_PRONOUN_ONE = re.compile(
    r"\b(that|this|the other|which|the same|the new|the old|the first|the second|the last|"
    r"the right|the wrong|another|each|any) ones?\b"
)
# words for any thing, said in its place ("emma's piano thing", "le truc de jeudi")
_ANY_THING = frozenset(
    "thing things stuff one ones truc trucs cosa cosas ding dings sache again now today tonight "
    "tomorrow too anyway then instead already also please encore aussi otra vez tambien "
    "wieder auch".split()
)
# what joins a French or Spanish head word to the word that says which ("cours de yoga")
_OF = frozenset("de du des d del".split())
# Command verbs: matched to names only when spelt exactly ("mark" is not "marco")
_VERBS = frozenset(
    "mark make move turn take give show tell call open close lock push pull drop cancel book add "
    "set put switch start stop play plan tag hand file send bring keep leave "
    # French "il reste" (remains): no "reset" with two letters swapped
    "reste restent "
    # requests' own verbs in French, Spanish and German: "annule mon rendez-vous" is no
    # "annual review" (ratio 83)
    "annule annuler annulez supprime supprimer efface enleve ajoute deplace decale repousse "
    "avance rappelle allume eteins ferme ouvre verrouille cancela cancelar anula anular borra "
    "quita mueve cambia apaga enciende cierra abre anade apunta recuerda losche loesche "
    "streich verschieb schalte schliess offne stell setz "
    # assigning: "assign the search ticket to Ngozi" is no "search filters for assignee …"
    "assign assigns reassign assigne assigner reassigne attribue attribuer asigna asignar "
    "asignale asignarle reasigna weise zuweisen".split()
)
# words that name an item only as themselves, never misspelt: requests' own verbs, and the
# clock of "my three o'clock" (no "lock": "move my three o'clock to four" went to the home)
_CLOCK_WORDS = frozenset({"clock", "oclock", "clocks"})
_EXACT_ONLY = _VERBS | _CLOCK_WORDS | NOT_MISSPELT
_REMINDING = frozenset("remind rappelle recuerda erinnere".split())  # a reminder's own word
# Ordering and reserving words name no item: a reminder's title is a request too ("order more
# glaze", "commander de l'émail"), and "commande-moi des sushis" or "bestell beim Bäcker zwei
# Brezeln" asks for something else, not to tick that reminder off or move it. (Counted only
# beside another word of an item, "order the cake" ticked off "book the cake order": a review
# found; so "I ordered the turkey" asks which turkey reminder, when two are.)
_ORDERING = frozenset(
    "order orders ordered commande commander commandez commandes commandee bestell bestelle "
    "bestellen bestellt bestellung bestellungen pide pideme pidele pidenos pedir pedido pedi "
    "pedimos reserve reserver reservez reservame reserva reservar reservier reserviere "
    "reservieren reservierung".split()
)
# Words that say which kind of thing is meant, per kind (all four languages, folded).
KIND_WORDS: dict[str, frozenset[str]] = {
    "light": frozenset(
        "light lights lamp lamps lighting lumiere lumieres lampe lampes eclairage luz luces "
        "lampara lamparas licht lichter lampe lampen beleuchtung leuchte".split()
    ),
    "climate": frozenset(
        "heating heater thermostat radiator temperature chauffage radiateur thermostat "
        "temperature calefaccion radiador termostato temperatura heizung heizkorper "
        "thermostat temperatur".split()
    ),
    "lock": frozenset("door lock porte serrure puerta cerradura tur schloss".split()),
    "alarm": frozenset("alarm alarme alarma alarmanlage".split()),
    "scene": frozenset("scene mode ambiance escena modo szene modus".split()),
    # (and the verbs of plugging in and out: a lamp is switched, a device unplugged)
    "switch": frozenset(
        "machine plug pump prise pompe enchufe bomba stecker pumpe unplug "
        "desenchufa desenchufar ausstecken einstecken".split()
    ),
    "ticket": frozenset(
        "ticket tickets issue issues bug bugs task card ticket incidence "
        "fallo tarea aufgabe fehler".split()
    ),
    "event": frozenset(
        "appointment meeting event rendez rdv reunion evenement cita "
        "reunion evento termin besprechung".split()
    ),
    "reminder": frozenset("reminder rappel recordatorio erinnerung".split()),
}
KIND_VOCAB = frozenset().union(*KIND_WORDS.values())
# the tails of German compounds that name a kind of item there, and only there ("Stunde"
# alone is an hour: "in einer Stunde"): "Yogastunde", "Gitarrenstunde" are lessons
_COMPOUND_TAILS = {"stunde": "lesson", "stunden": "lessons"}
_NUMBER = re.compile(
    r"(?<![\w:.,])#?(\d{1,5})(?![\w%°]|:\d|\s*(?:%|degre|grad|grados|percent|h\b|uhr|am\b|pm\b))"
)


class CollectionSpec(BaseModel):
    """Where one collection of nameable items lives in a project's state.

    ``path`` is a JSON pointer to an object of ``{item id: item}``; ``names`` lists the fields
    whose text names an item (a string or a list of strings); ``number``: the digits of an id
    ("TL-42") name the item too ("ticket 42"); ``role``: ``target`` items are acted on,
    ``area`` items group targets, ``value`` items fill a slot (people).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    path: str
    names: list[str] = Field(default_factory=lambda: ["name", "aliases"])
    area: str | None = None
    kind: str | None = None
    default_kind: str | None = None
    number: bool = False
    role: str = "target"


@dataclass(frozen=True)
class Item:
    """One nameable thing of a project's state."""

    collection: str
    id: str
    names: tuple[str, ...]
    kind: str | None
    area: str | None
    role: str
    data: dict[str, Any]
    owner: str = ""  # the project, when one index holds several projects' items
    numbered: bool = True  # the digits of its id name it too ("ticket 42" → TL-42)

    @property
    def path(self) -> str:
        """The item's JSON pointer in the state."""
        return f"{self.collection}/{self.id.replace('~', '~0').replace('/', '~1')}"


@dataclass(frozen=True)
class Match:
    """An item a mention resolved to, and how well (0..1)."""

    item: Item
    score: float
    named: bool  # by its own name, not only by its area and kind
    share: float = 0.0  # how much of what the text says about things this item explains
    cover: float = 0.0  # how much of one of its names the text says


@dataclass(frozen=True)
class Collection:
    """One collection of an inventory as :meth:`Inventory.collection` gives it: its items, its
    targets and their folded labels, and whether its items start at a time."""

    items: list[Item]  # every item of the collection, in the inventory's order
    timed: bool  # some of them start at a time (calendar events)
    targets: list[Item]  # those that are targets
    labels_of: dict[str, set[str]]  # a target's folded labels (those with a list of them)
    labels: set[str]  # all of those labels


@dataclass
class Resolution:
    """Every item an utterance mentions, best first, and the areas and kinds it names."""

    matches: list[Match] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    values: list[Match] = field(default_factory=list)
    plural: bool = False
    every: bool = False  # "all", "tous", "todas", "alle": each matching item, said outright

    @property
    def best(self) -> list[Match]:
        """The matches tied with the best one (within a small margin)."""
        if not self.matches:
            return []
        top = self.matches[0].score
        return [m for m in self.matches if m.score >= top - 0.08]


_TIME_WORDS = frozenset(
    "today tonight tomorrow yesterday morning afternoon evening night week weekend next last "
    "aujourd'hui demain hier matin soir semaine prochain prochaine hoy manana ayer tarde noche "
    "semana proximo heute morgen gestern abend nachmittag woche nachste nachsten "
    "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi "
    "vendredi samedi dimanche lunes martes miercoles jueves viernes sabado domingo montag "
    "dienstag mittwoch donnerstag freitag samstag sonntag".split()
)
# What joins a kind word to the word that says which one ("the door of the cellar", "la porte
# de la cave", "la cita con el oculista", "das Licht im Keller")
_AS = frozenset("as como comme als".split())  # "mark the reminder as done"
# what sort of thing a compound names, not which ("Treueprogramm", "Buchungssystem")
_GENERIC_TAILS = frozenset(
    "program programme system function feature thing issue problem page option setting "
    "settings process topic matter".split()
)
# a ticket's statuses, said after it ("the delivery ticket to review", "el ticket a revisión"),
# or said of it ("is fixed"): no word of what the ticket is about
STATUS_WORDS = frozenset(
    "review reviewing progress done open closed backlog todo revue relecture cours fait ouvert "
    "ferme termine revision curso hecho abierto cerrado terminado erledigt offen "
    "geschlossen arbeit bearbeitung fertig fixed ready".split()
)
# how a door is locked, said after it: "cierra la puerta con llave", "ferme la porte à clé"
_WITH_KEY = frozenset("llave cle clef".split())
_OF = frozenset(
    "of the to de du des del la le les l el los las al a d von vom zum zur der die das dem "
    "with in at on for con en para avec dans sur chez pour mit im in bei beim fur an am auf".split()
)
# Words that ask or point, never part of a name ("lock the … what's it called")
_ASKING = frozenset(
    "what which where there here when quoi quel quelle quels ou comment que quien cual "
    "donde cuando was welche welcher welches dort hier wann".split()
)
# The home as a whole ("every light in the house"): a scope, not an item's name.
_HOME_WORDS = frozenset(
    "house home flat apartment maison appartement appart logement casa piso departamento "
    "vivienda haus wohnung rooms pieces habitaciones cuartos zimmern zimmer raumen whole entire "
    "ganzen ganze gesamten".split()
)
_ALL_WORDS = (
    "all every everything tout toute tous toutes tt ttes todo todos todas tdas tds alle alles "
    "samtliche".split()
)
_ALL = re.compile(r"\b(?:" + "|".join(_ALL_WORDS) + r")\b")
# a word _ALL finds is also one of the text's [a-z0-9]+ words (\b ends it on both sides)
_ALL_SET = frozenset(_ALL_WORDS)


class _Covered(NamedTuple):
    """What words said give an inventory (see :meth:`Inventory._cover`); read only."""

    cover: dict[int, float]  # per item, how much of its best alias they say
    area_score: dict[str, float]  # per area covered well enough to be meant, its cover
    said_hits: list[dict[str, float]]  # the hits of those that say something about things
    values: list[Match]  # the values they name
    # per kind words and kinds said with them: the matches and the targets ranked
    per_kinds: dict[tuple[frozenset[str], tuple[str, ...]], tuple[dict[int, Match], list[Match]]]


class Inventory:
    """The nameable items of one project state, indexed for matching."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = list(items)
        common_in("")  # the word lists read now, not by the first event that needs them
        self._aliases: list[tuple[int, tuple[str, ...], int]] = []  # item, words, chars
        vocab: set[str] = set()
        for n, item in enumerate(self.items):
            for name in item.names:
                ws = tuple(w for w in _words(name) if w not in _STOP)
                if ws:
                    self._aliases.append((n, ws, sum(map(len, ws))))
                    vocab.update(ws)
        self._vocab = sorted(vocab)
        # the words of titles, names of three words or more (what the glossary is asked for)
        self._titled = frozenset(w for _, ws, _ in self._aliases if len(ws) >= 3 for w in ws)
        # the glossary's phrases this inventory's titles hold, each as those words say it
        phrases = {
            said: " ".join(found)
            for said, english in GLOSSARY_PHRASES.items()
            if (found := self._titled_words(english)) is not None
        }
        self._phrases = phrases
        self._phrase = (
            re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(phrases, key=len)[::-1])) + r")\b")
            if phrases
            else None
        )
        # the labels items carry ("the auth bug"), folded: they describe items, name none;
        # each label's words, singular ("care-reminders": care, reminder), with its items
        self.labelled: dict[tuple[str, ...], list[Item]] = {}
        said_labels: set[str] = set()
        words_of: set[str] = set()
        for item in self.items:
            if isinstance(item.data.get("labels"), list):
                for label in item.data["labels"]:
                    said_labels.add(folded_label := fold(str(label)))
                    words = re.findall(r"[a-z0-9]+", folded_label)
                    words_of.update(words)
                    key = tuple(singular(w) for w in words)
                    self.labelled.setdefault(key, []).append(item)
        # and their words, singular too ("the notification ticket", "horse-profile": horse)
        self.labels = frozenset(said_labels | words_of | {w for k in self.labelled for w in k})
        self._vocab_choices = Choices(self._vocab)
        self._vocab_set = frozenset(vocab)
        self._alias_by_word: dict[str, list[int]] = {}
        for a, (_, ws, _) in enumerate(self._aliases):
            for w in set(ws):
                self._alias_by_word.setdefault(w, []).append(a)
        # original words the lexicon rewrote ("stehlampe" → "floor lamp"), for misspellings
        self._rewritten: dict[str, list[str]] = {}
        for item in self.items:
            for name in item.names:
                for word in re.findall(r"[a-z0-9]+", fold(name)):
                    parts = canonical(word).split()
                    if parts != [word] and len(word) >= 6:
                        self._rewritten[word] = parts
        self._rewritten_keys = Choices(sorted(self._rewritten))
        self._respelt: dict[str, list[str] | None] = {}  # word -> the rewritten word it is
        self._known: dict[str, bool] = {}
        self._numbers: dict[str, list[int]] = {}
        for n, item in enumerate(self.items):
            digits = re.findall(r"\d+", item.id)
            if item.role == "target" and digits and item.numbered:
                self._numbers.setdefault(digits[-1].lstrip("0") or "0", []).append(n)
        self._areas = {it.id: it for it in self.items if it.role == "area"}
        self._recent: dict[tuple[str, bool, bool], Resolution] = {}
        self._collections: dict[str, Collection] = {}  # by path, built at the first look-up
        # per item and unrounded score, share and cover, its match (they hold the items: not
        # shared by keep_lookups)
        self._matches: dict[tuple[int, float, float, float], Match] = {}
        # per words said that hit inventory words, what they give (see _cover; read only): not
        # shared by keep_lookups (the items may differ)
        self._covers: dict[tuple[str, ...], _Covered] = {}
        self._word_hits: dict[str, dict[str, float]] = {}  # word -> inventory words it is
        # the same, a common word read as a typo too (see resolve's ``lenient``)
        self._lenient_hits: dict[str, dict[str, float]] = {}
        self._stem_index: dict[str, tuple[str, ...]] | None = None  # see _by_stem
        # word -> the inventory words it is with two neighbouring letters swapped
        self._swapped: dict[str, tuple[str, ...]] = {}
        self._near: dict[str, bool] = {}  # joined words -> close to an inventory word
        # per word and per joined pair or triple, what _rejoined asks (words repeat): a word's
        # letter (see _word_props) and its words
        self._codes: dict[str, str] = {}
        self._said_of: dict[str, list[str]] = {}
        self._joins: dict[str, list[str] | None] = {}
        self._pieces: dict[tuple[str, ...], list[str] | None] = {}  # the same, per words joined
        # per English word, the words a resolution reads for it (see _said)
        self._said_memo: dict[str, list[str]] = {}
        self._by_area_kind: dict[tuple[str, str], list[int]] = {}
        for n, item in enumerate(self.items):
            if item.role == "target" and item.area and item.kind:
                self._by_area_kind.setdefault((item.area, item.kind), []).append(n)
        self._ids: dict[str, list[int]] = {}
        for n, item in enumerate(self.items):
            if item.role == "target" and re.search(r"[-._]", item.id):
                self._ids.setdefault(fold(item.id), []).append(n)
                self._ids.setdefault(re.sub(r"[-._]", "", fold(item.id)), []).append(n)
        self._index = {it.id: n for n, it in enumerate(self.items) if it.role == "area"}
        # each name word's neighbours in the names it is part of ("back" → "door")
        partners: dict[str, set[str]] = {}
        for _, ws, _ in self._aliases:
            for w in ws:
                partners.setdefault(w, set()).update(v for v in ws if v != w)
        self._partners = {w: frozenset(vs) for w, vs in partners.items() if vs}
        self._vocab_of: dict[int, frozenset[str]] = {}
        self._value_words: frozenset[str] = frozenset()
        for n, ws, _ in self._aliases:
            self._vocab_of[n] = self._vocab_of.get(n, frozenset()) | frozenset(ws)
        for n in range(len(self.items)):
            self._vocab_of.setdefault(n, frozenset())
        values = [self._vocab_of[n] for n, it in enumerate(self.items) if it.role == "value"]
        things = [self._vocab_of[n] for n, it in enumerate(self.items) if it.role != "value"]
        # words only people's names have ("marco" in a tracker): said as a value, not a thing
        self._value_words = frozenset().union(*values) - frozenset().union(*things)
        # what each resolution reads of an alias and an item, worked out once per inventory:
        # an alias's item, words, their lengths, its length and whether it is a long title
        self._alias_rows = [
            (n, ws, tuple(map(len, ws)), chars, self.items[n].role == "target" and len(ws) > 3)
            for n, ws, chars in self._aliases
        ]
        # per inventory word, the aliases it is a word of, once per time it is one, and its length
        self._alias_parts: dict[str, list[tuple[int, int]]] = {}
        for a, (_, ws, _) in enumerate(self._aliases):
            for w in ws:
                self._alias_parts.setdefault(w, []).append((a, len(w)))
        self._roles = [it.role for it in self.items]
        self._has_values = "value" in self._roles
        # the words of the areas' names: a scene's name they alone cover is not said ("pon
        # villancicos en la tienda" names no scene "abrir la tienda", "sperr den Laden ab"
        # no scene "Laden auf"); a device's is ("mets 19 dans la chambre des enfants": the
        # radiator "radiateur de la chambre des enfants")
        self._area_vocab = frozenset(
            w for n, ws, _ in self._aliases if self._roles[n] == "area" for w in ws
        )
        self._scenes = [it.kind == "scene" for it in self.items]
        # per item, what scoring it reads: the item, its words, its kind's words, its and its
        # area's words, its kind and its area
        self._item_rows = [
            (
                it,
                self._vocab_of[n],
                KIND_WORDS.get(str(it.kind), _NO_WORDS),
                self._vocab_of[n]
                | self._vocab_of.get(self._index.get(str(it.area), -1), _NO_WORDS),
                it.kind,
                it.area,
            )
            if it.role != "area"
            else None  # an area is no match
            for n, it in enumerate(self.items)
        ]
        # whether a match can be neither a target nor a value (an area is none)
        self._other_roles = not {"target", "value", "area"}.issuperset(self._roles)
        # an item named outright (its id or its number said): the same match every time
        self._named = [Match(it, 1.0, named=True, share=1.0, cover=1.0) for it in self.items]

    @classmethod
    def from_state(
        cls, state: Any, specs: Iterable[CollectionSpec], *, owner: str = ""
    ) -> Inventory:
        """The items of ``state`` under each collection of ``specs`` (of project ``owner``)."""
        items: list[Item] = []
        for spec in specs:
            node = _at(state, spec.path)
            if not isinstance(node, dict):
                continue
            for item_id, data in node.items():
                if not isinstance(data, dict):
                    continue
                names: list[str] = []
                for f in spec.names:
                    value = data.get(f)
                    if isinstance(value, str):
                        names.append(value)
                    elif isinstance(value, list):
                        names += [v for v in value if isinstance(v, str)]
                if not spec.number and spec.role == "target" and not names:
                    names.append(str(item_id).replace("_", " ").replace(".", " "))
                kind = data.get(spec.kind) if spec.kind else None
                area = data.get(spec.area) if spec.area else None
                items.append(
                    Item(
                        collection=spec.path,
                        id=str(item_id),
                        names=tuple(names),
                        kind=str(kind) if kind else spec.default_kind,
                        area=str(area) if area else None,
                        role=spec.role,
                        data=dict(data),
                        owner=owner,
                        numbered=spec.number,
                    )
                )
        return cls(items)

    def keep_lookups(self, previous: Inventory | None) -> Inventory:
        """Share ``previous``'s per-word look-ups when both have the same words (a new version
        of a project's state mostly changes what items *are*, not what they are called), so a
        re-indexed project does not look every word up again. Returns ``self``.

        >>> spec = CollectionSpec(path="/e", names=["name"])
        >>> old = Inventory.from_state({"e": {"a": {"name": "porch light", "on": 1}}}, [spec])
        >>> _ = old.resolve("the prch light")
        >>> new = Inventory.from_state({"e": {"a": {"name": "porch light", "on": 0}}}, [spec])
        >>> new.keep_lookups(old)._word_hits is old._word_hits
        True
        >>> new._vocab_choices is old._vocab_choices
        True
        """
        if (
            previous is not None
            and previous is not self
            and previous._vocab == self._vocab
            and previous._rewritten == self._rewritten
        ):
            # these depend on the words alone (and the lexicon); resolutions (_recent) hold
            # the items themselves and are not shared
            self._word_hits = previous._word_hits
            self._lenient_hits = previous._lenient_hits
            self._swapped = previous._swapped
            # the same words: the same fuzzy index (built at its first look-up, ~1 ms for a
            # home's vocabulary, not paid again at every new version of the state)
            self._vocab_choices = previous._vocab_choices
            self._near = previous._near
            self._codes = previous._codes
            self._said_of = previous._said_of
            self._joins = previous._joins
            self._pieces = previous._pieces
            self._said_memo = previous._said_memo
            self._known = previous._known
            self._respelt = previous._respelt
        return self

    def knows(self, word: str) -> bool:
        """Whether a folded word (or a near spelling of it) names something here."""
        if word in self._vocab_set or word in self._rewritten or word in self.labels:
            return True
        # a word of another language its titles say ("le ticket des rappels": reminders)
        return self._close(word, 84, self._known) or self._glossed(word) is not None

    def _close(self, word: str, cutoff: int, memo: dict[str, bool]) -> bool:
        """Whether an inventory word is within ``cutoff`` of ``word`` (remembered in ``memo``)."""
        found = memo.get(word)
        if found is None:
            found = remember(memo, word, self._vocab_choices.best(word, cutoff) is not None)
        return found

    def __len__(self) -> int:
        return len(self.items)

    def named_by_kind_only(
        self, text: str, item_id: str, *, within: frozenset[str] = frozenset()
    ) -> bool:
        """Whether ``text`` (already cleaned) says of the item only words of its kind, none of
        its own, when it has some: "sag den Termin ab" of the "physio appointment" (not "cancel
        the physio", nor "cancel the meeting" of an item named "meeting"); with ``within``, only
        those of its kind's words ("the heating" of the "underfloor heating")."""
        n = next((i for i, it in enumerate(self.items) if it.id == item_id), None)
        if n is None:
            return False
        own = self._vocab_of[n]
        if own <= _ANY_KIND:
            return False  # its name is a kind's word: said, it is named
        folded = fold(text)
        words = self._rejoined(_raw_words(folded, _WORD.findall(folded)))
        hit: set[str] = set()
        for found in self._hits(words).values():
            hit.update(own.intersection(found))
        return bool(hit) and hit <= (within or _ANY_KIND)

    def named_beside_another(self, text: str, item_id: str) -> bool:
        """Whether ``text`` (already cleaned) says the head word of one of the item's names
        of two words or more with another word in the place of the rest, a word that names
        nothing here: another thing of its sort ("the dance class" is no "yoga class", "le
        cours de danse" no "cours de yoga").

        (English and German say the other word before the head, the last word; French and
        Spanish after it, the first word, past "de".)"""
        item = self.get(item_id)
        if item is None:
            return False
        words = _WORD.findall(fold(text))
        # each word's hits, through the lexicon as resolve reads it ("entraînement": practice)
        parts_of = {w: canonical(w).split() for w in words if w not in _STOP}
        found = self._hits(list(dict.fromkeys(p for ps in parts_of.values() for p in ps)))
        hits: dict[str, dict[str, float]] = {
            w: {k: v for p in ps for k, v in found.get(p, {}).items()} for w, ps in parts_of.items()
        }
        vocab = self._vocab_of[self.items.index(item)]
        lasts: set[str] = set()
        firsts: set[str] = set()
        own: set[str] = set()
        middle: set[str] = set()
        for name in item.names:
            parts = _WORD.findall(fold(name))
            own.update(parts)
            if len(parts) >= 2:
                # each as said and as the lexicon reads it ("entraînement": "practice")
                lasts.update((parts[-1], *canonical(parts[-1]).split()))
                firsts.update((parts[0], *canonical(parts[0]).split()))
                middle.update(p for w in parts[:-1] for p in (w, *canonical(w).split()))

        def stranger(w: str) -> bool:
            return (
                len(w) > 2
                and w.isalpha()
                and w not in _STOP
                and w not in _VERBS
                and w not in NUMBER_WORDS
                and w not in _ANY_THING
                and not hits.get(w)
            )

        for i, w in enumerate(words):
            said = hits.get(w, {}).keys()
            nxt = hits.get(words[i + 1], {}).keys() if i + 1 < len(words) else ()
            if (
                i
                and not lasts.isdisjoint(said)
                # (the last of the words said of it: "birthday" in "the family birthday
                # dinner" is no head of its own)
                and own.isdisjoint(nxt)
                and vocab.isdisjoint(nxt)
                and stranger(words[i - 1])
            ):
                return True
            after = words[i + 1 : i + 3]
            if (
                not firsts.isdisjoint(said)
                and len(after) == 2
                and after[0] in _OF
                and stranger(after[1])
            ):
                return True
            if (
                # English: "the school play" of the "school meeting", the last word said
                not middle.isdisjoint(said)
                and len(after) == 1
                and after[0].isascii()
                and stranger(after[0])
            ):
                return True
        return False

    def get(self, item_id: str) -> Item | None:
        """The item with ``item_id``."""
        return next((it for it in self.items if it.id == item_id), None)

    def resolve(self, text: str, *, numbers: bool = True, lenient: bool = False) -> Resolution:
        """The items ``text`` mentions (see :meth:`_resolve`); the last few are remembered,
        as one event is resolved by several checks. ``lenient``: a common word may be a typo
        of another word of its language too ("la sale de bain", "das Licht im Flug": what
        speech recognition and fast thumbs make), for a request that names nothing else."""
        key = (text, numbers, lenient)
        found = self._recent.get(key)
        if found is None:
            found = self._resolve(text, numbers=numbers, lenient=lenient)
            if len(self._recent) >= 64:
                self._recent.pop(next(iter(self._recent)))
            self._recent[key] = found
        return found

    def _resolve(self, text: str, *, numbers: bool = True, lenient: bool = False) -> Resolution:
        """The items ``text`` (already cleaned; digits for numbers) mentions.

        An item scores half by how much of one of its names the text says and half by how
        much of what the text says about things (inventory words, kind words, area names)
        the item explains: "the bedroom light" fits the bedroom lamp and the bedroom ceiling
        light equally, "the bedroom ceiling light" only one of them.
        """
        folded = fold(text)  # once: the words, "all", plurals and ids all read it
        if self._phrase is not None:  # (the glossary's phrases this inventory's titles say)
            folded = self._phrase.sub(
                lambda m: self._phrases[m.group(0)], folded.replace("\u2019", "'")
            )
        if " one" in folded:
            # "that one", "the other one": a pronoun, no word of a name ("for one night")
            folded = _PRONOUN_ONE.sub(r"\1", folded)
        raw = _WORD.findall(folded)
        words = self._rejoined(_raw_words(folded, raw))
        if (
            len(words) >= 2
            and words[0] in _VERBS
            and words[0] not in _ANY_KIND
            and words[0] not in _REMINDING
        ):
            # "move that ticket into review": the request's verb names no ticket "move hosting
            # to …" (a kind's word stays: "lock the back door")
            words = words[1:]
        by_word = self._hits(words, lenient=lenient)
        said = tuple(compress(by_word, by_word.values()))  # those with hits: few of them
        # what the words that hit inventory words give depends on them alone, and the same
        # few come back: remembered per such words (three at most, in their order; not read
        # leniently, where the same words hit more)
        known = self._covers.get(said) if len(said) <= 3 and not lenient else None
        if known is None:
            known = self._cover(said, by_word)
            if len(said) <= 3 and not lenient:
                if len(self._covers) >= _COVER_LIMIT:
                    # ~1.6 KB an entry with its matches: a stage that meets ever more
                    # phrasings starts over rather than grow
                    self._covers.clear()
                self._covers[said] = known
        cover, area_score, said_hits, values, per_kinds = known
        if len(area_score) > 1:  # an area gives way only to another one (none when alone)
            area_score = dict(area_score)  # (the remembered one is kept as it is)
            said_by: dict[str, set[str]] = {
                area: {
                    w
                    for w in words
                    if self._vocab_of[self._index[area]].intersection(by_word.get(w, ()))
                }
                for area in area_score
            }
            for area in list(area_score):
                if any(said_by[area] < said_by[other] for other in area_score if other != area):
                    del area_score[area]  # "chambre des enfants" is the kids room, not the bedroom
            areas = sorted(area_score, key=lambda a: -area_score[a])
        else:
            areas = list(area_score)
        named_kinds = _ANY_KIND.intersection(words)  # often none: then no kind needs a look
        unhit = 0  # the kind words said that hit no inventory word
        if not named_kinds:
            kinds = []
        else:
            unhit = len(named_kinds.difference(said))
            if len(named_kinds) == 1:  # each kind word is a word of one kind only
                kinds = [_KIND_OF[next(iter(named_kinds))]]
            else:
                kinds = [k for k, vocab in KIND_WORDS.items() if not vocab.isdisjoint(named_kinds)]
        if not kinds:  # "las luzes": a kind word misspelt
            try:  # each word's guess looked up in C (none for most)
                guessed = list(filter(None, map(_KIND_GUESS.__getitem__, words)))
            except KeyError:  # a word not seen yet
                guessed = [k for w in words if (k := _kind_guess(w)) is not None]
            if guessed:
                kinds = list(dict.fromkeys(guessed))
        every = not _ALL_SET.isdisjoint(raw) and bool(_ALL.search(folded))  # rarely said
        plural = every or _any_plural(raw)
        if len(area_score) > 1:  # areas read from the words: not remembered (rare)
            scored = self._scored(
                cover, area_score, areas, kinds, named_kinds, said_hits, unhit, by_word
            )
            ranked = None
        else:
            # the matches depend on those words, the kind words and the kinds alone: remembered
            # with the words' cover, per kind words and kinds (a few per words)
            kinds_key = (named_kinds, tuple(kinds))
            found_scored = per_kinds.get(kinds_key)
            if found_scored is None:
                scored = self._scored(
                    cover, area_score, areas, kinds, named_kinds, said_hits, unhit, by_word
                )
                found_scored = scored, self._ranked(scored)
                if len(per_kinds) < 16:
                    per_kinds[kinds_key] = found_scored
            scored, ranked = found_scored
        added: dict[int, Match] = {}  # the items named outright (none for most texts)
        # an id said ("light.porch", "lightporch") is rare: a token without "-._" is one of
        # the raw words (both end where [a-z0-9] does), so the tokens are read only when an
        # id is among those or a word goes on with "-._"
        ids = self._ids
        if ids and (not ids.keys().isdisjoint(raw) or _separated(folded)):
            for token in _ID_TOKEN.findall(folded):
                for n in self._ids.get(token, ()):
                    added[n] = self._named[n]
        if numbers and self._numbers:
            # no number without a digit; digits said one by one are two or more of them, and
            # in ASCII each of them is one of the raw words (it starts and ends where a
            # [a-z0-9] run does)
            said_digits = _NUMBER.findall(text) if _DIGIT_CHAR.search(text) else []
            if not text.isascii() or (not _DIGIT_TOKENS.isdisjoint(raw) and _digit_tokens(raw) > 1):
                said_digits += _spoken_digits(text)
            for digits in said_digits:
                for n in self._numbers.get(digits.lstrip("0") or "0", []):
                    added[n] = self._named[n]
        if added:  # (each one where it was, if it was matched already, else after them)
            result = {**scored, **added}
            targets = self._ranked(result)
        else:
            result = scored
            targets = self._ranked(result) if ranked is None else list(ranked)
        if kinds and targets and targets[0].score >= 0.5 and targets[0].item.kind not in kinds:
            # "put dark mode back to to-do": the kind word is a word of the ticket's name
            own = self._vocab_of[next(n for n, m in result.items() if m is targets[0])]
            kinds = [
                k
                for k in kinds
                if any(
                    own.isdisjoint(by_word.get(w, _NO_HITS)) for w in named_kinds & KIND_WORDS[k]
                )
                or not named_kinds & KIND_WORDS[k]
            ]
        values = list(values)  # (the remembered list is kept as it is)
        return Resolution(targets, areas, kinds, values, plural, every)

    def _scored(
        self,
        cover: dict[int, float],
        area_score: dict[str, float],
        areas: list[str],
        kinds: list[str],
        named_kinds: frozenset[str],
        said_hits: list[dict[str, float]],
        unhit: int,
        by_word: dict[str, dict[str, float]],
    ) -> dict[int, Match]:
        """The items matched by what the words cover of them, their area and their kind,
        scored as :meth:`_resolve` says (what is said about things: ``said_hits``, the hits of
        the words with some, and ``unhit`` kind words with none: only a kind explains these;
        only how many count)."""
        result: dict[int, Match] = {}
        n_content = len(said_hits) + unhit
        # cover's items are in their order already (an item's aliases come after the ones
        # before it, and cover is filled alias by alias in order)
        candidates: Iterable[tuple[int, float]] = cover.items()
        if areas and kinds:
            more = set(cover)
            for area in areas:
                for kind in kinds:
                    more.update(self._by_area_kind.get((area, kind), ()))
            candidates = [(n, cover.get(n, 0.0)) for n in sorted(more)]
        matches, item_rows = self._matches, self._item_rows
        for n, c in candidates:
            row = item_rows[n]
            if row is None:
                continue  # an area
            item, own, kind_words, own_area, its_kind, its_area = row
            in_area = its_area in area_score
            kind_ok = its_kind in kinds if its_kind and kinds else False
            if c == 0.0 and not (in_area and kind_ok):
                continue
            # how many of the content words hit the item's own words, its kind's words or its
            # area's words, counted as those that miss them all (an exact count either way)
            if not n_content:
                share = 0.0
            elif kind_ok or in_area:
                explaining = own_area if in_area else own
                missed = sum(map(explaining.isdisjoint, said_hits)) + unhit
                if kind_ok:  # a kind word of its kind explains it, hit or not
                    missed -= len(
                        [
                            w
                            for w in named_kinds
                            if w in kind_words and explaining.isdisjoint(by_word[w])
                        ]
                    )
                share = (n_content - missed) / n_content
            else:  # by its own words alone (the most common case)
                share = (n_content - sum(map(own.isdisjoint, said_hits)) - unhit) / n_content
            score = 0.5 * c + 0.5 * share
            if kinds and its_kind and not kind_ok and c < 0.99:
                score -= 0.15
            if score >= 0.45:
                # the same few scores come back: each match is made (and rounded) once
                key = (n, score, share, c)
                match = matches.get(key)
                if match is None:
                    named = c >= 0.99 and share >= 0.99
                    match = Match(
                        item, round(min(1.0, score), 4), named, round(share, 4), round(c, 4)
                    )
                    remember(matches, key, match)
                result[n] = match
        return result

    def _ranked(self, result: dict[int, Match]) -> list[Match]:
        """The targets of ``result``, best first."""
        ordered = (
            sorted(result.values(), key=lambda m: (-m.score, m.item.id))
            if len(result) > 1
            else list(result.values())
        )
        # the matches are targets, values (and items of another role): often targets only
        if self._has_values or self._other_roles:
            return [m for m in ordered if m.item.role == "target"]
        return ordered

    def _cover(self, said: tuple[str, ...], by_word: dict[str, dict[str, float]]) -> _Covered:
        """What the words ``said`` (those of ``by_word`` with hits, in its order) give, all of
        it read only: what they cover of each item (by its best alias), the areas they cover
        well enough (0.8) to be meant, the hits of those that say something about things (a
        person, "to marco", is a value, not a thing) and the values they name."""
        value_words = self._value_words
        said_hits = [
            by_word[w] for w in said if w in _ANY_KIND or not by_word[w].keys() <= value_words
        ]
        if not said:
            return _Covered({}, {}, said_hits, [], {})
        if len(said) == 1:
            hits = by_word[said[0]]  # read only
        else:
            hits = {}
            for w in said:
                for v, sc in by_word[w].items():
                    if sc > hits.get(v, 0.0):  # the best score of each (they are all above 0)
                        hits[v] = sc
        # what each said word gives the aliases it is in (every inventory word has an alias):
        # an alias's coverage sums its words' parts in their order, zero for one not said
        got: dict[int, float] = {}
        many: dict[int, int] = {}  # the aliases two or more said words are in: how many
        alias_parts = self._alias_parts
        for v, sc in hits.items():
            for a, length in alias_parts[v]:
                if a in got:
                    # two parts add up alike in either order (the builtin sum's float too);
                    # three or more are summed again below in the words' order
                    got[a] += length * sc
                    many[a] = many.get(a, 1) + 1
                else:
                    got[a] = length * sc
        cover: dict[int, float] = {}
        rows = self._alias_rows
        roles = self._roles
        area_vocab, scenes = self._area_vocab, self._scenes
        for a in sorted(got):
            n, ws, lengths, chars, long_title = rows[a]
            coverage = (
                got[a] / chars
                if a not in many or many[a] < 3
                else sum(map(mul, lengths, map(hits.get, ws, repeat(0.0)))) / chars
            )
            if (
                scenes[n]
                and area_vocab.issuperset([w for w in ws if w in hits])
                and (coverage < 0.99 or area_vocab.issuperset(ws))
            ):
                continue  # only an area's words of it said: the area is named, not the scene
            if long_title:
                # a long title: what the mention covers, not the whole title
                coverage = max(coverage, min(1.0, sum(map(hits.get, ws, repeat(0.0))) / 3))
            if n not in cover or coverage > cover[n]:  # max(), the earlier one kept on a tie
                cover[n] = coverage
        area_score = {
            self.items[n].id: c for n, c in cover.items() if roles[n] == "area" and c >= 0.8
        }
        values = [
            Match(self.items[n], round(c, 4), named=c >= 0.99)
            for n, c in cover.items()
            if roles[n] == "value" and c >= 0.85
        ]
        if len(values) > 1:
            values.sort(key=lambda m: (-m.score, m.item.id))
        return _Covered(cover, area_score, said_hits, values, {})

    def _rejoined(self, words: list[str]) -> list[str]:
        """Words a recogniser split apart joined again when together they are one the
        inventory or the lexicon knows and apart they are not: "haus tür", "por che",
        "zahn arzt", "therm a stat"; then each word as :meth:`_said` reads them."""
        said_of = self._said_of
        try:  # each word's letter and words, looked up in C: most words are known
            codes = "".join(map(self._codes.__getitem__, words))
            said = list(map(said_of.__getitem__, words))
        except KeyError:  # a word not seen yet (or not remembered: the tables are full)
            props = [self._word_props(w) for w in words]
            codes = "".join([p[0] for p in props])
            said = [p[1] for p in props]
        if "u" not in codes:  # nothing to join (no window)
            return list(chain.from_iterable(said))
        pieces = self._pieces
        out: list[str] = []
        done = 0  # the words before this one are in ``out``
        for i, n in _windows(codes):
            if i < done:
                continue  # joined already (a window of 3 or one before)
            # the words themselves as the key: no joined string to build and hash
            key = (words[i], words[i + 1]) if n == 2 else (words[i], words[i + 1], words[i + 2])
            joined = pieces.get(key, _UNSEEN)
            if joined is _UNSEEN:
                joined = remember(pieces, key, self._joined("".join(key)))
            if joined is not None:
                for s in said[done:i]:
                    out += s
                out += joined
                done = i + n
        if not done:
            return list(chain.from_iterable(said))
        for s in said[done:]:
            out += s
        return out

    def _word_props(self, word: str) -> tuple[str, list[str]]:
        """What :meth:`_rejoined` asks of a word, once per word: "b" when it blocks a join (a
        digit, or longer than 6: a recogniser splits a word into short pieces), "k" when it
        is a stop word or known (pieces it all knows are not joined: "front door"), else "u";
        and its words as :meth:`_said` reads them."""
        code = self._codes.get(word)
        if code is not None:
            return code, self._said_of[word]
        english = canonical(word)
        known = word in self._vocab_set or english != word
        code = "b" if word.isdigit() or len(word) > 6 else "k" if word in _STOP or known else "u"
        said = [s for w in english.split() for s in self._said(w)]
        if len(self._codes) < _MEMO_LIMIT:  # both tables or neither (see _rejoined)
            self._said_of[word] = said
            self._codes[word] = code
        return code, said

    def _said(self, word: str) -> list[str]:
        """The words ``word`` (an English or rejoined word) stands for in a resolution: none
        for a stop word, a misspelt lexicon word's or name word's English words, else itself."""
        found = self._said_memo.get(word)
        if found is None:
            found = [word]
            if word in _STOP:
                found = []
            elif word not in self._vocab_set and not word.isdigit():
                if (glossary := self._glossed(word)) is not None:
                    found = glossary
                elif (fixed := _fuzzy_canonical(word)) is not None:
                    found = fixed.split()
                elif len(word) >= 6 and (respelt := self._respelling(word)) is not None:
                    found = respelt
                elif len(word) >= 8 and (parts := self._compound(word)) is not None:
                    found = parts
            remember(self._said_memo, word, found)
        return found

    def _glossed(self, word: str) -> list[str] | None:
        """The glossary's English for ``word`` when titles of this inventory (names of three
        words or more: a ticket's, an event's) hold every one of its words, or a form of it
        ("pricing" for "price"): "ausgebuchte" → "sold out" where a ticket is "Waitlist for
        sold-out sizes", nothing where none is. Not a device's short name: "piso" is no
        floor lamp, "télé" no TV strip (a household names its devices in its own words)."""
        english = glossed(word)
        if english is None:
            return None
        # (the first of its readings the titles say)
        readings = english.split("|")
        found = next((f for e in readings if (f := self._titled_words(e)) is not None), None)
        if found is None:
            # a compound whose last word says only what sort of thing it is ("Treueprogramm":
            # loyalty program, of titles that say "loyalty points", "loyalty card")
            found = next(
                (
                    f
                    for e in readings
                    if len(parts := e.split()) > 1
                    and parts[-1] in _GENERIC_TAILS
                    and (f := self._titled_words(" ".join(parts[:-1]))) is not None
                ),
                None,
            )
        return found

    def _titled_words(self, english: str) -> list[str] | None:
        """The words of this inventory's titles that say ``english``'s words (each, or a
        form of it: "pricing" for "price"), or None unless all of them are there."""
        out = []
        for w in english.split():
            stem = w[:-1] if w.endswith("e") else w
            forms = (w, f"{w}s", w[:-1] if w.endswith("s") else "", *(stem + s for s in _FORMS))
            found = next((v for v in forms if v in self._titled), None)
            if found is None:
                return None
            out.append(found)
        return out

    def _compound(self, word: str) -> list[str] | None:
        """A German compound of a name this inventory knows and a kind's word:
        "fruhstucksszene" (an item "Frühstück" of kind scene) → its parts as said."""
        for cut in range(len(word) - 4, 3, -1):
            head, tail = word[:cut], word[cut:]
            if tail not in KIND_VOCAB and tail not in _COMPOUND_TAILS:
                continue  # ("Zahnarztrechnung" is no dentist)
            english = _COMPOUND_TAILS.get(tail) or canonical(tail)
            for link in ("", "s", "n", "en", "es"):
                stem = head[: len(head) - len(link)] if link else head
                if (not link or head.endswith(link)) and len(stem) >= 4 and stem in self._vocab_set:
                    return [*self._said(stem), *english.split()]
        return None

    def _joined(self, joined: str) -> list[str] | None:
        """The words (as :meth:`_said` reads them) that pieces said apart stand for when
        ``joined`` is one the inventory or the lexicon knows (a near spelling of a long one
        too), else None."""
        if joined in self._joins:
            return self._joins[joined]
        english = canonical(joined)
        found: list[str] | None = None
        if joined in self._vocab_set or english != joined:
            found = english.split()
        elif len(joined) >= 7 and (fixed := _fuzzy_canonical(joined)) is not None:
            found = fixed.split()
        elif len(joined) >= 7 and self._near_vocab(joined):
            found = [joined]
        if found is not None:
            found = [s for w in found for s in self._said(w)]
        return remember(self._joins, joined, found)

    def _respelling(self, word: str) -> list[str] | None:
        """The English words of a name's word that ``word`` misspells ("stehlampe"), if any."""
        if word in self._respelt:
            return self._respelt[word]
        near = self._rewritten_keys.best(word, 85)
        return remember(self._respelt, word, self._rewritten[near[0]] if near else None)

    @property
    def _by_stem(self) -> dict[str, tuple[str, ...]]:
        """Each stem of the inventory's words (see :func:`_stems`; not of command verbs) and
        the words of that stem, built at the first word the ratio finds nothing for."""
        if self._stem_index is None:
            index: dict[str, list[str]] = {}
            for word in self._vocab:
                # (not people's names: they are not inflected)
                if (
                    len(word) >= 6
                    and word.isalpha()
                    and word not in _VERBS
                    and word not in _ORDERING
                    and word not in self._value_words
                ):
                    for st in _stems(word):
                        index.setdefault(st, []).append(word)
            self._stem_index = {st: tuple(words) for st, words in index.items()}
        return self._stem_index

    def _near_vocab(self, word: str) -> bool:
        return self._close(word, 90, self._near)

    def _hits(self, words: list[str], *, lenient: bool = False) -> dict[str, dict[str, float]]:
        """For each word of the text, the inventory words it is (typos score less; a common
        word is a typo only of another language's word, unless ``lenient``)."""
        hits: dict[str, dict[str, float]] = {}
        word_hits = self._lenient_hits if lenient else self._word_hits
        for w in words:
            known = word_hits.get(w)  # never a number's
            if known is not None:  # what people say repeats: each word is looked up once
                hits[w] = known  # (again for a word said twice: the same, in the same place)
                continue
            if w.isdigit() or w in hits:
                continue
            found: dict[str, float] = {}
            if w in _ORDERING:
                pass  # names nothing: see _ORDERING
            elif len(w) < 4 or w in _EXACT_ONLY:
                if w in self._vocab_set:
                    found[w] = 1.0
            else:
                # a word of its own: a typo only of another language's
                common = not lenient and common_in(w)
                for cand, score, _ in self._vocab_choices.top(w, 82, 4):
                    sc = 1.0 if score >= 99 else 0.6 + 0.4 * (score - 82) / 18
                    # "lights" ~ "light": a plural or a declension is the same word
                    if len(w) > 4 and (cand.startswith(w[:-1]) or w.startswith(cand[:-1])):
                        sc = max(sc, 0.97)
                    elif (
                        common
                        and sc < 1.0
                        # ("form" and "forms": one word)
                        and not (cand.startswith(w) or w.startswith(cand))
                        and not mistyped(w, cand)
                    ):
                        continue
                    found[cand] = sc
                if not found and len(w) >= 6:
                    # "the proration ticket" for "prorate charges …": the same stem
                    by_stem = self._by_stem
                    for st in _stems(w):
                        if w[len(st) :] in _INFLECTIONS and w.startswith(st):
                            for cand in by_stem.get(st, ()):
                                if cand[len(st) :] in _INFLECTIONS and cand.startswith(st):
                                    found[cand] = _STEMMED
            hits[w] = remember(word_hits, w, found)
        said: set[str] | None = None
        for w, found in list(hits.items()):
            if found or len(w) < 4 or w in NUMBER_WORDS:  # ("cien" is no "cine")
                continue
            # two letters typed the wrong way round ("bakc door", "dsek lamp"): the commonest
            # slip, which the ratio scores as two ("back" 75 for "bakc"); only beside another
            # word of the same name, as real words are a swap away from item words too ("tema"
            # of "team lunch", "quite" of "quiet hours", "sing" of "sign the form")
            swaps = self._swapped.get(w)
            if swaps is None:
                swaps = remember(
                    self._swapped, w, tuple(v for v in _swaps(w) if v in self._vocab_set)
                )
            if not swaps:
                continue
            if said is None:  # the inventory words the text's other words are (w is none)
                said = {v for f in hits.values() for v in f}
            for swapped in swaps:
                if not said.isdisjoint(self._partners.get(swapped, ())):
                    hits[w] = {swapped: _SWAPPED}
                    break
        return hits

    def unknown_descriptor(self, text: str) -> bool:
        """Whether a kind word in ``text`` comes with a word this inventory does not know
        ("the cellar door", "la porte de la cave"): the user names an item the state lacks."""
        every = _words(text)
        said = [(n, w) for n, w in enumerate(every) if w not in _STOP]
        words = [w for _, w in said]
        for i, w in enumerate(words):
            if not any(w in vocab for vocab in KIND_WORDS.values()):
                continue
            for j in (i - 1, i + 1):
                if 0 <= j < len(words):
                    near = words[j]
                    if j < i and said[j][0] != said[i][0] - 1:
                        continue  # "unlock the door", "ouvre la porte": a verb, not a descriptor
                    between = every[said[i][0] + 1 : said[j][0]] if j > i else []
                    if any(b not in _OF for b in between):
                        continue  # "close the ci bug, it's fixed": another clause, not "of the"
                    verb_last = j == len(words) - 1 and not between and near.endswith("en")
                    if j > i and verb_last and len(near) > 6:
                        continue  # "den Auth-Bug schliessen": a verb said last
                    if any(near in vocab for vocab in KIND_WORDS.values()) or near.isdigit():
                        continue
                    if near in _TIME_WORDS or near in _HOME_WORDS or near in _ASKING or near in _AS:
                        continue  # "tomorrow's appointment", "every light in the house",
                        # "marque le rappel comme fait"
                    if near in _WITH_KEY:
                        continue  # "cierra la puerta con llave": how, not which door
                    if near in STATUS_WORDS:
                        continue  # "move the delivery ticket to review": where it goes
                    if len(near) >= 4 and near.isalpha() and not self.knows(near):
                        return True
        return False

    def default_item(self, kind: str) -> Item | None:
        """The one item of ``kind`` that a bare kind word names ("the thermostat")."""
        vocab = KIND_WORDS.get(kind, frozenset())
        found = [
            it
            for it in self.items
            if it.role == "target" and it.kind == kind and any(fold(n) in vocab for n in it.names)
        ]
        return found[0] if len(found) == 1 else None

    def area_items(self, area: str, kinds: Sequence[str]) -> list[Item]:
        """The target items of ``area`` whose kind is one of ``kinds``."""
        return [
            it for it in self.items if it.role == "target" and it.area == area and it.kind in kinds
        ]

    def area_name(self, area: str) -> str:
        """An area's display name."""
        item = self._areas.get(area)
        return item.names[0] if item and item.names else area.replace("_", " ")

    def collection(self, path: str) -> Collection:
        """The collection at ``path`` (built once: requests read it at every event)."""
        found = self._collections.get(path)
        if found is None:
            items = [it for it in self.items if it.collection == path]
            targets = [it for it in items if it.role == "target"]
            labels_of = {
                it.id: {fold(x) for x in it.data.get("labels", ()) if isinstance(x, str)}
                for it in targets
                if isinstance(it.data.get("labels"), list)
            }
            found = Collection(
                items,
                any("start" in it.data for it in items),
                targets,
                labels_of,
                set().union(*labels_of.values()),
            )
            self._collections[path] = found
        return found


K = TypeVar("K")
V = TypeVar("V")
_MEMO_LIMIT = 50_000  # words remembered per look-up table: what people say repeats
_COVER_LIMIT = 4096  # covers remembered per inventory (see Inventory._resolve)


def remember(memo: dict[K, V], key: K, value: V) -> V:
    """``value``, kept in ``memo`` under ``key`` while the table has room (a bounded cache of
    per-word look-ups)."""
    if len(memo) < _MEMO_LIMIT:
        memo[key] = value
    return value


def home_scope(word: str) -> bool:
    """Whether ``word`` (folded), said as where something is, means the home as a whole
    ("in the house", "de la maison", "im ganzen Haus") or a time ("in the morning")."""
    return word in _HOME_WORDS or word in _TIME_WORDS


def plural_name(item: Item) -> bool:
    """Whether one of the item's own names is a plural ("garden lights")."""
    return any(_is_plural(w) for name in item.names for w in re.findall(r"[a-z0-9]+", fold(name)))


def _is_plural(word: str) -> bool:
    if len(word) > 9 and word.endswith(_PLURAL_TAILS):
        return True  # "küchenlichter", "gartenbeleuchtung": a compound's plural or collective
    return word in _PLURALS


def _any_plural(words: list[str]) -> bool:
    """``any(map(_is_plural, words))``, the set look-up done for all words at once."""
    return not _PLURALS.isdisjoint(words) or (
        max(map(len, words), default=0) > 9  # few words are that long
        and any(w.endswith(_PLURAL_TAILS) for w in words if len(w) > 9)
    )


_PLURALS = frozenset(
    "lights lamps lumieres lampes luces lamparas lichter lampen tickets issues bugs doors "
    "portes puertas turen".split()
)
# the last part of a German compound that makes it plural or collective
_PLURAL_TAILS = ("lichter", "lampen", "leuchten", "beleuchtung", "turen")


def _raw_words(folded: str, raw: list[str] | None = None) -> list[str]:
    """The words of a folded text, the lexicon's phrases replaced; ``raw``: the text's
    [a-z0-9]+ words, when known (they are the words when no phrase nor "'s " is said)."""
    heads = _PHRASE_HEADS
    if raw is not None and heads is not None and "'s " not in folded and heads.isdisjoint(raw):
        return raw
    folded = folded.replace("'s ", " ").replace("\u2019", "'")
    return _WORD.findall(_PHRASE.sub(lambda m: PHRASES[m.group(0)], folded))


_PHRASE = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, PHRASES), key=len, reverse=True)) + r")\b"
)
# a phrase's first word: a phrase is found (at \b) only where that word is one of the text's
# [a-z0-9]+ words (None if a phrase opens with another character: no shortcut then)
_HEADS = [m.group(0) if (m := re.match(r"[a-z0-9]+", p)) else "" for p in PHRASES]
_PHRASE_HEADS = frozenset(_HEADS) if all(_HEADS) else None


def _words(text: str) -> list[str]:
    """Folded words, each mapped to English through the lexicon ("cuisine" → "kitchen")."""
    out: list[str] = []
    for word in _raw_words(fold(text)):
        out += canonical(word).split()
    return out


# each kind word is a word of one kind only (_resolve reads one named kind word's kind here;
# tests/unit/test_inventory.py checks it)
_KIND_OF = {w: k for k, ws in KIND_WORDS.items() for w in ws}
_ANY_KIND = frozenset(_KIND_OF)  # a word of some kind, whichever


def singular(word: str) -> str:
    """A folded word without a plural's "s" ("invoices" → "invoice"; not "bus", "gas")."""
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


_NO_WORDS: frozenset[str] = frozenset()
_NO_HITS: dict[str, float] = {}  # never written: the hits of a word with none
_UNSEEN: list[str] = []  # never written nor returned: a look-up not made yet
_WORD = re.compile(r"[a-z0-9]+")


_SWAPPED = 0.85  # a word with two neighbouring letters swapped: as sure as a ratio of ~90
_STEMMED = 0.9  # another form of the same word ("proration" of "prorate", "signing" of "sign")
# the endings a stem may take on either side: a word's forms, not the words made from it
# (Snowball strips those too: "integrity" and "integration", "marketing" and "market",
# "publication" and "public" share stems)
_INFLECTIONS = frozenset({"", "e", "s", "es", "ed", "en", "er", "n", "ion", "ions"})
_STEMMERS = tuple(Stemmer.Stemmer(lang) for lang in ("english", "french", "spanish", "german"))


def _stems(word: str) -> frozenset[str]:
    """The Snowball stems of ``word`` (folded) in the four languages, those of six letters
    or more (shorter ones join words that are not one: "marca" and "marco", "nachsten" and
    "nach"): the forms a word takes that the ratio scores too low ("proration" and "prorate"
    are 75).

    >>> sorted(_stems("proration"))
    ['prorat', 'proration']
    """
    return frozenset(st for st in (s.stemWord(word) for s in _STEMMERS) if len(st) >= 6)


def _swaps(word: str) -> list[str]:
    """``word`` with each pair of neighbouring (different) letters swapped.

    >>> _swaps("bakc")
    ['abkc', 'bkac', 'back']
    """
    return [
        word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        for i in range(len(word) - 1)
        if word[i] != word[i + 1]
    ]


@lru_cache(maxsize=1 << 12)
def _windows(codes: str) -> tuple[tuple[int, int], ...]:
    """Where :meth:`Inventory._rejoined` tries to join words, given their letters (see
    ``_word_props``), in the order it tries them: (start, 3) then (start, 2) at each start,
    a window with no "b" and at least one "u". Sentences come in few such shapes.

    >>> _windows("kuubk")
    ((0, 3), (0, 2), (1, 2))
    """
    return tuple(
        (i, n)
        for i in range(len(codes))
        for n in (3, 2)
        if i + n <= len(codes) and "b" not in codes[i : i + n] and "u" in codes[i : i + n]
    )


_ID_TOKEN = re.compile(r"[a-z0-9][a-z0-9._-]*[a-z0-9]")
# a separator between two [a-z0-9] runs: what every token of _ID_TOKEN that is not a run of
# [a-z0-9] alone holds (a sentence's full stop is none: "lamp.")
_ID_SEPARATOR = re.compile(r"[a-z0-9][._-]+[a-z0-9]")
_DIGIT_CHAR = re.compile(r"\d")


def _separated(folded: str) -> bool:
    """Whether a word goes on with "-", "." or "_" and another one (most texts have none)."""
    return ("-" in folded or "." in folded or "_" in folded) and bool(_ID_SEPARATOR.search(folded))


_KIND_KEYS = Choices(sorted(_KIND_OF))


@lru_cache(maxsize=1 << 14)
def _fuzzy_kind(word: str) -> str | None:
    found = _KIND_KEYS.best(word, 85)
    return _KIND_OF[found[0]] if found else None


# per word, the kind a misspelt kind word in it names (None for most: see _kind_guess)
_KIND_GUESS: dict[str, str | None] = {}


def _kind_guess(word: str) -> str | None:
    """The kind ``word`` names misspelt ("luzes"; none for a word under 5 letters),
    remembered."""
    found = _KIND_GUESS.get(word)
    if found is None and word not in _KIND_GUESS:
        found = remember(
            _KIND_GUESS,
            word,
            _fuzzy_kind(word)
            if len(word) >= 5 and word not in _CLOCK_WORDS and word not in NOT_MISSPELT
            else None,
        )
    return found


@lru_cache(maxsize=1 << 14)
def _fuzzy_canonical(word: str) -> str | None:
    """A misspelt lexicon word ("lumère", "cosina") → its English word, or None."""
    if word in NUMBER_WORDS:
        return None
    if len(word) >= 3 and (heard := by_sound(word)) is not None:
        return heard
    if len(word) < 5:
        return None
    found = _LEXICON_KEYS.best(word, 85)
    return canonical(found[0]) if found else None


_LEXICON_KEYS = Choices(sorted(lexicon_words()))


_DIGIT_WORDS = dict(
    zip("zero oh one two three four five six seven eight nine".split(), "00123456789", strict=True)
)
_DIGIT = r"(?:\d{1,2}|zero|oh|one|two|three|four|five|six|seven|eight|nine)"
_DIGIT_RUN = re.compile(rf"(?<![\w.,])(?:{_DIGIT}\s+){{1,3}}{_DIGIT}(?![\w.]|,\d)")


# what _DIGIT reads in ASCII: a digit word, or one or two digits
_DIGIT_TOKENS = (
    frozenset(_DIGIT_WORDS) | {f"{i}" for i in range(10)} | {f"{i:02}" for i in range(100)}
)

_HYPHENATED_DIGITS = re.compile(
    r"\b(zero|oh|one|two|three|four|five|six|seven|eight|nine)-(?=(?:zero|oh|one|two|three|four|"
    r"five|six|seven|eight|nine|\d)\b)"
)


def _digit_tokens(raw: list[str]) -> int:
    """How many of an ASCII text's [a-z0-9]+ words ``_DIGIT_RUN`` can read as a digit."""
    return 0 if _DIGIT_TOKENS.isdisjoint(raw) else len([w for w in raw if w in _DIGIT_TOKENS])


def _spoken_digits(text: str) -> list[str]:
    """Numbers said digit by digit: "ticket one twelve" (1 12) is 112, "one oh one" 101.
    Only an item with that number is matched, so "1 12" stays two numbers elsewhere."""
    out = []
    text = text.lower()
    if "-" in text:  # "one-oh-one": the digits of a number joined by hyphens
        text = _HYPHENATED_DIGITS.sub(r"\1 ", text)
    for m in _DIGIT_RUN.finditer(text):
        parts = [_DIGIT_WORDS.get(p, p) for p in m.group(0).split()]
        if any(not p.isdigit() for p in parts) or (len(parts[0]) > 1 and len(parts) > 1):
            continue
        out.append("".join(parts))
    return out


def _at(state: Any, pointer: str) -> Any:
    node = state
    for part in [p for p in pointer.split("/") if p]:
        if not isinstance(node, dict):
            return None
        node = node.get(part.replace("~1", "/").replace("~0", "~"))
    return node
