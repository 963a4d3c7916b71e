"""Shared fixtures: repo paths, a scratch corpus, and a deterministic fake embedder for fast tests."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SOURCES = CORPUS / "sources"


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the real corpus YAML files (no sources) to break on purpose."""
    dst = tmp_path / "corpus"
    dst.mkdir()
    for p in CORPUS.glob("*.yaml"):
        shutil.copy(p, dst / p.name)
    return dst


class FakeEmbedder:
    """Bag-of-words hashing embedder: deterministic, instant, and similar texts get similar vectors."""

    model_id = "fake-hashing-64"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts_embedded = 0

    def embed(self, texts, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                h = int(hashlib.md5(word.strip(".,?!").encode()).hexdigest(), 16)
                out[i, h % self.dim] += 1.0
            out[i, 0] += 1e-3  # never an all-zero vector
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory) -> Path:
    """One scratch index folder for the session: built once, reused by every test and app server that
    opens the real corpus (or a copy of it: the index follows the corpus hash, not the folder)."""
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def real_searcher(shared_index):
    """The product as users get it: the real model over the real corpus, indexed in a scratch folder."""
    from glossary_search.search import Searcher

    return Searcher.open(CORPUS, shared_index)


@pytest.fixture(scope="session")
def built_index(real_searcher, shared_index) -> Path:
    """The shared index, built: for subprocesses that open the real corpus (they only read it)."""
    return shared_index


def seeded_index(built: Path, dest: Path) -> Path:
    """A new index folder that starts with the shared index's embedding cache, so a corpus that differs
    from the real one by a few entries embeds only those (the default model is slow to embed 700 texts)."""
    shutil.copytree(built / "cache", dest / "cache")
    return dest
