"""The compiled search (``processors/_kernels.c``) gives numpy's sums, bit for bit, and
refuses what it cannot read instead of reading past an array."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from processors import embeddings
from processors.embeddings import HashingEncoder, Sparse, VectorIndex, _Postings
from tests.unit.test_processors import PACKS

kernels = pytest.importorskip("processors._kernels", reason="built without a C compiler")


def _bits(a: np.ndarray) -> np.ndarray:
    assert a.dtype == np.float32
    return a.view(np.uint32)


def _both(by_feature: np.ndarray, same: list[int] | None) -> tuple[_Postings, _Postings]:
    return _Postings(by_feature, same), _Postings(by_feature, same, compiled=False)


def test_the_package_was_built_with_the_kernel() -> None:
    # make (pip install -e .) compiles it here; a missing compiler would fall back quietly
    assert embeddings._kernels is kernels
    assert _Postings(np.eye(3, dtype=np.float32)).kernel is kernels


def test_the_packs_searched_compiled_are_searched_as_numpy_searches() -> None:
    texts = [u for p in PACKS for i in p.intents for u in i.utterances]
    enc = HashingEncoder()
    enc.fit(texts)
    index = VectorIndex.of(enc, [*texts, *texts[:50]])  # repeated rows: listed once
    queries = [
        *texts[::7],
        "turn of the ligths in the office",
        "allume la lumière de la cuisine",
        "set the apollo invoice field 12 to value 345",
        "",
        "!!",
        " ".join(texts[:80]),
    ]
    n = len(index)
    for span in (None, (0, n), (10, 250), (n - 3, n), (5, 5)):
        cols = slice(*span) if span is not None else slice(None)
        same = index._same[cols] if index._same is not None else None
        compiled, plain = _both(index._by_feature[:, cols], same)
        assert compiled.kernel is not None and plain.kernel is None
        for text in queries:
            q = enc.sparse(text)
            assert np.array_equal(_bits(compiled.dot(q)), _bits(plain.dot(q))), (span, text)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.integers(0, 40),
    dim=st.integers(1, 64),
    density=st.floats(0.0, 1.0),
    repeats=st.integers(0, 5),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_matrices_give_the_same_bits(
    rows: int, dim: int, density: float, repeats: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    m = rng.random((dim, rows), dtype=np.float32) * (rng.random((dim, rows)) < density)
    same = list(range(rows))
    for _ in range(repeats if rows > 1 else 0):  # some rows equal to earlier ones
        a, b = sorted(rng.choice(rows, 2, replace=False))
        m[:, b] = m[:, a]
        same[b] = same[a]
    compiled, plain = _both(m, same)
    for _ in range(5):
        k = int(rng.integers(0, dim + 1))
        idx = np.sort(rng.choice(dim, k, replace=False)).astype(np.int64)
        q = Sparse(idx, rng.random(k, dtype=np.float32))
        assert np.array_equal(_bits(compiled.dot(q)), _bits(plain.dot(q)))


def test_the_router_and_former_search_with_the_kernel() -> None:
    from streams.runtime.pipeline import build_former, build_router
    from streams.settings import Settings

    settings = Settings()
    router, former = build_router(settings), build_former(settings)
    assert router.route  # built
    text = "turn off the kitchen lights"
    router.scores(text)
    assert all(p.kernel is kernels for p in router._static._postings.values())
    expert = former.pack_expert
    assert expert is not None
    expert.smalltalk(text)
    assert expert._vecs._postings and all(
        p.kernel is kernels for p in expert._vecs._postings.values()
    )


def _args(**change: object) -> list[object]:
    p = _Postings(np.eye(4, dtype=np.float32))
    args: dict[str, object] = {
        "starts": p.starts,
        "stops": p.stops,
        "rows": p.cell_rows,
        "weights": p.cell_weights,
        "n_sums": p.n_distinct,
        "idx": np.array([0, 2], dtype=np.int64),
        "qweights": np.array([1.0, 0.5], dtype=np.float32),
        "distinct": None,
        "out": np.empty(4, dtype=np.float32),
    }
    args.update(change)
    return list(args.values())


def test_the_kernel_sums_a_small_case_by_hand() -> None:
    args = _args()
    kernels.postings_dot(*args)
    assert args[-1].tolist() == [1.0, 0.0, 0.5, 0.0]  # type: ignore[attr-defined]


_LAST = {"idx": np.array([3], dtype=np.int64), "qweights": np.ones(1, np.float32)}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"idx": np.array([4], dtype=np.int64), "qweights": np.ones(1, np.float32)}, IndexError),
        ({"idx": np.array([-1], dtype=np.int64), "qweights": np.ones(1, np.float32)}, IndexError),
        ({"rows": np.array([0, 1, 2, 9], dtype=np.int32), **_LAST}, IndexError),
        ({"stops": np.array([1, 2, 3, 9], dtype=np.int64), **_LAST}, IndexError),
        ({"n_sums": 2}, ValueError),  # fewer sums than outputs without a map
        ({"distinct": np.array([0, 1, 2, 7], dtype=np.int64)}, IndexError),
        ({"distinct": np.array([0, 1], dtype=np.int64)}, ValueError),
        ({"qweights": np.ones(3, np.float32)}, ValueError),
        ({"idx": np.array([0, 2], dtype=np.int32)}, TypeError),  # not int64
        ({"weights": np.ones(4, np.float64)}, TypeError),  # not float32
        ({"out": np.empty(4, np.float32)[::-1]}, (TypeError, BufferError, ValueError)),
        ({"out": b"\x00" * 16}, (TypeError, BufferError)),  # read-only
    ],
)
def test_the_kernel_refuses_what_it_cannot_read(change: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        kernels.postings_dot(*_args(**change))


def _counted_both(text: str, dim: int, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    embeddings._counted.cache_clear()
    compiled = embeddings._counted(text, dim)
    embeddings._counted.cache_clear()
    with monkeypatch.context() as m:
        m.setattr(embeddings, "_kernels", None)
        plain = embeddings._counted(text, dim)
    embeddings._counted.cache_clear()
    return compiled, plain


def test_a_text_is_counted_as_numpy_counts_it(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [u for p in PACKS for i in p.intents for u in i.utterances][::5]
    texts += [
        "",
        "!!",
        "a a a a a a a a",
        "Grüß Gott, mach das Licht im Wohnzimmer an",
        "la la " * 300,  # more features than the frequency table counts: numpy's way
        " ".join(texts[:200]),
    ]
    for dim in (4096, 64, 1):
        for text in texts:
            compiled, plain = _counted_both(text, dim, monkeypatch)
            if plain is None:
                assert compiled is None
                continue
            assert compiled is not None
            (ci, ct), (pi, pt) = compiled, plain  # type: ignore[misc]
            assert ci.dtype == pi.dtype == np.int64 and ct.dtype == pt.dtype == np.float32
            assert np.array_equal(ci, pi) and np.array_equal(_bits(ct), _bits(pt)), text[:40]
            assert not ci.flags.writeable and not ct.flags.writeable


def test_counting_refuses_what_it_cannot_read() -> None:
    tf = np.ones(8, np.float32)
    out_i, out_t = np.empty(2, np.int64), np.empty(2, np.float32)
    with pytest.raises(ValueError, match="no room"):
        kernels.count_features(np.array([3, 1, 2], np.int64), tf, out_i, out_t)
    with pytest.raises(ValueError, match="lengths"):
        kernels.count_features(np.array([1], np.int64), tf, out_i, np.empty(3, np.float32))
    with pytest.raises(TypeError, match="packed"):
        kernels.count_features(bytearray(16), tf, out_i, out_t)  # bytes, not int64s
    with pytest.raises(BufferError):
        kernels.count_features(bytes(16), tf, out_i, out_t)  # read-only
    assert kernels.count_features(np.array([5, 5, 1], np.int64), tf, out_i, out_t) == 2
    assert out_i.tolist() == [1, 5] and out_t.tolist() == [1.0, 1.0]
    long = np.arange(8, dtype=np.int64)  # as many features as the table counts
    assert kernels.count_features(long, tf, np.empty(8, np.int64), np.empty(8, np.float32)) == -1
