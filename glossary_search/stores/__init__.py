"""Vector engines behind backend.VectorIndex: FAISS in process (index.py, the default) and Milvus (milvus.py).

`--vector-store faiss|milvus:<path-or-uri>` (env GLOSSARY_SEARCH_VECTOR_STORE) picks one. FAISS stays the
index on disk in every case: it is what the embedding cache builds, and Milvus is fed from it.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from ..errors import UsageError

VECTOR_STORE_ENV = "GLOSSARY_SEARCH_VECTOR_STORE"
MILVUS_TOKEN_ENV = "GLOSSARY_SEARCH_MILVUS_TOKEN"
KINDS = ("faiss", "milvus:<path-or-uri>")


def parse(spec: str | None) -> tuple[str, str | None]:
    """('faiss', None) or ('milvus', uri); a bad spec is a UsageError naming it and the valid forms."""
    spec = (spec or "faiss").strip()
    if spec == "faiss":
        return "faiss", None
    kind, _, where = spec.partition(":")
    if kind == "milvus" and where.strip():
        return "milvus", where.strip()
    raise UsageError(f"Unknown vector store {spec!r}; valid: {', '.join(KINDS)} "
                     f"(e.g. milvus:index/milvus.db or milvus:http://milvus:19530).")


def open_vector_store(spec: str | None, local, texts: Sequence[str], model_id: str,
                      notify: Callable[[str], None] | None = None):
    """The index to search: `local` (the FAISS index) itself, or a Milvus collection synced from it."""
    kind, uri = parse(spec)
    if kind == "faiss":
        return local
    import os

    from .milvus import MilvusIndex

    return MilvusIndex.sync(uri, np.asarray(local.vectors()), texts, model_id,
                            token=os.environ.get(MILVUS_TOKEN_ENV, ""), notify=notify)
