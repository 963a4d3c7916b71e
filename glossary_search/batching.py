"""Micro-batching: questions that arrive together are encoded in one model call.

On a 2-core machine one call on 8 short questions costs about 3x one call on one question, so under
concurrent load grouping them raises throughput (README, "HTTP API", has the measurement). Used by
`glossary-search serve`; the CLI and the app encode one question at a time.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Sequence

import numpy as np

from .embedder import encode_questions


class MicroBatcher:
    """Wraps an embedder: embed_questions() from many threads at once; one worker encodes what came within
    `window_s`. `thread_safe` tells Searcher it may call it without its own lock, so calls can meet here.
    """

    thread_safe = True

    def __init__(self, embedder, window_s: float = 0.003, max_batch: int = 32):
        self._embedder = embedder
        self.window_s = window_s
        self.max_batch = max_batch
        self._pending: list[tuple[Sequence[str], Future]] = []
        self._cond = threading.Condition()
        self._worker = threading.Thread(target=self._run, name="micro-batcher", daemon=True)
        self._worker.start()

    def __getattr__(self, name):  # model_id, dim, backend... as the wrapped embedder's
        if name.startswith("_"):  # not set yet (a copy, a half-built object): no recursion
            raise AttributeError(name)
        return getattr(self._embedder, name)

    def embed(self, texts: Sequence[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        """Entries' texts (an index build, an import): straight to the model, no reason to wait."""
        return self._embedder.embed(texts, batch_size=batch_size, show_progress=show_progress)

    def embed_questions(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Questions: encoded together with those that arrive within `window_s`."""
        if len(texts) > self.max_batch:
            return self._encode(texts)
        future: Future = Future()
        with self._cond:
            self._pending.append((list(texts), future))
            self._cond.notify()
        return future.result()

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        return encode_questions(self._embedder, texts)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                # Wait a few ms for company, unless the batch is already full.
                self._cond.wait_for(lambda: sum(len(t) for t, _ in self._pending) >= self.max_batch,
                                    timeout=self.window_s)
                batch, self._pending = self._pending, []
            texts = [t for group, _ in batch for t in group]
            try:
                vectors = self._encode(texts)
            except BaseException as exc:  # noqa: BLE001 - every waiting caller gets the model's error
                for _, future in batch:
                    future.set_exception(exc)
                continue
            start = 0
            for group, future in batch:
                future.set_result(vectors[start:start + len(group)])
                start += len(group)
