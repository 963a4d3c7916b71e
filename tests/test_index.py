"""The vector index on hand-built vectors: known neighbours, the kind chosen by size, save and load."""
from __future__ import annotations

import numpy as np
import pytest

from glossary_search import index as index_mod
from glossary_search.backend import VectorIndex
from glossary_search.index import FaissIndex


def unit_rows(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_flat_search_returns_exact_neighbours_best_first():
    vectors = unit_rows(50)
    index = FaissIndex.build(vectors)
    scores, ids = index.search(vectors[7], k=5)
    brute = np.argsort(-(vectors @ vectors[7]))[:5]
    assert ids[0].tolist() == brute.tolist() and scores[0][0] == pytest.approx(1.0, abs=1e-5)
    assert index.kind == "flat" and isinstance(index, VectorIndex)


def test_k_larger_than_the_index_is_capped():
    index = FaissIndex.build(unit_rows(3))
    _, ids = index.search(unit_rows(1, seed=9), k=10)
    assert sorted(ids[0].tolist()) == [0, 1, 2]


def test_kind_follows_size(monkeypatch):
    monkeypatch.setattr(index_mod, "HNSW_THRESHOLD", 100)
    small, large = FaissIndex.build(unit_rows(99)), FaissIndex.build(unit_rows(100))
    assert (small.kind, large.kind) == ("flat", "hnsw")
    assert large.ef_search == index_mod.HNSW_EF_SEARCH
    vectors = unit_rows(100)
    assert FaissIndex.build(vectors).search(vectors[3], k=1)[1][0][0] == 3
    with pytest.raises(ValueError, match="valid kinds: auto, flat, hnsw"):
        FaissIndex.build(vectors, kind="ivf")


def test_save_and_load_round_trip(tmp_path):
    vectors = unit_rows(20)
    FaissIndex.build(vectors, kind="hnsw").save(tmp_path / "v.faiss")
    loaded = FaissIndex.load(tmp_path / "v.faiss")
    assert (loaded.kind, loaded.dim, len(loaded)) == ("hnsw", 16, 20)
    assert np.allclose(loaded.vectors(), vectors, atol=1e-6)
    with pytest.raises(RuntimeError):
        FaissIndex.load(tmp_path / "missing.faiss")
