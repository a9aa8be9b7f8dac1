"""Nearest spellings among a fixed list of words, by rapidfuzz's ``fuzz.ratio``, reading only
the words whose length lets them reach the cut-off.

``fuzz.ratio(a, b)`` is ``200 * LCS / (len(a) + len(b))`` and the longest common subsequence
is at most the shorter length, so a word of length ``m`` can only score ``c`` or more against
a query of length ``n`` when ``200 * min(n, m) >= c * (n + m)``. Words that cannot are left
out before rapidfuzz sees the list; the answer is exactly ``process.extractOne`` /
``process.extract`` over the whole list (same word, same score, same tie order), at a
fraction of the cost for long queries ("portedentree" reads a handful of the lexicon's 332
words instead of all of them).

>>> words = Choices(["light", "lights", "kitchen", "thermostat"])
>>> words.best("ligth", 80)
('light', 80.0, 0)
>>> words.best("thermostaat", 90)[0]
'thermostat'
>>> words.best("xyz", 80) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

__all__ = ["Choices"]


class Choices:
    """A list of words searched by ``fuzz.ratio`` with a score cut-off."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        self._lengths = [len(w) for w in self.words]
        # (query length, cut-off) -> the words (and their first indices) that can reach it
        self._reachable: dict[tuple[int, float], tuple[list[str], list[int]]] = {}

    def __len__(self) -> int:
        return len(self.words)

    def _within(self, n: int, cutoff: float) -> tuple[list[str], list[int]]:
        key = (n, cutoff)
        found = self._reachable.get(key)
        if found is None:
            # a point of slack below the bound: rounding never drops a word that can reach it
            slack = cutoff - 1.0
            keep = [
                i
                for i, m in enumerate(self._lengths)
                if n == 0 or m == 0 or 200 * min(n, m) >= slack * (n + m)
            ]
            found = ([self.words[i] for i in keep], keep)
            self._reachable[key] = found
        return found

    def best(self, query: str, cutoff: float) -> tuple[str, float, int] | None:
        """``process.extractOne(query, words, scorer=fuzz.ratio, score_cutoff=cutoff)``."""
        words, index = self._within(len(query), cutoff)
        if not words:
            return None
        found = process.extractOne(query, words, scorer=fuzz.ratio, score_cutoff=cutoff)
        if found is None:
            return None
        return found[0], found[1], index[found[2]]

    def top(self, query: str, cutoff: float, limit: int) -> list[tuple[str, float, int]]:
        """``process.extract(query, words, scorer=fuzz.ratio, score_cutoff=cutoff,
        limit=limit)``."""
        words, index = self._within(len(query), cutoff)
        if not words:
            return []
        return [
            (w, score, index[i])
            for w, score, i in process.extract(
                query, words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=limit
            )
        ]
