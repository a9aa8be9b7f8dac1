"""Text embeddings for routing and intent matching. Pluggable; the default needs no download.

:class:`HashingEncoder` hashes word unigrams, word bigrams and character 3-5-grams into a
fixed number of dimensions, weights them by sublinear term frequency times an IDF fitted on
the indexed documents, and L2-normalizes, so a dot product is a cosine similarity.

>>> enc = HashingEncoder(dim=1024)
>>> enc.fit(["turn on the kitchen lights", "book a dentist appointment"])
>>> v = enc.encode(["switch the kitchen lights on", "dentist on friday"])
>>> bool(v[0] @ enc.encode(["turn on the kitchen lights"])[0] > 0.5)
True
"""

from __future__ import annotations

import functools
import itertools
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
_WORD = re.compile(r"[a-z0-9äöüß]+(?:['\-][a-z0-9]+)*")


class Encoder(Protocol):
    """Turns texts into L2-normalized row vectors; ``version`` names what produced them."""

    version: str

    def fit(self, corpus: Sequence[str]) -> None: ...

    def encode(self, texts: Sequence[str]) -> Matrix: ...


def tokens(text: str) -> list[str]:
    """Lower-case word tokens."""
    return _WORD.findall(text.lower())


@functools.lru_cache(maxsize=1 << 16)
def _word_features(word: str, dim: int) -> tuple[int, ...]:
    """A word's hashed features: the word (counted twice) and its character 3-5-grams.

    Cached (bounded): voice/chat vocabulary repeats; hashing every n-gram again does not pay.
    """
    w = zlib.crc32(b"w:" + word.encode()) % dim
    padded = f" {word} "
    grams = [
        zlib.crc32(b"c:" + padded[i : i + n].encode()) % dim
        for n in (3, 4, 5)
        for i in range(len(padded) - n + 1)
    ]
    return (w, w, *grams)


class HashingEncoder:
    """Hashed word/bigram/char-n-gram TF-IDF in numpy; deterministic across processes."""

    def __init__(self, dim: int = 4096) -> None:
        self.dim = dim
        self.version = f"hash-tfidf-v1-d{dim}"
        self.idf = np.ones(dim, dtype=np.float32)

    def _features(self, text: str) -> Counter[int]:
        words = tokens(text)
        feats: Counter[int] = Counter()
        for w in words:
            feats.update(_word_features(w, self.dim))
        for a, b in itertools.pairwise(words):
            feats[zlib.crc32(f"b:{a} {b}".encode()) % self.dim] += 2
        return feats

    def fit(self, corpus: Sequence[str]) -> None:
        """Fit the IDF weights on the documents that will be searched."""
        df = np.zeros(self.dim, dtype=np.float32)
        for text in corpus:
            for f in self._features(text):
                df[f] += 1
        n = max(len(corpus), 1)
        self.idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)

    def _weighted(self, text: str) -> tuple[npt.NDArray[np.int64], Matrix] | None:
        """A text's non-zero features and their normalized weights (None: no features)."""
        feats = self._features(text)
        if not feats:
            return None
        idx = np.fromiter(feats.keys(), dtype=np.int64, count=len(feats))
        counts = np.fromiter(feats.values(), dtype=np.float32, count=len(feats))
        weights = (1 + np.log(counts)) * self.idf[idx]
        return idx, weights / np.sqrt(np.dot(weights, weights))

    def encode(self, texts: Sequence[str]) -> Matrix:
        """One normalized row per text (a zero row for a text without features)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            if (weighted := self._weighted(text)) is not None:
                out[row, weighted[0]] = weighted[1]
        return out

    def encode_by_feature(self, texts: Sequence[str]) -> Matrix:
        """:meth:`encode` transposed (one column per text), written as such: what a
        :class:`VectorIndex` stores, without a row-major matrix to copy first."""
        out = np.zeros((self.dim, len(texts)), dtype=np.float32)
        for col, text in enumerate(texts):
            if (weighted := self._weighted(text)) is not None:
                out[weighted[0], col] = weighted[1]
        return out


class SentenceEncoder:
    """A sentence-transformers model, when that package and the model are installed locally."""

    def __init__(self, model: str) -> None:
        try:
            from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]
        except ImportError as exc:
            raise RuntimeError(
                "the sentence encoder needs `pip install sentence-transformers` and a local model"
            ) from exc
        self._model = SentenceTransformer(model)
        self.version = f"sentence:{model}"

    def fit(self, corpus: Sequence[str]) -> None:
        """Nothing to fit: the model is pre-trained."""

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Normalized sentence embeddings."""
        vectors = self._model.encode(list(texts), normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


class WordLlamaEncoder:
    """The 256-dimension WordLlama model that ships inside the ``wordllama`` wheel (loaded
    from the installed package: no download), ~0.03 ms per sentence here. It knows English
    best; Taskline uses it beside the hashed n-grams, never alone."""

    def __init__(self) -> None:
        import os

        import wordllama  # type: ignore[import-untyped]  # loaded on first use

        self._model = _wordllama_model(os.path.dirname(wordllama.__file__))
        self.version = "wordllama-0.4-l2-256"

    def fit(self, corpus: Sequence[str]) -> None:
        """Nothing to fit: the model is pre-trained."""

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Normalized sentence embeddings."""
        vectors = np.asarray(self._model.embed(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        result: Matrix = (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        return result


@functools.lru_cache(maxsize=1)
def _wordllama_model(here: str) -> Any:
    """The model shipped in the ``wordllama`` package at ``here``, loaded once per process
    (~70 ms): its weights and tokenizer are read-only after loading (``embed`` sets nothing),
    so every encoder may share it, from any thread."""
    import wordllama

    return wordllama.WordLlama.load(cache_dir=here, disable_download=True)


class VectorIndex:
    """Rows searched by dot product with a query vector.

    Stored feature-major, so a sparse query (the hashing encoder's ~100-300 non-zero
    features of 4,096) reads only its own features' rows: ~40 µs instead of ~300 µs for a
    dense product over 200 rows, and no BLAS threads.

    >>> index = VectorIndex(np.eye(3, dtype=np.float32))
    >>> index.similarities(np.array([0, 2, 0], dtype=np.float32)).tolist()
    [0.0, 2.0, 0.0]
    """

    def __init__(self, rows: Matrix) -> None:
        self._by_feature: Matrix = _transposed(rows)

    @classmethod
    def of(cls, encoder: Encoder, texts: Sequence[str]) -> VectorIndex:
        """``VectorIndex(encoder.encode(texts))``; the hashing encoder writes the index's
        feature-major matrix directly (a third less time, half the memory at its peak)."""
        if type(encoder) is HashingEncoder:  # not a subclass: it may encode differently
            index = cls.__new__(cls)
            index._by_feature = encoder.encode_by_feature(texts)
            return index
        return cls(encoder.encode(texts))

    def __len__(self) -> int:
        return int(self._by_feature.shape[1])

    def similarities(self, query: Matrix, span: tuple[int, int] | None = None) -> Matrix:
        """The dot product of ``query`` with every row (with the rows ``start:stop`` of
        ``span`` only: a search within one domain reads only its own examples)."""
        cols = slice(*span) if span is not None else slice(None)
        idx = np.flatnonzero(query)
        if len(idx) * 4 > len(query):  # dense (e.g. sentence embeddings): one plain product
            result: Matrix = query @ self._by_feature[:, cols]
            return result
        sparse: Matrix = query[idx] @ self._by_feature[idx, cols]
        return sparse

    def set_row(self, i: int, row: Matrix) -> None:
        """Replace row ``i`` (a re-indexed document)."""
        self._by_feature[:, i] = row


def _transposed(rows: Matrix, tile: tuple[int, int] = (64, 512)) -> Matrix:
    """``np.ascontiguousarray(rows.T)``, copied tile by tile: a plain transposed copy of a
    few thousand 4,096-wide rows strides through memory and takes ~3x as long (~80 ms for
    the bundled packs' 2,500 examples, paid by every router and former built)."""
    n, d = rows.shape
    out: Matrix = np.empty((d, n), dtype=rows.dtype)
    ti, tj = tile
    for i in range(0, n, ti):
        for j in range(0, d, tj):
            out[j : j + tj, i : i + ti] = rows[i : i + ti, j : j + tj].T
    return out


def make_encoder(spec: str) -> Encoder:
    """``hash`` / ``hash:DIM`` (default) or ``sentence:MODEL``."""
    kind, _, arg = spec.partition(":")
    if kind == "hash":
        return HashingEncoder(int(arg) if arg else 4096)
    if kind == "sentence" and arg:
        return SentenceEncoder(arg)
    raise ValueError(f"unknown encoder {spec!r}; use hash[:DIM] or sentence:MODEL")
