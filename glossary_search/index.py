"""The only module that imports faiss: vectors in, nearest ids out; exact while small, HNSW when large."""
from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

# Below this many vectors exact search is fast enough (see docs/benchmarks.md); above it, HNSW.
HNSW_THRESHOLD = 50_000
HNSW_M = 32


def make_index(vectors: np.ndarray, kind: str = "auto") -> faiss.Index:
    """An inner-product index over L2-normalised vectors (inner product == cosine)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    if kind == "auto":
        kind = "hnsw" if len(vectors) >= HNSW_THRESHOLD else "flat"
    if kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 64
    else:
        raise ValueError(f"Unknown index kind {kind!r}; valid kinds: auto, flat, hnsw.")
    index.add(vectors)
    return index


def index_kind(index: faiss.Index) -> str:
    return "hnsw" if isinstance(index, faiss.IndexHNSWFlat) else "flat"


def search(index: faiss.Index, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, ids) per query row; ids of -1 mean fewer than k vectors."""
    k = max(1, min(k, index.ntotal))
    queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
    return index.search(queries, k)


def write_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def read_index(path: Path) -> faiss.Index:
    """Raises RuntimeError (from faiss) on a truncated or corrupt file."""
    return faiss.read_index(str(path))


def faiss_version() -> str:
    return faiss.__version__


def vectors_of(index: faiss.Index) -> np.ndarray:
    """The stored vectors back (flat and HNSW-flat keep them), for duplicate and related-concept maths."""
    return index.reconstruct_n(0, index.ntotal)
