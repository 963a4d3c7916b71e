"""The only module that imports faiss: exact search while small, HNSW when large (docs/benchmarks.md)."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import faiss
import numpy as np

# From `python scripts/bench.py --scale` (docs/benchmarks.md): exact search's single-query p95 reaches
# 20 ms at about 100k vectors; below that it is exact and rebuilds in under a second.
HNSW_THRESHOLD = 100_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
# The smallest efSearch with recall@10 >= 0.95 on clustered vectors at every size up to 1M.
HNSW_EF_SEARCH = 128
KINDS = ("auto", "flat", "hnsw")


@contextlib.contextmanager
def threads(n: int | None) -> Iterator[None]:
    """Run faiss with n OpenMP threads in this thread (None: faiss' default), then restore.

    One thread per question: on a busy 2-core machine a multi-threaded single query waits for the
    other core (flat search over 10k vectors: 0.6 ms with 1 thread, up to 16 ms with 2). OpenMP keeps
    the count per calling thread, so concurrent questions do not disturb each other.
    """
    before = faiss.omp_get_max_threads()
    if n is not None:
        faiss.omp_set_num_threads(int(n))
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


class FaissIndex:
    """A faiss inner-product index over normalised vectors; implements backend.VectorIndex."""

    def __init__(self, index: faiss.Index):
        self._index = index

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "auto") -> "FaissIndex":
        """Exact ('flat') below HNSW_THRESHOLD rows, else HNSW; 'flat' or 'hnsw' force one."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if kind not in KINDS:
            raise ValueError(f"Unknown index kind {kind!r}; valid kinds: {', '.join(KINDS)}.")
        if kind == "auto":
            kind = "hnsw" if len(vectors) >= HNSW_THRESHOLD else "flat"
        dim = vectors.shape[1]
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        else:
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        index.add(vectors)
        return cls(index)

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self._index, faiss.IndexHNSWFlat) else "flat"

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def ef_search(self) -> int | None:
        return int(self._index.hnsw.efSearch) if self.kind == "hnsw" else None

    @ef_search.setter
    def ef_search(self, value: int) -> None:
        if self.kind != "hnsw":
            raise ValueError("efSearch applies to HNSW indexes only.")
        self._index.hnsw.efSearch = int(value)

    @property
    def ef_construction(self) -> int | None:
        return int(self._index.hnsw.efConstruction) if self.kind == "hnsw" else None

    def search(self, queries: np.ndarray, k: int, n_threads: int | None = 1) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) per query row; ids of -1 mean fewer than k vectors."""
        k = max(1, min(k, len(self)))
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        with threads(n_threads):
            return self._index.search(queries, k)

    def vectors(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The stored vectors back (flat and HNSW-flat keep them): all, or the rows given in their order."""
        if rows is None:
            return self._index.reconstruct_n(0, len(self))
        return self._index.reconstruct_batch(np.ascontiguousarray(rows, dtype=np.int64))

    def nbytes(self) -> int:
        """Serialized size: the vectors plus, for HNSW, its graph; close to what it holds in RAM."""
        return int(faiss.serialize_index(self._index).nbytes)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> "FaissIndex":
        """Raises RuntimeError (from faiss) on a truncated or corrupt file."""
        return cls(faiss.read_index(str(path)))

    @classmethod
    def from_bytes(cls, data: bytes) -> "FaissIndex":
        """The inverse of save from the file's bytes (the store checksums what it reads, then parses it);
        raises RuntimeError (from faiss) on truncated or corrupt bytes."""
        return cls(faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8)))


def nearest_rows(vectors: np.ndarray, k: int, n_threads: int | None = None) -> np.ndarray:
    """Each row's k best rows by inner product, exact (BLAS blocks and a heap per row: 3x a numpy
    argpartition over full rows); (n, k) ids, a row itself usually among them."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    with threads(n_threads):
        return index.search(vectors, k)[1]


# Neighbour mining above concepts.APPROXIMATE_FROM rows: build and search speed over recall (the candidates
# only need to hold the near duplicates, which are each other's nearest; recall@21 measured in the README).
MINING_M = 16
MINING_EF_CONSTRUCTION = 40
MINING_EF_SEARCH = 64


def approximate_nearest_rows(vectors: np.ndarray, k: int, n_threads: int | None = None) -> np.ndarray:
    """Each row's k best rows by inner product, approximately (an HNSW graph over the rows, then each row
    searched in it); (n, k) ids, -1 where fewer were found."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.IndexHNSWFlat(vectors.shape[1], MINING_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = MINING_EF_CONSTRUCTION
    index.hnsw.efSearch = max(MINING_EF_SEARCH, k)
    with threads(n_threads):
        index.add(vectors)
        return index.search(vectors, k)[1]


def faiss_version() -> str:
    return faiss.__version__
