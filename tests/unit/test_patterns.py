"""Pre-checks before regular-expression searches: the same answers as the searches."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from processors import values
from processors.language import clean, fold
from processors.patterns import Needled, alternatives, required
from processors.values import says_time, when
from tests.unit.test_processors import PACKS

ROOT = Path(__file__).resolve().parents[2]


def _texts() -> list[str]:
    """Dev utterances and the packs' own phrases, folded as the expert reads them."""
    texts = []
    for path in sorted((ROOT / "tests" / "data" / "formation_dev").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                texts.append(json.loads(line)["text"])
    for pack in PACKS:
        for intent in pack.intents:
            for table in ({"en": intent.examples, **intent.phrases}, intent.extra_phrases):
                for examples in table.values():
                    texts.extend(re.sub(r"<(\w+)>", r"\1", e) for e in examples)
    return sorted({fold(t) for t in texts})


TEXTS = _texts()
# times said without a digit, one way of each pattern :func:`when` reads
WORDED_TIMES = [  # (text, language)
    ("cancel yoga tomorrow", "en"),
    ("annule le yoga après-demain", "fr"),
    ("move it to friday", "en"),
    ("verschieb das auf nachsten dienstag", "de"),
    ("lunch at one", "en"),
    ("move the team lunch to one o'clock", "en"),
    ("el almuerzo a la una", "es"),
    ("le déjeuner à une heure", "fr"),
    ("um eins bitte", "de"),
    ("at noon", "en"),
    ("à minuit", "fr"),
    ("remind me in half an hour", "en"),
    ("rappelle-moi dans une demi-heure", "fr"),
    ("en media hora", "es"),
    ("in einer halben stunde", "de"),
    ("in an hour", "en"),
    ("dans une heure", "fr"),
    ("push it back an hour", "en"),
    ("push it a quarter of an hour later", "en"),
    ("move it a day later", "en"),
    ("reporte-le au lendemain", "fr"),
    ("the day after", "en"),
    ("push it back a week", "en"),
    ("zieh es eine viertelstunde vor", "de"),
]


def test_needled_search_starts_where_the_search_does() -> None:
    patterns = [
        re.compile("|".join(f"(?:{c})" for c in cues))
        for pack in PACKS
        for intent in pack.intents
        for cues in intent.cues.values()
        if cues
    ]
    patterns += [p for _, p in values._STATUS]
    for pattern in patterns:
        finder = Needled(pattern)
        for text in TEXTS:
            found, expected = finder.search(text), pattern.search(text)
            assert (found and found.start()) == (expected and expected.start()), (pattern, text)
            assert finder.may_match(text) or expected is None


def test_every_match_holds_the_string_an_alternative_requires() -> None:
    cues = {
        c for pack in PACKS for intent in pack.intents for cs in intent.cues.values() for c in cs
    }
    checked = 0
    for alternative in (a for cue in sorted(cues) for a in alternatives(cue)):
        literal = required(alternative)
        pattern = re.compile(alternative)
        for text in TEXTS:
            if (found := pattern.search(text)) is not None:
                assert literal in found.group(), (alternative, text)
                checked += bool(literal)
    assert checked > 100  # cues with a required string do match some texts
    # none in a group, an alternation, a repetition's bounds or a flagged pattern
    assert required(r"(?:sprint)|x") == required(r"a{12}") == required(r"(?i)abc") == ""
    assert required(r"[ab]cd\.ef?g") == "cd"


@pytest.mark.parametrize("pattern", values._WORDED)
def test_every_time_said_in_words_has_its_words_in_the_guard(pattern: re.Pattern[str]) -> None:
    finder = Needled(pattern)
    assert finder.rest is None
    for said in [*finder.needles, *values._RELATIVE_DAYS, *values._WEEKDAYS]:
        assert any(word in said for word in values._TIME_WORDS), said


def test_says_time_is_false_only_when_no_time_is_read() -> None:
    base = datetime.fromisoformat("2026-12-01T09:00:00+01:00")
    texts = [*TEXTS, *(text for text, _ in WORDED_TIMES)]
    for lang in ("en", "fr", "es", "de"):
        for text in texts:
            c = clean(text, lang)
            if not says_time(c):
                assert when(c, base, "Europe/Paris") is None, text
                assert when(c, datetime(2026, 1, 1, 12), "UTC") is None, text
    for text, lang in WORDED_TIMES:
        c = clean(text, lang)
        assert says_time(c) and when(c, base, "Europe/Paris") is not None, text


def test_the_number_and_duration_guards_of_when_are_exact() -> None:
    # _said_when searches the date, the day of the month and the clock only in a text with a
    # digit, "in 3 hours" and "in half an hour" only in one that says a word of duration
    units = "hour hours heure heures hora horas stunde stunden minute minutes minuto minutos"
    for unit in [*units.split(), "minuten"]:
        assert values._SAYS_DURATION.search(unit), unit
    for text in [*TEXTS, *(t for t, _ in WORDED_TIMES), "le 12", "the 3rd", "at 4 pm"]:
        said = values._SAYS_DURATION.search(text) is not None
        digit = values._DIGIT.search(text) is not None
        for pattern in (values._IN_HOURS, values._IN_HALF_HOUR):
            assert said or pattern.search(text) is None, text
        for pattern in (values._DATE_RE, values._ORDINAL_DAY, values._CLOCK, values._HALF_PAST):
            assert digit or pattern.search(text) is None, text


def test_the_word_guards_of_the_grounded_expert_are_exact() -> None:
    from processors import grounding

    # every needle stands for all of its pattern (no alternative searched without one)
    assert grounding._TAKE_BACK_SAID.rest is None
    said = f"{grounding.TAKE_BACK}|{grounding._TAKE_BACK_LAST}"
    assert grounding._TAKE_BACK_SAID.pattern.pattern == said
    assert f"(?:{said})" in grounding._RETRACTED.pattern
    assert grounding._LABEL_SAID.rest is None
    for pattern in (grounding._LABEL_AFTER, grounding._LABEL_BEFORE):
        assert grounding._LABEL_WORD in pattern.pattern
    for text in TEXTS:
        for finder in (grounding._ASKS_SAID, grounding._ASKED_LAST_SAID, grounding._OR_NOT_SAID):
            found, expected = finder.search(text), finder.pattern.search(text)
            assert (found and found.span()) == (expected and expected.span()), text
        words = [*text.split(), "xlight", "xcoffee_machine", "(xbox", "a-xb"]
        marked = " ".join(words)
        plain = " ".join(grounding._unmarked(w) for w in words)
        assert plain == grounding._KIND_MARK.sub(r"\1", marked), text
