"""Choices and sounds() answer exactly as the plain scans they stand for, on every word of the
dev texts and near spellings of them."""

from __future__ import annotations

import random
import re
from functools import cache
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process

from processors.fuzzy import Choices
from processors.language import fold
from processors.lexicon import lexicon_words, sounds
from streams.tools.evaluation import read_rows

DATA = Path(__file__).resolve().parents[1] / "data"


@cache
def dev_words() -> list[str]:
    words: set[str] = set()
    for path in sorted(DATA.glob("formation_dev*/*.jsonl")):
        for row in read_rows(path):
            words.update(re.findall(r"[a-z0-9]+", fold(str(row.get("text", "")))))
    return sorted(words)


def near(word: str) -> list[str]:
    """The word and a few misspellings of it: a letter dropped, two swapped, one doubled."""
    out = [word, word[1:], word[:-1], word + word[-1]]
    if len(word) > 3:
        out.append(word[:2] + word[3] + word[2] + word[4:])
    return out


@pytest.mark.parametrize("which", ["lexicon", "dev"])
def test_choices_answer_as_rapidfuzz_over_the_whole_list(which: str) -> None:
    words = sorted(lexicon_words()) if which == "lexicon" else dev_words()[::20]
    choices = Choices(words)
    queries = sorted({q for w in dev_words() if len(w) >= 4 for q in near(w)})
    assert len(queries) > 10_000
    for query in queries:
        for cutoff in (82, 85, 90):
            whole = process.extractOne(query, words, scorer=fuzz.ratio, score_cutoff=cutoff)
            assert choices.best(query, cutoff) == (tuple(whole) if whole else None), query
        for cutoff in (82, 84):
            assert choices.top(query, cutoff, 4) == [
                tuple(found)
                for found in process.extract(
                    query, words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=4
                )
            ], query


def sounds_plainly(word: str) -> str:
    """sounds() as first written: each rewrite in turn."""
    for spelt, said in (
        ("ch", "\x00"), ("qu", "k"), ("ck", "k"), ("ce", "se"), ("ci", "si"), ("c", "k"),
        ("z", "s"), ("ll", "y"), ("v", "b"), ("h", ""), ("\x00", "ch"),
    ):  # fmt: skip
        word = word.replace(spelt, said)
    return re.sub(r"(.)\1+", r"\1", word)


def test_sounds_reads_as_the_rewrites_in_turn() -> None:
    tricky = ["lhl", "cqu", "acqua", "chch", "cch", "cce", "llhl", "hch", "cceci", "\x00h"]
    for word in [*lexicon_words(), *dev_words(), *tricky]:
        for spelt in near(word) if word else [word]:
            assert sounds(spelt) == sounds_plainly(spelt), spelt


def edits(word: str, rng: random.Random) -> list[str]:
    """Random misspellings of ``word``: letters dropped, doubled, swapped, replaced, added."""
    out = []
    letters = "aeioulnrstkhcmpéüñß "
    for _ in range(6):
        w = list(word)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(w) + 1)
            op = rng.randrange(4)
            if op == 0 and at < len(w):
                del w[at]
            elif op == 1 and at < len(w):
                w.insert(at, w[at])
            elif op == 2 and at + 1 < len(w):
                w[at], w[at + 1] = w[at + 1], w[at]
            else:
                w.insert(at, rng.choice(letters))
        out.append("".join(w))
    return out


def test_choices_answer_as_rapidfuzz_on_random_edits_and_ties() -> None:
    rng = random.Random(7)
    lexicon = sorted(lexicon_words())
    # the same spelling twice, anagrams and words of one length: ties broken by list order
    tied = ["lampe", "lampe", "palme", "ample", "lamp", "lampen", "aaaa", "", "ßüé", "üéß"]
    lists = [lexicon, dev_words()[::7], tied + lexicon[::3], [*tied, *tied]]
    queries = [q for w in [*lexicon, *dev_words()[::5]] if w for q in edits(w, rng)]
    queries += ["", "a", "lampe", "lmape", "aaaaa", "üéß", "laaaaaaaaaaaaaaaaaaaaaaampe"]
    for words in lists:
        choices = Choices(words)
        for query in queries:
            for cutoff in (0, 50, 82, 83, 85, 90, 100):
                whole = process.extractOne(query, words, scorer=fuzz.ratio, score_cutoff=cutoff)
                assert choices.best(query, cutoff) == (tuple(whole) if whole else None), query
            found = process.extract(query, words, scorer=fuzz.ratio, score_cutoff=82, limit=4)
            assert choices.top(query, 82, 4) == [tuple(f) for f in found], query


def test_the_lexicon_knows_the_words_of_other_homes_trackers_and_calendars() -> None:
    from processors.lexicon import canonical

    assert canonical("sincronizacion") == "sync"
    assert canonical("wasserkocher") == "kettle"
    assert canonical("bouilloire") == "kettle"
    assert canonical("kine") == "physio"
    # a word the demo's groups have keeps its meaning there
    assert canonical("cuisine") == "kitchen"


def test_no_new_lexicon_word_is_a_typo_of_a_common_item_word() -> None:
    # "order" ~ "door", "flight" ~ "light", "font" ~ "front": a word said for something else
    # would name the home's things
    from rapidfuzz import fuzz

    from processors.lexicon import _MORE_GROUPS

    common = "light lights lamp door front back heating heater water pump garage alarm lock porch"
    for english in _MORE_GROUPS:
        for word in english.split():
            for item in common.split():
                if word not in common.split():  # ("string lights" are lights)
                    assert fuzz.ratio(word, item) < 82, (word, item)
