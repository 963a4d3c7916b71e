"""The index folder on disk: a manifest checked on load, atomic saves, one writer at a time, an embedding cache.

Layout: `CURRENT` names the active build folder under `builds/`; a build is written in full to a fresh
folder and only then does `CURRENT` switch (os.replace), so a crash mid-build leaves the old index in use.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from .errors import IndexFileError, IndexLockedError
from .backend import VectorIndex
from .index import FaissIndex

FORMAT_VERSION = 1
POINTER = "CURRENT"


@dataclass(frozen=True)
class Manifest:
    """What an index was built from; any difference from the running setup makes it stale."""

    model_id: str
    dim: int
    entry_count: int
    row_count: int
    corpus_hash: str
    text_scheme: str
    texts_hash: str = ""  # hash of the exact texts embedded: a change in how entries are represented is stale too
    index_kind: str = "flat"
    format_version: int = FORMAT_VERSION
    versions: dict = field(default_factory=dict)
    built_at: str = ""

    def mismatch(self, expected: "Manifest") -> str | None:
        """Why this index cannot serve `expected`, in a few words; None when it can."""
        for name in ("format_version", "model_id", "dim", "text_scheme", "corpus_hash", "entry_count", "texts_hash"):
            have, want = getattr(self, name), getattr(expected, name)
            if have != want:
                short = lambda v: v[:12] if name.endswith("_hash") else v  # noqa: E731
                return f"{name} is {short(have)!r}, expected {short(want)!r}"
        return None


@dataclass
class StoredIndex:
    manifest: Manifest
    index: VectorIndex  # over the entry rows
    row_entry: np.ndarray  # row -> entry position in corpus order
    entry_ids: list[str]
    path: Path


def load(index_dir: Path) -> StoredIndex:
    """Load the active build; IndexFileError says what is wrong (missing, corrupt, inconsistent)."""
    pointer = index_dir / POINTER
    if not pointer.is_file():
        raise IndexFileError(f"No index in {index_dir} yet")
    build = index_dir / "builds" / pointer.read_text(encoding="utf-8").strip()
    try:
        manifest = Manifest(**json.loads((build / "manifest.json").read_text(encoding="utf-8")))
        rows = json.loads((build / "rows.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError) as exc:
        raise IndexFileError(f"Index at {build} is unreadable ({exc.__class__.__name__}: {exc})") from exc
    try:
        index = FaissIndex.load(build / "vectors.faiss")
    except (OSError, RuntimeError) as exc:
        raise IndexFileError(f"{build / 'vectors.faiss'} is truncated or corrupt") from exc
    row_entry = np.asarray(rows.get("row_entry", []), dtype=np.int64)
    entry_ids = list(rows.get("entry_ids", []))
    if index.dim != manifest.dim or len(index) != manifest.row_count or len(row_entry) != len(index):
        raise IndexFileError(
            f"{build}: the FAISS index holds {len(index)} vectors of size {index.dim}; the manifest says "
            f"{manifest.row_count} x {manifest.dim} and the row map has {len(row_entry)}"
        )
    if len(entry_ids) != manifest.entry_count:
        raise IndexFileError(f"{build}: {len(entry_ids)} entry ids, manifest says {manifest.entry_count}")
    return StoredIndex(manifest, index, row_entry, entry_ids, build)


def save(index_dir: Path, manifest: Manifest, index: VectorIndex, row_entry: np.ndarray,
         entry_ids: Sequence[str]) -> Path:
    """Write a complete build beside the old one, then switch CURRENT to it atomically."""
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{manifest.corpus_hash[:10]}-{uuid.uuid4().hex[:8]}"
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=builds))
    try:
        index.save(tmp / "vectors.faiss")
        (tmp / "rows.json").write_text(
            json.dumps({"entry_ids": list(entry_ids), "row_entry": [int(r) for r in row_entry]}), encoding="utf-8"
        )
        (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
        for f in tmp.iterdir():
            _fsync(f)
        os.replace(tmp, builds / name)
        _atomic_write(index_dir / POINTER, name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(builds, keep=name)
    return builds / name


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _prune(builds: Path, keep: str) -> None:
    """Drop older builds and leftovers of killed builds; a reader of an old build keeps its open arrays."""
    for child in builds.iterdir():
        if child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def writable(index_dir: Path) -> bool:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(index_dir, os.W_OK)


@contextlib.contextmanager
def build_lock(index_dir: Path, wait_seconds: float = 120.0, on_wait=None) -> Iterator[None]:
    """One writer at a time: a second build waits for the first (telling the user), then gives up."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if on_wait:
                on_wait(f"Another build of {index_dir} is running; waiting up to {wait_seconds:.0f}s for it.")
            deadline = time.monotonic() + wait_seconds
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise IndexLockedError(
                            f"Another process has been building {index_dir} for over {wait_seconds:.0f}s; "
                            f"try again later (lock file {index_dir / '.lock'})."
                        ) from None
                    time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class EmbeddingCache:
    """Vectors keyed by (model, text) hash, so editing one entry re-embeds one entry."""

    def __init__(self, index_dir: Path | None, model_id: str):
        self.model_id = model_id
        slug = hashlib.sha256(model_id.encode()).hexdigest()[:12]
        self.path = index_dir / "cache" / f"embeddings-{slug}.npz" if index_dir else None
        self._vectors: dict[str, np.ndarray] = {}
        if self.path and self.path.is_file():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    self._vectors = dict(zip(data["keys"].tolist(), data["vectors"]))
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a damaged cache only costs re-embedding

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def embed(self, embedder, texts: Sequence[str], show_progress: bool = False) -> tuple[np.ndarray, int]:
        """(vectors for texts, how many had to be embedded now)."""
        keys = [self.key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self._vectors}.items())
        if missing:
            fresh = embedder.embed([t for _, t in missing], show_progress=show_progress)
            self._vectors.update({k: v for (k, _), v in zip(missing, fresh)})
        if not texts:
            return np.zeros((0, getattr(embedder, "dim", 0)), dtype=np.float32), 0
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32), len(missing)

    def save(self, keep_texts: Sequence[str]) -> None:
        """Persist only what the current corpus uses, atomically; silently skip a read-only folder."""
        if not self.path:
            return
        keep = [k for k in dict.fromkeys(self.key(t) for t in keep_texts) if k in self._vectors]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".cache-", suffix=".npz", dir=self.path.parent)
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, keys=np.array(keep), vectors=np.stack([self._vectors[k] for k in keep]))
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(tmp)


def read_manifest(index_dir: Path | None = None) -> dict | None:
    """The active build's manifest as a dict, without loading its vectors (for /version); None if unreadable."""
    if index_dir is None:
        from .search import DEFAULT_INDEX

        index_dir = DEFAULT_INDEX
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
        return json.loads((index_dir / "builds" / name / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
