"""Compiled inner loops of :mod:`processors.embeddings` (``processors/_kernels.c``)."""

from typing import Any

def postings_dot(
    starts: Any,
    stops: Any,
    rows: Any,
    weights: Any,
    n_sums: int,
    idx: Any,
    qweights: Any,
    distinct: Any | None,
    out: Any,
) -> None: ...
def count_features(packed: Any, tf: Any, idx: Any, counted: Any) -> int: ...
