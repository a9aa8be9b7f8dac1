"""The grounded expert: intents recognised across four languages and resolved against the
project's own state (Formation v2).

For one routed event it

1. detects the language and cleans the utterance (:mod:`processors.language`);
2. resolves the items it mentions in the project's inventory (:mod:`processors.inventory`);
3. scores the domain pack's grounded intents: nearest examples (hashed n-grams over the
   utterance with its item mentions replaced by their kind, so "turn on the porch light"
   and "turn on the ambilight" look alike), the intent's cue words, whether a mentioned
   item is of a kind the intent acts on, whether the intent's value is there, and whether
   the utterance asks or tells;
4. reads the value (:mod:`processors.values`) and builds the patch against the matched
   item's real path — several equally good items ask which one, by name; a missing value is
   a named missing slot.

Projects whose state has no inventory, and packs without grounded intents, fall back to
:class:`~processors.former.PackExpert`. ``tests/unit/test_grounding.py`` shows it at work
through :class:`~processors.former.Former`.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from processors.embeddings import (
    Encoder,
    HashingEncoder,
    Matrix,
    SpanIndex,
    VectorIndex,
    WordLlamaEncoder,
    query_of,
)
from processors.fuzzy import Choices
from processors.inventory import (
    KIND_VOCAB,
    KIND_WORDS,
    STATUS_WORDS,
    Collection,
    Inventory,
    Item,
    Match,
    Resolution,
    home_scope,
    plural_name,
    remember,
    singular,
)
from processors.language import (
    _FUNCTION_WORDS,
    KEPT_AS_IS,
    NOT_BUT,
    REMIND_ME,
    REQUEST_VERB_STEMS,
    SUPPORTED,
    Cleaned,
    Detected,
    clean,
    detect,
    fold,
)
from processors.lexicon import GIVEN_TO, NOT_MISSPELT, WEEKDAY_NAMES, canonical, glossed
from processors.models import RoutedEvent
from processors.outside import INTO_CALENDAR
from processors.packs import DomainPack, IntentSpec, MissingSlot, render_patch
from processors.patterns import Needled
from processors.values import (
    Delta,
    asked_apart,
    bare_number,
    before,
    colour,
    delta,
    denied_done,
    denied_parts,
    left_as_is,
    local_iso,
    merge_holds_open,
    merge_not_over,
    names_time,
    opens_request,
    own_clause,
    percent,
    reference,
    requested,
    says_time,
    span,
    status,
    subject,
    switch,
    temperature,
    told_only,
    week_of,
    when,
)

GROUNDED_VERSION = "grounded-v1"
_NS = uuid.UUID("2d0c6a8e-5b1f-4b5e-9a57-3f0f4f1e9c11")

_WONDER = re.compile(
    r"^(?:i wonder|i'd like to know|i would like to know|j'aimerais savoir|je voudrais savoir|"
    r"me gustaria saber|quisiera saber|ich mochte wissen|ich wusste gern|do you know|"
    r"je me demande|tu sais si|sais-tu|me pregunto|sabes si|mich wurde interessieren|"
    r"queria saber|je voulais savoir|i wanted to know|"
    r"ich frage mich|ich frag mich|weisst du|weißt du|ich weiss nicht mehr|ich weiß nicht mehr|"
    r"(?:i'm |im )?not sure (?:if|whether)|i don'?t know if|je (?:ne )?sais pas si|"
    r"j'?sais pas si|no se si|ich weiss nicht,? ob|keine ahnung,? ob|"
    # a thing looked up ("find the yoga class in my calendar", "busca en orion el último
    # registro", "cherche le ticket du login", "such mir den Zahnarzttermin raus")
    r"(?:please |can you |could you )?(?:(?:find|look up|look for|search for|search|"
    r"cherche|recherche|retrouve|trouve-moi|busca|buscame|encuentra|encuentrame|such mir|"
    r"such|finde)\b(?!\s+(?:me\s+|moi\s+|mir\s+|uns\s+)?(?:an?|un|une|una|uno|ein|eine|einen|"
    # (not "find me a plumber": no thing of theirs; not "… and cancel it": asked after)
    r"some|des|unos|unas)\b)(?!.*\b(?:and|et|y|und|then|puis|dann|luego)\b)))"
)
# "the garage is shut right", "la cafetera sigue encendida", "das Garagentor ist zu oder":
# a device's state said back, with nothing asked to change, asks whether it is so
_STATE_SAID = re.compile(
    r"(?:\b(?:is|are|'s|was)\s+(?:\w+\s+)?(?:still\s+)?(?:on|off|open|closed|shut|locked|unlocked|"
    r"armed|disarmed|set|running)|"
    r"\b(?:est|sont)\s+(?:encore\s+|toujours\s+|bien\s+)?(?:allumee?s?|eteinte?s?|ouverte?s?|"
    r"fermee?s?|verrouillee?s?|activee?s?|desactivee?s?|en marche)|"
    r"\b(?:esta|estan|sigue|siguen)\s+(?:todavia\s+|aun\s+)?(?:encendid[ao]s?|apagad[ao]s?|"
    r"abiert[ao]s?|cerrad[ao]s?|activad[ao]s?|puest[ao]s?)|"
    r"\b(?:ist|sind)\s+(?:noch\s+|doch\s+|schon\s+|wirklich\s+)?(?:an|aus|offen|zu|auf|"
    r"abgeschlossen|verriegelt|eingeschaltet|ausgeschaltet|scharf|aktiv))"
    r"(?:\s+(?:right|correct|or not|now|still|again|la|non|hein|ou pas|maintenant|encore|"
    r"verdad|no|ahora|todavia|oder|gell|jetzt|noch|oder nicht))*\s*[?.!]*$"
)
# "le sprint se termine quand", "on a quoi demain": the question word said last
_ASKED_LAST = re.compile(
    r"\b(?:quand|quoi|combien|ou ca)\s*\??$|^on a quoi\b|^c'?est ou\b|\bor not\s*\??$|"
    r"\bou pas\s*\??$|\boder nicht\s*\??$|\bo no\s*\??$"
)
# a request taken back in its last words
TAKE_BACK = (
    r"never ?mind|skip it|forget it|"
    r"scratch that(?: last (?:one|bit|request|thing|part|message)| one)?|"
    r"(?:scrap|ignore|forget) (?:that|what i (?:just )?said)|oublie ce que je viens de dire|"
    r"olvida lo que (?:acabo de decir|dije)|vergiss,? was ich (?:gerade )?gesagt habe|"
    r"actually (?:no|don'?t)|laisse tomber|"
    r"oublie(?:-le|-la|-les)?|en fait non|olvidalo|dejalo|mejor no|da igual|vergiss es|"
    r"doch nicht|lass es|"
    # "I said nothing" ("non, annule, j'ai rien dit", "hab nix gesagt")
    r"(?:j'ai|je n'ai|j'ai jamais) rien dit|i didn'?t say anything|i said nothing|"
    r"no (?:he )?dicho nada|no dije nada|ich hab(?:e)? (?:nix|nichts) gesagt|"
    r"hab(?:e)? (?:nix|nichts) gesagt"
)
# what takes a request back at its end only ("…, no wait, don't", "…, non attends, non",
# "…, nein warte, lieber nicht"; not "wait, no, turn it on")
_TAKE_BACK_LAST = (
    r"(?:wait|attends|espera|warte),? (?:no|non|nein|nee|don'?t|nicht)|no,? don'?t|"
    r"lieber nicht|besser nicht|plutot pas|mieux vaut pas|"
    # "…, non, laisse", "…, no, leave it", "…, nee, lass mal": leave it as it is
    # ("…, uh no, keep it locked", "…, nah leave it off", "…, ach nein, lass sie zu")
    r"(?<![?] )(?<![?])(?:no|non|nein|nee|nah|nope),? (?:laisse(?: ca| faire)?|let it be|"
    rf"lass(?: mal| es| gut sein)?|{KEPT_AS_IS.pattern})|"
    r"(?<![?] )(?<![?])(?:bueno|pues|ah|oh|ach|well|mais|bon|wait|attends|espera|warte|"
    r"moment),? (?:no|non|nein|nee),? "
    rf"(?:{KEPT_AS_IS.pattern})|"
    # "…, scratch that, keep it locked": the request taken back, the thing kept as it is
    rf"(?:scratch that|forget that|oublie ca|olvida eso|vergiss das),? (?:{KEPT_AS_IS.pattern})"
)
# the speaker will do it ("I'll do it myself", "je m'en occupe", "lo hago yo")
_MYSELF = (
    r"(?:i'?ll do it myself|i'?ll do it|je (?:vais )?(?:le faire|le fais|m'en occupe|"
    r"le ferai|m'en occuperai)"
    r"(?: moi-meme| moi)?|(?:ya )?lo hago yo(?: mism[oa])?|"
    r"ich mach(?:'s|s|e es|e das| das) (?:selber|selbst|schon)|"
    r"(?:das )?mach(?:'s|s|e)? ich (?:schon )?(?:selber|selbst|schon)|"
    # done already by the speaker ("hab's selbst ausgemacht", "I did it myself", "je l'ai fait
    # moi-même", "ya lo hice yo")
    r"(?:ich )?hab(?:'s|s|e es| es| das)? (?:schon )?(?:selbst|selber) \w+|i did it myself|"
    r"(?:luego|despues) lo miro|i'?ll (?:look|check) later|je regarderai (?:plus tard|apres)|"
    r"ich schau(?:'s)? (?:mir )?(?:das )?spater an|"
    r"je l'ai (?:deja )?fait moi-meme|(?:ya )?lo hice yo(?: mism[oa])?)"
)
# a few words, up to "and", "mais", "pero", "aber" (what follows may ask for something)
_FEW = (
    r"(?: (?!and\b|but\b|mais\b|et\b|pero\b|y\b|aber\b|und\b|now\b|so\b|then\b|puis\b|"
    r"dann\b)[\w']+){1,6}"
)
# a request called off in its first words ("sorry, wrong button", "laisse tomber, …")
DISMISSED = re.compile(
    r"\W*(?:(?:oops|oh|ah|sorry|sry|lol|haha|jaja|dsl|desole|pardon|perdon|perdona|uy|ups|"
    r"actually|no|non|nein|nee|ne|noe|ok|okay|bon|vale|ach|eh|wait|hold on|attends|espera|"
    r"warte|moment|stop|stopp|bof|bah|pff+|mouais|boah|naja|na ja|egal|tja|meh|nah|bueno|pues|"
    r"ay|anda)\W+)*"
    # said to someone else, or by mistake ("lol sorry that was meant for sam", "no te hablaba a
    # ti, era a mi marido", "uy, perdona, era la tele", "Sorry, hab mich vertan, mach nix")
    r"(?:(?:(?:that|it|this) was|c'etait|c etait|era|war) (?:meant )?(?:for|pour|para|pa|fur|"
    r"fuer|a)"
    r" (?:(?:my|mon|ma|mi|the|la|el|der|die|das) )?\w+(?: (?!turn|switch)\w+){0,2}|"
    r"(?:era|c'etait|das war) (?:la tele|el tele|la radio|der fernseher|das radio)|"
    # (a few words, up to "and", "mais", "pero", "aber": "je parlais à mon fils mais ferme le
    # garage" asks for it)
    rf"(?:i was|i'm) (?:talking|speaking) to{_FEW}|(?:je parlais|je m'adressais) a{_FEW}|"
    r"(?:no )?(?:te hablaba|hablaba con|estaba hablando con|le estaba hablando a)"
    rf"(?:{_FEW})?|"
    r"(?:ich )?(?:hab|habe) (?:eben |gerade |grad )?mit \w+ (?:geredet|gesprochen|geklont|"
    rf"gequatscht|telefoniert)|ich (?:sprach|rede|red) mit{_FEW}|"
    # nothing to do, for now ("fais rien pour l'instant", "lass mal stecken, brauch ich doch
    # nicht", "don't touch anything yet")
    r"(?:ne )?(?:fais|faites) rien(?: pour l'instant| pour le moment)?|"
    r"(?:ne )?touche(?:z)? (?:a )?rien(?: pour l'instant| pour le moment)?|"
    r"don'?t touch anything(?: yet| for now)?|no toques nada(?: por ahora| todavia)?|"
    r"lass (?:mal )?stecken|fass (?:noch )?nichts an|"
    r"brauch(?:e)? ich (?:doch |jetzt |gar )?(?:nicht|nich|nimmer)(?: mehr)?|"
    r"(?:(?:ich )?hab mich vertan|je me suis trompee?|me (?:he )?equivoque|i made a mistake|"
    r"my mistake)(?:[,;.]? (?:mach nix|ne fais rien|no hagas nada|do nothing|don'?t do anything|"
    r"forget it|vergiss es|oublie|olvidalo))?|"
    # a bare "cancel" taken back in the same breath ("no, cancel, my mistake", "annule, je
    # m'en occupe moi-même", "cancela, no era nada"): no request of its own
    r"(?:cancel|annule|cancela|abbrechen|storniere?)[\s,;.!\u2026-]+(?:(?:ich )?hab mich vertan|"
    r"je me suis trompee?|me (?:he )?equivoque|my mistake|i made a mistake|no era nada|"
    rf"(?:c'etait|ce n'etait) rien|(?:it|that) was nothing|war nichts|{_MYSELF}|{TAKE_BACK})|"
    rf"mach nix|ne fais rien|no hagas nada|don'?t do anything|do nothing|please ignore{_FEW}|"
    rf"{TAKE_BACK}|wrong button|ignore (?:that|it|this|me)|hat sich erledigt|"
    # said in the wrong conversation ("wrong chat", "falscher Chat", "mauvaise conversation")
    r"wrong (?:chat|window|conversation|group|thread)|falscher? (?:chat|fenster|gruppe)|"
    r"mauvais(?:e)? (?:chat|fenetre|conversation|groupe)|(?:chat|ventana|conversacion|grupo) "
    r"equivocad[oa]|me equivoque de (?:chat|ventana|conversacion|grupo)|"
    r"ne t'embete pas|no hace falta|pas la peine|olvida|"
    # "oh, leave it, I'll do it myself", "ach, lass, ich mach's selber", "Kommando zurück"
    rf"leave it|laisse|lass(?: mal)?|kommando zuruck|{_MYSELF})\b"
    rf"(?:[\s,;.!\u2026-]+(?:{_MYSELF}|(?:i was|i'm) (?:talking|speaking) to{_FEW}|"
    r"(?:ich )?hab mich vertan|je me suis trompee?|me (?:he )?equivoque|my mistake|"
    # ("…, nich mit dir", "…, not you", "…, pas à toi", "…, no era para ti")
    r"not (?:to |with )?you|nicht? (?:mit |zu )?dir|pas (?:a |avec )?toi|"
    r"no (?:era )?(?:para ti|a ti|contigo))\b)?"
    # a clause of its own: not "oublie le yoga ce soir", "dejalo así y cierra la puerta"
    r"(?=\W*$|\s*[,;.!?\u2026])"
)
_RETRACTED = re.compile(
    rf"(?:[,.!?\u2026]|\bno|\bnon|\bnein|\bnee)\s*(?:{TAKE_BACK}|{_TAKE_BACK_LAST})[\s.!]*$"
)
# a word of TAKE_BACK, which every _RETRACTED says (it starts with none of them)
_TAKE_BACK_SAID = Needled(re.compile(f"{TAKE_BACK}|{_TAKE_BACK_LAST}"))
# a clause that opens with its negation ("- don't cancel it", "- bitte nicht ausschalten"; not
# "…, leave it on tonight", "…, turn it up so we don't freeze")
_OPENS_NEGATED = re.compile(
    r"\s*(?:please |bitte |por favor |s'il te plait )?(?:don'?t|do not|never|ne |n'|no |nicht|"
    r"kein|bloss nicht|ja nicht)"
)
# "alarm on or not", "le lampadaire il est allumé ou pas": whether it is so
_OR_NOT = re.compile(r"\b(?:or not|ou pas|ou non|o no|oder nicht|oder)\s*\??$")
# Question words that ask wherever they stand ("il reste combien", "j'ai quoi samedi").
_ASKS = re.compile(
    r"\b(?:combien|quelle heure|c'est quand|j'ai quoi|c koi|c'est quoi|cuanto|cuantos|cuantas|"
    r"que hora|a que hora|wie viel|wieviel|um wie viel|wann ist|how many|how much|what time|"
    r"which (?:lights?|doors?|tickets?|bugs?)|wich|"
    # how far along, asked anywhere ("le 42 il en est où", "en qué estado está el 42")
    r"en est ou|ou en est|en (?:que|ke|q) (?:estado|punto) (?:esta|estan|va|van)|"
    r"wie (?:ist|steht) (?:es mit|der stand))\b|^(?:status|statut|estado|temp|temperature|"
    r"temperatura|temperatur)\b|\b(?:status|statut|estado)$"
)
_QUESTION_START = {
    "en": r"^(?:what|what's|whats|wat|wats|wot|which|wich|who|when|when's|wen|where|why|how|is|"
    r"are|am|do|does|did|has|"
    r"have|was|were|will|any|anything|show me|tell me|list|give me|summari[sz]e|sum up|recap)\b",
    "fr": r"^(?:a quelle|quel|quelle|quels|quelles|qui|quand|kan|ou|comment|pourquoi|combien|"
    r"koi|quoi|est-ce|"
    r"qu'est-ce|est ce|c'est quand|c'est quoi|c koi|c quoi|ckoi|c'est koi|montre|dis-moi|"
    r"donne-moi|liste|y a-t-il|il y a)\b",
    "es": r"^(?:a que hora|a que ora|que|q|ke|cual|cuales|quien|cuando|donde|como|por que|cuanto|"
    r"cuantos|"
    r"cuantas|hay|esta|estan|tengo|tenemos|muestrame|dime|lista)\b",
    "de": r"^(?:um wie viel|was|welche|welcher|welches|wer|wann|wan|wo|wie|warum|wieso|wieviel|"
    r"wie viel|"
    r"ist|sind|hab|habe|habe ich|hat|gibt|zeig|sag mir|liste)\b",
}
_QUESTION_RE = {lang: re.compile(p) for lang, p in _QUESTION_START.items()}


def asked_in_any(folded: str) -> bool:
    """Whether ``folded`` asks in any of the four languages: a question mark, or a question's
    first word ("cuántos habitantes tiene Andorra"; the language may be misread)."""
    text = folded.strip().lstrip("¿¡ ")
    return text.endswith("?") or any(r.match(text) for r in _QUESTION_RE.values())


# searched only where one of their words is (most of their alternatives start with one, and
# a long alternation tried at every position costs more than a few ``in``)
_ASKS_SAID, _ASKED_LAST_SAID, _OR_NOT_SAID = map(Needled, (_ASKS, _ASKED_LAST, _OR_NOT))
# a request said as a question in the present ("…, tu le donnes à Yuki ?", "gibst du das dem
# Yuki?"; not "tu l'as fermé ?", "tu le trouves où ?")
_GIVEN_ASKED = (
    r"tu (?:me |nous |le |la |les |lui |leur |l')+(?:donnes|passes|mets|allumes|eteins|fermes|"
    r"ouvres|baisses|montes|lances|ajoutes|annules|deplaces|decales|assignes|attribues|confies|"
    r"verrouilles|rallumes|remets|envoies|reportes|avances)|"
    r"(?:gibst|machst|schaltest|stellst|drehst|schliesst|sperrst|verschiebst|setzt|"
    r"ubergibst) du"
)
_POLITE = re.compile(
    r"^(?:please |bitte |por favor )?(?:est-ce que (?:tu|vous) |est ce que (?:tu|vous) )?"
    r"(?:(?:warst|bist|sei) (?:du )?so lieb\w* (?:und )?|would you be so kind (?:as to )?|"
    r"tu serais (?:gentil|sympa) de |serias tan amable de )?"
    r"(?:pourrais|pourriez|peux|pouvez)?\b ?(?:can you|could you|would you|will you|can u|"
    r"peux-tu|peux tu|pouvez-vous|pouvez vous|tu peux|vous pouvez|tu pourrais|pourrais-tu|"
    r"pourriez-vous|puedes|podrias|podria|me puedes|puede|kannst du|konntest du|konnen sie|"
    r"konnten sie|wurdest du|kannst|mach mal|(?:me|se|te|nos)(?: l[oa]s?)? \w+(?:as|es)\b|"
    r"tu (?:me|nous) \w+|can we|could we|shall we|podemos|podriamos|on peut|on pourrait|"
    r"peut-on|pourrait-on|konnen wir|konnten wir|sollen wir|(?:te|le) importa(?! si\b)|"
    r"(?:ca|cela) (?:te|vous) derange(?! si\b)|macht es dir (?:was |etwas )?aus)\b|"
    # "est-ce que tu pourrais …", "tu sais allumer …", "any chance …", "¿se podría …?"
    # (an infinitive after "sais", "se podría": "tu sais pourquoi …", "¿se podría saber …?" ask)
    r"^(?:please |bitte |por favor )?(?:est-ce que |est ce que )?(?:tu|vous) (?:pourrais|pourriez|"
    r"peux|pouvez) (?!si\b|s'il\b|quand\b|ou\b|qui\b|comment\b|combien\b|ce qu|pourquoi\b|"
    r"depuis\b|pas\b|que\b|qu')|"
    r"^(?:est-ce que |est ce que )?(?:tu|vous) (?:sais|savez|saurais) "
    r"(?!notre\b|votre\b|entre\b|quatre\b|autre\b|contre\b|etre\b)(?=\w+(?:er|ir|re)\b)|"
    r"^(?:is there )?any chance (?:you|u|we) (?:could|can)\b|^(?:is there )?any chance of \w+ing\b|"
    r"^se podria (?!saber\b|haber\b|confirmar\b|comprobar\b|verificar\b|mirar\b|ver\b|"
    r"decir\b|averiguar\b)(?=\w+(?:ar|er|ir)\b)"
)
_MODALS = (
    r"can we|could we|on peut|on pourrait|podemos|podriamos|konnen wir|konnten wir|"
    r"can you|could you|would you|tu peux|tu pourrais|peux-tu|pouvez-vous|vous pouvez|"
    r"pourriez-vous|pourrais-tu|puedes|podrias|podria|me puedes|kannst du|konntest du|konnen sie|"
    r"konnten sie|wurden sie|wurdest du|(?:l[oa]s? |me |te )(?:puedes|podrias|podria)"
)
# a request asked after a comma ("la clase de yoga, ¿la puedes adelantar?") or, with a modal
# only, after a sentence ("Je vais me coucher. Pourriez-vous …"): "Bonne nuit. Les lumières de
# la cuisine sont éteintes ?" is no "les … es" Spanish clitic request
_POLITE_INSIDE = re.compile(
    r"(?:[,\u2014\u2013]\s*[\u00bf\u00a1]?|\s[\u00bf\u00a1])\s*"
    rf"(?:{_MODALS}|(?:me|se|te|nos|le|les)(?: l[oa]s?)? \w+(?:as|es)|l[oa]s? podemos|podemos)\b|"
    rf"[.!?]\s*[\u00bf\u00a1]?\s*(?:{_MODALS})\b"
)
_OUTDOORS = re.compile(
    r"\b(?:outside|outdoors|out there|dehors|a l'exterieur|fuera|afuera|en la calle|draussen|"
    r"drauben|im freien)\b"
)


# the weather's words ("brr, minus twelve outside", "il neige dehors", "draußen ist
# Schietwetter"): told of outdoors, the weather, not the home's heating
_WEATHER_SAID = re.compile(
    r"\b(?:cold|freezing|chilly|frozen|icy|snow|snowing|snowy|rain|raining|rainy|windy|wind|"
    r"storm|stormy|hail|hailing|sleet|fog|foggy|sunny|hot|warm|minus|below zero|degrees|froid|"
    r"gel|gele|gelee|geler|glacial|verglas|neige|neiger|pleut|pluie|vent|venteux|tempete|orage|"
    r"brouillard|soleil|chaud|moins|degres|caille|frio|helada|congelado|nieva|nieve|llueve|lluvia|"
    r"viento|tormenta|niebla|calor|menos|grados|kalt|saukalt|eiskalt|bitterkalt|friert|"
    r"gefroren|schnee|schneit|schneeregen|regen|regnet|sturm|gewitter|nebel|sonne|heiss|grad|"
    r"schietwetter|sauwetter|mistwetter|hundewetter|glatteis|windstarke)\b"
)


# a pet asleep or lying somewhere, told ("the cat's asleep on the warm towels again", "le chien
# dort devant la cheminée", "el gato se durmió en el sofá", "die Katze hat sich aufs Sofa
# gelegt"): a story, whatever thing it lies on
_PET_RESTING = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:the |our |my |le |la |notre |mon |ma |el |la |nuestr[oa] |mi |"
    r"der |die |das |unser\w* |mein\w* )?(?:cat|kitty|dog|puppy|chat|chatte|chaton|chien|chienne|"
    r"gato|gata|gatito|perro|perra|perrito|katze|kater|hund|hundchen|welpe)(?:'s| is| has)?\s+"
    r"(?:(?:\w+ ){0,2})(?:asleep|sleeping|napping|snoring|curled up|lying|lies|fast asleep|dort|"
    r"s'est endormi\w*|roupille|ronfle|couche\w*|s'est couche\w*|est allonge\w*|duerme|"
    r"durmiendo|se durmio|se ha dormido|esta (?:tumbad|echad|acostad)[oa]|se (?:tumbo|echo)|"
    r"schlaft|schlaeft|pennt|schnarcht|liegt|hat sich (?:\w+ ){0,5}?(?:gelegt|eingerollt))\b"
)


# indoors said beside it ("it's cold outside and the kids are freezing in their rooms")
_INSIDE_SAID = re.compile(
    r"\b(?:in here|inside|indoors|in the house|room|rooms|bedroom\w*|ici|dedans|a l'interieur|"
    r"dans la maison|chambre\w*|piece\w*|aqui|adentro|dentro|en casa|habitaci\w*|cuarto\w*|"
    r"drinnen|hier drin|hier|im haus|zimmer\w*|stube)\b"
)


# weather that is only ever outdoors ("the tramontane's been howling all night", "in
# Freiburg schneit's", "¡qué helada ha caído esta noche!", "bit nippy out there"): no
# "outside" needed
_WEATHER_EVENT = re.compile(
    r"\b(?:tramontane|tramontana|tramuntana|mistral|foehn|fohn|sirocco|scirocco|cierzo|"
    r"levante|poniente|"
    r"(?:it'?s|it is|it was|it'?s been|it has been) (?:\w+ )?(?:snowing|raining|pouring|hailing|"
    r"sleeting|drizzling|bucketing)|(?:the )?wind(?:'s| is|'s been| has been| was)? "
    r"(?:howling|blowing|whistling|picking up|gusting)|howling (?:all|the whole) night|"
    r"(?:hard|heavy|sharp) frost|frost (?:last night|overnight)|(?:nippy|parky|baltic|brisk) out|"
    r"il (?:a )?(?:neige|pleut|plu|grele|gele)|(?:le vent|ca) (?:a )?souffle|a souffle|"
    r"(?:la |une )?gelee blanche|"
    r"(?:esta|estuvo) (?:\w+ )?(?:nevando|lloviendo|granizando|helando)|nieva|llueve|graniza|"
    r"(?:ha caido|cayo|vaya|que) (?:una )?helada|sopla (?:el |la )?(?:viento|tramontana|cierzo)|"
    r"es (?:hat )?(?:schneit|regnet|hagelt|sturmt|friert|gefroren)|schneit'?s|regnet'?s|"
    r"(?:der )?wind (?:pfeift|heult|blast|tobt)|(?:heute )?nacht (?:hat es )?(?:frost|gefroren)|"
    # clouds or fog outside ("se nubló justo cuando salía la luna", "the fog's sitting down
    # in the valley", "quel brouillard sur le lac", "so einen Nebel")
    r"clouded over|cloud(?:s|ed)? (?:came|rolled) in|se (?:ha )?nublado|se nublo|se encapoto|"
    r"(?:ca|le ciel) s'est couvert|hat sich zugezogen|"
    r"(?:the )?fog(?:'s| is| has| hasn'?t| was)?(?! \w*light| \w*lamp| machine)|"
    r"(?<!corne de )brouillard(?! \w*lampe)|(?<!sirena de )niebla(?! \w*luz)|"
    r"nebel(?!\w*(?:licht|lampe|maschine|scheinwerfer|horn))"
    r")\b"
)
# a tag after what is told ("…, isn't it?", "…, hein", "¿verdad?", "…, oder?"): no question
_TAG_ASKED = re.compile(
    r"[,\s]+¿?(?:isn'?t it|wasn'?t it|don'?t you think|right|eh|innit|hein|n'est-ce pas|non|"
    r"pas vrai|verdad|no|oder|gell|ne|nicht wahr|was)\W*$"
)


def weather_outside(folded: str) -> bool:
    """Whether ``folded`` tells the weather outside and nothing more: no request, no
    question, no kind of thing of a project (not "it's freezing outside, turn the heating
    up", "how cold is it outside?").

    >>> weather_outside("brr, it's minus twelve outside"), weather_outside("it's cold in here")
    (True, False)
    """
    if _TAG_ASKED.search(folded) is not None:
        folded = _TAG_ASKED.sub("", folded)
    return (
        (
            (_OUTDOORS.search(folded) is not None and _WEATHER_SAID.search(folded) is not None)
            or _WEATHER_EVENT.search(folded) is not None
        )
        and _INSIDE_SAID.search(folded) is None
        and not asks_after(folded)  # (a question mark too)
        and KIND_VOCAB.isdisjoint(re.findall(r"[\w']+", folded))
        and _REQUEST_WORD.search(folded) is None
        # the clauses that say no weather ask nothing either ("…, moins dix sur le ponton")
        and not any(
            _asks_something(c)
            for c in _CLAUSE.split(folded)
            if _WEATHER_SAID.search(c) is None
            and _OUTDOORS.search(c) is None
            and _WEATHER_EVENT.search(c) is None
        )
    )


# a request's verb, any form ("postpone", "décale", "sube", "sag … ab"), or a value said
_REQUEST_VERB_SAID = re.compile(
    # (not "let me think", "sag mal": a filler)
    r"\b(?:cancel\w*|annul\w*|cancela\w*|anula\w*|absag\w*|sag(?! mal\b)|postpone|reschedule|"
    r"report\w*|decal\w*|deplac\w*|lower|raise|bring|let(?! me\b| us\b)|demarr\w*|lance\w*|"
    r"recuerd\w*|"
    r"rappel\w*|erinner\w*|baisse\w*|monte\w*|sube\w*|baja\w*|mueve\w*|verleg\w*|"
    r"verschieb\w*|assign\w*|asigna\w*|weis\w*|runter|rauf|hoch)\b"
)
_REQUEST_WORD = re.compile(rf"{_REQUEST_VERB_SAID.pattern}|\b(?:an|aus|auf|zu|ab)$|\d")


def _asks_something(clause: str) -> bool:
    """Whether a clause beside a remark may ask something: a request's verb or a value in it,
    an imperative, or more than a few words (not "honestly, that cat")."""
    clause = clause.strip(" .!…")
    return (
        len(clause.split()) > 6
        or _REQUEST_WORD.search(clause) is not None
        or _HAS_IMPERATIVE.search(clause) is not None
        or ASKING.search(clause) is not None
        or _CLAUSE_REQUEST.match(clause) is not None
    )


# a clause that opens with a request's verb, any form ("kill the big light", "vire la
# guirlande", "quita las luces", "knips mal die Deckenlampe aus", "give the checklist to Lea")
_CLAUSE_REQUEST = re.compile(
    r"\W*(?:(?:just|please|now|so|then|bitte|mal|juste|alors|stp|porfa|pues|y|and|et|und)\W+)*"
    rf"(?:{REQUEST_VERB_STEMS}\w*|kill|give|hand (?!in\b|on\b|out\b)|bring|take|get|let|"
    r"vire|enleve|retire|donne|confie|file|attribue|envoie|quita|saca|dale|da(?:le|me|selo)|"
    r"encarga\w*|manda\w*|envia\w*|gib|nimm|knips|zieh|schick|schreib|leg|lösch|losch)\b"
)


# anyone curled up or lying down somewhere again, by name ("Churro's curled up on the heat mat
# again", "el gato se ha vuelto a dormir encima de …", "der Churro liegt schon wieder im
# Schuppen"): a story too
_RESTING_AGAIN = re.compile(
    r"^\W*(?!(?:everyone|everybody|we|tout le monde|on|nous|todos|todo el mundo|alle|wir)\b)"
    r"(?:\w+\W+){0,3}?\w+(?:'s| is| has)?\s+(?:(?:\w+ ){0,2})(?:curled up|"
    # asleep or stretched out somewhere, again or not ("Nala dort devant le poêle")
    r"asleep|sleeping|napping|dozing|snoozing|stretched out|sprawled|dort|roupille|somnole|"
    r"fait la sieste|duerme|esta dormid[oa]|esta (?:tumbad|echad|tirad|estirad)[oa]|"
    r"schlaft|pennt|dost|(?:schlaft|pennt|dost|liegt) (?:schon |mal )?wieder|"
    r"s'est (?:encore |de nouveau |re)?(?:endormi\w*|roule\w* en boule|pelotonne\w*)|"
    r"se ha vuelto a (?:dormir|tumbar|echar|acostar|acurrucar)|se (?:ha )?(?:acurrucado|"
    r"hecho un ovillo)|liegt (?:schon |mal )?wieder|hat sich (?:schon )?wieder (?:\w+ ){0,5}?"
    r"(?:gelegt|eingerollt|zusammengerollt)|(?:zusammengerollt|eingerollt))\b"
)


# news told with wonder at it ("we sold the last of the olive trees yesterday, can you believe
# it", "on a vendu tous les Nordmann en deux jours, c'est fou", "qué locura", "Wahnsinn")
_AMAZED = re.compile(
    r"(?:^|[,;.!\u2026\u2014-]\s*|\s)¡?(?:can you believe it|would you believe it|unbelievable|"
    r"incredible|amazing|crazy|insane|mad|wild|what a day|c'est (?:fou|dingue|incroyable|ouf|"
    r"dingue ca|fou ca|pas croyable)|incroyable|dingue|de fou|(?:que|vaya|menuda) locura|"
    r"(?:es )?increible|alucinante|flipante|de locos|wahnsinn|unglaublich|irre|krass|verruckt|"
    r"der hammer|nicht zu fassen)\W*$"
)


def amazed_remark(folded: str) -> bool:
    """Whether ``folded`` tells news with wonder at it and asks nothing ("we sold the last of
    the olive trees yesterday, can you believe it"; not "the heating broke, unbelievable",
    a thing of a kind named, nor "…, turn it off, crazy").

    >>> amazed_remark("on a vendu tous les sapins en deux jours, c'est fou")
    True
    """
    found = _AMAZED.search(folded)
    if found is None:
        return False
    told = folded[: found.start()]
    return (
        len(told.split()) >= 3
        and "?" not in told
        and not asks_after(told)
        and _HAS_IMPERATIVE.search(told) is None
        and _REQUEST_WORD.search(told) is None
        and KIND_VOCAB.isdisjoint(re.findall(r"[a-z]+", told))
        and ASKING.search(told) is None
    )


def pet_resting(folded: str) -> bool:
    """Whether ``folded`` tells of a pet asleep or lying somewhere and asks nothing.

    >>> pet_resting("the cat's asleep on the warm towels again"), pet_resting("the cat is out")
    (True, False)
    """
    found = _PET_RESTING.search(folded) or _RESTING_AGAIN.search(folded)
    if found is None or asks_after(folded) or _HAS_IMPERATIVE.search(folded) is not None:
        return False
    # every other clause asks nothing ("…, honestly, that cat"; not "…, lower the radiator")
    clauses = _CLAUSE.split(folded)
    story = len(_CLAUSE.split(folded[: found.start()])) - 1  # the clause it starts in
    return not any(_asks_something(c) for n, c in enumerate(clauses) if n != story)


def _indoors(c: Cleaned) -> bool:
    """Whether the weather said is the home's ("it's freezing in here"), not outside's."""
    return not _OUTDOORS.search(c.folded)


_INDIRECT_COLD = re.compile(
    r"\b(?:cold|freezing|chilly|froid|gele|caille|frio|helado|congelando|kalt|eiskalt|friere|"
    r"frierst|friert|frieren|"
    # cold said of someone ("les enfants se sont réveillés gelés", "los niños están helados",
    # "die Kinder sind frierend aufgewacht")
    r"geles|gelee|gelees|frigorifie\w*|helad[oa]s|congelad[oa]s?|frierend|gefroren|"
    r"(?<=esta )helada|(?<=esta muy )helada|caillant|"
    # one's hands or feet freezing ("se le congelan los dedos", "se me hielan los pies")
    r"se (?:me|te|le|nos|les) (?:congela\w*|hiela\w*)|"
    r"durchgefroren|"
    r"saukalt|arschkalt|bitterkalt|baltic|perishing|brass monkeys|"
    # icy ("les carreaux sont glacés", "la salle de bain est glacée", "icy tiles", "eisig")
    r"icy|ice[- ]cold|glacee|glacees|glacial\w*|(?:est|sont|etait|etaient) (?:tout |toute |"
    r"super |vraiment |completement )?glaces?|eisig\w*|"
    # one's breath seen indoors ("ich seh meinen Atem", "on voit notre souffle")
    r"(?:see|seh\w*|sieht|voi[st]|vemos|veo) (?:my|our|your|meinen|unseren|deinen|mon|notre|"
    r"ton|mi|nuestro) (?:breath|atem|souffle|aliento)|"
    # shivering, teeth chattering ("Granny's been shivering in her room", "elle grelotte",
    # "está tiritando", "Oma klappert mit den Zähnen")
    r"shiver\w*|teeth (?:are |were )?chattering|(?<!fait )(?<!fais )frissonn\w*|grelott\w*|"
    r"claque des dents|"
    r"tirit\w*|le castanetean|zitter\w*|bibber\w*|schlotter\w*|"
    r"(?:klappert|klappern|klappere) (?:\w+ ){0,4}mit den zahnen|zahneklappern)\b|"
    # a cold place said for the room, now: "it's like an icebox in here", "c'est un frigo ici",
    # "esto es una nevera", "hier ist es wie im Kühlschrank" (not "make it like a fridge", "it
    # was like a fridge yesterday", "it's not like a fridge any more")
    r"\b(?:(?:it's|it is|its|here|(?:(?<!store)(?<!storage )(?<!cold )(?<!boiler )\w*room|"
    r"kitchen|office|lounge|hallway|study|nursery|cellar|basement|attic|studio|workshop|flat|"
    r"apartment|loft|den|snug|parlour|conservatory|(?:our|my|this|the) (?:house|home|place))"
    r"(?:'s| is)) like (?:an?|being in an?) |"
    r"(?:c'est|est|sont) (?:un|une|comme (?:un|une|dans (?:un|une|le))) "
    r"(?:vrai |vraie |veritable )?|(?=c'est (?:la siberie|le pole))c'est \w+ |"
    r"(?<!'s )\b(?!store|storage|cold|boiler|fridge|freezer)\w+(?:'s| is) like "
    r"(?:an?|being in an?) |"
    r"ist (?:ja |echt |wie )?(?:ein|eine) |"
    r"on (?:se croirait|dirait) (?:dans )?(?:un|une) |"
    r"(?:esto es|es|parece) (?:como )?(?:un|una) |"
    r"ist (?:es )?(?:hier )?(?:ja )?wie (?:ein|eine|im|in (?:einem|der)) )"
    r"(?:icebox|fridge|freezer|igloo|north pole|siberia|frigo|glaciere|congelateur|congel|"
    r"pole nord|siberie|nevera|congelador|iglu|polo norte|tempano|"
    r"kuhlschrank|eiskeller|gefrierschrank|nordpol|sibirien|eiskasten)\b"
)
# cold said as wanted: "the bedroom is like a fridge, which is how I like it"
_COLD_WANTED = re.compile(
    r"\b(?:i like it|how i like|perfect|parfait|j'aime|me gusta|perfecto|ich mag|perfekt|"
    r"genau richtig|just right|great|ideal|lovely|love|good for|storing|in summer|en ete|"
    r"en verano|im sommer|never heats|genial|super pour|idealement|ideal para|toll|prima)\b"
)


def _cold(c: Cleaned) -> bool:
    """Whether the text says the room is cold (and does not say that is how it should be)."""
    found = _INDIRECT_COLD.search(c.folded)
    if found is None or _COLD_WANTED.search(c.folded):
        return False
    # shivering of an animal, or of a film ("the dog is shivering in the garden", "that horror
    # film gave me the shivers"): no room is cold
    return not (_SHIVERING.match(found.group()) and _NOT_FROM_COLD.search(c.folded))


_SHIVERING = re.compile(
    r"shiver|teeth|frissonn|grelott|claque|tirit|le castanete|zitter|bibber|schlotter|klapper|"
    r"zahneklappern"
)
_NOT_FROM_COLD = re.compile(
    r"\b(?:dog|cat|puppy|kitten|bird|chien|chat|chiot|perro|gato|cachorro|hund|katze|welpe|"
    r"the shivers|film|movie|horror|story|pelicula|peli|cuento|gruselfilm|krimi|garden|jardin|"
    r"garten|yard|outside|dehors|fuera|draussen|scared|peur|miedo|angst)\b"
)


_INDIRECT_HOT = re.compile(
    r"\b(?:too hot|boiling|roasting|sweltering|trop chaud|creve de chaud|on etouffe|calor|"
    r"demasiado caliente|asando|asfixiando|achicharrando|zu warm|zu heiss|schwitzen|bullig|"
    r"affenhitze|bullenhitze|bruthitze|bruthei(?:ss|s))\b"
)
# too much heat said ("trop chaud", "zu warm", "way too hot"; not "pas trop chaud")
_TOO_HOT = re.compile(
    r"(?<!\bpas )(?<!\bnot )(?<!\bnicht )(?<!\bno )\b(?:(?:beaucoup |bien |viel |way |far |much )?"
    r"(?:trop chaud|too (?:hot|warm)|zu (?:warm|heiss)|demasiado (?:calor|caliente)|"
    r"creve de chaud|on etouffe|on cuit))\b"
)
_INDIRECT_DARK = re.compile(
    # (a time, not the light: "back before dark", "after dark")
    r"(?<!\bbefore )(?<!\bafter )(?<!\buntil )(?<!\btill )(?<!\bby )(?<!\bpast )"
    r"\b(?:dark|sombre|noir|oscuro|oscuras|dunkel|finster|pitch black|stockdunkel|"
    r"zappenduster|stockfinster)\b|voit goutte|"
    # German "düster" (not the English "duster": "I left the duster in the kitchen")
    r"\b(?:ist|sind|ganz|so|sehr|echt|ziemlich|zu|schon) (?:\w+ )?duster\b|"
    r"can'?t see|cannot see|"
    r"vois rien|voit rien|voi[st] plus rien|y voit (?:plus )?que dalle|no veo|ve nada|ven nada|"
    r"vemos nada|"
    r"sehe .{0,12}nichts|sieht man .{0,12}nichts|barely see|"
    r"vois presque|"
    r"sehe kaum|apenas veo|no (?:me )?veo|ne (?:me )?vois|"
    r"seh\w* (?:mich |dich )?(?:\w+ ){0,4}?(?:nichts|kaum|nicht)\b|"
    r"sieht (?:\w+ ){0,4}?(?:nichts|kaum)\b|"
    # "man sieht die Hand vor Augen nicht"
    r"hand vor (?:den )?augen nicht"
)
_WANT = re.compile(
    r"\b(?:could (?:really )?use|i need|i want|i'd love|il me faut|j'ai besoin|je veux|"
    r"necesito|quiero|me vendria|ich brauch\w*|ich will|ich hatte gern|me hace falta|"
    r"il (?:me|nous) faut|j'aurais besoin|j'ai trop besoin|"
    r"without|sans|sin|ohne)\b"  # "the kids won't sleep without their night light"
)
_UNLOCK = re.compile(
    r"\b(?:unlock\w*|unlcok|unbolt\w*|open\w*|deverrouill\w*|debarr\w*|ouvr\w*|ouvre|abre|abrir|"
    # opened for someone ("ábrele la puerta a la abuela", "abrile", "ábreles")
    r"abr[ei]le\w*|abrirle\w*|"
    r"desbloque\w*|desbloquea|quita\w* (?:\w+ )?(?:la )?llave|"
    r"aufschlie\w*|aufgeschlossen|aufsperr\w*|aufgesperrt|entriegel\w*|entsperr\w*|aufmach\w*|"
    r"auf\b|offne\w*)"
)
_LOCK = re.compile(
    r"\b(?:lock\w*|secure|bolt\w*|verrouill\w*|barr\w*|ferme\w*|cierra\w*|cerrar|cerrad\w*|llave|"
    r"bloque\w*|cerrojo|abschlie\w*|abgeschlossen|verschlossen|zusperr\w*|zugesperrt|zumach\w*|"
    r"absperr\w*|"
    r"verriegel\w*|schlie\w*|zu\b|ab\b)"
)
# someone to let in, asked without a word of locking ("can you let him in", "fais-le entrer",
# "déjala pasar", "lass ihn rein"); not told ("the kids are waiting at the school gate", "a
# stranger is waiting at the door, keep it shut" are no requests to unlock anything)
_LET_IN = re.compile(
    r"(?<!\bdon't )(?<!\bdont )(?<!\bnot )(?<!\bnever )\blet (?:him|her|them|me|us) in\b|"
    r"\b(?:laisse|fais)[- ]?(?:le|la|les|moi|nous)?[- ]entrer\b|"
    r"(?<!\bno )(?<!\bno le )(?<!\bno la )(?<!\bno los )(?<!\bno les )\b(?:deja|haz)\w* "
    r"(?:entrar|pasar)\b|\blass\w* (?:ihn|sie|mich|uns) rein\b|"
    r"\breinlassen\b"
)
# someone not to let in: a stranger, or the text says not to ("…, keep it shut", "ne lui ouvre
# surtout pas"); someone merely waiting at a door or gate is asked about ("lock or unlock?"):
# a rule that read it as "unlock" was tried twice and reviewed twice, and unlocked for a
# burglar, the dog, a parcel, a courier told to wait, a door of another building
_KEEP_OUT = re.compile(
    r"\b(?:stranger\w*|unknown|suspicious|weird|creepy|don'?t know|do not know|no idea|"
    r"not allowed|keep (?:it|them|him|her|the \w+(?: \w+)?) (?:shut|locked|closed|out)|"
    r"don'?t (?:open|unlock|let)|ignore|"
    r"inconnu\w*|louche|bizarre|n'ouvre|ne (?:l'|lui |leur )?(?:\w+ )?ouvre|ne pas ouvrir|"
    r"surtout pas|pas question|pas le droit|garde\w* (?:la|le|les)? ?ferme\w*|"
    r"desconocid\w*|extran\w*|sospechos\w*|raro|no (?:le |la |lo |les )?abras|"
    r"no puede entrar|ni hablar|"
    r"fremd\w*|unbekannt\w*|verdachtig\w*|komisch\w*|"
    # (not "sie kommt nicht rein": she cannot)
    r"(?<!\bkommt )(?<!\bkommen )(?<!\bkomme )nicht (?:auf|offnen|aufmachen|rein)|"
    r"darf nicht|auf keinen fall|mach\w* nicht auf|lass\w* (?:es|sie|ihn|das \w+|die \w+) zu)"
    r"\b"
)
_LOCK_OR_UNLOCK = re.compile(f"{_UNLOCK.pattern}|{_LOCK.pattern}")
# asked to look, not to change ("can you check", "vérifie", "comprueba", "schau mal nach")
_CHECK_ASKED = re.compile(
    r"\b(?:check|verify|see if|verifie\w*|regarde|comprueba|compruebalo|mira si|"
    r"pruf\w*|schau\w* (?:mal )?nach|kontrollier\w*)\b"
)
# one of the family, by kinship ("my mum", "ma belle-mère", "mi hermano", "meine Schwester")
_FAMILY = re.compile(
    r"\b(?:(?:my|our) (?:mum|mom|mother|dad|father|wife|husband|son|daughter|brother|sister|"
    r"grandma|granny|grandpa|nan|mother-in-law|father-in-law|kids|children|partner)|"
    r"(?:ma|mon|notre) (?:mere|maman|pere|papa|femme|mari|fils|fille|frere|soeur|mamie|papi|"
    r"belle-mere|beau-pere|compagne|compagnon)|belle-maman|"
    r"mi (?:madre|mama|padre|papa|mujer|esposa|marido|esposo|hijo|hija|hermano|hermana|abuela|"
    r"abuelo|suegra|suegro|pareja)|"
    r"(?:meine|mein|meiner|meinem|meinen) (?:mutter|mama|vater|papa|frau|mann|sohn|tochter|bruder|"
    r"schwester|oma|opa|"
    r"schwiegermutter|schwiegervater|freundin|freund)|schwiegermutter|"
    r"the kids|les enfants|los ninos|die kinder|"
    # a grandparent by what the family calls them ("Grandpa's stood outside", "el abuelo está
    # en la puerta", "der Opa steht vor der Tür")
    r"(?:^|the |le |la |el |der |die |unser\w* )(?:grandpa|grandad|granddad|granny|grandma|nana|"
    r"mamie|papi|papy|mamy|abuelo|abuela|abuelito|abuelita|opa|oma))\b"
)
# someone of theirs, not one of the family ("Grandpa's friend", "the grandpa from next door",
# "la amiga de la abuela", "der Opa von nebenan")
_OF_SOMEONE = re.compile(
    r"(?:'s (?!been\b|here\b|at\b|outside\b|waiting\b|standing\b|stood\b|locked\b|back\b|"
    r"got\b|gone\b|forgotten\b|forgot\b|lost\b|left\b|in\b|on\b|just\b|again\b)\w+|"
    r" (?:from|next|d'a cote|de al lado|del vecino|von nebenan|von gegenuber|across))"
)
_OF_WHOM = re.compile(r"\b(?:of|de|del|de la|von|vom|der)\s*$")


def _family_subject(folded: str) -> bool:
    """Whether one of the family is said as who it is, not as whose someone is."""
    for found in _FAMILY.finditer(folded):
        if _OF_SOMEONE.match(folded, found.end()) or _OF_WHOM.search(folded[: found.start()]):
            continue
        return True
    return False


# someone trying to open a door, told ("someone is trying to open the back door", "un type
# essaie d'ouvrir le portillon", "un encapuchado está intentando abrir el portón", "jemand
# versucht, die Tür aufzumachen"): never a request to open it
_TRYING_TO_OPEN = re.compile(
    r"\b(?:(?:(?:is|are|'s|'re|was|were) )?(?:trying|tries|tried|attempting) to (?:open|get in|"
    r"break in|force)|(?:essai\w*|essay\w*|tente\w*|cherch\w*) (?:d'|de |a )(?:ouvrir|entrer|"
    r"forcer)|(?:intent\w*|trat\w* de) (?:abrir|entrar|forzar)|versuch\w*,? (?:\w+ ){0,5}"
    r"(?:zu offnen|aufzumachen|aufzubrechen|reinzukommen|zu knacken))\b"
)
# someone locked out: forgot their keys
_FORGOT_KEYS = re.compile(
    r"\b(?:(?:forgot|forgotten) (?:her|his|their|my) keys?|(?:left|lost) (?:her|his|their) keys?|"
    r"oublie (?:ses|sa) cle\w*|perdu (?:ses|sa) cle\w*|"
    r"(?:olvido|olvidado|perdio|perdido|se dejo) (?:las|sus|la|su) llaves?|"
    r"schlussel vergessen|schlussel verloren|ohne schlussel|"
    # the keys left somewhere ("he left his keys in the shed", "il a laissé ses clés au
    # hangar", "se dejó las llaves dentro", "hat den Schlüssel drinnen liegen lassen")
    r"left (?:her|his|their) keys? (?:in|at|inside|indoors)|"
    r"(?:a|ont) laisse (?:ses|sa|leurs) cle\w*|"
    r"(?:dejo|dejado|se dejo|se dejaron) (?:las|sus|la|su) llaves?|"
    r"(?:hat|haben) (?:den|seinen|ihren|die|seine|ihre) schlussel (?:\w+ ){0,3}?"
    r"(?:liegen )?(?:lassen|gelassen|vergessen))\b"
)
# someone who cannot get in ("Yasmin is outside and can't get in", "die Gäste kommen nicht rein",
# "the keypad won't let them in"): let in, unless a courier or a delivery (asked about)
_LOCKED_OUT = re.compile(
    r"\b(?:can'?t get in|cannot get in|can'?t get into|locked out|"
    r"won'?t let (?:him|her|them|us|me) in|"
    r"n'arrive pas a (?:entrer|rentrer)|(?:ne )?(?:peut|peuvent) pas (?:entrer|rentrer)|"
    r"bloque\w* dehors|enferme\w* dehors|no (?:consigue|consiguen|logra|logran) entrar|"
    r"se (?:ha|han) quedado fuera|se quedo fuera|se quedaron fuera|"
    r"(?:kommt|kommen) nicht rein|(?:kommt|kommen) nicht ins haus|ausgesperrt)\b"
)
# ... kept out on purpose or an animal ("the garage is shut so the fox can't get in", "da
# steht ein Vertreter, der kommt nicht rein": he is not to come in)
_KEPT_OUT = re.compile(
    r"\b(?:so (?:that )?(?:the |a )?\w+ (?:can'?t|cannot|won'?t)|damit|pour que|para que|"
    r"fox|foxes|rats?|mice|mouse|raccoons?|badgers?|renard|rats|souris|zorros?|ratas?|ratones|"
    r"fuchs|fuchse|ratten|mause|marder|vertreter|hausierer|"
    r"(?:der|die|das|er|sie) (?:kommt|kommen) (?:hier )?nicht rein)\b"
)
_DELIVERY = re.compile(
    r"\b(?:courier|delivery|deliveryman|postman|postie|parcel|package|driver|livreur|facteur|"
    r"colis|repartidor|cartero|paquete|mensajero|paketbote|postbote|lieferant|lieferdienst|"
    r"paket|bote)\b"
)
# waiting at a door, outside
_WAITING = re.compile(
    r"\b(?:waiting|'s at the|is at the|are at the|outside|standing|stood|ringing|knocking|"
    r"locked out|can'?t get in|attend\w*|devant|sonne|frappe|dehors|espera\w*|en la puerta|"
    r"llamando|toca el timbre|fuera|wartet|warten|steht vor|stehen vor|vor der|klingelt|"
    r"kommt nicht rein|draussen)\b"
)
_DISARM_DE = re.compile(r"\bschalt\w*\b.*\bab\b|\bmach\w*\b.*\baus\b")
_DISARM = re.compile(
    r"\b(?:disarm\w*|entscharf\w*|desactiv\w*|desarm\w*|desconect\w*|deaktivier\w*|unscharf|"
    # (not being off somewhere: "we're all off to the coast, arm the alarm")
    r"ausschalt\w*|(?<!\bwe're )(?<!\bwe are )(?<!\bi'm )(?<!\bim )(?<!\bi am )(?<!\ball )"
    r"(?<!\bheading )(?<!\bhead )(?<!\bthey're )"
    r"off(?! to (?:the|bed|work|school|an?|my|our)\b| we go\b)|(?<!\bgehen )(?<!\bgeht )aus|"
    r"coupe\w*|(?:quita|apaga|enleve|eteins)\w* (?:la |l')?alarm\w*)\b"
)
_ALARM_NIGHT = re.compile(
    r"\b(?:night|nuit|noche|nacht\w*)\b|nachtmodus|\bfor the night|pour la nuit|para la noche"
)
_ALARM_HOME = re.compile(
    r"\b(?:home|stay|presence|partiel\w*|parcial|perimet\w*|en casa|modo casa|mode maison|"
    r"anwesen\w*|zu ?hause|hausmodus|intern\w*|all (?:in|inside|here)|tous (?:la|a la maison)|"
    r"todos dentro|alle (?:da|drin|zu hause))\b"
)
# the alarm named: how it is set is read from what is said of it ("we're all off, set the
# alarm to home")
_ALARM_NAMED = re.compile(r"\balarm\w*")
# the home mode said by its name ("in home mode", "en modo casa", "im Hausmodus")
_HOME_MODE = re.compile(
    r"\b(?:home mode|stay mode|mode maison|mode partiel|modo casa|modo en casa|modo presencia|"
    r"hausmodus|anwesenheitsmodus)\b"
)
_ALARM_AWAY = re.compile(  # "nobody's home" is away, not home
    r"\b(?:away|absence|absent|ausente|ausencia|abwesen\w*|total|nobody|no one|personne|nadie|"
    r"keiner|niemand|leaving|heading out|partons|pars|vamos|salimos|gehen|fahren|weg)\b"
)
_ARM = re.compile(
    # (not German "der Arme", "die Armen": the poor thing)
    r"\b(?:arm(?:ed|ing|s|er|ez|ar|a|ala|arla|iere|ieren|e(?=-la|-le| l'| la | le | el ))?|"
    # (German "an", "ein" as a verb's particle, last: not English "an alarm")
    r"activ\w*|conect\w*|aktivier\w*|scharf|einschalt\w*|on|mets|enclench\w*|"
    r"(?:an|ein)(?=\s*(?:[,.!?]|$|bitte\b|und\b|oder\b|machen\b|schalten\b|die\b|der\b|"
    r"das\b|den\b|mal\b))|"
    # "set the alarm", asked ("can you set the alarm"; not "did anyone set the alarm", "who's
    # going to set the alarm", "set the alarm when I leave", a clock's "set the alarm for 6")
    r"(?<![^,.;!?\s])(?<!\bto )(?<!\bdid )(?<!\bdidn't )(?<!\bdidnt )(?<!\banyone )"
    r"(?<!\bsomeone )(?<!\bsam )(?<!\bnobody )(?<!\bforgot )(?<!\bi )(?<!\bi've )"
    r"(?<!\bwe )(?<!\bwe've )(?<!\bhe )(?<!\bshe )(?<!\bthey )(?<!\balready )"
    r"set(?= (?:the|our|my) (?:house |burglar )?alarm\b(?!\s+(?:for|at|to|clock|when|after|"
    r"once|before|later|so|\d|\w+ (?:earlier|later))\b)))\b"
)
# every word of arming or disarming (a correction's last clause that says one)
_ALARM_SAID = re.compile(f"{_DISARM.pattern}|{_ARM.pattern}")
# everyone leaving the house, or nobody left in it ("we're all off to the coast for the day",
# "on part tous chez ma mère", "nos vamos todos a la sierra", "wir fahren jetzt alle nach
# Utrecht", "there'll be nobody home"): the alarm, armed for an empty house (not off to bed:
# "we're all off to bed" is the night)
_LEAVING_HOME = re.compile(
    r"\b(?:(?:we(?:'re| are|'ll be| will be)|we'?re) (?:all|both)|every(?:one|body)(?:'s| is)|"
    r"all of us(?: are)?|the whole (?:family|house)(?:'s| is))(?: \w+){0,2} "
    # (not "we're all out of milk", "we're all going to eat now")
    r"(?:off(?! work\b| today\b)|out(?! of\b)|going (?:out|away)|heading (?:out|off|away)|"
    r"headed (?:out|off|away)|leaving(?= now\b| for\b| to\b|\W*$)|away|gone(?! home\b))\b|"
    r"\b(?:nobody|no one|no-one)(?:'ll| will)? (?:be )?(?:home|here|in the (?:house|building)|in)"
    r"(?=\W*$|\W*[,.;]| (?:now|today|all day|anymore|any more|until|till|before)\b)|"
    # "…, and nobody's back before dark"
    r"\b(?:nobody|no one|no-one)(?:'s| is|'ll be| will be) back (?:before|until|till)\b|"
    r"\bthere(?:'ll| will) be (?:nobody|no one)(?: (?:home|here|in the (?:house|building)))?"
    r"(?=\W*$|\W*[,.;])|\bthe house (?:is|will be)(?: \w+)? empty\b|"
    r"\b(?:on (?:part|s'en va|file|sort|y va|decolle)|nous (?:partons|sortons)) (?:tous|toutes|"
    r"toute la famille)\b|\btout le monde (?:part|s'en va|sort|est parti)\b|"
    r"\b(?:y'aura|y aura|il n'y aura|il y aura) (?:plus )?personne(?: a la maison| ici)?"
    r"(?=\W*$|\W*[,.;]| (?:avant|jusqu'a|jusqu'au|de la journee|d'ici)\b)|"
    r"\bla maison (?:sera|est) vide\b|"
    r"\b(?:nos vamos|salimos|nos marchamos|nos vamos a ir) (?:todos|todas|toda la familia)\b|"
    r"\bno (?:va a haber|habra|queda|hay) nadie(?: en casa| en la casa)?"
    r"(?=\W*$|\W*[,.;]| (?:hasta|antes de|en todo el dia)\b)|"
    r"\bla casa (?:se queda|queda|estara|esta) vacia\b|"
    r"\bwir (?:fahren|gehen)(?: \w+){0,3}? alle\b|"
    r"\balle (?:sind )?(?:weg|aus dem haus|unterwegs)\b|"
    r"\b(?:niemand|keiner)(?: \w+){0,2} (?:zu ?hause|im haus|daheim)\b|\bdas haus (?:ist|"
    r"bleibt) leer\b"
)
# where leaving is not leaving the house: to bed, to sleep, into the garden ("nos vamos todos a
# la cama", "wir gehen alle ins Bett", "on sort tous dans le jardin"); or someone stays ("…,
# Sam stays home", "everyone's out except grandma")
_NOT_LEAVING = re.compile(
    r"\b(?:bed|sleep|upstairs|garden(?! show| centre| center| fair| party)|yard|terrace|patio|"
    r"balcony|lit|dormir|coucher|jardin|"
    r"terrasse|cama|acostar|terraza|bett|schlafen|pennen|garten|terrasse|balkon|hof|"
    # (not "nobody stays", "no se queda nadie", "la casa se queda vacía", "das Haus bleibt leer")
    r"(?<!nobody )(?<!no one )stays?|(?<!nobody )(?<!no one )(?<!nobody's )staying|except|but|"
    r"reste(?!nt)(?! personne)|restent|sauf|"
    r"(?<!no )(?<!casa )se quedan?(?! nadie| vacia| sola| solo| vacio| sin nadie)|menos|"
    r"excepto|bleibt(?! leer)|bleiben|ausser|home mode|mode maison|modo casa|hausmodus|"
    # someone still in ("it's just me now", "the nanny's here", "Oma schläft oben", "la
    # canguro está con los niños"), a habit ("tous les étés", "wir gehen alle gern ins Kino")
    r"just me|only me|i'm (?:still )?(?:here|home|in)|working from home|house-?sitting|"
    r"(?:is|are|'s|'re) (?:still )?(?:here|home|asleep|sleeping|in(?=\W*$)|in the house)|"
    r"apart from|"
    r"nur ich|noch da|noch hier|schlaft|oben|bis auf|(?:est|sont|encore) la(?=\W*$|\W*[,.;])|"
    r"(?:il|elle|qui|bebe) dort|en haut|"
    r"esta (?:aqui|en casa|con)|estan (?:aqui|en casa|con)|duerme|arriba|"
    r"nod|dreamland|every|tous les|toutes les|todos los|todas las|jeden|jede|jedes|gerne?|"
    r"de vez en cuando|sick|malade|enfermo|krank|garde|siguen|sind noch|still in|encore dans|"
    r"todavia|schule|school|ecole|escuela|over|fini|terminado|vorbei|"
    r"a lot|often|souvent|a menudo|oft|usually|d'habitude|normalmente|normalerweise|"
    r"these days|comments?|company)\b"
)
# a day or an hour ahead ("we're all going to grandma's on saturday at 3", "we're all going out
# tonight", "on sort tous ce soir"): a plan, not now
_PLANNED = re.compile(
    r"\b(?:"
    + "|".join(name for names in WEEKDAY_NAMES for name in names)
    + r"|tomorrow|demain|manana|morgen(?! fruh)|next week|la semaine prochaine|la semana que viene|"
    r"weekend|week-end|fin de semana|wochenende|soon|shortly|in a (?:bit|minute|moment|sec)|"
    r"gleich|bald|dans (?:un instant|une minute|peu)|tout a l'heure|en un (?:rato|momento)|"
    r"pronto|enseguida|ahorita|on the \d{1,2}(?:st|nd|rd|th)?|(?:le|el|am) \d{1,2}\b\.?|"
    r"nachste woche|tonight|later|this (?:afternoon|evening)|ce soir|plus tard|cet apres-midi|"
    r"esta (?:tarde|noche)|luego|mas tarde|heute (?:abend|nachmittag)|spater)\b|"
    r"\b(?:at|a|a las|um) \d|\d ?(?:h|uhr|am|pm)\b|"
    r"\b(?:in|dans|dentro de|en) (?:[\w]+[ -]){0,3}?(?:hours?|minutes?|heures?|horas?|minutos?|"
    r"stunden?|minuten?)\b|\bonce\b|\bsobald\b|\bdes que\b|\ben cuanto\b|"
    r"\b(?:after|apres|despues de|nach dem|nach der) (?:le |la |l')?(?:lunch|dinner|breakfast|"
    r"work|school|dejeuner|diner|dejeuner|comer|cenar|desayunar|essen|mittagessen|arbeit|schule)"
)
# when they are back ("…, back tonight", "jusqu'à ce soir", "hasta la noche"): said of the
# return, not of when they leave
_BACK_AT = re.compile(
    r"\b(?:back|until|till|jusqu'a|de retour|hasta|volvemos|bis|zuruck) (?:\w+ )?(?:tonight|"
    r"this evening|later|ce soir|esta noche|la noche|heute abend|abend|spater|plus tard)\b|"
    r"\b(?:erst )?(?:heute abend|abends|spater) (?:wieder )?(?:zuruck|da|daheim)\b|"
    # nobody in before then ("y aura personne avant ce soir", "no habrá nadie antes de la noche")
    r"\b(?:personne|nobody|no one|nadie|niemand|keiner)(?:'ll)?(?: \w+){0,3} (?:avant|before|"
    r"antes de|vor) (?:\w+ )?(?:tonight|this evening|ce soir|la noche|esta noche|heute abend|"
    r"abend|dark|la nuit)\b"
)


def leaving_home(folded: str) -> bool:
    """Whether everyone is leaving the house now, nothing more asked ("we're all off to the
    coast for the day"; not "we're all going to grandma's on saturday at 3", "… put it in the
    calendar").

    >>> leaving_home("on part tous chez ma mere pour la journee")
    True
    >>> leaving_home("we're all off to the cinema on friday")
    False
    """
    return (
        # ("nos vamos todo el día a Brest y no se queda nadie en casa": the house said empty)
        (_LEAVING_HOME.search(folded) is not None or _EMPTY_HOME.search(folded) is not None)
        # gone for a while, or the house said empty ("… for the day", "… pour la journée",
        # "there'll be nobody home"; not "wir gehen alle auf dieselbe Schule")
        and (_FOR_A_WHILE.search(folded) is not None or _EMPTY_HOUSE.search(folded) is not None)
        and _NOT_LEAVING.search(folded) is None
        and _PLANNED.search(
            _BACK_AT.sub(" ", folded)
            if _EMPTY_HOUSE.search(folded) is None
            else _SAME_DAY.sub(" ", _BACK_AT.sub(" ", folded))
        )
        is None
        and INTO_CALENDAR.search(folded) is None
        # "wir gehen alle, mach aber die Alarmanlage nicht an": the alarm said not to be set
        and not _said_not_to(folded, _ALARM_NAMED)
        and _CONTRAST.search(folded) is None  # ("…, aber der Hund ist da")
        # nothing else asked ("nobody will be home, cancel the piano lesson")
        and not any(_REQUEST_FIRST.match(c) for c in _CLAUSE.split(folded)[1:])
    )


_FOR_A_WHILE = re.compile(
    r"\b(?:for the (?:day|afternoon|morning|evening|weekend)|all day|the whole day|"
    r"(?:until|till|back) (?:tonight|this evening|later)|"
    r"pour (?:la journee|l'apres-midi|la matinee|la soiree|le week-end)|toute la journee|"
    r"jusqu'a ce soir|(?:a )?pasar el dia|todo el dia|(?:para|por) la (?:tarde|manana)|"
    r"hasta la noche|volvemos (?:de|por la|esta) noche|fur den (?:tag|nachmittag|vormittag)|"
    r"den ganzen tag|bis heute abend|bis zum abend|back late|home late|rentr\w* tard|"
    r"volve\w* tarde|(?:erst )?spat zuruck|zuruck (?:erst )?(?:spat|heute abend)|"
    # "… und sind erst abends zurück"
    r"(?:erst )?(?:abends|am abend|heute abend|gegen abend|in der nacht) (?:wieder )?"
    r"(?:zuruck|da|daheim|zu ?hause))\b"
)
_PLACE = (
    r"(?:house|home|flat|apartment|shop|store|workshop|office|place|studio|barn|farm|bakery|"
    r"cafe|salon|surgery|gallery|boat|cottage|garage|yard|stable|stables)"
)
_PLACE_FR = (
    r"(?:maison|appart|appartement|magasin|boutique|atelier|bureau|ferme|boulangerie|cafe|"
    r"salon|cabinet|galerie|bateau|garage|ecurie|ecuries|chalet|local)"
)
_PLACE_ES = (
    r"(?:casa|piso|tienda|taller|oficina|local|granja|panaderia|cafeteria|consulta|galeria|"
    r"barco|garaje|cuadra|cuadras|establo|chalet|negocio)"
)
_PLACE_DE = (
    r"(?:haus|wohnung|laden|hofladen|werkstatt|buro|hof|geschaft|backerei|cafe|praxis|galerie|"
    r"boot|garage|stall|atelier)"
)
# the place they keep said empty: a shop, a workshop, a flat ("there'll be nobody minding the
# shop", "y aura personne au magasin", "la tienda se queda sola", "der Laden ist dann leer"; not
# "the fridge is empty"); first, so that the whole phrase is what a match takes
_EMPTY_PLACE = (
    rf"\b(?:nobody|no one|no-one)(?:'s|'ll be| will be| is)? (?:minding|watching|looking after|"
    rf"in|at) the {_PLACE}\b|\bthe {_PLACE} (?:is|will be|'ll be|would be)(?: \w+)? "
    rf"(?:empty|unattended|left alone)\b|"
    rf"\b(?:y'aura|y aura|il n'y aura|il y aura) (?:plus )?personne (?:au|a la|a l'|dans l[ae']|"
    rf"dans l') ?{_PLACE_FR}\b|\b(?:le|la|l') ?{_PLACE_FR} (?:sera|est|reste|restera) "
    rf"(?:\w+ )?(?:vide|seule?|sans personne)\b|"
    rf"\b(?:la|el) {_PLACE_ES} (?:se queda|queda|estara|esta|se va a quedar) (?:\w+ )?"
    rf"(?:sola|solo|vacia|vacio|sin nadie)\b|\bno (?:va a haber|habra|queda|hay) nadie en "
    rf"(?:la|el) {_PLACE_ES}\b|"
    rf"\b(?:der|die|das|unser|unsere) {_PLACE_DE} (?:ist|isch|bleibt|wird) (?:\w+ )?"
    rf"(?:leer|unbesetzt|allein)\b|\b(?:niemand|keiner) (?:mehr )?(?:im|in der) {_PLACE_DE}\b"
)
_EMPTY_HOME = re.compile(
    r"\b(?:(?:nobody|no one|no-one)(?:'ll| will)? (?:be )?(?:home|in the (?:house|building)|"
    r"here)(?=\W*$|\W*[,.;]| (?:now|today|all day)\b)|there(?:'ll| will) be (?:nobody|no one)|"
    r"the house (?:is|will be)(?: \w+)? empty|(?:y'aura|y aura|il n'y aura|il y aura) (?:plus )?"
    r"personne|la maison (?:sera|est) vide|no (?:va a haber|habra|queda|hay|se queda) nadie|"
    r"la casa (?:se queda|queda|estara|esta) vacia|(?:niemand|keiner)(?: \w+){0,2} (?:zu ?hause|"
    r"im haus|daheim)|das haus (?:ist|bleibt) leer|"
    r"(?:zu ?hause|daheim) ist (?:dann |heute |also )?(?:keiner|niemand)(?=\W*$|\W*[,.;]))\b"
)
# the home or a place said empty (the place's whole phrase first, for what is left of it)
_EMPTY_HOUSE = re.compile(_EMPTY_PLACE + "|" + _EMPTY_HOME.pattern)
# the same day, later: leaving this afternoon with the place said empty is leaving
_SAME_DAY = re.compile(
    r"\b(?:this (?:afternoon|morning)|cet (?:apres-midi|aprem)|ce matin|esta (?:tarde|manana)|"
    r"heute? (?:nachmittag|mittag|vormittag))\b"
)


# a thing named only by an earlier talk ("that thing we talked about yesterday", "le truc de
# l'autre jour", "eso que te dije el otro día", "das, was wir besprochen haben"): what it was
# is not in the request, nor in the state, so formation asks which one
EARLIER_TALK = re.compile(
    r"\b(?:"
    r"(?:the|that|this) (?:thing|stuff|one|matter|issue|change)s? (?:(?:that|which) )?(?:we|i|you) "
    r"(?:talked|spoke|discussed|mentioned|said|agreed)|what we (?:talked about|discussed|agreed|"
    r"said|spoke about)|(?:the|that) (?:thing|stuff|one) from (?:yesterday|earlier|this morning|"
    r"last week|the other day)|what i (?:told|said to|asked) you (?:yesterday|earlier|the other "
    r"day|last week|before)|"
    r"(?:le|ce|la|cette) (?:truc|machin|chose|sujet|histoire|affaire) (?:de l'autre jour|d'hier|"
    r"de ce matin|de la semaine derniere|dont (?:on|je t'|nous) (?:a|avons|ai|avait|parlait)\w*)|"
    r"(?:ce|celui|celle) dont (?:on|nous|je t') ?(?:a |avons |ai |avait |parlait)\w*|"
    r"ce (?:qu'on|que nous|que je t'ai) (?:a |avons )?(?:dit|discute|vu|convenu|demande)|"
    r"(?:eso|lo|esa cosa|la cosa|aquello) (?:que|de lo que) (?:te dije|te conte|te comente|"
    r"hablamos|comentamos|dijimos|quedamos)|(?:eso|lo|aquello) (?:del otro dia|de ayer|de esta "
    r"manana|de la semana pasada)|"
    r"(?:das|die sache|das ding|den kram)\W+(?:was|woruber|uber das|von dem) (?:wir|ich dir|ich) "
    r"(?:besprochen|geredet|gesprochen|gesagt|erzahlt)|das von (?:neulich|gestern|vorhin|heute "
    r"morgen|letzter woche)|was wir (?:besprochen|ausgemacht|gesagt) haben"
    r")\b"
)


REPLIES: dict[str, dict[str, str]] = {
    "earlier": {
        "en": "Which one do you mean? I don't have what was said before: please name it.",
        "fr": "Lequel voulez-vous dire ? Je n'ai pas ce qui a été dit avant : nommez-le, "
        "s'il vous plaît.",
        "es": "¿Cuál quiere decir? No tengo lo que se dijo antes: dígame cuál, por favor.",
        "de": "Welches meinen Sie? Was vorher gesagt wurde, habe ich nicht: bitte nennen Sie es.",
    },
    "which": {
        "en": "Which one do you mean: {options}?",
        "fr": "Lequel voulez-vous dire : {options} ?",
        "es": "¿Cuál quiere decir: {options}?",
        "de": "Welches meinen Sie: {options}?",
    },
    "not_found": {
        "en": "I can't find that {what} in this project. Which one do you mean?",
        "fr": "Je ne trouve pas cet élément ({what}) dans ce projet. Lequel voulez-vous dire ?",
        "es": "No encuentro ese elemento ({what}) en este proyecto. ¿Cuál quiere decir?",
        "de": "Ich finde dieses Element ({what}) in diesem Projekt nicht. Welches meinen Sie?",
    },
    "what_change": {
        "en": "What should I change, and to what?",
        "fr": "Que dois-je modifier, et en quoi ?",
        "es": "¿Qué debo cambiar, y a qué?",
        "de": "Was soll ich ändern, und worauf?",
    },
    "which_none": {
        "en": "Which {what} do you mean?",
        "fr": "De quel élément parlez-vous ({what}) ?",
        "es": "¿A qué elemento se refiere ({what})?",
        "de": "Welches Element meinen Sie ({what})?",
    },
    "missing": {
        "en": "What {slot} should I use{for_item}?",
        "fr": "Quelle valeur ({slot}) dois-je utiliser{for_item} ?",
        "es": "¿Qué valor ({slot}) debo usar{for_item}?",
        "de": "Welchen Wert ({slot}) soll ich nehmen{for_item}?",
    },
    "outside": {
        "en": "I can't do that here: {what} are outside all of your projects.",
        "fr": "Je ne peux pas faire ça ici : {what} ne relèvent d'aucun de vos projets.",
        "es": "Eso no lo puedo hacer aquí: {what} no son cosa de ninguno de sus proyectos.",
        "de": "Das kann ich hier nicht erledigen: {what} gehören zu keinem Ihrer Projekte.",
    },
    "no_project": {
        "en": "None of your projects handles that, so I can't do it here. Could you say which "
        "project it is for, or ask another way?",
        "fr": "Aucun de vos projets ne s'occupe de cela, je ne peux donc pas le faire ici. "
        "Pour quel projet est-ce, ou pouvez-vous le dire autrement ?",
        "es": "Ninguno de sus proyectos se ocupa de eso, así que no puedo hacerlo aquí. "
        "¿Para qué proyecto es, o puede decirlo de otra forma?",
        "de": "Keines Ihrer Projekte ist dafür zuständig, deshalb kann ich das hier nicht tun. "
        "Für welches Projekt ist es, oder können Sie es anders sagen?",
    },
    "which_project": {
        "en": "Which project do you mean? (candidates: {names})",
        "fr": "De quel projet parlez-vous ? (candidats : {names})",
        "es": "¿A qué proyecto se refiere? (candidatos: {names})",
        "de": "Welches Projekt meinen Sie? (Kandidaten: {names})",
    },
    "one_at_a_time": {
        "en": "That's several requests in one: please tell me them one at a time. I haven't "
        "changed anything yet.",
        "fr": "Cela fait plusieurs demandes en une : dites-les-moi une par une, s'il vous "
        "plaît. Je n'ai encore rien changé.",
        "es": "Son varias peticiones en una: dígamelas de una en una, por favor. Todavía no he "
        "cambiado nada.",
        "de": "Das sind mehrere Wünsche auf einmal: bitte sagen Sie sie mir einzeln. Ich habe "
        "noch nichts geändert.",
    },
    "left_out": {
        "en": "Which ones should I leave out? I couldn't tell, so I haven't changed anything.",
        "fr": "Lesquels dois-je laisser de côté ? Je n'ai pas compris, donc je n'ai rien changé.",
        "es": "¿Cuáles debo dejar fuera? No lo he entendido, así que no he cambiado nada.",
        "de": "Welche soll ich auslassen? Das habe ich nicht verstanden, also habe ich nichts "
        "geändert.",
    },
    "later": {
        "en": "I can't schedule that for later yet, so I haven't done it. Ask me again when "
        "it's time.",
        "fr": "Je ne peux pas encore programmer cela pour plus tard, je ne l'ai donc pas fait. "
        "Redemandez-le-moi le moment venu.",
        "es": "Todavía no puedo programar eso para más tarde, así que no lo he hecho. Pídamelo "
        "de nuevo cuando sea el momento.",
        "de": "Ich kann das noch nicht für später einplanen, deshalb habe ich es nicht getan. "
        "Sagen Sie es mir bitte, wenn es so weit ist.",
    },
    "unchanged": {
        "en": "OK, I'll leave it as it is.",
        "fr": "D'accord, je n'y touche pas.",
        "es": "De acuerdo, lo dejo como está.",
        "de": "Alles klar, ich lasse es so.",
    },
    "wishes": {
        "en": "Thank you, the same to you!",
        "fr": "Merci, à vous aussi !",
        "es": "¡Gracias, igualmente!",
        "de": "Danke, Ihnen auch!",
    },
    "how_are_you": {
        "en": "I'm fine, thank you. What can I do for you?",
        "fr": "Très bien, merci. Que puis-je faire pour vous ?",
        "es": "Muy bien, gracias. ¿En qué puedo ayudarle?",
        "de": "Gut, danke. Was kann ich für Sie tun?",
    },
    "venting": {
        "en": "Sounds like a long day. Take it easy.",
        "fr": "On dirait une longue journée. Reposez-vous bien.",
        "es": "Parece que ha sido un día largo. Descanse.",
        "de": "Klingt nach einem langen Tag. Ruhen Sie sich aus.",
    },
    "night": {
        "en": "Good night!",
        "fr": "Bonne nuit !",
        "es": "¡Buenas noches!",
        "de": "Gute Nacht!",
    },
    "told": {
        "en": "Thanks for telling me. Anything I can do for you?",
        "fr": "Merci de me le dire. Je peux faire quelque chose pour vous ?",
        "es": "Gracias por contármelo. ¿Puedo ayudarle en algo?",
        "de": "Danke, dass Sie es mir erzählen. Kann ich etwas für Sie tun?",
    },
    "chat": {
        "en": "Nice to hear. Anything I can do for you?",
        "fr": "Ça fait plaisir. Je peux faire quelque chose pour vous ?",
        "es": "Qué bien. ¿Puedo ayudarle en algo?",
        "de": "Schön zu hören. Kann ich etwas für Sie tun?",
    },
    "weather": {
        "en": "Thanks for the weather report. Anything I can do for you?",
        "fr": "Merci pour la météo. Je peux faire quelque chose pour vous ?",
        "es": "Gracias por el parte del tiempo. ¿Puedo ayudarle en algo?",
        "de": "Danke für den Wetterbericht. Kann ich etwas für Sie tun?",
    },
    "praise": {
        "en": "Glad you like it.",
        "fr": "Ravi que ça vous plaise.",
        "es": "Me alegro de que le guste.",
        "de": "Schön, dass es Ihnen gefällt.",
    },
    "not_done": {"en": "Not done", "fr": "Pas fait", "es": "No hecho", "de": "Nicht erledigt"},
    "clarify": {
        "en": "Please clarify",
        "fr": "Merci de préciser",
        "es": "Por favor, aclare",
        "de": "Bitte präzisieren",
    },
    "on_hold": {"en": "On hold", "fr": "En attente", "es": "En espera", "de": "Zurückgestellt"},
    # a value of two to choose from, asked with the item ("missing" for the others)
    "choose_switch": {
        "en": "Should I turn {item} on or off?",
        "fr": "Dois-je allumer ou éteindre {item} ?",
        "es": "¿Enciendo o apago {item}?",
        "de": "Soll ich {item} ein- oder ausschalten?",
    },
    "choose_lock_state": {
        "en": "Should I lock or unlock {item}?",
        "fr": "Dois-je verrouiller ou déverrouiller {item} ?",
        "es": "¿Cierro o abro {item}?",
        "de": "Soll ich {item} abschließen oder aufschließen?",
    },
    "choose_alarm_mode": {
        "en": "Should I arm or disarm {item}?",
        "fr": "Dois-je activer ou désactiver {item} ?",
        "es": "¿Activo o desactivo {item}?",
        "de": "Soll ich {item} scharf oder unscharf schalten?",
    },
    "for_item": {
        "en": " for the {item}",
        "fr": " pour {item}",
        "es": " para {item}",
        "de": " für {item}",
    },
    "or": {"en": " or ", "fr": " ou ", "es": " o ", "de": " oder "},
    "unsupported": {
        "en": "Sorry, I understand English, French, Spanish and German only.",
        "fr": "Désolé, je comprends seulement l'anglais, le français, l'espagnol et l'allemand.",
        "es": "Lo siento, solo entiendo inglés, francés, español y alemán.",
        "de": "Entschuldigung, ich verstehe nur Englisch, Französisch, Spanisch und Deutsch.",
    },
    "unknown": {
        "en": "I'm not sure what to do with that. Could you say it another way?",
        "fr": "Je ne sais pas quoi faire de cette demande. Pouvez-vous la reformuler ?",
        "es": "No sé qué hacer con eso. ¿Puede decirlo de otra manera?",
        "de": "Ich weiß nicht, was ich damit tun soll. Können Sie es anders sagen?",
    },
}
_UNASSIGN = re.compile(
    r"\b(?:unassign\w*|desassign\w*|desasign\w*|take \w+ off|remove \w+ from|nobody on|"
    r"no one on|retire \w+ du|enleve \w+ du|personne dessus|quita\w* (?:a \w+|el \S+ a)|"
    r"saca\w* a \w+|sin asignar|quita\w* el responsable|sin responsable|que nadie lo lleve|"
    r"nimm \w+ (?:vom|von|aus)|\w+ (?:runter|austragen)|niemand drauf|"
    r"nicht mehr zugewiesen)\b"
)
# handed to someone else after being taken off ("quítale el TL-42 a Marco y dáselo a Lea",
# "take marco off 94 and give it to sofia"; not "que no le da tiempo", "sin asignar")
_HANDED_ON = re.compile(
    r"\b(?:daselo|dasela|dale|asignaselo|asignasela|pasaselo|pasasela|que lo lleve|que la lleve|"
    r"give it|hand it|assign it|pass it|donne-le|donne-la|passe-le|passe-la|assigne-le|"
    r"assigne-la|gib es|gib ihn|gib sie)\b"
)
# "file a bug - it …", "did the kids leave the garage open? lock it"
_CLAUSE = re.compile(r"[,;:]|\?(?=\s*\w)|\s[-\u2013\u2014]\s|\s(?:and|et|y|und)\s")
_REASON_AFTER = re.compile(r"[,;:]\s")
_AND = re.compile(r"\s(?:and|et|y|e|und|sowie|as well as)\s")
_SCENE_SAID = re.compile(r"\b(?:scenes?|scene|szenen?|escenas?|ambiance|ambiente|stimmung)\b")
ID_SAID = re.compile(r"\b[a-z]{1,4}-?\d+\b|#\d+\b")  # "tl-310", "ma44", "#88"
_ITEM_SLOTS = frozenset("event room door ticket reminder title".split())  # name an item
_VAGUE = re.compile(
    r"\b(?:something|anything|a thing|un truc|quelque chose|un machin|algo|una cosa|etwas|"
    r"irgendwas|irgendetwas|an was$)\b"
)
# "leave the porch light on", "don't turn off the floor lamp", "no need to touch the alarm",
# "I might turn the heating up later": nothing to change now ("don't forget to …" asks)
NEGATED = re.compile(
    # (not asked: "did I leave the kiln on?", "¿ya le tocó o todavía no?")
    # (French "dont" is no "don't": "celui dont on parlait", "dont la porte")
    r"\b(?:don't|dont(?! (?:on|je|j'|tu|il|elle|nous|vous|ils|elles|le|la|les|l')\b)|do not|"
    # ("nunca cierres …", "ne ferme jamais …", "sperr … nie ab": not a title's "qui n'arrive
    # jamais", "que nunca llega")
    r"never\b|nunca (?:\w+ )?\w+(?:es|as)\b|\bne \w+ jamais\b|\bnie (?:ab|aus|an|zu|auf)\b|"
    r"no need to|there's no need|"
    r"(?<!did i )(?<!did we )(?<!did you )(?<!did someone )(?<!did anyone )(?<!has anyone )"
    r"(?<!have i )(?<!have we )leave (?:the|it|them|my)\b|"
    r"keep (?:the|it)\b|i might|maybe later|not now|not yet|"
    r"ne \w+ pas|n'\w+ pas|pas besoin|inutile de|(?<!ai )(?<!as )(?<!a )laisse (?:le|la|les|l')|"
    r"garde (?:le|la|les)|"
    r"peut-etre plus tard|pas maintenant|peut-etre\b.*\bplus tard|maybe\b.*\blater|"
    r"no (?:apagues|enciendas|toques|cierres|abras|hagas|cambies|hace falta)|"
    r"deja (?:el|la|los|las)\b.*\b(?:encendid|apagad|abiert|cerrad|como esta)|"
    r"quiza(?:s)? luego|ahora no|(?<!\bo )todavia no|\bo todavia no(?!\s*\?)|"
    r"nicht (?:aus|an|ab|zu|auf)\w*|nicht (?:nötig|notig)|brauchst \w+ nicht|bloss nicht|"
    r"nicht \w+(?:en|ern|eln)\b|doch nicht|hold off|"
    # "nicht die Kaffeemaschine ausschalten": the thing, then the verb ending the clause
    r"nicht (?:den|die|das|der|dem|mein\w*|unser\w*) [^,.;!?]*?\w(?:en|ern|eln)"
    r"(?=\W*(?:$|[,.;!?]))|no (?:me |te |lo |la |le |los |las )?"
    r"\w{2,}(?:as|es)\b|mejor no|"
    r"ja nicht|lass (?:das|die|den)\b|vielleicht\b.*\bspater|jetzt nicht|noch nicht|"
    r"a lo mejor|quiza|"
    # said of the whole clause: "ne lui ouvre surtout pas", "auf keinen Fall aufmachen"
    r"surtout pas|pas question|no way|auf keinen fall|ni hablar|de ninguna manera)"
)
# a clause of two words or more after a compliment, wishes or a call-off: a request of its own
# ("il est beau le temps, ouvre la porte du garage", "forget it, lock it")
ASKED_AFTER = re.compile(r"[,;.!?:]\W*\w+\W+\w+")


def said_alone(pattern: re.Pattern[str], folded: str, *, at_start: bool = False) -> bool:
    """Whether ``pattern`` is said (at the start, with ``at_start``) and no clause asks for
    something after it: "qué bonita ha quedado la casa", not "looks great, close it"."""
    found = pattern.match(folded) if at_start else pattern.search(folded)
    return found is not None and ASKED_AFTER.search(folded, found.end()) is None


# seasonal wishes ("merry christmas in advance!", "¡felices fiestas!"): small talk that
# examples cannot hold (as examples, "put on some christmas music" read as one)
WISHES = re.compile(
    r"\W*(?:(?:and|et|y|und|oh|hey|ok)\W+)*(?:merry (?:christmas|xmas)|happy (?:new year|"
    r"holidays|easter|christmas)|season's greetings|joyeux noel|joyeuses fetes|bonnes fetes|"
    r"bonne annee|feliz navidad|felices fiestas|feliz ano nuevo|prospero ano|frohe (?:weihnachten|"
    r"feiertage|ostern)|frohes (?:fest|neues)|guten rutsch|schone feiertage)\b"
)
# a thing praised ("the new lamp looks great", "qué bonita ha quedado la casa"): said of it,
# nothing asked of it (unless a request follows)
PRAISE = re.compile(
    r"\b(?:looks? (?:so |really |very )?(?:great|nice|good|lovely|amazing|beautiful|gorgeous)|"
    r"(?:feels|is|looks) so (?:cosy|cozy|nice|lovely)|feels (?:really |very )?(?:cosy|cozy)|"
    r"i (?:really )?love (?:how|the)|"
    r"(?:vraiment |trop |super )?(?:chouette|joli\w*|agreable)\b|j'adore|"
    r"(?:il|elle) est (?:vraiment |trop |super |tres |hyper )?(?:beau|belle|magnifique|top)\b|"
    r"que (?:bonit|lind|precios|chul|guap)\w*|me encanta|queda (?:muy |genial|precioso)|"
    r"(?:sieht|schaut) (?:echt |richtig |wirklich |so )?(?:schick|schon|gut|toll|super|klasse) "
    r"aus|"
    r"(?:echt |wirklich |so )?(?:schones|tolles|gemutliches) licht|gefallt mir|"
    # the assistant praised ("you're getting really good at this", "bien hecho", "tu deviens
    # fort", "du wirst immer besser"): nothing is done, least of all a thing "done"
    r"^(?:(?:wow|oh|ok|hey|nice|ha|haha|jaja|ouah|oh la la|vaya|na|oye|mira|tiens|dis|sag mal),? )?"
    r"(?P<you>(?:you'?re|you are|ur) (?:getting |becoming )?(?:so |really |very |pretty |quite |"
    r"actually |rather |much |way |a lot )?(?:good|great|smart|clever|brilliant|amazing|awesome|"
    r"better)|"
    r"(?:you'?re|you are|ur) (?:really |finally |slowly )?getting the hang of (?:it|this|things)|"
    # better than someone ("t'es plus rapide que mon GPS", "eres más lista que el navegador",
    # "du verstehst mich echt besser als mein Disponent")
    r"(?:t'es|tu es|vous etes) (?:\w+ )?plus \w+ que [\w' ]{1,30}?|"
    r"(?:te lo juro, )?eres (?:\w+ )?mas \w+ que [\w' ]{1,30}?|"
    r"du (?:bist|verstehst mich|machst das) (?:echt |wirklich |ja |so )*(?:\w+er|besser) als "
    r"[\w' ]{1,30}?|"
    r"(?:you'?re|you are|ur) (?:pretty |really |so |very |quite )?(?:handy|helpful|useful|sweet|"
    r"kind|funny)|"
    r"(?:t'es|tu es) (?:plutot |drolement |sacrement |vachement |vraiment |trop |super )?"
    r"(?:doue|douee|fort|forte|balaise|malin|maligne|efficace)|"
    r"(?:you'?re|you are|ur) (?:really |honestly |just )?(?:the best|a (?:star|legend|lifesaver|"
    r"life saver|genius|gem|champ)|(?:a lot |much |way |so much |even )?(?:[a-z]{2,}er|"
    r"more \w+) than (?:the |my |our )?[\w' ]{1,30}?)|"
    r"(?:t'es|tu es) (?:vraiment |trop |super |juste )?(?:le meilleur|la meilleure|un amour|"
    r"une perle|un ange|genial|geniale|au top)|"
    r"eres (?:el mejor|la mejor|un sol|un crack|una crack|un genio|una genia|un amor|"
    r"una maquina|lo mas)|que (?:apanad|list|maj|rapid|eficient|espabilad)\w* eres|"
    r"du bist (?:echt |wirklich |so |einfach |ja )*(?:der beste|die beste|ein schatz|ein engel|"
    r"ein genie|gold wert|der hammer)|"
    r"(?:muy |que |super |re )?bien hecho|buen(?:isimo)? trabajo|"
    r"(?:te )?(?:estas|has) (?:volviendo|vuelto|puesto) (?:muy |super |todo )?(?:un )?"
    r"(?:buen\w*|list\w*|crack|experto|pro)|"
    r"(?:tu )?(?:deviens|es devenu|t'es devenu) (?:vraiment |trop |super |tres )?"
    r"(?:bon|fort|doue|genial|top|meilleur)|tu t'ameliores|"
    r"du (?:wirst|bist) (?:ja |echt |wirklich |immer |so |richtig )*(?:besser|gut geworden|"
    r"super|toll|klasse|spitze)|das machst du (?:echt |richtig |wirklich )?gut)\b"
    # (all that is said: "you're awesome, I put the bins out" tells a chore done)
    r"(?:,?\s+(?:at (?:this|that|it)|lately|now|today|these days|de verdad|en serio|wirklich|"
    r"vraiment|toi|tu|tio|tia|mate|buddy|you know|honestly|really|tu sais|sabes|weisst du|"
    r"dis donc|dis-donc|hein|eh|you know that|tu sais ca|bravo|chapeau|well done|respekt|"
    r"felicidades|enhorabuena))*"
    r"[\s.!?]*$|"
    # a past experience told, as the last words ("that film last night was so good"; not
    # "the movie was great, now start movie night")
    r"(?:(?:was|were) (?:so |really |very |absolutely )?(?:good|great|lovely|amazing|fun)|"
    r"c'etait (?:trop |vraiment |super |tellement )?(?:bien|genial|top|sympa|super)|"
    r"(?:estuvo|fue) (?:muy |super |genial|buenisim\w*|increible)|"
    r"war (?:echt |so |richtig |wirklich )?(?:gut|toll|super|schon|klasse))\b[\s.!]*$)"
)
# how the assistant is, asked ("ça va, toi, aujourd'hui ?", "Guten Morgen! Wie geht es Ihnen
# heute?", "¿qué tal estás hoy?"): the whole utterance, a greeting before it at most
HOW_ARE_YOU = re.compile(
    r"\W*(?:(?:hi|hello|hey|eh|good morning|morning|bonjour|salut|coucou|hola|buenos dias|buenas|"
    r"buen dia|"
    # a greeting said to all, or to the assistant ("salut la compagnie", "moin, Computer")
    r"(?:la compagnie|tout le monde|les amis|everyone|everybody|all|guys|folks|todos|chicos|"
    r"gente|leute|ihr|zusammen|computer|ordi|ordinateur|assistant|asistente|assistent)|"
    r"hallo|guten morgen|guten tag|moin|servus|oh|so|alors|bueno|na|oye|dis|sag mal|say|ha|"
    r"haha|tiens|mira|and|et|y|und|et toi|y tu|y tu que|and you)\W+)*"
    r"(?:"
    # the assistant's day asked about ("how's your day going?", "ça roule ?", "¿cómo llevas el
    # lunes?", "wie läuft dein Tag so?"), a slip of the tongue taken back in it ("el lunes…
    # digo, el martes")
    r"(?:how(?:'s| is| was| has) (?:your|the) (?:day|morning|afternoon|evening|week|weekend|"
    r"shift)(?: going| been| treating you)?|"
    r"(?:comment )?(?:se passe|va|s'est passee) ta (?:journee|matinee|semaine)|ca roule|ca gaze|"
    r"como llevas (?:el |la |tu )?(?:dia|jornada|manana|tarde|semana|finde|lunes|martes|"
    r"miercoles|jueves|viernes|sabado|domingo)|"
    r"(?:como (?:va|te va|ha ido|te ha ido)|que tal) (?:el |la |tu )?(?:dia|jornada|finde)|"
    r"wie (?:lauft|laeuft|war|geht|ging|ist) (?:denn |so )?(?:dein|deine|der) (?:tag|morgen|"
    r"vormittag|nachmittag|abend|woche|wochenende|dienst|schicht)(?: so| denn| heute)*)"
    r"(?:\W+(?:digo|i mean|je veux dire|ich meine?)\W+(?:el |la |le |the |den )?\w+)?|"
    # the assistant asked about ("do you ever sleep?", "tu dors jamais, toi ?", "¿tú nunca
    # duermes?", "schläfst du eigentlich nie?")
    r"do you (?:ever )?(?:sleep|eat|dream|get tired|rest|take a break|get bored)|"
    r"are you (?:ever )?(?:tired|asleep|awake|a robot|human|real|alive|bored)|"
    r"(?:tu|vous) (?:ne )?(?:dors|dormez|manges|mangez|reves|revez|fatigues)(?: jamais)?|"
    r"(?:tu es|t'es|vous etes) (?:un robot|humaine?|fatiguee?|reveillee?)|"
    r"(?:tu )?(?:nunca )?(?:duermes|descansas|suenas|comes)(?: nunca| alguna vez)?|"
    r"(?:eres|estas) (?:un robot|humano|humana|cansad[oa]|despiert[oa])|"
    r"(?:schlafst|isst|traumst|ruhst) du (?:eigentlich |auch |denn |mal )?(?:nie|nicht|jemals|"
    r"auch mal|mal)?|bist du (?:eigentlich |auch )?(?:mude|ein roboter|wach|ein mensch)|"
    # a greeting passed on ("Hector says hi", "Hector te fait coucou", "Hector te manda
    # saludos", "Hector lässt grüßen")
    # (a pet or a person by name, an article before it at most: "der Barry lässt grüßen")
    r"(?:(?:the|our|der|die|das|unser|le|la|notre|el|nuestro) )?(?:"
    r"\w+ (?:just )?(?:says|said) (?:hi|hello|hey|good morning)(?: to you)?|"
    r"\w+ (?:te|vous) (?:fait|dit|passe|font|envoie) (?:coucou|bonjour|le bonjour|des bisous|"
    r"un (?:gros |petit )?(?:bisou|calin)\w*(?: \w+)?)|"
    r"\w+ (?:te|os) (?:manda|envia|mandan) (?:saludos|un saludo|besos|recuerdos)|"
    r"\w+ (?:lasst|lassen) (?:dich |schon |schon mal |schon |schoen |schon schon )*"
    r"gru(?:ss|ß)en|\w+ sagt hallo)|"
    r"how are you(?: doing| keeping| getting on)?|how(?:'s| is) it going|how are things|"
    r"how have you been|"
    # the assistant asked about its night or its work ("hast du gut geschlafen?", "¿te gusta tu
    # trabajo?")
    r"(?:did you )?sleep well|slept well|(?:(?:as-tu|tu as|vous avez|avez-vous) )?bien dormi|"
    r"(?:has )?dormido bien|(?:(?:hast du|haben sie) )?gut geschlafen|"
    r"(?:bist du|sind sie) (?:auch )?(?:schon )?wach|(?:t'es|tu es|vous etes) (?:deja )?reveill\w+|"
    r"(?:ya )?(?:estas|esta usted) despiert[oa]|(?:are )?you (?:up|awake) (?:already|yet)|"
    r"(?:todo|tout|alles) (?:bien|va bien|bon|gut|klar|ok)(?: por ahi| de ton cote| bei dir)?|"
    r"(?:t'as|tu as|as-tu|vous avez) passe une bonne nuit|did you have a good night|"
    r"(?:hast du|haben sie) gut geschlafen|(?:do you (?:like|enjoy)|tu aimes|vous aimez|"
    r"te gusta|magst du) (?:your|ton|votre|tu|deinen|deine|dein) (?:job|work|travail|boulot|"
    r"trabajo|arbeit|job)|"
    # whether the assistant hears ("eh, ¿hola? ¿me oyes?", "are you there?", "tu m'entends ?")
    r"(?:can you hear me|are you (?:there|listening|awake)|(?:tu|vous) m'entend(?:s|ez)|"
    r"(?:tu es|t'es|vous etes) la|me oyes|me escuchas|estas ahi|horst du mich|bist du (?:da|wach))|"
    r"you (?:ok|alright)|(?:ca|comment ca|comment tu|comment vous) va[sz]?|comment allez-vous|"
    r"tu vas bien|vous allez bien|que tal(?: estas| esta usted| andas| va| te va)?|como estas|"
    r"como esta usted|como te va|como andas|wie geht(?:'s|s| es)(?: dir| ihnen| euch)?|"
    r"alles (?:gut|klar|ok) bei dir)"
    r"(?:\W+(?:toi|today|aujourd'hui|hoy|heute|then|alors|ce matin|this morning|esta manana|"
    r"heute morgen|you|vous|usted|ihnen|dir|tu|du|mate|buddy|toi|eigentlich|then|hein|eh|"
    r"busy one|busy day|long day|pour toi|para ti|bei dir))*\W*$"
)
# a long day or tiredness told ("what a day", "je suis lessivé", "estoy reventada", "boah,
# war das ein Tag"): small talk, unless something is asked or a thing named after it ("I'm
# exhausted, dim the lights")
_VENTING = re.compile(
    r"\W*(?:(?:oh|ugh|ouf|pf+|boah|buf|uf|puf|man|god|ay|ah|na|ok|right|well|bon|bueno|"
    r"madre mia|mon dieu|mein gott|oh la la|mei|morning|good morning|morgen|moin|servus|"
    r"bonjour|buenos dias|buen dia)\W+)*(?:"
    r"what a (?:\w+ )?(?:day|night)|(?:such a|it'?s been a|that was a|what a|long|rough) "
    r"(?:(?:long|tiring|crazy|busy|rough|hard|mad|exhausting) )?(?:day|week|night|shift)|"
    r"(?:i'?m|i am) (?:so |really |completely |"
    r"absolutely |totally |just |dead )*(?:tired|exhausted|knackered|shattered|beat|wiped|"
    r"worn out|done in|drained|bored|stressed|wrecked)|"
    r"quelle journee|quelle semaine|quelle nuit|quelle garde|"
    r"(?:je suis|chuis|j'suis|suis) (?:\w+ )?(?:creve|crevee|"
    r"epuise|epuisee|lessive|lessivee|fatigue|fatiguee|vanne|vannee|naze|claque|claquee|rince|"
    r"rincee|ko|a plat|mort|morte)|j'en peux plus|"
    r"(?:vaya|menuda?) (?:dia|semana|diita|noche|nochecita|guardia)|"
    r"que (?:dia|semana) (?:(?:mas|tan)(?: \w+)?|llevo|"
    r"he tenido|hemos tenido)|(?:estoy|toy) (?:\w+ )?(?:muert[oa]|agotad[oa]|"
    r"reventad[oa]|cansad[oa]|hech[oa] polvo|frit[oa]|molid[oa])|no puedo mas|"
    r"(?:was fur ein|was fuer ein|war das ein|so ein|das war ein) (?:\w+ )?(?:tag|woche)|"
    r"(?:was fur eine|was fuer eine|war das eine|so eine|das war eine) (?:\w+ )?(?:nacht|schicht)|"
    r"(?:ich bin|bin) (?:\w+ ){0,2}(?:fertig|mude|mud|kaputt|platt|erledigt|erschopft|k\.?o)|"
    r"bin ich (?:\w+ ){0,2}(?:fertig|mude|mud|kaputt|platt|erledigt|erschopft)|"
    # the weather remarked on ("bit wild out there today", "quel temps de chien", "qué día más
    # feo hace", "was für ein Schietwetter"): small talk too
    r"(?:(?:a )?bit |pretty |so |really |proper )?(?:wild|grim|miserable|nasty|horrible|awful|"
    r"dreich|dreary|gloomy|"
    # "dreich one out there"
    r"(?:dreich|dreary|grim|wild|miserable|lovely|glorious|gorgeous|nippy|cold|raw) one|"
    r"lovely|gorgeous|glorious|beautiful|freezing|windy|wet|grey|gray|foggy|stormy|blowy) "
    r"(?:out there|outside|out)\b|what (?:a |an )?(?:\w+ )?(?:weather|storm|downpour)|"
    r"(?:lovely|awful|horrible|miserable|grim|nasty|filthy|glorious|dreich|dreary) "
    r"(?:day|one|weather)|"
    r"quel (?:temps de chien|sale temps|temps pourri|fichu temps|beau temps|"
    r"temps (?:de chien|pourri|horrible|affreux|magnifique))|"
    r"quelle (?:tempete|pluie|purée de pois|puree de pois|grisaille)|"
    r"(?:vaya|menudo) (?:dia|tiempo|tiempecito|temporal)|"
    r"que (?:dia|tiempo|tiempecito) (?:(?:mas|tan) \w+|de perros)|"
    r"(?:was fur ein|was fuer ein|so ein) (?:\w+)?wetter|\w*(?:schiet|sau|mist|hunde|dreck)wetter"
    r")\b"
)


_NIGHT_WISH = (
    r"(?:good ?night|night night|nighty night|sleep (?:well|tight)|see you (?:tomorrow|in the "
    r"morning)|bonne nuit(?: a (?:toi|vous|tous))?|dors bien|a demain|buenas noches|hasta manana|"
    r"que descanses|gute nacht|schlaf gut|bis morgen)"
)
_DONE_WITH = re.compile(r"\W*(?:with|mit|avec|con|de)\b")
# a remark about the speaker's life or the world, nothing asked of anyone: the weather told
# ("bit of fresh snow overnight, eh?", "heut Nacht hat's geschneit"), a fine day ("what a
# day for the hills", "qué día más bonito para salir al monte"), a feat or a memory told
# ("did you know I've climbed it thirty times?", "tu sais que j'ai fait le Cervin onze fois ?",
# "ça me rappelle mes années de guide"; not "ça me rappelle qu'il faut …", "remind me to …")
_CHAT = re.compile(
    r"\W*(?:(?:oh|ah|ha|haha|well|so|ok|right|hey|hi|hello|morning|good morning|bonjour|salut|"
    r"coucou|tiens|hola|buenos dias|buenas|mira|oye|hallo|servus|moin|guten morgen|griass di|"
    r"gruss gott|na|ach|just back from (?:a|the|my) \w+(?: with the \w+)?)\W+)*(?:"
    rf"{_NIGHT_WISH}\b|"
    r"(?:(?:a |some )?(?:bit|lot|lots|loads|heaps|tons) of )?(?:fresh |new )?snow (?:overnight|"
    r"last night|this morning)|it (?:snowed|rained|poured|stormed|hailed)\b|"
    r"(?:it'?s|it is|it'?s been) (?:snowing|raining|pouring|hailing|glorious|gorgeous|lovely) "
    r"(?:out|outside|out there|again|all night|since)|"
    r"il a (?:neige|plu|grele)|il (?:neige|pleut|a neige) (?:des cordes|a verse|encore|fort|"
    r"toute la nuit|depuis)|"
    r"(?:ha |esta |ha estado )?(?:nevado|llovido|nevando|lloviendo) (?:toda la noche|mucho|"
    r"otra vez|esta noche|anoche)|(?:anoche|esta noche) (?:nevo|llovio|ha nevado|ha llovido)|"
    r"(?:heut(?:e)? nacht |letzte nacht |gestern )?(?:hat'?s|hat es|es hat) (?:\w+ ){0,2}"
    r"(?:geschneit|geregnet|gesturmt|gehagelt)|"
    r"what a (?:beautiful|lovely|nice|gorgeous|glorious|great|perfect) (?:day|morning|evening)|"
    r"quelle (?:belle|magnifique|superbe) (?:journee|matinee|soiree)|"
    r"que (?:dia|manana|tarde) (?:mas|tan) (?:bonit[oa]|precios[oa]|buen[oa]|estupend[oa])|"
    r"(?:so ein|was fur ein|was fuer ein) (?:schoner|herrlicher|traumhafter|wunderbarer) tag|"
    r"did you know (?:that )?(?:i|we|i'?ve|we'?ve|i'?m)\b|"
    r"(?:tu sais|vous savez|tu savais|savais-tu) (?:que|qu') ?(?:j'|je |nous |on )|"
    r"(?:sabias|sabes|sabia usted) que (?:yo |fui|he |hemos|estuve|subi|hice|era|soy|tengo|"
    r"mi |me )|"
    r"(?:weisst|weisst du|wusstest du)(?: eh| du| schon| eigentlich)*,? dass (?:ich|wir)\b|"
    r"(?:that|this|it) reminds me of\b|(?:ca|cela|ceci) me rappelle (?!qu|que|de |d')|"
    r"(?:eso|esto) me recuerda a\b|(?:das|es) erinnert mich an\b)"
)


# going to bed told, a good night at most around it, nothing asked ("night night, I'm off to
# bed", "bon, je vais me coucher, bonne nuit à toi", "So, ich geh ins Bett, schlaf gut"; not
# "I'm off to bed, put the alarm on night mode")
_OFF_TO_BED = re.compile(
    rf"\W*(?:(?:so|bon|bueno|ok|okay|right|well|alors|also|pues|na|{_NIGHT_WISH})\W+)*(?:"
    r"(?:i'?m|we'?re|i am|we are) (?:(?:off|going|heading|going up)(?: up)? to (?:bed|sleep)|"
    r"turning in)|(?:je vais|on va|nous allons|je monte|on monte) (?:me |se |nous )?(?:coucher|"
    r"dormir|au lit)|(?:ya )?(?:me voy|nos vamos) a (?:dormir|la cama|acostar(?:me|nos)?)|"
    r"(?:ich geh|ich gehe|wir gehen)(?: jetzt| mal| dann)? (?:ins bett|schlafen))"
    rf"(?:\W+(?:now|then|maintenant|ya|jetzt|{_NIGHT_WISH}))*"
)


def off_to_bed(folded: str) -> bool:
    """Whether ``folded`` tells only that the speaker goes to bed ("me voy a dormir, hasta
    mañana")."""
    return _OFF_TO_BED.match(folded) is not None and chatted(folded)


# what may follow going to bed ("…, I've got a four o'clock start", "…, la route m'attend";
# not "…, run bedtime", "…. ¿Me pones lo de buenas noches?")
_INERT_TAIL = re.compile(
    rf"[\s,;.!\u2026]+(?![^?]*\b(?:{REQUEST_VERB_STEMS}|run|do|play|pones|mets|machst|aktivier|"
    r"activ|lance)\w*)[^?]*$"
)


def chatted(folded: str) -> bool:
    """Whether ``folded`` is a remark of :data:`_CHAT` with nothing asked and no thing named
    after it ("what a day for the hills"; not "it snowed, switch the stair heating on").

    >>> chatted("morning! bit of fresh snow overnight, eh?"), chatted("it snowed, lock up")
    (True, False)
    """
    bed = _OFF_TO_BED.match(folded)
    if (
        bed is not None
        and folded[bed.end() :].strip(" .!")
        # going to bed, then more: only a reason may follow
        and _INERT_TAIL.match(folded, bed.end()) is None
    ):
        return False
    found = bed or _CHAT.match(folded)
    if found is None:
        return False
    rest = folded[found.end() :]
    return (
        _HAS_IMPERATIVE.search(rest) is None
        and _THEN_ASKED.search(rest) is None
        and _ASKED_IN_CHAT.search(rest) is None
        # (nor a question after it: "that reminds me of the dentist, what time is it?")
        and not ("?" in rest and _QUESTION_IN_CHAT.search(rest))
        and not any(ch.isdigit() for ch in rest)
        and KIND_VOCAB.isdisjoint(re.findall(r"[\w']+", rest))
        and not _cold_said(rest)
        and _INDIRECT_DARK.search(rest) is None
        and _INDIRECT_HOT.search(rest) is None
        and not leaving_home(folded)
    )


# a thing to keep in mind, said of it ("don't forget yoga tonight", "n'oublie pas le dentiste
# demain", "no olvides la cena del viernes", "vergiss nicht das Yoga heute Abend")
_REMEMBER = re.compile(
    r"\b(?:don'?t forget|do not forget|not forget|can'?t forget|remember|n'oublie pas|oublie pas|"
    r"rappelle-toi|no olvides|acuerdate de|vergiss nicht|nicht vergessen|denk an|"
    r"denk dran)\b|\bvergiss\b[^,;.!?]*\bnicht\b"
)
# told in the past ("was", "estaba", "hat … gesprochen", "a chanté"): what happened
_TOLD_PAST = re.compile(
    r"\b(?:was|were|did|had|got|went|said|told|took|asked|called|came|stole|nicked|"
    r"estaba|estaban|era|fue|fueron|tuvo|dijo|ha sido|se acordaba|recordaba|"
    r"etait|etaient|a eu|a dit|a chante|m'a|a ete|"
    r"war|waren|hatte|hat (?:\w+ ){0,10}(?:gesprochen|gesagt|gemacht|gesungen|geklaut|versteckt|"
    r"gespielt|gehabt))\b"
)
# a past of any verb, told (read in the cleaned text, accents kept: "à" is no "a"): a perfect
# tense whose auxiliary stands next to its participle ("a gagné", "s'est réveillé", "ha
# ganado"), a German one whose participle ends the clause ("hat … gewonnen", "ist …
# aufgewacht"), or an English past that is nothing else ("won", "woke up")
_TOLD_PAST_IN = {
    "fr": re.compile(
        r"\b\w+\s+(?:a|ont|s'est|se sont)\s+"
        r"(?:(?:encore|déjà|enfin|bien|tout|presque|même)\s+)?"
        r"(?!été\b|fermé|ouvert|allumé|éteint|réglé|prévu|annulé|reporté|déplacé)"
        r"[a-zàâçéèêëîïôûù]{3,}(?:é|ée|és|ées|i|is|it|u|us)\b(?!\s+(?:à|a|pour|de)\s)|"
        # with "être", a verb of coming and going ("il est rentré"; not "elle est débordée",
        # "il est fatigué": how someone is)
        r"\b\w+\s+(?:est|sont)\s+(?:(?:encore|déjà|enfin|bien|presque|même)\s+)?"
        r"(?:parti|allé|venu|revenu|tombé|rentré|arrivé|sorti|resté|monté|descendu|passé|né|"
        r"mort|retourné|reparti|ressorti)(?:e|s|es)?\b(?!\s+(?:à|a|pour|de)\s)|"
        # what someone says, told on ("Yannick dit que la jument mange mieux")
        r"^\W*(?:\w+\W+){0,3}?(?:dit|raconte) que\b"
    ),
    "es": re.compile(
        r"\b(?:ha|han|he|hemos)\s+(?!sido\b|cambiado|movido|cancelado|aplazado|anulado|"
        r"pasado|puesto|dejado|olvidado|encendido|apagado|abierto|cerrado)"
        r"[a-zñáéíóú]{3,}(?:ado|ada|ados|adas|ido|ida|idos|idas|ído|ída)\b|"
        # a preterite, written with its accent ("se despertó", "ganaron") or irregular
        r"\b[a-zñáéíú]{2,}(?:ó|aron|ieron)\b|\b(?:vio|fue|hizo|dijo|trajo|tuvo|vino|puso)\b|"
        # an irregular participle, or "ha vuelto a …" ("se ha vuelto a escapar del paddock")
        r"\b(?:ha|han|he|hemos)\s+(?:vuelto|visto|escrito|roto|descubierto|muerto)\b|"
        # what someone says, told on ("Yannick dice que Caramel ya come mejor")
        r"^\W*(?:\w+\W+){0,3}?(?:dice|dicen|cuenta|comenta) que\b"
    ),
    "de": re.compile(
        r"\b(?:hat|haben|ist|sind)\b[^,.;!?\u2026]*?\b(?!gegen|genug|gestern|gerade|genau|gern|"
        r"geöffnet|geschlossen|gemacht|gestellt|geschaltet|gesetzt|gelegt|geplant|verschoben|"
        r"abgesagt)(?:an|auf|aus|ein|mit|zu|ab|vor|nach|weg|zurück|los|her|hin|um|auseinander|"
        r"durcheinander|herum|rum|raus|rein|kaputt|zusammen|weiter|wieder|fest|frei)?"
        r"ge[a-zäöüß]{2,}(?:t|en)\s*(?:[,.;!?\u2026]|$|(?:und|aber|doch)\b)|"
        # what someone says, told on ("Vreni meint, so einen Nebel …")
        r"^\W*(?:\w+\W+){0,3}?(?:sagt|meint|erzählt)\b"
    ),
    "en": re.compile(
        r"\b(?:won|woke|brought|found|fell|saw|heard|met|swam|scored|laughed|cried|slept|ate|"
        r"drank|sang|danced|climbed|caught|threw|ran|rode|jumped|escaped|chewed|bit|lost|sold|"
        r"spent|nailed|aced|learned|learnt|"
        # someone told of as they have been ("Caramel's been a right diva all morning")
        r"(?:\w+'s|he's|she's|they've|(?:he|she|it|\w+) has|they have) been)\b|"
        # what someone says, told on ("Yannick says the mare's eating better")
        r"^\W*(?:\w+\W+){0,3}?(?:says|said|reckons|thinks) (?:that )?\w+"
    ),
}

# what asks for something after a remark ("what a glorious morning, cancel my yoga class",
# "¿sabes que mi clase es hoy? cancélala", "il neige encore, réchauffe la chambre", "it's
# snowing, I need the kids room warmer", "está lloviendo, ¿puedes cerrar el garaje?"): a
# request's verb anywhere, a modal, a want, a change of a value, a chore ticked off
_ASKED_IN_CHAT = re.compile(
    # (a request's verb opening a clause: not "para salir al monte")
    r"(?:^|[,;.!?\u2026]\s*[¿¡]?|\b(?:so|then|and|but|anyway|alors|donc|et|mais|bref|pues|y|"
    r"pero|entonces|en fin|und|dann|also|aber|jedenfalls|egal)"
    rf"\s+)(?:(?:please|bitte|por favor|just|juste|mal)\s+)?{REQUEST_VERB_STEMS}\w*|"
    rf"\b(?:{_MODALS})\b|"
    r"\b(?:can|could|would|will|need|want|wanna|please|besoin|veux|voudrais|faut|necesito|"
    r"quiero|hace falta|puedes|brauch\w*|will|mochte|muss|bitte|tick|cross|coche|raye|tacha|"
    r"abhak\w*|hak|warmer|colder|cooler|hotter|brighter|dimmer|warm\w*|heat\w*|rechauff\w*|"
    r"calient\w*|heiz\w*|starte|lance|cerrar|abrir|zumachen|aufmachen|ausmachen|anmachen)\b"
)


_QUESTION_IN_CHAT = re.compile(
    r"\b(?:what|when|where|who|which|how|is|are|do|does|can|quoi|quand|ou|qui|quel\w*|comment|"
    r"est-ce|que|qué|cuando|donde|quien|cual|como|was|wann|wo|wer|welche\w*|wie|ist|sind)\b"
)


def _story(u: Understanding) -> bool:
    """Whether ``u`` tells what happened and asks nothing ("Mi madre hoy estaba muy contenta,
    se acordaba de todas las canciones del coro", "Meine Mutter hat heute … gesprochen"):
    :func:`told_story`, and no item named by its name."""
    matches = u.resolution.matches
    return told_story(u.cleaned) and not any(m.named or m.score >= 0.85 for m in matches)


def _past_said(cleaned: Cleaned, leading: bool = False) -> bool:
    """Whether one of the pasts of :data:`_TOLD_PAST` is said (German "was" asks what:
    "streich das, was am Donnerstag ist"); ``leading``: where a story starts, in the first
    clause or after an exclamation of a word or two ("Menuda nochecita, Lotte se despertó …";
    not "Retire Hanna de la traduction, elle est débordée": a request, then its reason)."""
    found = (
        m.start()
        for m in _TOLD_PAST.finditer(cleaned.folded)
        if cleaned.lang != "de" or m.group() != "was"
    )
    told = _TOLD_PAST_IN.get(cleaned.lang)
    said = (m.start() for m in told.finditer(cleaned.text)) if told is not None else iter(())
    return any(_story_starts(cleaned.folded[:at], leading) for at in found) or any(
        _story_starts(cleaned.text[:at], leading) for at in said
    )


def _story_starts(before: str, leading: bool) -> bool:
    """Whether the clauses ``before`` a story's verb are at most a word or two each (when
    ``leading``)."""
    return not leading or all(len(c.split()) <= 2 for c in _CLAUSE.split(before)[:-1])


def told_story(cleaned: Cleaned, leading: bool = False) -> bool:
    """Whether ``cleaned`` tells what happened and asks nothing: told in the past, no request,
    no question, no kind of thing, nothing done or cold or dark said (those are told to be
    acted on), no news a project acts on ("the dentist called, it's moved"); ``leading``: the
    story starts it (a word or two before it at most).

    >>> told_story(clean("Anna hat heute den Malwettbewerb gewonnen!", "de"))
    True
    >>> told_story(clean("Anna hat das Licht angemacht, mach es aus", "de"))
    False
    """
    folded = cleaned.folded
    if not _past_said(cleaned, leading):
        return False
    return (
        # no request after it ("Priya has been flat out, give the checklist to Lea")
        not any(_CLAUSE_REQUEST.match(c) for c in _CLAUSE.split(folded)[1:])
        and _ASKED_IN_CHAT.search(folded) is None
        and _HAS_IMPERATIVE.search(folded) is None
        and REMIND_ME.match(folded) is None
        and not is_question_in(cleaned)
        and _ASKS_WHO.match(folded) is None
        and _NOT_A_STORY.search(folded) is None
        and KIND_VOCAB.isdisjoint(re.findall(r"[\w']+", folded))
        and DONE_SAID.search(folded) is None
        and not _cold_said(folded)
        and _INDIRECT_DARK.search(folded) is None
        and _INDIRECT_HOT.search(folded) is None
        and not leaving_home(folded)
        and _STORY_NEWS.search(folded) is None
    )


# a wish, which asks ("Leo ist eingeschlafen, wir sollten das Wohnzimmer dunkler machen"), a
# clock time or a weekday said, or something instead of another: news to act on ("le coach a
# écrit, l'entraînement est à 11h au lieu de 10h", "Mamie a appelé, elle vient dimanche à
# 12h30"); not names_time, which reads "this morning" of a story as a time too
_NOT_A_STORY = re.compile(
    r"\b(?:faudrait|habria que|hay que|musste|mussten|sollten|sollte|should|ought|"
    r"au lieu de|en vez de|en lugar de|statt|anstatt|instead of|"
    r"(?:at|a las|a la|um|a|vers|gegen|sobre las)\s+\d{1,2}\b|\d{1,2}\s*(?:h|uhr|am|pm)\b|"
    r"\d{1,2}[:h.]\d{2}|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miercoles|jueves|"
    r"viernes|sabado|domingo|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)\b"
)
# who did it, asked without a question mark ("c'est qui qui a gagné le match hier soir")
_ASKS_WHO = re.compile(r"\W*(?:c'est (?:qui|quoi|quand|ou)|qui (?:a|est)|who|quien|wer)\b")
# news a project acts on, told in the past ("the dentist called, it's moved to friday", "Sam
# left the garage open", "the build failed", "Marco said he'd take 42")
_STORY_NEWS = re.compile(
    r"\b(?:cancel\w*|moved?|postponed|called off|left (?:\w+ ){0,3}(?:on|open|unlocked)|forgot|"
    r"broke\w*|failed|crash\w*|take|takes|took over|annul\w*|deplace\w*|reporte\w*|oublie|"
    r"cancelad\w*|movid\w*|aplazad\w*|olvid\w*|abgesagt|verschoben|vergessen|kaputt|"
    r"open|ouvert\w*|abiert\w*|offen|an|allume\w*|encendid\w*|on|done|mark\w*|marque\w*|"
    r"marca\w*|erledigt|hecho|fait|paid|paye\w*|pagad\w*|bezahlt|"
    # a thing finished, fixed, moved, left on or broken, in any language ("Marco a fini le
    # truc du login", "el vete adelantó lo del gato", "jemand hat das Licht angelassen")
    r"finish\w*|fixed|solved|merged|shipped|brought (?:\w+ ){0,3}forward|pushed|(?<!-)off|"
    r"fini\w*|repare\w*|regle\w*|boucle\w*|livre\w*|decale\w*|avance\w*|repousse\w*|"
    r"laisse\w*|branche\w*|eclaire\w*|vomi|malade|"
    r"acab(?:o|aron|ado|ada|e)|termin\w*|complet\w*|arregl\w*|adelant\w*|cambi\w*|movio|"
    r"movieron|pasaron|paso|dejo|dejaron|prendid\w*|peto|rompi\w*|enferm\w*|"
    r"fertig\w*|gelost|repariert|gefixt|umgelegt|vorgezogen|angelassen|aufgelassen|"
    r"abgesturzt|ausgefallen|fallt aus|krank|"
    # an event that will not happen or has moved, said as news ("we won't make her dinner
    # saturday", "no hay fútbol mañana", "das Essen ist jetzt am Sonntag"), a change shipped
    r"won'?t make|can'?t make|cannot make|no podre\w*|no podemos|schaff\w* (?:\w+ ){0,3}nicht|"
    r"ne pourr\w*|no hay|pas de|kein\w*|is now|est maintenant|ahora es|ist jetzt|jetzt am|"
    r"no (?:\w+ ){1,2}(?:today|tomorrow|tonight|this week)|"
    r"merge\w*|pousse\w*|eingespielt|subido|subio|actualiz\w*|aktualisiert|"
    # taken over, broken, fixed or fetched in other words; cold said otherwise
    r"recupere\w*|charge\w*|refile\w*|herite\w*|quedo con|se quedo|ofrecio|ofrecid\w*|"
    r"geschnappt|ubernomm\w*|ubernimmt|casse\w*|plante\w*|tumbo|abgeschossen|change\w*|"
    r"geschoben|verlegt|abgeholt|laufen|marche|stabilise\w*|valide\w*|integre\w*|parche\w*|"
    r"eingebaut|traslad\w*|"
    # working again, or live ("the transcript drift is sorted", "läuft wieder synchron",
    # "ya no se desincroniza", "ist live")
    # taken on, said ("Inês said she'll pick up the translation", "il va s'en occuper",
    # "dice que se encarga", "sie kümmert sich drum")
    r"(?:'ll|will|is going to|'s going to) (?:pick|take|handle|grab|do|own|look)|"
    r"va (?:prendre|s'en occuper|s'occuper|faire|regarder|gerer)|s'en (?:occupe|charge)|"
    r"va a (?:coger|hacer|llevar|encargarse|mirar)|se (?:encarga|ocupa|lo queda)|"
    r"kummert sich|nimmt sich|macht das|"
    r"sorted|(?:is|went|are) live|ist live|en ligne|en produccion|lauft wieder|laufen wieder|"
    r"remarche|marche a nouveau|fonctionne a nouveau|funciona de nuevo|vuelve a funcionar|"
    r"ya funciona|ya no se \w+|funktioniert wieder)\b"
)


def _cold_said(text: str) -> bool:
    """Whether ``text`` says it is cold ("j'ai froid dans la chambre", "me estoy congelando")."""
    return _INDIRECT_COLD.search(text) is not None


def vented(folded: str) -> bool:
    """Whether ``folded`` tells a long day or tiredness and nothing more: no request, no
    question, no thing named after it; at most a story of the day told after it ("ugh what a
    day the kids were a nightmare"; not "I'm exhausted, the bedroom is too hot", "ich bin
    fertig, der Login-Bug ist behoben", "I'm tired, bedtime").

    >>> vented("boah, war das ein tag"), vented("i'm exhausted, dim the lights")
    (True, False)
    """
    found = _VENTING.match(folded)
    if found is None:
        return False
    rest = folded[found.end() :]
    while (again := _VENTING.match(rest)) is not None and again.end() > 0:
        rest = rest[again.end() :]  # "quelle journée, je suis crevée": both of it
    if _NOTHING_MORE.fullmatch(rest):
        return True
    return (
        len(rest.split()) <= 8
        and _TOLD_OF_THE_DAY.search(rest) is not None
        and "?" not in rest
        # "ich bin fertig mit TL-42", "I'm done with the login bug": a thing done, not a day
        and _DONE_WITH.match(rest) is None
        and not any(ch.isdigit() for ch in rest)
        and _HAS_IMPERATIVE.search(rest) is None
        and KIND_VOCAB.isdisjoint(rest.replace(",", " ").split())
    )


# what may follow a long day told and say nothing more ("…, honestly", "… aujourd'hui")
_NOTHING_MORE = re.compile(
    r"(?:[\s,.!\u2026]|today|tonight|honestly|really|totally|completely|right now|lol|"
    r"aujourd'hui|ce soir|vraiment|franchement|hoy|esta noche|de verdad|la verdad|heute|"
    r"heute abend|echt|wirklich|total|mal wieder|again|encore|otra vez|"
    # a tag asking agreement ("…, isn't it?", "…, hein ?", "¿eh?", "…, oder?")
    r"isn'?t it\??|aren'?t they\??|eh\??|hein\s*\??|non\s*\?|n'est-ce pas\s*\??|¿?eh\??|"
    r"¿?verdad\??|¿?no\??|oder\??|gell\??|nicht\??|ne\??|hace hoy|il fait|"
    r"out there|outside|dehors|fuera|drau(?:ss|ß)en|[…¡¿])*"
)
# a story of the day, told in the past ("the kids were a nightmare", "j'ai eu trois réunions")
_TOLD_OF_THE_DAY = re.compile(
    r"\b(?:was|were|had|been|did|went|j'ai eu|a ete|ont ete|etait|etaient|fue|fueron|estuvo|"
    r"estuvieron|he tenido|ha sido|war|waren|hatte|hatten)\b"
    # (not a thing's news: "I'm beat, Leo's football was cancelled", "der Login-Bug war behoben")
    r"(?!.*\b(?:cancel\w*|off|fixed|done|broken|closed|moved|annul\w*|cancelad\w*|anulad\w*|"
    r"abgesagt|behoben|erledigt|kaputt|verschoben|corrig\w*|arreglad\w*)\b)"
)


_ARTICLES = frozenset(
    "the a an this that le la les l' un une ce cette el los las uno una der die das den ein "
    "eine".split()
)
# "…, especially with the heating at 22": still the compliment
_ALONG = frozenset(
    "with especially even mostly avec surtout meme con sobre sobretodo incluso hasta mit vor "
    "sogar besonders gerade".split()
)
_EXCLAIMED = re.compile(r"[¡ ]*que (?:bonit|lind|precios|chul|guap)\w*")
# a request told, not made: "I was going to ask you to …, but Sam already did it"
# ("my husband told me to turn the heating up but I won't", "meine Frau meint, ich soll dich
# bitten, das Licht auszumachen, aber egal")
ALREADY_DONE = re.compile(
    r"\b(?:i was going to ask|i wanted to ask|i meant to ask|je voulais te demander|"
    r"je voulais vous demander|j'allais te demander|iba a pedirte|queria pedirte|te iba a pedir|"
    r"ich wollte dich (?:bitten|fragen)|ich wollte sie (?:bitten|fragen))\b.*\b(?:but|mais|pero|"
    r"aber)\b.*\b(?:already|myself|deja|moi-meme|ya|yo misma?|schon|selbst|bereits)\b"
    r"|"
    # asked of me by someone, or meant to ask, and called off in the last words
    r"\b(?:i was going to ask|i wanted to ask|i meant to ask|je voulais te demander|"
    r"j'allais te demander|iba a pedirte|queria pedirte|te iba a pedir|"
    r"ich wollte dich (?:eigentlich )?(?:bitten|fragen)|"
    r"(?:my|his|her) \w+ (?:told|asked|wants|wanted) me to|"
    r"(?:ma|mon|sa|son) \w+ (?:voulait|veut|m'a dit|m'a demande)|"
    r"(?:mi|su) \w+ (?:dice|quiere|queria|me dijo|me pidio)|"
    r"(?:meine|mein) \w+ (?:meint|will|wollte|sagt|hat gesagt))\b.*\b(?:but|mais|pero|aber),? "
    r"(?:(?:i won'?t|i wont|i'm not going to|never mind|whatever|forget it|bon|tant pis|"
    r"laisse tomber|finalement (?:non|c'est bon|il fait \w+ \w+)|ya lo hago yo|lo hago yo|"
    r"da igual|no hace falta|egal|passt schon|lass mal|schon gut)[\s,.!:)]*"
    r"(?:thanks?|thank you|merci|gracias|danke)?[\s.!:)]*$|"
    # "…, but it's already warm enough", "…, mais il fait déjà bon", "pero ya hace calor"
    r".*\b(?:already|deja|ya (?:hace|esta|estan|lo|la|hizo|he|hemos|no)|schon (?:warm|gemacht|"
    r"erledigt|zu|aus|an)|ist schon|bereits)\b)"
)


def _completes(intent: IntentSpec) -> bool:
    """Whether ``intent`` marks something done or moves a ticket's status ("I already put
    the bins out", "I've already closed 42": what it records)."""
    return intent.value == "status" or any(
        op.get("value") in (True, "done") for op in intent.patch or []
    )


# done already by the speaker, nothing more asked ("I already turned the porch light off
# myself", "c'est bon, j'ai déjà éteint …", "ya he llamado yo al dentista")
DONE_MYSELF = re.compile(
    r"^\W*(?:(?:ok|okay|so|bon|c'est bon|vale|also|na|actually|forget it|pas la peine|"
    r"schon gut|dejalo|deja|no hace falta)[,!]?\s+)*"
    r"(?:i(?:'ve| have)? already|i did it myself|j'ai deja|je l'ai deja|c'est deja fait|"
    r"ya (?:he|lo he|la he|los he|las he)|(?:die|den|das|der) \w+ hab(?:e)? ich (?:schon|bereits)|"
    r"hab(?:e)? ich (?:schon|bereits)|ich hab(?:e)? (?:\w+ ){0,4}(?:schon|bereits|selbst|selber))\b"
    # a thing switched, shut or a call made (a to-do done is a reminder's: "I already put the
    # bins out" ticks it off)
    r"(?=.*\b(?:turned|switched|shut|locked|closed|called|eteint\w*|ferme\w*|allume\w*|"
    r"verrouille\w*|appele\w*|apagad\w*|apague|cerrad\w*|cerre|encendid\w*|llamado|"
    r"ausgemacht|ausgeschaltet|zugemacht|abgeschlossen|angemacht|eingeschaltet|angerufen)\b)"
    r"(?!.*\b(?:so|and|but|then|now|alors|et|donc|mais|puis|pero|asi que|und|aber|dann|jetzt)\b)"
    r"(?!.*\?\s*$)"
)
_REPORTED_DONE = re.compile(
    r"^(?:(?:ok|okay|so|bon|c'est bon|vale|also|na)[,!]?\s+)*"
    r"(?:i(?:'ve| have)? already|i did it myself|j'ai deja|je l'ai deja|c'est deja fait|"
    r"ya (?:he|lo he|la he|los he|las he|esta hecho)|"
    r"(?:die|den|das|der) \w+ hab(?:e)? ich (?:schon|bereits)|hab(?:e)? ich (?:schon|bereits)|"
    r"ich hab(?:e)? (?:\w+ ){0,4}(?:schon|bereits)|"
    # someone else did it: "c'est bon, Sam a déjà fermé le garage", "Sam already locked it"
    r"\w+ (?:a deja|l'a deja|has already|already \w+ed|ya (?:lo |la |los |las )?\w+(?:o|io)|"
    r"hat (?:\w+ ){0,3}(?:schon|bereits)))\b"
    # what follows says nothing more: no "so / and / but … lock the back one too"
    r"(?:(?!\b(?:so|and|but|then|now|alors|et|donc|mais|puis|y|pero|asi que|und|aber|dann|"
    r"jetzt|also)\b)[^,;.!?])*"
    r"(?:[,;.!?]+\s*(?:no hace falta(?: nada)?|pas besoin|no need|nicht notig|"
    r"thanks|thank you|merci|gracias|danke)?[\s,;.!?]*)?$"
)
# "don't forget to …" asks, whatever negation it says
_DONT_FORGET = r"don'?t forget|n'oublie pas|no (?:te )?olvides|vergiss nicht"
_ASKS_ANYWAY = re.compile(
    rf"\b(?:{_DONT_FORGET}|"
    # all but one left as it is, not said negated: "turn off all the lights but leave the
    # porch on" (not "don't turn off all the lights, but leave the porch on")
    r"^(?!\W*(?:please |bitte |por favor )?(?:don'?t|do not|never|no|ne|n'|nicht|bloss nicht)\b)"
    r"(?:.*\b)?(?:all|every|tout|tous|toutes|todas|todos|alle)\b.*\b"
    r"(?:but|mais|pero|aber|no|non|nein|nee),? "
    r"(?:leave|keep|laisse|garde|deja|lass)|"
    r"leave (?:the|it)\b.{0,30}\b(?:unlocked|open) for)\b"
)
# a time to read whether a time is said against (any would do)
_SOME_TIME = datetime(2026, 1, 1, 12)
_DECISION_WEIGHT = {"stateful": 1.0, "ephemeral": 0.9, "no_task": 0.8, "clarification": 0.4}
# what a missing value is called in a reply, in each language (English for others)
_SLOT_NAMES: dict[str, dict[str, str]] = {
    "switch": {"en": "on or off", "fr": "allumer ou éteindre", "es": "encender o apagar",
               "de": "ein oder aus"},
    "percent": {"en": "brightness", "fr": "luminosité", "es": "brillo", "de": "Helligkeit"},
    "temperature": {"en": "temperature", "fr": "température", "es": "temperatura",
                    "de": "Temperatur"},
    "colour": {"en": "colour", "fr": "couleur", "es": "color", "de": "Farbe"},
    "when": {"en": "date and time", "fr": "date et heure", "es": "fecha y hora",
             "de": "Datum und Uhrzeit"},
    "status": {"en": "status", "fr": "statut", "es": "estado", "de": "Status"},
    "person": {"en": "person", "fr": "personne", "es": "persona", "de": "Person"},
    "title": {"en": "title", "fr": "titre", "es": "título", "de": "Titel"},
    "new_title": {"en": "new title", "fr": "nouveau titre", "es": "nuevo título",
                  "de": "neuer Titel"},
    "lock_state": {"en": "lock or unlock", "fr": "verrouiller ou déverrouiller",
                   "es": "cerrar o abrir con llave", "de": "abschließen oder aufschließen"},
    "alarm_mode": {"en": "arm or disarm", "fr": "activer ou désactiver",
                   "es": "activar o desactivar", "de": "scharf oder unscharf schalten"},
    "label": {"en": "label", "fr": "étiquette", "es": "etiqueta", "de": "Label"},
    "sprint": {"en": "sprint", "fr": "sprint", "es": "sprint", "de": "Sprint"},
}  # fmt: skip


# what a kind of item is called in a reply, in each language (its id in English when none)
_KIND_NAMES: dict[str, dict[str, str]] = {
    "light": {"fr": "lumière", "es": "luz", "de": "Licht"},
    "lock": {"fr": "serrure", "es": "cerradura", "de": "Schloss"},
    "climate": {"en": "thermostat", "fr": "thermostat", "es": "termostato", "de": "Thermostat"},
    "switch": {"en": "device", "fr": "appareil", "es": "aparato", "de": "Gerät"},
    "scene": {"fr": "scène", "es": "escena", "de": "Szene"},
    "alarm": {"fr": "alarme", "es": "alarma", "de": "Alarmanlage"},
    "event": {"fr": "événement", "es": "evento", "de": "Termin"},
    "reminder": {"fr": "rappel", "es": "recordatorio", "de": "Erinnerung"},
    "ticket": {"fr": "ticket", "es": "ticket", "de": "Ticket"},
    "item": {"fr": "élément", "es": "elemento", "de": "Element"},
}


def kind_names(kinds: Sequence[str], lang: str) -> str:
    """What the kinds of item are called in ``lang``, joined ("lumière"; an unknown kind as
    it is).

    >>> kind_names(["light"], "fr"), kind_names(["event"], "en"), kind_names(["plant"], "de")
    ('lumière', 'event', 'plant')
    """
    said = [_KIND_NAMES.get(k, {}) for k in kinds]
    return ", ".join(n.get(lang) or n.get("en") or k for n, k in zip(said, kinds, strict=True))


def slot_name(slot: str, lang: str) -> str:
    """What the value ``slot`` is called in a reply in ``lang`` (the slot's id when no name).

    >>> slot_name("lock_state", "de"), slot_name("room", "fr")
    ('abschließen oder aufschließen', 'room')
    """
    names = _SLOT_NAMES.get(slot)
    return names.get(lang, names["en"]) if names is not None else slot


def uuid5_text(namespace: uuid.UUID, name: str) -> str:
    """``str(uuid.uuid5(namespace, name))``, without building the ``UUID`` on the way (the
    ids of every task, reply and new item: the object costs more than the hash).

    >>> ns = uuid.UUID("6f1c3a52-8a57-4c1e-9d0a-3b4c1f6e2a10")
    >>> all(uuid5_text(ns, n) == str(uuid.uuid5(ns, n)) for n in ("evt-1/stateful", "é", ""))
    True
    """
    h = hashlib.sha1(namespace.bytes + name.encode()).hexdigest()
    # the version (5) replaces digit 12; the RFC 4122 variant the top bits of digit 16
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:32]}"


_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


def packs_by_domain(packs: Sequence[DomainPack]) -> dict[str, DomainPack]:
    """The pack serving each domain: the first that covers it."""
    served: dict[str, DomainPack] = {}
    for pack in packs:
        for domain in pack.covers:
            served.setdefault(domain, pack)
    return served


def _item_said(name: str, lang: str) -> str:
    """An item's name as a reply says it: "the porch light", "Mira's lamp"; quoted in
    another language than English, as the state names it in English ("« front door »").

    >>> _item_said("porch light", "en"), _item_said("Mira's lamp", "en"), _item_said("alarm", "de")
    ('the porch light', "Mira's lamp", '„alarm“')
    """
    if lang == "en":
        return name if "'" in name or name[:1].isupper() else f"the {name}"
    return {"fr": f"« {name} »", "es": f"«{name}»", "de": f"„{name}“"}.get(lang, name)


# the words that name a ticket by what it is about, next to "ticket": "the menu ticket", "le
# ticket des notifications", "el ticket de las reservas", "das Gutschein-Ticket", "das Ticket
# zu den Benachrichtigungen" (up to the next clause, preposition of giving or status)
_ABOUT_TICKET = re.compile(
    r"(?:\b(?:the|that|this|our|my)\s+((?:[\w'-]+\s+){0,2}?[\w'-]+?)[\s-]?ticket\b)|"
    r"(?:\b([a-z]{2,}?)-?ticket\b)|"
    r"(?:\bticket\s+(?:de\s+la|de\s+los|de\s+las|de\s+l'|des|du|del|de|sur\s+(?:les?|la)|"
    r"sobre\s+(?:el|la|los|las)|zu\s+(?:den|dem|der)|zum|zur|mit\s+(?:den|dem|der)|about\s+the|"
    r"for\s+the|on\s+the)\s+((?:(?!(?:a|au|aux|al|to|en|in|auf|an|dem|der|den|para|pour|"
    r"for)\b)[\w'-]+\s*){1,3}))"
)
_ABOUT_STOP = frozenset(
    "the le la les l el los las de del des du der die das den dem des von ein eine a an un una "
    "unos unas ticket tickets bug bugs feature features".split()
)


def _label_words(text: str) -> list[set[str]]:
    """Each word of ``text`` with its English readings, singular ("reservas" → booking,
    reservation; "Benachrichtigungs" → notification)."""
    said = []
    for w in re.findall(r"[a-z0-9]+", text):
        if w in _ABOUT_STOP:
            continue
        readings = {w, canonical(w)}
        for stem in (w, w[:-1] if w.endswith("s") and len(w) > 5 else w):
            readings.add(canonical(stem))
            for g in (glossed(stem) or "").split("|"):
                readings.update(g.split())
        said.append({singular(r) for r in readings if r})
    return said


_KIND_OF_TICKET = {
    "bug": re.compile(r"bugs?\b|\b(?:bogue|fehler|error|fallo)\b"),  # ("ci-bug", "Loginbug")
    "feature": re.compile(r"\b(?:feature|features|fonctionnalite|funcionalidad|funktion)\b"),
}


def _named_without(
    folded: str, phrase: str, item: Item, shared: Sequence[Item], inventory: Inventory
) -> bool:
    """Whether what is said besides the label ``phrase`` still names ``item`` better than the
    other tickets of the label ("put the ci ticket for the arm build in review", "le ticket
    des réparations, celui du planning": that one)."""
    said = [r for r in _label_words(folded.replace(phrase, " ", 1))]

    def told(it: Item) -> int:
        # the words said besides the label that one of its names holds (by their first
        # letters: "double booking" of "double-booked", "planning" of "planner")
        title = {w[:5] for n in it.names for w in re.findall(r"[a-z0-9]+", fold(n)) if len(w) > 3}
        return sum(
            1
            for readings in said
            if any(len(r) > 3 and r not in STATUS_WORDS and r[:5] in title for r in readings)
        )

    mine = told(item)
    return mine > 0 and all(told(o) < mine for o in shared if o.id != item.id)


def _label_said(folded: str, inventory: Inventory, intent: IntentSpec) -> tuple[list[Item], str]:
    """The tickets of the label said as what a ticket is about ("the menu ticket"), when the
    words said are that label and nothing more, and the phrase that said it; none when none is
    said so. A bug or a feature said too keeps the one of that kind ("the rss bug ticket")."""
    spec = intent.target
    if spec is None or spec.create or any(ch.isdigit() for ch in folded):
        return [], ""
    for m in _ABOUT_TICKET.finditer(folded):
        phrase = next(g for g in m.groups() if g is not None)
        said = _label_words(phrase)
        if not said:
            continue
        pairs = [
            items
            for words, labelled in inventory.labelled.items()
            if len(words) == len(said)
            and all(any(w in readings for readings in said) for w in words)
            and len(items := [it for it in labelled if it.collection == spec.collection]) > 1
        ]
        if len(pairs) == 1:
            items = pairs[0]
            for kind, said_kind in _KIND_OF_TICKET.items():
                if said_kind.search(folded):
                    of_kind = [it for it in items if kind in (it.data.get("labels") or ())]
                    if len(of_kind) == 1:
                        return of_kind, m.group(0)
            return items, m.group(0)
    return [], ""


def reply_text(key: str, lang: str, **values: str) -> str:
    """A reply template in ``lang`` (English when the language has none)."""
    table = REPLIES[key]
    return table.get(lang, table["en"]).format(**values)


_BY_PERCENT = re.compile(
    r"\b(?:by|de|um|en|un|d'un|d'une)\s+(\d{1,3})\s*"
    r"(?:%|percent|per cent|pour ?cent|por ?ciento|prozent)"
)
# asking to be told: "tell me whether", "dis-moi si", "könnten Sie mir sagen, ob"
_TELL_VERBS = (
    r"\b(?:tell|let me know|check|see|find out|know|dire|dis|dites|checker|verifier|regarder|"
    r"savoir|decir\w*|dices|dime|decime|digame|comprobar|mirar|fijate|saber|ver|averiguar|"
    r"sagen|sag|"
    r"nachsehen|nachschauen|prufen|schauen|sehen|wissen|herausfinden)\b[^.?]{0,12}?"
)
_TELL_ME_IF = re.compile(
    _TELL_VERBS + r"\b(?:if|whether|si|ob|what|when|how|who|where|which|why|quand|combien|qui|"
    r"comment|quel\w*|cuando|cuanto\w*|quien|donde|cual|wer|wann|wie|wo|welche\w*)\b"
)
# ... whether something is so (a yes or a no)
_TELL_ME_WHETHER = re.compile(_TELL_VERBS + r"\b(?:if|whether|si|ob)\b")
# a request asked as whether it can be done ("is it possible to move the dentist to friday?",
# "ce serait possible de baisser le chauffage ?", "¿se puede encender la luz?", "wäre es
# möglich, das Licht auszumachen?", "could the kitchen light be a bit dimmer?", "kann das Licht
# in der Küche aus?"); not whether something is so ("is it possible that the door is open?",
# "ist es möglich, dass …", "¿se puede saber …?")
_CAN_IT_BE_DONE = re.compile(
    r"^(?:please |bitte |por favor |so |and |alors |et |y |und )?(?:"
    r"(?:is it|would it be|will it be|is that|would that be|it is|it'?s)(?: at all| even)? "
    r"possible (?:for (?:you|u|us|me) )?to \w+|"
    r"(?:do you |would you |d'?you )?mind \w+ing\b|"
    r"(?:can|could|may|might) (?:the|my|our|your|all the|both|\w+'s) "
    r"(?!kids\b|children\b|boys\b|girls\b|baby\b|guests\b|cat\b|dog\b|cats\b|dogs\b)"
    r"(?:\S+ ){0,4}?(?:"
    r"be (?:a bit |a little |a tad |slightly |much |way )?(?:\w+er|more \w+|less \w+|"
    r"(?:turned|switched|moved|pushed|brought|put|set|dimmed|brightened) \w+)|"
    r"(?:go|get|come|move|turn|switch) (?:up|down|on|off|out|back|warmer|cooler|brighter|"
    r"dimmer|higher|lower|to)|"
    r"(?:start|begin|finish|end) (?:\w+ ){0,3}?(?:earlier|later|sooner)"
    r")\b|"
    r"(?:est-ce|c'est|ce serait|ce sera|ca serait|ca sera|serait-il|serait-ce|est-il|il serait|"
    r"il est|ce ne serait pas|y a|il y a|il y aurait)(?: pas| vraiment| encore)? "
    r"(?:possible|moyen) d(?:e |')(?!savoir\b|voir\b|dire\b|verifier\b)\w+(?:er|ir|re)\b|"
    r"(?:es|seria|sera|habria|hay|no es|no seria)(?: \w+)? (?:posible|manera|forma|modo) "
    r"(?:de )?(?!saber\b|ver\b|decir\b|comprobar\b|mirar\b)\w+(?:ar|er|ir)\b|"
    r"se (?:puede|pueden|podra|podran) (?!saber\b|ver\b|decir\b|comprobar\b|mirar\b|"
    r"haber\b|revisar\b|consultar\b|averiguar\b)\w+(?:ar|er|ir)(?:l[oa]s?)?\b|"
    r"(?:ist es|ware es|war es|ist das|ware das|geht es|ginge es|geht das|ginge das|wurde es)"
    r"(?: vielleicht| eventuell| wohl| denn)?(?: moglich| machbar| gehen)?,? "
    r"(?:(?!dass\b|ob\b)(?!.*\b(?:um|genug)\b)(?=.*(?:\bzu \w+en|\w+zu\w\w+en)\b)|"
    r"dass (?:du|ihr|sie|man)\b)|"
    r"(?:kann|konnte|kannst|konntest) (?:man |du |ihr )?(?:das|die|der|den|dem|mein\w*|unser\w*) "
    r"(?:\S+ ){0,4}?(?:aus|an|zu|auf|ab|hoch|runter|warmer|heller|dunkler)\s*\??$"
    r")"
)


_POLITE_KIND = re.compile(
    r"^(?:please |por favor |bitte )?(?:would you be so kind|be so kind|would you mind|"
    r"seria(?:s| usted)? tan amable|tendria(?:s| usted)? la amabilidad|me harias el favor|"
    r"(?:tu serais|vous seriez|serais-tu|seriez-vous) (?:gentil|sympa|assez aimable)|"
    r"auriez-vous la gentillesse|aurais-tu la gentillesse|auriez-vous l'amabilite|"
    r"aurais-tu l'amabilite|hatten sie die gute|"
    r"(?:warst|waren) (?:du|sie) so (?:lieb|nett|freundlich)|sei so (?:lieb|gut|nett))\b"
)


_REQUEST_VERB = re.compile(
    r"\b(?:turn|switch|lock|unlock|close|open|cancel|delete|remove|move|set|put|supprime|annule|"
    r"efface|eteins|allume|ferme|ouvre|mets|borra|cancela|elimina|apaga|enciende|cierra|abre|pon|"
    r"losch|streich|mach|schalt|schliess|sag|"
    # who takes a ticket ("don't give 101 to Sofia, give it to Jonas")
    r"give|hand|assign|donne|attribue|assigne|asigna|dale|daselo|gib|weis)\w*"
)


# nothing at all to be done: "don't close anything (yet)", "ne ferme rien", "no cierres nada",
# "schließ noch nichts"
# (not "instead of yoga": the new one replaces another)
_INSTEAD_SAID = re.compile(
    r"\b(?:instead(?! of)|a la place(?! de| du| des)|plutot(?! que)|en su lugar(?! de)|"
    r"stattdessen)\b"
)
_CONTRAST = re.compile(r"\b(?:but|mais|pero|aber|though|doch|cependant|sin embargo)\b")
# words said before a request that are no clause of it ("what? no, don't turn off …")
_INTERJECTED = re.compile(
    r"^\W*(?:(?:what|huh|eh|oh|no|nope|non|nein|nee|wait|hey|quoi|hein|que|was|ah|oops|uh|um|"
    r"euh|hm+)\s*[,.!?;:\u2026]+\s*)+(?=\w)"
)
_NOTHING_YET = re.compile(
    r"\b(?:don'?t|do not) (?:close|change|touch|do|delete|cancel|move|mark) anything\b|"
    r"\bne (?:ferme|change|touche|fais|supprime|annule|deplace|marque) rien\b|"
    r"\bno,? (?:cierres|cambies|toques|hagas|borres|canceles|muevas|marques) nada\b|"
    r"\b(?:mach|schliess|schliesse|andere?) (?:\w+ )?noch nichts\b"
)
# about to be done, not done ("ich bin gleich fertig mit TL-42", "almost done with 42")
_ALMOST_DONE = re.compile(
    r"\b(?:almost|nearly|just about|not quite) (?:done|finished|fixed)\b|"
    r"\babout to (?:finish|be done)\b|\b(?:presque|bientot|pas encore) (?:fini|termine|corrige)\w*|"
    r"\b(?:casi|a punto de) (?:termin|acab|arregl)\w*|\b(?:gleich|bald|fast) "
    r"(?:fertig|erledigt|behoben|durch)\b"
)


def _without_denied_in_main(folded: str) -> str:
    """``folded`` without the parts of its main clause that say a thing is not done when
    another part says one is ("Marco a corrigé le 42 mais le 94 n'est pas encore corrigé"):
    their negation takes no request back. Not a part after it ("don't close TL-94, it's not
    fixed yet, but TL-42 is": the request itself is negated)."""
    main, *rest = _CLAUSE.split(folded, maxsplit=1)
    if rest and NEGATED.search(rest[0]):
        return folded  # "…, don't close anything yet": taken back after it
    for part in denied_parts(folded):
        if part.strip() and part.strip() in main:
            folded = folded.replace(part, " ")
    return folded


# a question that asks which or what ("which bugs don't have anyone on them yet?", "qu'est-ce
# qui n'est pas encore fait ?"): asked of the state, no request taken back (not "why don't you
# …", a suggestion)
_WH_FIRST = re.compile(
    r"\W*(?:which|what|who|whose|how many|how much|quel\w*|qu'est-ce|qui|combien|cual\w*|"
    r"quien\w*|cuant\w*|que \w+ no|welche\w*|wer|was|wie viele|wie viel|"
    # asked whether someone did ("did somebody leave the light on in the garage?")
    r"(?:did|has|have) (?:somebody|someone|anybody|anyone|you|they|we|sam|\w+) (?:leave|left)|"
    r"(?:est-ce que )?(?:quelqu'un|on) a laisse|alguien (?:ha )?dej\w+|hat (?:jemand|wer) \w+ "
    r"(?:angelassen|brennen lassen))\b"
)


def negated_request(text: str) -> bool:
    """Whether ``text`` asks for nothing to change ("don't turn off the porch light yet",
    "no subas la calefacción"), and asks for nothing else after it."""
    folded = _INTERJECTED.sub("", fold(text))
    main, *rest = _CLAUSE.split(folded, maxsplit=1)
    if not NEGATED.search(main) or _ASKS_ANYWAY.search(folded) or _WH_FIRST.match(folded):
        return False
    if NOT_BUT.match(folded):
        return False  # "nicht den Kompressor, sondern die Dachrinnenheizung": asks for that one
    if (unsaid := _without_denied_in_main(folded)) != folded:
        # "Marco a corrigé le 42 mais le 94 n'est pas encore corrigé": told of another
        # ticket, no request taken back (see GroundedExpert._negated)
        folded = unsaid
        main, *rest = _CLAUSE.split(folded, maxsplit=1)
        if not NEGATED.search(main):
            return False
    return not (rest and _REQUEST_VERB.search(rest[0]) and not NEGATED.search(rest[0]))


# a verb, then an indefinite article or "new" ("note un rendez-vous", "add a new appointment",
# "apunta una cita", "trag einen Termin ein")
_A_NEW = re.compile(
    r"\W*(?:(?:please|can you|could you|peux-tu|tu peux|puedes|kannst du|bitte)\W+)?"
    r"(?:add|book|put|schedule|create|make|set up|note|ajoute|note|mets|cree|planifie|inscris|"
    r"anade|apunta|pon|crea|agenda|programa|trag|leg|erstell\w*|plan|fais|haz|mach|open|ouvre|"
    r"abre|file|log)\w*(?:-moi|-nous)?\s+(?!(?:an?|une?) (?:note|notes|change|mistake)\b)"
    r"(?:me\s+|moi\s+|"
    r"nous\s+|mir\s+|uns\s+|bitte\s+)?(?:an?|un|une|una|uno|ein|eine|einen|another|a new|"
    r"nouveau|nouvelle|nuevo|nueva|neuen?)\s"
)
# a question about whether something is so, asked with the verb first (not "can you …")
_YES_NO = re.compile(
    r"(?:is|are|was|were|est-ce que|est ce que|esta|estan|sigue|siguen|ist|sind|brennt|"
    r"laeuft|lauft)\s+(?:the|my|our|la|le|les|l'|el|los|las|mi|der|die|das|mein\w*|"
    r"[a-z]{1,4}-\d+)\b"  # "is TL-42 fixed"
)


def is_question_in(u: Cleaned) -> bool:
    """Whether the cleaned utterance asks (a question word first or a question mark) rather
    than requests politely ("can you turn on …" is a request)."""
    text = u.folded.strip().lstrip("¿¡ ")
    if _TELL_ME_IF.search(text):
        return True  # "could you tell me whether the alarm is on": asked politely
    if REMIND_ME.match(text) and not text.endswith("?"):
        return False  # "give me a heads-up half an hour before …", "sag mir … Bescheid"
    if _polite(text):
        return False
    return _asked(text, u.lang)


# a stop asked to a talk, not to a thing ("können wir aufhören über 42 zu reden?")
_STOP_TALKING = re.compile(
    r"\b(?:stop|quit|aufhor\w*|arret\w*|dejar de|dejemos de)\b.*\b(?:talking|talk|reden|sprechen|"
    r"parler|hablar)\b"
)


def _polite(text: str) -> bool:
    polite = bool(
        _POLITE.search(text)
        or _POLITE_INSIDE.search(text)
        or _POLITE_KIND.search(text)
        or _CAN_IT_BE_DONE.search(text)
        or (
            ("tu " in text or " du" in text)  # (most texts say neither: no search)
            and _GIVEN_ASKED_SAID.search(text)
            and not _HOW_OR_HABIT.search(text)
        )
    )
    return polite and not _STOP_TALKING.search(text)


_GIVEN_ASKED_SAID = re.compile(rf"(?:^|[,;\u2014\u2013\u2026]\s*|\s)(?:{_GIVEN_ASKED})\b")
# how, when or how often a thing is done, asked ("tu l'ouvres comment, le garage ?", "schließt
# du abends immer die Haustür ab?", "tu l'annules ou pas ?"): a question, not a request
_HOW_OR_HABIT = re.compile(
    r"\b(?:comment|combien|quand|a quelle heure|pourquoi|ou|toujours|souvent|jamais|d'habitude|"
    r"ou pas|ou non|how|when|why|where|always|usually|often|ever|or not|wie|wann|warum|wo|"
    r"immer|eigentlich|oft|nachts|abends|morgens|normalerweise|gewohnlich|oder nicht|"
    r"como|cuando|por que|donde|siempre|normalmente|a menudo|o no|"
    # surprise, or only if ("tu l'annules vraiment ?", "schaltest du die Alarmanlage etwa
    # aus?", "machst du die Alarmanlage an, wenn wir gehen?")
    r"vraiment|encore|deja|really|still|already|again|wirklich|etwa|echt|schon|wieder|"
    r"de verdad|todavia|otra vez|ya|si|if|wenn|falls|lorsque|"
    # not, or one or the other ("tu l'annules pas, le yoga ?", "setzt du sie auf 20 oder 21?")
    r"pas|no|nicht|not|oder|or|ou|o|"
    # a time said, or joining in ("machst du das Verandalicht um sieben an?", "machst du das
    # Yoga heute mit?")
    r"um \d+|um (?:eins|zwei|drei|vier|funf|sechs|sieben|acht|neun|zehn|elf|zwolf)|at \d|"
    r"a \d+ ?h|a las|morgen|tomorrow|demain|manana|tonight|ce soir|esta noche|heute abend|mit|"
    r"dabei)\b"
)


# on the way to something ("we're all heading to the dentist now", "on va chez le véto",
# "vamos al veterinario", "wir gehen jetzt zum Zahnarzt"; not "al final no vamos al veterinario")
_ON_OUR_WAY = re.compile(
    r"\b(?:we'?re|i'?m|we are|i am)(?: all| both)? (?:going|heading|off|on (?:our|my) way) to\b|"
    r"\b(?:on va|je vais|nous allons|on part) (?:au|a la|chez|a l')|"
    r"(?<!\bno )\b(?:vamos|voy|nos vamos|me voy) (?:al|a la|a casa de)\b|"
    r"\b(?:wir gehen|ich gehe|wir fahren|ich fahre) (?:jetzt |gleich )?(?:zum|zur|ins)\b"
)
# a tag after a request ("cancel what I have on thursday, ok?", "anula lo del jueves, ¿vale?",
# "tu l'éteins, d'accord ?"): it asks for agreement, not about the state
_TAG = re.compile(
    # (not "right?", "oder?", "ja?": said after what is told, they ask whether it is so)
    r"[,\s]+¿?(?:ok|okay|alright|please|d'accord|stp|s'il te plait|tu veux(?: bien)?|"
    r"vous voulez(?: bien)?|veux-tu(?: bien)?|voulez-vous(?: bien)?|vale|quieres|eh|"
    r"porfa|por favor|bitte|gell|would you)\s*\?+\s*$"
)


# a request's verb first, past fillers ("oye, eh… anula lo que tengo el jueves")
_REQUEST_FIRST = re.compile(
    r"\W*(?:(?:oye|eh|euh|hey|ok|okay|so|bon|also|bueno|alors|ahm|uh|um|hum|hm+|erm|please|"
    r"bitte|stp)\W+)*"
    rf"{REQUEST_VERB_STEMS}\w*\b"
)
# the same after the thing said first, the verb taking it back as a pronoun ("eh… el suelo
# radiante del baño, bájalo a 22, ¿vale?", "la lumière du porche, éteins-la, veux-tu ?", "the
# heating, turn it down, ok?"; not "the front door, unlocked, yeah?", "le chauffage, baissé à
# 19, d'accord ?", "the porch light, leave it on, will you?")
_REQUEST_AFTER_TOPIC = re.compile(
    r"[,;\u2026]\s*(?!(?:leave|keep|laisse|garde|deja|lass|mant[ei]en)\w*\b)"
    rf"{REQUEST_VERB_STEMS}(?:\w*?)(?<!ed)(?:-?(?:le|la|les|lo|los|las|l')\b|"
    r"\s+(?:it|them|that|this|him|her|le|la|les|l'|lo|la|los|las|ihn|sie|es|das|den|die|"
    r"ihm|ihr)\b)"
)
_MOVE_VERB = re.compile(
    r"\b(?:move|push|shift|bring|reschedule|pas[ae]\w*|muev\w*|retras\w*|adelant\w*|cambi\w*|"
    r"decale\w*|deplace\w*|repousse\w*|avance\w*|reporte\w*|verschieb\w*|schieb\w*|"
    r"verleg\w*)\b"
)
_TAG_NOT_ASKED = re.compile(
    r"\b(?:not|don'?t|never|ne|pas|jamais|no|nunca|nicht|nie|niemals|kein\w*|ich|je|j'|yo)\b"
)
_TAG_KEEPS_ASKING = re.compile(
    r"\b(?:later|when|if|once|after|before|tomorrow|tonight|morning|midnight|sunset|at \d|"
    r"at (?:half|quarter|noon|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)|"
    r"o'?clock|"
    r"plus tard|quand|si|s'il|lorsque|apres|avant|demain|ce soir|matin|minuit|a \d+ ?h|a \d|"
    r"luego|despues|cuando|si|antes|manana|esta noche|medianoche|a las|"
    r"spater|nachher|wenn|falls|sobald|bevor|morgen|heute abend|mitternacht|um \d|"
    # (in a while, about, on a day, at dusk or bedtime, after something)
    r"in (?:an?|one|\d+|ten|five|twenty|half|\w+) \w+|dans|dentro de|en (?:media|una|un|\d)|"
    r"(?:in|dans|en|dentro de) (?:\w+ ){0,2}(?:minutes?|hours?|heures?|minutos?|horas?|minuten|"
    r"stunden?)|next week|la semaine prochaine|la semana que viene|la proxima semana|"
    r"nachste woche|tombee|nightfall|anochecer|dammerung|"
    r"around|about|vers|hacia|sobre las|gegen|dusk|dawn|bedtime|weekend|week-end|"
    r"fin de semana|wochenende|after|apres|despues|nach dem|nach der|"
    + "|".join(name for names in WEEKDAY_NAMES for name in names)
    + r")\b"
)
# what was done, not what to do ("the heating, set it to 22 yesterday, yeah?")
_TOLD_WHEN = re.compile(
    r"\b(?:yesterday|earlier|last night|already|this morning|hier|ce matin|deja|anoche|ayer|"
    r"esta manana|gestern|heute morgen|schon|vorhin)\b"
)


def _asked(text: str, lang: str) -> bool:
    """Whether ``text``, no polite request, asks (the rest of :func:`is_question_in`)."""
    if (
        text.endswith("?")
        and (tagged := _TAG.search(text)) is not None
        and tagged.start() > 0
        and (
            _REQUEST_FIRST.match(text)
            or (
                _REQUEST_AFTER_TOPIC.search(text, 0, tagged.start()) is not None
                and _TOLD_WHEN.search(text) is None
                # not asked later or if ("the garage, open it when sam gets home, ok?"; a time
                # a thing is moved to is its value: "the dentist, move it to friday, ok?")
                and (
                    _MOVE_VERB.search(text, 0, tagged.start()) is not None
                    or _TAG_KEEPS_ASKING.search(text, 0, tagged.start()) is None
                )
            )
        )
        # not asked not to, nor by the speaker ("die Heizung, dreh sie bloß nicht hoch, gell?",
        # "mach ich die Tür auf, gell?")
        and _TAG_NOT_ASKED.search(text, 0, tagged.start()) is None
    ):
        # ("the porch light, is it on, ok?", "¿has cerrado la puerta, vale?", "t'as allumé le
        # porche, ok ?" still ask: no request is said first)
        text = text[: tagged.start()]
    if text.endswith("?") or text.startswith("¿") or _WONDER.search(text):
        return True
    if _YES_NO.match(text):
        return True  # "läuft die Kaffeemaschine", "is the porch light on" without "?"
    if _ASKS_SAID.search(text) or _ASKED_LAST_SAID.search(text) or _STATE_SAID.search(text):
        return True
    pattern = _QUESTION_RE.get(lang, _QUESTION_RE["en"])
    return bool(pattern.search(text.lstrip("¿")))


def is_polite_request(u: Cleaned) -> bool:
    """ "can you …", "peux-tu …", "kannst du …": a request phrased as a question."""
    return _polite(u.folded.strip().lstrip("¿¡ "))


_ON_VALUES = frozenset({"on", "active"})
_OFF_WORD = (
    r"\b(?:off|aus|stop\w*|deactivate\w*|desactiv\w*|apag\w*|eteins|eteindre|arret\w*|"
    r"beend\w*|cancel\w*|annul\w*|cancela\w*|anula\w*|abbrech\w*)\b"
)
_CANCEL_SAID = re.compile(r"\b(?:cancel\w*|annul\w*|cancela\w*|anula\w*|abbrech\w*)\b")


@dataclass(frozen=True)
class _Terms:
    """What :meth:`GroundedExpert.rank` reads of one intent, in one language."""

    intent: IntentSpec
    cue: re.Pattern[str] | None  # its cue words, one pattern
    removes: bool  # its patch removes something
    kinds: frozenset[str]  # the kinds of item it acts on
    creates: bool  # it makes a new item ...
    collection: str | None  # ... of this collection
    only_on: bool = False  # it can only switch on or activate ("activate_scene")
    # the cue searched only where it can match (None: no cue)
    finder: Needled | None = None


@dataclass(frozen=True)
class Understanding:
    """What the expert made of an utterance (recorded as assumptions on the task)."""

    lang: Detected
    cleaned: Cleaned
    resolution: Resolution
    spelled: Cleaned | None = None  # with misspelt words replaced (used beside ``cleaned``)
    # whether a value of each kind is said, as found (intents of one kind share it)
    values_said: dict[str, bool] = field(default_factory=dict, init=False, compare=False)
    # what :func:`_read` found of a value in a variant (True: in ``cleaned``), as found: the
    # ranking reads every intent's value, the proposal the top intent's again
    readings: dict[tuple[str, bool], Any] = field(default_factory=dict, init=False, compare=False)

    @property
    def variants(self) -> list[Cleaned]:
        """The cleaned utterance, and its spelling-fixed form when that differs."""
        return [self.cleaned] if self.spelled is None else [self.cleaned, self.spelled]

    def reading(self, name: str, c: Cleaned) -> Any:
        """``_read(name, c)`` of ``c``, one of :attr:`variants`, read once (any other text:
        read, not remembered)."""
        if c is not self.cleaned and c is not self.spelled:
            return _read(name, c)
        key = (name, c is self.cleaned)
        if key in self.readings:
            return self.readings[key]
        found = self.readings[key] = _read(name, c)
        return found

    @cached_property
    def mood(self) -> tuple[bool, bool]:
        """Whether it asks (:func:`is_question_in`), and whether it is a polite request
        (:func:`is_polite_request`) that asks for nothing to be told, from one set of
        searches."""
        text = self.cleaned.folded.strip().lstrip("¿¡ ")
        polite = _polite(text)
        # (found in ``text`` as in the whole: what is stripped is no word, and no match
        # starts or ends with it)
        tell = bool(_TELL_ME_IF.search(text))
        asks = tell or (not polite and _asked(text, self.cleaned.lang))
        if asks and not tell and _THEN_ASKED.search(text):
            asks = False  # "did someone leave the back door open? lock it": asked at the end
        return asks, polite and not tell


class GroundedExpert:
    """Formation v2: state-grounded, multilingual intent recognition (see module docstring).

    ``fallback`` answers for projects without an inventory in their state.
    """

    def __init__(
        self,
        packs: Sequence[DomainPack],
        fallback: Any = None,
        *,
        encoder: Encoder | None = None,
        threshold: float = 0.28,
        semantic: Encoder | None = None,
        semantic_weight: float = 0.3,
    ) -> None:
        self.packs = list(packs)
        self.fallback = fallback
        self.encoder = encoder or HashingEncoder()
        self.threshold = threshold
        self.version = f"{GROUNDED_VERSION}/{self.encoder.version}"
        self._inventories: dict[str, tuple[int, Inventory, str]] = {}
        self._rows: list[tuple[str, IntentSpec]] = []  # (domain, intent) per example
        texts: list[str] = []
        for pack in self.packs:
            for intent in pack.intents:
                if not intent.grounded:
                    continue
                for example in intent.utterances:
                    for domain in pack.covers:
                        self._rows.append((domain, intent))
                        texts.append(_delex_example(example))
        self.encoder.fit(texts or [""])
        self._vecs = (
            VectorIndex.of(self.encoder, texts)
            if texts
            else VectorIndex(np.zeros((0, 1), dtype=np.float32))
        )
        self.semantic = semantic
        self.semantic_weight = semantic_weight
        self._domains = np.array([d for d, _ in self._rows])
        # each domain's examples, intent by intent: (intent, first row, end row)
        self._groups: dict[str, list[tuple[IntentSpec, int, int]]] = {}
        for i, (domain, intent) in enumerate(self._rows):
            runs = self._groups.setdefault(domain, [])
            if runs and runs[-1][0] is intent and runs[-1][2] == i:
                runs[-1] = (intent, runs[-1][1], i + 1)
            else:
                runs.append((intent, i, i + 1))
        self._offsets: dict[
            tuple[str, int], tuple[npt.NDArray[np.int64], dict[str, IntentSpec]]
        ] = {}
        self._terms: dict[
            tuple[str, int, str], tuple[npt.NDArray[np.int64], list[int], list[_Terms]]
        ] = {}
        for domain, runs in self._groups.items():  # reduceat needs one contiguous span
            if any(a[2] != b[1] for a, b in itertools.pairwise(runs)):
                raise ValueError(f"examples of domain {domain} are not contiguous")
            self._vecs.prepare((runs[0][1], runs[-1][2]))  # now, not on the domain's first event
        self._semantic_vecs: SpanIndex | None = None
        if semantic is not None and texts:
            plain = [_KIND_MARK.sub(r"\1", t) for t in texts]  # "xlight" → "light"
            spans = [(runs[0][1], runs[-1][2]) for runs in self._groups.values()]
            self._semantic_vecs = SpanIndex(semantic.encode(plain), spans)
        # ``encode([text])[0]``: WordLlama's own, without a batch of one (not a subclass's)
        self._semantic_one: Callable[[str], Matrix] | None = (
            semantic.encode_one if type(semantic) is WordLlamaEncoder else None
        )
        # one alternation per intent and language: a single search per intent and event
        self._cues: dict[str, dict[str, re.Pattern[str]]] = {}
        for pack in self.packs:
            for intent in pack.intents:
                if not intent.grounded:
                    continue
                common = intent.cues.get("any", [])
                per_lang = {
                    lang: [*common, *intent.cues.get(lang, [])] for lang in (*SUPPORTED, "any")
                }
                self._cues[intent.id] = {
                    lang: re.compile("|".join(f"(?:{c})" for c in cs))
                    for lang, cs in per_lang.items()
                    if cs
                }
        # the words the packs use per language, to fix misspelt request words ("apga" → "apaga")
        vocab: dict[str, set[str]] = {lang: set(_FUNCTION_WORDS[lang]) for lang in SUPPORTED}
        for pack in self.packs:
            for intent in pack.intents:
                for table in ({"en": intent.examples, **intent.phrases}, intent.extra_phrases):
                    for lang, examples in table.items():
                        for example in examples:
                            text = fold(re.sub(r"<\w+>", " ", example))
                            vocab.setdefault(lang, set()).update(re.findall(r"[a-z]+", text))
        # intents of the pack examples that act on no item of the state (schedule a release,
        # trigger a build): the ones the example expert may still form in a domain with state
        self._itemless = frozenset(
            i.id
            for p in self.packs
            for i in p.intents
            if not i.grounded
            and i.task_type == "stateful"
            and not set(i.required_slots) & _ITEM_SLOTS
        )
        self._spelling = {
            lang: Choices(sorted(w for w in ws if len(w) >= 4)) for lang, ws in vocab.items()
        }
        self._respelt: dict[tuple[str, str], str | None] = {}  # (lang, word) -> pack word
        self._spelling_set = {lang: frozenset(ws) for lang, ws in vocab.items()}
        self._pack_of = packs_by_domain(self.packs)
        self._grounded_packs = {id(p) for p in self.packs if any(i.grounded for i in p.intents)}
        # the proposal type lives with the former, which imports this module: imported here,
        # once, not by an import statement at each event
        from processors.former import Proposal, validate_patch

        self._former = (Proposal, validate_patch)

    def pack_for(self, domain: str | None) -> DomainPack | None:
        """The pack serving a domain."""
        return self._pack_of.get(domain) if domain is not None else None

    def observe(self, project_id: str, domain: str, version: int, state: Any) -> None:
        """Index a project's state (call when its SSOT version changes)."""
        current = self._inventories.get(project_id)
        if current is not None and current[0] == version:
            return
        pack = self.pack_for(domain)
        if pack is None or not pack.inventory:
            return
        inventory = Inventory.from_state(state, pack.inventory).keep_lookups(
            current[1] if current is not None else None
        )
        zone = state.get("timezone") if isinstance(state, dict) else None
        self._inventories[project_id] = (
            version,
            inventory,
            zone if isinstance(zone, str) else pack.timezone,
        )

    def inventory(self, project_id: str | None) -> Inventory | None:
        """The indexed inventory of a project, if its state has one."""
        found = self._inventories.get(project_id or "")
        return found[1] if found and len(found[1]) else None

    def understand(
        self,
        text: str,
        project_id: str | None,
        hint: str | None = None,
        *,
        language: Detected | None = None,
    ) -> Understanding:
        """Language (``language`` when the router recorded it), cleaned text and item
        mentions of ``text`` for a project."""
        lang = language or detect(text, hint=hint)
        cleaned = clean(text, lang.lang if lang.supported else "en")
        inventory = self.inventory(project_id)
        resolution = (
            inventory.resolve(_without_comparatives(cleaned.numeric)) if inventory else Resolution()
        )
        if (
            inventory is not None
            and resolution.kinds
            and not resolution.areas
            and not (resolution.best and resolution.best[0].score >= 0.85)
        ):
            # a kind of thing said and no place nor name of one ("lock the font door", "la
            # sale de bain"): a common word may be the one misheard or mistyped, when reading
            # it so names one thing clearly
            lenient = inventory.resolve(_without_comparatives(cleaned.numeric), lenient=True)
            best = lenient.best
            if (
                len(best) == 1
                and (best[0].score >= 0.85 or lenient.areas)
                and (not resolution.best or best[0].score > resolution.best[0].score)
            ):
                resolution = lenient
        if (
            inventory is not None
            and _POSSESSIVE_ROOM.search(cleaned.folded)
            and (owned := _owner_said(cleaned, inventory)) is not None
        ):
            # "Mira says her room is freezing", "Elio friert in seinem Zimmer": the room of the
            # one named before
            cleaned, resolution = owned, inventory.resolve(_without_comparatives(owned.numeric))
        if inventory is not None and (asked := asked_apart(cleaned.folded)) is not None:
            # "the garage is locked, unlock the front door": the request alone, when it names
            # its own thing and the rest another ("the kitchen is dark, turn on the light"
            # needs the kitchen)
            parts = _CLAUSE_END.split(cleaned.text)
            if len(parts) != len(_CLAUSE_END.split(cleaned.folded)):
                # (folding wrote "…" as "...": the clauses counted are the folded text's)
                parts = _CLAUSE_END.split(cleaned.folded)
            alone = clean(", ".join(parts[n].strip() for n in asked), cleaned.lang)
            told = clean(", ".join(p for n, p in enumerate(parts) if n not in asked), cleaned.lang)
            own = inventory.resolve(_without_comparatives(alone.numeric))
            # (or said whole, each of a kind several share: "the front door and the back door")
            mine = _named_items(own) or {
                m.item.id
                for m in own.best
                if m.item.role == "target"
                and (m.cover >= 0.99 or m.score >= 0.8)
                # (not "all the lights up there": the place may be the told clause's)
                and not (own.every or own.plural)
            }
            others = _named_items(inventory.resolve(told.numeric), at_least=0.8)
            if mine and others and mine.isdisjoint(others):
                cleaned, resolution = alone, own
        if (
            inventory is not None
            and _EMPTY_HOUSE.search(cleaned.folded) is not None
            and leaving_home(cleaned.folded)
        ):
            # the place said empty names its own things ("y aura personne au magasin"): only
            # what is named beside that is asked of
            rest = clean(_EMPTY_HOUSE.sub(" ", cleaned.folded), cleaned.lang)
            resolution = inventory.resolve(_without_comparatives(rest.numeric))
        spelled = self._spell(cleaned, inventory)
        return Understanding(lang, cleaned, resolution, None if spelled is cleaned else spelled)

    def _spell(self, cleaned: Cleaned, inventory: Inventory | None) -> Cleaned:
        """``cleaned`` with misspelt words replaced by the nearest word the packs use (the
        inventory's own names are left to its matcher)."""
        words = cleaned.folded.split()
        said = cleaned.text.split()
        said = said if len(said) == len(words) else words
        known = self._spelling_set.get(cleaned.lang, frozenset())
        changed = False
        for n, word in enumerate(words):
            if len(word) < 4:  # most words: too short to respell, stripped or not
                continue
            bare = word.strip("?,.!:;")
            if len(bare) < 4 or not bare.isalpha() or bare in known or bare in NOT_MISSPELT:
                continue
            if bare.endswith("ed") and (bare[:-2] in known or bare[:-1] in known):
                continue  # "disarmed", "locked": told done, no typo of "disarm"
            if (n and words[n - 1].strip("?,.!:;") in _AUXILIARIES.get(cleaned.lang, ())) or (
                said[n].rstrip("?,.!:;").endswith(("é", "ée", "és", "ées"))
            ):
                continue  # "sam a désactivé", "he desbloqueado": a participle, told done
            if inventory is not None and inventory.knows(bare):
                continue
            near = self._respelling(cleaned.lang, bare)
            if near is not None:
                words[n] = word.replace(bare, near)
                changed = True
        if not changed:
            return cleaned
        return replace(cleaned, folded=" ".join(words))

    def _respelling(self, lang: str, word: str) -> str | None:
        """The word of the packs (in ``lang``) that ``word`` misspells, if any."""
        key = (lang, word)
        if key in self._respelt:
            return self._respelt[key]
        choices = self._spelling.get(lang)
        near = choices.best(word, 82 if len(word) >= 6 else 85) if choices else None
        return remember(self._respelt, key, near[0] if near is not None else None)

    def propose(self, routed: RoutedEvent) -> Any:
        """A formation proposal for ``routed`` (a :class:`~processors.former.Proposal`).

        A voice event with n-best ``alternatives`` is formed from each hypothesis; the best
        formation (by its kind, its confidence and the recogniser's) wins and says which
        hypothesis it used.
        """
        event = routed.event
        if not event.alternatives:
            return self._propose_one(routed)
        hypotheses = [(event.text, event.asr_confidence or 1.0)]
        hypotheses += [(a.text, a.confidence) for a in event.alternatives]
        best: tuple[float, int, Any] | None = None
        for n, (text, confidence) in enumerate(hypotheses):
            variant = routed.model_copy(update={"event": event.model_copy(update={"text": text})})
            proposal = self._propose_one(variant)
            weight = _DECISION_WEIGHT.get(proposal.decision, 0.4)
            if proposal.decision == "stateful" and (proposal.patch_error or not proposal.patch):
                weight = 0.5
            score = weight * max(proposal.confidence, 0.05) * confidence
            if best is None or score > best[0] + 1e-9:
                best = (score, n, proposal)
        assert best is not None
        _, n, proposal = best
        text, confidence = hypotheses[n]
        note = (
            f"asr: formed from hypothesis {n} of {len(hypotheses)} "
            f"({text!r}, confidence {confidence:.2f})"
        )
        return replace(
            proposal,
            assumptions=[note, *proposal.assumptions],
            slots={**proposal.slots, "asr_hypothesis": str(n), "asr_text": text},
        )

    def _propose_one(self, routed: RoutedEvent) -> Any:
        Proposal, validate_patch = self._former

        def _unchanged(intent_id: str | None, lang: str, assumptions: list[str]) -> Any:
            """No task: the thing is left as it is (negated, taken back or kept as it is)."""
            return Proposal(
                decision="no_task",
                confidence=0.6,
                intent_id=intent_id,
                reply=reply_text("unchanged", lang),
                reason_code="negated_request",
                assumptions=assumptions,
            )

        pack = self.pack_for(routed.domain_id)
        inventory = self.inventory(routed.project_id)
        if pack is None or inventory is None or id(pack) not in self._grounded_packs:
            if self.fallback is None:
                return Proposal(
                    decision="ephemeral",
                    confidence=0.0,
                    steps=["ssot.read", "text.summarize"],
                    tools=["ssot"],
                )
            return replace(self.fallback.propose(_cleaned(routed)), expert=self.fallback.version)
        event = routed.event
        known = (
            Detected(routed.language, routed.language_confidence or 0.0)
            if routed.language is not None
            else None
        )
        u = self.understand(
            event.text, routed.project_id, event.metadata.get("lang"), language=known
        )
        lang = u.lang.lang if u.lang.supported else "en"
        ranked = self.rank(u, routed.domain_id or "", pack)
        notes = [f"language {u.lang.lang} ({u.lang.confidence:.2f})"]
        if u.cleaned.corrected:
            notes.append(f"self-correction understood as: {u.cleaned.text!r}")
        mentions = bool(u.resolution.matches or u.resolution.kinds)
        negation_checked = mentions and (
            not ranked or ranked[0][0].task_type == "stateful" or ranked[0][1] < self.threshold
        )
        if negation_checked and self._negated(u, ranked[0][0] if ranked else None):
            return _unchanged(
                ranked[0][0].id if ranked else None,
                lang,
                [*notes, "a negated or deferred request: nothing changes"],
            )
        if vented(u.cleaned.folded) or chatted(u.cleaned.folded) or _story(u):
            # "ich bin fix und fertig", "what a day for the hills": told, no ticket done
            return Proposal(
                decision="no_task",
                confidence=0.6,
                reply=reply_text(
                    "venting"
                    if vented(u.cleaned.folded)
                    else "night"
                    if off_to_bed(u.cleaned.folded)
                    else "chat"
                    if chatted(u.cleaned.folded)
                    else "told",  # a story, glad or sad: thanks for it, not "nice to hear"
                    lang,
                ),
                reason_code="smalltalk",
                assumptions=[*notes, "a remark or tiredness told, no request: nothing changes"],
            )
        praise = PRAISE.search(u.cleaned.folded)
        if (
            praise is not None
            # "schaut super aus, mach die Stehlampe heller": asked after the compliment
            and not (ranked and self._asked_after(ranked[0][0], u, praise.end()))
            and not (
                ranked
                # (the assistant praised: "bien hecho" is no reminder done)
                and praise.group("you") is None
                and self._cue_said(ranked[0][0], u)
                and (not ranked[0][0].value or self._has_value(ranked[0][0].value, u))
            )
            # ("qué apañada eres" exclaims too)
            and (
                not u.mood[0]
                or praise.group("you") is not None
                or _EXCLAIMED.match(u.cleaned.folded)
            )
        ):
            # "the new thermostat looks great", "die Stehlampe macht schönes Licht": said of
            # a thing, nothing asked of it ("¡qué bonito quedó!" exclaims, it does not ask)
            return Proposal(
                decision="no_task",
                confidence=0.6,
                reply=reply_text("praise", lang),
                reason_code="praise",
                assumptions=[*notes, "a compliment, no request: nothing changes"],
            )
        if (
            ranked
            and any(op.get("op") == "remove" for op in ranked[0][0].patch or [])
            and self._cue(ranked[0][0], u.cleaned.lang) is not None
            and not self._cue_said(ranked[0][0], u)
            and _ON_OUR_WAY.search(u.cleaned.folded)
        ):
            # "we're going to the dentist now": on the way to it, nothing removed
            ranked = [r for r in ranked if r[0] is not ranked[0][0]]
        if not ranked or ranked[0][1] < self.threshold:
            legacy = self._legacy(routed, notes)
            if legacy is not None:
                return legacy
            if u.mood[0]:
                return Proposal(
                    decision="ephemeral",
                    confidence=ranked[0][1] if ranked else 0.0,
                    steps=["ssot.read", "text.summarize"],
                    tools=["ssot"],
                    assumptions=[*notes, "no intent matched; read-only investigation"],
                )
            return Proposal(
                decision="clarification",
                confidence=ranked[0][1] if ranked else 0.0,
                reply=reply_text("unknown", lang),
                reason_code="no_intent",
                assumptions=notes,
            )
        intent, score = ranked[0]
        # the top intent's negation is checked once (above, when the utterance mentions items)
        if intent.task_type == "stateful" and not negation_checked and self._negated(u, intent):
            return _unchanged(
                intent.id, lang, [*notes, f"a negated or deferred {intent.id}: nothing changes"]
            )
        if (
            intent.task_type == "stateful"
            and (
                any(op.get("op") == "remove" for op in intent.patch or [])
                or intent.value in _CHANGES_NOT_REMINDED
            )
            and REMIND_ME.match(u.cleaned.folded)
        ):
            # "remind me to cancel the dentist", "rappelle-moi de fermer TL-42 vendredi": a
            # reminder of it, not the change itself
            return Proposal(
                decision="clarification",
                confidence=0.5,
                intent_id=intent.id,
                reply=reply_text("unknown", lang),
                reason_code="no_intent",
                assumptions=[*notes, "a reminder of a change asked for: the change is not made"],
            )
        parts, several = self._requests_of(intent, u, routed, pack, inventory)
        if several is not None:
            return Proposal(
                decision="clarification",
                confidence=0.6,
                intent_id=intent.id,
                reply=reply_text("one_at_a_time", lang),
                reason_code="several_requests",
                assumptions=[*notes, f"several requests: {', '.join(sorted(several))}"],
            )
        zone = self._inventories[routed.project_id or ""][2]
        if (
            intent.value in _ACTUATED
            or (intent.target is not None and "scene" in intent.target.kinds)
        ) and _later(
            u.cleaned.folded,
            # (a thermostat's "at 21" is its value; "at 6 to 21" says a time too)
            clock=(intent.value != "percent" and intent.value != "temperature")
            or _AT_AND_TO.search(u.cleaned.folded) is not None,
            evening_now=event.occurred_at.astimezone(ZoneInfo(zone)).hour >= 17,
        ):
            # "unlock the front door in an hour": done now, it would be done early (nothing
            # here runs a change at a later time)
            return Proposal(
                decision="clarification",
                confidence=0.6,
                intent_id=intent.id,
                reply=reply_text("later", lang),
                reason_code="deferred_request",
                assumptions=[*notes, f"{intent.id} asked for a later time: not done now"],
            )
        margin = score - (ranked[1][1] if len(ranked) > 1 else 0.0)
        confidence = round(min(1.0, 0.5 * score + 0.5 * min(1.0, margin * 2 + 0.4)), 4)
        notes.append(f"matched intent {intent.id} (score {score:.2f}, margin {margin:.2f})")
        targets, problem = self._targets(
            intent, u, inventory, lang, (event.occurred_at, zone), parts if len(parts) > 1 else ()
        )
        if (
            targets
            and problem is None
            and any(op.get("op") == "remove" for op in intent.patch or [])
            # "cancel the meeting tomorrow": the day says which
            and not (says_time(u.cleaned) and when(u.cleaned, event.occurred_at, zone))
            and (
                all(inventory.named_by_kind_only(u.cleaned.numeric, t.id) for t in targets)
                # nothing is removed on a faint likeness ("massenlöschen" is no "Mittagessen")
                or all(_faint(t.id, u.resolution) for t in targets)
                # nor on a shared word beside an unknown one ("the dance class": not yoga)
                or all(
                    not _named(t.id, u.resolution)
                    and inventory.named_beside_another(u.cleaned.numeric, t.id)
                    for t in targets
                )
            )
        ):
            # "sag den Termin ab", "annule mon rendez-vous": nothing is removed that was named
            # only by its kind ("appointment") when its own name says more ("physio appointment")
            what = kind_names(intent.target.kinds if intent.target else ["item"], lang)
            problem = ("missing_slot:target", reply_text("which_none", lang, what=what), [])
        if (
            len(targets) == 1
            and problem is None
            and not any(op.get("op") == "remove" for op in intent.patch or [])
            and targets[0].kind == "climate"
            # (one of its names said whole, whatever else the sentence names: "we're back,
            # turn the heating up" of a thermostat called "heating")
            and not any(m.cover >= 0.99 for m in u.resolution.matches if m.item.id == targets[0].id)
            and inventory.named_by_kind_only(u.cleaned.numeric, targets[0].id, within=_HEATING)
            and _others_of_its_kind(inventory, targets[0], u.resolution)
        ):
            # "turn the heating up a bit" where only the underfloor heating has "heating" in its
            # name, and radiators and a stove heat too: which one is not said
            what = kind_names(intent.target.kinds if intent.target else ["item"], lang)
            targets, problem = (
                [],
                ("missing_slot:target", reply_text("which_none", lang, what=what), []),
            )
        if problem is not None and problem[0] == "ambiguous_target" and "," in u.cleaned.numeric:
            # "dim the bedside lamp to 25 percent, I'm reading": the request's own clause names it
            head = u.cleaned.numeric.split(",", 1)[0]
            narrowed = replace(u, resolution=inventory.resolve(head))
            again = self._targets(intent, narrowed, inventory, lang, (event.occurred_at, zone))
            if again[0] and again[1] is None:
                targets, problem = again
        slots: dict[str, Any] = {"lang": lang}

        def ask(reply: str, code: str) -> Any:
            """A clarification of the matched intent: ``reply`` says what is missing."""
            return Proposal.read_only(
                intent,
                confidence,
                notes,
                decision="clarification",
                slots=slots,
                reply=reply,
                reason_code=code,
            )

        def missing(slot: str, item: str | None = None) -> Any:
            """A clarification that asks for the value ``slot`` (of ``item``), in the event's
            language: "Should I lock or unlock the front door?" for a choice of two."""
            if item is not None and f"choose_{slot}" in REPLIES:
                reply = reply_text(f"choose_{slot}", lang, item=_item_said(item, lang))
            else:
                for_item = reply_text("for_item", lang, item=item) if item is not None else ""
                reply = reply_text("missing", lang, slot=slot_name(slot, lang), for_item=for_item)
            return ask(reply, f"missing_slot:{slot}")

        if targets:
            slots["target"] = ",".join(t.id for t in targets)
            named = {m.item.id: m.score for m in u.resolution.matches}
            if all(named.get(t.id, 0.0) >= 0.9 for t in targets):
                slots["target_named"] = "yes"  # the project's own state names what to change
        if intent.task_type == "ephemeral":
            if problem is not None and self._asks_which(problem, u):
                # "who has the comments ticket?" with two of them: which one is asked about
                # (not "is the light on in the kitchen", "which bugs are open", "what have I
                # got tomorrow": the answer lists them)
                slots["candidates"] = ",".join(problem[2])
                return ask(problem[1], problem[0])
            return Proposal.read_only(intent, confidence, notes, slots=slots)
        if problem is not None and (
            # "the cellar door" in a home whose state knows three other doors: none of them;
            # "move tl-310 to in review" when the state lists no TL-310
            (
                problem[0] == "ambiguous_target"
                and inventory.unknown_descriptor(u.cleaned.numeric)
                and not _label_said(u.cleaned.folded, inventory, intent)[0]  # "das CI-Ticket"
            )
            or (problem[0] == "missing_slot:target" and ID_SAID.search(u.cleaned.numeric))
        ):
            what = kind_names(intent.target.kinds if intent.target else ["item"], lang)
            problem = ("missing_slot:target", reply_text("not_found", lang, what=what), [])
        if problem is not None and problem[0] == "missing_slot:target":
            # "plan version 2.9 for february": an intent of the pack that names no item; a name
            # the state does not have ("call off the haircut") is asked about instead
            legacy = self._legacy(routed, notes, require_patch=True)
            if legacy is not None and legacy.intent_id in self._itemless:
                return legacy
        if u.cleaned.kept and (problem is not None or intent.value not in _KEPT_VALUES):
            return _unchanged(intent.id, lang, [*notes, "kept as it is, nothing named to keep"])
        if problem is not None:
            code, text, candidates = problem
            if candidates:
                slots["candidates"] = ",".join(candidates)
            return ask(text, code)
        if (
            intent.target is not None
            and intent.target.create
            and _VAGUE.search(u.cleaned.folded)
            # not "… doesn't do anything"
            and len((u.reading("title", u.cleaned) or "").split()) <= 3
        ):
            return missing("title")
        zone = self._inventories[routed.project_id or ""][2]
        if (split := _left_out_split(u.cleaned)) is not None:
            # the value the request asks for all of them ("turn off all the lights but leave
            # the porch on": off; "alle Lichter sind an außer der Veranda, mach sie aus": aus)
            u = replace(u, cleaned=split[0], spelled=None)
        if u.cleaned.kept:
            # (the state the correction keeps, said last in English by language.clean)
            value = _KEPT_AS[intent.value or ""].get(u.cleaned.folded.rsplit(" ", 1)[-1])
            # "…, no wait, leave it on": only what is so already is written; a thing in
            # another state is left as it is too ("turn off all the lights, no, leave them on"
            # turns none on; "lock the door, no, leave it unlocked" unlocks no locked door)
            targets = [t for t in targets if _same_state(value, t.data.get("state"))]
            if not targets:
                return _unchanged(intent.id, lang, [*notes, "kept as it is"])
        else:
            value = self._value(intent, u, targets, event.occurred_at, zone, inventory)
            if value == "done" and merge_holds_open(fold(event.text)):
                value = None  # "a fix for 42 got merged, but not the whole thing": not done
        vague = (  # "remind me": a reminder of nothing, at no time
            value is None
            and intent.value_optional
            and intent.target is not None
            and intent.target.create
            and u.reading("title", u.cleaned) is None
        )
        if value is None and intent.value and (not intent.value_optional or vague):
            return missing(intent.value, targets[0].names[0] if targets else None)
        patch: list[dict[str, Any]] = []
        extra = _value_slots(value)
        new_id = _new_id(pack, intent, event.source_event_id)
        occurred_at = event.occurred_at.isoformat()
        # what a new item is about ("remind me to buy milk at six" → "buy milk"): the whole
        # utterance when nothing is left of it
        about = (
            subject(u.cleaned, event.text) or event.text
            if intent.target is not None and intent.target.create
            else event.text
        )
        try:
            for target in targets or [None]:
                fill = {
                    **extra,
                    "item": target.id if target else "",
                    "new_id": new_id,
                    "text": event.text,
                    "subject": about,
                    "occurred_at": occurred_at,
                }
                fill.update(_per_item(value, target))
                patch += render_patch(intent.patch or [], fill)
        except MissingSlot as exc:
            return missing(exc.slot)
        slots.update({k: v for k, v in extra.items() if isinstance(v, (str, int, float))})
        return Proposal.read_only(
            intent,
            confidence,
            notes,
            decision="stateful",
            slots=slots,
            patch=patch,
            patch_error=validate_patch(patch),
        )

    def _legacy(self, routed: RoutedEvent, notes: list[str], *, require_patch: bool = False) -> Any:
        """The pack-example expert's proposal when it forms a task (else None)."""
        if self.fallback is None:
            return None
        proposal = self.fallback.propose(_cleaned(routed))
        if proposal.intent_id is None or proposal.decision not in (
            "stateful",
            "ephemeral",
            "no_task",
        ):
            return None
        if require_patch and (
            proposal.decision != "stateful" or not proposal.patch or proposal.patch_error
        ):
            return None
        return replace(
            proposal,
            assumptions=[
                *notes,
                "not in the project's inventory: pack examples and slots",
                *proposal.assumptions,
            ],
        )

    # --- intents ------------------------------------------------------------------------
    def rank(
        self, u: Understanding, domain: str, pack: DomainPack
    ) -> list[tuple[IntentSpec, float]]:
        """The domain's grounded intents, best first, with their scores."""
        groups = self._groups.get(domain)
        if not groups:
            return []
        words = _delex(u)
        delexed = " ".join(words)
        query = query_of(self.encoder, delexed)
        span = (groups[0][1], groups[-1][2])  # the domain's own examples only
        sims = self._vecs.similarities(query, span)
        if self.semantic is not None and self._semantic_vecs is not None:
            # ``_KIND_MARK.sub(r"\1", delexed)`` word by word: no match spans a space
            plain = " ".join([_unmarked(w) if "x" in w else w for w in words])
            if self._semantic_one is not None:
                vec = self._semantic_one(plain)
            else:
                vec = self.semantic.encode([plain])[0]
            meaning = self._semantic_vecs.similarities(vec, span)
            sims = sims + self.semantic_weight * meaning
        offsets, slots, terms = self._domain_terms(domain, pack, u.cleaned.lang)
        # each intent's best example (none below 0): intents in the order of their first group
        best = [0.0] * len(terms)
        for n, top in zip(slots, np.maximum.reduceat(sims, offsets).tolist(), strict=True):
            if top > best[n]:
                best[n] = top
        question, polite = u.mood
        folded = u.cleaned.folded.strip()
        said_or_not = question and _OR_NOT_SAID.search(folded) is not None
        yes_no = question and (
            bool(_YES_NO.match(folded.lstrip("¿¡ ")))
            or said_or_not
            # "könnten Sie mir sagen, ob die Alarmanlage eingeschaltet ist": whether it is so
            or _TELL_ME_WHETHER.search(folded) is not None
        )
        # "alarm on?", "garage locked?": a state said back, short, asks whether it is so (and
        # "ferme le 63 ?" is asked back too: asking changes nothing, arming the alarm would)
        short_q = question and folded.endswith("?") and len(folded.split()) <= 4
        or_not = question and not polite and said_or_not
        res = u.resolution
        named_kinds = {m.item.kind for m in res.matches if m.score >= 0.85 or m.cover >= 0.99}
        said_kinds = set(res.kinds)
        if (
            "scene" in said_kinds
            and named_kinds - {"scene"}
            and not _SCENE_SAID.search(u.cleaned.folded)
        ):
            said_kinds.discard("scene")  # "the security system in night mode": a mode of it
        leaving = not named_kinds and leaving_home(u.cleaned.folded)
        if leaving:
            # "we're all off for the day", nothing else named: the house left empty (a faint
            # likeness is no thing asked of: "… jusqu'à ce soir" is no "ronde du soir")
            said_kinds = {"alarm"}
        mentioned = named_kinds | said_kinds
        kind_best: dict[str, float] = {}
        for m in () if leaving else res.matches:
            if m.item.kind and m.score > kind_best.get(m.item.kind, 0.0):
                kind_best[m.item.kind] = m.score
        tied = res.best
        # an item said by its whole name, alone at the top ("the lantern room dehumidifier")
        fully_named = (
            not leaving
            and bool(res.matches)
            and res.matches[0].named
            and res.matches[0].cover >= 0.99
            and res.matches[0].score >= 0.95
            and (len(res.matches) == 1 or res.matches[1].score <= res.matches[0].score - 0.3)
        )
        covered = any(m.cover >= 0.5 for m in tied)  # named, not only its area
        # (most of an item's name said: "I picked up the prescription", not only "Coco" of
        # "Coco's cage")
        half_said = any(m.named or m.cover > 0.5 for m in res.matches)
        by_name = any(m.named and m.item.kind for m in tied)
        existing = {m.item.collection for m in tied if m.named or m.score >= 0.85}
        said = u.cleaned.folded
        respelt = u.spelled.folded if u.spelled is not None else None
        off = any(t.only_on for t in terms) and self._said_off(u, terms)
        # "note un rendez-vous chez le notaire", "add an appointment": a new one of a kind
        # whose items are named alike, said with an indefinite article after the verb
        instead = _INSTEAD_SAID.search(said) is not None
        new = _A_NEW.match(said)
        new_said = new is not None
        # what follows "create a ticket" is its title: another intent's word there asks nothing
        # ("crée un ticket : impossible de renommer un projet")
        title_at = said.find(" ", new.end()) if new is not None else -1
        remember = _REMEMBER.search(said) is not None
        bare = (
            bool(tied)
            and tied[0].cover >= 0.99
            and tied[0].item.kind in ("light", "switch")
            and all(bare_mention(v) for v in u.variants)
        )
        scored: list[tuple[IntentSpec, float]] = []
        for t, sim in zip(terms, best, strict=True):
            intent, cue, kinds = t.intent, t.cue, t.kinds
            s = 0.6 * sim
            finder = t.finder
            found = finder.search(said) if finder is not None else None
            in_title = 0 < title_at < (found.start() if found is not None else -1)
            if in_title and not t.creates:
                found = None
            if found is not None or (
                finder is not None
                and respelt is not None
                and not (title_at > 0 and not t.creates)
                and finder.search(respelt)
            ):
                s += 0.3
                if found is not None and found.start() == 0:
                    s += 0.1  # "crea un ticket: la app se cierra …": the verb said first
            elif cue is not None and t.removes:
                s -= 0.2  # nothing is removed unless a word of removing is said
            elif _completes(intent) and intent.value != "status" and not half_said:
                # "Coco just said 'bon dia' to the postman": a name said, no word of doing
                # and no chore of it said, is nothing told done
                s -= 0.3
            elif intent.cue_required:
                s -= 0.5

            if (
                intent.target is not None
                and intent.target.collection == "/events"
                and intent.id != "remind_event"
                and remember
            ):
                # "don't forget yoga tonight", "denk an den Zahnarzt am Freitag": an event to
                # keep in mind is not moved, called off or made again
                s -= 0.5
            if kinds and not mentioned.isdisjoint(kinds):
                s += 0.25
            elif kinds:
                fit = max((kind_best.get(k, 0.0) for k in kinds), default=0.0) if kind_best else 0.0
                if fit < 0.85 and fully_named:
                    # "mach den Entfeuchter im Laternenraum aus": a thing said by its whole
                    # name, of another kind; a light of the room it names is no fit
                    fit = 0.0
                if intent.cue_required and fit < 0.6:
                    s -= 0.3  # "remind me about the washing": no event of the calendar named
                if fit >= 0.6:
                    s += 0.25 * min(1.0, (fit - 0.5) / 0.35)
                elif covered and not t.creates:
                    s -= 0.2
                    if by_name:
                        s -= 0.15  # "mach mal die Kaffeemaschine an": by its name, not a light
            if intent.value:
                if self._has_value(intent.value, u):
                    s += 0.15
                elif not intent.value_optional and intent.task_type == "stateful":
                    s -= 0.1  # it could not be done as said: another reading may fit better
            if intent.task_type == "ephemeral":
                s += 0.25 if question else -0.1
            elif question and not polite:
                # "is the alarm on", "est-ce que la porte est fermée": whether it is so
                s -= 0.7 if yes_no or short_q else 0.45
                if or_not:
                    s -= 0.3  # "alarm on or not": nothing asks more plainly whether
            if t.creates and t.collection in existing and not new_said:
                s -= 0.3  # it names an existing item: not a new one
                if instead:
                    s -= 0.3  # "book the dentist for friday instead": the one there is, moved
            if t.creates and question and not polite:
                s -= 0.3  # "welche Erinnerungen hab ich heute": asking makes nothing new
            if off and t.only_on:
                s -= 0.5
            if bare and intent.value == "switch":
                s += 0.3  # "lumière de la cuisine stp": on or off, not a brightness or colour
            elif bare and intent.value and intent.task_type == "stateful":
                s -= 0.2
            scored.append((intent, round(s, 4)))
        scored.sort(key=lambda t: (-t[1], t[0].id))
        return scored

    @staticmethod
    def _said_off(u: Understanding, terms: list[_Terms]) -> bool:
        """Whether the clause that names an item of an intent that can only switch on says
        off: "turn off the movie night" (not "we're off to bed, could you do the good night
        routine")."""
        if switch(u.cleaned) != "off" and _CANCEL_SAID.search(u.cleaned.folded) is None:
            return False  # (a scene called off is no scene started: "cancel movie night")
        kinds = {k for t in terms if t.only_on for k in t.kinds}
        names = [
            fold(n) for m in u.resolution.matches if m.item.kind in kinds for n in m.item.names
        ]
        folded = u.cleaned.folded
        for name in names:
            # "turn off (the) movie night", "movie night off": not "turn off everything for
            # movie night"
            said = re.escape(name)
            if re.search(
                rf"{_OFF_WORD}\W+(?:\w+\W+)?{said}\b|\b{said}\W+(?:\w+\W+)?{_OFF_WORD}", folded
            ):
                return True
        return False

    def _domain_terms(
        self, domain: str, pack: DomainPack, lang: str
    ) -> tuple[npt.NDArray[np.int64], list[int], list[_Terms]]:
        """Where each intent's examples start within the domain's span, which intent each
        run of examples is of, and what :meth:`rank` reads of those intents in ``lang``,
        worked out once per domain and language."""
        key = (domain, id(pack), lang)
        found = self._terms.get(key)
        if found is None:
            offsets, intents = self._group_offsets(domain, pack)
            order = {intent_id: n for n, intent_id in enumerate(intents)}
            slots = [order[intent.id] for intent, _, _ in self._groups[domain]]
            terms = [
                _Terms(
                    intent=intent,
                    cue=cue,
                    removes=any(op.get("op") == "remove" for op in intent.patch or []),
                    kinds=frozenset(intent.target.kinds) if intent.target else frozenset(),
                    creates=bool(intent.target and intent.target.create),
                    collection=intent.target.collection if intent.target else None,
                    only_on=not intent.value
                    and any(op.get("value") in _ON_VALUES for op in intent.patch or []),
                    finder=Needled(cue) if cue is not None else None,
                )
                for intent in intents.values()
                for cue in [self._cue(intent, lang)]
            ]
            found = self._terms[key] = (offsets, slots, terms)
        return found

    def _group_offsets(
        self, domain: str, pack: DomainPack
    ) -> tuple[npt.NDArray[np.int64], dict[str, IntentSpec]]:
        """Where each intent's examples start within the domain's span, and the domain's
        grounded intents by id (the first of an id), worked out once per domain."""
        key = (domain, id(pack))
        found = self._offsets.get(key)
        if found is None:
            groups = self._groups[domain]
            starts = np.fromiter((g[1] for g in groups), dtype=np.int64, count=len(groups))
            intents: dict[str, IntentSpec] = {}
            for intent, _, _ in groups:
                intents.setdefault(intent.id, intent)
            for intent in pack.intents:
                if intent.grounded:
                    intents.setdefault(intent.id, intent)
            found = self._offsets[key] = (starts - groups[0][1], intents)
        return found

    def _asked_after(self, intent: IntentSpec, u: Understanding, at: int) -> bool:
        """Whether a clause after ``at`` asks for ``intent`` by itself: its cue or the value
        it needs ("schaut super aus, mach die Stehlampe heller", "…, ouvre la porte du
        garage"; not "il est vraiment beau, le nouveau thermostat", the thing praised)."""
        after = u.cleaned.folded[at:]
        cut = re.search(r"[,;.!?]", after)  # the next clause ("… so cosy with the lights on")
        rest = after[cut.end() :].strip(" ,;.!?") if cut else ""
        if len(rest.split()) < 2 or rest.split()[0] in _ARTICLES | _ALONG:
            return False
        cue = self._cue(intent, u.cleaned.lang)
        if cue is not None and cue.search(rest):
            return True
        return self._value_in_part(intent, u, rest)

    def _cue(self, intent: IntentSpec, lang: str) -> re.Pattern[str] | None:
        """The intent's cues in ``lang`` (or in any language), as one pattern."""
        compiled = self._cues.get(intent.id, {})
        return compiled.get(lang) or compiled.get("any")

    def _value_in_part(self, intent: IntentSpec, u: Understanding, part: str) -> bool:
        """Whether ``part`` of the utterance says, by itself, the value ``intent`` needs."""
        alone = replace(u, cleaned=clean(part, u.cleaned.lang), spelled=None)
        return intent.value is not None and self._has_value(intent.value, alone)

    def _cue_said(self, intent: IntentSpec, u: Understanding) -> bool:
        """Whether one of the intent's cues is said (a request's own verb)."""
        cue = self._cue(intent, u.cleaned.lang)
        return cue is not None and any(cue.search(v.folded) for v in u.variants)

    def _negated(self, u: Understanding, intent: IntentSpec | None) -> bool:
        """Whether the request is negated or deferred ("don't lock it", "no subas la
        calefacción"): in its main clause (not "…, the timezone is still not right"; not "take
        marco off and leave it unassigned"), and not asked again after it ("on n'ira pas au
        déjeuner, supprime-le")."""
        text = u.cleaned.folded
        if already_done(text):
            return True  # "I was going to ask you to lock it, but Sam already did"
        if _REPORTED_DONE.match(text) and not (intent is not None and _completes(intent)):
            return True  # told it is done: nothing to do (unless marking it done is the task)
        if (
            intent is not None
            and (_completes(intent) or not _OPENS_ASKING.match(text))
            and denied_done(u.cleaned)
        ):
            # "Marco hasn't fixed TL-42 yet": told it is not, nothing to close ("Marco didn't
            # fix TL-42" assigns it to nobody either)
            return True
        if intent is None or _completes(intent):
            text = _without_denied_in_main(text)
        if _TAKE_BACK_SAID.may_match(text) and _RETRACTED.search(text):
            return True  # "cancel the piano lesson... no, never mind"
        if _NOTHING_YET.search(text):
            return True  # "…, don't close anything yet", "ne ferme rien", "no cierres nada"
        first, *after = _CLAUSE.split(text, maxsplit=1)
        if _ALMOST_DONE.search(first) and not (after and _REQUEST_FIRST.match(after[0].strip())):
            return True  # "ich bin gleich fertig mit TL-42" (not "almost done, lock the door")
        main, *rest = _CLAUSE.split(_INTERJECTED.sub("", text), maxsplit=1)
        if _ASKS_ANYWAY.search(text):
            return False
        if (
            rest
            and intent is not None
            and intent.target is not None
            and _CONTRAST.search(rest[0])
            and NEGATED.search(rest[0])
            # (not "lock the front door, but don't lock the garage": the first is asked)
            and not _REQUEST_FIRST.match(main)
            and any(
                w in KIND_WORDS.get(k, ())
                for k in intent.target.kinds
                for w in re.findall(r"\w+", rest[0])
            )
        ):
            # "wir gehen alle, mach aber die Alarmanlage nicht an": its kind of thing, said
            # not to be done after a "but"
            return True
        if not NEGATED.search(main):
            if rest and intent is not None and NEGATED.search(rest[0]):
                # "yoga tomorrow - don't cancel it", "das Verandalicht, bitte nicht
                # ausschalten": the item first, then its verb, negated
                cue = self._cue(intent, u.cleaned.lang)
                if cue is not None and cue.search(main):
                    return False
                said = _CLAUSE.split(rest[0], maxsplit=1)[0]
                # the item alone, then a negated clause that asks for the change (its verb or
                # its value); the verb's own words are no negation ("le véto, on n'y va plus"
                # is how a cancellation is said)
                verb = cue is not None and bool(cue.search(said))
                if cue is not None:
                    said = cue.sub(
                        lambda m: " " if NEGATED.search(m.group(0)) else m.group(0), said
                    )
                value = self._value_in_part(intent, u, said)
                return (
                    len(main.split()) <= 4 and (verb or value) and bool(_OPENS_NEGATED.match(said))
                )
            return False
        if rest and intent is not None:
            cue = self._cue(intent, u.cleaned.lang)
            if (
                cue is not None
                and cue.search(rest[0])
                and not NEGATED.search(rest[0])
                # not a reason said after it: "don't turn off the porch light, it's dark"
                and not _IT_IS.match(rest[0])
            ):
                return False  # asked for in the next clause
        return True

    @staticmethod
    def _labels(inventory: Inventory | None) -> frozenset[str]:
        """The labels the project's items already carry."""
        return inventory.labels if inventory is not None else frozenset()

    @staticmethod
    def _has_value(name: str, u: Understanding) -> bool:
        said = u.values_said.get(name)
        if said is None:
            if name == "reminder" and "when" in u.values_said:
                # a reminder's time is a time said or one before the event: the first is
                # known already
                said = u.values_said["when"] or any(before(v) is not None for v in u.variants)
            else:
                said = GroundedExpert._value_said(name, u)
            u.values_said[name] = said
        return said

    @staticmethod
    def _value_said(name: str, u: Understanding) -> bool:
        """Whether a value of kind ``name`` is said, in either variant."""
        if name == "person":
            folded = u.cleaned.folded
            if _UNASSIGN.search(folded):
                return True
            # "Marco cerró el 63": who did it, said first, is no one it is given to (but
            # "sofia prend le ticket dark mode" is given to her)
            done = DONE_SAID.search(folded) is not None and not GIVING.search(folded)
            return any(not (done and _said_first(m.item, folded)) for m in u.resolution.values)
        if name == "when":
            return any(says_time(v) and when(v, _SOME_TIME, "UTC") is not None for v in u.variants)
        if name == "reminder":
            return any(
                before(v) is not None or when(v, _SOME_TIME, "UTC") is not None for v in u.variants
            )
        return any(u.reading(name, v) is not None for v in u.variants)

    def candidates(self, routed: RoutedEvent, limit: int = 5) -> list[dict[str, Any]]:
        """The items of the project's state the event may name, best first, as plain data
        (for a model-backed reviewer's prompt)."""
        inventory = self.inventory(routed.project_id)
        if inventory is None:
            return []
        text = clean(routed.event.text, routed.language or detect(routed.event.text).lang).numeric
        out = []
        for m in inventory.resolve(text).matches[:limit]:
            state = m.item.data
            out.append(
                {
                    "id": m.item.id,
                    "name": m.item.names[0] if m.item.names else m.item.id,
                    "path": m.item.path,
                    "score": m.score,
                    "state": state,
                }
            )
        return out

    def names_item(
        self,
        text: str,
        project_id: str | None,
        lang: str | None = None,
        *,
        floor: float = 0.9,
        whole: bool = False,
    ) -> bool:
        """Whether ``text`` names an item of the project's inventory (scoring ``floor`` or
        more: 0.9 by its name; 0.7 a part of it, "the yoga", "le cours"); with ``whole``, one
        of its names said in full ("the compressor's been running", not "weg" of "Weg")."""
        inventory = self.inventory(project_id)
        if inventory is None:
            return False
        code = lang if lang in SUPPORTED else detect(text).lang
        best = inventory.resolve(clean(text, code if code in SUPPORTED else "en").numeric).best
        return bool(best) and best[0].score >= floor and (not whole or best[0].cover >= 0.99)

    # --- targets ------------------------------------------------------------------------
    def _targets(
        self,
        intent: IntentSpec,
        u: Understanding,
        inventory: Inventory,
        lang: str,
        when_said: tuple[datetime, str] | None = None,
        parts: Sequence[Understanding] = (),
    ) -> tuple[list[Any], tuple[str, str, list[str]] | None]:
        """The items the request acts on, or why none: those of each of its ``parts`` (the
        same request said twice), all of them but the ones it leaves out ("turn off all the
        lights except the hallway", "mach alle Lichter aus außer im Flur"), else
        :meth:`_named_targets`."""
        if parts:
            union: list[Any] = []
            for part in parts:
                found, problem = self._named_targets(intent, part, inventory, lang, when_said)
                if problem is not None:
                    return found, problem
                union += [t for t in found if t not in union]
            return union, None
        split = _left_out_split(u.cleaned)
        if split is None:
            targets, problem = self._named_targets(intent, u, inventory, lang, when_said)
            shared, phrase = _label_said(u.cleaned.folded, inventory, intent)
            if len(shared) > 1 and (
                problem is not None
                or not targets
                or (
                    len(targets) == 1
                    and targets[0] in shared
                    # the other words said pick it ("the ci ticket for the arm build")
                    and not _named_without(u.cleaned.folded, phrase, targets[0], shared, inventory)
                )
            ):
                # "put the menu ticket in review", "das Gutschein-Ticket": the label a pair
                # of tickets shares names neither of them
                names = [it.names[0] if it.names else it.id for it in shared[:4]]
                options = ", ".join(names[:-1]) + reply_text("or", lang) + names[-1]
                which = reply_text("which", lang, options=options)
                return [], ("ambiguous_target", which, [it.id for it in shared[:4]])
            if targets and problem is None and _left_out_only(u.cleaned.folded, targets, inventory):
                # "lock up except the garage": what is left out is all that is named
                return [], ("missing_slot:target", reply_text("left_out", lang), [])
            if _completes(intent) and (denied := denied_parts(u.cleaned.folded)):
                # "Marco fixed TL-42 and TL-94 is not fixed yet": not TL-94
                return self._without_denied(denied, targets, problem, inventory)
            if (
                problem is None
                and len(targets) == 1
                and _not_mine_to_act_on(targets[0], u, when_said)
            ):
                # "move my appointment to 3" when the one appointment is "Sacha's orthodontist
                # appointment": asked, not moved
                name = targets[0].names[0] if targets[0].names else targets[0].id
                return [], ("ambiguous_target", reply_text("which", lang, options=name), [])
            return targets, problem
        rest, left_out = split
        # one thing said not to be done beside the one to do, with no "all" ("… but not …")
        said_not = (ex := _left_out(u.cleaned.folded)) is not None and ex.group("not") is not None
        whole = replace(u, cleaned=rest, spelled=None, resolution=inventory.resolve(rest.numeric))
        targets, problem = self._named_targets(intent, whole, inventory, lang, when_said)
        if problem is not None or not targets:
            return targets, problem
        ids: set[str] = set()
        areas: set[str] = set()
        for piece in _EACH_LEFT_OUT.split(left_out):
            out = inventory.resolve(piece)
            named = {m.item.id for m in out.best if m.score >= 0.6}
            if _ONLY.search(piece):
                return self._named_targets(intent, u, inventory, lang, when_said)
            full = {m.item.id for m in out.best if m.named and m.score >= 0.99}
            if full:
                ids |= full  # "except the garden path lights": that one, by its name
            elif out.areas and (KIND_VOCAB.isdisjoint(piece.split()) or out.plural):
                # "except in the kitchen", "except the kitchen lights": what is there
                areas |= set(out.areas)
            elif named:
                ids |= named  # "except the garden path lights": those, not the garden's
            elif out.areas:
                areas |= set(out.areas)  # "außer im Flur": what is there
            elif piece.strip() and not said_not:
                # what to leave out is not known: doing all would do it too
                return [], ("missing_slot:target", reply_text("left_out", lang), [])
        kept = [t for t in targets if t.id not in ids and t.area not in areas]
        if not kept and said_not:
            # "turn off the porch light but not the one in the garden": what is left out is
            # another than the one named, whatever place they share
            return targets, None
        return kept, None if kept else ("missing_slot:target", reply_text("left_out", lang), [])

    @staticmethod
    def _asks_which(problem: tuple[str, str, list[str]], u: Understanding) -> bool:
        """Whether a question names one item by words two or three items share ("the
        comments ticket", "Fridas Klassenarbeit"): not a place, a kind, a time or a list."""
        res = u.resolution
        if (
            problem[0] != "ambiguous_target"
            or not 2 <= len(problem[2]) <= 3
            or res.areas
            or res.every
            or res.plural
            or names_time(u.cleaned)
        ):
            return False
        best = {m.item.id: m for m in res.matches}
        found = [best[c] for c in problem[2] if c in best]
        scores = [m.score for m in found]
        return (
            len(found) == len(problem[2])
            and min(scores) >= 0.6
            # named by more than their kind ("la puerta": any door)
            and not any(_by_kind_word(m.item, u, KIND_WORDS) for m in found)
        )

    @staticmethod
    def _without_denied(
        parts: list[str],
        targets: list[Any],
        problem: tuple[str, str, list[str]] | None,
        inventory: Inventory,
    ) -> tuple[list[Any], tuple[str, str, list[str]] | None]:
        """``targets`` (or the candidates of an ambiguity) without the items named in
        ``parts``, which say they are not done."""
        denied: set[str] = set()
        for part in parts:
            best = inventory.resolve(part).best
            denied |= {m.item.id for m in best if m.named and m.score >= 0.99}
        if problem is None:
            kept = [t for t in targets if t.id not in denied]
            return (kept, None) if kept else (targets, problem)
        candidates = [c for c in problem[2] if c not in denied]
        if problem[0] == "ambiguous_target" and len(candidates) == 1:
            return [inventory.get(candidates[0])], None
        return targets, problem

    def _requests_of(
        self,
        intent: IntentSpec,
        u: Understanding,
        routed: RoutedEvent,
        pack: DomainPack,
        inventory: Inventory | None,
    ) -> tuple[list[Understanding], set[str] | None]:
        """The requests the utterance makes with ``intent`` (``[u]``, or each part of the
        same request said twice: "turn on the porch light and turn on the path lights"), and
        the intents asked when it makes several that one task cannot do (else None): two
        requests of their own ("turn off the kitchen light and lock the front door"), or a
        new time or person for each item ("move the dentist to friday and yoga to monday")."""
        creates = intent.target is not None and intent.target.create
        # (a new item's title may say "and": "a ticket to fix login and add tests")
        # (a merge told not over is read whole: "a fix for 42 got merged, but not all of it")
        whole = creates or intent.value in _WHOLE_VALUES or merge_not_over(u.cleaned.folded)
        said = [u.cleaned.folded] if whole else _requests(u.cleaned.folded)
        if len(said) < 2:
            several = (
                not whole
                and intent.value is not None
                and self._two_new(u.cleaned.folded, inventory, intent)
            )
            return [u], {intent.id} if several else None
        parts = [self.understand(part, routed.project_id, language=u.lang) for part in said]
        intents = {
            ranked[0][0].id
            for part in parts
            if (ranked := self.rank(part, routed.domain_id or "", pack))
        }
        values = {repr(_read(intent.value, part.cleaned)) for part in parts if intent.value}
        if (
            len(intents) >= 2
            or len(values) >= 2
            # a value read whole, or one per item: each part's own is not known here
            or (intent.value is not None and intent.value not in _READ_PER_PART)
            or _left_out_split(u.cleaned) is not None
        ):
            return parts, intents
        return parts, None

    @staticmethod
    def _two_new(folded: str, inventory: Inventory | None, intent: IntentSpec) -> bool:
        """Whether a request gives two items a new value each ("move the dentist to friday
        and yoga to monday", "set the kitchen light to 30% and the bedroom lamp to 50%"; not
        "move the dentist to friday and change the time to 4pm": one item)."""
        m = _TWO_NEW.search(folded)
        if m is None or inventory is None or intent.target is None:
            return False
        other = inventory.resolve(m.group("other"))
        return any(
            x.score >= 0.6 and x.item.collection == intent.target.collection for x in other.best
        )

    def _named_targets(
        self,
        intent: IntentSpec,
        u: Understanding,
        inventory: Inventory,
        lang: str,
        when_said: tuple[datetime, str] | None = None,
    ) -> tuple[list[Any], tuple[str, str, list[str]] | None]:
        spec = intent.target
        if spec is None or spec.create:
            return [], None
        res = u.resolution
        kinds = set(spec.kinds)
        matches = [
            m
            for m in res.matches
            if m.item.collection == spec.collection and (not kinds or m.item.kind in kinds)
        ]
        others = [m.item for m in res.matches if m.item.kind not in kinds and m.score >= 0.5]
        if not matches and others:
            # "move the kafka one to sprint 49": without the words that name the sprint, what
            # is left names the ticket
            res = inventory.resolve(_without_names(u.cleaned.numeric, others))
            matches = [
                m
                for m in res.matches
                if m.item.collection == spec.collection and (not kinds or m.item.kind in kinds)
            ]
            res = replace(u.resolution, matches=matches) if matches else u.resolution
        if not matches and intent.value == "label" and _LABEL_SAID.may_match(u.cleaned.folded):
            # "gib dem Sentry-Umzug das Label backend": the word that asks for a label names
            # no ticket, though a title may say it ("screen-reader labels")
            again = inventory.resolve(_LABEL_KEYWORD.sub(" ", u.cleaned.numeric))
            matches = [
                m
                for m in again.matches
                if m.item.collection == spec.collection and (not kinds or m.item.kind in kinds)
            ]
            res = replace(u.resolution, matches=matches) if matches else u.resolution
        named_full = [m for m in matches if m.named and m.score >= 0.99]
        # said of the request itself, not of a reason after it ("turn off the porch light,
        # there's nobody in the house")
        whole_home = bool(_WHOLE_HOME.search(_CLAUSE.split(u.cleaned.folded, maxsplit=1)[0]))
        if len(matches) >= 2 and _AND.search(u.cleaned.numeric):
            # "cancel yoga and the team lunch": each part names an item of its own by name
            each = _each_named(u.cleaned.numeric, inventory, spec.collection, kinds, strict=True)
            if len(each) >= 2:
                return each, None
            head, *rest = _AND.split(u.cleaned.numeric)
            first = _each_named(head, inventory, spec.collection, kinds, strict=True)
            if len(first) == 1 and any(_each_named_lead(r) for r in rest):
                # "cancel yoga and tell sam the team lunch is on": the request's own item
                return first, None
        if (
            len(named_full) == 1
            and not res.every
            and not whole_home
            # "les lampes du jardin" is one item's name; "les lumières de la cuisine" is every
            # light there when the item's own names are singular ("lumière de la cuisine")
            and not (
                res.plural and res.areas and spec.area_ok and not plural_name(named_full[0].item)
            )
        ):
            return [named_full[0].item], None
        if (
            res.plural
            and matches
            and matches[0].cover >= 0.95
            and plural_name(matches[0].item)
            and not res.every
            and all(m.cover < matches[0].cover for m in matches[1:])
        ):
            return [matches[0].item], None  # "las luces del camino del jardín": one item's name
        if res.plural and res.areas and spec.area_ok and not whole_home:
            items = [it for a in res.areas for it in inventory.area_items(a, sorted(kinds))]
            if items:
                return items, None
        if (
            (not res.areas or whole_home)  # "en todas las habitaciones" is no bedroom
            and spec.area_ok
            and kinds
            and ((res.every and _all_of(u.cleaned.folded, kinds)) or whole_home)
            # "all the lights in the den", "toutes les lumières de la véranda": a place said,
            # and not the whole home: only what is there (or a question, if nothing is);
            # "todas las puertas, también la del garaje" adds one, it does not narrow
            and (
                bool(_ALSO.search(u.cleaned.folded))
                or all(
                    home_scope(w) or w in ("fois", "vez")  # "à la fois", "a la vez"
                    for found in _PLACES.findall(u.cleaned.folded)
                    for w in found
                    if w
                )
            )
        ):
            # "lock all the doors", "alle Türen abschließen": every one of them in the state
            items = [
                it
                for it in inventory.items
                if it.collection == spec.collection and it.kind in kinds and it.role == "target"
            ]
            if items and when_said and any("start" in it.data for it in items):
                # "cancel all my appointments tomorrow": every one of them then
                at = _at_time(items, u, *when_said)
                day, hour = reference(u.cleaned, *when_said)
                week = week_of(u.cleaned, *when_said)
                items = at if at or day is not None or hour is not None or week else items
            if items:
                return items, None
        if not matches and kinds and _BOTH.search(u.cleaned.folded) and set(res.kinds) & kinds:
            # "hak beide Erinnerungen ab": the two of that kind
            pair = [
                it
                for it in inventory.items
                if it.collection == spec.collection and it.kind in kinds and it.role == "target"
            ]
            if len(pair) == 2:
                return pair, None
        if not matches and res.areas and kinds:
            # "too dark in the study": the intent says which kind of thing in the area
            items = [it for a in res.areas for it in inventory.area_items(a, sorted(kinds))]
            if len(items) == 1 or (items and res.plural):
                return items, None
            matches = [Match(it, 0.75, False) for it in items]
        table = inventory.collection(spec.collection)
        timed = table.items
        if when_said and table.timed:
            # "my three o'clock on thursday": an event named by its time
            # one event named (in part: "the piano on Saturday") keeps its name over its day
            pool = (
                [m.item for m in matches]
                if len(matches) > 1 or (matches and matches[0].score >= 0.7)
                else timed
            )
            by_name = any(m.named for m in matches)
            picked = _at_time(pool, u, *when_said) if not by_name else []
            alike = [m.item for m in matches if m.named and m.score >= matches[0].score - 0.02]
            if (
                by_name
                and len(alike) > 1
                # (not "… on the 9th and the 2nd"; a day left out is read as none)
                and not _AND.search(u.cleaned.folded)
            ):
                # "cancel the choir rehearsal on wednesday the 9th": of the events of that
                # name, the one then
                picked = _at_time(alike, u, *when_said)
            if (
                not picked
                and not by_name
                and pool is not timed
                and reference(u.cleaned, *when_said)[0] is not None  # a day: "tomorrow"
            ):
                # "move my appointment tomorrow to 11": none of the appointments by name is
                # then, so the word means whatever is on the calendar then
                picked = _at_time(timed, u, *when_said)
                if len(picked) >= 2:
                    matches = []  # asked among them: "my appointment tomorrow"
                elif reference(u.cleaned, *when_said)[1] is None:
                    # one event that day, named by the day alone: "cancel Emma's lesson on
                    # Saturday" is not Saturday's football ("my appointment tomorrow at ten" is)
                    picked = []
            if len(picked) == 1:
                return picked, None
            if picked and not matches:
                matches = [Match(it, 0.75, False) for it in picked]
        if not matches:
            # "assign both ci bugs to jonas": described by the labels the items carry
            labelled = _by_labels(u.cleaned.folded, table, kinds)
            if len(labelled) == 1 or (len(labelled) == 2 and _BOTH.search(u.cleaned.folded)):
                return labelled, None
            matches = [Match(it, 0.75, False) for it in labelled]
        if not matches and kinds and not spec.optional:
            defaults = [d for k in sorted(kinds) if (d := inventory.default_item(k)) is not None]
            if len(defaults) == 1:  # "it's freezing in here": the home's one thermostat
                return defaults, None
        said_kinds = set(res.kinds) & kinds
        if not matches and said_kinds and not spec.optional:
            # "mark the reminder as done" with two reminders: ask which, by name
            of_kind = [
                it
                for it in inventory.items
                if it.collection == spec.collection
                and it.kind in said_kinds
                and it.role == "target"
            ]
            if 2 <= len(of_kind) <= 4:
                matches = [Match(it, 0.75, False) for it in of_kind]
        if not matches:
            if spec.optional:
                return [], None
            what = kind_names(sorted(kinds), lang) or spec.collection.strip("/")
            return [], ("missing_slot:target", reply_text("which_none", lang, what=what), [])
        if (
            len(matches) == 1
            and not matches[0].named
            and matches[0].cover <= 0.5
            and _by_kind_word(matches[0].item, u)
        ):
            # "turn the heating down" when only the "bedroom heating panel" has the word in
            # its name: the kind's word names none of the kind's items more than the others
            alike = [
                it
                for it in inventory.items
                if it.collection == spec.collection
                and it.kind == matches[0].item.kind
                and it.role == "target"
            ]
            if len(alike) > 1:
                matches = [Match(it, 0.75, False) for it in alike]
        if (
            len(matches) > 1
            # (tied, or a place said that would pick another: one look-up more)
            and (matches[1].score >= matches[0].score - 0.08 or res.areas)
            and not matches[0].named
        ):
            # "apaga la lámpara de la isla, que ya entra luz por la ventana": the request's own
            # clause names one of them whole; the reason after it brushed another (or named a
            # place: "turn off Avi's stairlift, he's not leaving the flat today")
            head, *tail = _REASON_AFTER.split(u.cleaned.numeric, maxsplit=1)
            if tail and not _AND.search(u.cleaned.numeric):
                ids = {m.item.id for m in matches}
                whole_head = [
                    m
                    for m in inventory.resolve(head).best
                    if m.named and m.cover >= 0.99 and m.item.id in ids
                ]
                if len(whole_head) == 1 and not any(
                    # (not "allume le plafonnier… ah non, juste le ruban LED": another named)
                    m.named and m.cover >= 0.99
                    for m in inventory.resolve(tail[0]).matches
                ):
                    return [whole_head[0].item], None
        if res.areas:
            inside = [m for m in matches if m.item.area in res.areas]
            if inside and len(inside) < len(matches):
                matches = inside  # "die Heizung im Kinderzimmer": the one there
        top = matches[0].score
        group = [m for m in matches if m.score >= top - 0.08]
        if len(group) == 2 and _BOTH.search(u.cleaned.folded):
            return [m.item for m in group], None  # "turn both radiators down"
        whole = [m for m in group if m.share >= 0.99]
        if (
            len(group) > 1
            and len(whole) == 1
            and all(m.share < 0.8 for m in group if m not in whole)
        ):
            # "Deckenlampe im Schlafzimmer": the ceiling light explains all that is said, the
            # bedside lamp leaves "ceiling" unexplained
            group = whole
        if not matches[0].named and matches[0].share >= 0.99:
            # "the living room light": every light there is explained as well as the one
            # whose name happens to contain "living room"; only a full name decides
            same = [m for m in matches if not m.named and m.share >= 0.99]
            if len(same) > 1:
                group = same
        if len(group) > 1 and _AND.search(u.cleaned.numeric):
            # "the porch light and the path lights": each part names its own item
            each = _each_named(u.cleaned.numeric, inventory, spec.collection, kinds)
            if len(each) >= 2:
                return each, None
        if (
            len(group) > 1
            and res.values
            and (intent.value != "person" or _UNASSIGN.search(u.cleaned.folded))
        ):
            # "take Priya off the image previews", "Lukas fixed the offline edits": of the
            # tickets alike, the one of the person said (not whom it is given to)
            folded = u.cleaned.folded
            did_it = DONE_SAID.search(folded) is not None and not _NOT_DONE_BY.search(folded)
            people = {
                m.item.id
                for m in res.values
                # who did it, said first, or who is taken off ("tell Sofia the auth ticket is
                # closed", "Sofia will close …", "Sofia says … is fixed": no ticket of hers)
                if m.named
                and ((did_it and _said_first(m.item, folded)) or _UNASSIGN.search(folded))
            }
            theirs = [m for m in group if m.item.data.get("assignee") in people]
            if len(theirs) == 1:
                return [theirs[0].item], None
        if (
            len(group) > 1
            and _my_own_said(u.cleaned.folded)
            and (when_said is None or reference(u.cleaned, *when_said) == (None, None))
            # (not "annule ma garde de nuit du 4": a day said, read or not)
            and not any(ch.isdigit() for ch in u.cleaned.numeric)
        ):
            # "cancel my night shift": not "Rafa's night shift"
            mine = [m for m in group if not _someone_elses(m.item, u)]
            if len(mine) == 1 and mine[0].cover >= 0.99:  # (not "mon rendez-vous": any)
                return [mine[0].item], None
        named = [m for m in group if m.named]
        if len(named) == 1 and (
            len(group) == 1 or named[0].score > max(m.score for m in group if not m.named)
        ):
            return [named[0].item], None
        if len(group) == 1:
            return [group[0].item], None
        if len(named) > 1 and len({m.item.id for m in named}) == 1:
            return [named[0].item], None
        names = [m.item.names[0] if m.item.names else m.item.id for m in group[:4]]
        options = ", ".join(names[:-1]) + reply_text("or", lang) + names[-1]
        return [], (
            "ambiguous_target",
            reply_text("which", lang, options=options),
            [m.item.id for m in group[:4]],
        )

    # --- values -------------------------------------------------------------------------
    def _value(
        self,
        intent: IntentSpec,
        u: Understanding,
        targets: list[Any],
        occurred: datetime,
        zone: str,
        inventory: Inventory | None = None,
    ) -> Any:
        for variant in u.variants:
            found = self._value_in(intent, variant, u, targets, occurred, zone, inventory)
            if found is not None:
                return found
        return None

    def _value_in(
        self,
        intent: IntentSpec,
        c: Cleaned,
        u: Understanding,
        targets: list[Any],
        occurred: datetime,
        zone: str,
        inventory: Inventory | None = None,
    ) -> Any:
        name = intent.value
        if name is None:
            return None
        if name == "switch" and len(targets) == 1 and (own := _own_clause(c, targets[0])):
            # "start movie night, turn off the kitchen light": the target's own clause says off
            said = switch(clean(own, c.lang))
            if said is not None:
                return said
        if (
            name == "switch"
            and len(targets) == 1
            and targets[0].data.get("state") == "off"
            and u.resolution.matches
            and u.resolution.matches[0].item.id == targets[0].id
            and u.resolution.matches[0].cover >= 0.99
            and all(bare_mention(v) for v in u.variants)
        ):
            # "kitchen light please" of a light that is off: it is wanted on (one that is on
            # is asked about: off, or brighter?)
            return "on"
        if name == "temperature":
            if _OUTDOORS.search(c.folded) and len(clauses := _CLAUSE.split(c.folded)) > 1:
                # "it's 30 degrees outside, set the thermostat to 19": outside's is no setting
                inside = [cl for cl in clauses if _OUTDOORS.search(cl) is None]
                if inside:
                    c = clean(", ".join(inside), c.lang)
            d = delta(c)
            t = temperature(c)
            if (
                t is None
                and d is not None
                and d.sign > 0
                and (hot := _TOO_HOT.search(c.folded)) is not None
                and bare_number(c) is None  # ("put it on 19, it's way too warm": 19)
            ):
                # "il fait trop chaud", "zu warm": the heat said is too much, not "warmer" (unless
                # a change up is said apart from it)
                rest = f"{c.folded[: hot.start()]} {c.folded[hot.end() :]}"
                if delta(clean(rest, c.lang)) is None:
                    d = Delta(-1, None)
            if t is not None and d is None and t < 5:
                d = Delta(1 if not _INDIRECT_HOT.search(c.folded) else -1, t)  # "dos grados"
            if t is not None and not (d is not None and d.amount is not None and d.amount <= 5):
                return t  # "23 degrees" is a target; "up 2 degrees" a change
            current = _attr(targets, "attributes", "target_celsius")
            n = bare_number(c)
            if d is None and n is not None and _plausible(n, current):
                return n  # "set the heating to 22 so we're not cold": 22, not a degree warmer
            # (the weather word first: most texts say none, and then it is not said outside)
            if d is None and _cold(c) and _indoors(c):
                d = Delta(1, None)
            if d is None and _INDIRECT_HOT.search(c.folded) and _indoors(c):
                d = Delta(-1, None)
            if d is not None and isinstance(current, (int, float)):
                return {
                    "per_item": True,
                    "delta": d.sign * (d.amount or 1.0),
                    "field": ("attributes", "target_celsius"),
                }
            if n is not None and _plausible(n, current):
                return n
            return None
        if name == "percent":
            p = percent(c)
            by = _BY_PERCENT.search(c.folded)
            if p is not None and by and (d := delta(c)) is not None:
                return {  # "dim it by 20 percent": a change of the current brightness
                    "per_item": True,
                    "delta": d.sign * float(by.group(1)),
                    "field": ("attributes", "brightness"),
                    "clamp": (0, 100),
                }
            if p is not None:
                return p
            if re.search(r"\b(?:max\w*|a fond|a tope|full|ganz hell|voll)\b", c.folded):
                return 100
            d = delta(c)
            if d is not None:
                return {
                    "per_item": True,
                    "delta": d.sign * (d.amount or 20.0),
                    "field": ("attributes", "brightness"),
                    "clamp": (0, 100),
                }
            if _INDIRECT_DARK.search(c.folded):
                return 100
            n = bare_number(c)
            return int(n) if n is not None and 0 <= n <= 100 else None
        if name == "when":
            if (
                intent.target is not None
                and intent.target.create
                and "{end}" in str(intent.patch)  # an event's end (a reminder has none)
                and (sp := span(c, occurred, zone))
            ):
                # a new event "from 2 to 4pm", "du 20 au 27 décembre": its end said too (a
                # move "from 3 to 4" says where from and where to: read as before)
                return {"at": sp.start, "until": sp.end, "time_only": False, "exact": True}
            moving = intent.target is not None and not intent.target.create
            w = when(c, occurred, zone, moving=moving)
            if w is None:
                return None
            if w.shift is not None and w.at is None:
                return {"per_item": True, "shift": w.shift}
            # (exact: a time said, even 9:00 — a date alone resolves to 9:00 too, and moving
            # an event to a day keeps its time)
            found: dict[str, Any] = {
                "at": w.at,
                "time_only": w.time_only,
                "exact": not w.date_only,
            }
            if w.time_only:
                found.update(open_half=w.open_half, or_shift=w.shift)
            elif w.open_half:
                found["open_half"] = True  # "move the yoga class tomorrow to 8"
            elif w.date_only and w.shift is not None:
                found.update(then_shift=w.shift)
            return found
        if name == "reminder":
            # "an hour before", "la veille à 19 h": from the event's own start; else a time
            if (b := before(c)) is not None:
                return {"per_item": True, "before": b}
            w = when(c, occurred, zone)
            if w is None or w.at is None:
                return None
            return {"at": w.at, "time_only": w.time_only, "exact": not w.date_only}
        if (
            name == "person"
            and (off := _UNASSIGN.search(c.folded))
            and not _HANDED_ON.search(c.folded, off.end())
        ):
            return {"unassign": True}  # "take marco off ticket 94": nobody on it
        if name == "person":
            people = _recipient_first([m.item for m in u.resolution.values], c.folded)
            return people[0].id if people else None
        if name == "title":
            return u.reading("title", c)
        if name == "label":
            return _label(c, self._labels(inventory))
        if name == "sprint":
            return _sprint(c, inventory)
        return u.reading(name, c)  # "it's too dark in here", "I could really use a coffee": on


_TO_PERSON = re.compile(rf"\b{GIVEN_TO}\s+$")
_INSTEAD_OF = re.compile(
    r"\b(?:instead of|rather than|not|au lieu de|plutot que?|pas|en lugar de|en vez de|no|"
    r"statt|anstatt|nicht)\s*(?:(?:a|de|von|to|qu'a|al)\s+)?$"
)
# a correction right before the name ("… to Sofia, no, Jonas", "a Priya… no, mejor a Léa");
# not "no offense to Sofia", "there's no way Sofia can", "besser als Sofia"
_CORRECTED_TO = re.compile(
    r"\b(?:(?:no|non|nein|nee)\b(?:[\s,.!…]*(?:sorry|perdona|perdon|pardon|wait|attends|"
    r"espera|warte)\b)?|actually|scratch that|make that|rather|i mean|enfin|en fait|"
    r"plutot|mejor|lieber|doch)\b[\s,.!…]*(?:(?:uh|um|euh|eh|ah)\b[\s,.…]*)?"
    rf"(?:{GIVEN_TO}\s+)?$"
)
# a clause that says not to ("don't give 101 to Sofia, give it to Jonas")
_NOT_TO = re.compile(
    r"\b(?:don'?t|do not|never|ne\b[^,;]*\bpas|n'\w+ pas|no (?:le|lo|la|les|se)\b|nunca|"
    r"nicht|kein\w*)\b"
)
_REMINDING = re.compile(rf"\b(?:{_DONT_FORGET})\b")
_REPLACING = re.compile(
    r"\b(?:replace|swap|remplace|substitue|sustituye|reemplaza|cambia|ersetz|"
    r"tausch)\w*\s+(?:a\s+)?$"
)
_REPLACED_BY = re.compile(r"\b(?:with|for|by|par|por|durch|gegen)\s+$")
_CLAUSES = re.compile(r"[,;.!?…]| but | mais | pero | sino | aber | sondern ")
_DIGIT = re.compile(r"\d")


# how a change is said, not what it is said of ("make it warmer" names no "towel warmer";
# "the warmer", with its article, is a thing)
_COMPARATIVE = re.compile(
    r"(?<!\bthe )(?<!\ba )(?<!\bmy )(?<!\ble )(?<!\bla )(?<!\bel )(?<!\bder )(?<!\bdie )"
    r"(?<!\bdas )(?<!\bden )\b(?:warmer|cooler|colder|hotter|brighter|darker|louder|quieter|"
    r"w(?:ä|a)rmer|k(?:ä|a)lter|heller|dunkler|lauter|leiser)\b"
)


def _without_comparatives(text: str) -> str:
    """``text`` for item look-up: a comparative said of the change left out, and words that
    name no item ("switch it back on", "move that ticket into review")."""
    if "back" in text or "review" in text or "progress" in text:
        text = _NOT_A_NAME_WORD.sub(" ", text)
    if "er" not in text:  # every comparative ends so: most texts are returned as they are
        return text
    return _COMPARATIVE.sub(" ", text)


# "back" as a particle ("switch it back on", "put them back to 20"), a status moved to
_NOT_A_NAME_WORD = re.compile(
    r"(?:(?<=\bit )|(?<=\bthem )|(?<=\bthat )|(?<=\bthis )|(?<=\bthose )|(?<=\bthese ))back"
    r"(?=\s+(?:on|off|to|in|up|down|again|home)\b|\s*$|\s*[,.!?])|"
    r"\b(?:in|into|to|as|for)(?: code)? (?:review|progress)\b"
)


def _own_clause(c: Cleaned, target: Any) -> str | None:
    """The one clause of a several-clause utterance that names ``target`` by a name, when it
    is not the first (None: one clause, the first, or the name said in none or in several)."""
    parts = [p for p in _CLAUSES.split(c.folded) if p.strip()]
    if len(parts) < 2:
        return None
    names = [fold(n) for n in getattr(target, "names", ()) if len(n) > 2]
    naming = [p for p in parts if any(re.search(rf"\b{re.escape(n)}\b", p) for n in names)]
    # named first, the request's own clause is the first: switch() reads it (and corrections)
    return naming[0] if len(naming) == 1 and naming[0] is not parts[0] else None


def _recipient_first(people: list[Item], folded: str) -> list[Item]:
    """``people`` (best match first) with the one a request gives something to first: named
    after a correction ("… to Sofia, no, Jonas"), after "to / à / a / an / zu" ("reassign 112
    to Sofia, Jonas is off this week") or "replace X with", in the clause that names the
    ticket, said first; one named "instead of", replaced or in a clause that says not to last.
    """
    if len(people) < 2:
        return people
    cuts = [0, *(m.end() for m in _CLAUSES.finditer(folded)), len(folded) + 1]
    clauses = list(itertools.pairwise(cuts))
    # the request's clause: the one that names a ticket (a number), else the first
    request = next((n for n, (a, b) in enumerate(clauses) if _DIGIT.search(folded[a:b])), 0)

    def said_at(item: Item) -> int:
        at = [
            found.start()
            for name in (item.id, *item.names)
            if (found := re.search(rf"\b{re.escape(fold(name))}\b", folded))
        ]
        return min(at, default=len(folded))

    def rank(item: Item) -> tuple[bool, bool, bool, bool, int]:
        at = said_at(item)
        head = folded[:at]
        clause = next(n for n, (a, b) in enumerate(clauses) if a <= at < b)
        # its clause, up to the name ("don't forget to give 63 to Jonas" asks to)
        own = _REMINDING.sub(" ", folded[clauses[clause][0] : at])
        return (
            bool(_INSTEAD_OF.search(head) or _NOT_TO.search(own) or _REPLACING.search(head)),
            not _CORRECTED_TO.search(head),
            not (_TO_PERSON.search(head) or _REPLACED_BY.search(head)),
            clause != request,
            at,
        )

    return sorted(people, key=rank)


def _said_not_to(folded: str, said: re.Pattern[str]) -> bool:
    """Whether a clause of ``folded`` that says ``said`` is negated ("…, don't open it"; not
    "don't forget to lock it")."""
    return any(
        said.search(clause) and NEGATED.search(clause) and not _ASKS_ANYWAY.search(clause)
        for clause in _CLAUSES.split(folded)
    )


# the speaker's own ("my appointment", "mon rendez-vous", "mi cita", "meinen Termin", "our …")
MINE = re.compile(
    r"\b(?:my|mon|ma|mes|mi|mis|mein|meine|meinen|meinem|meiner|our|notre|nuestr\w*|unser\w*)\b"
)
# a name that says whose it is ("Sacha's orthodontist appointment")
_WHOSE = re.compile(r"^(?P<who>[^\W\d_]+)'s\b")


# "my …" said of someone ("my hubby's night shift", "le dentiste de mon chéri", "den Termin
# von meinem Mann"): not the speaker's own thing
_MY_SOMEONES = re.compile(
    r"\b(?:my|our) \w+'s\b|\b(?:de|du|von|of) (?:mon|ma|mes|mi|mis|meinem|meiner|meines|my|"
    r"our|notre|nuestr\w+|unserem|unserer)\b"
)


def _my_own_said(folded: str) -> bool:
    """Whether ``folded`` says "my" of the thing itself ("my night shift"; not "my hubby's
    night shift")."""
    return bool(MINE.search(folded)) and not _MY_SOMEONES.search(folded)


def _not_mine_to_act_on(
    target: Any, u: Understanding, when_said: tuple[datetime, str] | None
) -> bool:
    """Whether "my …" asks for ``target``, someone else's, so that it is asked about: named by
    a generic word ("mon rendez-vous" for Sacha's orthodontist appointment) or beside one of
    mine alike ("cancel my night shift on friday": Rafa's then, mine another day); not "cancel
    my piano lesson" (Emma's, the one there is), nor an event named by its day or hour alone
    ("cancel my friday event")."""
    if not _someone_elses(target, u):
        return False
    cover = {m.item.id: m.cover for m in u.resolution.matches}
    generic = cover.get(target.id, 0.0) < 0.99
    mine_alike = any(
        m.item.id != target.id and m.cover >= 0.99 and not _someone_elses(m.item, u)
        for m in u.resolution.matches
    )
    by_time_alone = (
        when_said is not None
        and reference(u.cleaned, *when_said) != (None, None)
        and cover.get(target.id, 0.0) < 0.5
    )
    return (generic or mine_alike) and not by_time_alone


def _someone_elses(item: Any, u: Understanding) -> bool:
    """Whether ``u`` asks for the speaker's own item ("my …") and ``item``'s name says it is
    someone else's whom ``u`` does not name."""
    if not item.names or not _my_own_said(u.cleaned.folded) or _FAMILY.search(u.cleaned.folded):
        return False  # ("la revisión de la cadera de mi madre": hers)
    whose = _WHOSE.match(fold(item.names[0]))
    if whose is None or whose["who"] in ("my", "our"):
        return False
    return re.search(rf"\b{re.escape(whose['who'])}", u.cleaned.folded) is None


# a thing given to someone ("… to Sofia", "assign it", "weis es Jonas zu")
GIVING = re.compile(
    rf"\b(?:{GIVEN_TO}|assign\w*|reassign\w*|give|hand|pass|attribu\w*|"
    r"reattribu\w*|donne\w*|confie\w*|asign\w*|reasign\w*|pasa\w*|dale|daselo|"
    r"weis\w*|zuweis\w*|gib|ubergib|ubergeb\w*)\s"
)


DONE_SAID = re.compile(
    r"\b(?:fixed|closed|finished|resolved|solved|merged|shipped|deployed|(?<=est )merge\w*|"
    r"(?<=ete )merge\w*|(?<=est )fusionne\w*|(?<=ete )fusionne\w*|"
    r"mergead\w*|fusionad\w*|gemergt|gemerged|corrige\w*|ferme\w*|termine\w*|resolu\w*|"
    r"cerr(?:o|e|aron|ado|ada)|arreglad\w*|arreglo|resolvio|resuelto|terminad\w*|termino|"
    r"solucion\w*|gefixt|behoben|geschlossen|erledigt|repariert)\b"
)


# the person said first did not (yet) do it ("Sofia will close …", "Sofia hopes …")
_NOT_DONE_BY = re.compile(
    r"^\W*\w+ (?:will|'ll|is going to|wants|could|should|might|hopes|thinks|asked|asks|wonders|"
    r"says|said|va|veut|pourrait|devrait|espere|pense|demande|dit|quiere|podria|deberia|espera|"
    r"cree|pregunta|dice|dijo|wird|will|mochte|konnte|sollte|hofft|glaubt|fragt|sagt|meint)\b"
)


def _said_first(person: Any, folded: str) -> bool:
    """Whether ``folded`` opens with ``person``'s name ("Marco cerró el 63")."""
    return any(folded.startswith(fold(n) + " ") for n in (person.id, *person.names))


def _read(name: str, c: Cleaned) -> Any:
    if name == "switch":
        said = switch(c)
        if said is None and (_INDIRECT_DARK.search(c.folded) or _WANT.search(c.folded)):
            return "on"  # "está todo oscuro en el despacho"
        return said
    if name == "percent":
        return percent(c)
    if name == "temperature":
        found = temperature(c)
        if found is None and (
            delta(c) is not None
            # (the weather word first: most texts say none, and then it is not said outside)
            or ((_cold(c) or _INDIRECT_HOT.search(c.folded)) and _indoors(c))
        ):
            return "delta"
        if found is not None:
            return found
        n = bare_number(c)
        # (a sauna is set to 90: whether it is the thing's is for _plausible, with the thing)
        return n if n is not None and 5 <= n <= 110 else None
    if name == "colour":
        return colour(c)
    if name == "status":
        return status(c)
    if name == "lock_state":
        # not "sam already unlocked the back door, lock it again"; the request's own clause
        # first ("just lock the front door already, it's been unlocked all night")
        asked = own_clause(told := requested(c.folded), _LOCK_OR_UNLOCK)
        if _TRYING_TO_OPEN.search(told):
            return None  # "un type cagoulé essaie d'ouvrir le portillon": told, asked about
        if (
            (
                (
                    (_family_subject(c.folded) or _FORGOT_KEYS.search(c.folded))
                    and _WAITING.search(c.folded)
                )
                or (
                    _LOCKED_OUT.search(c.folded)
                    and not _DELIVERY.search(c.folded)
                    and not _KEPT_OUT.search(c.folded)
                )
            )
            and not _LOCK_OR_UNLOCK.search(c.folded)
            and not _KEEP_OUT.search(c.folded)
        ):
            # "my mum's waiting at the front door", "Yasmin wartet vor der Praxis, sie hat ihren
            # Schlüssel vergessen": one of the family, or someone who forgot their keys, let in
            # (not a courier, a stranger or the dog: asked about; nor when locking is said)
            return "unlocked"
        if told_only(told):
            return None  # "I just unlocked the back door", "the back door is unlocked, right"
        if _CHECK_ASKED.search(told) and not _HAS_IMPERATIVE.search(told):
            return None  # "the garage might be unlocked, can you check": asked to look
        if (after := _request_after(told, _LOCK_OR_UNLOCK)) is not None:
            asked = after  # "sam unlocked the front door, lock it again"
        elif asked != told and left_as_is(asked):
            # "somebody left the back door open, would you mind locking it": the rest asks
            asked = told[len(asked) :]
        if _said_not_to(asked, _LOCK_OR_UNLOCK) or left_as_is(told):
            # "the courier is at the front door, don't open it", "I left the front door
            # unlocked": ask, not unlock
            return None
        if _UNLOCK.search(asked):
            return "unlocked"
        if _LOCK.search(asked):
            return "locked"
        # "can you let him in", "fais-le entrer": someone to let in (not a stranger)
        if _LET_IN.search(c.folded) and not _KEEP_OUT.search(c.folded):
            return "unlocked"
        return None
    if name == "alarm_mode":
        if (
            leaving_home(c.folded)
            and not _ALARM_NAMED.search(c.folded)
            and not _HOME_MODE.search(c.folded)
        ):
            return "armed_away"  # "everyone's heading out for the day": told, and so asked
        asked = requested(c.folded)  # not "the alarm is off, arm it"
        if (after := _request_after(asked, _ALARM_SAID)) is not None:
            asked = after  # "I disarmed the alarm, arm it again", "did you disarm it? arm it"
        elif told_only(asked):
            return None  # "the alarm is on, goodnight", "I disarmed the alarm"
        if left_as_is(asked):
            return None  # "I left the alarm off": how it is, not how it should be
        if c.corrected:
            # "disarm the alarm, no, on": what the last correction says
            asked = own_clause(asked, _ALARM_SAID)
        if _DISARM.search(asked) or (c.lang == "de" and _DISARM_DE.search(asked)):
            return "disarmed"
        if _ALARM_NIGHT.search(asked):
            return "armed_night"  # "night mode" says arm, and how
        if _HOME_MODE.search(asked) or (
            _ALARM_HOME.search(c.folded) and not _ALARM_AWAY.search(c.folded)
        ):
            # "arm it, everyone's home": who is home is told; "nos vamos todos, pon la alarma en
            # modo casa": the mode said wins
            return "armed_home"
        if _ARM.search(asked) or (
            _ALARM_AWAY.search(c.folded) and not _NOT_LEAVING.search(c.folded)
        ):
            # armed with nobody inside: what "arm" means unqualified (not "we're all heading
            # out to the garden")
            return "armed_away"
        return None
    if name == "title":
        return _title(c)
    if name == "new_title":
        return _new_title(c)
    if name == "label":
        return _label(c, frozenset())
    if name == "sprint":
        folded = fold(c.numeric)
        if "sprint" not in folded:
            return None  # (each of the three says it)
        sprints = [p.search(folded) for p in (_SPRINT_NUMBER, _SPRINT_NEXT, _SPRINT_THIS)]
        return next((m.group(0) for m in sprints if m), None)
    return None


_LABEL_WORD = r"(?:labels?|tags?|étiquettes?|etiquettes?|etiquetas?|schlagw[öo]rt\w*)"
_NOT_A_LABEL = frozenset(
    "to on onto for the a an it au à a la le les sur pour al el en del de des du an auf zu zum "
    "zur ins den die das dem der dran ran hinzu noch und and et y with avec con mit in me him "
    "her us them you wrongly wrong by par por von".split()
)
_LABEL_KEYWORD = re.compile(rf"\b{_LABEL_WORD}\b", re.IGNORECASE)
_LABEL_AFTER = re.compile(rf"\b{_LABEL_WORD}\s+[«\"'“]?\s*(\w[\w-]*)")
_LABEL_BEFORE = re.compile(rf"\b(\w[\w-]*)\s+{_LABEL_WORD}\b")
_LABEL_AS = re.compile(
    r"\b(?:tag|label|flag|mark|etiquet|étiquet|markier)\w*\b.*?"
    r"\b(?:as|with|comme|avec|como|con|als|mit)\s+(?:an?\s+|une?\s+|una?\s+)?(\w[\w-]*)"
)
# "étiquette le passage à Sentry en backend": a French label said last, after "en"
_LABEL_EN = re.compile(
    r"\b(?:etiquet|étiquet)\w*\b.*\ben\s+(?!cours\b|attente\b|retard\b)(\w[\w-]*)\s*[.!]*$"
)
# "should be tagged ux", "étiqueté ui", "als ux labeln"
_LABEL_TAGGED = re.compile(
    r"(?<!not )(?<!n't )(?<!never )\b(?:be|been|is|are|get|gets|sera|soit|etre|sea|ser|werden|"
    r"wird)\s+"
    r"(?:tagged|labell?ed|etiquete\w*|étiquet[ée]\w*|etiquetad\w*|getaggt|gelabelt)\s+"
    r"(?:as\s+|comme\s+|como\s+|als\s+|with\s+|avec\s+|con\s+|mit\s+)?(?:an?\s+)?(\w[\w-]*)|"
    r"(?<!nicht )\bals\s+(\w[\w-]*)\s+(?:labeln|taggen|kennzeichnen|markieren)\b"
)
# a word that each of the patterns above says (they hold _LABEL_WORD)
_LABEL_SAID = Needled(re.compile(f"{_LABEL_WORD}|{_LABEL_AS.pattern}|{_LABEL_TAGGED.pattern}"))
_SPRINT_NUMBER = re.compile(r"\bsprint\s*-?\s*(\d+)\b")
_SPRINT_NEXT = re.compile(
    r"\b(?:next|following|upcoming|prochain\w*|suivant\w*|proxim\w*|siguiente|nachst\w*|"
    r"kommend\w*|folgend\w*)\s+sprint|sprint\s+(?:prochain|suivant|siguiente|que viene)\b"
)
_SPRINT_THIS = re.compile(
    r"\b(?:this|current|present|actuel\w*|en cours|actual|este|aktuell\w*|laufend\w*|"
    r"diese\w*|jetzig\w*)\s+sprint|sprint\s+(?:actuel|en cours|actual|en curso)\b"
)


def _label(c: Cleaned, known: frozenset[str]) -> str | None:
    """The label a request adds: "tag 112 as bug", "the performance label", "l'étiquette
    ui", "das Label flaky"; else the one label the project already uses that it says."""
    text = c.text.lower()
    if _LABEL_SAID.may_match(text):  # (each pattern says one of its words)
        for pattern in (_LABEL_AS, _LABEL_AFTER, _LABEL_BEFORE, _LABEL_TAGGED, _LABEL_EN):
            for m in pattern.finditer(text):
                word = (m.group(1) or m.group(m.lastindex or 1) or "").strip("-")
                if word and word not in _NOT_A_LABEL and not _TICKET_REF.fullmatch(word):
                    return word
    if not known:
        return None  # (no label to find among the words)
    found = sorted(set(re.findall(r"[\w-]+", text)) & known)
    return found[0] if len(found) == 1 else None


_TICKET_REF = re.compile(r"[a-z]{1,4}-?\d+|\d+")


def _sprint(c: Cleaned, inventory: Inventory | None) -> str | None:
    """The sprint a ticket moves to: "sprint 49", "the next sprint", "ce sprint"."""
    sprints = [it for it in (inventory.items if inventory else []) if it.kind == "sprint"]
    if not sprints:
        return None
    text = fold(c.numeric)
    if m := _SPRINT_NUMBER.search(text):
        number = m.group(1).lstrip("0") or "0"
        ends = re.compile(rf"(?<!\d){number}$")
        found = [it.id for it in sprints if ends.search(it.id) or any(map(ends.search, it.names))]
        return found[0] if len(found) == 1 else None
    ordered = sorted(sprints, key=lambda it: str(it.data.get("start", "")))
    current = next((n for n, it in enumerate(ordered) if it.data.get("status") == "active"), None)
    if _SPRINT_NEXT.search(text):
        if current is not None and current + 1 < len(ordered):
            return ordered[current + 1].id
        planned = [it for it in ordered if it.data.get("status") == "planned"]
        return planned[0].id if planned else None
    if _SPRINT_THIS.search(text) and current is not None:
        return ordered[current].id
    return None


_ALL_OF = re.compile(
    r"\b(?:all|every|each|toutes?|tous|tt|ttes|chaque|todas?|todos|tdas|tds|cada|alle\w*|"
    r"jede\w*|samtliche\w*)(?:\s+single)?"
    r"\s+(?:(?:of\s+)?the|les|las|los|die|der|den|mes|my|mis|meine\w*)?\s*([a-z]+)"
)


# "in every room", "dans toute la maison", "en todas las habitaciones", "im ganzen Haus": the
# request is for every item of its kind in the home
_WHOLE_HOME = re.compile(
    r"\b(?:(?:in|throughout|across) (?:every|each|all(?: the)?) (?:rooms?|parts of the house)|"
    r"(?:in|throughout|across|around|all over) the (?:whole |entire )?"
    r"(?:house|home|flat|apartment)|"
    r"(?:dans|de) (?:toutes les pieces|chaque piece|toute la maison|tout l'appart\w*)|"
    r"(?:en|de|por) (?:todas las habitaciones|todos los cuartos|cada habitacion|cada cuarto|"
    r"toda la casa|todo el piso|todo el departamento)|"
    r"(?:in|im) (?:allen zimmern|allen raumen|jedem zimmer|jedem raum|ganzen haus|"
    r"der ganzen wohnung)|(?:im|in der) ganzen (?:haus|wohnung)|uberall im haus|"
    r"partout dans la maison|everywhere in the (?:house|home|flat|apartment))\b"
)


# where a thing is said to be: "in the den", "dans la véranda", "en el ático", "im Keller"
_PLACES = re.compile(
    r"\b(?:in|at|on|upstairs in|downstairs in) (?:the|my|our) ([a-z]+)|"
    r"\b(?:dans|de|a) (?:la |le |l'|les )([a-z]+)|"
    r"\b(?:en|de) (?:la|el|los|las|mi|nuestra|nuestro) ([a-z]+)|\bdel ([a-z]+)|"
    r"\b(?:im|in der|in den|in dem|auf dem|auf der) ([a-z]+)"
)


_ALSO = re.compile(
    r"\b(?:also|too|as well|including|aussi|y compris|tambien|incluso|incluida|"
    r"incluido|auch|inklusive|einschliesslich)\b"
)
_BOTH = re.compile(  # numbers are digits by now: "les deux" is "les 2"
    r"\b(?:both|(?<=\ba )los (?:dos|2)(?= \w)|"  # "a los dos radiadores" ("a las dos": 2 o'clock)
    r"(?<!\ba )(?<!\bà )(?<!\bde )(?<!hasta )(?<!desde )(?<!sobre )(?<!vers )"
    r"(?:les|los|las) (?:deux|dos|2)(?!\s*(?:h\b|heures?|horas?|y media|y cuarto|:))|"
    r"tous les (?:deux|2)|ambos|ambas|beide\w*)\b"
)


def _by_labels(folded: str, table: Collection, kinds: set[str]) -> list[Any]:
    """The targets of a collection carrying every label said ("the ci bugs": labels ``ci``
    and ``bug``), when at least one said label is more than a kind word; else none."""
    if not table.labels:
        return []  # (a home's items carry none)
    # "ferme celui-ci" says no label ci; "die CI-Bugs", "le bug d'auth" do
    folded = re.sub(r"\b(?:celui|celle|ceux|celles)-(?:ci|la)\b", " ", folded)
    said = set(re.findall(r"[a-z0-9]+", folded))
    said |= {w[:-1] for w in said if w.endswith("s")}
    named = said & table.labels
    kind_words = set().union(*(KIND_WORDS.get(k, frozenset()) for k in kinds))
    if not named - kind_words:
        return []
    return [it for it in table.targets if named <= table.labels_of.get(it.id, set())]


# how the name of a second item starts ("and the team lunch", "y la comida", "und das Essen")
_LEADS_AN_ITEM = frozenset(
    "the a an my our this that le la les l un une mon ma mes notre ce cette el los las lo un una "
    "mi mis nuestro nuestra este esta der die das den dem ein eine einen mein meine meinen "
    "unser unsere also aussi tambien auch too ticket issue bug".split()
)


def _each_named_lead(part: str) -> bool:
    """Whether a part after "and" opens with a verb of its own ("tell sam …", "remind me
    …"), not with the name of another item."""
    words = part.split()
    if not words or len(words) <= 2 or ID_SAID.match(fold(words[0])):
        return False  # "… and TL-94 …": an item by its id
    return fold(words[0]) not in _LEADS_AN_ITEM


def _each_named(
    text: str, inventory: Inventory, collection: str, kinds: set[str], *, strict: bool = False
) -> list[Any]:
    """The items the parts of ``text`` joined by "and" name, one clear item a part (``strict``:
    named in full, not only described)."""
    each: list[Any] = []
    for n, part in enumerate(_AND.split(text)):
        found = [
            m
            for m in inventory.resolve(part).matches
            if m.item.collection == collection and (not kinds or m.item.kind in kinds)
        ]
        clear = found and (len(found) == 1 or found[0].score > found[1].score + 0.05)
        if clear and strict and not (found[0].named and found[0].score >= 0.99):
            clear = False
        lead = fold(part.split()[0]) if part.split() else ""
        if clear and strict and n and lead not in _LEADS_AN_ITEM and not ID_SAID.match(lead):
            named = {w for name in found[0].item.names for w in re.findall(r"\w+", fold(name))}
            # "cancel yoga and tell sam the team lunch is on": a request of its own
            clear = lead in named
        if clear and found[0].item not in each:
            each.append(found[0].item)
    return each


def _all_of(folded: str, kinds: set[str]) -> bool:
    """Whether "all" is said of things of one of ``kinds``: "all the doors", "alle Türen"."""
    for m in _ALL_OF.finditer(folded):
        word = m.group(1)
        said = {word, word[:-1] if word.endswith("s") else word, *canonical(word).split()}
        if any(said & KIND_WORDS.get(kind, frozenset()) for kind in kinds):
            return True
    return False


def _without_names(text: str, items: list[Any]) -> str:
    """``text`` without the words of the names of ``items``."""
    said = {w for it in items for name in it.names for w in re.findall(r"\w+", fold(name))}
    return " ".join(w for w in text.split() if fold(w).strip("?,.!:;") not in said)


def _at_time(items: list[Any], u: Understanding, occurred: datetime, zone: str) -> list[Any]:
    """The items whose start matches the day and hour the utterance describes."""
    day, hour = reference(u.cleaned, occurred, zone)
    monday = week_of(u.cleaned, occurred, zone) if day is None else None
    if day is None and hour is None and monday is None:
        return []
    tz = ZoneInfo(zone)
    found = []
    for item in items:
        start = item.data.get("start")
        if not isinstance(start, str):
            continue
        try:
            local = datetime.fromisoformat(start).astimezone(tz)
        except ValueError:
            continue
        if monday is not None:
            if not monday <= local.date() < monday + _WEEK or local < occurred:
                continue  # "cancel my 3pm next week": that week's
        elif day is None and not (
            local >= occurred and local.date() - occurred.astimezone(tz).date() <= _BY_HOUR_WITHIN
        ):
            continue  # "cancel my 4pm": this week's, not one ten days away
        if (day is None or local.date() == day) and (hour is None or local.hour == hour):
            found.append(item)
    return found


# how many days ahead an event named by its hour alone may be (next week's same day too)
_BY_HOUR_WITHIN = timedelta(days=7)
_WEEK = timedelta(days=7)


def _cleaned(routed: RoutedEvent) -> RoutedEvent:
    """``routed`` with its text cleaned for the pack-example expert's regular expressions."""
    lang = routed.language if routed.language in SUPPORTED else "en"
    text = clean(routed.event.text, lang or "en").numeric
    if not text or text == routed.event.text:
        return routed
    return routed.model_copy(update={"event": routed.event.model_copy(update={"text": text})})


# words of politeness and fillers around a thing named alone ("kitchen light please",
# "luz del baño xfa", "Küchenlicht bitte"); cleaning has already written "pls", "stp", "xfa"
# out in full, and the phrases of several words are taken out first (_PLEASE_SAID)
_COURTESY = re.compile(
    r"\b(?:please|thanks|ta|merci|gracias|bitte|danke|mal|um|uh|erm|euh|eh|ah|oh|"
    r"hey|oye|ok|okay|so|alors|bon|pues|bueno|also|the|le|la|les|l'|el|los|las|der|die|das|"
    r"den|a|an|un|une|una|ein|eine|einen|my|mon|ma|mi|mein|meine|meinen)\b"
)
_PLEASE_SAID = re.compile(r"\b(?:s'il (?:te|vous) plait|por favor)\b")


def bare_mention(c: Cleaned) -> bool:
    """Whether ``c`` says a thing and nothing else: no verb, no value, no question, a few
    words once courtesies are left out ("kitchen light please", "luz del baño xfa").

    >>> from processors.language import clean
    >>> bare_mention(clean("kitchen light please", "en"))
    True
    >>> bare_mention(clean("kitchen light off", "en"))
    False
    """
    text = _PLEASE_SAID.sub(" ", c.folded.strip())
    if (
        "?" in text
        or _REQUEST_WORD.search(text) is not None
        or _TOLD_WORDS.search(text) is not None
        or _HAS_IMPERATIVE.search(text) is not None
    ):
        return False
    rest = _COURTESY.sub(" ", text)
    words = re.findall(r"[\w']+", rest)
    return (
        0 < len(words) <= 5
        and NEGATED.search(text) is None
        and switch(c) is None
        and percent(c) is None
        and bare_number(c) is None
        and delta(c) is None
        and colour(c) is None
    )


# who did what, or what it is for ("me he dejado la cafetera encendida", "pide cápsulas para
# la cafetera", "the lamp is", "à fond"): more than a thing said
_TOLD_WORDS = re.compile(
    r"\b(?:i|we|you|he|she|they|it|it's|is|are|was|were|have|has|had|je|j'|tu|on|il|elle|ils|"
    r"est|sont|ai|as|me|te|se|nos|yo|ha|han|hemos|esta|estan|ich|wir|du|er|sie|es|ist|sind|"
    r"war|hab|habe|hat|haben|for|pour|para|fur|a fond|full|max|voll|todo|tope|"
    # "Schreibtischlampe auf fuffzig": a value said, in words it does not read
    r"auf (?!der\b|dem\b|den\b|die\b|das\b)\w+|to \w+|a \d+|a zero|a cero|al \w+|"
    # how it works ("el enchufe de la cafetera no funciona")
    r"works?|working|broken|marche|fonctionne|casse\w*|funciona|roto|rota|geht|funktioniert|"
    r"kaputt|no|not|pas|nicht|kein\w*)\b"
)


def _attr(targets: list[Any], *path: str) -> Any:
    node: Any = targets[0].data if targets else None
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _value_slots(value: Any) -> dict[str, Any]:
    if value is None:  # an optional value not said: a reminder without a time
        return {"value": None, "start": None, "end": None}
    if isinstance(value, dict) and value.get("unassign"):
        return {"value": None}
    if isinstance(value, dict):
        if "at" in value:
            at = value["at"]
            return {
                "value": local_iso(at),
                "start": at.isoformat(),
                "end": value.get("until", at + timedelta(hours=1)).isoformat(),
            }
        return {}
    return {"value": value}


def _per_item(value: Any, target: Any) -> dict[str, Any]:
    """Values that depend on the item: a change relative to its current value, a shift of
    its time, an event moved keeping its length."""
    if not isinstance(value, dict) or target is None:
        return {}
    data = target.data
    if "delta" in value:
        node: Any = data
        for part in value["field"]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, (int, float)):
            raise MissingSlot("current value")
        new = node + value["delta"]
        if "clamp" in value:
            lo, hi = value["clamp"]
            new = max(lo, min(hi, new))
        new = round(new, 1)
        return {"value": int(new) if float(new).is_integer() else new}
    start, end = data.get("start", data.get("due")), data.get("end")  # an event, a reminder
    if isinstance(start, str):
        old = datetime.fromisoformat(start)
        length = datetime.fromisoformat(end) - old if isinstance(end, str) else timedelta(hours=1)
        if "before" in value:  # a reminder of the event: before its start
            b = value["before"]
            at = old + b.shift if b.shift is not None else old + timedelta(days=b.days)
            if b.clock is not None:
                at = at.replace(hour=b.clock.hour, minute=b.clock.minute)
        elif "shift" in value:
            at = old + value["shift"]
        elif "at" in value:
            at = value["at"]
            # a date only ("to friday") keeps the event's time; a reminder "at 9" is at 9
            if not value.get("exact") and at.hour == 9 and at.minute == 0 and old.hour != 9:
                at = at.replace(hour=old.hour, minute=old.minute)
            if value.get("then_shift") is not None:
                at = at.replace(hour=old.hour, minute=old.minute) + value["then_shift"]
            if value.get("open_half"):
                # "die Vernissage fängt erst um acht an" (at 18:00): 20:00, close to its time
                # of day, not 8:00; only to an hour of the day people keep (not the car
                # service at 8:30 "to 3": 3:00) and only when the other is far
                other = at + timedelta(hours=12 if at.hour < 12 else -12)
                same_day = value.get("time_only") or at.date() == old.astimezone(at.tzinfo).date()
                if (
                    same_day
                    and 7 <= other.hour <= 21
                    and _clock_gap(other, old) <= 180 < _clock_gap(at, old)
                ):
                    at = other  # (to another day: "move yoga to saturday at 9" is 9:00)
            if value.get("time_only"):  # "piano at four instead": the lesson keeps its day
                day = old.astimezone(at.tzinfo)
                at = at.replace(year=day.year, month=day.month, day=day.day)
                if at == old and value.get("or_shift") is not None:
                    # the time said is the one it had ("push it back an hour, sam can't make
                    # it at half eight"): the shift moves it
                    at = old + value["or_shift"]
        else:
            return {}
        return {"value": local_iso(at), "start": at.isoformat(), "end": (at + length).isoformat()}
    if "shift" in value:
        raise MissingSlot("when")
    return {}


# what the request leaves out of "all" ("except the hallway", "sauf celle du couloir", "menos
# la del pasillo", "außer im Flur", "but the back door")
_EXCEPT = re.compile(
    r"\b(?:except(?: for)?|apart from|other than|save for|sauf(?! si\b)|a part(?! ca\b| cela\b)|"
    r"excepte|hormis|excepto|(?<!\bal )(?<!\bo )(?<!\blo )menos(?! mal\b| cuarto\b)|salvo|"
    r"quitando|ausser(?! wenn\b)|bis auf(?! weiteres\b)|abgesehen von)\b|"
    # one thing said not to be done beside the one to do ("turn on the porch light but not
    # the hallway light", "mais pas celle du couloir", "pero no la del pasillo", "aber nicht
    # die im Flur"): left out with no "all" before
    r"(?P<not>\bbut not(?= (?:the|my|in|upstairs|downstairs)\b)|"
    r"\bmais pas(?= (?:la|le|les|l'|mon|ma|mes|dans|au)\b| (?:celle|celui|ceux|celles)\b"
    r"(?![- ]la\b))|"
    r"\bpero no(?= (?:la|el|los|las|mi|mis|en)\b)|"
    r"\baber nicht(?= (?:die|den|das|der)\b(?! da\b)| (?:dem|im|in|mein\w*)\b))|"
    r"\bbut(?= (?:the|my)\b)|(?<=\ball )but\b|"
    # "…, but leave the porch on", "mais laisse celle du couloir", "aber lass den Flur an",
    # "…, no, leave the porch on"
    r"\b(?:but|mais|pero|aber|no|non|nein|nee),? (?:leave|keep|laisse|garde|deja|lass)\b|"
    # "… but not that one, the floor lamp", "…, not that one, the back door stays open" (what
    # language.clean does not read as a correction)
    r"\b(?:but )?not (?:that|this) one,? (?=(?:the|my) )|"
    r"\b(?:mais )?pas (?:celle|celui|ceux|celles)[- ]la,? (?=(?:la |le |les |l'|mon |ma |mes ))|"
    r"\b(?:pero )?(?:esa|ese|esas|esos) no,? (?=(?:la|el|los|las|mi|mis) )|"
    r"\b(?:aber )?nicht (?:die|den|das|der) da,? (?=(?:die|der|das|den|mein\w*) )|"
    # "cancel everything on wednesday but yoga": after "all" only
    r"(?P<bare>\bbut\b)"
)
_EXCEPT_SAID = Needled(_EXCEPT)


@lru_cache(maxsize=16)  # one event's text is asked for its targets and then its value
def _left_out(folded: str) -> re.Match[str] | None:
    """Where the request starts saying what "all" leaves out, or None."""
    ex = _EXCEPT.search(folded) if _EXCEPT_SAID.may_match(folded) else None
    if ex is None:
        return None
    if ex.group("bare") is not None:
        return ex if _every_before(folded, ex.start()) else None
    if (
        ex.group("not") is not None
        or _every_before(folded, ex.start())
        or _THE_KIND.search(folded, 0, ex.start())
    ):
        return ex
    return None


def _left_out_only(folded: str, targets: list[Any], inventory: Inventory) -> bool:
    """Whether every target is named only after a word that leaves it out, with no "all"
    before ("lock up except the garage": the garage is the one thing not to lock)."""
    ex = _EXCEPT.search(folded) if _EXCEPT_SAID.may_match(folded) else None
    if ex is None or ex.group("bare") is not None or _LEAVE.search(ex.group()):
        return False
    before = {m.item.id for m in inventory.resolve(folded[: ex.start()]).best if m.score >= 0.6}
    after = {m.item.id for m in inventory.resolve(folded[ex.end() :]).best if m.score >= 0.6}
    return all(t.id in after and t.id not in before for t in targets)


def _every_before(folded: str, at: int) -> bool:
    """Whether "all" is said before ``at`` (read past it: "all but", "tout sauf")."""
    m = _EVERY.search(folded)
    return m is not None and m.start() < at


def _left_out_split(c: Cleaned) -> tuple[Cleaned, str] | None:
    """The request without what "all" leaves out, and what it leaves out ("alle Lichter
    außer der Veranda ausschalten": "alle Lichter ausschalten", "der Veranda"), or None."""
    ex = _left_out(c.folded)
    if ex is None:
        return None
    # (the folded text: the match's offsets are its own; "ß" folds to two letters)
    text, start, end_ex = c.folded, ex.start(), ex.end()
    kind = None if _every_before(c.folded, start) else _THE_KIND.search(c.folded, 0, start)
    if kind is not None:
        # "turn off the lights except the porch": the lights are all of them
        every = _EVERY_OF[kind.group(1)]
        text = f"{text[: kind.start()]}{every}{text[kind.end(1) :]}"
        shift = len(every) - len(kind.group(1))
        start, end_ex = start + shift, end_ex + shift
    tail = text[end_ex:]
    end = len(tail)
    # (what "leave" leaves says its own state last: "but leave the porch on")
    last = None if _LEAVE.search(ex.group()) else _VERB_LAST.search(tail)
    for boundary in (_CLAUSE_END.search(tail), _AND_THEN.search(tail), last):
        if boundary is not None:
            end = min(end, boundary.start())
    return clean(f"{text[:start]} {tail[end:]}", c.lang), tail[:end]


# "all" said of the things ("all the lights", "toutes les lumières", "alle Lichter"; not
# "that's all", "we're all leaving")
_EVERY = re.compile(
    r"\b(?:all (?:the|my|of|our|\w+s\b)|all(?= but\b)|every\b|everything|everywhere|"
    r"(?:tous|toutes) (?:les|mes|nos)|tout(?= sauf\b| a part\b| excepte\b)|"
    r"(?:todos|todas) (?:los|las|mis|nuestr\w+)|todo(?= menos\b| excepto\b| salvo\b)|"
    r"todo el|alle \w+|allen \w+|alles|samtliche\w*)"
)
# things of a kind said in the plural ("the lights", "les portes", "die Lichter"), all of
# them when some are left out
_THE_KIND = re.compile(
    r"\b(the|les|las|los|die) (?:(?!all\b|and\b|or\b)[a-z']+ ){0,2}?(lights|lamps|doors|locks|"
    r"radiators|thermostats|lumieres|lampes|"
    r"portes|radiateurs|luces|lamparas|puertas|radiadores|lichter|lampen|turen|heizungen|"
    r"heizkorper)\b"
)
_EVERY_OF = {"the": "all the", "les": "toutes les", "las": "todas las", "los": "todos los",
             "die": "alle"}  # fmt: skip
# not left out but the only ones: "…, but in the kitchen only"
_ONLY = re.compile(r"\b(?:only|seulement|uniquement|solo|solamente|nur)\b")
# one thing left out from the next ("except the hallway and the porch")
_EACH_LEFT_OUT = re.compile(r",|\s(?:and|et|y|und|or|ou|o|oder)\s")
# a verb said last, after what is left out ("alle Lichter außer der Veranda ausschalten")
_VERB_LAST = re.compile(
    r"\s(?:(?:aus|an|ein|ab|auf|zu)?(?:schalten|machen|schliessen|sperren|drehen)|aus|an|ab|"
    r"auf|zu)\W*$"
)
_LEAVE = re.compile(r"\b(?:leave|keep|laisse|garde|deja|lass)\b")
_CLAUSE_END = re.compile(r"[,;.!?]")


def _by_kind_word(
    item: Item, u: Understanding, kind_words: dict[str, frozenset[str]] | None = None
) -> bool:
    """Whether the words of ``item``'s names said are all words of its kind (of
    ``kind_words``, by default the words for a kind as a whole: "heating" of the "bedroom
    heating panel")."""
    words = (kind_words or _GENERIC_KIND_WORDS).get(item.kind or "")
    if not words:
        return False
    said = {e for w in u.cleaned.folded.replace("-", " ").split() for e in canonical(w).split()}
    named = {w for name in item.names for w in fold(name).replace("-", " ").split()} & said
    return bool(named) and named <= words


# the words that name a kind as a whole, no type of its things ("the heating", not "the
# radiator", "the pump"), as the lexicon reads them (in English)
_GENERIC_KIND_WORDS = {
    "climate": frozenset({"heating", "temperature"}),
    "scene": frozenset({"scene", "mode"}),
}


def _faint(item_id: str, res: Resolution) -> bool:
    """Whether ``res`` finds the item only by a faint likeness: not named, below
    :data:`_FAINT` and little of its name said (a removal asks which instead)."""
    m = next((m for m in res.matches if m.item.id == item_id), None)
    return m is not None and not m.named and m.score < _FAINT and m.cover < _FAINT_COVER


_FAINT, _FAINT_COVER = 0.65, 0.3


# a room said by whose it is ("her room", "sa chambre", "su cuarto", "in seinem Zimmer")
_POSSESSIVE_ROOM = re.compile(
    r"\b(?P<whose>her|his|their|sa|son|leur|su|sein\w*|ihr\w*) (?:own )?(?:room|bedroom|"
    r"chambre|piaule|cuarto|habitacion|dormitorio|pieza|zimmer|kinderzimmer|schlafzimmer)\b"
)


def _owner_said(c: Cleaned, inventory: Inventory) -> Cleaned | None:
    """``c`` with the possessive of a room replaced by the name said before it, when that
    name makes it an area of its own ("Mira says her room is cold" → "… mira room …"), or
    None."""
    m = _POSSESSIVE_ROOM.search(c.folded)
    if m is None:
        return None
    start = max((e.end() for e in _CLAUSE_END.finditer(c.folded, 0, m.start())), default=0)
    end = e.start() if (e := _CLAUSE_END.search(c.folded, m.end())) else len(c.folded)
    if _HAS_IMPERATIVE.search(c.folded[:start] + " " + c.folded[end:]):
        return None  # "Mira's in her room, turn off the hallway light": told, not asked of
    before = [w.strip(",.!?;:") for w in c.folded[: m.start()].split()]
    names = [w for w in reversed(before) if len(w) >= 3 and w.isalpha()][:4]
    plain = inventory.resolve(c.numeric).areas
    for name in names:
        # the name, or its genitive as German writes it ("Zoés Zimmer": "zoes")
        for owner in (name, f"{name}s"):
            text = f"{c.folded[: m.start('whose')]}{owner}{c.folded[m.end('whose') :]}"
            areas = inventory.resolve(text).areas
            if areas and areas != plain and all(name in fold(a) for a in areas):
                return clean(text, c.lang)
    return None


# the values a correction keeps a thing in ("…, no, leave it on"): its state, per word
_KEPT_AS: dict[str, dict[str, str]] = {
    "switch": {"on": "on", "off": "off"},
    "lock_state": {"locked": "locked", "unlocked": "unlocked"},
    "alarm_mode": {"on": "armed_away", "off": "disarmed"},
}
_KEPT_VALUES = frozenset(_KEPT_AS)


def _same_state(value: Any, current: Any) -> bool:
    """Whether ``value`` is the state ``current`` already is (any armed mode is armed).

    >>> _same_state("on", "on"), _same_state("armed_away", "armed_home"), _same_state("on", "off")
    (True, True, False)
    """
    if value == current:
        return True
    return (
        isinstance(value, str) and isinstance(current, str) and value[:5] == current[:5] == "armed"
    )


# the values of changes a reminder of them does not make ("remind me to close TL-42")
_CHANGES_NOT_REMINDED = frozenset(
    "status person label sprint lock_state alarm_mode switch percent temperature colour".split()
)
# the auxiliaries a past participle follows (folded): what follows them is told done
_AUXILIARIES = {
    "fr": frozenset("ai a as avons avez ont deja".split()),
    "es": frozenset("he ha has hemos han".split()),  # (not "a": "vuelve a abrirlo")
    "de": frozenset("habe hab hat haben hast".split()),
}


def _request_after(told: str, said: re.Pattern[str]) -> str | None:
    """The request that follows what is told or asked first and says ``said``, or None:
    "sam unlocked the front door, lock it again" → " lock it again"; "did someone leave the
    back door open? lock it" → "? lock it"."""
    clauses = _CLAUSE_END.split(told)
    later = [c for c in clauses[1:] if opens_request(c) and said.search(c)]
    if later and not opens_request(clauses[0]):
        return later[-1]
    then = _THEN_ASKED.search(told)
    if then is not None and said.search(told, then.start()):
        return told[then.start() :]
    return None


def _plausible(n: float, current: Any) -> bool:
    """Whether a bare number is a temperature to set: a room's (5 to 30 °C), or one near what
    the thing is set to now (a honey warmer at 40 °C is set to 42).

    >>> _plausible(22, 20.5), _plausible(42, 40), _plausible(42, 20.5), _plausible(31, 18)
    (True, True, False, False)
    >>> _plausible(90, 75), _plausible(50, 21)
    (True, False)
    """
    if 5 <= n <= 30:
        return True
    # (a thing kept hotter or colder than a room: not a room's radiator set to 31)
    return (
        isinstance(current, (int, float))
        and not 5 <= current <= 30
        # (a sauna at 75 is set to 90: a quarter of what it is at now)
        and abs(n - current) <= max(12.0, 0.25 * abs(current))
        and n <= 110
    )


# what every climate is ("the heating", "le chauffage", "die Heizung"), as the lexicon reads it
_HEATING = frozenset({"heating", "heat", "temperature"})


def _others_of_its_kind(inventory: Inventory, item: Item, res: Resolution) -> bool:
    """Whether the inventory holds another target of the item's kind where the request looks
    (the areas it names, else anywhere)."""
    return any(
        other.id != item.id
        and other.role == "target"
        and other.kind == item.kind
        and (not res.areas or other.area in res.areas)
        for other in inventory.items
    )


def _named(item_id: str, res: Resolution) -> bool:
    """Whether ``res`` finds the item by its own name (not only by its area and kind)."""
    return any(m.named for m in res.matches if m.item.id == item_id)


def _named_items(res: Resolution, at_least: float | None = None) -> set[str]:
    """The items ``res`` finds named in full (not an area, not a person), or at least as well
    as ``at_least``."""
    return {
        m.item.id
        for m in res.best
        if m.item.role == "target"
        and ((m.named and m.score >= 0.99) if at_least is None else m.score >= at_least)
    }


# what a device is set to: a change that takes effect when it is made
_ACTUATED = frozenset("switch percent temperature colour lock_state alarm_mode".split())
# a later time the change is asked for, said with its mark ("in 10 minutes", "at 11pm", "à
# 22h", "a las 11", "um 22 Uhr", "demain"; not "at 21", a temperature, nor "um 2 Grad")
_LATER = re.compile(
    r"\b(?:in (?:\d+|an?|one|a few|half an?) (?:minutes?|mins?|hours?|hrs?)|in half an hour|"
    r"at \d{1,2}(?::\d\d)? ?(?:am|pm|o'?clock)|at (?:noon|midnight)|tomorrow(?: morning)?|"
    r"dans (?:\d+|une?|quelques) (?:minutes?|heures?)|dans une demi-heure|"
    r"dans un quart d'heure|a \d{1,2} ?h(?:\d\d)?\b|a \d{1,2} heures?|a (?:midi|minuit)|"
    r"demain(?: matin| soir)?|"
    r"(?:en|dentro de) (?:\d+|una?|unos|unas|media) (?:minutos?|horas?|hora)|a las \d{1,2}|"
    r"a (?:mediodia|medianoche)|(?<!por la )(?<!de la )(?<!esta )manana(?: por la manana)?|"
    r"in (?:\d+|einer|einigen|ein paar) (?:minuten|stunden?)|in einer (?:halben|viertel) ?stunde|"
    r"in einer viertelstunde|vers \d{1,2} ?h(?:\d\d)?\b|um \d{1,2}(?::\d\d)? uhr|"
    r"um \d{1,2}:\d\d|um (?:halb|viertel) \w+|"
    r"um mitternacht|(?<!guten )morgen(?: fruh| abend)?)"
    r"(?: de la (?:noche|tarde|manana)| du (?:soir|matin)| de l'apres-midi|"
    r" in the (?:morning|evening|afternoon)| (?:abends|morgens|fruh|nachmittags))?\b"
)
# a clock time alone, later for a switch, a lock or an alarm ("unlock the front door at 10";
# for a thermostat or a dimmer "at 21" is the value)
_AT_CLOCK = re.compile(
    r"\b(?:at|a|um|vers) (?:[01]?\d|2[0-4])(?::\d\d)?"
    r"(?! ?(?:%|percent|degrees?|°|grad|grados?|degres?|prozent|pour ?cent|por ciento))\b"
)
# the evening, later when said in the morning ("turn the porch light on tonight")
_TONIGHT = re.compile(
    r"(?<!\bde )(?<!\bfor )(?<!\bpour )(?<!\bpara )(?<!\bfur )(?<!\bvon )"  # "le match de ce soir"
    r"\b(?:tonight|this evening|in the evening|ce soir|esta noche|esta tarde|heute abend)\b"
)
# what may follow the later time, the request's last words ("…, please", "… an", "… aus")
_AFTER_LATER = re.compile(
    r"[\s,.!]*(?:(?:please|pls|s'il te plait|s'il vous plait|por favor|porfa|bitte|"
    r"an|aus|ein|ab|auf|zu|on|off|wieder)[\s,.!]*)*$"
)
# a request's own verb, as said to do it ("turn", "éteins", "apaga", "mach"; not "starts")
_IMPERATIVE = (
    r"(?:turn|switch|lock|unlock|open|close|set|put|dim|arm|disarm|start|stop|activate|"
    r"deactivate|eteins|allume|"
    r"ferme|ouvre|verrouille|deverrouille|mets|active|desactive|apaga|enciende|prende|cierra|"
    r"abre|pon|activa|desactiva|mach|schalt|schalte|schliess|schliesse|sperr|stell|dreh|offne|"
    # (the verbs that set a thing going: "get the sauna going at 8", "sound the foghorn at 6")
    r"get|sound|fais|faites|haz|toca|lass)"
)
_HAS_IMPERATIVE = re.compile(rf"\b{_IMPERATIVE}\b")
# a request of its own after a question, last ("did I leave the garage open? just lock it",
# "did i leave the garage open ugh just lock it")
_THEN_ASKED = re.compile(
    r"(?:[?.!,;]\s*|\s(?:ugh|so|then|alors|donc|pues|entonces|dann|also)\s+)"
    rf"(?:(?:just|please|bitte|juste|stp|porfa|mal)\s+)*{_IMPERATIVE}(?:la|lo|las|los|le)?\b"
    r"[^?]*$"
)
# the same verbs in the infinitive, after "peux-tu", "puedes" ("peux-tu allumer … et éteindre
# …", "puedes encender … y apagar …")
_INFINITIVE = (
    r"(?:allumer|eteindre|fermer|ouvrir|verrouiller|deverrouiller|mettre|activer|desactiver|"
    r"baisser|monter|augmenter|encender|apagar|cerrar|abrir|poner|activar|desactivar|subir|"
    r"bajar|prender)"
)
# German verbs said last, in the infinitive ("kannst du das Verandalicht anmachen und das
# Flurlicht ausmachen")
_LAST_VERB = (
    "anmachen ausmachen einschalten ausschalten abschliessen aufschliessen zumachen aufmachen "
    "schliessen offnen aufdrehen zudrehen hochdrehen runterdrehen hochstellen runterstellen "
    "stellen drehen aktivieren deaktivieren"
).split()
_AND_THEN_LAST = re.compile(
    "(?:" + "|".join(f"(?<={v})" for v in _LAST_VERB) + r")\s+und\s+(?:dann\s+)?"
    r"(?=[^,;.]*\b(?:" + "|".join(_LAST_VERB) + r")\W*$)"
)
# two new values, each after its own "to" ("… to friday and yoga to monday")
_TWO_NEW = re.compile(
    r"\b(?:to|a|à|au|al|auf|nach|zu)\s+\S+[^,;.]*\s(?:and|et|y|und)\s+(?P<other>[^,;.]*?)"
    r"\b(?:to|a|à|au|al|auf|nach|zu)\s+\S"
)
# values read the same from each part of a request said twice (not a time, a person: "move
# the dentist to friday and move yoga to saturday" is two)
_READ_PER_PART = frozenset("switch lock_state alarm_mode percent temperature colour status".split())
# values a part's title says whole: "rename TL-42 to fix the timeout and add tests" is one
_WHOLE_VALUES = frozenset("title new_title label".split())
# the verbs of the other requests ("close TL-42 and assign TL-57 to Marco")
_ASKING_VERB = (
    r"(?:close|assign|cancel|move|add|create|remind|rename|delete|remove|book|schedule|mark|"
    r"reopen|annule|supprime|deplace|ajoute|cree|assigne|marque|rappelle|cancela|borra|mueve|"
    r"anade|asigna|marca|recuerdame|sag|losch|verschieb|trag|weis|erinnere)"
)
# a clause that says how things are ("it's getting dark", "il fait nuit", "es ist dunkel")
_IT_IS = re.compile(
    r"\s*(?:it's|it is|its|there's|we're|i'm|il fait|il est|c'est|on est|hace|esta|estamos|"
    r"es ist|es wird|wir sind|ich bin)\b"
)
# a later part that acts on the first one's thing again
_BACK_TO_IT = re.compile(
    r"\W*(?:\w+(?: (?:up|down|on|off|in|out|back))? (?:it|them)\b|\w+ (?:ihn|sie|es)\b|"
    r"\w+-(?:le|la|les)\b|(?:le|la|les|l') ?\w+|\w+(?:lo|la|los|las)\b)"
)
# a part naming a thing of its own ("… y enciende la luz del pasillo")
_NAMES_A_THING = re.compile(
    r"\b(?:the|a(?!\s+\d)|my|la|le|les|el|los|las|un|une|una|der|die|das|den|mein\w*)\s"
)
_OPENS_ASKING = re.compile(
    r"(?:please |bitte |por favor |(?:could|can|would|will) you |peux-tu |tu peux |puedes |"
    rf"podrias |kannst du |konntest du )?(?:{_IMPERATIVE}|{_ASKING_VERB})\b|"
    r"(?:peux-tu |tu peux |pourrais-tu |tu pourrais |pouvez-vous |vous pouvez |puedes |"
    rf"podrias |puede |podria |(?:me )?(?:la |le |les |lo |l'))?{_INFINITIVE}\w*"
)
# where a second request of its own starts: "and" (or "then") and its own verb
_AND_THEN = re.compile(
    rf"(?:,\s*|\s)(?:and|et|y|und|then|puis|luego|dann|and then|et puis|y luego|und dann)\s+"
    rf"(?:(?:please|also|aussi|bitte|tambien|auch)\s+)?"
    rf"(?={_IMPERATIVE}\b|{_ASKING_VERB}\b|{_INFINITIVE}\w*\b)"
)


# a second thing and its own state after "and", the verb not said again ("… off and the alarm
# on", "… aus und die Alarmanlage an"), after a first part that ends with its own
_GAPPED = re.compile(
    # ("schließ die Haustür ab und die Hintertür auf")
    r"\b(?:on|off|an|aus|ab|auf|zu)(?P<and>(?:\s*,)?\s(?:and|und)\s+)"
    # (not a verb of its own: "… on and keep it on", "… on and leave the hallway light on";
    # nor told: "die Lichter sind aus und die Alarmanlage ist an")
    r"(?!(?:keep|leave|let|lass|turn|switch|put|make|mach|schalt|it|them|es|sie)\b)"
    r"(?=(?:(?:the|my|die|das|den|der|mein\w*)\s)?(?:(?!is\b|are\b|ist\b|sind\b)[\w' ]){1,40}?"
    r"\s(?:on|off|an|aus|ein|ab|auf|zu)(?:,? (?:thanks|thank you|please|bitte|danke))?\W*$)"
)


# two things, each with its particle, and nothing more ("lights off, alarm on")
_GAPPED_SHORT = re.compile(
    r"^\W*(?P<first>(?:[\w']+\s){1,2}(?:on|off|an|aus))\s*[,;]\s*"
    r"(?P<second>(?:[\w']+\s){1,2}(?:on|off|an|aus))\W*$"
)


def _requests(folded: str) -> list[str]:
    """The requests of an utterance that says several, each with its own verb ("turn off the
    kitchen light and lock the front door"), or ``[folded]``."""
    if _OPENS_ASKING.match(folded) and _AND_THEN.search(folded):
        parts = [p for p in _AND_THEN.split(folded) if p.strip()]
    elif (m := _GAPPED_SHORT.match(folded)) is not None:
        return [folded[: m.end("first")], folded[m.start("second") :]]  # "Licht aus, Alarm an"
    elif (" and " in folded or " und " in folded) and (m := _GAPPED.search(folded)) is not None:
        # "turn the kitchen light on and the porch light off", "lights off and alarm on": the
        # verb said once, each thing with its own particle
        return [folded[: m.start("and")], folded[m.end() :]]
    elif " und " in folded and _AND_THEN_LAST.search(folded):
        parts = [p for p in _AND_THEN_LAST.split(folded) if p.strip()]
        if not all(_NAMES_A_THING.search(p) for p in parts[1:]):
            return [folded]  # "die Heizung runterdrehen und auf 19 stellen": one thing
    else:
        return [folded]
    if any(_BACK_TO_IT.match(p) and not _NAMES_A_THING.search(p) for p in parts[1:]):
        return [folded]  # one thing, two verbs: "close the garage and lock it"
    return parts


# what may come before it, when it opens the request ("à 22h éteins …", "in 10 minutes, …"),
# or just its verb ("schalt um 22 Uhr das Verandalicht aus", "éteins à 22h la lumière")
_BEFORE_LATER = re.compile(
    r"\W*(?:(?:please|bitte|por favor|can you|could you|ok|so)\W+)*"
    rf"(?:{_IMPERATIVE}(?:\W+(?:mal|bitte|please|ya))?\W*)?$"
)
# the most words of the request said after its time ("… um 18 Uhr auf 21 Grad")
_REST_OF_REQUEST = 5
# what the request's time is for, said after it ("… at 8pm for the guests", "… at 6pm when I
# get home"): its time still
_WHY_OR_WHEN = re.compile(r"\s*(?:for|when|so|pour|quand|para|cuando|fur|wenn|damit)\b")
# a clause of its own around the time: a reason, not the request ("…, que bajo en cinco
# minutos", "…, je descends dans deux minutes", "the cleaner is coming at 10am")
_OWN_SUBJECT = re.compile(
    r"\b(?:que|q|je|j'|nous|on (?:a|va|arrive|part|sera|est|fait|verra|descend|rentre|ferme|"
    r"ouvre|mange|sort|dort|commence|finit|doit|peut|se \w+)|i|"
    r"i'm|i'll|we|we're|were|we'll|it'll|it's|it will|he|she|they|ich|wir|weil|dass|"
    r"because|car|porque|cuando|when|quand|wenn|until|till|jusqu'a|hasta|bis|"
    r"is|are|was|were|went|that|which|qui|comes|coming|arrives?|arriving|arrive|arrivent|llega|"
    r"llegan|viene|vienen|kommt|kommen|starts|begins|commence|empieza|beginnt|sets|going|il|"
    r"hace|fait|fera|wird|before|avant|antes|vor|for the|for my|pour (?:le|la|ma|mon)|"
    r"para (?:el|la|mi)|fur (?:das|den|die|mein\w*))\b|\bj'|'s\b"
)


_LATER_SAID = Needled(_LATER)
_TONIGHT_SAID = Needled(_TONIGHT)
_A_DIGIT = re.compile(r"\d")
# a time and a value, each with its word: "at 6 to 21", "to 21 at 6"
_AT_AND_TO = re.compile(r"\bat \d.*\bto \d|\bto \d.*\bat \d")


# (not "before" or "until": done now, it is done in time)
_CONDITION = re.compile(
    r"\b(?:when|once|as soon as|after|quand|des que|lorsque|apres|cuando|en cuanto|"
    r"despues de|wenn|sobald|nachdem|sowie)\b"
)
# a condition on how things are, or a moment that is now ("… when you can", "… if it's open")
_STATE_CONDITION = re.compile(
    r"(?:when|quand|cuando|wenn)\s+(?:you|tu|vous|puedas|du)\s+(?:can|get a chance|peux|pouvez|"
    r"puedes|kannst)|(?:after|apres|despues de|nach)\s+(?:that|this|ca|cela|eso|esto|dem|das)\b"
)
_GET_GOING = re.compile(r"\bget ((?:\S+ ){1,4}?)going\b")


_FOR_WHEN_BEFORE = re.compile(r"\b(?:for|pour|para|fur) $")
_HEAT_SAID = re.compile(
    r"\b(?:radiat\w*|thermostat|heat\w*|degrees?|degres?|grados?|grad|chauffage|calefacc\w*|"
    r"radiador\w*|heizung|heizkorper)\b"
)


def _warmed_for(folded: str, at: int) -> bool:
    """Whether the condition at ``at`` says what a heating set now is for ("… radiator on
    twenty for when they're back": warm by then)."""
    return (
        _FOR_WHEN_BEFORE.search(folded, max(0, at - 5), at) is not None
        and _HEAT_SAID.search(folded, 0, at) is not None
        and _A_TEMPERATURE.search(folded, 0, at) is not None
        and _NOT_HEAT.search(folded, 0, at) is None
    )


# a temperature said ("on twenty", "à 20", "to 21 degrees")
_A_TEMPERATURE = re.compile(
    r"\b(?:1\d|2\d|twenty|vingt|veinte|zwanzig|eighteen|nineteen|dix-huit|dix-neuf|dieciocho|"
    r"diecinueve|achtzehn|neunzehn)\b"
)


_NOT_HEAT = re.compile(
    r"\b(?:alarm\w*|door|porte|puerta|tur|lock\w*|verrou\w*|light|lumiere|luz|licht|coffee|"
    r"cafe|kaffee\w*|cafetera|oven|four|horno|ofen)\b"
)


def _later(folded: str, *, clock: bool, evening_now: bool) -> bool:
    """Whether the request asks for the change at a later time, said with its verb first or
    last in the request's own clause ("à 22h éteins la lumière", "switch the coffee machine
    on in 10 minutes"; not "on a des invités à 20h, mets les lumières à 50", nor "allume la
    machine à café, je descends dans deux minutes": when the guests come, when I come down).
    ``clock``: a bare clock time counts too; ``evening_now``: "tonight" is now."""
    if "going" in folded:
        folded = _GET_GOING.sub(r"get \1", folded)  # ("going" is no subject of its own here)
    if (
        (cond := _CONDITION.search(folded)) is not None
        and not _STATE_CONDITION.match(folded, cond.start())
        and not _warmed_for(folded, cond.start())
    ):
        # "turn on the sauna after dinner", "lock the door when we leave", "allume le
        # chauffage quand on rentre": asked for a later moment, in the request's own clause
        head = folded[: cond.start()].rstrip(" ,")  # (German: ", sobald wir zurück sind")
        if (
            _HAS_IMPERATIVE.search(head)
            and not any(p in head for p in ",;.!?")
            and _OWN_SUBJECT.search(head) is None
        ):
            return True
    found = [*_LATER.finditer(folded)] if _LATER_SAID.may_match(folded) else []
    if clock and _A_DIGIT.search(folded):
        found += _AT_CLOCK.finditer(folded)
    if not evening_now and _TONIGHT_SAID.may_match(folded):
        found += _TONIGHT.finditer(folded)
    for m in found:
        if _BEFORE_LATER.fullmatch(folded[: m.start()]):
            # and the rest of its clause is the request ("tomorrow it'll be freezing, …")
            rest = _CLAUSE_END.split(folded[m.end() :], maxsplit=1)[0]
            if _OWN_SUBJECT.search(rest) is None and (m.start() > 0 or m.group() != "morgen"):
                return True
            continue
        if not _AFTER_LATER.match(folded, m.end()):
            # the request's own words after it ("stell die Heizung um 18 Uhr auf 21 Grad",
            # "mach um 22 Uhr das Licht aus"): no subject or request of their own
            rest = _CLAUSE_END.split(folded[m.end() :], maxsplit=1)[0]
            if (
                not rest.strip()  # (its clause ends there, and more is said after it)
                or len(rest.split()) > _REST_OF_REQUEST
                or (_OWN_SUBJECT.search(rest) is not None and not _WHY_OR_WHEN.match(rest))
                or _HAS_IMPERATIVE.search(rest) is not None
                or _AND_THEN.search(rest) is not None
            ):
                continue
        start = max(folded.rfind(p, 0, m.start()) for p in ",;.!?") + 1
        clause = folded[start : m.start()]
        if _OWN_SUBJECT.search(clause) is None and _HAS_IMPERATIVE.search(clause):
            return True  # (not "Kaffeemaschine an, Daily in fünf Minuten")
    return False


def _clock_gap(a: datetime, b: datetime) -> int:
    """Minutes between the times of day of ``a`` and ``b`` (in ``a``'s zone), days aside."""
    b = b.astimezone(a.tzinfo)
    gap = abs((a.hour * 60 + a.minute) - (b.hour * 60 + b.minute))
    return min(gap, 24 * 60 - gap)


_TITLE_LEAD = re.compile(
    r"^.*?\b(?:ticket|issue|bug|task|reminder|event|appointment|meeting|rappel|tache|tarea|"
    r"incidencia|incidence|fehler|"
    r"recordatorio|cita|reunion|aufgabe|erinnerung|termin|remind me|rappelle-moi|rappelle moi|"
    r"fais-moi penser|recu[eé]rdame|acu[eé]rdame|erinnere? mich(?: dran| daran)?|[a-z]{1,4}-\d+)"
    r"\b\s*(?:to|for|about|that|pour|de|d'|que|para|sobre|"
    r"zu|fur|"
    r"uber|dass|:)?\s*"
)


_SAYING = re.compile(
    r"\b(?:saying|that says|to say|disant|qui dit|diciendo|que diga|mit dem text|dass)\b\s*|"
    # what a comment says after the verb that writes it: "on 42 write that …", "añade en el
    # 57 que …", "comenta en el del login que …", "mets en commentaire sur … que …"
    r"^(?:\S+\s+){0,3}?(?:write|add|comment|note|mention|[ée]cris|ajoute|commente|mets|"
    r"escribe|a[ñn]ade|comenta|apunta|pon)\b[^,:;]*?\b(?:that(?! says)|que)\s+"
)


_LOG_IT = re.compile(
    r"\b(?:log|note|file|write (?:down|up))\s+(?:that|it|this)\b|\ble noter\b|\bnote[rz]?-le\b|"
    r"\bapuntalo\b|\bapunta eso\b|\bnotier\b|\baufschreiben\b|\bschreib (?:das|es) auf\b"
)


def _title(c: Cleaned) -> str | None:
    text = c.numeric.strip(" .!?")
    for marker in (":", "\u2013", " - "):
        if marker in text:
            after = text.split(marker, 1)[1].strip(" ,.")
            if after:
                return after
    said = _SAYING.search(text)
    if said and text[said.end() :].strip():
        return text[said.end() :].strip(" ,.")
    m = _TITLE_LEAD.match(text)
    title = text[m.end() :] if m else ""
    if not title and (log := _LOG_IT.search(text)):
        clauses = [c.strip() for c in re.split(r"[,;]", text[: log.start()]) if c.strip()]
        title = clauses[0] if clauses else ""
    title = re.sub(
        r"\s+(?:please|s'il te plait|s'il vous plait|por favor|bitte)$", "", title
    ).strip(" ,.")
    if len(title) < 4 or title in {"an", "auf", "ein", "up", "for", "pour", "para"}:
        return None  # "leg ein Ticket an": no title said
    return title


# a new name said after the item: "… 42 to X", "… en X", "… a X", "… um in X", "… as X", ": X"
_RENAMED_TO = re.compile(r"(?:\s(?:to|as|into|en|a|al|por|zu|in|auf)|:)\s+(?P<title>\S.*)$", re.I)
_ITEM_NUMBER = re.compile(r"\b(?:tl-?)?\d+\b|\b(?:ticket|bug|issue|incidencia|fehler)\b", re.I)


def _new_title(c: Cleaned) -> str | None:
    """The new title a rename says, after the item it names ("rename ticket 42 to login
    fails on safari" → "login fails on safari"); None when none is said.

    >>> from processors.language import clean
    >>> _new_title(clean("renomme le ticket 42 en plantage au démarrage", "fr"))
    'plantage au démarrage'
    """
    text = c.numeric.strip(" .!?")
    named = _ITEM_NUMBER.search(text)
    if named is None:
        return None
    # the first "to" after the item's first mention ("… ticket 42 um in …", "… ticket to
    # crash on ios 17": a number or "bug" in the new title is no mention)
    m = _RENAMED_TO.search(text, named.end())
    title = m.group("title").strip(" ,.\"'«»") if m else ""
    return title if len(title) >= 3 else None


def _new_id(pack: DomainPack, intent: IntentSpec, source_event_id: str) -> str:
    """A new item's id: stable for the event (a redelivery builds the same patch)."""
    prefix = _NEW_ID_PREFIX.get(
        (intent.target.collection if intent.target else "").strip("/"), "item"
    )
    # ``uuid5_text(_NS, source_event_id)[:8]``: the version and variant bits come later
    return f"{prefix}-{hashlib.sha1(_NS_BYTES + source_event_id.encode()).hexdigest()[:8]}"


_NEW_ID_PREFIX = {"tickets": "TL-new", "events": "ev", "reminders": "rem"}
_NS_BYTES = _NS.bytes


def _delex(u: Understanding) -> list[str]:
    """The words of the utterance with its item mentions replaced by their kind words."""
    words = (u.spelled or u.cleaned).folded.split()
    names: set[str] = set()
    named = u.resolution.best[:2]
    for m in named:
        for name in m.item.names:
            names.update(_name_words(name))
    kept = [w for w in words if w.strip("?,.!") not in names]
    kinds = {m.item.kind for m in named if m.item.kind}
    return [*kept, *(f"x{k}" for k in sorted(kinds))]


@lru_cache(maxsize=4096)  # a word: the kind marks, and the few words that hold an "x"
def _unmarked(word: str) -> str:
    """``word`` without the "x" of its kind marks ("xlight" → "light")."""
    return _KIND_MARK.sub(r"\1", word)


@lru_cache(maxsize=4096)  # the inventory's names: the same few for every event
def _name_words(name: str) -> tuple[str, ...]:
    """The folded words of an item's name."""
    return tuple(fold(name).split())


_KIND_MARK = re.compile(r"\bx(\w+)")  # a kind word put for an item, "xlight"


def _delex_example(example: str) -> str:
    """Examples name items in angle brackets, ``turn on the <light>``: the kind word stays."""
    text = fold(example)
    return re.sub(r"<(\w+)>", lambda m: f"x{m.group(1)}", text)


# What makes the rest of an utterance a request after small talk ("thanks, and lock the door").
ASKING = re.compile(
    r"\b(?:can you|could you|would you|please|turn|switch|set|put|make|lock|unlock|open|close|"
    r"move|cancel|create|add|remind|start|stop|dim|allume|eteins|mets|peux|pouvez|ferme|ouvre|"
    r"annule|ajoute|rappelle|enciende|apaga|pon|puedes|podrias|cierra|abre|cancela|anade|abbrechen|"
    r"recuerda|schalte|mach|kannst|konntest|stell|schliess|offne|erinnere|schalt\w*|aktivier\w*|"
    r"abschlie\w*|zusperr\w*|verschieb\w*|dreh\w*|activ\w*|verrouill\w*|conecta\w*|"
    r"echa la llave)\b|\?"
)
_CANCEL_WORD_SAID = re.compile(r"cancel\w*|annule\w*|abbrechen")


def asks_after(rest: str) -> bool:
    """Whether what follows small talk asks for something ("thanks, and lock the door"); a
    cancellation only when it names a kind of thing ("no, cancel, I changed my mind")."""
    folded = fold(rest)
    asked = ASKING.search(folded)
    if asked and _CANCEL_WORD_SAID.fullmatch(asked.group(0)):
        return names_kind(rest)
    # ("merci, décale le yoga à 19h", "danke, weis TL-42 Lea zu")
    return asked is not None or any(
        not _CANCEL_WORD_SAID.fullmatch(m.group(0)) for m in _REQUEST_VERB_SAID.finditer(folded)
    )


def already_done(folded: str) -> bool:
    """Whether ``folded`` tells a request that was already done or called off ("I was going to
    ask you to lock up, but Sam already did"), and asks nothing new after it ("…, so lock the
    back door instead").

    >>> already_done("i was going to ask you to lock up, but sam already did")
    True
    """
    found = ALREADY_DONE.search(folded)
    return found is not None and not asks_after(folded[found.end() :])


def names_kind(text: str) -> bool:
    """Whether ``text`` says a word of some kind of thing ("light", "Szene")."""
    said = set(re.findall(r"[a-z0-9]+", fold(text)))
    return any(said & vocab for vocab in KIND_WORDS.values())


__all__ = ["GROUNDED_VERSION", "KIND_WORDS", "SUPPORTED", "GroundedExpert", "Match", "reply_text"]
