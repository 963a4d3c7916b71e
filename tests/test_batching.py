"""Micro-batching: concurrent callers share encoder calls and each gets its own vectors back."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from glossary_search.batching import MicroBatcher


class SlowEmbedder:
    """The fake embedder's vectors, with a model call that takes a while (so callers pile up)."""

    def __init__(self, inner):
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.batches: list[int] = []
        self._lock = threading.Lock()

    def embed(self, texts, batch_size=64, show_progress=False):
        with self._lock:  # the model is not thread-safe: the batcher must call it from one thread
            self.batches.append(len(texts))
            threading.Event().wait(0.02)
            return self.inner.embed(texts)


def test_concurrent_questions_share_calls_and_get_their_own_vectors(fake_embedder):
    slow = SlowEmbedder(fake_embedder)
    batcher = MicroBatcher(slow, window_s=0.01)
    questions = [f"question number {i} about wait time" for i in range(40)]
    with ThreadPoolExecutor(16) as pool:
        got = list(pool.map(lambda q: batcher.embed_questions([q])[0], questions))
    np.testing.assert_allclose(np.stack(got), fake_embedder.embed(questions), atol=1e-6)
    assert sum(slow.batches) == 40 and len(slow.batches) < 40 / 2  # grouped, not one call per question
    assert batcher.model_id == fake_embedder.model_id and batcher.thread_safe


def test_a_model_error_reaches_every_waiting_caller_and_the_worker_goes_on(fake_embedder):
    class FailsOnce:
        model_id, dim = "flaky", fake_embedder.dim
        failed = False

        def embed(self, texts, batch_size=64, show_progress=False):
            if not self.failed:
                self.failed = True
                threading.Event().wait(0.02)
                raise RuntimeError("model failed")
            return fake_embedder.embed(texts)

    batcher = MicroBatcher(FailsOnce(), window_s=0.01)
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(batcher.embed_questions, [f"q{i}"]) for i in range(4)]
    failed = [f for f in futures if f.exception() is not None]
    assert failed and all("model failed" in str(f.exception()) for f in failed)
    assert batcher.embed_questions(["hello"]).shape == (1, fake_embedder.dim)  # the worker survived


def test_questions_go_to_the_question_encoder_and_entries_to_the_entries_one(fake_embedder):
    class TwoEncoders:
        model_id, dim = "two", fake_embedder.dim

        def embed(self, texts, batch_size=64, show_progress=False):
            return np.zeros((len(texts), self.dim), dtype=np.float32)

        def embed_questions(self, texts, batch_size=64):
            return np.ones((len(texts), self.dim), dtype=np.float32)

    batcher = MicroBatcher(TwoEncoders(), window_s=0.002)
    assert batcher.embed_questions(["wait time"]).sum() == fake_embedder.dim  # the question encoder
    assert batcher.embed(["an entry's definition"]).sum() == 0  # an import's entries: never the question one


def test_a_searcher_with_a_batcher_answers_like_one_without(corpus_copy, tmp_path, fake_embedder):
    from glossary_search.search import Searcher

    plain = Searcher.open(corpus_copy, tmp_path / "idx", embedder=fake_embedder)
    batched = Searcher.open(corpus_copy, tmp_path / "idx", embedder=MicroBatcher(fake_embedder, window_s=0.002))
    questions = ["average handle time", "what is NPS", "customers waiting in the queue", "first call resolution"]
    expected = {q: [h.entry.id for h in plain.ask(q)] for q in questions}
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda q: [h.entry.id for h in batched.ask(q)], questions * 5))
    assert got == [expected[q] for q in questions * 5]
