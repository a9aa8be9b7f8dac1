"""The WordLlama encoder's shortcuts give the model's own results, bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from processors.embeddings import SpanIndex, VectorIndex, WordLlamaEncoder

pytest.importorskip("wordllama")

DATA = Path(__file__).resolve().parents[1] / "data"
ODD = [
    "",
    " ",
    "  two  spaces  ",
    " leading",
    "trailing ",
    "\u2581already\u2581marked \u2581",
    "<s> special </s> tokens <unk>",
    "a<s>b",
    "tab\tand\nnewline",
    "non\u00a0breaking space",
    "emoji 😀😀 and 漢字",
    "Schalte das Licht im Wohnzimmer an",
    "éteins la lumière de la cuisine",
]


def _texts() -> list[str]:
    texts: list[str] = []
    for path in sorted(DATA.glob("formation_dev*/*.jsonl"))[:6]:
        for line in path.read_text(encoding="utf-8").splitlines()[:60]:
            if line.strip():
                text = json.loads(line).get("text")
                if isinstance(text, str):
                    texts += [text, text.lower()]
    return texts + ODD


def test_token_ids_are_the_tokenizers() -> None:
    encoder = WordLlamaEncoder()
    tokenizer = encoder._model.tokenizer
    texts = _texts()
    assert len(texts) > 120
    for text in texts:
        assert encoder.token_ids(text) == tokenizer.encode(text, add_special_tokens=False).ids


def test_encode_one_is_a_one_text_encode() -> None:
    encoder = WordLlamaEncoder()
    emb = encoder._model.embedding
    for text in _texts():
        ids = encoder._model.tokenizer.encode(text, add_special_tokens=False).ids
        expected = np.zeros(emb.shape[1], dtype=np.float32)
        if ids:  # the pooling as first written: float32 sum, mean, norm
            expected = np.add.reduce(emb[ids], axis=0, dtype=np.float32) / np.float32(len(ids))
            norm = np.sqrt(np.add.reduce(expected * expected))
            expected = expected / norm if norm else expected
        got = encoder.encode_one(text)
        assert got.dtype == np.float32
        assert got.tobytes() == expected.tobytes()


def test_a_span_index_scores_as_a_vector_index() -> None:
    encoder = WordLlamaEncoder()
    texts = _texts()
    rows = encoder.encode(texts)
    spans = [(0, 37), (37, 101), (101, len(texts))]
    index, whole = SpanIndex(rows, spans), VectorIndex(rows)
    for text in texts[:40]:
        query = encoder.encode_one(text)
        for span in spans:
            got = index.similarities(query, span)
            assert got.tobytes() == whole.similarities(query, span).tobytes()
