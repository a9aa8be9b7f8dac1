"""Language: which language an utterance is in, and the utterance cleaned for understanding.

- :func:`detect` combines lingua (restricted to the supported languages plus common others,
  so that an unsupported language is recognised as such) with function-word votes, which
  decide the short texts where lingua is unreliable ("merci", "danke").
- :func:`clean` lower-cases, folds apostrophes, drops emoji, writes out a phone's shorthand
  ("pls", "stp", "porfa", "bt"; :func:`expand_shorthand`), drops fillers ("um", "euh", "ähm"), word
  repetitions and, after a self-correction ("the kitchen no wait the bedroom"), the words
  it takes back; numbers in words become digits (text2num).

>>> detect("allume la lumière de la cuisine").lang
'fr'
>>> clean("um can you uh switch the the porch light on", "en").text
'can you switch the porch light on'
>>> clean("mets vingt et un degrés", "fr").numeric
'mets 21 degrés'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import repeat
from typing import Any

from processors.lexicon import NUMBER_WORDS, WEEKDAY_NAMES

SUPPORTED = ("en", "fr", "es", "de")
UNDETERMINED = "und"

# Words that say little on their own but a lot about the language they belong to.
_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the a an is are to of in on off and it my me you can could please what when where "
        "how who turn switch set this that with for at up down thanks thank yes no hi hello you're "
        "i'm it's haha "
        "bye okay cool great never mind sorry wait lights light "
        "pls plz thx tmrw abt u dont cant im whos "  # a phone's shorthand says it too
        # short requests and their words ("cancel yoga tomorrow", "label TL-112 as a bug")
        "cancel tomorrow tonight today label as close who's what's whats got lol ty cheers nice "
        "add lock".split()
    ),
    "fr": frozenset(
        "le la les un une des du de est et il elle mon ma mes tu vous peux pouvez quoi "
        "quand où comment qui allume éteins éteindre allumer mets dans pour avec sur merci "
        "oui non bonjour salut au revoir bien d'accord rien laisse tomber pardon désolé "
        "lumière lumières c'est s'il plaît je j'ai stp svp chui dsl bjr "
        # chat drops accents; "sont", "quelles" say French as much as "où" does
        "quel quelle quels quelles sont cette nous lumiere lumieres eteins "
        # short requests and their words ("mets-la en bleu", "passe TL-57 en revue")
        "à au aux ça pas chez coucou allô mets-le mets-la mets-les donne donne-le donne-la "
        "attribue attribue-le attribue-la traduis revue chambre jsuis t'es s'en".split()
    ),
    "es": frozenset(
        "el la los las un una unos de del es y en mi mis tu puedes qué cuándo dónde cómo "
        "quién enciende apaga pon por para con gracias sí hola adiós vale nada olvídalo "
        "perdón lo siento luz luces está están favor quiero porfa xfa mñn "
        # short requests and their words ("cancela eso", "quita la alarma", "sube el TL-126")
        "cancela cancelas cancelar quita quítale pon ponle ponla ponlo ponme mejor espera al "
        "ya eso esto sube baja cierra asigna asígnale añade cita clase mañana noche hoy".split()
    ),
    "de": frozenset(
        "der die das ein eine ist und in im mein meine du kannst bitte was wann wo wie wer "
        "mach schalte aus an ein auf mit für danke ja nein hallo tschüss okay gut egal "
        "vergiss entschuldigung licht lichter ich es nicht bt bidde nich "
        "welche welcher welches welchen hast haben sind wird "
        # short requests and their words ("weis TL-63 Priya zu", "nee lass mal", "gib … an")
        "zu mir mich dir dich ins vom zum zur beim nee lass gib weis weise schließ schliess "
        "schieb nimm sperr erinnere streich trag setz dreh heller höher wärmer".split()
    ),
}
_LINGUA_NAMES = {
    "ENGLISH": "en",
    "FRENCH": "fr",
    "SPANISH": "es",
    "GERMAN": "de",
    "ITALIAN": "it",
    "PORTUGUESE": "pt",
    "DUTCH": "nl",
    "POLISH": "pl",
    "TURKISH": "tr",
    "SWEDISH": "sv",
}
# Fillers of spontaneous speech; removed before anything else looks at the words.
_FILLERS = frozenset("umm uh uhh uhm erm hmm mm euh heu ähm äh öhm hm eh".split())
_FILLERS_OF = {  # fillers that are words elsewhere ("um" is a German preposition)
    "en": frozenset("um er ah".split()),
    "fr": frozenset("ben bah beh".split()),
    "es": frozenset("em este pues".split()),
    "de": frozenset({"ach"}),  # "…, ach nee, die Werkbanklampe"
}
_FILLERS_IN = {lang: _FILLERS | more for lang, more in _FILLERS_OF.items()}
# A self-correction: what comes after it replaces the phrase before it.
_CORRECTION = re.compile(
    r"(?:,\s*|\s)(?:no|non|nein|nee|no no)[,]?\s+"
    r"(?=(?:the|la|le|el|die|der|das|den|mon|ma|mes|mein|meine|meinen)\s)|"
    r"\b(?:no,? wait|no,? sorry|sorry i mean|i mean|actually no|non,? attends|non,? pardon|"
    r"enfin non|pardon|ou plutôt|no,? espera|perdón|digo|mejor dicho|nein,? warte|nee,? warte|"
    r"ne warte|"
    r"nein doch|ich meine|ich mein(?= d[ie][ernm]?\b)|"  # "ich mein die …": as said
    r"quatsch|oder besser|nee doch lieber(?: nur)?|nein doch lieber(?: nur)?|doch lieber nur|"
    r"no mejor|non plutot|non plutôt|no rather|or rather)\b[\s,]*|"
    # "…, no not that one, the path lights", "…, non pas celle-là, celle du jardin", "…, no,
    # esa no, la del jardín", "…, nicht das da, die Weglichter": another one named after it
    r"(?<!\bbut )(?<!\baber )(?<!\bmais )(?<!\bpero )(?<!\band )(?<!\bund )(?<!\bet )"
    r"\b(?:(?:no,? )?not that one|(?:non,? )?pas (?:celle|celui|ceux|celles)[- ]l[aà]|"
    r"(?:no,? )?(?:esa|ese|esas|esos) no|no (?:esa|ese|esas|esos)|"
    r"(?:nein,? |nee,? )?nicht (?:die|den|das|der) da|(?:nein,? |nee,? )?nicht (?:diese|dieser|"
    r"diesen|dieses))[\s,]+(?=(?:the|la|le|el|los|las|lo|celle|celui|die|der|das|den)\s"
    # not what stays as it is: "…, not that one, the back door stays open"
    r"(?![^,.]*\b(?:stays?|remains?|bleibt|bleiben|reste|restent|queda|quedan)\b))|"
    # "Ferme TL-42… attends, non, TL-94", "Cierra TL-57… uy, no, TL-118", "… non, celui de la
    # cuisine": a "no" before another id or "that one of"
    r"(?:[,\u2026]|\.\.\.)\s*(?:(?:wait|attends|espera|warte|uy|oops|euh|eh),?\s+)?"
    r"(?:no|non|nein|nee)[,]?\s+(?=(?:[a-z]{1,4}-\d+|celui|celle|ceux|el de|la de|lo de|"
    r"der von|die von|das von|the one)\b)"
)
# Spanish written "…, no la trasera" is "not the back one"; "…, no, la trasera" and the spoken
# "… eh no la principal" correct ("…, pero no la del pasillo" leaves that one out)
# (and "que no le da tiempo": "le" is a pronoun in Spanish, no article)
_CORRECTION_ES = re.compile(
    _CORRECTION.pattern.replace(
        r"(?:,\s*|\s)(?:no|non|nein|nee|no no)[,]?\s+"
        r"(?=(?:the|la|le|el|die|der|das|den|mon|ma|mes|mein|meine|meinen)\s)",
        # ("…, pero esa no, la lámpara de pie" leaves that one out: grounding reads it)
        r"(?:,\s*(?:no|no no),\s+|"
        r"(?<!,)(?<!\besa)(?<!\bese)(?<!\besas)(?<!\besos)(?<!\bpero)\s(?:no|no no),?\s+)"
        r"(?=(?:la|el|los|las)\s)",
        1,
    )
)
# A bare "no" between two numbers takes the first back ("mets le chauffage à vingt non
# vingt-deux", "auf zwanzig nein zweiundzwanzig"); not in Spanish, where ", no veintidós"
# says which it is not. A number word ends the word before (as in "zweiundzwanzig").
_NUMBER_SPELLINGS = sorted(
    {*NUMBER_WORDS, "fünf", "zwölf", "dreißig"} - {"once"}, key=len, reverse=True
)
_NUMBERS = "(?:" + "|".join(_NUMBER_SPELLINGS) + ")"
# a word made of number words only ("vingt-deux", "zweiundzwanzig", "dix-huit")
_NUMBER_WORD = re.compile(f"{_NUMBERS}(?:(?:und|et|-)*{_NUMBERS})*")
_NUMBER_CORRECTION = re.compile(
    r"\s(?:(?<=\d\s)|(?<=\d,\s)|(?<=%\s)|(?<=%,\s)|"
    + "|".join(
        f"(?<=\\b{w}{c}\\s)|(?<=und{w}{c}\\s)|(?<=-{w}{c}\\s)"
        for w in _NUMBER_SPELLINGS
        for c in ("", ",")  # "to forty, no, sixty percent"
    )
    # (a filler before it: "to 22, uh no, 20")
    + r")(?:(?:uh|um|uhm|erm|euh|heu|eh|äh|ähm|ah)[,]?\s+)?(?:no|non|nein|nee)[,]?\s+"
    + rf"(?=\d|{_NUMBER_WORD.pattern}\b)"
)
# Spanish says which number it is after "mejor" ("a veinte grados, no, mejor veintiuno")
_NUMBER_CORRECTION_ES = re.compile(
    rf"(?:,\s*|\s)no,?\s+mejor\s+(?=\d|veinti\w+|{_NUMBER_WORD.pattern}\b)"
)
# Every correction above says one of these (most utterances none: the search is cheaper)
_MAY_CORRECT = re.compile(
    "no|ne|mean|pardon|plut|perd|dig|dicho|quatsch|besser|lieber|rather|nicht|pas c|esa|ese|"
    "ich mein"
)
# A reminder asked for, opening the utterance (folded): what follows is its text ("remind me to
# cancel the dentist" cancels nothing).
REMIND_ME = re.compile(
    r"\W*(?:(?:please|ok|so|hey|bitte|por favor|oye|stp|s'il te plait)\W+)*"
    r"(?:(?:can|could|would) you |tu peux |puedes |kannst du )?"
    r"(?:remind me|recuerdame|recordarme|acuerdame|rappelle-moi|rappelle moi|"
    r"fais-moi penser|fais moi penser|erinnere? mich|erinner mich|"
    # a heads-up asked ("give me a heads-up half an hour before …", "sag mir eine Stunde vorher
    # Bescheid wegen dem Tierarzt", "préviens-moi la veille", "avísame una hora antes")
    # (a time before something: not "ping me on slack about 42", "gib mir Bescheid, wenn der
    # Build durch ist")
    r"(?:give me a heads[- ]up|ping me|previens-moi|avise-moi|avisame)(?=.*\b(?:before|avant|"
    r"antes|vorher)\b)|"
    r"(?:sag|gib) mir (?=(?:\w+ ){0,8}?(?:vorher|vor (?:dem|der|den))\b)(?:\w+ ){0,8}?bescheid)\b"
)
# Openers that carry no request: "hey", "ok so", "sag mal", "dis-moi", "oye", "bueno".
_DISCOURSE = re.compile(
    r"^(?:(?:hey|ok|okay|so|well|right|alright|please|nah|just|alors|bon|dis|dis-moi|eh bien|"
    r"scratch that|forget that|oublie ca|olvida eso|vergiss das|"
    r"oye|mira|bueno|vale|pues|sag mal|also|na|bitte|yeah|ouais|oui|si|ja|"
    r"quick one|quick question|by the way|btw|au fait|une question|por cierto|una pregunta|"
    r"(?:ü|u)brigens|eine frage)[,!]?\s+"
    r"(?!(?:si|ob|if|whether)\b))+(?=\w)"  # "dis-moi si …" asks whether: kept whole
)
# elsewhere than in Spanish, "Mira" is a name ("Mira says her room is cold")
_DISCOURSE_ELSE = re.compile(_DISCOURSE.pattern.replace("oye|mira|", "oye|", 1))
# ... and in Spanish too, when she does or says something ("Mira dice que …", "Mira tiene
# frío"; not "mira, apaga la luz", "mira que hace frío")
_MIRA_DOES = re.compile(
    r"mira (?:dice|dijo|quiere|tiene|esta|está|necesita|pide|ha|se|comenta|cuenta|sigue|"
    r"acaba|duerme|no)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w'-]+")  # (after \u2019 → ')


@dataclass(frozen=True)
class Detected:
    """A language guess: ISO 639-1 code (or ``und``) and how sure it is (0..1)."""

    lang: str
    confidence: float

    @property
    def supported(self) -> bool:
        """Whether formation understands this language."""
        return self.lang in SUPPORTED


@lru_cache(maxsize=1)
def _lingua_codes() -> dict[Any, str]:
    """lingua's languages → ISO codes."""
    from lingua import Language

    return {getattr(Language, name): code for name, code in _LINGUA_NAMES.items()}


@lru_cache(maxsize=1)
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder  # heavy: loaded on first use

    languages = [getattr(Language, name) for name in _LINGUA_NAMES]
    return (
        LanguageDetectorBuilder.from_languages(*languages)
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )


def _strip(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Latin letters with accents → without, as one translate table (fold runs per word, often);
# every other code below them maps to itself (translate is slower on a code it does not find)
_FOLD_TABLE = {code: _strip(chr(code)) if code >= 0xC0 else chr(code) for code in range(0x250)}
_FOLD_TABLE[ord("ß")] = "ss"
# A Latin-1 text folds byte by byte (far cheaper than the table above): each Latin-1 character
# folds to one Latin-1 character, ß aside (building this fails if that ever changes)
_FOLD_LATIN1 = bytes(ord(_FOLD_TABLE[code]) if code != 0xDF else code for code in range(256))


def fold(text: str) -> str:
    """Lower case without accents: ``"Küche"`` → ``kuche``."""
    lowered = text.lower()
    if lowered.isascii():  # nothing to fold (the table maps only letters beyond ASCII)
        return lowered  # (as cheap as a cache's look-up)
    return _without_accents(lowered)


@lru_cache(maxsize=256)  # an event's text is folded by a dozen checks (and words repeat)
def _without_accents(lowered: str) -> str:
    """:func:`fold` of a lower-case text beyond ASCII."""
    latin1 = lowered.encode("latin-1", "ignore")
    if len(latin1) == len(lowered) and "ß" not in lowered:
        lowered = latin1.translate(_FOLD_LATIN1).decode("latin-1")
    else:
        lowered = lowered.translate(_FOLD_TABLE)
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# ASCII characters that are no part of a word (``_WORD``) → space: an ASCII text's words are then
# its split (cheaper than the regex). (A table of all 128: translate is slow on a missing key.)
_NOT_WORD = "".join(c if c.isalnum() or c in "_'-" else " " for c in map(chr, range(128)))


def tokens(text: str) -> list[str]:
    """Lower-case words, apostrophes folded (``"it\u2019s"`` → ``it's``)."""
    lowered = text.lower().replace("\u2019", "'")
    if lowered.isascii():
        return lowered.translate(_NOT_WORD).split()
    return _WORD.findall(lowered)


def _packed_votes() -> dict[str, int]:
    """Each function word's votes as one integer, a byte per language (``_FUNCTION_WORDS``
    order): a text's votes are then the sum of its words'."""
    packed: dict[str, int] = {}
    for shift, vocab in enumerate(_FUNCTION_WORDS.values()):
        for word in vocab:
            packed[word] = packed.get(word, 0) | 1 << 8 * shift
    return packed


_VOTES_OF = _packed_votes()
_LANGUAGES = len(_FUNCTION_WORDS)
_LANGUAGE_ORDER = tuple(_FUNCTION_WORDS)
# (a vocabulary with an elided form, "qu'", also counts the words it starts: see
# _function_word_of; none has one now)
_ELIDES = any(word.endswith("'") for vocab in _FUNCTION_WORDS.values() for word in vocab)


def function_word_votes(words: list[str]) -> dict[str, int]:
    """How many of ``words`` are function words of each supported language."""
    if len(words) < 256 and not _ELIDES:  # (256 words could carry a byte into the next one)
        counts = sum(map(_VOTES_OF.get, words, repeat(0))).to_bytes(_LANGUAGES, "little")
        return dict(zip(_FUNCTION_WORDS, counts, strict=False))  # (a byte per language)
    if not words:
        return dict.fromkeys(_FUNCTION_WORDS, 0)
    per_word = map(_function_word_of, words)
    return dict(zip(_FUNCTION_WORDS, map(sum, zip(*per_word, strict=True)), strict=True))


@lru_cache(maxsize=4096)  # words repeat: each is looked up once
def _function_word_of(word: str) -> tuple[int, ...]:
    """1 for each language (in ``_FUNCTION_WORDS`` order) ``word`` is a function word of."""
    elided = word.split("'")[0] + "'"  # "c'est": c'
    return tuple(int(word in vocab or elided in vocab) for vocab in _FUNCTION_WORDS.values())


# letters only one of the supported languages writes (not ñ or ß: surnames have them, "Peña")
_MARKS = {"fr": "œ", "es": "¿¡"}


# (the stressed syllable two before the pronoun; not "le", "les": French "générale", "pédale")
_ES_CLITIC = re.compile(
    r"[a-zñ]*[áéíóú][a-zñ]+[aei](?:lo|los|la|las|me|nos|selo|sela|selos|selas)$"
)


def _marked(text: str) -> list[str]:
    """The supported languages whose own letters ``text`` has."""
    return [lang for lang, marks in _MARKS.items() if any(mark in text for mark in marks)]


def detect(text: str, *, hint: str | None = None) -> Detected:
    """The language of ``text``; ``hint`` (the session's or the event's language) breaks ties.

    >>> detect("mach das Licht in der Küche an").lang
    'de'
    >>> detect("accendi la luce della cucina").lang
    'it'
    """
    words = tokens(text)
    if not words:
        return Detected(hint or UNDETERMINED, 0.0)
    if 3 <= len(words) < 256 and not _ELIDES:
        # function_word_votes' packed counts, a byte per language, read as they are: half the
        # texts are decided by them alone (below), without a dict or a sort
        counts = sum(map(_VOTES_OF.get, words, repeat(0))).to_bytes(_LANGUAGES, "little")
        top = max(counts)
        if top >= 2 and top >= 2 * sorted(counts)[-2] + 1:
            # as below: the first language with the most votes (here the only one)
            lang = _LANGUAGE_ORDER[counts.index(top)]
            return Detected(lang, round(min(1.0, 0.5 + top / len(words)), 4))
        votes = dict(zip(_FUNCTION_WORDS, counts, strict=True))
    else:
        votes = function_word_votes(words)
    if not text.isascii() and (clitics := sum(1 for w in words if _ES_CLITIC.match(w))):
        # "márcalo", "apágala", "pásaselo": an accented imperative with its pronoun joined,
        # Spanish alone writes so (Portuguese and French join them with a hyphen)
        votes = {**votes, "es": votes["es"] + 2 * clitics}
    if len(words) <= 2:
        best = max(votes.values())
        leaders = [lang for lang, n in votes.items() if n == best and n > 0]
        if hint in leaders or (not leaders and hint):
            return Detected(str(hint), 0.6)
        if len(leaders) == 1:
            return Detected(leaders[0], 0.7)
        marked = _marked(text)
        if not leaders and len(marked) == 1:  # "¡feliz navidad!"
            return Detected(marked[0], 0.6)
        if not leaders:  # "ok", "cool!": nothing to go by
            return Detected(UNDETERMINED, 0.0)
    ranked = sorted(votes.values(), reverse=True)
    if len(words) >= 3 and ranked[0] >= 2 and ranked[0] >= 2 * ranked[1] + 1:
        # the function words leave no doubt: no need for the character models
        lang = max(votes, key=votes.__getitem__)
        return Detected(lang, round(min(1.0, 0.5 + ranked[0] / len(words)), 4))
    codes = _lingua_codes()
    # (lingua's values are floats already)
    raw = {codes[v.language]: v.value for v in _detector().compute_language_confidence_values(text)}
    scores = dict(raw)
    count = len(words)
    for lang, n in votes.items():  # function words settle what character models blur
        scores[lang] = scores.get(lang, 0.0) + 0.15 * n / count
    if hint in scores:
        scores[str(hint)] += 0.05
    lang = max(scores, key=scores.__getitem__)
    if lang not in SUPPORTED:
        # lingua blurs short sentences ("lock the front door" → Dutch): the supported language
        # with the most function words wins when lingua gives it any chance at all
        most = max(votes.values())
        leaders = [k for k in SUPPORTED if votes[k] == most and most >= 1]
        if leaders:
            known = max(leaders, key=lambda k: raw.get(k, 0.0))
            if (
                most >= 2
                or raw.get(known, 0.0) >= 0.02
                or known == hint  # "¿cuánto son 350 grados fahrenheit en celsius?" is no Swedish
                or known in _marked(text)
            ):
                lang = known
    elif (
        hint in SUPPORTED
        and hint != lang
        and votes[str(hint)] >= 1
        and votes[str(hint)] >= votes[lang]
    ):
        # as many of the hinted language's function words as of the winner's: the hint breaks
        # the tie ("what's 70 fahrenheit in celsius" → German by characters)
        lang = str(hint)
    elif votes[lang] == 0 and max(votes.values()) >= 1:
        # "list the open bugs" → German by characters, English by its words
        most = max(votes.values())
        lang = max((k for k in SUPPORTED if votes[k] == most), key=lambda k: scores.get(k, 0.0))
    if votes.get(lang, 0) == 0:
        # no function word of the winner: letters only one supported language writes decide
        marked = _marked(text)
        if len(marked) == 1:
            lang = marked[0]
    if len(words) <= 2 and votes.get(lang, 0) == 0 and lang in SUPPORTED and hint:
        return Detected(hint, 0.5)
    confidence = raw.get(lang, 0.0) + 0.5 * votes.get(lang, 0) / len(words)
    return Detected(lang, round(min(1.0, confidence), 4))


@dataclass(frozen=True)
class Cleaned:
    """An utterance prepared for understanding.

    ``text``: fillers, repetitions and retracted words removed; ``numeric``: the same with
    numbers in words as digits; ``folded``: ``numeric`` without accents, for matching.
    """

    text: str
    numeric: str
    folded: str
    corrected: bool
    lang: str = "en"
    # a correction kept the thing in a state it named ("…, no wait, leave it on"): what is
    # asked is to leave it so, never to change it
    kept: bool = False


@lru_cache(maxsize=1)
def _text2num() -> Callable[..., str]:
    """text2num's ``alpha2digit``, imported on first use (an import statement costs per call)."""
    from text_to_num import alpha2digit  # type: ignore[import-untyped]

    return alpha2digit  # type: ignore[no-any-return]


_SCALE_WORDS = {
    "en": {"thousand": 10**3, "million": 10**6, "millions": 10**6, "billion": 10**9},
    "fr": {
        "mille": 10**3,
        "million": 10**6,
        "millions": 10**6,
        "milliard": 10**9,
        "milliards": 10**9,
    },
    "es": {"mil": 10**3, "millón": 10**6, "millon": 10**6, "millones": 10**6},
    "de": {
        "tausend": 10**3,
        "million": 10**6,
        "millionen": 10**6,
        "milliarde": 10**9,
        "milliarden": 10**9,
    },
}
_SCALED = {
    lang: re.compile(rf"\b(\d+(?:[.,]\d+)?)\s+({'|'.join(words)})\b")
    for lang, words in _SCALE_WORDS.items()
}


def _scaled(m: re.Match[str], scales: dict[str, int]) -> str:
    """A number said with its scale in words, as one number ("2,5 millones": 2500000)."""
    value = Decimal(m.group(1).replace(",", ".")) * scales[m.group(2)]
    return str(int(value)) if value == value.to_integral_value() else str(value)


def _alpha2digit(text: str, lang: str) -> str:
    if lang not in SUPPORTED:
        return text
    alpha2digit = _text2num()
    # (each rewrite is tried only when its words are there: re.sub's set-up costs more than
    # the search)
    if " cent" in text or " ciento" in text:  # "quinze pour cent" is 15 %, not "15 pour 100"
        text = _PER_CENT.sub(r"\1\2", text)
    if lang == "de" and "ein" in text:  # "schalte … ein" is a particle, not the number one
        text = _EIN.sub(lambda m: "xeinx" + str(m.group(1) or ""), text)
    if lang == "es" and "cuarto" in text:  # "el cuarto de los niños", "y cuarto": no 4th
        text = _CUARTO.sub(r"xcuartox\1", text)
    if lang == "de" and "einhalb" in text:  # "zwanzigeinhalb": "zwanzig einhalb", then 20,5
        text = _JOINED_HALF.sub(r"\1 einhalb", text)
    if "mil" in text or "thousand" in text or "tausend" in text or "billion" in text:
        # "1.2 million" is 1200000 (text2num reads the scale word alone: "1.2 1000000")
        text = _SCALED[lang].sub(lambda m: _scaled(m, _SCALE_WORDS[lang]), text)
    try:
        result: str = alpha2digit(text, lang, threshold=2)  # "one on one" stays words
    except (ValueError, RuntimeError):  # text2num refuses some odd inputs; keep the words
        result = text
    result = result.replace("xeinx", "ein").replace("xcuartox", "cuarto")
    # "21 and a half", "21 et demi", "21 y medio", "20 einhalb" (degrees, not hours: "et
    # demie", "y media" are half past, "2 and a half hours" a duration)
    if "half" in result or "demi" in result or "medio" in result or "halb" in result:
        return _AND_A_HALF.sub(r"\1,5", result)
    return result


_PER_CENT = re.compile(r"\b(pour|por) (cent|ciento)\b")
_EIN = re.compile(r"\bein(e[nmr]?)?\b")
_CUARTO = re.compile(r"\bcuarto(s?)\b")
_JOINED_HALF = re.compile(
    r"\b(\w{3,}?)einhalb\b(?!\s*(?:stunden?|stundchen|std|tage?n?|minuten|min|wochen?|"
    r"monate?n?))"
)


_AND_A_HALF = re.compile(
    r"\b(\d{1,3}) (?:and a half|et demi|y medio|und einhalb|einhalb)\b"
    r"(?!\s*(?:hours?|hrs?|h|heures?|horas?|stunden?|stundchen|std|minutes?|mins?|minutos?|"
    r"minuten|days?|jours?|dias?|tage?n?|weeks?|semaines?|semanas?|wochen?)\b)"
)


# What people type on a phone for the words the packs and the rules know, per language
# (whole words only; folded spellings of accented words are matched anyway).
_SHORTHAND: dict[str, dict[str, str]] = {
    "en": {
        **dict.fromkeys("pls plz plse pleez".split(), "please"),
        **dict.fromkeys("thx thnx thanx ty".split(), "thanks"),
        **dict.fromkeys("tmrw tmrow tmr tmw tomo 2moro 2morrow".split(), "tomorrow"),
        **dict.fromkeys("sry soz".split(), "sorry"),
        "u": "you", "ur": "your", "abt": "about", "b4": "before", "bday": "birthday",
        "tonite": "tonight", "nvm": "never mind", "rn": "right now", "appt": "appointment",
        "mtg": "meeting", "hr": "hour", "hrs": "hours", "thurs": "thursday", "thur": "thursday",
        "tues": "tuesday", "weds": "wednesday", "whos": "who's", "whats": "what's",
        "wheres": "where's", "hows": "how's", "dont": "don't", "cant": "can't", "isnt": "isn't",
        "doesnt": "doesn't", "didnt": "didn't", "im": "i'm", "ive": "i've", "gonna": "going to",
        "wanna": "want to", "lemme": "let me", "gimme": "give me",
    },
    "fr": {
        **dict.fromkeys("stp stpl".split(), "s'il te plaît"),
        **dict.fromkeys("svp svpl".split(), "s'il vous plaît"),
        **dict.fromkeys("chui chuis jsuis".split(), "je suis"),
        **dict.fromkeys("mrc mci".split(), "merci"),
        **dict.fromkeys("tjrs tjs".split(), "toujours"),
        **dict.fromkeys("ajd auj".split(), "aujourd'hui"),
        **dict.fromkeys("dm1 dem1".split(), "demain"),
        **dict.fromkeys("pk pq".split(), "pourquoi"),
        "dsl": "désolé", "bjr": "bonjour", "slt": "salut", "pr": "pour", "ds": "dans",
        "qd": "quand", "bcp": "beaucoup", "anniv": "anniversaire", "jsp": "je sais pas",
        "c": "c'est", "cc": "coucou",
    },
    "es": {
        **dict.fromkeys("q k ke".split(), "que"),
        **dict.fromkeys("xq porq".split(), "porque"),
        **dict.fromkeys("porfa porfis xfa plis".split(), "por favor"),
        **dict.fromkeys("mñn mñna mñana mnn".split(), "mañana"),
        **dict.fromkeys("tb tmb tbn".split(), "también"),
        "d": "de", "pa": "para", "dsp": "después", "finde": "fin de semana", "toy": "estoy",
        # "k" for "qu" ("kita a mateo de eso", "kiero que…")
        "kita": "quita", "kitale": "quítale", "kitalo": "quítalo", "kitala": "quítala",
        "kiero": "quiero", "kieres": "quieres", "aki": "aquí", "porke": "porque",
    },
    "de": {
        **dict.fromkeys("bt btte bidde bitt biddeschön".split(), "bitte"),
        **dict.fromkeys("nich nit net".split(), "nicht"),
        **dict.fromkeys("vllt vlt".split(), "vielleicht"),
        "ne": "eine", "nen": "einen", "is": "ist", "sry": "sorry",
        "kannste": "kannst du", "machste": "machst du", "gibts": "gibt es", "wg": "wegen",
    },
}  # fmt: skip
# French without its apostrophes: "n eteins pas", "l a fait", "j allais", "c etait"
_ELIDED = re.compile(r"\b([nljdsmtc]|qu) (?=[aeiouyhéèêàâîôû])")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]+")


def expand_shorthand(text: str, lang: str) -> str:
    """``text`` (lower case) with emoji dropped and a phone's shorthand written out.

    >>> expand_shorthand("kaffeemaschine an bt ☕", "de")
    'kaffeemaschine an bitte'
    >>> expand_shorthand("n eteins pas le porche stp", "fr")
    "n'eteins pas le porche s'il te plaît"
    """
    return _expanded(text, lang)[0]


def _expanded(text: str, lang: str) -> tuple[str, list[str]]:
    """:func:`expand_shorthand`'s text, and its words (its split)."""
    # emoji are neither ASCII nor Latin-1 (whose check, by its length in Latin-1, is far
    # cheaper than the regex's search)
    if not text.isascii() and len(text.encode("latin-1", "ignore")) != len(text):
        text = _EMOJI.sub(" ", text)
    if lang == "fr" and _ELIDED.search(text):
        text = _ELIDED.sub(r"\1'", text)
    table = _SHORTHAND.get(lang)
    words = text.split()
    if table is None or table.keys().isdisjoint(map(str.rstrip, words, repeat(",;.!?:"))):
        return " ".join(words), words
    out = []
    for n, raw in enumerate(words):
        bare = raw.rstrip(",;.!?:")
        full = table.get(bare)
        if full is not None and bare in _NOT_BEFORE_CORRECTION and raw == bare:
            after = words[n + 1].strip(",;.!?:") if n + 1 < len(words) else ""
            if after in _CORRECTION_WORDS:
                full = None  # "ne warte, im Flur": German "nee", a self-correction
        out.append(raw if full is None else full + raw[len(bare) :])
    expanded = " ".join(out)
    return expanded, expanded.split()


_NOT_BEFORE_CORRECTION = frozenset({"ne"})
# days said by name, folded: a correction from one to another replaces only that word
_DAY_NAMES = frozenset(w for names in WEEKDAY_NAMES for w in names) | frozenset(
    "today tomorrow tonight demain hoy manana heute morgen ubermorgen".split()
)
_HOURS_SAID = NUMBER_WORDS | frozenset("one une una eins noon midi".split())


def _same_kind(before: str, after: str) -> bool:
    """Whether ``after`` says again what ``before`` said: a day, or an hour."""
    a, b = fold(before), fold(after)
    if a in _DAY_NAMES:
        return b in _DAY_NAMES
    return _numberish(a) and _numberish(b)


def _numberish(folded: str) -> bool:
    """A number in digits or in words ("22", "19.5", "4:30", "16h30", "vingt-deux",
    "zweiundzwanzig", "noon")."""
    return (
        _DIGITS_SAID.fullmatch(folded) is not None
        or folded in _HOURS_SAID
        or _NUMBER_WORD.fullmatch(folded) is not None
    )


_DIGITS_SAID = re.compile(r"\d+(?:[.,:h]\d+)?")


# words before a verb that open a request ("bitte mach …", "ok so turn …")
_OPENERS = frozenset("bitte ok okay so also na jetzt mal please oye alors bon".split())
_CORRECTION_WORDS = frozenset("warte wart moment stopp stop halt doch".split())


# "not X but Y" said first ("nicht den Kompressor ausschalten, sondern die Dachrinnenheizung",
# "pas la cuisine mais le salon", "no apagues el compresor sino el cable"): the request is of Y,
# read as a correction ("…, no, Y"); "not X, <request> Y" ("not the compressor, switch off the
# gutter cable") is the request after it alone
NOT_BUT = re.compile(
    r"^\W*(?:not|nicht|pas|no)\s+(?P<x>[^,;.!?]+?),?\s+(?:but|sondern|mais|sino(?: que)?)\s+"
    r"(?P<y>\S.*)$"
)
_NOT_THEN_ASKED = re.compile(
    r"^\W*(?:not|nicht|pas|no)\s+(?:(?:the|my|that|this|den|die|das|dem|der|mein\w*|le|la|les|"
    r"l'|mon|ma|mes|el|los|las|mi|mis)\b[^,;.!?]*|#?[a-z]{1,4}-?\d+)[,;]\s*(?P<y>\S.*)$"
)
# "don't X, <request> Y" ("no apagues la luz del porche, apaga la de la cocina", "ne ferme pas
# le garage, ferme la porte d'entrée"): the request after it alone
_DONT_THEN_ASKED = re.compile(r"^\W*(?:don'?t|do not|no|ne|n')\s*[^,;.!?]+[,;]\s*(?P<y>\S.*)$")
_SAID_NO = {"fr": "non", "de": "nein"}


def _not_but(lowered: str, lang: str) -> str:
    """``lowered`` with a "not X but Y" said first read as its request of Y (see NOT_BUT)."""
    found = NOT_BUT.match(lowered) or _NOT_THEN_ASKED.match(lowered)
    if found is None:
        found = _DONT_THEN_ASKED.match(lowered)
        if found is not None and _A_REQUEST_VERB.match(fold(found["y"])):
            return found["y"]  # "don't lock the back door, lock the front door"
        return lowered
    if _A_REQUEST_VERB.match(fold(found["y"])):
        return found["y"]  # "not the water pump, but turn on the coffee machine"
    if found.re is not NOT_BUT:
        return lowered
    x, y, rest = found["x"], found["y"], ""
    if lang == "de" and re.search(r"\w(?:en|ern|eln)$", x) and " " in x:
        # the verb ends the German clause: said again after the thing it is asked of ("den
        # Kompressor ausschalten, sondern die Heizung" → "…, nein, die Heizung ausschalten")
        y, comma, rest = y.partition(",")
        y, rest = f"{y} {x.rsplit(' ', 1)[1]}", comma + rest
    return f"{x}, {_SAID_NO.get(lang, 'no')}, {y}{rest}"


@lru_cache(maxsize=512)  # one event's text is cleaned by the former, its expert and checks
def clean(text: str, lang: str) -> Cleaned:
    """The utterance with the noise of speech removed (see the module docstring)."""
    lowered = text.lower().replace("\u2019", "'")
    if lowered != text:
        # cleaning reads only the lowered text: cached under it too, the cleaned text of an
        # utterance that was only lower-cased ("Turn on …" → "turn on …"), cleaned again by
        # the former's item look-up, is found. (str.lower() of a lower-case text is itself.)
        return clean(lowered, lang)
    if (
        lowered[:6]
        .lstrip(" ¡¿")
        .startswith(("not ", "nicht", "pas ", "no ", "don", "do no", "ne ", "n'"))
    ):
        lowered = _not_but(lowered, lang)
    if _MAY_SELF_TALK.search(lowered):
        # "pásale a Bastien el… ¿cómo se llama? el bug del Mac": words said to oneself
        lowered = _SELF_TALK.sub(" ", lowered).strip()
    lowered, words = _expanded(lowered, lang)
    fillers = _FILLERS_IN.get(lang, _FILLERS)
    corrected = False
    correction = _CORRECTION_ES if lang == "es" else _CORRECTION
    match = None
    if _MAY_CORRECT.search(lowered):
        found = [*correction.finditer(lowered)]
        found += (_NUMBER_CORRECTION if lang != "es" else _NUMBER_CORRECTION_ES).finditer(lowered)
        # the last correction counts
        match = max(found, key=lambda m: m.start()) if found else None
    kept, head, tail = None, "", ""
    if match is None and _MAY_KEEP.search(lowered):
        # "…, uh no, keep it locked", "…, scratch that, it should stay off": no article after
        # the "no", so no correction above; the thing kept as it is all the same
        kept = _KEPT_AT_END.search(lowered)
        if kept is not None and _kept_clause(lowered[kept.start("kept") :]) is None:
            # "…, no, leave it, turn on the hallway light": the first taken back, another asked
            rest = lowered[kept.end() :].strip(" ,;.!?\u2026")
            if _A_REQUEST_VERB.search(fold(rest)):
                lowered, words, corrected = rest, rest.split(), True
            kept = None
    if match is not None and match.end() < len(lowered):
        head, tail = lowered[: match.start()], lowered[match.end() :]
    elif kept is not None:
        head, tail = lowered[: kept.start()], lowered[kept.start("kept") :]
    state = _kept_state(tail) if tail and _kept_as_is(tail) else None
    if state is not None:
        # "…, no wait, leave them off", "…, non, laisse-la éteinte", "…, nee, die soll
        # anbleiben": the state it is to keep, asked as a correction ("…, no, off")
        lowered = f"{head.rstrip(' ,.…')}, no, {state}"
        words = lowered.split()
        corrected = True
    elif kept is not None:
        lowered = f"{head.rstrip(' ,.…')}, {_TAKE_BACK_SAID.get(lang, 'never mind')}"
        words = lowered.split()
        corrected = True
    elif (
        match is not None
        and match.end() < len(lowered)
        and (
            lowered[match.end() :].strip(" ,.!?") in _TAKEN_BACK
            # "…, no wait, leave it on", "…, non attends, laisse-la allumée", "…, nee warte,
            # die soll anbleiben": kept as it is (its item is the one before)
            or _kept_as_is(lowered[match.end() :])
        )
    ):
        # "…, no, mejor no", "…, no wait, don't", "…, or rather no": the request taken back,
        # said so in the words every later check reads as taking it back
        lowered = f"{head.rstrip(' ,')}, {_TAKE_BACK_SAID.get(lang, 'never mind')}"
        words = lowered.split()
        corrected = True
    elif (
        match is not None
        and match.end() < len(lowered)
        # a number said again in Spanish corrects the number said just before ("a veinte
        # grados, no, mejor veintiuno"), not another ("comprar 6 huevos, no, mejor 12")
        and (match.re is not _NUMBER_CORRECTION_ES or _ends_with_number(head, lang))
    ):
        # keep the head up to the last word the correction repeats or replaces
        head_words = [w for w in head.split() if w.strip(",") not in fillers]
        while head_words and head_words[-1].strip(_SAID_MARKS) in _TAKING_BACK_WORDS:
            # "an… nee, warte, ich mein …": the last of several words taking it back counts;
            # the ones before it are no part of the request
            head_words.pop()
        if head_words and head_words[-1].strip(_SAID_MARKS) in _PARTICLES:
            head_words[-1] = head_words[-1].rstrip(_SAID_MARKS) + ","  # "an…": the particle
        tail_words = tail.split()
        if len(tail_words) >= 3 and tail_words[0] in _RATHER and tuple(tail_words[1:3]) in _ONE_OF:
            tail_words = tail_words[1:]  # "…, no, espera, mejor el del guardaesquís"
        cut = _restart(head_words, tail_words)
        if (
            len(tail_words) >= 2
            and (tail_words[0], tail_words[1]) in _ONE_OF
            # (not "…, no, esa no, la del jardín": another one than that, wherever it is)
            and not (
                match is not None and _NOT_THAT_ONE.search(lowered, match.start(), match.end())
            )
        ):
            # "el secabotas del recibidor, no, el del guardaesquís", "den Schuhtrockner im
            # Flur, nee, den im Skiraum": the one of another place is the same thing there
            # (the article that opens the thing's name, not one of its place: "la luz de la
            # cocina, no, la del pasillo")
            opens = next(
                (
                    n
                    for n, w in enumerate(head_words[:-1])
                    if w == tail_words[0]
                    and head_words[n + 1].strip(",.!?\u2026") not in _ONE_OF_PLACES
                    and (n == 0 or head_words[n - 1] not in _ONE_OF_PLACES)
                ),
                None,
            )
            if opens is not None:
                noun = head_words[opens + 1].strip(",.!?\u2026")
                cut, tail_words = opens, [tail_words[0], noun, *tail_words[1:]]
        unit = _unit_of(head_words, tail_words, lang)
        if (
            unit is None
            and head_words
            and len(tail_words) == 1
            and re.fullmatch(r"\d+%", head_words[-1].strip(",.!?"))
            and _number_said(tail_words[0].strip(",.!?"), lang)
        ):
            # "al 50%, no, mejor 30": 30%
            cut, tail_words = len(head_words) - 1, [f"{tail_words[0].strip(',.!?')}%"]
        elif unit is not None:
            # "the floor lamp at forty percent, no wait, sixty": the number said again, its
            # unit kept ("… at sixty percent")
            cut = len(head_words) - len(unit) - 1
            if not any(w.strip(",.!?") in _UNIT_WORDS for w in tail_words):
                tail_words = [*tail_words, *unit]
        if (
            tail_words
            and all(w.strip(",.!?") in _PARTICLES for w in tail_words)
            and head_words
            and head_words[-1].strip(",") in _PARTICLES
        ):
            cut = len(head_words) - 1  # "das Licht im Flur ein, nein warte, aus": only that
        # "mach das verandalicht an, nee warte, die weglichter": the verb's particle stays
        # — unless the correction says its own ("the porch light off, no wait, the hallway
        # light on": on; "ein, nein warte, aus": aus)
        particle = head_words[-1:] if cut < len(head_words) - 1 else []
        kept_particle = [p.strip(",") for p in particle if p.strip(",") in _PARTICLES]
        if any(w.strip(",.!?") in _PARTICLES for w in tail_words):
            kept_particle = []
        lowered = " ".join([*head_words[:cut], *tail_words, *kept_particle])
        words = lowered.split()
        corrected = True
    bare = list(map(str.strip, words, repeat(",;.!")))
    if fillers.isdisjoint(bare) and len(set(bare)) == len(bare):
        # no filler and no word said twice: nothing to drop (and ``lowered`` is its words
        # joined by single spaces)
        cleaned = _without_discourse(lowered, lang)
    else:
        cleaned = _without_discourse(" ".join(_unrepeat(_without_fillers(words, fillers))), lang)
    if _MAY_STAND_FOR.search(cleaned):
        cleaned = _noun_restored(cleaned)
    numeric = _alpha2digit(cleaned, lang) if lang in SUPPORTED else cleaned
    return Cleaned(cleaned, numeric, fold(numeric), corrected, lang, state is not None)


_THINGS = "light|lamp|door|radiator|thermostat|heater|fan|lock"
_NOT_THAT_ONE = re.compile(
    r"\b(?:not that one|esa no|ese no|esas no|esos no|no esa|no ese|"
    r"pas (?:celle|celui|ceux|celles)|nicht (?:die|den|das|der|diese\w*) da|nicht diese\w*)\b"
)
_RATHER = frozenset("mejor plutot plutôt lieber besser rather better".split())
# an article standing for the thing before it, then its place ("el del pasillo", "den im Flur")
_ONE_OF_PLACES = frozenset("del de im in vom von am an auf".split())
_ONE_OF = frozenset(
    [(a, p) for a in ("el", "la", "los", "las") for p in ("del", "de")]
    + [
        (a, p)
        for a in ("der", "die", "das", "den", "dem")
        for p in ("im", "in", "vom", "von", "am", "an", "auf")
    ]
)
# a pronoun standing for the noun said before it, in a list: "la lumière du porche et celle du
# couloir", "la luz del porche y la del pasillo", "das Licht im Flur und das in der Küche"
_STANDS_FOR = (
    re.compile(
        r"\b(?P<art>la|le|les|l')\s?(?P<noun>\w+) (?:du|de la|de l'|des|d')[^,.;]*?\s(?:et|ou) "
        r"(?P<pro>celle|celui|ceux|celles)(?= (?:du|de|des|d'))"
    ),
    re.compile(
        r"\b(?P<art>la|el|los|las) (?P<noun>\w+) (?:del|de la|de los|de las|de)\b[^,.;]*?\s"
        r"(?:y|o|e) (?P<pro>la|el|los|las)(?= (?:del|de)\b)"
    ),
    re.compile(
        r"\b(?P<art>der|die|das|den) (?P<noun>\w+) (?:im|in der|in den|vom|von der|am|an der)\b"
        r"[^,.;]*?\s(?:und|oder) (?P<pro>der|die|das|den)(?= (?:im|in|vom|von|am|an)\b)"
    ),
    # English only for the names of things ("the porch light and the one in the hallway";
    # not "move the dentist to friday and the one on monday …", "the small lamp … and the
    # one in the office", which are read as they are)
    re.compile(
        rf"\b(?P<art>the) (?P<noun>{_THINGS}) (?:in|of|on|by|at)\b[^,.;]*?\s(?:and|or) "
        r"(?P<pro>the one)(?= (?:in|of|on|by|at)\b)"
    ),
    re.compile(rf"\b(?P<noun>{_THINGS}) (?:and|or) (?P<pro>the one)(?= (?:in|of|on|by|at)\b)"),
)
# what stays as it is ("… et celle du couloir reste allumée"): no second item to change
_STAYS = re.compile(r"\b(?:reste\w*|queda\w*|sigue\w*|bleib\w*|stays?|remains?)\b")
_MAY_STAND_FOR = re.compile(
    r"\s(?:celle|celui|ceux|celles|the one) |"
    r"\s(?:y|o|e|und|oder) (?:la|el|los|las|der|die|das|den) (?:del|de|im|in|vom|von|am|an)\b"
)


def _noun_restored(text: str) -> str:
    """``text`` with the noun a pronoun stands for said again ("… et celle du couloir" →
    "… et la lumière du couloir"), so that each item is named.

    >>> _noun_restored("allume la lumière du porche et celle du couloir")
    'allume la lumière du porche et la lumière du couloir'
    >>> _noun_restored("enciende la luz del porche y la del pasillo")
    'enciende la luz del porche y la luz del pasillo'
    """
    for pattern in _STANDS_FOR:
        m = pattern.search(text)
        if m is not None and not _STAYS.search(text, m.end("pro")):
            noun = m.group("noun")
            art = m.group("art") if "art" in m.groupdict() else "the"
            if m.group("pro") in ("la", "el", "los", "las", "der", "die", "das", "den"):
                art = m.group("pro")  # (its own gender and number)
            said = art + noun if art.endswith("'") else f"{art} {noun}"
            return f"{text[: m.start('pro')]}{said}{text[m.end('pro') :]}"
    return text


def _without_discourse(text: str, lang: str) -> str:
    """``text`` without the openers that carry no request (``_DISCOURSE``)."""
    # (it matches only at the start: no need for re.sub)
    opener = (_DISCOURSE if lang == "es" else _DISCOURSE_ELSE).match(text)
    if opener is not None and lang == "es" and _MIRA_DOES.match(text):
        opener = None  # "Mira dice que en su cuarto hace frío": Mira, who says it
    return (text[opener.end() :] if opener else text).strip()


_NO_WORDS = frozenset("no non nein nee nah nope".split())
# what a speaker asks themself while looking for a word ("what's it called", "¿cómo se
# llama?", "comment ça s'appelle déjà", "wie heißt das noch")
_SELF_TALK = re.compile(
    r"[\s,\u2026.]*¿?\b(?:what'?s it called|what is it called|what do you call it|"
    r"c[oó]mo se llama|c[oó]mo se dice|comment (?:ça|ca) s'appelle(?: d[ée]j[àa])?|"
    r"comment on dit(?: d[ée]j[àa])?|wie hei(?:ß|ss)t (?:das|der|die|es) (?:noch|gleich))\b"
    r"[\s?,\u2026.]*"
)
_MAY_SELF_TALK = re.compile(r"called|llama|dice|appelle|on dit|hei(?:ß|ss)t")


_DE_FILLERS = frozenset("äh ähm öhm öh".split())


def _without_fillers(words: list[str], fillers: frozenset[str]) -> list[str]:
    """``words`` without fillers and a word said twice in a row (``the the``)."""
    kept: list[str] = []
    last = ""  # kept[-1] without its punctuation
    for n, raw in enumerate(words):
        word = raw.strip(",;.!")
        if word in fillers:
            if (
                kept
                and kept[-1].endswith(",")
                # (not before a "no": "unlock it, uh no, keep it locked" is said apart)
                and not (n + 1 < len(words) and words[n + 1].strip(",;.!") in _NO_WORDS)
            ):
                kept[-1] = kept[-1].rstrip(",")  # "set it to, uh, 57" → "set it to 57"
            elif len(kept) >= 3 and word in _DE_FILLERS and kept[-1] in _DE_PARTICLES:
                # "schalt die Führanlage ein äh Caramel muss laufen": the verb's particle
                # ends the request; what follows the pause is said apart
                kept[-1] += ","
            continue
        if kept and word == last and len(word) > 1 and not word.isdigit():
            continue  # "the the"
        kept.append(raw)
        last = word
    return kept


# separable particles and switch words said last ("mach … an", "turn … off")
_PARTICLES = frozenset("an aus ein ab auf zu on off".split())
_DE_PARTICLES = _PARTICLES - {"on", "off"}  # German's, ending a request before "äh"
# words that take back what was said before them, said before the last one that does
_TAKING_BACK_WORDS = frozenset(
    "no non nein nee ne wait warte wart moment attends espera sorry pardon perdón perdon oops "
    "uy".split()
)
_SAID_MARKS = ",.!?\u2026"
_DETERMINERS = frozenset(
    "the a an my this that le la les l' un une mon ma el la los las un una mi der die das "
    "den dem ein eine einen meine".split()
)


def _unrepeat(words: list[str]) -> list[str]:
    """``what's the what's the temperature`` → ``what's the temperature`` (2- and 3-word
    restarts of speech)."""
    if len(set(words)) == len(words):  # a restart says its words twice
        return list(words)
    out: list[str] = []
    for word in words:
        out.append(word)
        # (the last words first: most words repeat nothing)
        if len(out) >= 6 and out[-1] == out[-4] and out[-3:] == out[-6:-3]:
            del out[-3:]
        elif len(out) >= 4 and out[-1] == out[-3] and out[-2:] == out[-4:-2]:
            del out[-2:]
    return out


# how a request taken back is said, per language (each one of the take-backs that formation
# reads at the end of a request)
_TAKE_BACK_SAID = {"en": "never mind", "fr": "laisse tomber", "es": "olvidalo", "de": "vergiss es"}


def _ends_with_number(head: str, lang: str) -> bool:
    """Whether ``head`` ends with a number, or a number and its unit ("veinte grados,")."""
    bare = [w.strip(",.!?;%") for w in head.split()[-3:]]
    if bare and _number_said(bare[-1], lang):
        return True
    return any(
        len(bare) > len(unit)
        and tuple(bare[-len(unit) :]) == unit
        and _number_said(bare[-len(unit) - 1], lang)
        for unit in _UNITS
    )


# a correction's last words that keep the thing as it is ("leave it on", "keep it running",
# "laisse-le éteint", "déjala encendida", "die soll anbleiben", "lass sie an")
KEPT_AS_IS = re.compile(
    r"(?:just )?(?:leave|keep) (?:it|them|that)(?: \w+)?|"
    r"(?:laisse|garde)[- ]?(?:le|la|les|l')?(?: \w+)?|"
    r"(?:d[eé]ja|mant[eé]n)\w*(?: \w+)?|"
    r"(?:die|der|das|er|sie|es|den) (?:soll|muss|kann|sollte) (?:\w+ )?(?:an|aus|zu|auf)?bleiben|"
    r"lass (?:sie|ihn|es|die|den|das)(?: lieber| mal| doch| besser)?(?: \w+)?|"
    # "it should stay locked", "qu'elle reste fermée", "que se quede cerrada"
    r"(?:(?:it|they|that|she|he) (?:should|must|has to|needs to|have to|need to|can) )?"
    r"(?:stay|remain) (?:on|off|locked|unlocked|open|closed|shut|armed|disarmed)|"
    r"(?:qu')?(?:elle|il|elles|ils) (?:doit |doivent |peut |peuvent )?rest\w* "
    r"(?:ferm|ouvert|allum|[ée]teint|verrouill|activ|d[ée]sactiv)\w*|"
    r"(?:mejor )?(?:que )?(?:se )?qued\w* (?:cerrad|abiert|encendid|apagad|prendid|activad|"
    r"desactivad)\w*|"
    r"(?:die|der|das|er|sie|es|den) (?:soll|muss|kann|sollte) (?:\w+ )?scharf bleiben"
)
# a thing named anew, told nothing of ("the hallway light"; not "the kids are still up")
_NEW_THING = re.compile(r"(?:(?:the|la|le|les|el|los|las|die|der|das|den)\s|l')\w")
_TOLD = re.compile(r"\b(?:is|are|was|were|est|sont|es|esta|estan|ist|sind)\b|'s\b|'re\b")


def _kept_as_is(tail: str) -> bool:
    """Whether a correction's ``tail`` ends keeping the thing as it is, and names no other
    thing first ("…, no wait, the hallway light, keep it on" keeps that one on)."""
    return _kept_clause(tail) is not None


def _kept_clause(tail: str) -> str | None:
    """The clause of a correction's ``tail`` that keeps the thing as it is, when only a reason
    follows it ("…, leave them off, it's still light out") and no other thing is named before
    it, or None."""
    clauses = [c.strip() for c in re.split(r"[,;.!?\u2026]", tail.rstrip(" ,.!?")) if c.strip()]
    while clauses and not KEPT_AS_IS.fullmatch(clauses[-1]) and _REASON.match(fold(clauses[-1])):
        clauses.pop()
    if not clauses or not KEPT_AS_IS.fullmatch(clauses[-1]):
        return None
    if any(_NEW_THING.match(c) and not _TOLD.search(fold(c)) for c in clauses[:-1]):
        return None
    return clauses[-1]


# a clause that tells why ("it's still light out", "j'ai encore des bougies à couler", "que
# todavía hay luz", "ich brauch es noch"): no request of its own
# the first letters of a request's verbs, in four languages (each matched as the start of a
# word: "cierralo", "schalte", "mueve"): what the router reads beside an outside request and
# what grounding reads before a tag for agreement
REQUEST_VERB_STEMS = (
    r"(?:turn|switch|lock|unlock|open|close|set|put|dim|arm|disarm|start|stop|cancel|move|add|"
    r"remind|book|mark|assign|reopen|push|crank|lower|raise|leave|keep|warm|heat|shut|brighten|"
    r"make|allume|eteins|ferme|ouvre|rouvre|mets|annule|deplace|decale|ajoute|verrouille|passe|"
    r"monte|baisse|pousse|remets|rallume|bump|knock|tamise|coupe|lance|laisse|garde|rechauffe|"
    r"rends|eclaire|anula|cancela|apaga|"
    r"enciende|cierra|abre|reabre|pon|mueve|pasa|asigna|sube|baja|calienta|haz|mach|schalt|"
    r"schliess|stell|sperr|dreh|sag|schieb|verschieb|trag|setz|offne|starte|lass|heiz|marca|"
    r"markier)"
)
# a request's verb as asked (not "armed", "fermée", "leave it": told or kept)
_A_REQUEST_VERB = re.compile(
    r"\b(?:turn|switch|lock|unlock|open|close|set|arm|disarm|allume|eteins|ferme|ouvre|"
    r"verrouille|deverrouille|mets|active|desactive|(?:apaga|enciende|cierra|abre|activa|"
    r"desactiva)(?:la|lo|las|los|le)?|pon|mach|schalt\w*|schliess|stell|dreh)\b"
)
_REASON = re.compile(
    rf"(?!.*{_A_REQUEST_VERB.pattern})"
    # a clause that tells why: not a thing named anew (unless told of: "the cleaner is here")
    r"(?!.*\b(?:(?:the|la|le|les|el|los|las|die|der|das|den)\s|l')\w+(?!.*\b(?:is|are|was|est|"
    r"sont|esta|estan|ist|sind|has|a|tiene|hat)\b))"
)
_MAY_KEEP = re.compile("no|nein|nee|nah|scratch|forget|oublie|olvida|vergiss")


# a thing kept as it is after a "no" that is no correction of a name ("…, uh no, keep it
# locked", "…, wait no, it should stay off", "…, scratch that, keep it locked")
_KEPT_AT_END = re.compile(
    # (not the answer to a question of its own: "…. the porch light? no, leave it")
    r"(?:[,.\u2026]|(?<![?])\s)\s*"
    r"(?:(?:uh|um|euh|ah|oh|ach|bueno|pues|well|mais|bon|actually|en fait)\W+)?"
    r"(?:(?:wait|attends|espera|warte|moment)\W+)?"
    r"(?:no|non|nein|nee|nah|nope|scratch that|forget that|oublie [cç]a|olvida eso|vergiss das)"
    r"\W+(?:(?:wait|attends|espera|warte|moment)\W+)?"
    # a reason may come first ("…, no wait, Jordi's still racking, leave it running"), or
    # follow ("…, no, leave it, sam has keys"; _kept_clause reads the rest)
    # (two words at least: not "…, no, nada, déjalo así", taken back)
    rf"(?:(?!{_A_REQUEST_VERB.pattern})[\w']+\s+[\w'][^,;.!?\u2026]{{0,60}}[,;]\s*)?"
    rf"(?P<kept>{KEPT_AS_IS.pattern})(?=\W*$|\s*[,;.!?\u2026])"
)
# the states a kept thing is said to keep (folded; "…, keep it locked", "laisse-la allumée"),
# each as the English word every reader of values reads
_STATES = {
    **dict.fromkeys(
        "on allume allumee allumes allumees encendido encendida encendidos encendidas prendido "
        "prendida prendidos prendidas an armed active activated activee activees activada "
        "activado activadas activados aktiv scharf running tourner marche funcionando "
        "laufen".split(),
        "on",
    ),
    **dict.fromkeys(
        "off eteint eteinte eteints eteintes apagado apagada apagados apagadas aus disarmed "
        "desactivee desactivada desactivado unscharf".split(),
        "off",
    ),
    **dict.fromkeys(
        "locked closed shut ferme fermee fermes fermees verrouille verrouillee verrouilles "
        "verrouillees cerrado cerrada cerrados cerradas zu geschlossen abgeschlossen".split(),
        "locked",
    ),
    **dict.fromkeys(
        "unlocked open ouvert ouverte ouverts ouvertes deverrouille deverrouillee abierto "
        "abierta abiertos abiertas auf offen".split(),
        "unlocked",
    ),
}
_STAY_PARTICLE = re.compile(r"(an|aus|zu|auf)bleiben")


def _kept_state(tail: str) -> str | None:
    """The state a kept-as-is ``tail`` says, in English ("…, keep it locked": "locked"; "die
    soll anbleiben": "on"; "laisse-la ouverte": "unlocked"), or None ("…, leave it").

    >>> _kept_state("non, laisse-la éteinte"), _kept_state("no, leave it")
    ('off', None)
    """
    clause = _kept_clause(tail)
    last = clause.split() if clause else []
    if not last:
        return None
    folded = fold(last[-1].strip(",.!?"))
    if folded in _STATES:
        return _STATES[folded]
    m = _STAY_PARTICLE.fullmatch(folded)
    return _STATES.get(m.group(1)) if m else None


# what a correction says when it takes the whole request back
_TAKEN_BACK = frozenset(
    "no non nein nicht pas nada rien don't dont lieber nicht besser nicht mieux pas".split()
) | {"lieber nicht", "besser nicht", "don't", "do not", "forget it", "never mind", "nada"}
# the words of a unit said after a number ("percent", "pour cent", "Grad")
_UNITS = (
    ("pour", "cent"),
    ("por", "ciento"),
    ("per", "cent"),
    *[(w,) for w in "percent prozent degrees degree degres degre grados grado grad ° %".split()],
)


def _unit_of(head: list[str], tail: list[str], lang: str) -> list[str] | None:
    """The unit that ends ``head`` after a number, when ``tail`` says a number again, alone
    or with a unit (else None)."""
    if not tail or len(tail) > 3 or not _number_said(tail[0].strip(",.!?"), lang):
        return None
    if len(tail) > 1 and not all(w.strip(",.!?") in _UNIT_WORDS for w in tail[1:]):
        return None  # "… sixty, and the lamp too": more than a number
    bare = [w.strip(",.!?") for w in head[-3:]]
    for unit in _UNITS:
        n = len(unit)
        if len(bare) > n and tuple(bare[-n:]) == unit and _number_said(bare[-n - 1], lang):
            return list(unit)
    return None


def _number_said(word: str, lang: str) -> bool:
    """A number in digits or words, "einundzwanzig" too."""
    return _numberish(fold(word)) or (
        lang in SUPPORTED and _alpha2digit(word, lang).replace(".", "").isdigit()
    )


_UNIT_WORDS = frozenset(w for unit in _UNITS for w in unit)


def _restart(head: list[str], tail: list[str]) -> int:
    """Where the retracted phrase of ``head`` starts: at its last determiner
    (``turn on the kitchen | the bedroom light`` keeps ``turn on``), else its last word; a
    day or a number said again replaces only the one before it ("put the dentist on saturday
    | sunday", "move the meeting to 5 | 6")."""
    if head and tail and _same_kind(head[-1].strip(",.!?"), tail[0].strip(",.!?")):
        return len(head) - 1
    for i in range(len(head) - 1, -1, -1):
        if head[i] in _DETERMINERS and not (i == len(head) - 1 and head[i] in _PARTICLES):
            return i  # (an article never ends the phrase: a last "an" is "mach … an")
    if tail and tail[0] in _DETERMINERS and len(head) > 2 and head[-1].strip(",") in _PARTICLES:
        # "mach Hugos Lampe aus, nee, die Werkbanklampe": a thing named without an article
        # between a verb and its particle, replaced by one named with it; the verb and the
        # particle stay (the word before the verb is an opener: "bitte mach …")
        i = next((n + 1 for n, w in enumerate(head) if w.strip(",") not in _OPENERS), 1)
        while i < len(head) and head[i].strip(",") in _PARTICLES:
            i += 1
        return i
    return max(1, len(head) - 1) if tail else len(head)
