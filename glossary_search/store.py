"""The index folder on disk: a manifest checked on load, atomic saves, one writer at a time, an embedding cache.

Layout: `CURRENT` names the active build folder under `builds/`; a build is written in full to a fresh
folder, fsynced (files, then the folder), and only then does `CURRENT` switch (os.replace, then the
folder is fsynced), so a crash or power cut leaves the old index or the new one, never a torn build.
The manifest holds a SHA-256 of every other file of its build, checked on each open: a flipped bit is a
rebuild, never a silently different answer. Files and folders take the umask's modes, so an index built
by one user can be read by another.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from .errors import IndexFileError, IndexLockedError, brief
from .backend import VectorIndex
from .index import FaissIndex
from .models import sha256_file  # the one file-hash helper (models.py imports nothing heavy)

FORMAT_VERSION = 2  # 2: the manifest holds a checksum of each file
POINTER = "CURRENT"
FILES = ("vectors.faiss", "rows.json")  # checksummed in the manifest
NEIGHBOURS = "neighbours.npy"  # optional, checksummed too: the near-duplicate candidates mined at build
_BUILD_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]{0,200}")


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
    checksums: dict = field(default_factory=dict)  # file name -> SHA-256 of its bytes

    def mismatch(self, expected: "Manifest") -> str | None:
        """Why this index cannot serve `expected`, in a few words; None when it can."""
        for name in ("format_version", "model_id", "dim", "text_scheme", "corpus_hash", "entry_count", "texts_hash"):
            have, want = getattr(self, name), getattr(expected, name)
            if have != want:
                short = lambda v: v[:12] if name.endswith("_hash") and isinstance(v, str) else v  # noqa: E731
                return f"{name} is {brief(short(have))}, expected {brief(short(want))}"
        return None


@dataclass
class StoredIndex:
    manifest: Manifest
    index: VectorIndex  # over the entry rows
    row_entry: np.ndarray  # row -> entry position in corpus order
    entry_ids: list[str]
    path: Path
    neighbours: np.ndarray | None = None  # concepts.neighbour_pairs of the entries, mined at build


def load(index_dir: Path) -> StoredIndex:
    """Load the active build; IndexFileError says what is wrong (missing, corrupt, inconsistent).

    A writer may switch CURRENT and prune the build a reader was opening: when the load fails and
    CURRENT has moved meanwhile, it is retried once on the new build.
    """
    name = _pointer(index_dir)
    try:
        return _load_build(index_dir / "builds" / name)
    except IndexFileError:
        with contextlib.suppress(IndexFileError):
            if _pointer(index_dir) != name:
                return _load_build(index_dir / "builds" / _pointer(index_dir))
        raise


def _pointer(index_dir: Path) -> str:
    pointer = index_dir / POINTER
    if not pointer.is_file():
        raise IndexFileError(f"No index in {index_dir} yet")
    try:
        name = pointer.read_bytes()[:1000].decode("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexFileError(f"{pointer} is unreadable ({exc.__class__.__name__})") from exc
    if not _BUILD_NAME.fullmatch(name):
        raise IndexFileError(f"{pointer} is corrupt (it names {brief(name)}, not a build folder)")
    return name


def _read_checked(build: Path, name: str, manifest: Manifest) -> bytes:
    """A build file's bytes, refused unless they hash to what the manifest recorded."""
    try:
        data = (build / name).read_bytes()
    except OSError as exc:
        raise IndexFileError(f"{build / name} is missing, truncated or corrupt "
                             f"({exc.strerror or exc.__class__.__name__})") from exc
    if hashlib.sha256(data).hexdigest() != manifest.checksums.get(name):
        raise IndexFileError(f"{build / name} is truncated or corrupt (its checksum differs from the manifest's)")
    return data


def _load_build(build: Path) -> StoredIndex:
    try:
        raw = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
        manifest = Manifest(**raw) if isinstance(raw, dict) else None
    except (OSError, ValueError, TypeError) as exc:
        raise IndexFileError(f"Index at {build} is unreadable ({exc.__class__.__name__}: {brief(str(exc))})") from exc
    if manifest is None or not isinstance(manifest.checksums, dict):
        raise IndexFileError(f"Index at {build} is unreadable (its manifest is not a manifest)")
    if manifest.format_version != FORMAT_VERSION:
        raise IndexFileError(f"Index at {build} has format {brief(manifest.format_version)}, expected {FORMAT_VERSION}")
    rows = _rows(build, json.loads(_read_checked(build, "rows.json", manifest)), manifest)
    try:
        index = FaissIndex.from_bytes(_read_checked(build, "vectors.faiss", manifest))
    except RuntimeError as exc:
        raise IndexFileError(f"{build / 'vectors.faiss'} is truncated or corrupt") from exc
    row_entry, entry_ids = rows
    neighbours = _neighbours(build, manifest) if NEIGHBOURS in manifest.checksums else None
    if index.dim != manifest.dim or len(index) != manifest.row_count or len(row_entry) != len(index):
        raise IndexFileError(
            f"{build}: the FAISS index holds {len(index)} vectors of size {index.dim}; the manifest says "
            f"{brief(manifest.row_count)} x {brief(manifest.dim)} and the row map has {len(row_entry)}"
        )
    return StoredIndex(manifest, index, row_entry, entry_ids, build, neighbours)


def _neighbours(build: Path, manifest: Manifest) -> np.ndarray:
    """The mined (i, j) pairs, checked for shape: every pair names two entries that exist."""
    import io

    try:
        pairs = np.load(io.BytesIO(_read_checked(build, NEIGHBOURS, manifest)), allow_pickle=False)
    except ValueError as exc:
        raise IndexFileError(f"{build / NEIGHBOURS} is corrupt ({brief(str(exc))})") from exc
    if pairs.ndim != 2 or pairs.shape[1] != 2 or pairs.dtype.kind not in "iu" \
            or (len(pairs) and not (0 <= pairs.min() and pairs.max() < manifest.entry_count)):
        raise IndexFileError(f"{build / NEIGHBOURS} does not hold pairs of the {manifest.entry_count} entries")
    return pairs.astype(np.int64)


def _rows(build: Path, rows: object, manifest: Manifest) -> tuple[np.ndarray, list[str]]:
    """(row -> entry map, entry ids), checked for shape: every row names an entry that exists."""
    bad = IndexFileError(f"{build / 'rows.json'} does not hold a row map")
    if not isinstance(rows, dict) or not isinstance(rows.get("entry_ids"), list) \
            or not isinstance(rows.get("row_entry"), list):
        raise bad
    entry_ids, row_entry = rows["entry_ids"], rows["row_entry"]
    if not all(isinstance(i, str) for i in entry_ids) or not all(type(r) is int for r in row_entry):
        raise bad
    if len(entry_ids) != manifest.entry_count:
        raise IndexFileError(f"{build}: {len(entry_ids)} entry ids, manifest says {brief(manifest.entry_count)}")
    if row_entry and not 0 <= min(row_entry) <= max(row_entry) < len(entry_ids):
        raise IndexFileError(f"{build / 'rows.json'}: the row map points past the {len(entry_ids)} entries")
    return np.asarray(row_entry, dtype=np.int64), entry_ids


def save(index_dir: Path, manifest: Manifest, index: VectorIndex, row_entry: np.ndarray,
         entry_ids: Sequence[str], neighbours: np.ndarray | None = None) -> Path:
    """Write a complete build beside the old one, fsync it, then switch CURRENT to it atomically.

    Raises OSError or RuntimeError (disk full, not writable) with CURRENT and the old build untouched.
    """
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    previous = _pointer_or_none(index_dir)
    name = f"{time.strftime('%Y%m%d-%H%M%S')}-{manifest.corpus_hash[:10]}-{uuid.uuid4().hex[:8]}"
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=builds))
    try:
        os.chmod(tmp, 0o777 & ~umask())  # mkdtemp makes it 0700: other users could not read the index
        index.save(tmp / "vectors.faiss")
        (tmp / "rows.json").write_text(
            json.dumps({"entry_ids": list(entry_ids), "row_entry": [int(r) for r in row_entry]}), encoding="utf-8"
        )
        files = FILES
        if neighbours is not None:
            np.save(tmp / NEIGHBOURS, np.asarray(neighbours, dtype=np.int64), allow_pickle=False)
            files += (NEIGHBOURS,)
        checksums = {f: sha256_file(tmp / f) for f in files}
        (tmp / "manifest.json").write_text(json.dumps(asdict(manifest) | {"checksums": checksums}, indent=2),
                                           encoding="utf-8")
        for f in tmp.iterdir():
            _fsync(f)
        fsync_dir(tmp)
        os.replace(tmp, builds / name)
        fsync_dir(builds)
        _atomic_write(index_dir / POINTER, name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _prune(builds, keep={name, previous})
    return builds / name


def _pointer_or_none(index_dir: Path) -> str | None:
    try:
        return _pointer(index_dir)
    except IndexFileError:
        return None


def umask() -> int:
    """The process umask, read without changing it (os.umask would, for a moment, for every thread)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_write(path: Path, text: str) -> None:
    """Write aside, fsync, rename over, fsync the folder: the rename itself survives a power cut."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~umask())  # mkstemp makes it 0600
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
    """Make a folder's entries (a new file, a rename) durable, as a database does."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(builds: Path, keep: set[str | None]) -> None:
    """Drop older builds and leftovers of killed builds. The build CURRENT named until now stays one more
    round: a reader that read CURRENT just before the switch is still opening it."""
    for child in builds.iterdir():
        if child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)


def clean_debris(index_dir: Path) -> list[str]:
    """Remove what a killed writer leaves behind (half-written CURRENT and cache files, partial builds).
    Call it holding the build lock: no other writer is then mid-way."""
    debris = [*index_dir.glob(f".{POINTER}.*"), *(index_dir / "cache").glob(".cache-*.npz"),
              *(index_dir / "builds").glob(".partial-*")]
    for path in debris:
        with contextlib.suppress(OSError):
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    return [p.name for p in debris]


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
    """Vectors keyed by (model, text) hash, so editing one entry re-embeds one entry.

    A cache is only a saving: a damaged one (bad CRC, truncated, wrong shapes) is discarded with a
    notice and its texts re-embedded; one that cannot be written is skipped with a notice.
    """

    def __init__(self, index_dir: Path | None, model_id: str, notify: Callable[[str], None] | None = None):
        self.model_id = model_id
        self.notify = notify or (lambda message: None)
        slug = hashlib.sha256(model_id.encode()).hexdigest()[:12]
        self.path = index_dir / "cache" / f"embeddings-{slug}.npz" if index_dir else None
        self._vectors: dict[str, np.ndarray] = {}
        if self.path and self.path.is_file():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    keys, vectors = data["keys"], data["vectors"]
                    if keys.ndim != 1 or vectors.ndim != 2 or len(keys) != len(vectors):
                        raise ValueError(f"keys {keys.shape} and vectors {vectors.shape} do not match")
                    self._vectors = dict(zip(keys.tolist(), vectors))
            except Exception as exc:  # noqa: BLE001 - zipfile, zlib, numpy and OS errors alike: it is only a cache
                self._vectors = {}
                with contextlib.suppress(OSError):
                    self.path.unlink()
                self.notify(f"The embedding cache {self.path} was damaged ({exc.__class__.__name__}); "
                            "discarded, its texts are embedded again.")

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def embed(self, embedder, texts: Sequence[str], show_progress: bool = False) -> tuple[np.ndarray, list[int]]:
        """(vectors for texts, the positions of the texts that had no cached vector of this size and were
        embedded now; a text repeated is embedded once)."""
        dim = int(getattr(embedder, "dim", 0))
        keys = [self.key(t) for t in texts]
        fresh = [i for i, k in enumerate(keys) if (v := self._vectors.get(k)) is None or v.shape != (dim,)]
        missing = sorted({keys[i]: texts[i] for i in fresh}.items())
        if missing:
            vectors = embedder.embed([t for _, t in missing], show_progress=show_progress)
            self._vectors.update({k: v for (k, _), v in zip(missing, vectors)})
        if not texts:
            return np.zeros((0, dim), dtype=np.float32), []
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32), fresh

    def save(self, keep_texts: Sequence[str]) -> None:
        """Persist only what the current corpus uses, atomically; a folder that cannot take it is a notice."""
        if not self.path:
            return
        keep = [k for k in dict.fromkeys(self.key(t) for t in keep_texts) if k in self._vectors]
        tmp = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".cache-", suffix=".npz", dir=self.path.parent)
            os.fchmod(fd, 0o666 & ~umask())
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, keys=np.array(keep), vectors=np.stack([self._vectors[k] for k in keep]))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except (OSError, ValueError) as exc:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            self.notify(f"The embedding cache was not saved in {self.path.parent} ({describe(exc)}); "
                        "the next build embeds these texts again.")


def describe(exc: BaseException) -> str:
    """An OS or faiss failure in a few words: 'No space left on device', 'Permission denied'."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc)
    for known in ("No space left on device", "Permission denied", "Read-only file system", "Disk quota exceeded"):
        if known in text:
            return known
    return brief(text.splitlines()[-1] if text else exc.__class__.__name__)


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
