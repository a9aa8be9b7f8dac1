"""language: the function-word votes against a plain count (they are summed packed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.formation import utterances
from processors.language import _FUNCTION_WORDS, _SHORTHAND, function_word_votes, tokens


def _reference(words: list[str]) -> dict[str, int]:
    """Per language, how many words are among its function words (or elide one: ``c'``)."""
    return {
        lang: sum(1 for w in words if w in vocab or w.split("'")[0] + "'" in vocab)
        for lang, vocab in _FUNCTION_WORDS.items()
    }


def _same(words: list[str]) -> None:
    votes = function_word_votes(words)
    expected = _reference(words)
    assert votes == expected
    assert list(votes) == list(expected) == list(_FUNCTION_WORDS)  # the same key order


def test_votes_of_every_dev_text() -> None:
    for text in utterances():
        _same(tokens(text))


def test_votes_edge_cases() -> None:
    _same([])
    _same(["la"])  # fr and es
    _same(["ein", "an", "in"])  # words of several languages
    _same(["c'est", "qu'il", "it's", "'", "", "-"])
    for n in (254, 255, 256, 257, 600):  # a language's count beyond one byte
        _same(["la"] * n)
        _same(["the", "la", "der", "xyz"] * n)


_VOCAB = sorted(set().union(*_FUNCTION_WORDS.values()))


@given(st.lists(st.sampled_from([*_VOCAB, "zzz", "l'eau", "c'", "Le"]) | st.text(), max_size=300))
def test_votes_of_any_words(words: list[str]) -> None:
    _same(words)


def test_tokens_of_ascii_texts_as_the_regex() -> None:
    import re

    word = re.compile(r"[\w'-]+")
    for text in [*utterances(), "".join(map(chr, range(128))), "a_b-c'd\te\x1cf, g! 2nd"]:
        assert tokens(text) == word.findall(text.lower().replace("\u2019", "'"))


def test_shorthand_expansions_single_spaced() -> None:
    # clean relies on it: an expanded text is its words joined by single spaces
    for table in _SHORTHAND.values():
        assert all(full == " ".join(full.split()) for full in table.values())


def test_no_emoji_in_latin1() -> None:
    # expand_shorthand looks for emoji only in a text beyond Latin-1
    from processors.language import _EMOJI

    assert not any(_EMOJI.search(chr(code)) for code in range(256))


def _fold_reference(text: str) -> str:
    """Lower case, then NFKD without combining marks, after ß → ss and the Latin letters'
    own decomposition (what fold does, with neither its cache nor its tables)."""
    import unicodedata

    def strip(char: str) -> str:
        decomposed = unicodedata.normalize("NFKD", char)
        return "".join(c for c in decomposed if not unicodedata.combining(c))

    lowered = text.lower()
    if lowered.isascii():
        return lowered
    lowered = "".join(
        "ss" if c == "ß" else strip(c) if 0xC0 <= ord(c) < 0x250 else c for c in lowered
    )
    return lowered if lowered.isascii() else strip(lowered)


def test_fold_as_its_reference() -> None:
    from processors.language import fold

    for code in range(0x800):
        text = f"Ab{chr(code)}é c"
        assert fold(text) == _fold_reference(text), hex(code)
    for text in [*utterances(), "Straße ŒUVRE œuf € ☕ Ærø ñÑ"]:
        assert fold(text) == _fold_reference(text)


def test_clean_of_a_text_only_lower_cased_is_that_of_the_text() -> None:
    from processors.language import clean

    for text in ["Turn On The Porch Light", "Mets VINGT ET UN degrés", "It\u2019s Cold"]:
        lowered = text.lower().replace("\u2019", "'")
        for lang in ("en", "fr", "es", "de", "it"):
            assert clean(text, lang) == clean(lowered, lang)
            assert clean(text, lang).text == clean.__wrapped__(lowered, lang).text


def test_a_spanish_imperative_with_its_pronoun_joined_says_spanish() -> None:
    from processors.language import detect

    for text in ["márcalo como terminado", "apágala ya", "enciéndela por favor", "Ciérralo"]:
        assert detect(text).lang == "es", text
    # French words of the same shape are French ("générale", "pédale")
    for text in ["la réunion générale", "ma pédale est cassée"]:
        assert detect(text).lang == "fr", text


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("cancel yoga tomorrow", "en"),
        ("label TL-112 as a bug", "en"),
        ("mets-la en bleu", "fr"),
        ("passe TL-57 en revue", "fr"),
        ("cancela eso", "es"),
        ("quita la alarma", "es"),
        ("weis TL-63 Priya zu", "de"),
        ("nee lass mal", "de"),
    ],
)
def test_short_requests_say_their_language(text: str, lang: str) -> None:
    from processors.language import detect

    assert detect(text).lang == lang, text
