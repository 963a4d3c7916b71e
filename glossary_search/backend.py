"""The seam between the product and wherever its vectors live: row vectors in, nearest row ids out.

`index.FaissIndex` (exact or HNSW, in process) is the implementation today. A distributed engine
(Qdrant, OpenSearch k-NN) fed with the same normalised vectors would implement the same protocol;
see docs/scaling.md. No faiss here: this module is importable without it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class VectorIndex(Protocol):
    """Inner product over L2-normalised float32 vectors (so scores are cosines)."""

    kind: str  # recorded in the manifest: "flat", "hnsw", or a remote engine's name
    dim: int

    def __len__(self) -> int:
        """Rows held; store.load checks it against the manifest."""

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (n_queries, k), best first; id -1 pads when fewer than k rows exist."""

    def vectors(self, rows: np.ndarray | None = None) -> np.ndarray:
        """Every row back in row order (or the rows given, in their order), for the concept maths
        (duplicates, related terms, the map)."""

    def save(self, path: Path) -> None:
        """Write the index to `path` (a remote engine writes where its data lives: URL, collection)."""

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        """The inverse of save; raises OSError or RuntimeError on a missing or corrupt file."""
