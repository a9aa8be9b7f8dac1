"""Nearest spellings among a fixed list of words, by rapidfuzz's ``fuzz.ratio``, reading only
the words that can reach the cut-off.

``fuzz.ratio(a, b)`` is ``200 * LCS / (n + m)`` for a query of length ``n`` and a word of
length ``m``, so a word can only score ``c`` or more when

- ``200 * min(n, m) >= c * (n + m)``: the common subsequence is no longer than either;
- some piece of the query, cut into ``d + 1`` pieces, is a substring of the word, where
  ``d = (n + m) * (100 - c) / 100`` bounds the Indel distance ``n + m - 2 * LCS``: each
  insertion or deletion breaks at most one piece;
- the letters they share (``sum(min(count in query, count in word))``, an upper bound of the
  LCS) are at least ``c * (n + m) / 200``.

Words that fail one of these are left out before rapidfuzz sees the list (the tests read
bitsets over the list: words by length, by 1- to 3-letter substring, by letter count), so
"portedentree" reads a handful of the lexicon's 342 words and a new word usually none. The
answer is exactly ``process.extractOne`` / ``process.extract`` over the whole list (same
word, same score, same tie order): the words left out score below the cut-off, and the
others keep their order.

>>> words = Choices(["light", "lights", "kitchen", "thermostat"])
>>> words.best("ligth", 80)
('light', 80.0, 0)
>>> words.best("thermostaat", 90)[0]
'thermostat'
>>> words.best("xyz", 80) is None
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import reduce
from itertools import repeat
from operator import or_

import numpy as np
from rapidfuzz import fuzz, process

__all__ = ["Choices"]

_GRAM = 3  # the longest substrings indexed


class _Reach:
    """What a query of one length needs of a word to reach one cut-off."""

    __slots__ = ("cuts", "index", "mask", "misses", "words")

    def __init__(self, words: list[str], index: list[int], mask: int) -> None:
        self.words = words  # the words long or short enough, and their indices
        self.index = index
        self.mask = mask  # the same as bits (bit i: word i)
        # where to cut the query into pieces, one of which each word must hold
        self.cuts: list[tuple[int, int]] = []
        # misses[k]: the words that may lack k of the query's letters (and no more)
        self.misses: list[int] = []


class Choices:
    """A list of words searched by ``fuzz.ratio`` with a score cut-off."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        self._lengths = [len(w) for w in self.words]
        self._by_length: dict[int, int] = {}  # length -> the words of that length (bits)
        for i, m in enumerate(self._lengths):
            self._by_length[m] = self._by_length.get(m, 0) | 1 << i
        # (query length, cut-off) -> what a word needs to reach it
        self._reachable: dict[tuple[int, float], _Reach] = {}
        # built when first needed: substring -> the words holding it; a letter k times -> the
        # words with fewer
        self._grams: dict[str, int] = {}
        self._lacking: dict[str, int] = {}
        self._every = (1 << len(self.words)) - 1  # bits of all the words

    def __len__(self) -> int:
        return len(self.words)

    def _within(self, n: int, cutoff: float) -> _Reach:
        key = (n, cutoff)
        found = self._reachable.get(key)
        if found is None:
            # a point of slack below the bound: rounding never drops a word that can reach it
            slack = cutoff - 1.0
            # every test below reads a word's length only: decided once per length
            near = {
                m: bits
                for m, bits in self._by_length.items()
                if n == 0 or m == 0 or 200 * min(n, m) >= slack * (n + m)
            }
            keep = [i for i, m in enumerate(self._lengths) if m in near]
            found = _Reach([self.words[i] for i in keep], keep, reduce(or_, near.values(), 0))
            # the tests cost a few rapidfuzz scores each: only for long lists, few pieces, few
            # letters missed
            if len(keep) >= 24 and slack > 0 and 0 not in near:
                pieces = int((n + max(near)) * (100.0 - slack) / 100.0) + 1
                if pieces <= min(n, 6):
                    found.cuts = [(p * n // pieces, (p + 1) * n // pieces) for p in range(pieces)]
                misses: dict[int, int] = {}
                for m, bits in near.items():
                    k = n - math.ceil(slack * (n + m) / 200.0)
                    misses[k] = misses.get(k, 0) | bits
                if len(keep) >= 64 and max(misses) < 3:
                    found.misses = [misses.get(k, 0) for k in range(max(misses) + 1)]
                    if n < 3 * pieces:  # short pieces, held by many words: letters tell more
                        found.cuts = []
            self._reachable[key] = found
        return found

    def _index_grams(self) -> dict[str, int]:
        grams: dict[str, int] = {}
        for i, word in enumerate(self.words):
            bit = 1 << i
            for size in range(1, _GRAM + 1):
                for at in range(len(word) - size + 1):
                    gram = word[at : at + size]
                    grams[gram] = grams.get(gram, 0) | bit
        self._grams = grams
        return grams

    def _index_letters(self) -> dict[str, int]:
        # each word's count of each letter, at once (a Python loop per letter of each word
        # cost ~15 ms over a few lists of hundreds of words, paid on first use)
        codes = np.frombuffer(
            "".join(self.words).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
        )
        alphabet, column = np.unique(codes, return_inverse=True)
        owner = np.repeat(np.arange(len(self.words)), self._lengths)
        counts = np.bincount(
            owner * len(alphabet) + column.reshape(-1), minlength=len(self.words) * len(alphabet)
        ).reshape(len(self.words), len(alphabet))
        lacking: dict[str, int] = {}
        for letter, count in zip(map(chr, alphabet.tolist()), counts.T, strict=True):
            for k in range(1, int(count.max()) + 1):  # bit i: word i has fewer than k
                fewer = np.packbits(count < k, bitorder="little").tobytes()
                lacking[letter * k] = int.from_bytes(fewer, "little")
        self._lacking = lacking
        return lacking

    def _candidates(self, query: str, cutoff: float) -> tuple[list[str], list[int]]:
        """The words (and their indices) that can reach ``cutoff``, in list order."""
        reach = self._within(len(query), cutoff)
        if not reach.cuts and not reach.misses:
            return reach.words, reach.index
        bits = reach.mask
        if reach.cuts:
            grams = self._grams or self._index_grams()
            held = 0
            for a, b in reach.cuts:
                if b - a <= _GRAM:
                    held |= grams.get(query[a:b], 0)
                else:  # a longer piece: its words hold each of its 3-letter substrings
                    piece = bits
                    for at in range(a, b - _GRAM + 1):
                        piece &= grams.get(query[at : at + _GRAM], 0)
                    held |= piece
            bits &= held
        if reach.misses and bits.bit_count() > 2:  # fewer: rapidfuzz reads them cheaper
            bits &= self._sharing(query, reach.misses)
        if not bits:
            return [], []
        if 4 * bits.bit_count() > len(reach.index):  # reading them costs more than it saves
            return reach.words, reach.index
        index = []
        while bits:
            low = bits & -bits
            index.append(low.bit_length() - 1)
            bits ^= low
        return [self.words[i] for i in index], index

    def _sharing(self, query: str, misses: list[int]) -> int:
        """The words that lack few enough of the query's letters (``misses``)."""
        if len(set(query)) == len(query):
            keys: Sequence[str] = query
        else:  # the second "e" of a query is missed by the words with one
            seen: dict[str, str] = {}
            keys = []
            for letter in query:
                key = seen[letter] = seen.get(letter, "") + letter
                keys.append(key)
        lacking = map((self._lacking or self._index_letters()).get, keys, repeat(self._every))
        if len(misses) == 1:
            return misses[0] & ~reduce(or_, lacking, 0)
        once = twice = thrice = 0  # the words that lack at least one, two, three letters
        for lacks in lacking:
            thrice |= twice & lacks
            twice |= once & lacks
            once |= lacks
        found = (misses[0] & ~once) | (misses[1] & ~twice)
        return found | (misses[2] & ~thrice) if len(misses) == 3 else found

    def best(self, query: str, cutoff: float) -> tuple[str, float, int] | None:
        """``process.extractOne(query, words, scorer=fuzz.ratio, score_cutoff=cutoff)``."""
        words, index = self._candidates(query, cutoff)
        if not words:
            return None
        found = process.extractOne(query, words, scorer=fuzz.ratio, score_cutoff=cutoff)
        if found is None:
            return None
        return found[0], found[1], index[found[2]]

    def top(self, query: str, cutoff: float, limit: int) -> list[tuple[str, float, int]]:
        """``process.extract(query, words, scorer=fuzz.ratio, score_cutoff=cutoff,
        limit=limit)``."""
        words, index = self._candidates(query, cutoff)
        if not words:
            return []
        return [
            (w, score, index[i])
            for w, score, i in process.extract(
                query, words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit
            )
        ]
