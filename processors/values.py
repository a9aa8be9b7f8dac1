"""Values people say: on/off, percentages, temperatures, relative changes, colours, ticket
statuses, dates and times — in English, French, Spanish and German.

Every function reads a :class:`~processors.language.Cleaned` utterance (numbers already
digits, accents folded) and returns the value or None: a value that cannot be resolved is a
missing slot, never a guess.

>>> from processors.language import clean
>>> switch(clean("can you put the ambilight on", "en"))
'on'
>>> percent(clean("dim the reading lamp to thirty percent", "en"))
30
>>> temperature(clean("mets vingt et un degrés dans la chambre", "fr"))
21.0
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from processors.fuzzy import Choices
from processors.language import Cleaned, fold
from processors.lexicon import WEEKDAY_NAMES
from processors.patterns import Needled

# --- on / off -------------------------------------------------------------------------------
_ON = re.compile(
    r"\b(?:on|light (?:up|it up)|(?:fire|power) (?:it |them )?up|allume\w*|rallume\w*|"
    r"enciend\w*|encend\w*|prend\w*|"
    r"einschalt\w*|anschalt\w*|"
    r"anmach\w*|start\w*|activ\w*|lance\w*|demarre\w*|arranca\w*|pon en marcha|"
    # plugged in ("branche le fer", "enchufa el compresor", "steck den Wasserkocher ein")
    # (imperatives, not the nouns: "la branche du lampadaire", "el enchufe de la cafetera")
    r"(?<!la )(?<!une )(?<!sa )(?<!ma )(?<!cette )(?:re)?branche(?:-la|-le|-les|z)?(?!\w)|"
    r"(?:re)?brancher|conecta(?:la|lo|las|los|me)?|conectar|enchuf(?:a|ala|alo|alas|alos|ame|ar)|"
    r"plug (?:\w+ ){0,3}?(?:back )?in|plug in|einsteck\w*|steck (?:\w+ ){1,4}ein|"
    # "mets la bouilloire en route" (not "on est en route")
    r"(?<=mets )(?:\S+ ){1,4}en (?:route|marche)|(?<=mets )en (?:route|marche)|"
    r"pon\w* (?:la|el|las|los) (?:luz|luces|lampara\w*|luce\w*))\b"
)
# "mets le ruban LED", "pon la tira led": on, when no level is said ("mets la veilleuse à zéro",
# "plus faible", "au minimum" are levels)
_PUT_ON = re.compile(
    # "pon la tele", "ponme la manta eléctrica, porfa": a thing and at most how it is, asked
    r"^(?:pon\w* (?:la|el|las|los) \w+(?: \w+)?(?:,? (?:porfa|por favor))?$)|"
    r"\b(?:pon\w* (?:la|el|las|los) (?:tira|led|foco\w*)|"
    r"mets (?:la|le|les|l') ?(?:lumiere|lampe|ruban|led|plafonnier|lampadaire|veilleuse)\w*)\b"
)
_A_LEVEL = re.compile(
    r"\d|%|\b(?:zero|cero|plus|moins|mas|menos|minimum|maximum|minimo|maximo|faible|fort|"
    r"baja|alta|bajo|alto|tenue|fuerte|a fond|a tope)\b"
)
_DREH_AB = re.compile(r"\bdreh\w*\b[^,.!?]*?(?<!nicht )\b(ab)\s*(?:bitte\s*)?(?:[,.!?]|$)")
_ON_DE = re.compile(
    r"\b(?:an|ein)\s*[,.!?]|\b(?:an|ein)\s*$|\b(?:an|ein)\b(?=\s+(?:und|bitte|machen|schalten))"
)
_OFF = re.compile(
    r"\b(?:off|kill|shut|eteins|eteindre|eteint\w*|eteignez|coupe\w*|apag\w*|aus|ausschalt\w*|"
    r"ausmach\w*|abschalt\w*|stop\w*|arrete\w*|desactiv\w*|deactivate|disable|"
    # a light put out ("lösch mal s Licht", "das Licht löschen")
    r"losch\w*(?= (?:(?!ticket|termin|erinnerung|eintrag|notiz)\w+ ){0,3}?"
    r"(?:licht|lichter|lampe|lampen|leuchte)\b)|"
    r"(?<=licht )losch\w*|(?<=lichter )losch\w*|loschen(?=\W*$)|"
    # turned off, as Austria says it ("die Lampe kannst abdrehen")
    r"abdreh\w*|"
    # unplugged ("débranche le compresseur", "desconecta el compresor", "zieh den Stecker")
    r"debranche\w*|desconecta(?:la|lo|las|los)?|desconectar|desenchuf(?:a|ala|alo|alas|alos|ar)|"
    r"unplug\w*|aussteck\w*|stecker (?:raus|ziehen)|zieh\w* (?:\w+ ){0,4}?(?:den )?stecker)\b"
)
_OUVRE = re.compile(r"\bouvr\w*|\bouvre\b")
_FERME = re.compile(r"\bferm\w*")
_SCHALT_AB = re.compile(r"\bschalt\w*\b.*\b(ab)\b")
_AB_NUMBER = re.compile(r"\bab \d")
_DREH_AUF = re.compile(r"\bdreh\w*\b(?!.*\bum\b).*\b(auf)$")
_OFF_PHRASE = re.compile(
    r"\b(?:turn|switch|shut|power)\s+(?:\w+\s+){0,4}?off\b|\bon\s*->\s*off|"
    r"\b(?:turn|switch)\s+of\b"  # "turn of the lights": a typo for off
)


# a light left as it is told beside bedtime or a fear of the dark ("the kids are asleep but the
# hallway light is still on", "la veilleuse est encore éteinte, Léo a peur du noir"): the
# other way is asked
_STILL_ON = re.compile(
    r"\b(?:still|encore|toujours|sigue|todavia|aun|noch|immer noch) (?:on|allume\w*|"
    r"encendid\w*|prendid\w*|an|brennt)\b|\b(?:brennt|ist) (?:immer )?noch(?: an)?\b"
)
_STILL_OFF = re.compile(
    r"\b(?:still|encore|toujours|sigue|todavia|aun|noch|immer noch) (?:off|eteint\w*|"
    r"apagad\w*|aus)\b"
)
_BEDTIME = re.compile(
    r"\b(?:asleep|sleeping|going to bed|off to bed|in bed|bedtime|dorm\w*|se coucher|couches|"
    r"au lit|duerme\w*|dormid\w*|a la cama|a dormir|acostad\w*|schlaf\w*|ins bett|im bett|"
    r"eingeschlafen)\b"
)
_AFRAID_OF_THE_DARK = re.compile(
    r"\b(?:scared of the dark|afraid of the dark|peur du noir|miedo a la oscuridad|"
    r"miedo de la oscuridad|angst im dunkeln|angst vor der dunkelheit)\b"
)


# said to be as wanted ("that's fine", "c'est voulu", "déjalo así", "das passt so")
_AS_WANTED = re.compile(
    r"\b(?:that'?s fine|it'?s fine|that'?s ok(?:ay)?|on purpose|leave it|keep it|c'est (?:bien|"
    r"voulu|normal|fait expres)|laisse(?:-la|-le)?|expres|esta bien|a proposito|dejal[oa]|"
    r"passt (?:so)?|ist (?:gut|ok|okay) so|mit absicht|absichtlich|lass (?:es|sie|ihn))\b"
)


def switch(u: Cleaned) -> str | None:
    """``on`` or ``off`` when the utterance asks for one (the later word wins on a conflict:
    "turn off, no, on"); what is said after the request's clause, unless it corrects it, does
    not count ("turn off the porch light, it's been on all day", "apaga la luz del baño, que
    está encendida desde ayer")."""
    text = requested(u.folded)
    # "we're going to bed and the floor lamp is still on": off; "Léo a peur du noir et la
    # veilleuse est encore éteinte": on; "…, that's fine": as it should be, nothing to say
    other_way = (
        "off"
        if _STILL_ON.search(text) and _BEDTIME.search(text)
        else "on"
        if _STILL_OFF.search(text) and _AFRAID_OF_THE_DARK.search(text)
        else None
    )
    if other_way is not None:
        return None if _AS_WANTED.search(text) else other_way
    if left_as_is(text):
        return None  # "I left the porch light on": how it is, not how it should be
    first, *later = _CLAUSE_END.split(text)
    if later and not any(_CORRECTS.match(c) for c in later):
        if not _ASKED_VERB.search(first) and _opens_request(later[0].strip()):
            # "great job on the porch light, now turn it off": the request is the second one
            first = later[0]
        found = _switch_in(first, u.lang)
        if found is not None:
            return found
    return _switch_in(text, u.lang)


def left_as_is(text: str) -> bool:
    """Whether all that is said is how someone left a thing ("I left the porch light on",
    "j'ai laissé la lumière allumée", "dejé la luz encendida", "ich hab das Licht angelassen"):
    no clause asks (``text`` folded).

    >>> left_as_is("i think i left the front door unlocked")
    True
    >>> left_as_is("i left it unlocked, lock it")
    False
    """
    return (
        _LEFT_SAID.search(text) is not None
        and not _ASKED_VERB.search(text)
        and not any(_opens_request(c.strip()) for c in _CLAUSE_END.split(text))
    )


def own_clause(folded: str, said: re.Pattern[str]) -> str:
    """The first clause of ``folded`` when it says ``said`` and no later clause corrects it
    (what follows is a reason: "lock the front door, it's been unlocked all night"), the last
    clause saying it from the last correction on when one does, else ``folded``.

    >>> own_clause("unlock the front door, no, locked", re.compile("lock"))
    ' locked'
    """
    first, *later = _CLAUSE_END.split(folded)
    if later and said.search(first) and not any(_CORRECTS.match(c) for c in later):
        return first
    corrects = [n for n, c in enumerate(later) if _CORRECTS.match(c)]
    if corrects:
        # "unlock the front door, no, locked": what the last correction says
        after = [c for c in later[corrects[-1] :] if said.search(c)]
        if after:
            return after[-1]
    return folded


def requested(folded: str) -> str:
    """``folded`` without the clauses that tell what is so already, when another clause asks:
    "sam already switched off the porch light, turn it back on" asks for on, "Sam hat die
    Hintertür schon aufgeschlossen, schließ sie wieder ab" to lock.

    >>> requested("the porch light is already off, turn it on")
    'turn it on'
    >>> requested("the front door is locked, unlock it please")
    'unlock it please'
    """
    already = _ALREADY.search(folded) is not None
    if not (already or _IS.search(folded)):
        return folded  # (most texts)
    clauses = [c.strip() for c in _CLAUSE_END.split(folded) if c.strip()]
    # a clause that opens with a request's verb asks, "already" or not ("turn off the porch
    # light already, it's been on all day", "abre ya la puerta"); one that says what is so
    # tells ("the front door is locked, unlock it please")
    asked = [c for c in clauses if not (_ALREADY.search(c) or _IS.search(c)) or _opens_request(c)]
    if not asked or len(asked) == len(clauses) or any(_NOT_ASKED.search(c) for c in asked):
        return folded  # (and "…, don't turn it off" asks for nothing)
    if not already and not any(
        _opens_request(c) and (_IT.search(c) or _ALL_OF.search(c)) for c in asked
    ):
        # no verb asks ("the porch light is on, leave it"), or it asks of another thing than
        # the one told ("the garage is locked, unlock the front door": the told one may be
        # what the request is taken to name); "…, lock all the doors" names it too
        return folded
    return ", ".join(asked)


def asked_apart(folded: str) -> list[int] | None:
    """The clauses that ask (their indices among ``folded``'s parts split at ``,;.!?``) when
    others tell how another thing is: "the garage is locked, unlock the front door" → ``[1]``
    (:func:`requested` keeps such a text whole: the told clause may name what the asked one
    acts on, "the kitchen is dark, turn on the light"; the caller decides).

    >>> asked_apart("the garage is locked, unlock the front door")
    [1]
    >>> asked_apart("the front door is locked, unlock it") is None
    True
    """
    if _ALREADY.search(folded) or not (_IS.search(folded) or _DONE_TOLD.search(folded)):
        return None
    clauses = _CLAUSE_END.split(folded)
    # (or what someone did: "I locked the front door, unlock the back door")
    told = [bool(_IS.search(c) or _DONE_TOLD.search(c)) and not _opens_request(c) for c in clauses]
    asked = [n for n, c in enumerate(clauses) if c.strip() and not told[n]]
    if (
        not any(told)
        or not asked
        or not all(_opens_request(clauses[n]) for n in asked)
        or any(_IT.search(clauses[n]) or _NOT_ASKED.search(clauses[n]) for n in asked)
    ):
        return None
    return asked


_ALL_OF = re.compile(r"\b(?:all|every|tous|toutes|todos|todas|alle|samtliche)\b")


def told_only(folded: str) -> bool:
    """Whether ``folded`` only tells how things are or what was done, and asks nothing ("the
    alarm is on, goodnight", "I just unlocked the back door", "we left the garage unlocked, no
    big deal").

    >>> told_only("i just unlocked the back door"), told_only("the door is open, lock it")
    (True, False)
    """
    if (
        not (_IS.search(folded) or _DONE_TOLD.search(folded))
        or _ASKED_VERB.search(folded)
        or _WANTED.search(folded)
    ):
        return False
    return not any(_opens_request(c) for c in _CLAUSE_END.split(folded))


# a verb that asks, anywhere (not as told: "unlocked", "disarmed"); "set" only as asked ("so
# set the alarm"; "the cat set the alarm off" tells)
_ASKED_VERB = re.compile(
    # (not after a French auxiliary: "j'ai déverrouillé", "sam a désactivé" tell it)
    r"\b(?<!\bai )(?<!\ba )(?<!\bas )(?<!\bavons )(?<!\bavez )(?<!\bont )(?<!\bdeja )"
    r"(?:unlock|lock|arm|disarm|turn|switch|put|let|locking|unlocking|arming|"
    r"disarming|schliess\w*|abschliess\w*|aufschliess\w*|zuschliess\w*|schalt\w*|mach\w*|"
    r"sperr\w*|ouvre|ouvrir|ferme|fermer|verrouille|verrouiller|deverrouille|deverrouiller|"
    r"desactive|desactiver|active|activer|eteins|eteindre|allume|allumer|abre|abrir|cierra|"
    r"cerrar|apaga|apagar|enciende|encender|desactiva|desactivar|activa|activar|pon|modus|mode|"
    r"modo)\b|\b(?:so|then|and|now|please|just|pls) set\b"
)


# what someone did to a thing, told ("I unlocked the front door for the plumber", "the cat set
# the alarm off")
_DONE_TOLD = re.compile(
    # (the one who did it: not a thing, "the front door unlocked" is how it should be)
    r"\b(?!(?:door|doors|alarm|garage|gate|lock|locks|it|them|one|system|light|lights)\b)"
    r"(?:i|i've|we|we've|you|he|she|they|someone|somebody|\w+) "
    r"(?:just |already |have |has |had |'ve )?"
    r"(?:unlocked|locked|disarmed|armed|opened|closed|set (?:it|the alarm)(?: off)?|"
    r"turned (?:it |the alarm )?off|switched (?:it |the alarm )?off)\b|"
    # in French, Spanish and German, as told ("j'ai déverrouillé", "sam a désactivé", "he
    # desbloqueado", "hat … aufgeschlossen")
    r"\b(?:ai|as|a|avons|ont) (?:deja )?(?:deverrouille|desactive|ouvert|verrouille|active)\w*|"
    r"\b(?:he|ha|hemos|han) (?:desbloqueado|desactivado|abierto|bloqueado|activado)\b|"
    r"\b(?:desbloqueo|desactivo|abrio)\b|"
    r"\b(?:hab|habe|hat|haben|hast)\b[^,.;]*\b(?:aufgeschlossen|ausgeschaltet|deaktiviert|"
    r"entscharft|geoffnet|abgeschlossen|eingeschaltet|aktiviert)\b"
)
# what is wanted, said as how it should be ("I want the front door unlocked", "get it locked")
_WANTED = re.compile(r"\b(?:want|wants|need|needs|like|get|got|make sure|keep|leave)\b")


def opens_request(clause: str) -> bool:
    """Whether ``clause`` opens with a request's verb ("please unlock it", "can you lock …").

    >>> opens_request("can you lock it"), opens_request("sam unlocked it")
    (True, False)
    """
    return _opens_request(clause.strip())


def _opens_request(clause: str) -> bool:
    return _ASKS_FIRST.match(_PLEASE.sub("", clause.lstrip("¿¡ "))) is not None


_CLAUSE_END = re.compile(r"[,;.!?]")
_ASKS_FIRST = re.compile(
    r"(?:please |bitte |por favor |just |juste |komm schon,? )?(?:turn|switch|unlock|lock|open|"
    r"close|shut|put|set|arm|disarm|make sure|check|(?:abre|abri|cierra|cerra|apaga|enciende|"
    r"encende|prende|pon)\w*|eteins|eteindre|allume\w*|ferme\w*|ouvre|ouvrir|verrouille\w*|"
    r"deverrouille\w*|verifie|assure-toi|asegurate|comprueba|mach|schalt\w*|schlie\w*|offne\w*|"
    r"sperr\w*|dreh\w*|aufmachen|zumachen|aufschlie\w*|abschlie\w*|anmachen|ausmachen|"
    r"einschalten|ausschalten|stell sicher|pruf\w*|"
    # an event's or a ticket's ("yoga is on wednesday, cancel the dentist", "Marco is on
    # TL-42, assign TL-94 to Jonas")
    r"cancel|move|push|reschedule|delete|remove|assign|reassign|reopen|give|hand|"
    r"annule\w*|supprime\w*|deplace\w*|decale\w*|repousse\w*|assigne\w*|attribue\w*|"
    r"rouvre\w*|cancela\w*|anula\w*|borra\w*|mueve\w*|asigna\w*|reabre\w*|"
    r"sag\w* \w+(?: \w+)* ab|streich\w*|verschieb\w*|losch\w*|weis\w*)\b"
)
# the thing told of, named again by a pronoun ("…, unlock it", "déverrouille-la", "ábrela",
# "schließ sie auf")
_IT = re.compile(
    r"\b(?:it|them|sie|ihn|es)\b|-(?:la|le|les|lui)\b|\b(?:la|le|les|l')\s*\w+(?:er|ir|re)\b|"
    r"\w(?:ela|elas|elo|elos|ala|alas|alo|alos|rla|rlo|rlas|rlos)\b"
)
# what says how a thing is ("the front door is locked", "las luces están apagadas", "the kids
# left the lights on", "tu as laissé la porte ouverte", "dejaron la luz encendida", "hat das
# Licht angelassen")
_LEFT = (
    r"left|(?:ai|as|a|avons|ont|avez|on a|il a|elle a|quelqu'un a) laisse\w*|deje|dejamos|"
    r"dejaste|dejaron|dejado|dejo|\w*gelassen"
)
_IS = re.compile(
    r"(?<!\blet)'s\b|\b(?:is|are|was|were|isn'?t|aren'?t|est(?!-ce| ce)|sont|etait|esta|"
    rf"estan|estaba|ist|sind|war|{_LEFT})\b"
)
_LEFT_SAID = re.compile(rf"\b(?:{_LEFT})\b")
# a request's opening words before its verb ("so can you unlock it", "tu peux l'ouvrir")
_PLEASE = re.compile(
    r"^(?:(?:so|then|now|ok|okay|and|alors|donc|et|pues|entonces|y|also|dann|und|can you|"
    r"could you|would you|will you|peux-tu|tu peux|pourrais-tu|est-ce que tu peux|puedes|"
    r"podrias|kannst du|konntest du|la|le|les|lo|sie|ihn|es)\s+|l')+"
)
_NOT_ASKED = re.compile(r"\b(?:don'?t|do not|never|ne|pas|no|nicht|nie|kein\w*)\b|n'")
# what is so already ("ya" only before a word: "apágala ya" is "now"; "schalt schon mal …"
# is "go ahead and")
_ALREADY = re.compile(r"\b(?:already|deja|schon(?! mal\b)|bereits)\b|\bya\s+\w")
_CORRECTS = re.compile(
    r"\s*(?:(?:well|bon|bueno|pues|ach|oh|ah|eh) (?:no|non|nein|nee)|"
    r"no|non|nein|nee|nope|actually|or rather|i mean|plutot|enfin|mejor|digo|o sea|lieber|"
    r"doch|wait|attends|espera|warte)\b"
)


# a horn or a bell sounded, a thing set going ("sound the foghorn", "fais sonner la corne",
# "toca la sirena", "get the sauna going"): on, when asked now of the speaker's own accord
_SET_GOING = re.compile(
    r"^\W*(?:(?:please|can you|could you|uh|um|erm|oye|bitte|stp)\W+)*"
    r"(?:sound(?= (?:the|our|that|it)\b)|get (?:\w+ ){1,3}?going|"
    r"(?:fais|faites) (?:sonner|retentir|tourner|marcher)|"
    r"(?:haz|hazme) (?:sonar|funcionar)|toca (?:la|el) (?:sirena|bocina|campana)|"
    r"lass\w* (?:\w+ ){1,4}(?:tuten|ertonen|laufen))"
)
# a time or a condition said ("… when the ferry leaves", "… after breakfast", "… for 7")
_LATER_OR_IF = re.compile(
    r"\b(?:when|once|after|before|at|for|until|till|if|tonight|tomorrow|later|quand|lorsque|"
    r"des que|apres|avant|si|ce soir|demain|cuando|despues|antes|luego|manana|wenn|sobald|"
    r"nach|vor|falls|heute abend|morgen|spater|um)\b|\d"
)


@lru_cache(maxsize=16)  # one event's text is read for several intents
def _switch_in(text: str, lang: str) -> str | None:
    on = [m.start() for m in _ON.finditer(text)]
    if (going := _SET_GOING.search(text)) is not None and not _LATER_OR_IF.search(
        text, going.end()
    ):
        on.append(going.start())
        on.sort()
    # (every _PUT_ON says "pon" or "mets")
    if ("pon" in text or "mets" in text) and not _A_LEVEL.search(
        _CLAUSE_END.split(text, maxsplit=1)[0]
    ):
        on += [m.start() for m in _PUT_ON.finditer(text)]
        on.sort()
    if lang == "de":  # "mach das Licht an": a separable particle, usually last
        on += [m.start() for m in _ON_DE.finditer(text)]
        on.sort()
    off = [m.start() for m in _OFF.finditer(text)]
    if lang == "fr":  # Québec: "ouvre la lumière", "ferme le ruban"
        on += [m.start() for m in _OUVRE.finditer(text)]
        off += [m.start() for m in _FERME.finditer(text)]
        on.sort()
        off.sort()
    if lang != "en":
        on = [i for i in on if not text.startswith("on", i)]
    if lang == "de" and (ab := _SCHALT_AB.search(text)):
        off.append(ab.start(1))  # "schalt die Heizung ab"
    if (
        lang == "de"
        and not _AB_NUMBER.search(text)  # "ab 20 Uhr": from then, not now
        and (ab := _DREH_AB.search(text))
    ):
        off.append(ab.start(1))  # Austrian "dreh das Licht ab" (not "… nicht ab")
    if lang == "de" and (auf := _DREH_AUF.search(text)):
        on.append(auf.start(1))  # Austrian "dreh das Licht auf" (not "dreh … um 2 Grad auf")
    # (every _OFF_PHRASE says "of")
    if "of" in text and _OFF_PHRASE.search(text) and not on[-1:] > off[-1:]:
        return "off"
    if not on and not off:
        return _misspelt_switch(text)
    if not off:
        return "on"
    if not on:
        return "off"
    # "turn on" vs "switch off": the last one said; "an/ein" are often particles, weigh less
    return "on" if on[-1] > off[-1] else "off"


_ON_VERBS = "allume allumer enciende enciendo encender prende prender einschalten anschalten"
_OFF_VERBS = "eteins eteindre apaga apagar apago ausschalten ausmachen abschalten"
_SWITCH_VERBS = {w: "on" for w in _ON_VERBS.split()} | {w: "off" for w in _OFF_VERBS.split()}
_SWITCH_CHOICES = Choices(list(_SWITCH_VERBS))


_LETTERS = re.compile(r"[a-z]+")


@lru_cache(maxsize=4096)  # one event's text is read for several intents
def _misspelt_switch(text: str) -> str | None:
    """ "encinde la luz", "a paga la luz", "alume": a switching verb misspelt or split."""
    words = _LETTERS.findall(text)
    candidates = [w for w in words if len(w) >= 5]
    candidates += ["".join(pair) for pair in itertools.pairwise(words) if len(pair[0]) <= 2]
    for word in candidates:
        found = _SWITCH_CHOICES.best(word, 83)
        if found is not None:
            return _SWITCH_VERBS[found[0]]
    return None


# --- numbers with a unit --------------------------------------------------------------------
_DIGIT = re.compile(r"\d")
_PERCENT = re.compile(
    r"(\d{1,3})(?:[.,]\d+)?\s*(?:%|percent|per cent|pour ?cent|por ?ciento|prozent)"
)
_HALF = re.compile(r"\b(?:half|moitie|mitad|medio|halb\w*|50/50)\b")
_FULL = re.compile(r"\b(?:full|max\w*|fond|a tope|maximal|voll\w*|100)\b")
# "and a half" said after a number: "21 and a half degrees", "22 grados y medio", "20 et demi"
# (the feminine "y media", "et demie" are half past an hour: "a las tres y media")
_AND_A_HALF = r"(?:and a half|et demi|y medio|und ein ?halb|einhalb)\b"
_TEMPERATURE = re.compile(
    rf"(\d{{1,2}}(?:[.,]\d)?)(\s*{_AND_A_HALF})?"
    r"\s*(?:°\s*c?|degrees?|deg\b|degres?|grados?|grad\b|celsius|c\b)"
    rf"(\s*{_AND_A_HALF})?"
)
_BARE_NUMBER = re.compile(
    r"(?<![\w.:/-])(\d{1,3}(?:[.,]\d+)?)(?![\w:/-]|\s*(?:h\b|uhr|am\b|pm\b))"
    rf"(\s*{_AND_A_HALF})?"
)


# a number after an article counts the things ("les 2 radiateurs", "los 2 radiadores")
_COUNTED = re.compile(r"\b(?:the|these|those|les|ces|mes|los|las|estos|estas|mis|die|meine)\s+$")


def percent(u: Cleaned) -> int | None:
    """A brightness-style percentage: ``30%``, "thirty percent", "half", "full"."""
    text = u.folded
    # (_PERCENT and _LEVEL_TO read a number: most texts say none, and the rest are searched
    # only where one of their few words is, see _HALF_SAID)
    digit = _DIGIT.search(text) is not None
    if digit and (m := _PERCENT.search(text)):
        return min(100, int(m.group(1)))
    if _HALF_SAID.search(text):
        return 50
    if _FULL_SAID.search(text) and _BRIGHTNESS_SAID.search(text):
        return 100
    if _AT_MOST_SAID.search(text):
        return 100
    if digit and (m := _LEVEL_TO.search(text)) and not _WARMTH.search(text):
        return int(m.group(1))  # "floor lamp down to 30", "the living room lights at 60"
    return None


_BRIGHTNESS = re.compile(r"\b(?:brightness|luminosite|brillo|helligkeit)")
_AT_MOST = re.compile(r"\b(?:al maximo|au maximum|a fond|a tope|ganz hell|full brightness)\b")
# a level said without "%": above 12 (not a time: "at 8"), not a temperature, not a time of day
_LEVEL_TO = re.compile(
    r"\b(?:to|at|a|à|au|auf|al|sur)\s+(1[3-9]|[2-9]\d|100)\b(?!\s*(?:[:h.]\d|am|pm|uhr|h\b|"
    r"heures?|horas?|o'clock|minutes?|min|grad|degre|°))"
)
_WARMTH = re.compile(
    r"\b(?:degrees?|degres?|grados?|grad|heat\w*|chauff\w*|calefac\w*|heiz\w*|thermostat\w*|"
    r"radiat\w*|termostato|temperature|temperatura|temperatur)\b|°"
)
# the few-word patterns of :func:`percent`, searched only where one of their words is
_HALF_SAID, _FULL_SAID, _BRIGHTNESS_SAID, _AT_MOST_SAID = map(
    Needled, (_HALF, _FULL, _BRIGHTNESS, _AT_MOST)
)


def temperature(u: Cleaned) -> float | None:
    """A temperature in degrees Celsius: "21 degrees", "vingt et un degrés", "21°"."""
    m = _TEMPERATURE.search(u.folded)
    if m is None:
        return None
    half = 0.5 if m.group(2) or m.group(3) else 0.0
    return float(m.group(1).replace(",", ".")) + half


def bare_number(u: Cleaned) -> float | None:
    """A lone number ("set it to 20") — its meaning depends on what it is said about."""
    # "les 2 radiateurs à 18": a count of the things is not their value
    found = [
        m
        for m in _BARE_NUMBER.finditer(u.folded)
        if not _COUNTED.search(u.folded[: m.start()])
        # a time or a duration is no value: "put the heating on at 6", "… for 30 minutes"
        # ("at 21" is a thermostat's value: no hour said so)
        and not (
            _AT_CLOCK_BEFORE.search(u.folded, 0, m.start())
            and float(m.group(1).replace(",", ".")) <= 12
        )
        and not _DURATION_AFTER.match(u.folded, m.end())
    ]
    if len(found) > 1:
        # "set the thermostat at 6 to 21": the number it is set to (the other is a time)
        found = [m for m in found if _SET_TO.search(u.folded, 0, m.start())] or found
    m = found[0] if found else None
    if m is None:
        return None
    return float(m.group(1).replace(",", ".")) + (0.5 if m.group(2) else 0.0)


_AT_CLOCK_BEFORE = re.compile(r"\b(?:on at|at|um|a las|vers)\s*$")
_DURATION_AFTER = re.compile(
    r"\s*(?:minutes?|mins?|hours?|hrs?|heures?|horas?|minutos?|stunden?|minuten?|h)\b"
)


# --- relative changes -----------------------------------------------------------------------
_UP = re.compile(
    r"\b(?:warmer|hotter|up|increase|raise|bump|higher|brighter|more|chaud\w*|monte\w*|augmente\w*|"
    r"plus|caliente|sube\w*|subir\w*|aumenta\w*|mas|warmer|warm\w*|hoch|erhoh\w*|heller|mehr|rechauffe\w*|"
    r"calienta\w*|aufdreh\w*|hoher)\b"
)
_DOWN = re.compile(
    # "plus froid" is colder; "j'ai froid", "tengo frío" say the opposite (see _INDIRECT_COLD)
    r"\b(?:cooler|colder|down|decrease|lower|dimmer|dim|less|reduce|plus froid\w*|baisse\w*|"
    r"diminue\w*|moins|mas fri[ao]s?|baja\w*|bajar\w*|reduce|drop|menos|kalter|kuhler|runter|"
    r"niedriger|dunkler|weniger|senk\w*|"
    r"tamise\w*|atenua\w*|dimm\w*)\b"
)
_BY_AMOUNT = re.compile(
    r"\b(?:by|de|um|en)\s+(\d{1,2}(?:[.,]\d)?)\b(?!\s*(?:%|percent|pour|por|prozent))"
)
_BY_DEGREES = re.compile(r"(\d{1,2}(?:[.,]\d)?)\s*(?:degrees?|degres?|grados?|grad|°)")
# "ein Grad höher", "un degré de plus": one, said as an article
_ONE_DEGREE = re.compile(r"\b(?:one|a|an|un|uno|ein|einen)\s+(?:degrees?|degres?|grados?|grad)\b")
# (a hesitation between them at most: "bájalo a… 22")
_TO_NUMBER = re.compile(r"\b(?:to|a|auf|en|sur)(?:\s|\.\.\.|\u2026)+\d")
_BY_NUMBER = re.compile(r"\b(?:by|de|um|en)(?:\s|\.\.\.|\u2026)+\d")
# a change of sound: nothing a pack changes is loud ("sube el volumen del salón" is no warmer
# living room)
_SOUND = re.compile(
    r"\b(?:volume|volumen|lautstarke|sound|sonido|music|musique|musica|musik|louder|quieter|"
    r"lauter|leiser)\b"
)
_CANNOT_AT = re.compile(
    r"(?:can'?t|cannot|can not|kann (?:\w+ )?nicht|peut pas|pourra pas|no puede\w*|no podra)\b"
    r"[^,.;]{0,30}?(?:\bat\b|\bum\b|\ba\b|\ba las\b)\s*(?:half |halb )?\d"
)
# before a day said as where something goes: "to friday", "à jeudi", "al viernes", "auf Freitag"
_TO_DAY = re.compile(
    r"\b(?:to|until|till|a|au|al|auf|zum|nach|hasta|bis|jusqu'a)\s+"
    r"(?:the |le |el |den |next |this |ce |este |diesen |nachsten )?$"
)
_HEAT_OR_LIGHT = re.compile(
    r"\b(?:heat\w*|thermostat|radiat\w*|temperatur\w*|chauffage|calefac\w*|heiz\w*|light\w*|"
    r"lamp\w*|lumiere\w*|luz|luces|licht\w*)\b"
)
_SOUND_CLAUSE = re.compile(r"[,;.!?]| (?:and|et|y|und|but|mais|pero|aber) ")
_A_BIT = re.compile(r"\b(?:a bit|a little|slightly|un peu|poco|un poco|bisschen|etwas|ein wenig)\b")


@dataclass(frozen=True)
class Delta:
    """A relative change: +1 / -1 times ``amount`` (None: "a bit", left to the intent)."""

    sign: int
    amount: float | None


def delta(u: Cleaned) -> Delta | None:
    """ "two degrees warmer" → Delta(+1, 2.0); "a bit dimmer" → Delta(-1, None)."""
    text = u.folded
    up = [m.start() for m in _UP.finditer(text)]
    down = [m.start() for m in _DOWN.finditer(text)]
    if not up and not down:
        return None
    last = max(up + down)  # the change said last
    sign = 1 if (up[-1:] or [-1])[0] > (down[-1:] or [-1])[0] else -1
    # the change said of a sound, in the clause it is said in ("sube el volumen"; not "turn
    # the heating down a bit, we're listening to music")
    if _SOUND.search(text):
        start = max((m.end() for m in _SOUND_CLAUSE.finditer(text, 0, last)), default=0)
        end = m.start() if (m := _SOUND_CLAUSE.search(text, last)) else len(text)
        if _SOUND.search(text, start, end) or not _HEAT_OR_LIGHT.search(text, start, end):
            # "turn it down, the music is too loud": the sound; "turn the heating down a bit,
            # we're listening to music": the heating, named in the change's own clause
            return None
    by = _BY_DEGREES.search(text) or _BY_AMOUNT.search(text)
    if _TO_NUMBER.search(text) and not _BY_NUMBER.search(text):
        return None  # "turn it up to 22": an absolute value, not a change
    if by is None and _ONE_DEGREE.search(text):
        return Delta(sign, 1.0)
    return Delta(sign, float(by.group(1).replace(",", ".")) if by else None)


# --- colours --------------------------------------------------------------------------------
_COLOURS: dict[str, tuple[str, ...]] = {
    "red": ("red", "rouge", "rojo", "roja", "rot", "rote", "roten"),
    "green": ("green", "vert", "verte", "verde", "grun", "grune", "grunen"),
    "blue": ("blue", "bleu", "bleue", "azul", "blau", "blaue", "blauen"),
    "yellow": ("yellow", "jaune", "amarillo", "amarilla", "gelb", "gelbe"),
    "orange": ("orange", "naranja", "orangefarben"),
    "purple": ("purple", "violet", "violette", "morado", "lila", "violett"),
    "pink": ("pink", "rose", "rosa"),
    "warm white": ("warm white", "blanc chaud", "blanco calido", "warmweiss", "warmes weiss"),
    "white": ("white", "blanc", "blanche", "blanco", "blanca", "weiss", "weisse", "weissen"),
    "amber": ("amber", "ambre", "ambar", "bernstein"),
}
_COLOUR_RE = re.compile(
    r"\b("
    + "|".join(
        sorted((re.escape(w) for ws in _COLOURS.values() for w in ws), key=len, reverse=True)
    )
    + r")\b"
)
_COLOUR_OF = {w: name for name, ws in _COLOURS.items() for w in ws}


def colour(u: Cleaned) -> str | None:
    """A colour name in English: "mets le ruban en rouge" → ``red``."""
    m = _COLOUR_RE.search(u.folded)
    return _COLOUR_OF[m.group(1)] if m else None


# --- ticket statuses ------------------------------------------------------------------------
_STATUS: list[tuple[str, re.Pattern[str]]] = [
    (
        "in_review",
        re.compile(
            r"\b(?:in review|review|revision|en revue|relecture|en revision|im review|prufung)\b"
        ),
    ),
    (
        "in_progress",
        re.compile(
            r"\b(?:in progress|started|working on|picking up|start\w* (?:on|with)|en cours|"
            r"m'attaque|je commence|je m'occupe|en curso|me pongo|empiezo|in arbeit|"
            r"in bearbeitung|fang\w* .*\ban\b|beginne|kummere mich)\b"
        ),
    ),
    (
        "open",
        re.compile(
            r"\b(?:reopen\w*|rouvr\w*|reabr\w*|vuelve a abrir|wieder (?:offnen|auf\w*)|"
            r"offne\w*\b.*\bwieder|open again|"
            # "repasse-le en ouvert", "put it back to open", "ponlo como abierto"
            r"(?:en|to|as|comme|como|auf|a) (?:ouvert|open|abierto|offen))\b"
        ),
    ),
    (
        "done",
        re.compile(
            r"\b(?:done|close\w*|fixed|resolved|finished|complete\w*|ferme\w*|clos\w*|termine\w*|"
            r"resolu\w*|merged|shipped|deployed|(?<=est )merge\w*|(?<=ete )merge\w*|"
            r"(?<=est )fusionne\w*|(?<=ete )fusionne\w*|mergead\w*|fusionad\w*|"
            r"gemergt|gemerged|"
            # (not "qué poni más listo": clever)
            r"fini\w*|acab\w*\b(?! de\b)|(?<!\bmas )(?<!\bmuy )(?<!\btan )(?<!\bque )lista?|"
            r"corrige\w*|fait|cierra\w*|cerra\w*|cerr(?:o|e|aron|ado|ada)|hecho|terminad\w*|"
            r"resuelt\w*|arreglad\w*|"
            # what was fixed is done: "ya arregló el 120", "hat TL-120 gefixt"
            r"repare\w*|arregl(?:o|e|aron|amos)|solucion(?:ad\w*|o|e|aron|amos)|"
            r"reparad\w*|gefixt|repariert|korrigiert|"
            r"erledigt|geschlossen|schliess\w*|schlie\w*|behoben|fertig|gelost|zu\b|"
            # shipped, said otherwise ("the cookie banner went live", "ist live", "est en
            # ligne", "ya está en producción"; not "live on spotify", "live at the club")
            r"(?<!bug is )(?<!bugs are )(?<!bug ist )"
            r"(?:(?<=is )|(?<=are )|(?<=went )|(?<=ist )|(?<=sind ))live"
            r"(?= now\b| in prod\w*\b| this morning\b| today\b| yesterday\b|\W*$|\W*[,;.!])|"
            r"(?<=est )en ligne|(?<=esta )en produccion)\b"
        ),
    ),
    (
        # last: "back to to-do", "remets en à faire", "devuelve a pendiente", "zurück auf
        # offen" (never over a word of closing: "close 94, don't put it back to open")
        "open",
        re.compile(
            r"(?<!\bnot )(?<!\bnever )\b(?:back to|back in|to|into|en|a|auf|zuruck auf) "
            r"(?:to-?do|a faire|pendiente|por hacer|offen|open)\b"
        ),
    ),
]


def status(u: Cleaned) -> str | None:
    """A ticket status: ``done``, ``in_progress``, ``in_review`` or ``open``; the one the
    request sets when several are said ("it passed review, mark it done": done)."""
    text = u.folded
    set_to: tuple[int, str] | None = None
    reopened = _STATUS[2][1].search(text) is not None  # "reopen 63, it was marked as done"
    said = [(n, m) for n, m in _statuses_said(text) if n != "done" or _done(u, m)]
    for name, m in () if reopened else said:
        if (
            (set_to is None or m.start() > set_to[0])
            and _SET_TO.search(text, max(0, m.start() - 24), m.start())
            and not _NOT_IN_CLAUSE.search(clause := _CLAUSE_END.split(text[: m.start()])[-1])
            and not _TOLD.search(clause)
        ):
            set_to = (m.start(), name)
    if set_to is not None:
        return set_to[1]
    told: str | None = None  # "close TL-63, it was in review": what it was is not what to do
    for name, m in said:
        clause = _CLAUSE_END.split(text[: m.start()])[-1]
        if name == "open" and _NOT_IN_CLAUSE.search(clause):
            continue  # "close 94, don't put it back to open"
        if not _NEGATED_BEFORE.search(text, 0, m.start()):  # not "no need to reopen it"
            if not _TOLD.search(clause):
                return name
            told = told or name
    return told


# verbs of fixing: done only when told as done ("Priya a corrigé le bug", "ya lo arregló",
# "hat TL-120 repariert"), not asked for ("corrige le ticket 42", "arregla", "Priya repariert
# gerade TL-120")
_FIX_VERB = re.compile(r"(?:corrig|repar|arregl|solucion)\w*|korrigiert|gefixt")
# a participle that tells it by itself: arreglado, solucionada, gefixt, corrigé (as written)
_FIX_PARTICIPLE = re.compile(r"\w+ad[oa]s?|gefixt")
# an infinitive asks ("est-ce que tu peux corriger le 42", "ist dabei, TL-42 zu reparieren")
_FIX_INFINITIVE = re.compile(r"\w+(?:er|ar|ir|ieren)")
# what tells it as done just before it (its auxiliary, up to three words before: "hat TL-120
# repariert", "a corrigé", "ya arregló"), in any language (short texts are often detected
# wrong), French "a" in French only (Spanish "a" is "to")
_FIX_AUX = re.compile(
    r"\b(?:ai|as|avons|avez|ont|est|sont|ete|etait|ha|he|has|han|hemos|quedo|queda|tiene|"
    r"hat|hab|habe|haben|hast|ist|sind|wurde|wurden|war)\b(?!-ce)(?:\W+\S+){0,5}\W*$|"
    r"\bschon\W+$"  # "TL-120 schon repariert"
)
_FIX_AUX_FR = re.compile(r"\ba\b(?:\W+\S+){0,5}\W*$")
# French auxiliaries just before an unaccented participle ("j'ai corrige le 42", "est corrige")
_FIX_AUX_NEAR = re.compile(
    r"(?<!\bc')(?<!-)\b(?:ai|as|a|avons|avez|ont|est|sont|ete)\W+"
    r"(?:(?:deja|bien|enfin|finalement|aussi|tout)\W+)?$"
)
# the clause's last part: what "and" joins after it says its own ("Marco sitzt schon dran und
# repariert TL-42": is repairing)
_LAST_PART = re.compile(r"\b(?:and|et|y|und|but|mais|pero|aber|then|puis|luego|dann)\b")
# doubt, a wish, a promise or a report before it: not told as done ("no sé si Marco arregló el
# 42", "dile a Marco que ya arregle el 120", "Lea hat TL-108 fast korrigiert", "hat
# versprochen dass er TL-42 repariert", "tiene que estar arreglado")
_FIX_HEDGED = re.compile(
    # (a negation is :func:`_denied`'s: near the word, "pas de souci, le 42 est corrigé")
    r"\b(?:if|whether|si|ob|dass|almost|presque|casi|fast|"
    r"maybe|perhaps|peut-etre|quizas|tal vez|vielleicht|angeblich|wohl|"
    r"promised|versprochen|promis|prometio|gebeten|asked|says|dit|dice|sagt|hope|espere|"
    r"espero|hoffe|think|thinks|pense|crois|creo|cree|crees|glaube|glaubt|"
    r"want|wants|veux|voudrais|aimerais|quiero|quisiera|necesito|brauche|mochte|"
    r"tell|ask|dis-lui|dile|pidele|sag ihm|sag ihr|est-ce|"
    r"(?:pour|para|faut) que|"
    r"must|needs?|doit|faut|debe|tiene que|hay que|muss|soll|sollte)\b"
)
# what someone else said, anywhere before it: a report, not the speaker's word
_REPORTED = re.compile(r"\b(?:says|said|dit|disait|dice|dijo|sagt|sagte|meint|claims)\b")
# Spanish forms that are also a request or a present: only with their accent as written
# ("arregló", "arreglé"; "que lo arregle", "yo arreglo")
_ACCENTED_ONLY = re.compile(r"\w+(?:o|e)")
_PAST_ACCENT = re.compile(r"(?:é|ée|és|ées|ó)$")  # réparé, corrigées, arregló (as written)


# told that it is not done, in the clause before a word of done ("Marco hasn't fixed TL-42
# yet", "nobody closed it", "le 42 n'est toujours pas fermé", "nadie ha cerrado el 42",
# "niemand hat TL-42 geschlossen"); not an imperative's "don't" (the request's own negation)
_DENIED = re.compile(
    r"\b(?:(?:is|are|was|were|has|have|had|did|does)n'?t|not|never|nobody|no one|noone|"
    r"pas|jamais|personne|aucun\w*|nunca|nadie|ninguno|jamas|todavia no|aun no|"
    # Spanish "no" before its verb ("no está resuelto"; not "no problem", "no TL-42 is")
    r"no (?:esta|estan|ha|han|he|hemos|lo|la|los|las|se|fue|fueron|quedo|queda)|"
    r"nicht|nie|niemand|keiner|"
    # still to come: "TL-42 will be fixed tomorrow", "is far from done"
    r"will be|going to be|gonna be|far from|va etre|sera|loin d'etre|va a|lejos de)\b"
)
# a fix still to do ("TL-42 needs to be fixed", "muss noch repariert werden"; "TL-42 needs to
# be closed" asks to close it)
_TO_DO = re.compile(r"\b(?:needs? to be|has to be|must be|doit etre|tiene que|hay que|muss|wird)\b")
_A_FIX = re.compile(rf"{_FIX_VERB.pattern}|fix\w*|resolv\w*|behoben")
# what starts a part of its own ("… since Marco fixed it", "… weil Marco es behoben hat")
_DENIAL_PART = re.compile(
    _LAST_PART.pattern.removesuffix(r")\b")
    + r"|since|because|as|weil|da|car|puisque|parce que|porque|ya que|dass|que|qui)\b"
)
_DENIED_WITHIN = 4
# the words that may stand between a denial and its word of done
_TIES = frozenset(
    "been yet really even ever quite fully properly completely actually still the ticket bug "
    "issue it this that n'a n'est a est ete encore toujours vraiment le la ce ha han he sido "
    "esta estan todavia aun el lo hat ist sind wurde war noch wirklich richtig komplett der die "
    "das den es".split()
)
_AN_ID = re.compile(
    r"[a-z]{0,4}-?\d+|#\d+"
)  # words before the word of done ("Marco hasn't yet fixed")
_CAN_BE = re.compile(r"\b(?:peut etre|can be|could be|se puede|puede|kann|konnen)\b")
# what asks in spite of its negation: "don't forget to close 42", "tu peux pas fermer le 42 ?"
_ASKS_NEGATED = re.compile(
    r"\b(?:don'?t forget|do not forget|(?:n')?oublie pas|no (?:te )?olvides|vergiss nicht|"
    r"(?:peux|peut|pourrais|pourrait|pouvez|pourriez) pas|no (?:puedes|podrias|podes)|"
    r"(?:can'?t|couldn'?t|won'?t|wouldn'?t) you)\b"
)


# closing asked, a clause's first words ("close tee ell one oh one, the crash fix shipped")
_CLOSE_ASKED = re.compile(
    r"(?:^|[,;.!?]\s*)(?:please |bitte |por favor |s'il te plait )?(?:close|ferme|cierra|"
    r"schliess|mach \w+ zu|clos|resolve)\w*\b"
)


_IF_SAID = re.compile(
    r"\b(?:if|once|when|as soon as|si|quand|des que|lorsque|cuando|en cuanto|wenn|sobald|falls)\b"
)


def merge_holds_open(folded: str) -> bool:
    """Whether a merge is told that does not close the work and closing is not asked outright
    ("part of the fix for 42 got merged"; not "close 101, the crash fix shipped"; "if 42's fix
    gets merged, close it" is a closing to come).

    >>> merge_holds_open("part of the fix got merged"), merge_holds_open("close 42, it's merged")
    (True, False)
    """
    return merge_not_over(folded) and (
        _CLOSE_ASKED.search(folded) is None or _IF_SAID.search(folded) is not None
    )


def merge_not_over(folded: str) -> bool:
    """Whether a merge is told that does not close the work ("part of the fix for 42 got
    merged", "…, but not the whole thing").

    >>> merge_not_over("the fix got merged, but keep it open"), merge_not_over("it got merged")
    (True, False)
    """
    return _MERGED_SAID.search(folded) is not None and _NOT_OVER.search(folded) is not None


def _done(u: Cleaned, m: re.Match[str]) -> bool:
    """Whether a word of ``done`` says it is to be done: not denied, and a verb of fixing
    told as done (:func:`_fixed`); a fix merged only when nothing says it is not over."""
    if _denied(u.folded, m.start()) and not _DO_IT.search(u.folded, m.end()):
        return False
    if merge_holds_open(u.folded):
        return False  # "the fix for 42 got merged, but keep it open", "part of the fix …"
    return _fixed(u, m)


_MERGED_SAID = re.compile(
    r"\b(?:merged|shipped|deployed|mergee?s?|fusionnee?s?|mergead[oa]s?|fusionad[oa]s?|gemergt|"
    r"gemerged)\b"
)
# a merge that does not close the work ("… but keep it open", "… and then reverted", "… but
# the bug is back", "… into a feature branch", "… by mistake", "ready to be merged", "… to
# staging", "… waiting for deploy", "noch nicht gemergt")
_NOT_OVER = re.compile(
    r"\b(?:but|mais|pero|aber|though|yet|still|encore|toujours|sigue|todavia|aun|noch|revert\w*|"
    r"regress\w*|broke\w*|broken|back|mistake|erreur|error|versehentlich|aus versehen|local|"
    r"feature|staging|not main|waiting|attend\w*|espera\w*|wart\w*|ready|pret|"
    r"listo para|bereit|to be|a etre|para ser|keep|garde|laisse|deja|lass|open|ouvert|abierto|"
    r"offen|fail\w*|falla\w*|kaputt|nicht|not|pas|no|"
    # maybe, later, part of it, somewhere else ("should be merged today", "part of the fix got
    # merged", "shipped to beta testers only", "the competitor shipped dark mode")
    r"should|might|may|could|would|will|hope\w*|almost|nearly|if|when|once|part\w*|half|partie|"
    r"moitie|mitad|parte|teil|halfte|pending|needs?|qa|wrong|beta|test\w*|one user|only|"
    r"seulement|solo|nur|competitor\w*|concurren\w*|competencia|konkurrenz|mockup\w*|design|"
    r"deberia|debe|sollte|soll|wird|werden|hoffentlich|fast|presque|casi|quand|cuando|falls|"
    r"remains|itself|tomorrow|demain|manana|morgen|cluster|customer|client|cliente|kunde|"
    r"mauvaise|falsch\w*|equivocad\w*|maybe|peut-etre|quizas|vielleicht|bugs?|regression|"
    r"\w+n't|didn|wasn|hasn|isn|accident\w*|prematurely|too early|trop tot|demasiado pronto|"
    r"zu fruh|backed out|back out|crashed|fork|a medias|zuruckgenommen|think\w*|pense|cree|"
    r"glaubt|denkt|upstream|heard|apparently|apparemment|parece|parait|anscheinend|angeblich|"
    r"furious|angry|complain\w*)\b"
)


def _denied(text: str, at: int) -> bool:
    """Whether the word of done at ``at`` is denied: a negation among the few words just
    before it, in its own part of the clause ("Marco hasn't fixed", "niemand hat TL-42
    geschlossen"; not "no problem Marco fixed TL-42", "it's not a big deal but TL-42 is
    fixed", "le ticket du mail qui n'arrive jamais peut être fermé")."""
    clause = _DENIAL_PART.split(_CLAUSE_END.split(text[:at])[-1])[-1]
    near = " ".join(clause.split()[-_DENIED_WITHIN:])
    if _CAN_BE.search(near):
        return False  # "… peut être fermé", "ya se puede cerrar": it may be closed
    if _TO_DO.search(near) and _A_FIX.match(text, at):
        return True
    denials = [*_DENIED.finditer(_ASKS_NEGATED.sub(lambda m: " " * len(m.group()), near))]
    denial = denials[-1] if denials else None
    # only what ties it to the word between them ("hasn't been closed", "niemand hat TL-42
    # geschlossen"; not "it wasn't easy Marco fixed TL-42")
    return denial is not None and all(
        w in _TIES or _AN_ID.fullmatch(w) for w in near[denial.end() :].split()
    )


def denied_done(u: Cleaned) -> bool:
    """Whether the utterance says something is not done, and no status to set: "Marco
    hasn't fixed TL-42 yet" (nothing to close), not "close TL-42 if it's not done".

    >>> from processors.language import clean
    >>> denied_done(clean("Marco hasn't fixed TL-42 yet", "en"))
    True
    >>> denied_done(clean("close TL-42 if it's not done", "en"))
    False
    """
    said = _done_said(u.folded)
    return (
        bool(said)
        and all(_denied(u.folded, m.start()) for m in said)
        and status(u) is None
        and not _DO_IT.search(u.folded, said[-1].end())
    )


def denied_parts(text: str) -> list[str]:
    """The parts of the utterance that say something is not done when another part says
    something is: "Marco fixed TL-42 and TL-94 is not fixed yet" → ``["tl-94 is not fixed
    yet"]`` (TL-94 is not to be closed with TL-42); else none.

    ``text`` is folded (:func:`processors.language.fold`).

    >>> denied_parts("marco fixed tl-42 and tl-94 is not fixed yet")
    [' tl-94 is not fixed yet']
    >>> denied_parts("marco hasn't fixed tl-42 yet")
    []
    """
    said = _done_said(text)
    denied = [m for m in said if _denied(text, m.start())]
    if not denied or len(denied) == len(said):
        return []
    parts = []
    for m in denied:
        before = _CLAUSE_END.split(text[: m.start()])[-1]
        start = m.start() - len(_DENIAL_PART.split(before)[-1])
        after = text[m.end() :]
        ends = [b.start() for b in (_CLAUSE_END.search(after), _LAST_PART.search(after)) if b]
        parts.append(text[start : m.end() + min(ends, default=len(after))])
    return parts


def _done_said(text: str) -> list[re.Match[str]]:
    """The words of done in ``text`` (folded), and of a fix ("Marco didn't fix TL-42, he
    fixed TL-94"), in order."""
    said = [m for n, m in _statuses_said(text) if n == "done"]
    said += [m for m in _A_FIX_SAID.finditer(text) if all(m.start() != d.start() for d in said)]
    return sorted(said, key=lambda m: m.start())


_A_FIX_SAID = re.compile(r"\b(?:fix|repair|resolve|corrige|arregl[oa]|behoben)\b")


# asked after it: "TL-42 still isn't closed, do it now", "…, mach das bitte"
_DO_IT = re.compile(
    r"[,;.!?]\s*(?:please |bitte |por favor )?(?:do it|do that|close it|fais-le|ferme-le|"
    r"hazlo|cierralo|mach (?:das|es|ihn)|schliess (?:es|ihn))\b"
)


def _fixed(u: Cleaned, m: re.Match[str]) -> bool:
    """Whether a word of ``done`` is one (a verb of fixing told as done, not asked for)."""
    word = m.group()
    if not _FIX_VERB.fullmatch(word):
        return True
    # (its own part of the clause: not "no sé cómo pero Marco arregló el 42")
    clause = _LAST_PART.split(_CLAUSE_END.split(u.folded[: m.start()])[-1])[-1]
    if (
        _FIX_INFINITIVE.fullmatch(word)
        or _FIX_HEDGED.search(clause)
        or _REPORTED.search(u.folded, 0, m.start())  # "Marco sagt, er hat TL-42 repariert"
    ):
        return False
    written = u.numeric.lower()  # the accents the folding took away (same places)
    accented = len(written) == len(u.folded) and bool(_PAST_ACCENT.search(written[: m.end()]))
    if accented or _FIX_PARTICIPLE.fullmatch(word):
        return True
    if _ACCENTED_ONLY.fullmatch(word) and not word.endswith(("ado", "ada", "ados", "adas")):
        # an unaccented "corrige", "arreglo", "repare" asks, or says now; unless a French
        # auxiliary is just before it ("j'ai corrige le 42")
        return word.endswith("e") and _FIX_AUX_NEAR.search(clause) is not None
    return bool(_FIX_AUX.search(clause) or (u.lang == "fr" and _FIX_AUX_FR.search(clause)))


def _statuses_said(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    """Each status word of ``text``, in :data:`_STATUS`'s order, with its status; not a "zu"
    that is a verb's prefix ("weis TL-120 Priya zu")."""
    for name, pattern in _STATUS:
        for m in pattern.finditer(text):
            if m.group() != "zu" or not _zu_prefix(text, m.start()):
                yield name, m


# German verbs whose separable prefix is "zu", said last: "weis TL-120 Priya zu" assigns it,
# "schick Marco den Link zu" sends; only "mach ... zu" (or a bare "zu") closes
_ZU_VERB = re.compile(
    r"\b(?:weis[et]?|teil[et]?|ordnet?|schicke?|sende|schiebe?|spiele?|sage?|hore?|stimme?)\b"
)
_ZU_CLAUSE = re.compile(r".*(?:[,;.!?]|\bund\b|\bdann\b)")
_CLOSING_VERB = re.compile(r"\b(?:mach\w*|schlie\w*)\b")


def _zu_prefix(text: str, at: int) -> bool:
    """Whether the "zu" at ``at`` is the prefix of the last verb of its clause ("weis TL-120
    Priya zu"), not "closed" ("hör mal zu, mach TL-42 zu", "sag Sofia Bescheid und mach es
    zu")."""
    before = text[:at]
    start = m.end() if (m := _ZU_CLAUSE.match(before)) else 0
    verbs = list(_ZU_VERB.finditer(before, start))
    return bool(verbs) and not _CLOSING_VERB.search(before, verbs[-1].end())


# what sets a status, just before it: "mark it done", "move it to in review", "passe en cours"
_SET_TO = re.compile(
    r"\b(?:(?:move|moved|back|set|put|change|switch|send)\s+(?:\S+\s+){0,3}?(?:to|into)|"
    r"as|en|al|auf|als|comme|como|mark|marque|marca|markier\w*|setz\w*|passe|pasa|mets|pon)"
    r"(?:\s+(?:it|le|la|lo|es|ihn|sie|the|el|den|die))?\s+$"
)
# a clause that tells what was done, not what to do ("someone set it to done", "lo marcaron")
_TOLD = re.compile(
    r"\b(?:was|were|been|has(?! to\b)|had|someone|somebody|est|ont|etait|ete|fue|fueron|"
    r"estaba|ha|han|marcaron|pusieron|ist|war|wurde|wurden|hat|haben|jemand)\b|"
    # an object pronoun before its verb ("lo marcaron", "la relecture a trouvé"), not the
    # article of a ticket's number ("pon la 57 en revisión")
    r"\b(?:lo|la)\b(?! \d)|"
    # French "a" (has) after its subject: Spanish "a" is "to" ("pasa el 57 a revisión")
    r"(?:\b(?:il|elle|on|qui|ca)\s+|\bl')a\b"
)
# a negation in the clause before a status ("close 94, don't put it back to open")
_NOT_IN_CLAUSE = re.compile(r"\b(?:don'?t|do not|not|never|no|ne|pas|nunca|nicht|nie|kein\w*)\b|n'")
_NEGATED_BEFORE = re.compile(
    r"\b(?:no need to|don'?t|do not|not|never|pas besoin de|ne|no hace falta|no|nicht|kein\w*)"
    r"\s+(?:\w+\s+)?$"
)


# --- dates and times ------------------------------------------------------------------------
_WEEKDAYS: dict[str, int] = {w: n for n, names in enumerate(WEEKDAY_NAMES) for w in names}
WEEKDAY_WORDS = frozenset(_WEEKDAYS)  # every weekday's name, four languages, folded
_MONTHS: dict[str, int] = {}
_month_names: tuple[str, ...]
for _n, _month_names in enumerate(
    [
        ("january", "jan", "janvier", "enero", "januar", "janner"),
        ("february", "feb", "fevrier", "febrero", "februar", "feber"),
        ("march", "mar", "mars", "marzo", "marz"),
        ("april", "apr", "avril", "abril"),
        ("may", "mai", "mayo"),
        ("june", "jun", "juin", "junio", "juni"),
        ("july", "jul", "juillet", "julio", "juli"),
        ("august", "aug", "aout", "agosto"),
        ("september", "sep", "sept", "septembre", "septiembre"),
        ("october", "oct", "octobre", "octubre", "oktober"),
        ("november", "nov", "novembre", "noviembre"),
        ("december", "dec", "decembre", "diciembre", "dezember"),
    ],
    start=1,
):
    for _w in _month_names:
        _MONTHS[_w] = _n
_RELATIVE_DAYS = {
    "today": 0, "tonight": 0, "aujourd'hui": 0, "ce soir": 0, "hoy": 0, "esta noche": 0,
    "heute": 0, "heute abend": 0, "tomorrow": 1, "demain": 1, "manana": 1, "morgen": 1,
    "day after tomorrow": 2, "apres-demain": 2, "apres demain": 2, "pasado manana": 2,
    "ubermorgen": 2,
}  # fmt: skip
_DAY_RE = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _RELATIVE_DAYS), key=len, reverse=True)) + r")\b"
)
_WEEKDAY_RE = re.compile(
    r"\b(next|this|prochain|ce|proximo|el proximo|este|nachsten|nachster|kommenden|diesen)?\s*("
    + "|".join(_WEEKDAYS)
    + r")s?\b\s*(prochain|que viene|next)?"
)
_DATE_RE = re.compile(
    r"\b(?:(\d{1,2})(?:st|nd|rd|th|er|\.|º)?\s+(?:of\s+|de\s+)?("
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r")\b|("
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r")\s+(\d{1,2})(?:st|nd|rd|th)?\b)"
)
_ORDINAL_DAY = re.compile(
    r"\b(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)\b|\ble\s+(\d{1,2})\b|"
    # "el 11 a las ocho", "el día 11", "am 11. um 20 Uhr", "am 11 um 8": the article and an
    # ending, or what comes after a date
    # (not "no el 11", "not the 11th"; not a bus or a line taken: "coger el 27 a las 7")
    r"(?<!\bno )(?<!\bcoger )(?<!\bcoge )(?<!\btomar )(?<!\btoma )(?<!\bpillar )(?<!\bpilla )"
    r"\b(?:el|el dia|dia|am|den|vom(?=\s+\d{1,2}(?!\d)(?!\.?\s+(?:auf|bis|zum|zur|nach)\b)))\s+"
    r"(\d{1,2})(?=\.(?!\d)|º|\s*(?:$|[,;!?]|a\b|um\b|de\b))|"
    # "sábado 12", "jeudi 10", "Samstag, den 12.": the weekday and its day of the month
    r"\b(?:" + "|".join(_WEEKDAYS) + r"),?\s+(?:den\s+|dem\s+|the\s+)?(\d{1,2})"
    r"(?:st|nd|rd|th)?\b\.?(?!\s*(?:[:h]\d|h\b|uhr|"
    r"heures?|horas?|am\b|pm\b|o'clock|%|in the|du\b|de la|por la|morning|afternoon|evening|night|"
    r"soir|matin|abends|morgens|nachmittags))"
)
_CLOCK = re.compile(
    r"\b(?:at|a|à|um|a las|a la|vers|gegen|for|pour|las|la|to|au|auf|al|hasta|bis)?\s*"
    # "at 1 30" (one thirty): minutes said after the hour as a second number
    r"(\d{1,2})(?:(?:[:h.]|\s(?=[0-5]\d\b(?!\s*(?:%|percent|degre|grad|minute|hour|"
    r"heure|hora|stund|day|jour|dia|tag|min|hrs?\b))))(\d{2}))?\s*"
    r"(am|pm|a\.m\.|p\.m\.|h\b|heures?|uhr|o'clock|horas?)?"
    # "18 heures 30", "18 h 30", "um 18 Uhr 30": the minutes after the hour's own word
    r"(?:(?<=h|s|r|e)\s(\d{2})\b(?!\s*(?:%|percent|degre|grad|minute|hour|heure|hora|stund|day|"
    r"jour|dia|tag|min|euro|mal|fois|veces|person|gens|leute|people|invit|gast|kinder|enfant|"
    r"nino|place|plaza|couvert|\.\s|(?:de\s+)?(?:"
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r")\b)))?"
)
# a day of the month said just before ("december 12", "the 12", "le 12", "am 12.")
_DATE_BEFORE = re.compile(
    r"\b(?:"
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r"|the|le|au|el|al|den|am|on the)\s+$"
)
_HALF_PAST = re.compile(
    r"\b(?:halb|viertel (?:nach|vor)|half past|quarter (?:past|to))\s+(?P<h>\d{1,2})\b|"
    r"\b(?P<h2>\d{1,2})\s*(?:h|heures?)?\s+(?:et demie|et quart|moins le quart|moins quart)|"
    r"\b(?P<h3>\d{1,2})\s+(?:y media|y cuarto|menos cuarto)\b|"
    # British "at half twelve" is 12:30 (German "halb zwölf" is 11:30)
    r"(?:(?<=\bat )|(?<=\bto )|(?<=\bby )|(?<=\bfor )|(?<=\bmake it )|(?<=\bmake that )|"
    r"(?<=\bmake it about )|(?<=\bsay ))"
    r"half\s+(?P<h4>\d{1,2})\b(?!\s*(?:hours?|%|percent|an hour|of))"
)
# what comes after "instead of" is the time it was, not the time it is
_INSTEAD = re.compile(
    r"\b(?:instead of|rather than|en vez de|en lugar de|au lieu de|plutot que|statt|anstatt|"
    r"anstelle von)\s+(?:\S+\s+){0,2}$"
)
_WITHIN = re.compile(r"\b(?:in|dans|en|dentro de|innerhalb von)\s*$")
# (not the "midi" of "après-midi")
_NOON = re.compile(
    r"(?<!apres-)(?<!apres )\b(?:noon|midday|mid-day|midi|mediodia|mittag|mittags)\b"
)
_MIDNIGHT = re.compile(r"\b(?:midnight|minuit|medianoche|mitternacht)\b")
_EVENING = re.compile(
    r"\b(?:evening|tonight|afternoon|soir|apres-midi|tarde|noche|abend\w*|nachmittag\w*)\b"
)
_MORNING = re.compile(
    r"\b(?:morning|matin|manana por la|(?:de|por) la manana|vormittag\w*|fruh|morgens)\b"
)
_HALF_HOUR = re.compile(
    r"\b(?:half an hour|a half hour|30 minutes|une demi-heure|demi heure|media hora|"
    r"eine halbe stunde|halbe stunde)\b"
)
_HOURS_AND_A_HALF = re.compile(
    r"\b(\d{1,2}) (?:and a half|et demie?|y media) (?:hours?|heures?|horas?)\b|"
    r"\b(\d{1,2}) ?einhalb (?:stunden|std)\b"
)
_QUARTER_HOUR = re.compile(
    r"\b(?:a quarter(?: of an)? hour|quart d'heure|cuarto de hora|viertelstunde)\b"
)
_THREE_QUARTERS = re.compile(
    r"\b(?:(?:three|3) quarters of an hour|(?:trois|3) quarts d'heure|(?:tres|3) cuartos de hora|"
    r"dreiviertelstunde|(?:drei|3) viertelstunden)\b"
)
_HOURS_BY = re.compile(r"\b(\d{1,2})\s*(?:hours?|heures?|horas?|stunden?)\b")
_MINUTES_BY = re.compile(r"\b(\d{1,3})\s*(?:minutes?|mins?|minutos?|minuten?)\b")
_AN_HOUR = re.compile(r"\b(?:an hour|one hour|une heure|una hora|eine stunde)\b")
_LATER = re.compile(
    r"\b(?:later|plus tard|mas tarde|spater|back|push\w*|delay\w*|recule\w*|retrasa\w*|"
    r"verschieb\w*|repouss\w*|decal\w*|retard\w*|atrasa\w*|pospon\w*|nach hinten)\b"
)
_EARLIER = re.compile(
    r"\b(?:earlier|plus tot|avance\w*|avanc\w*|mas temprano|antes|adelant\w*|fruher|"
    r"vorzieh\w*|zieh\w* .*vor|nach vorne|bring forward|"
    # "bring the yoga class forward by 30 minutes" (British: earlier; "move it forward" may
    # mean either, and is asked about)
    r"bring\s+(?:\S+\s+){1,5}?forward)\b"
)

# just before a number of hours that says by how long ("retrasa 2 horas", "décale-le de 2
# heures"), not at what time ("décale le yoga à jeudi 19 heures")
_BY_HOURS = re.compile(
    rf"(?:(?:{_LATER.pattern}|{_EARLIER.pattern})(?:-(?:le|la|les|lo))?|\bde)\s+$"
)


@dataclass(frozen=True)
class When:
    """A resolved point in time (local to the session's zone) or a shift of an existing one."""

    at: datetime | None = None
    shift: timedelta | None = None
    date_only: bool = False
    time_only: bool = False  # "at four instead": an existing event keeps its day
    # "at eight" may be 8:00 or 20:00, whichever is nearer the event's own time of day; with
    # time_only, a shift said with it ("push it back an hour, he can't make it at half eight")
    open_half: bool = False


_ONE_OCLOCK = re.compile(
    r"\b(?:one o'?clock|at one\b|a la una|à une heure|a une heure|une heure de l'apres|"
    r"um eins|um ein uhr)"
)


_QUARTER = re.compile(r"quart|viertel|cuarto")
_TO = re.compile(r"\bto\b|vor|moins|menos")
_HALF_TO = re.compile(r"halb|\bto\b|vor|moins|menos")
# a number that is not a time of day
_AN_AMOUNT = re.compile(
    r"\s*(?:%|percent|degre|grad|minute|hour|heure|hora|stund|day|jour|dia|tag)"
)


def clock_time(u: Cleaned) -> time | None:
    """A time of day: "at ten", "15h30", "4pm", "a las cinco", "um drei", "noon"."""
    return _clock_time(u.folded)


@lru_cache(maxsize=16)  # one event's text is read for several intents
def _clock_time(text: str) -> time | None:
    return _clock(text)[0]


def _clock(text: str) -> tuple[time | None, bool]:
    """The time of day ``text`` says, and whether its half of the day was left open (a bare
    "at eight", "a las ocho": no am/pm, no 24-hour form, no part of the day)."""
    digit = _DIGIT.search(text) is not None
    if not digit and _ONE_OCLOCK_SAID.search(text):
        return (time(1, 0) if _MORNING.search(text) else time(13, 0)), False
    if _NOON_SAID.search(text) and not _CLOCK_MARK.search(text):
        # (a time said with digits is the time: "midday yoga on thursday at 12:30")
        return time(12, 0), False
    if _MIDNIGHT_SAID.search(text):
        return time(0, 0), False
    if not digit:
        return None, False  # (_HALF_PAST and _CLOCK read the hour's number)
    if m := _HALF_PAST.search(text):  # "halb neun" is 8:30, "quarter to five" 4:45
        hour = int(m.group("h") or m.group("h2") or m.group("h3") or m.group("h4"))
        said = m.group(0)
        minute = 30
        if _QUARTER.search(said):
            minute = 45 if _TO.search(said) else 15
        if _HALF_TO.search(said):
            hour -= 1  # "halb neun", "viertel vor neun", "quarter to nine": before nine
        parted = _MORNING.search(text) or _EVENING.search(text)
        said_hour = hour
        if (hour < 8 and not _MORNING.search(text)) or (hour < 12 and _EVENING.search(text)):
            hour += 12
        return time(hour % 24, minute), not parted and 1 <= said_hour <= 12
    best: time | None = None
    open_half = False
    for m in _CLOCK.finditer(text):
        suffix = m.group(3) or ""
        # (minutes after the hour's word only when that word is one of an hour: not "am")
        late = m.group(4) if suffix.startswith(("h", "u")) else None
        hour, minute = int(m.group(1)), int(m.group(2) or late or 0)
        if m.group(2) and text[m.end(1)] == " " and _DATE_BEFORE.search(text, 0, m.start(1)):
            hour, minute = minute, 0  # "december 12 10 am", "le 12 15 h": a day, then the hour
        prefix = m.group(0)[: m.start(1) - m.start(0)].strip()
        if not suffix and not prefix and not m.group(2) and not _PART_CLOCK.match(text, m.end()):
            continue  # a bare number is not a time ("six in the evening" is)
        if hour > 24 or minute > 59:
            continue
        if _AN_AMOUNT.match(text, m.end(), m.end() + 12):
            continue
        if _WITHIN.search(text[: m.start(1)]):
            continue  # "dans 3 heures", "dentro de 3 horas": a duration, not 3 o'clock
        if _INSTEAD.search(text, max(0, m.start(1) - 40), m.start(1)):
            continue  # "a las nueve en vez de a las ocho": nine
        if (
            not prefix
            and suffix in ("horas", "heures")
            and hour <= 12
            and _BY_HOURS.search(text, 0, m.start(1))
        ):
            continue  # "retrasa 2 horas", "recule-le de 2 heures": by how long, not at 2
        open_half = (
            suffix in ("", "o'clock")
            and 1 <= hour <= 12
            # "08:00", "9h00": written the 24-hour way
            and not m.group(1).startswith("0")
            and text[m.end(1) : m.end(1) + 1] != "h"
            and not (_MORNING.search(text) or _EVENING.search(text))
        )
        if suffix.startswith("p") and hour < 12:
            hour += 12
        elif suffix.startswith("a") and hour == 12:
            hour = 0
        elif not suffix.startswith(("a", "p")) and hour < 8 and not suffix.startswith(("h", "u")):
            # "at four", "a las cinco": an afternoon, unless the morning is said
            hour = hour if _MORNING.search(text) else hour + 12
        elif hour < 12 and _EVENING.search(text) and not suffix.startswith(("a",)):
            hour += 12
        best = time(hour % 24, minute)
    return best, open_half and best is not None


def says_time(u: Cleaned) -> bool:
    """False only when :func:`when` finds no time in ``u``, whatever the base: every way it
    reads one needs a digit or one of :data:`_TIME_WORDS` (a guard ~10x cheaper than it)."""
    text = u.folded
    return _DIGIT.search(text) is not None or any(word in text for word in _TIME_WORDS)


def names_time(u: Cleaned) -> bool:
    """Whether ``u`` says a time :func:`when` reads (not only a word of :func:`says_time`'s
    guard: "dehumidifier" has "midi" in it).

    >>> from processors.language import clean
    >>> names_time(clean("is the dehumidifier running?", "en"))
    False
    >>> names_time(clean("move it to friday", "en"))
    True
    """
    if not says_time(u):
        return False
    said = _said_when(u.folded)
    return any(getattr(said, f.name) not in (None, False) for f in fields(said))


def when(u: Cleaned, base: datetime, zone: str, *, moving: bool = False) -> When | None:
    """The point in time the utterance names, resolved against ``base`` (the event's time)
    in the session's time zone ``zone``; or a shift ("half an hour later"); or None.
    ``moving``: the new time of an item that has one, said after its old day ("move my 3pm
    on thursday to friday": friday).

    >>> from processors.language import clean
    >>> base = datetime.fromisoformat("2026-12-01T09:00:00+01:00")
    >>> when(clean("next tuesday at ten", "en"), base, "Europe/Paris").at.isoformat()
    '2026-12-08T10:00:00+01:00'
    >>> when(clean("vendredi à 15h", "fr"), base, "Europe/Paris").at.isoformat()
    '2026-12-04T15:00:00+01:00'
    """
    said = _said_when(u.folded, moving)
    local = base.astimezone(ZoneInfo(zone))
    shift, clock = said.shift, said.clock
    day: datetime | None = None
    if said.relative_day is not None:
        day = local + timedelta(days=said.relative_day)
    # (a date said with its weekday is that date: "lunes 14 de diciembre", "Montag, den 14.
    # Dezember")
    if day is None and said.weekday is not None and said.date is None:
        if said.next_week:  # "thursday next week": that day of the week after this one
            ahead = 7 - local.weekday() + said.weekday
        else:
            ahead = (said.weekday - local.weekday()) % 7
            if ahead == 0:
                ahead = 7
        day = local + timedelta(days=ahead)
    if day is None and said.date is not None:
        month, d = said.date
        year = local.year + (1 if (month, d) < (local.month, local.day) else 0)
        try:
            day = local.replace(year=year, month=month, day=d)
        except ValueError:
            return None
    if said.ordinal_day is not None:
        d = said.ordinal_day
        if 1 <= d <= 31:
            month, year = local.month, local.year
            if d < local.day:
                month, year = (1, year + 1) if month == 12 else (month + 1, year)
            try:
                dated = local.replace(year=year, month=month, day=d)
            except ValueError:
                return None
            # "sábado 12" is that date when it is a Saturday; "friday 8 30", "monday 2
            # people" say an hour or a count, and the weekday stands
            if said.dated_weekday is None or dated.weekday() == said.dated_weekday:
                day = dated
    if day is None and clock is None and said.in_half_hour:
        return When(at=(local + timedelta(minutes=30)).replace(second=0, microsecond=0))
    if day is None and clock is None and said.within is not None and shift is None:
        return When(at=(local + said.within).replace(second=0, microsecond=0))
    if day is None and clock is None:
        return When(shift=shift) if shift else None
    if day is None:
        assert clock is not None
        at = local.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
        if at <= local:
            at += timedelta(days=1)
        # a shift rides along only when the time said is one someone cannot make ("push it
        # back an hour, sam can't make it at half eight")
        kept = shift if shift is not None and _CANNOT_AT.search(u.folded) else None
        return When(at=at, time_only=True, open_half=said.open_half, shift=kept)
    if clock is None and shift is not None and not said.to_day:
        # "avance le yoga de demain d'une demi-heure", "push tomorrow's dentist back an hour":
        # the day says which event, the shift how it moves
        return When(shift=shift)
    if clock is None and shift is not None and said.part_hour is None:
        # "move the yoga to friday, an hour later": that day, its time shifted
        nine = day.replace(hour=9, minute=0, second=0, microsecond=0)
        return When(at=nine, date_only=True, shift=shift)
    if clock is None:
        if said.part_hour is not None:  # "tonight", "friday afternoon", "demain soir"
            return When(at=day.replace(hour=said.part_hour, minute=0, second=0, microsecond=0))
        return When(at=day.replace(hour=9, minute=0, second=0, microsecond=0), date_only=True)
    at = day.replace(hour=clock.hour, minute=clock.minute, second=0, microsecond=0)
    return When(at=at, open_half=said.open_half)


_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
# one end of a span: a day of the month with or without its month ("december 14", "le 20",
# "27 décembre", "20. Dezember") or a clock time ("2", "4pm", "14h", "16 uhr", "9:30")
_SPAN_END = (
    rf"(?:(?:the|le|el|la|las|den|dem)\s+)?(?:(?:{_MONTH_NAMES})\s+)?\d{{1,2}}"
    r"(?:[:h.]\d{2})?(?:st|nd|rd|th|er|º|\.(?!\d))?"
    rf"(?:\s*(?:am|pm|h|uhr)\b)?(?:\s+(?:of\s+|de\s+)?(?:{_MONTH_NAMES})\b)?"
)
# a span of time: "from 2 to 4pm", "de 14h à 16h", "de dos a cuatro de la tarde", "von 14 bis
# 16 Uhr", "from december 14 to december 16", "du 20 au 27 décembre", "vom 20. bis 27."
_SPAN = re.compile(
    r"\b(?:from|between|de|du|del|desde|entre|vom|von|zwischen)\s+"
    rf"(?P<a>{_SPAN_END})\s*"
    r"(?:to|until|till|through|and|-|\u2013|au|a|à|al|a las|hasta|y|bis|zum|und)"
    rf"\s+(?P<b>{_SPAN_END})"
)
_SPAN_PM = re.compile(
    r"\s*(?:pm|in the (?:afternoon|evening)|de la (?:tarde|noche)|du soir|de l'apres-midi|"
    r"(?:am )?(?:abends|nachmittags))\b"
)


@dataclass(frozen=True)
class Span:
    """A span of time said whole: its start and its end (local to the session's zone);
    ``all_day``: days said without a time (the end is the midnight after the last day)."""

    start: datetime
    end: datetime
    all_day: bool = False


def span(u: Cleaned, base: datetime, zone: str) -> Span | None:
    """The span ``u`` says from one time or day to another, or None.

    >>> from processors.language import clean
    >>> base = datetime.fromisoformat("2026-12-01T09:00:00+01:00")
    >>> s = span(clean("add a meeting tomorrow from 2 to 4pm", "en"), base, "Europe/Paris")
    >>> s.start.isoformat(), s.end.isoformat()
    ('2026-12-02T14:00:00+01:00', '2026-12-02T16:00:00+01:00')
    >>> s = span(clean("les vacances du 20 au 27 décembre", "fr"), base, "Europe/Paris")
    >>> s.start.isoformat(), s.end.isoformat(), s.all_day
    ('2026-12-20T00:00:00+01:00', '2026-12-28T00:00:00+01:00', True)
    """
    text = u.folded
    if (by_weekday := _weekday_span(text, base.astimezone(ZoneInfo(zone)))) is not None:
        return by_weekday
    if not _DIGIT.search(text):
        return None
    m = _SPAN.search(text)
    if m is None:
        return None
    after = _NEXT_WORD.match(text, m.end())
    if after is not None and after.group(1) in _COUNT_NOUNS:
        return None  # "de 2 à 4 personnes", "from 10 to 20 euros", "von 6 bis 10 Jahren"
    a, b = m.group("a"), m.group("b")
    local = base.astimezone(ZoneInfo(zone))
    months = [_MONTHS[w] for w in re.findall(rf"\b(?:{_MONTH_NAMES})\b", f"{a} {b}")]
    clocked = any(_CLOCK_MARK.search(part) for part in (a, b)) or _SPAN_PM.match(text, m.end())
    days_from = m.group(0).split(None, 1)[0] in _DAYS_FROM and not _DAY_BEFORE_SPAN.search(
        text, 0, m.start()
    )  # "vendredi du 8 au 10": that day, from 8 to 10
    if months or (not clocked and (_ORDINAL_MARK.search(f"{a} {b}") or days_from)):
        return _day_span(a, b, months, local)
    return _clock_span(u, m, a, b, local, zone)


_SPAN_CLOCK = (
    r"(?:\s+(?:at |a |à |um |a las )?(?P<{}>\d{{1,2}}(?:[:h.]\d{{2}})?\s*(?:am|pm|h|uhr)?))?"
)
_WEEKDAY_SPAN = re.compile(
    r"\b(?:from|du|de|del|desde|von|vom)\s+(?:the |le |el |den )?(?P<a>"
    + "|".join(_WEEKDAYS)
    + r")s?"
    + _SPAN_CLOCK.format("ta")
    + r"\s+(?:to|until|till|through|au|a|al|hasta|bis|zum)\s+(?:the |le |el |den )?(?P<b>"
    + "|".join(_WEEKDAYS)
    + r")s?"
    + _SPAN_CLOCK.format("tb")
    + r"\b"
)


def _weekday_span(text: str, local: datetime) -> Span | None:
    """From one weekday to another ("from thursday to friday", "del jueves al domingo": whole
    days; "du jeudi 9h au vendredi 17h": those times), the next first day or next week's
    ("next week from thursday to sunday")."""
    m = _WEEKDAY_SPAN.search(text)
    if m is None:
        return None
    if _CLAUSE_END.search(text, 0, m.start()) or _SAYS_ITS_OWN.search(text, 0, m.start()):
        return None  # said of something else: "…, we're away from monday to wednesday"
    first, last = _WEEKDAYS[m.group("a")], _WEEKDAYS[m.group("b")]
    ahead = (first - local.weekday()) % 7 or 7
    if _NEXT_WEEK.search(text):
        ahead = 7 - local.weekday() + first
    day = (local + timedelta(days=ahead)).replace(hour=0, minute=0, second=0, microsecond=0)
    until = day + timedelta(days=(last - first) % 7)
    if m.group("ta") is None and m.group("tb") is None:
        return Span(day, until + timedelta(days=1), all_day=True)
    ta = _clock(m.group("ta"))[0] if m.group("ta") else None
    tb = _clock(m.group("tb"))[0] if m.group("tb") else None
    if ta is None or tb is None:
        return None  # one end's time only: not said whole
    start = day.replace(hour=ta.hour, minute=ta.minute)
    end = until.replace(hour=tb.hour, minute=tb.minute)
    return Span(start, end) if end > start else None


# "from" with the article of a day of the month ("du 8 au 10", "del 8 al 10", "vom 8 bis
# 10"): days (hours are "de 8 à 10", "de 8 a 10", "von 8 bis 10")
_DAYS_FROM = frozenset({"du", "del", "vom"})
_DAY_BEFORE_SPAN = re.compile(
    r"\b(?:" + "|".join(_WEEKDAYS) + "|" + "|".join(map(re.escape, _RELATIVE_DAYS)) + r")s?\W*$"
)
_NEXT_WORD = re.compile(r"\s*([a-z%€$][\w']*)")
# what counts things, said after a span of numbers that is then no span of time ("de 2 à 4
# personnes", "from 10 to 20 euros", "von 6 bis 10 Jahren", "between 5 and 6 degrees")
_COUNT_NOUNS = frozenset(
    "people persons person guests kids children players personnes personne invites enfants "
    "joueurs personas invitados ninos ninas jugadores personen leute gaste kinder spieler "
    "euros euro eur dollars dollar pounds livres libras € $ % percent prozent "
    "years year ans anos jahre jahren degrees degree degres grados grad "
    "minutes minute mins minutos minuten hours heures horas stunden days jours dias tage "
    "weeks semaines semanas wochen months mois meses monate points goals buts goles tore "
    "times fois veces cm km kg ml".split()
)
_CLOCK_MARK = re.compile(r"\d[:h.]\d\d|\d\s*(?:am|pm|h|uhr)\b")
_ORDINAL_MARK = re.compile(r"\d(?:st|nd|rd|th|er|º|\.(?!\d))|\b(?:the|le|el|den|dem)\s+\d")
_DAY_NUMBER = re.compile(r"\d{1,2}")


def _day_span(a: str, b: str, months: list[int], local: datetime) -> Span | None:
    """Whole days from ``a`` to ``b`` (each a day of the month; the month said after the
    last day is the first's too: "du 20 au 27 décembre")."""
    first, last = int(_DAY_NUMBER.findall(a)[0]), int(_DAY_NUMBER.findall(b)[0])
    month_a = next((_MONTHS[w] for w in re.findall(rf"\b(?:{_MONTH_NAMES})\b", a)), None)
    month_b = next((_MONTHS[w] for w in re.findall(rf"\b(?:{_MONTH_NAMES})\b", b)), None)
    said_b = month_b is not None
    month_b = month_b or month_a or local.month
    if month_a is None:
        # "from the 30th to the 2nd of january": the first day is in the month before
        month_a = month_b if first <= last or not said_b else (month_b - 2) % 12 + 1
    year = local.year + (1 if (month_a, first) < (local.month, local.day) else 0)
    try:
        start = local.replace(year=year, month=month_a, day=first, hour=0, minute=0)
        end_year = year + (1 if month_b < month_a else 0)
        if not said_b and last < first:  # "from the 30th to the 2nd": of the next month
            month_b = month_a % 12 + 1
            end_year = year + (1 if month_b < month_a else 0)
        end = start.replace(year=end_year, month=month_b, day=last)
    except ValueError:
        return None
    if end < start:
        return None
    start, end = start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)
    return Span(start, end + timedelta(days=1), all_day=True)


def _clock_span(
    u: Cleaned, m: re.Match[str], a: str, b: str, local: datetime, zone: str
) -> Span | None:
    """From the time ``a`` to ``b`` on the day the rest of ``u`` says (the next such time
    when it says none); an end whose half of the day is not said is the first after the
    start ("from 9 to 5": 17:00; "saturday night from 10 to 1": 01:00)."""
    pm_after = _SPAN_PM.match(u.folded, m.end()) is not None
    ends = []
    for part in (a, b):
        clock, _ = _clock(part)
        if clock is None:
            n = _DAY_NUMBER.findall(part)
            if not n or int(n[0]) > 24:
                return None
            clock = time(int(n[0]) % 24, 0)
        # its half of the day said: am/pm, a 24-hour time ("16h", "14 Uhr", "9h30")
        fixed = (
            re.search(r"\b(?:am|pm)\b|\d\s*(?:am|pm|h|uhr)\b|\dh\d", part) is not None
            or clock.hour >= 13
        )
        ends.append((clock, fixed))
    (ca, fixed_a), (cb, fixed_b) = ends
    day_part = _said_when(u.folded[: m.start()] + " " + u.folded[m.end() :]).part_hour
    # (an "am" said after the end is the start's too: "from 6 to 8 am")
    morning = _MORNING.search(u.folded) is not None or re.search(r"\d\s*am\b", b) is not None
    if (
        not fixed_a
        and ca.hour < 12
        and (
            (day_part is not None and day_part >= 15)  # "tomorrow evening from 8 to 11"
            or (ca.hour < 8 and not morning)  # "from 3 to 4", as "at 3" reads: afternoon
        )
    ):
        ca = ca.replace(hour=ca.hour + 12)
    if pm_after and cb.hour < 12:
        cb, fixed_b = cb.replace(hour=cb.hour + 12), True
    if not fixed_a and ca.hour < 12 and cb.hour >= 12 and ca.hour + 12 < cb.hour:
        ca = ca.replace(hour=ca.hour + 12)  # "from 2 to 4pm": 14:00
    left = u.folded[: m.start()] + " " + u.folded[m.end() :]
    rest = Cleaned(left, left, left, False, u.lang)
    said = when(rest, local, zone)
    day = said.at if said is not None and said.at is not None and not said.time_only else None
    start = (day or local).replace(hour=ca.hour, minute=ca.minute, second=0, microsecond=0)
    halves = [cb] if fixed_b else [cb, cb.replace(hour=(cb.hour + 12) % 24)]
    end = min(
        e if e > start else e + timedelta(days=1)
        for e in (start.replace(hour=c.hour, minute=c.minute) for c in halves)
    )
    if end - start > timedelta(hours=16):
        return None
    if day is None and start <= local:  # no day said: the next such time
        start, end = start + timedelta(days=1), end + timedelta(days=1)
    return Span(start, end)


# a part of the day said just after its day ("friday afternoon", "demain soir", "morgen früh",
# "mañana por la tarde"), and the hour it stands for without a clock time; a part of the day
# elsewhere is no time ("move the parents evening to wednesday, same time")
_PART_AFTER = re.compile(
    r"\s*,?\s*(?:in the |por la |de la |am |du |le |la )?(?P<part>morning|afternoon|evening|night|"
    r"matin|apres-midi|soir|soiree|nuit|manana|tarde|noche|abend|nachmittag|vormittag|fruh|nacht)\b"
)
_PART_HOURS = {
    "morning": 9, "matin": 9, "manana": 9, "vormittag": 10, "fruh": 8,
    "afternoon": 15, "apres-midi": 15, "tarde": 15, "nachmittag": 15,
    "evening": 19, "soir": 19, "soiree": 19, "abend": 19,
    "night": 21, "nuit": 21, "noche": 21, "nacht": 21,
}  # fmt: skip
# the days that say their part ("tonight" is this evening)
_DAY_PART_HOURS = {"tonight": 20, "ce soir": 19, "esta noche": 21, "heute abend": 19}


@dataclass(frozen=True)
class _SaidWhen:
    """What an utterance says about a time, before it is resolved against a base time."""

    shift: timedelta | None
    relative_day: int | None  # "tomorrow": 1, "in three days": 3
    weekday: int | None  # "next tuesday": 1
    next_week: bool  # "thursday next week", "jeudi de la semaine prochaine"
    part_hour: int | None  # "friday afternoon": 15, "tonight": 20
    dated_weekday: int | None  # the weekday a day of the month was said after ("sábado 12")
    date: tuple[int, int] | None  # "the 4th of may": (5, 4)
    ordinal_day: int | None  # "the 12th", "le 12" (when no month is said)
    clock: time | None
    open_half: bool  # the clock's half of the day was not said ("at eight")
    to_day: bool  # the day is where something goes ("to friday"), not which one it is
    within: timedelta | None  # "in 3 hours"
    in_half_hour: bool


@lru_cache(maxsize=16)  # one event's text is resolved against more than one base
def _said_when(text: str, moving: bool = False) -> _SaidWhen:
    m, wm = _days_said(text, moving)
    relative_day = _RELATIVE_DAYS[m.group(1)] if m else None
    if relative_day is None and wm is None and (im := _IN_DAYS.search(text)):
        relative_day = _days_in(im)
    # (a date and a day of the month read a number; "in 3 hours" and "in half an hour" say
    # a word of _SAYS_DURATION: texts without are not searched for them)
    digit = _DIGIT.search(text) is not None
    dm = _DATE_RE.search(text) if digit else None
    om = _ORDINAL_DAY.search(text) if digit and dm is None else None
    how_long = _SAYS_DURATION.search(text) is not None
    clock, open_half = _clock(text)
    day_at = m.start(1) if m else wm.start(2) if wm else None
    to_day = day_at is not None and _TO_DAY.search(text, max(0, day_at - 24), day_at) is not None
    within: timedelta | None = None
    if how_long and (wn := _IN_HOURS.search(text)):
        n = wn.group(1)
        count = int(n) if n.isdigit() else 1
        unit = wn.group(2)
        within = timedelta(minutes=count) if unit.startswith("min") else timedelta(hours=count)
    return _SaidWhen(
        shift=_shift(text),
        relative_day=relative_day,
        weekday=_WEEKDAYS[wm.group(2)] if wm else None,
        next_week=wm is not None and _next_week_of(text, wm),
        part_hour=_part_hour(text, m, wm),
        date=(_MONTHS[dm.group(2) or dm.group(3)], int(dm.group(1) or dm.group(4))) if dm else None,
        ordinal_day=int(next(g for g in om.groups() if g)) if om else None,
        dated_weekday=(
            _WEEKDAYS[om.group(0).split()[0].rstrip(",")] if om and om.group(4) else None
        ),
        clock=clock,
        open_half=open_half,
        to_day=to_day,
        within=within,
        in_half_hour=how_long and _IN_HALF_HOUR.search(text) is not None,
    )


def _days_said(
    text: str, moving: bool = False
) -> tuple[re.Match[str] | None, re.Match[str] | None]:
    """The first relative day ("tomorrow") and the first weekday said, leaving out a day
    the speaker took back: "samedi euh non dimanche", "mañana, no, mejor el viernes" say
    Sunday and Friday (a correction cleaning removed, "saturday no wait sunday", is
    :func:`~processors.language.clean`'s)."""
    # (not "por la mañana", "de la mañana": the morning, not tomorrow)
    days = [d for d in _DAY_RE.finditer(text) if not text.endswith(" la ", 0, d.start())]
    weekdays = list(_WEEKDAY_RE.finditer(text))
    if len(days) + len(weekdays) < 2:
        return (days[0] if days else None), (weekdays[0] if weekdays else None)
    said = sorted(
        [(d.start(1), d.end(1), d) for d in days] + [(w.start(2), w.end(0), w) for w in weekdays],
        key=lambda t: t[0],
    )
    kept = [
        d
        for (_, end, d), (start, _, _) in zip(said, [*said[1:], (-1, 0, None)], strict=True)
        if start < 0 or not _takes_back(text[end:start])
    ]
    # the new day of a move when one is said after "to" ("move my 3pm on thursday to
    # friday", "mueve la cita del jueves al viernes"; not "remind me on monday to move the
    # dentist to wednesday", nor a new event's span, :func:`span`'s)
    first = kept[0].start(1) if kept[0].re is _DAY_RE else kept[0].start(2)
    if _TO_DAY.search(text, max(0, first - 24), first):
        moving = False  # the first day said is the new one already ("to friday, not monday")
    for d in kept[1:] if moving else ():
        at = d.start(1) if d.re is _DAY_RE else d.start(2)
        if _TO_DAY.search(text, max(0, at - 24), at):
            kept = [k for k in kept if k is d or k.start() > d.start()]
            break
    return (
        next((d for d in kept if d.re is _DAY_RE), None),
        next((d for d in kept if d.re is _WEEKDAY_RE), None),
    )


# the words between two days said that make the second replace the first
_TAKING_BACK = frozenset(
    "no non nein nee ne wait attends espera warte sorry pardon perdon i mean je veux dire "
    "quiero decir ich meine actually en fait mejor plutot eher lieber rather make it disons "
    "sagen wir besser doch digo dicho better let's say enfin oh oops uy euh uh um eh ah ahm "
    "hm on the el la le am den der this ce este diesen auf au al a to".split()
)
_TAKES_BACK = frozenset(
    "no non nein nee wait attends espera warte sorry pardon perdon mean dire decir meine "
    "actually mejor plutot eher lieber rather besser digo dicho".split()
)


def _takes_back(between: str) -> bool:
    """Whether ``between`` (the text between two days said) takes the first back: the words
    of a self-correction ("Freitag, Donnerstag ist Release" names two days)."""
    if not between.strip():
        return False  # "gym monday wednesday", "today tuesday"; a day taken back says so
    words = re.findall(r"[a-z']+", between)
    return all(w in _TAKING_BACK for w in words) and any(w in _TAKES_BACK for w in words)


# "in three days", "dans une semaine", "dentro de 2 semanas", "in einer Woche"
_IN_DAYS = re.compile(
    r"\b(?:in|dans|en|dentro de|d'ici)\s+(\d{1,3}|an?|one|une?|una|einer|einem)\s+"
    r"(days?|jours?|dias?|tagen?|weeks?|semaines?|semanas?|wochen?)\b"
)
_NEXT_WEEK = re.compile(
    r"\b(?:next week|the following week|(?:the )?coming week|"
    r"la semaine (?:prochaine|suivante|d'apres)|"
    r"(?:la )?semana (?:que viene|proxima|siguiente)|(?:la )?(?:proxima|siguiente) semana|"
    r"(?:nachste|nachsten|nachster|kommende|kommenden|kommender|folgende|folgenden) woche)\b"
)


def _part_hour(text: str, day: re.Match[str] | None, weekday: re.Match[str] | None) -> int | None:
    """The hour of the part of the day said with the day ("friday afternoon": 15)."""
    if day is not None and day.group(1) in _DAY_PART_HOURS:
        return _DAY_PART_HOURS[day.group(1)]
    for said in (day, weekday):
        if said is not None and (part := _PART_AFTER.match(text, said.end())) is not None:
            return _PART_HOURS[part.group("part")]
    return None


def _next_week_of(text: str, weekday: re.Match[str]) -> bool:
    """Whether next week is said of ``weekday``, next to it: "thursday next week", "jeudi de
    la semaine prochaine", "next week on thursday" (not "on friday, to plan next week")."""
    return any(
        0 <= m.start() - weekday.end(2) <= 4 or 0 <= weekday.start(2) - m.end() <= 4
        for m in _NEXT_WEEK.finditer(text)
    )


def _days_in(m: re.Match[str]) -> int:
    """The days an ``_IN_DAYS`` match says ("dans huit jours" is a week in French)."""
    count = int(m.group(1)) if m.group(1).isdigit() else 1
    unit = m.group(2)
    if unit.startswith(("week", "semaine", "semana", "woche")):
        return 7 * count
    if unit.startswith("jour") and count in (8, 15):
        return count - 1  # "dans huit jours", "dans quinze jours": one week, two weeks
    return count


_IN_HOURS = re.compile(
    r"\b(?:in|dans|en|dentro de)\s+(\d{1,3}|an|a|une|un|una|einer)\s*"
    r"(hours?|heures?|horas?|stunden?|minutes?|minutos?|minuten?)\b"
)
_IN_HALF_HOUR = re.compile(
    r"\b(?:in (?:a |an )?half(?: an)? hour|dans une demi-?heure|en media hora|"
    r"dentro de media hora|in einer halben stunde|in ner halben stunde)\b"
)


# how long, said: each way of saying it and what it amounts to, the first that matches wins
_DURATIONS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], timedelta]], ...] = (
    (_HOURS_AND_A_HALF, lambda m: timedelta(hours=int(m.group(1) or m.group(2)), minutes=30)),
    (_HALF_HOUR, lambda m: timedelta(minutes=30)),
    (_THREE_QUARTERS, lambda m: timedelta(minutes=45)),
    (_QUARTER_HOUR, lambda m: timedelta(minutes=15)),
    (_HOURS_BY, lambda m: timedelta(hours=int(m.group(1)))),
    (_MINUTES_BY, lambda m: timedelta(minutes=int(m.group(1)))),
    (_AN_HOUR, lambda m: timedelta(hours=1)),
)
# a word every one of _DURATIONS says
_SAYS_DURATION = re.compile("hour|heure|hora|stund|std|min")
# "2h avant": the short hour, only where a clock time cannot be meant
_SHORT_HOURS = (re.compile(r"\b(\d{1,2}) ?h\b"), lambda m: timedelta(hours=int(m.group(1))))


def _duration(text: str, *, ending: bool = False) -> timedelta | None:
    """How long ``text`` says (anywhere in it; with ``ending``, only as its last words, where
    "2h" is two hours too)."""
    if not (_SAYS_DURATION.search(text) or (ending and "h" in text)):
        return None  # (saves trying every way on the many texts that say none)
    ways = (*_DURATIONS, _SHORT_HOURS) if ending else _DURATIONS
    for pattern, amount in ways:
        for m in pattern.finditer(text):
            if pattern is _HOURS_BY and _AT_BEFORE.search(text, max(0, m.start() - 8), m.start()):
                continue  # "à huit heures": a time of day, not eight hours
            if not ending or not text[m.end() :].strip():
                return amount(m)
    return None


# (not German "um": "um 2 Stunden" is by two hours; a time is "um 2 Uhr")
_AT_BEFORE = re.compile(r"\b(?:a|at|a las|vers|gegen|hacia)\s+$")


_A_DAY = re.compile(
    r"\b(?:a day|by a day|one day|un jour|au lendemain|un dia|al dia siguiente|einen tag)\b"
)
_NEXT_DAY = re.compile(r"\b(?:au lendemain|al dia siguiente)\b")
_DAY_AFTER = re.compile(
    r"\b(?:the day after|le lendemain|al dia siguiente|am tag danach|einen tag spater)\b"
    r"(?! tomorrow)"
)
_A_WEEK = re.compile(r"\b(?:a week|une semaine|una semana|eine woche)\b")
# what :func:`when` reads that needs no digit: a day said ("tomorrow", "friday"), one o'clock,
# noon or midnight in words, how long ("an hour", "half an hour", "in a minute"), a day or a
# week later (each of the other patterns it reads needs a digit: ``\d``)
# (each of these has a literal string in front of every alternative: tests/unit checks)
_WORDED = (_ONE_OCLOCK, _NOON, _MIDNIGHT, _A_DAY, _DAY_AFTER, _A_WEEK)
# each searched only where one of its few phrases is (a few ``in`` cost less than a search)
_ONE_OCLOCK_SAID, _NOON_SAID, _MIDNIGHT_SAID, _A_DAY_SAID, _DAY_AFTER_SAID, _A_WEEK_SAID = map(
    Needled, _WORDED
)
_SAID_TIME_WORDS = tuple(
    dict.fromkeys(
        [
            *_RELATIVE_DAYS,
            *_WEEKDAYS,
            *_SAYS_DURATION.pattern.split("|"),
            "half",
            "demi",
            # "in three days", "dans une semaine", "in einer Woche" (_IN_DAYS)
            *"day jour dia tag week semaine semana woche".split(),
            *(n for p in _WORDED for n in Needled(p).needles),
        ]
    )
)
# (a word that holds another is found with it: "pasado manana", "by a day")
_TIME_WORDS = tuple(
    w for w in _SAID_TIME_WORDS if not any(v != w and v in w for v in _SAID_TIME_WORDS)
)


@lru_cache(maxsize=16)  # one event's text is read for several intents
def _shift(text: str) -> timedelta | None:
    amount = _duration(text)
    if amount is None and _A_DAY_SAID.search(text):
        amount = timedelta(days=1)
        if _NEXT_DAY.search(text):
            return amount
    elif amount is None and _DAY_AFTER_SAID.search(text):
        return timedelta(days=1)
    elif amount is None and _A_WEEK_SAID.search(text):
        amount = timedelta(weeks=1)
    if amount is None:
        return None
    if _EARLIER.search(text):
        return -amount
    if _LATER.search(text):
        return amount
    return None


@dataclass(frozen=True)
class Before:
    """A time relative to an event's start: ``shift`` before it ("an hour before"), or the
    day before at ``clock`` ("the day before at 6 pm", "la veille à 19 h")."""

    shift: timedelta | None = None
    days: int = 0
    clock: time | None = None


_BEFORE_WORD = r"(?:before|beforehand|earlier|ahead of|avant|antes|vorher|davor|fruher|vorm?)"
_DAY_BEFORE = re.compile(
    r"\b(?:the (?:day|night|evening) before|la veille|le jour d'avant|el dia (?:antes|anterior)|"
    r"la noche (?:antes|anterior)|la vispera|am vortag|am tag davor|am abend davor|"
    r"den tag davor|einen tag (?:vorher|davor|fruher))\b"
)
_BEFORE = re.compile(rf"\b{_BEFORE_WORD}\b")


def before(u: Cleaned) -> Before | None:
    """A reminder's time said relative to the event it is about.

    >>> from processors.language import clean
    >>> before(clean("remind me about the vet an hour before", "en")).shift
    datetime.timedelta(days=-1, seconds=82800)
    >>> b = before(clean("rappelle-moi le véto la veille à 19 h", "fr"))
    >>> (b.days, b.clock)
    (-1, datetime.time(19, 0))
    """
    text = u.folded
    if _DAY_BEFORE.search(text):
        return Before(days=-1, clock=clock_time(u))
    for m in _BEFORE.finditer(text):  # "30 min avant", "un quart d'heure avant": how long before
        amount = _duration(text[: m.start()], ending=True)
        if amount is not None:
            return Before(shift=-amount)
    return None


# what comes before the new day or time ("move it to friday", "push it to four")
_NEW_DAY = re.compile(r"\b(?:to|a|à|au|auf|al|para|bis|nach|zu|pour|until)\s*(?:le|el|den)?\s*$")
_NEW_TIME = re.compile(r"\b(?:to|a|à|au|auf|al|para|bis|nach|zu)\s*(?:las|la)?\s*$")
_OCLOCK = re.compile(r"\b(\d{1,2}) ?o'?clock\b")


# this week named (next week is :data:`_NEXT_WEEK`)
_THIS_WEEK = re.compile(r"\b(?:this week|cette semaine|esta semana|(?:diese|dieser) woche)\b")
_FOR_DAY = re.compile(r"\b(?:for|pour|para|fur)\s*$")
_A_WEEKDAY_LAST = re.compile(r"\b(?:on |am |el |le )?(?:" + "|".join(_WEEKDAYS) + r")s?\s*$")
# a subject of its own before the week: another clause ("I'm away next week")
_SAYS_ITS_OWN = re.compile(
    r"\b(?:i|i'm|im|i'll|we|we're|were|we'll|they|they're|she|he|she's|he's|je|j'|nous|"
    r"on (?:verra|fera|le fera|se voit)|yo|"
    r"lo hacemos|lo vemos|nos vemos|estoy|estamos|vuelvo|ich|wir|machen|sehen)\b"
)


def week_of(u: Cleaned, base: datetime, zone: str) -> date | None:
    """The Monday of the week an utterance names an existing event by ("cancel my 3pm next
    week"), not the new one ("move it to next week").

    >>> from processors.language import clean
    >>> base = datetime.fromisoformat("2026-12-01T09:00:00+01:00")  # a Tuesday
    >>> week_of(clean("cancel my 3pm next week", "en"), base, "Europe/Paris")
    datetime.date(2026, 12, 7)
    >>> week_of(clean("move yoga to next week", "en"), base, "Europe/Paris") is None
    True
    >>> week_of(clean("move my 3pm to thursday next week", "en"), base, "Europe/Paris") is None
    True
    """
    said = [m for m in (_NEXT_WEEK.search(u.folded), _THIS_WEEK.search(u.folded)) if m]
    if not said:
        return None
    m = min(said, key=lambda found: found.start())
    head = u.folded[: m.start()]
    if _CLAUSE_END.search(head) or _SAYS_ITS_OWN.search(head):
        # said of something else: "annule mon rendez-vous de jeudi, on verra la semaine
        # prochaine", "cancel my friday event I'm away next week anyway"
        return None
    # the new day's week: "to next week", "auf Dienstag nächste Woche"
    before = _A_WEEKDAY_LAST.sub("", u.folded[max(0, m.start() - 30) : m.start()])
    if _NEW_DAY.search(before) or _FOR_DAY.search(before):
        return None
    local = base.astimezone(ZoneInfo(zone)).date()
    return local + timedelta(days=(0 if m.re is _THIS_WEEK else 7) - local.weekday())


def reference(u: Cleaned, base: datetime, zone: str) -> tuple[date | None, int | None]:
    """The day and hour an utterance describes an existing event by ("my three o'clock on
    thursday, push it to four" → thursday, 15): the first day said, and the first time of
    day that is not the new one ("to four", "à seize heures", "auf vier")."""
    local = base.astimezone(ZoneInfo(zone))
    text = u.folded
    day: date | None = None
    found = sorted(
        [(m.start(), "rel", m) for m in _DAY_RE.finditer(text)]
        + [(m.start(2), "wd", m) for m in _WEEKDAY_RE.finditer(text)]
    )
    for _start, what, m in found:
        # (before the whole of it: "auf nächsten Montag" is a new day too)
        if _NEW_DAY.search(text[max(0, m.start() - 12) : m.start()].rstrip() + " "):
            continue  # "move it to friday": the new day, not the event's
        if what == "rel":
            day = (local + timedelta(days=_RELATIVE_DAYS[m.group(1)])).date()
        elif (monday := week_of(u, base, zone)) is not None:
            day = monday + timedelta(days=_WEEKDAYS[m.group(2)])  # "thursday next week"
        else:
            ahead = (_WEEKDAYS[m.group(2)] - local.weekday()) % 7 or 7
            day = (local + timedelta(days=ahead)).date()
        break
    if any(ch.isdigit() for ch in text):
        # "the choir rehearsal on wednesday the 9th", "Chorprobe am 9.": a day of the month
        # names the day more closely than a weekday
        dated = _date_said(text, local.date())
        if dated is not None:
            day = dated
    hour: int | None = None
    for m in _CLOCK.finditer(text):
        before = text[max(0, m.start() - 8) : m.start(1)]
        if _NEW_TIME.search(before):
            continue  # the new time
        if not (m.group(2) or m.group(3) or m.group(0)[: m.start(1) - m.start(0)].strip()):
            continue
        h = int(m.group(1))
        if h > 24:
            continue
        suffix = m.group(3) or ""
        hour = h + 12 if (suffix.startswith("p") or (not suffix.startswith("a") and h < 8)) else h
        break
    if hour is None and (one := _OCLOCK.search(text)):
        hour = int(one.group(1)) + (12 if int(one.group(1)) < 8 else 0)
    return day, hour


_LEFT_OUT_DAY = re.compile(
    r"\b(?:not|except|apart from|but|pas|sauf|sinon|no|excepto|menos|salvo|nicht|ausser|"
    r"bis auf)\b[^,.;]{0,25}$"
)


def _date_said(text: str, today: date) -> date | None:
    """The date of an event said by its day of the month ("december 9", "le 9", "el
    miércoles 9", "am 9."), the next one from ``today``; none for a new day ("to the 9th")."""
    for pattern in (_DATE_RE, _ORDINAL_DAY):
        for m in pattern.finditer(text):
            if _NEW_DAY.search(text[max(0, m.start() - 12) : m.start()]):
                continue
            if _LEFT_OUT_DAY.search(text[max(0, m.start() - 30) : m.start()]):
                continue  # "…, not the one on the 9th": the day of another
            groups = m.groups()
            if pattern is _DATE_RE:
                month = _MONTHS[groups[1] or groups[2]]
                number = int(groups[0] or groups[3])
            else:
                month, number = 0, int(next(g for g in groups if g))
            for ahead in range(0, 13):  # this month or the next one that has that day
                y, mo = divmod(today.month - 1 + ahead, 12)
                year, mo = today.year + y, mo + 1
                if month and mo != month:
                    continue
                try:
                    found = date(year, mo, number)
                except ValueError:
                    continue
                if found >= today - timedelta(days=1 if month else 0):
                    return found
            return None
    return None


# --- what a new event or reminder is about -------------------------------------------------
# the request around it: politeness, then the verb that asks for the item and its noun
_ASKING = (
    r"(?:please|pls|can you|could you|would you|will you|i need you to|i want you to|"
    r"tu peux|tu pourrais|peux-tu|pourrais-tu|est-ce que tu peux|s'il te plait|"
    r"puedes|podrias|me puedes|por favor|porfa|"
    r"kannst du|konntest du|bitte|mal)\b[\s,]*"
)
_REMINDING = (
    r"(?:remind (?:me|us)|don't let me forget|n'oublie pas de me rappeler|"
    r"no (?:te )?olvides (?:de )?recordarme|vergiss nicht,? mich (?:daran )?zu erinnern|"
    r"(?:set|add|create|make|put|leave) (?:me |us )?"
    r"(?:a |an )?reminder|"
    r"rappelle[- ]moi|rappelle[- ]nous|fais[- ]moi penser|(?:\S+ )?me rappeler|"
    r"(?:mets|ajoute|cree|programme|note)"
    r"(?:[- ]moi)? (?:un |une )?rappel|"
    r"recuerdame|recuerdanos|acuerdame|(?:pon|anade|crea|programa|apunta)(?:me)? "
    r"(?:un )?recordatorio|"
    r"erinnere? (?:mich|uns)(?: daran| dran)?|(?:mich|uns) (?:daran |dran )?erinnern|"
    r"(?:stell|setz|leg|erstell|mach)(?: mir)? "
    r"(?:eine |ne )?erinnerung)\b[\s,]*"
)
_BOOKING = (
    r"(?:book|add|schedule|put|pop|plan|create|set up|stick|pencil in|pencil|put in|make|block out|"
    r"block|reserve|"
    r"new event|nouvel evenement|nouveau rendez-vous|nuevo evento|neuer termin|ajoute|mets|"
    r"planifie|note|prevois|cale|inscris|programme|cree|reserve|"
    r"bloque|anade|pon|programa|apunta|crea|agenda|mete|reserva|bloquea|"
    r"trag|leg|plan|plane|erstell|fug|merk|blockier|buch|mach|ajouter|mettre|noter|planifier|"
    r"programmer|creer|reserver|anadir|poner|apuntar|crear|agendar|reservar|eintragen|anlegen|"
    r"erstellen|hinzufugen|buchen)(?:[- ](?:me|moi|nous|us|mir|uns))?"
    r"(?:me|nos)?\b[\s,:]*"
)
# what a colon follows when what comes after it is the title ("reminder: pay the school")
_LABEL = re.compile(
    rf"(?:{_ASKING})*(?:{_REMINDING}|{_BOOKING})?\s*(?:(?:a|an|un|une|una|un|eine|einen|ein)\s+)?"
    r"(?:new |nouvel |nouveau |nueva? |neue[rn]? )?(?:reminder|rappel|recordatorio|erinnerung|"
    r"event|evenement|evento|termin|rendez-vous|rdv|cita|note|memo|entry|entree|eintrag|todo)?"
    r"\s*(?:for|pour|para|fur)?\s*"
)
# "i've got a dentist check-up on the 14th, add it", "j'ai un rdv …, ajoute-le"
_HAVING = (
    r"(?:i've got|i have got|i have|i've|we have|we've got|j'ai|on a|nous avons|tengo|"
    r"tenemos|ich hab|ich habe|wir haben)\b\s*"
)
_LEAD = re.compile(rf"^(?:{_ASKING})*+(?:{_REMINDING}|{_BOOKING}|{_HAVING})")
# the calendar named, and a clause after that only asks again ("…, put it in")
_CALENDAR = re.compile(
    r"\b(?:in|on|to|into) (?:the|my|our) (?:calendar|agenda|diary)\b|"
    r"\b(?:dans|a|sur) (?:l'|mon |notre |le )?(?:agenda|calendrier)\b|"
    r"\ben (?:el|mi|nuestro) (?:calendario|agenda)\b|"
    r"\b(?:in den|im|in meinen|in unseren) kalender\b"
)
_ASKED_AGAIN = re.compile(
    r"[,;.]\s*(?:(?:please|bitte|por favor)\s+)?(?:(?:add|put|stick|pop|book|trag|mets|note|"
    r"inscris|ajoute)(?:'s|-le|-la)?\s+(?:it|das|es|ihn|sie|bitte)\b|ajoute-le|ajoute-la|"
    r"inscris-le|inscris-la|note-le|note-la|mets-le|mets-la|apuntalo|apuntala|anadelo|"
    r"anadela|ponlo|ponla|trag'?s|bitte eintragen|eintragen)\b.*$"
)
# a reminder's time said from its event ("an hour before", "la veille")
_BEFORE_SAID = re.compile(
    r"\b\d{1,2} ?h\s+(?:avant|antes|vorher)\b|"
    r"\b(?:an?|one|une|un|una|eine[nm]?|\d{1,3})\s+(?:hours?|minutes?|mins?|days?|heures?|"
    r"jours?|horas?|minutos?|dias?|stunden?|minuten?|tagen?|tage)\s+"
    r"(?:before|beforehand|earlier|avant|antes|vorher|davor|fruher)\b|" + _DAY_BEFORE.pattern
)
# what joins the request to its subject ("remind me to …", "rappelle-moi d'…", "an die …")
_JOINING = re.compile(
    r"^(?:to|about|that|of|for|de|d'|du|que|pour|a|sobre|para|an|ans|daran|dass|zu|fur)\b\s*|^d'"
)
_ARTICLE = re.compile(
    r"^(?:the|a|an|my|our|le|la|les|l'|un|une|mon|ma|mes|notre|el|los|las|un|una|mi|mis|"
    r"nuestro|nuestra|der|die|das|den|dem|ein|eine|einen|einem|mein|meine|meinen|unser|"
    r"unsere)\b\s*|^l'"
)
_PREPOSITION = (
    r"(?:on|at|for|by|this|next|from|around|until|till|the|le|la|les|a|au|aux|pour|ce|cette|"
    r"vers|jusqu'a|el|los|las|para|este|esta|desde|hasta|am|um|fur|ab|gegen|"
    r"diesen|diese|bis|de|del|du|d')"
)
_PART_OF_DAY = (
    r"(?:in the (?:morning|afternoon|evening)|tonight|this (?:morning|afternoon|evening)|"
    r"(?:du|le|ce) (?:matin|soir)|de l'apres-midi|cet apres-midi|"
    r"(?:de|por) la (?:manana|tarde|noche)|esta (?:manana|tarde|noche)|"
    r"abends|morgens|nachmittags|vormittags|mittags|am (?:abend|morgen|nachmittag|vormittag)|"
    r"heut(?:e)? (?:abend|morgen|nachmittag|fruh)|fruh)"
)
# a part of the day that makes a bare number before it an hour ("six in the evening", "9
# tonight"; not "3 morning glory seeds", "2 evening gowns"): one said as a part of the day
_PART_CLOCK = re.compile(rf"\s*,?\s*(?:{_PART_OF_DAY}|at night)\b")
_CLOCK_SAID = (
    r"(?:(?:halb|viertel (?:nach|vor)|half past|quarter (?:past|to))\s+\d{1,2}|"
    r"\d{1,2}(?:[:h.]\d{2})?(?:\s*(?:am|pm|a\.? ?m\.?|p\.? ?m\.?|h|heures?|uhr|o'clock|horas?))?"
    r"(?:\s\d{2}\b)?(?:\s+(?:et demie|et quart|moins le quart|y media|y cuarto|menos cuarto))?|"
    r"noon|midday|midi|mediodia|mittag|midnight|minuit|medianoche|mitternacht)"
)
_DAY_SAID = (
    r"(?:"
    + "|".join(sorted(map(re.escape, _RELATIVE_DAYS), key=len, reverse=True))
    + r")(?: (?:morning|afternoon|evening|night|matin|apres-midi|soir|"
    r"por la (?:manana|tarde|noche)|fruh|abend|nachmittag|vormittag))?|"
    r"(?:(?:next |this |prochain |ce |proximo |el proximo |este |nachsten |nachster |kommenden "
    r"|diesen )?(?:"
    + "|".join(_WEEKDAYS)
    + r")(?:s|nachmittag|vormittag|abend|morgen|mittag)?(?: (?:prochain|que viene|next(?! week)))?"
    r"(?: (?:morning|afternoon|evening|night|matin|apres-midi|soir|abend|nachmittag|vormittag|"
    r"morgen|fruh))?(?: \d{1,2}\b(?!\s*(?:[:h.]\d|uhr|h\b|heures?|am\b|pm\b|o'clock))\.?)?|"
    # a day of the month: said with its article, its ending or its month ("buy 2 cartons")
    r"(?:(?:the|le|el|am|den|vom(?= \d{1,2}(?!\d)(?!\.?\s+(?:auf|bis|zum|zur|nach)\b))|el dia|dia) "
    r"\d{1,2}(?=st|nd|rd|th|er|\.|º|\s*(?:$|[,;:!?]|"
    r"at\b|a\b|um\b|of\b|de\b|(?:"
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r")\b))|\d{1,2}(?:st|nd|rd|th|er|\.(?!\d)|º))"
    r"(?:st|nd|rd|th|er|\.(?!\d)|º)?"
    r"(?!\s+(?:birthday|anniversary|anniversaire|cumple\w*|geburtstag|jubilaum))"
    r"(?: (?:of |de )?(?:"
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r"))?|\d{1,2} (?:of |de )?(?:"
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r")|(?:"
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r") \d{1,2}(?:st|nd|rd|th)?)"
)
# a time said: a day, an hour or a part of the day, each with the words that lead to it;
# an hour needs its preposition or its unit ("buy 2 cartons" keeps its number)
_CLOCK_ENDS = (
    r"(?=\s*(?:$|[,;:.!?]|(?:am|pm|a m|p m|h|heures?|uhr|o'clock|horas?|in the|du|de la|por la|"
    r"abends|morgens|nachmittags|vormittags|y|et|menos|moins|to|pour|para|zu|de|d'|que|dass|and|"
    r"und|tomorrow|today|tonight|demain|manana|morgen|heute|on|le|el|am|this|ce|este)\b))"
)
_TIME_SAID = re.compile(
    rf"(?:\b{_PREPOSITION}\s+)*(?:\b{_DAY_SAID}\b|\b{_PART_OF_DAY}\b|"
    r"\b(?:in|dans|en|dentro de|d'ici)\s+(?:\d{1,3}|an?|une?|una|einer|einem)\s+"
    r"(?:days?|jours?|dias?|tagen?|weeks?|semaines?|semanas?|wochen?|woche)\b|"
    rf"{_NEXT_WEEK.pattern}|{_IN_HALF_HOUR.pattern}|"
    r"\b\d{1,2}[:h]\d{2}\b|"
    r"\b(?:this weekend|next month|ce week-end|le week-end|le mois prochain|este fin de semana|"
    r"el fin de semana|el mes que viene|el proximo mes|dieses wochenende|am wochenende|"
    r"nachsten monat|nachster monat|kommenden monat)\b|"
    r"\b(?:in|dans|en|dentro de)\s+(?:\d{1,3}|an?|une?|una|einer)\s+(?:hours?|heures?|horas?|"
    r"stunden?|minutes?|minutos?|minuten?)\b|"
    r"\b\d{1,2}(?:[:h.]\d{2})?\s*(?:am|pm|h|heures?|uhr|o'clock)\b(?:\s\d{2}\b)?)|"
    # (after the day: "el 18 de diciembre" is a day, not 18 o'clock; "table for 4" no hour)
    rf"(?:\b{_PREPOSITION}\s+)*(?:\b(?:at|around|a|las|la|um|gegen|vers|hacia|sobre)\s+)++"
    rf"{_CLOCK_SAID}\b|(?:\b{_PREPOSITION}\s+)++{_CLOCK_SAID}\b{_CLOCK_ENDS}"
)
# the words left dangling at the end once times are taken out ("…, put it in", "… ein"),
# stripped one at a time (a single pattern over runs of them backtracks without end)
_LEFT_OVER_WORD = re.compile(
    rf"[\s,;.!?-]+(?:{_PREPOSITION}|and|et|y|und|no|non|nein|nee|wait|actually|sorry|enfin|"
    r"mejor|plutot|pardon|perdon|in|ein|an|aus|eintragen|"
    r"hinzu|vor|rein|is|are|ist|est|c'est|es|please|bitte|por favor|s'il te plait|"
    r"s'il vous plait|stp|svp)$"
)
_SEPARATORS = " ,;.!?-"


def subject(u: Cleaned, said: str) -> str | None:
    """What a new event or reminder is about, from its request: the words left when the
    asking ("remind me to", "rappelle-moi de", "trag … ein") and every time said are taken
    out, in the speaker's own case (``said``: the utterance as said); None when nothing is
    left.

    >>> from processors.language import clean
    >>> text = "remind me to buy nappies tomorrow at six in the evening"
    >>> subject(clean(text, "en"), text)
    'buy nappies'
    >>> text = "Rappelle-moi d'acheter du lait ce soir à dix-huit heures trente"
    >>> subject(clean(text, "fr"), text)
    'acheter du lait'
    """
    text = u.numeric
    folded = fold(text.replace("ß", "s"))  # one character for one: spans read on either
    if len(folded) != len(text):
        return None
    kept = [True] * len(text)
    for pattern in (_SPAN, _WEEKDAY_SPAN, _TIME_SAID, _CALENDAR, _BEFORE_SAID, _ASKED_AGAIN):
        for m in pattern.finditer(folded):
            kept[m.start() : m.end()] = [False] * (m.end() - m.start())
    text = "".join(c if k else " " for c, k in zip(text, kept, strict=True))
    folded = "".join(c if k else " " for c, k in zip(folded, kept, strict=True))
    text, folded = " ".join(text.split()), " ".join(folded.split())
    cut = len(folded) - len(folded.lstrip(" ,;:.!?-¿¡"))
    text, folded = text[cut:], folded[cut:]
    if ": " in folded and _LABEL.fullmatch(folded[: folded.index(": ")].strip(" ,")):
        # "reminder for monday: pay the school", "neuer Termin: Friseur" (not "add team
        # standup: daily")
        cut = folded.index(": ") + 1
        text, folded = text[cut:].lstrip(), folded[cut:].lstrip()
    for pattern in (_LEAD, _JOINING, _ARTICLE):
        lead = pattern.match(folded)
        if lead is not None and lead.end():
            text, folded = text[lead.end() :].lstrip(), folded[lead.end() :].lstrip()
    end = len(folded.rstrip(_SEPARATORS))
    while (left := _LEFT_OVER_WORD.search(folded, 0, end)) is not None:
        end = len(folded[: left.start()].rstrip(_SEPARATORS))
    text = text[:end]
    text = re.sub(r"\s+([,;:.!?])", r"\1", text).strip(" ,;:.!?-")
    if len(text) < 2:
        return None
    return _as_said(text, said)


def _as_said(text: str, said: str) -> str:
    """``text`` (lower case) with each word as ``said`` writes it ("call marco" → "call
    Marco"), and its first letter in upper case when ``said`` starts with one."""
    cases = {w.lower(): w for w in _WORD_SAID.findall(said)}
    return _WORD_SAID.sub(lambda m: cases.get(m.group(0), m.group(0)), text)


_WORD_SAID = re.compile(r"[\w'-]+")


def local_iso(at: datetime) -> str:
    """``2026-12-04T16:00`` — minutes precision, the zone's local time."""
    return at.strftime("%Y-%m-%dT%H:%M")


MONTH_WORDS = frozenset(_MONTHS)  # every month's name, four languages, folded

__all__ = [
    "MONTH_WORDS",
    "Delta",
    "When",
    "bare_number",
    "clock_time",
    "colour",
    "delta",
    "fold",
    "local_iso",
    "percent",
    "status",
    "subject",
    "switch",
    "temperature",
    "when",
]
