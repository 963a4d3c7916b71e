"""Near duplicates at scale: approximate neighbour mining, candidates over arrays, and the array filter in
front of PairScorer.pair, each checked against the one-by-one path it speeds up."""
from __future__ import annotations

import numpy as np
import pytest

from glossary_search import concepts
from glossary_search.concepts import (
    DEFAULT_THRESHOLDS,
    EntryViews,
    PairScorer,
    Thresholds,
    mining_vectors,
    neighbour_pairs,
)
from glossary_search.search import Searcher
from glossary_search.types import Entry

from .conftest import CORPUS

THRESHOLDS = [DEFAULT_THRESHOLDS, Thresholds(same=0.4, related=0.2), Thresholds(same=0.7, related=0.5),
              Thresholds(same=0.2, related=0.05)]


@pytest.fixture(scope="module")
def fake_searcher(tmp_path_factory):
    from .conftest import FakeEmbedder

    return Searcher.open(CORPUS, tmp_path_factory.mktemp("idx"), embedder=FakeEmbedder())


def one_by_one(scorer: PairScorer, t: Thresholds):
    """PairScorer.pairs as it was: every candidate through `pair`."""
    found = (scorer.pair(int(i), int(j), t) for i, j in scorer.candidates)
    return sorted((p for p in found if p), key=lambda p: -p.evidence)


def old_candidates(scorer: PairScorer, neighbours) -> list[tuple[int, int]]:
    """The candidates as the set-based code built them."""
    class_pairs = {tuple(sorted((int(scorer.classes[i]), int(scorer.classes[j])))) for i, j in neighbours}
    class_pairs |= {(c, c) for c, members in scorer.members.items() if len(members) > 1}
    return sorted({tuple(sorted((a, b))) for ca, cb in class_pairs
                   for a in scorer.members[ca] for b in scorer.members[cb] if a != b})


def test_the_array_filter_keeps_every_pair_the_one_by_one_path_bands(fake_searcher):
    scorer = fake_searcher._pair_scorer()
    neighbours = [tuple(p) for p in neighbour_pairs(mining_vectors(scorer.views), concepts.CANDIDATES_PER_ENTRY)]
    assert [tuple(p) for p in scorer.candidates.tolist()] == old_candidates(scorer, neighbours)
    for t in THRESHOLDS:
        expected = one_by_one(scorer, t)
        assert expected, t
        assert scorer.pairs(t) == expected, t
    # It does drop most candidates (else it would speed nothing up).
    assert scorer.could_band(scorer.candidates).mean() < 0.5


def test_the_array_filter_on_namesakes_cross_references_and_copies():
    """Classes of several members, 'See X.' entries and copied wording: the cases `pair` treats apart."""
    rng = np.random.default_rng(7)
    words = [f"w{k}" for k in range(60)]
    entries, n = [], 400
    for i in range(n):
        term = f"Term {i // 3}" if i % 7 == 0 else f"Term {i}"  # namesakes: classes of several members
        if i % 11 == 0 and i:
            entries.append(Entry("g", i + 1, f"Pointer {i}", f"See Term {i - 1}.", see=f"Term {i - 1}"))
        elif i % 13 == 0 and i:
            entries.append(Entry("h", i + 1, f"Copy {i}", entries[i - 1].definition))
        else:
            entries.append(Entry("g", i + 1, term, " ".join(rng.choice(words, size=12))))
    vectors = rng.normal(size=(n, 2, 16)).astype(np.float32)
    vectors[1::5] = vectors[0::5][: len(vectors[1::5])] + 0.1 * vectors[1::5]  # near pairs
    vectors /= np.linalg.norm(vectors, axis=2, keepdims=True)
    views = EntryViews(definition=vectors[:, 0], names=vectors[:, 1])
    declared = [(i, i - 1) for i in range(11, n, 11)]
    scorer = PairScorer(entries, views, [tuple(sorted(p)) for p in declared])
    assert any(len(m) > 2 for m in scorer.members.values())
    for t in THRESHOLDS:
        assert scorer.pairs(t) == one_by_one(scorer, t), t


def clustered(n: int, dim: int, seed: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Unit vectors around n // 20 centres, every tenth a near copy of the one before: (vectors, planted pairs)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n // 20, dim))
    v = centres[rng.integers(len(centres), size=n)] + 0.6 * rng.normal(size=(n, dim))
    planted = [(i - 1, i) for i in range(1, n, 10)]
    for a, b in planted:
        v[b] = v[a] + 0.05 * rng.normal(size=dim)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32), planted


def test_approximate_mining_finds_nearly_every_exact_neighbour_and_every_near_copy():
    """Tolerance: at least 95% of the exact top-20 pairs (HNSW M 16, efSearch 64), and all planted copies."""
    vectors, planted = clustered(3_000, 48, seed=1)
    exact = {tuple(p) for p in neighbour_pairs(vectors, 20, approximate_from=10**9).tolist()}
    approx = {tuple(p) for p in neighbour_pairs(vectors, 20, approximate_from=0).tolist()}
    assert len(exact & approx) >= 0.95 * len(exact), len(exact & approx) / len(exact)
    assert set(planted) <= approx
    assert all(i < j for i, j in approx)


def test_duplicates_from_approximate_mining_match_exact_on_the_corpus(fake_searcher):
    """The real corpus with the approximate path forced: the same banded pairs as exact, give or take 2%."""
    scorer = fake_searcher._pair_scorer()
    exact = {(p.a.id, p.b.id, p.band) for p in scorer.pairs()}
    forced = PairScorer(scorer.entries, scorer.views, neighbours=neighbour_pairs(
        mining_vectors(scorer.views), concepts.CANDIDATES_PER_ENTRY, approximate_from=0))
    forced.classes, forced.name_classes, forced.members = scorer.classes, scorer.name_classes, scorer.members
    approx = {(p.a.id, p.b.id, p.band) for p in forced.pairs()}
    assert len(exact ^ approx) <= 0.02 * len(exact), (len(exact), exact ^ approx)


def test_the_build_stores_the_same_neighbours_the_scorer_would_mine(fake_searcher):
    stored = fake_searcher._neighbours
    assert stored is not None and stored.dtype == np.int64
    mined = neighbour_pairs(mining_vectors(fake_searcher.views), concepts.CANDIDATES_PER_ENTRY)
    assert np.array_equal(stored, mined)
