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
import math
import re
import struct
import zlib
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

_kernels: ModuleType | None
try:  # the compiled search (processors/_kernels.c), built when a C compiler was at hand
    from processors import _kernels
except ImportError:  # installed without one: numpy gives the same sums, bit for bit
    _kernels = None

Matrix = npt.NDArray[np.float32]


class Sparse(NamedTuple):
    """A hashed text as its non-zero features (ascending) and their weights: what a search
    reads, without a 4,096-wide row to build and scan for its non-zeros first."""

    idx: npt.NDArray[np.int64]
    weights: Matrix

    def dense(self, dim: int) -> Matrix:
        """The same vector as a row of ``dim`` values."""
        out = np.zeros(dim, dtype=np.float32)
        out[self.idx] = self.weights
        return out


Query = Matrix | Sparse
_WORD = re.compile(r"[a-z0-9äöüß]+(?:['\-][a-z0-9]+)*")


class Encoder(Protocol):
    """Turns texts into L2-normalized row vectors; ``version`` names what produced them."""

    version: str

    def fit(self, corpus: Sequence[str]) -> None: ...

    def encode(self, texts: Sequence[str]) -> Matrix: ...


def tokens(text: str) -> list[str]:
    """Lower-case word tokens (a list of the caller's own)."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=4)
def _tokens(text: str) -> tuple[str, ...]:
    """:func:`tokens`, cached for the last few texts only: an event's text is split ~4 times
    (routing, hashing, language detection, formation), each ~1-2 µs."""
    return tuple(_WORD.findall(text.lower()))


# a feature's packed type: hashing a word or a text yields bytes, one call to join and one to
# read as an array, and a cached word holds a fraction of the memory of a tuple of ints
_PACKED = np.dtype(np.int64)
# sorted before and after every feature: each run of equal features then ends where the next
# value differs, the first and the last too (no edges to set by hand)
_BEFORE = np.array([-1], dtype=_PACKED).tobytes()
_AFTER = np.array([np.iinfo(_PACKED).max], dtype=_PACKED).tobytes()


def _pack(n: int, *values: int) -> bytes:
    """``np.array(values, dtype=_PACKED).tobytes()`` without an array (~1 µs less a word)."""
    return struct.pack(f"={n}q", *values)


_PAIR = struct.Struct("=2q")  # native int64s, as _PACKED


def _word_features(word: str, dim: int) -> bytes:
    """A word's hashed features, packed: the word (counted twice) and its character 3-5-grams."""
    w = zlib.crc32(word.encode(), _WORD_CRC) % dim  # crc32(b"w:" + word): the prefix's CRC
    padded = f" {word} "
    if padded.isascii():  # a byte per character: the n-grams are slices of the bytes
        data = padded.encode()
        crc = zlib.crc32
        grams = [
            crc(data[i : i + n], _GRAM_CRC) % dim
            for n in (3, 4, 5)
            for i in range(len(data) - n + 1)
        ]
    else:
        grams = [
            zlib.crc32(padded[i : i + n].encode(), _GRAM_CRC) % dim
            for n in (3, 4, 5)
            for i in range(len(padded) - n + 1)
        ]
    return _pack(len(grams) + 2, w, w, *grams)


# the CRCs of the feature kinds' prefixes, continued by each feature's own bytes
_WORD_CRC, _GRAM_CRC = zlib.crc32(b"w:"), zlib.crc32(b"c:")


# sublinear term frequency ``1 + log(count)`` by count (index 0 unused), computed as the
# weighting would compute it: a lookup instead of three numpy calls per text
with np.errstate(divide="ignore"):
    _TF: Matrix = 1 + np.log(np.arange(1024, dtype=np.float32))


def _bigram_feature(a: str, b: str, dim: int) -> bytes:
    """A word bigram's hashed feature, packed twice (it counts twice)."""
    bigram = zlib.crc32(f"b:{a} {b}".encode()) % dim
    return _PAIR.pack(bigram, bigram)


class _Hashes:
    """The packed features of words and of word bigrams hashed into ``dim`` dimensions,
    cached (bounded): voice/chat vocabulary repeats, and hashing every n-gram again does not
    pay. Plain dicts read by ``map``, not ``lru_cache`` calls: a text's look-ups then cost
    no Python call each (~1.5 µs less a text)."""

    _MAX = 1 << 16  # entries of each kind (~25 MB at most), the lru_caches' bound before

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self.words: dict[str, bytes] = {}
        self.bigrams: dict[tuple[str, str], bytes] = {}

    def packed(self, words: Sequence[str]) -> bytearray:
        """The hashed features of a text's words, each as often as it occurs, between the
        sentinels (in no particular order otherwise); writable, to be sorted in place."""
        for _ in range(2):
            try:
                return _joined(self.words.__getitem__, self.bigrams.__getitem__, words)
            except KeyError:  # a word or bigram not seen lately
                self._learn(words)
        # another thread's text cleared the tables in between (stages as threads): uncached
        dim = self.dim
        return _joined(lambda w: _word_features(w, dim), lambda p: _bigram_feature(*p, dim), words)

    def _learn(self, words: Sequence[str]) -> None:
        """Hash the words and bigrams of ``words`` not cached; all of them are afterwards."""
        dim, known, pairs = self.dim, self.words, self.bigrams
        if len(known) + len(words) > self._MAX or len(pairs) + len(words) > self._MAX:
            known.clear()  # bounded: a long-running stage meets ever more words
            pairs.clear()
        for word in words:
            if word not in known:
                known[word] = _word_features(word, dim)
        for pair in itertools.pairwise(words):
            if pair not in pairs:
                pairs[pair] = _bigram_feature(*pair, dim)


def _joined(
    word: Callable[[str], bytes], pair: Callable[[tuple[str, str]], bytes], words: Sequence[str]
) -> bytearray:
    """The sentinels and the features of ``words`` and of their bigrams, joined."""
    return bytearray().join(
        itertools.chain(
            (_BEFORE,), map(word, words), map(pair, itertools.pairwise(words)), (_AFTER,)
        )
    )


@functools.cache
def _hashes(dim: int) -> _Hashes:
    """The feature cache of ``dim`` dimensions, shared by every encoder of that width."""
    return _Hashes(dim)


@functools.lru_cache(maxsize=4)
def _counted(text: str, dim: int) -> tuple[npt.NDArray[np.int64], Matrix] | None:
    """A text's features (ascending) and their sublinear term frequencies (None: no
    features): all of a text's weights but the IDF. Cached for the last few texts only: the
    router and the former hash the same text of an event, each with its own IDF."""
    words = _tokens(text)
    if not words:  # a word has features
        return None
    packed = _hashes(dim).packed(words)
    if _kernels is not None:
        room = len(packed) // 8 - 2  # between the sentinels
        found, counted = np.empty(room, dtype=_PACKED), np.empty(room, dtype=np.float32)
        features = memoryview(packed)[8:-8].cast("q")  # int64s, as _PACKED
        m = _kernels.count_features(features, _TF, found, counted)
        if m >= 0:  # else a text of more features than _TF counts: numpy's way below
            idx, tf = found[:m], counted[:m]
            idx.flags.writeable = tf.flags.writeable = False
            return idx, tf
    # np.unique(..., return_counts=True) by hand, in as few numpy calls as it takes: at a
    # sentence's ~150 features each call's overhead (and its cold code) costs more than its
    # work (sorted in place: the packed buffer is the text's own)
    ordered = np.frombuffer(packed, _PACKED)
    ordered.sort()
    n = len(ordered) - 2
    ends = (ordered[1:] != ordered[:-1]).nonzero()[0]  # each run's last, in [:-1]
    lasts = ends[1:]  # the first run is the sentinel before
    idx = ordered.take(lasts)
    counts = lasts - ends[:-1]
    # a count is at most n: the table has it, unless the text is very long
    tf = _TF.take(counts) if n < len(_TF) else 1 + np.log(counts.astype(np.float32))
    idx.flags.writeable = tf.flags.writeable = False  # shared by the callers
    return idx, tf


class HashingEncoder:
    """Hashed word/bigram/char-n-gram TF-IDF in numpy; deterministic across processes."""

    def __init__(self, dim: int = 4096) -> None:
        self.dim = dim
        self.version = f"hash-tfidf-v1-d{dim}"
        self.idf = np.ones(dim, dtype=np.float32)

    def _features(self, text: str) -> npt.NDArray[np.int64]:
        """The text's hashed features, each as often as it occurs."""
        return np.frombuffer(_hashes(self.dim).packed(_tokens(text)), dtype=_PACKED)[1:-1]

    def fit(self, corpus: Sequence[str]) -> None:
        """Fit the IDF weights on the documents that will be searched."""
        df = np.zeros(self.dim, dtype=np.float32)
        for text in corpus:
            df[np.unique(self._features(text))] += 1
        n = max(len(corpus), 1)
        self.idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)

    def _weighted(self, text: str) -> tuple[npt.NDArray[np.int64], Matrix] | None:
        """A text's non-zero features (ascending) and their normalized weights (None: no
        features)."""
        counted = _counted(text, self.dim)
        if counted is None:
            return None
        idx, tf = counted
        weights = self.idf.take(idx)  # a new array: scaled in place
        weights *= tf
        # the float32 square root as the float64 one rounded to float32 (as a Python float
        # divides float32 values: rounding twice cannot change a square root's bits),
        # without numpy's scalar machinery
        weights /= math.sqrt(weights.dot(weights))
        return idx, weights

    def sparse(self, text: str) -> Sparse:
        """``encode([text])[0]`` as a :class:`Sparse` (no features: empty arrays).

        >>> enc = HashingEncoder(dim=64)
        >>> q = enc.sparse("lights on")
        >>> bool((q.dense(64) == enc.encode(["lights on"])[0]).all())
        True
        """
        weighted = self._weighted(text)
        if weighted is None:
            return Sparse(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        return Sparse(*weighted)

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

    # a text's pieces once its spaces are "▁": the "▁"s, then the characters up to the next
    _PIECE = re.compile("\u2581+[^\u2581]*")

    def __init__(self) -> None:
        import os

        import wordllama  # type: ignore[import-untyped]  # loaded on first use

        self._model = _wordllama_model(os.path.dirname(wordllama.__file__))
        # ``embed`` clamps token ids to the embedding's rows; needed only if the tokenizer
        # knows more tokens than the embedding has rows
        tokens = self._model.tokenizer.get_vocab_size(with_added_tokens=True)
        self._clip = tokens > self._model.embedding.shape[0]
        self._by_piece = _tokenizes_by_piece(self._model.tokenizer)
        # the ids of the pieces seen last (a few thousand words: under 1 MB)
        self._piece_ids = functools.lru_cache(maxsize=4096)(self._tokenize_piece)
        self.version = "wordllama-0.4-l2-256"

    def fit(self, corpus: Sequence[str]) -> None:
        """Nothing to fit: the model is pre-trained."""

    def encode(self, texts: Sequence[str]) -> Matrix:
        """Normalized sentence embeddings."""
        if len(texts) == 1:
            return self.encode_one(texts[0])[None, :]
        vectors = np.asarray(self._model.embed(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        result: Matrix = (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        return result

    def encode_one(self, text: str) -> Matrix:
        """``encode([text])[0]``, the same values, without the batch machinery (padding
        masks, a batch of one): two thirds of the time of a one-text ``embed``."""
        model = self._model
        ids: list[int] | npt.NDArray[np.int32] = self.token_ids(text)
        if not ids:
            return np.zeros(model.embedding.shape[1], dtype=np.float32)
        if self._clip:
            ids = np.clip(np.array(ids, np.int32), 0, model.embedding.shape[0] - 1)
        # take: the same rows as ``embedding[ids]``, without its indexing machinery
        pooled = np.add.reduce(model.embedding.take(ids, axis=0), axis=0, dtype=np.float32)
        pooled /= np.float32(len(ids))
        norm = np.sqrt(np.add.reduce(pooled * pooled))  # as ``np.linalg.norm(.., axis=1)``
        if norm:
            pooled /= norm
        result: Matrix = pooled
        return result

    def token_ids(self, text: str) -> list[int]:
        """``tokenizer.encode(text, add_special_tokens=False).ids``, from the ids of the
        text's pieces, each tokenized once (~1.5 µs instead of ~7 µs a text).

        The tokenizer's normalizer writes "▁" before the text and for each space, and its
        BPE merges the whole text at once (there is no pre-tokenizer). No token has a "▁"
        after another character, so no merge joins one piece to the next: a text's ids are
        its pieces' ids, one after the other (``_tokenizes_by_piece`` checks it)."""
        # the special tokens ("<s>", ...) are matched in the raw text, before the normalizer
        if not self._by_piece or not text or "<" in text:
            ids: list[int] = self._model.tokenizer.encode(text, add_special_tokens=False).ids
            return ids
        ids = []
        piece_ids = self._piece_ids
        for piece in self._PIECE.findall("\u2581" + text.replace(" ", "\u2581")):
            ids += piece_ids(piece)
        return ids

    def _tokenize_piece(self, piece: str) -> tuple[int, ...]:
        """The BPE's ids of one piece (what the tokenizer does to a whole text)."""
        return tuple(token.id for token in self._model.tokenizer.model.tokenize(piece))


@functools.lru_cache(maxsize=1)
def _tokenizes_by_piece(tokenizer: Any) -> bool:
    """Whether the ids of a text without special tokens are those of its pieces, one
    after the other (see ``WordLlamaEncoder.token_ids``): the tokenizer only puts "▁" for
    spaces and before the text, its special tokens start with "<", its model is a BPE (a
    merge makes a token of the vocabulary) and no token has a "▁" after another character
    (~12 ms, once per process)."""
    from tokenizers.models import BPE

    normalizer = (
        'Sequence(normalizers=[Prepend(prepend="\u2581"), '
        'Replace(pattern=String(" "), content="\u2581")])'
    )
    return (
        isinstance(tokenizer.model, BPE)
        and tokenizer.model.dropout is None
        and tokenizer.pre_tokenizer is None
        and repr(tokenizer.normalizer) == normalizer
        and all(t.content.startswith("<") for t in tokenizer.get_added_tokens_decoder().values())
        and not any(
            "\u2581" in t.lstrip("\u2581") for t in tokenizer.get_vocab(with_added_tokens=False)
        )
    )


class SpanIndex:
    """Dense rows searched by dot product within one of a few spans of them (a domain's
    examples), each span's rows kept feature-major on their own: a search multiplies one
    contiguous matrix, not a strided slice of all the rows (~1 µs less for 400-700 rows).
    Its results are those of ``VectorIndex(rows).similarities(query, span)``, bit for bit:
    the same BLAS product of the same numbers, only the rows' stride differs.

    >>> index = SpanIndex(np.eye(3, dtype=np.float32), [(0, 1), (1, 3)])
    >>> index.similarities(np.array([1, 2, 3], dtype=np.float32), (1, 3)).tolist()
    [2.0, 3.0]
    """

    def __init__(self, rows: Matrix, spans: Sequence[tuple[int, int]]) -> None:
        self._blocks: dict[tuple[int, int], Matrix] = {
            span: np.ascontiguousarray(rows[span[0] : span[1]].T) for span in spans
        }

    def similarities(self, query: Matrix, span: tuple[int, int]) -> Matrix:
        """The dot product of ``query`` with the rows ``start:stop`` of ``span``, one of
        those given at construction."""
        block = self._blocks[span]
        if np.count_nonzero(query) * 4 > len(query):  # dense, as VectorIndex decides
            result: Matrix = query @ block
            return result
        idx = np.flatnonzero(query)
        sparse: Matrix = query[idx] @ block[idx]
        return sparse


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
        self._postings: dict[tuple[int, int] | None, _Postings] = {}  # by span searched
        self._same: list[int] | None = None  # each row's first equal row, where known

    @classmethod
    def of(cls, encoder: Encoder, texts: Sequence[str]) -> VectorIndex:
        """``VectorIndex(encoder.encode(texts))``; the hashing encoder writes the index's
        feature-major matrix directly (a third less time, half the memory at its peak)."""
        if type(encoder) is HashingEncoder:  # not a subclass: it may encode differently
            index = cls.__new__(cls)
            index._by_feature = encoder.encode_by_feature(texts)
            index._postings = {}
            first: dict[str, int] = {}  # the same text has the same row
            index._same = [first.setdefault(text, i) for i, text in enumerate(texts)]
            return index
        return cls(encoder.encode(texts))

    def __len__(self) -> int:
        return int(self._by_feature.shape[1])

    def similarities(self, query: Query, span: tuple[int, int] | None = None) -> Matrix:
        """The dot product of ``query`` with every row (with the rows ``start:stop`` of
        ``span`` only: a search within one domain reads only its own examples)."""
        if isinstance(query, Sparse):
            if len(query.idx) * 4 <= self._by_feature.shape[0]:
                postings = self._postings.get(span)
                if postings is None:  # a span's own lists: it reads no others
                    self.prepare(span)
                    postings = self._postings[span]
                return postings.dot(query)
            query = query.dense(self._by_feature.shape[0])
        cols = slice(*span) if span is not None else slice(None)
        if np.count_nonzero(query) * 4 > len(query):  # dense (e.g. sentence embeddings)
            result: Matrix = query @ self._by_feature[:, cols]
            return result
        idx = np.flatnonzero(query)
        sparse: Matrix = query[idx] @ self._by_feature[idx, cols]
        return sparse

    def prepare(self, span: tuple[int, int] | None = None) -> None:
        """Build the posting lists a sparse search of ``span`` reads, now rather than at the
        first search (~8 ms for a pack's examples: a stage pays it at start, not on an
        event)."""
        if span not in self._postings:
            cols = slice(*span) if span is not None else slice(None)
            same = self._same[cols] if self._same is not None else None
            self._postings[span] = _Postings(self._by_feature[:, cols], same)

    def set_row(self, i: int, row: Matrix) -> None:
        """Replace row ``i`` (a re-indexed document)."""
        self._by_feature[:, i] = row
        self._postings.clear()
        self._same = None  # row i may differ from the rows it equalled


class _Postings:
    """A feature-major matrix as posting lists (CSR): for each feature, the rows that have
    it and their weights. A sparse query then reads only the non-zero cells of its own
    features (~1.5% of a hashed index) instead of whole 4,096-row slices of it.

    Rows known to be equal (the same example in several domains: a fifth of the router's
    examples) are listed once and their sum copied, when that saves a tenth of the rows.

    Long lists (the router's examples: a query's common n-grams are in ~100 rows each) are
    read in blocks of 16 or 32 cells, a block about as fast as a cell: a list is padded to
    whole blocks with cells of weight 0 (of any row), whose products (±0.0) leave every sum
    as it was, bit for bit (a sum starts at +0.0 and is never -0.0).

    A matrix of a handful of rows (the router's project documents) is kept dense instead:
    a query's few hundred cells cost less than the calls that would find the non-zero ones.

    With the compiled kernel (``processors._kernels``, built at install when a C compiler
    is there) the lists are plain CSR and one C loop reads a query's cells in the same
    order and adds the same products: the same bits at a third of the time (the numpy
    version's time is mostly the dozen calls that set a search up).
    """

    _DENSE_ROWS = 8
    _BLOCKS = (32, 16)  # the largest that fits: 32 saves ~2 µs a search of the router's

    def __init__(
        self, by_feature: Matrix, same: Sequence[int] | None = None, *, compiled: bool = True
    ) -> None:
        """``same``: a number for each row, the same for rows known to be equal;
        ``compiled=False``: numpy alone, as without the kernel (what tests compare it to)."""
        self.n = by_feature.shape[1]
        self.kernel = _kernels if compiled else None
        if self.kernel is not None:
            self._csr(by_feature, same)
            return
        if self.n <= self._DENSE_ROWS:
            self.dense: Matrix | None = np.ascontiguousarray(by_feature)
            # each cell's row, feature after feature (bincount sums in this order)
            self.cols = np.tile(np.arange(self.n, dtype=np.int64), by_feature.shape[0])
            return
        self.dense = None
        features, rows, weights = self._cells(by_feature, same)
        cells = np.bincount(features, minlength=by_feature.shape[0])  # by feature
        # blocks when a query's cells (most in the longest lists) would fill them
        square = int((cells * cells).sum())
        self.block = next((b for b in self._BLOCKS if square >= 2 * b * len(rows)), 1)
        self.lengths = -(-cells // self.block)  # blocks by feature
        self.stops = self.lengths.cumsum()
        # a cell's place: its feature's first block's, plus its rank among the feature's cells
        place = np.arange(len(rows)) + (
            (self.stops - self.lengths) * self.block - (cells.cumsum() - cells)
        ).repeat(cells)
        shape = (int(self.lengths.sum()), self.block) if self.block > 1 else (len(rows),)
        # padding cells' rows spread over all rows: a run of adds to the same row waits for
        # each one before it (row 0 for every padding cell cost ~5% of a search)
        spread = np.arange(shape[0] * self.block, dtype=np.intp) % self.n_distinct
        self.rows = spread.reshape(shape)
        self.rows.reshape(-1)[place] = rows
        self.weights: Matrix = np.zeros(shape, dtype=np.float32)
        self.weights.reshape(-1)[place] = weights
        self.positions = np.arange(shape[0], dtype=np.int64)  # an arange not built per search

    def _cells(
        self, by_feature: Matrix, same: Sequence[int] | None
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], Matrix]:
        """Every non-zero cell's feature, row and weight, grouped by feature with rows
        ascending; rows known to be equal listed once (then ``distinct`` numbers each row
        among the distinct ones, and sums are copied back through it)."""
        features, rows = np.nonzero(by_feature)  # row-major: grouped by feature, rows ascending
        weights = by_feature[features, rows]
        self.distinct: npt.NDArray[np.int64] | None = None
        self.n_distinct = self.n
        if same is not None:
            number: dict[int, int] = {}
            distinct = np.array([number.setdefault(k, len(number)) for k in same], dtype=np.int64)
            if len(number) * 10 <= self.n * 9:  # fewer repeats save less than copying costs
                first = np.zeros(self.n, dtype=bool)  # the rows whose cells are kept
                first[np.unique(distinct, return_index=True)[1]] = True
                keep = first.take(rows)
                features, rows = features[keep], distinct.take(rows[keep])
                weights = weights[keep]
                self.distinct, self.n_distinct = distinct, len(number)
        return features.astype(np.int64, copy=False), rows.astype(np.int64, copy=False), weights

    def _csr(self, by_feature: Matrix, same: Sequence[int] | None) -> None:
        """The lists the kernel reads: each feature's cells (rows ascending) between
        ``starts[f]`` and ``stops[f]``."""
        features, rows, weights = self._cells(by_feature, same)
        cells = np.bincount(features, minlength=by_feature.shape[0])
        self.stops = cells.cumsum().astype(np.int64)
        self.starts = self.stops - cells
        self.cell_rows = np.ascontiguousarray(rows, dtype=np.int32)
        self.cell_weights = np.ascontiguousarray(weights, dtype=np.float32)

    def dot(self, query: Sparse) -> Matrix:
        if self.kernel is not None:
            out: Matrix = np.empty(self.n, dtype=np.float32)
            self.kernel.postings_dot(
                self.starts,
                self.stops,
                self.cell_rows,
                self.cell_weights,
                self.n_distinct,
                np.ascontiguousarray(query.idx, dtype=np.int64),
                np.ascontiguousarray(query.weights, dtype=np.float32),
                self.distinct,
                out,
            )
            return out
        # every sum is a float64 bincount over the cells in query-feature order:
        # the same float32 products added in the same order give the same bits
        if self.dense is not None:
            # a zero cell's product (weights are finite) leaves a sum that starts at +0.0
            # unchanged, bit for bit: dense sums are the sparse ones
            cells = self.dense.take(query.idx, axis=0).reshape(-1)
            # each weight repeated along its feature's cells: a product of two flat arrays
            # costs half the instructions of a broadcast one (which numpy buffers)
            np.multiply(cells, query.weights.repeat(self.n), out=cells)
            dense: Matrix = np.bincount(self.cols[: cells.size], cells, self.n).astype(np.float32)
            return dense
        lengths = self.lengths.take(query.idx)
        # the blocks of every query feature, one after the other: a feature's blocks start
        # at its stop minus its length, and sit after the blocks of the query's earlier ones
        at = (self.stops.take(query.idx) - lengths.cumsum()).repeat(lengths)
        at += self.positions[: len(at)]
        weights = query.weights.repeat(lengths)
        products = self.weights.take(at, axis=0)
        products *= weights[:, None] if self.block > 1 else weights
        rows = self.rows.take(at, axis=0).ravel()
        # bincount converts the products to float64 itself: one call fewer than an add.at
        # (as fast per cell), or than the conversion done before it
        sums: Matrix = np.bincount(rows, products.ravel(), self.n_distinct).astype(np.float32)
        if self.distinct is not None:
            # every index is in range: "wrap" changes none, at less cost than "raise"'s checks
            sums = sums.take(self.distinct, mode="wrap")
        return sums


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


def query_of(encoder: Encoder, text: str) -> Query:
    """What a :class:`VectorIndex` search for ``text`` takes: sparse from the hashing
    encoder, a dense row from any other."""
    if type(encoder) is HashingEncoder:
        return encoder.sparse(text)
    row: Matrix = encoder.encode([text])[0]
    return row


def make_encoder(spec: str) -> Encoder:
    """``hash`` / ``hash:DIM`` (default) or ``sentence:MODEL``."""
    kind, _, arg = spec.partition(":")
    if kind == "hash":
        return HashingEncoder(int(arg) if arg else 4096)
    if kind == "sentence" and arg:
        return SentenceEncoder(arg)
    raise ValueError(f"unknown encoder {spec!r}; use hash[:DIM] or sentence:MODEL")
