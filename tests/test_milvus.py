"""Milvus as the vector store, on Milvus Lite (a real engine in a local file): the same answers as FAISS's
exact search, incremental sync, and faults (unreachable at start; lost and back while serving)."""
from __future__ import annotations

import re
import socket
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from glossary_search.api import create_app
from glossary_search.errors import StoreUnavailableError, UsageError
from glossary_search.evaluation import load_questions
from glossary_search.index import FaissIndex
from glossary_search.search import Searcher
from glossary_search.stores import parse
from glossary_search.stores.milvus import MilvusIndex
from glossary_search.texts import corpus_rows

from .conftest import ROOT


def unit_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def sync_counts(notices: list[str]) -> tuple[int, int, int]:
    m = re.search(r"(\d+) text\(s\) upserted, (\d+) deleted, (\d+) unchanged", notices[-1])
    return tuple(int(x) for x in m.groups())


def test_search_equals_faiss_exact_and_rows_sharing_a_text_share_its_score(tmp_path):
    vectors = unit_vectors(400, 24, seed=1)
    texts = [f"text {i % 380}" for i in range(400)]
    vectors[380:] = vectors[:20]  # rows 380.. repeat the texts (and so the vectors) of rows 0..19
    milvus = MilvusIndex.sync(str(tmp_path / "m.db"), vectors, texts, "model-a")
    faiss = FaissIndex.build(vectors, kind="flat")
    queries = unit_vectors(30, 24, seed=2)
    f_scores, f_ids = faiss.search(queries, 50)
    m_scores, m_ids = milvus.search(queries, 50)
    np.testing.assert_allclose(m_scores, f_scores, atol=1e-5)
    for f_row, m_row, scores in zip(f_ids, m_ids, f_scores):  # equal up to the order of equal scores
        for s in np.unique(scores.round(5))[1:]:  # the lowest score may be cut between two tied rows
            assert set(f_row[scores.round(5) == s]) == set(m_row[scores.round(5) == s])
    assert len(milvus) == 400 and milvus.dim == 24 and np.array_equal(milvus.vectors(), vectors)
    _, ids = milvus.search(vectors[0], 2)  # a query row of a repeated text finds both of its rows first
    assert set(ids[0]) == {0, 380}


def test_save_and_load_reconnect_to_the_same_rows(tmp_path):
    vectors = unit_vectors(50, 8, seed=3)
    milvus = MilvusIndex.sync(str(tmp_path / "m.db"), vectors, [f"t{i}" for i in range(50)], "model-a")
    milvus.save(tmp_path / "where.json")
    again = MilvusIndex.load(tmp_path / "where.json")
    np.testing.assert_allclose(again.vectors(), vectors, atol=1e-6)
    assert np.array_equal(again.search(vectors[:3], 1)[1][:, 0], [0, 1, 2])


def test_vector_store_spec_is_checked():
    assert parse(None) == ("faiss", None) and parse("faiss") == ("faiss", None)
    assert parse("milvus:http://milvus:19530") == ("milvus", "http://milvus:19530")
    for bad in ("qdrant", "milvus:", "milvus"):
        with pytest.raises(UsageError, match="valid: faiss, milvus:<path-or-uri>"):
            parse(bad)


def test_unreachable_at_start_is_one_error_naming_the_uri(corpus_copy, tmp_path, fake_embedder):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once the socket closes
    uri = f"http://127.0.0.1:{port}"
    with pytest.raises(StoreUnavailableError, match=re.escape(f"Cannot reach Milvus at {uri}")):
        Searcher.open(corpus_copy, tmp_path / "idx", embedder=fake_embedder, vector_store=f"milvus:{uri}")


def test_an_edited_glossary_upserts_only_changed_texts_and_deletes_dropped_ones(corpus_copy, tmp_path, fake_embedder):
    store = f"milvus:{tmp_path / 'm.db'}"
    notices: list[str] = []
    first = Searcher.open(corpus_copy, tmp_path / "idx", embedder=fake_embedder, vector_store=store,
                          notify=notices.append)
    new, gone, same = sync_counts(notices)
    assert new == len(set(first.index._row_keys)) and gone == 0 and same == 0
    assert first.ask("Average Handle Time", top_k=1)[0].entry.term == "Average Handle Time"
    first.index.close()

    path = corpus_copy / "outsourcing-terms.yaml"
    text = path.read_text(encoding="utf-8")
    assert "Predictive dialer" not in text
    at = [m.start() for m in re.finditer("  definition: ", text)][3]  # one definition edited (not the
    text = text[:at] + "  definition: Predictive dialer aside, " + text[at + 14:]  # repeated first one)
    path.write_text(text, encoding="utf-8")
    notices.clear()
    Searcher.open(corpus_copy, tmp_path / "idx", embedder=fake_embedder, vector_store=store,
                  notify=notices.append).index.close()
    new, gone, same = sync_counts(notices)
    assert (new, gone) == (2, 2) and same > 600  # its full and definition texts; its names text is unchanged

    (corpus_copy / "contact-center-faq.yaml").unlink()  # a deleted glossary's texts are deleted there
    notices.clear()
    after = Searcher.open(corpus_copy, tmp_path / "idx", embedder=fake_embedder, vector_store=store,
                          notify=notices.append)
    new, gone, _ = sync_counts(notices)
    assert new == 0 and gone >= 6 * 3
    assert all(e.glossary != "contact-center-faq" for e in after.entries)


def test_lost_mid_run_answers_503_then_recovers_when_milvus_returns(corpus_copy, tmp_path, fake_embedder):
    from milvus_lite.adapter.grpc.server import start_server_in_thread

    data = str(tmp_path / "server.db")
    server, db, port = start_server_in_thread(data_dir=data, port=0)
    try:
        searcher = Searcher.open(corpus_copy, tmp_path / "idx", embedder=fake_embedder,
                                 vector_store=f"milvus:http://127.0.0.1:{port}")
        client = TestClient(create_app(searcher, vector_store="milvus"))
        assert client.get("/ask", params={"q": "average handle time"}).status_code == 200
        assert client.get("/ready").status_code == 200

        server.stop(grace=0)
        db.close()
        down = client.get("/ask", params={"q": "how long do customers wait"})  # a new question: not cached
        assert down.status_code == 503, down.text
        assert down.json()["error"] == "unavailable" and f"127.0.0.1:{port}" in down.json()["detail"]
        assert client.get("/ready").status_code == 503
        assert client.get("/health").status_code == 200

        server, db, _ = start_server_in_thread(data_dir=data, port=port)  # Milvus is back, same data
        for _ in range(40):  # gRPC may refuse the first reconnect while its channel backs off
            back = client.get("/ask", params={"q": "how long do customers wait"})
            if back.status_code != 503:
                break
            time.sleep(0.25)
        assert back.status_code == 200 and back.json()["results"], back.text
        assert client.get("/ready").status_code == 200
    finally:
        server.stop(grace=0)
        db.close()


@pytest.mark.slow
def test_milvus_gives_faiss_exact_top10_on_every_eval_question(real_searcher, tmp_path):
    """On the real model and corpus: every question of eval/questions.yaml, embedded once."""
    questions = [q.text for q in load_questions(ROOT / "eval" / "questions.yaml")]
    s = real_searcher
    texts = [row.text for row in corpus_rows(s.entries)[0]]
    vectors = s.index.vectors()
    exact = FaissIndex.build(vectors, kind="flat")
    milvus = MilvusIndex.sync(str(tmp_path / "eval.db"), vectors, texts, s.embedder.model_id)
    queries = s.embedder.embed([s.names.expand_acronyms(q) for q in questions])

    def top10(index) -> list[list[tuple[int, float]]]:
        scores, rows = index.search(queries, 200)  # ample: ten entries' best rows are far above row 200
        out = []
        for row_scores, row_ids in zip(scores, rows):
            best: dict[int, float] = {}
            for score, row in zip(row_scores, row_ids):
                if row >= 0:
                    entry = int(s.row_entry[row])
                    best[entry] = max(best.get(entry, -1.0), float(score))
            out.append(sorted(best.items(), key=lambda kv: -kv[1])[:10])
        return out

    assert len(questions) >= 150
    for q, f, m in zip(questions, top10(exact), top10(milvus)):
        assert np.allclose([x[1] for x in f], [x[1] for x in m], atol=1e-5), q
        # The same entries at the same scores, in the same order, but for entries tied within float
        # error (two entries with one definition tie exactly, also at the tenth place).
        cut = f[-1][1] + 1e-5
        assert {e for e, s in f if s > cut} == {e for e, s in m if s > cut}, q
        f_by, m_by = dict(f), dict(m)
        assert all(abs(f_by[e] - m_by[e]) < 1e-5 for e in f_by.keys() & m_by.keys()), q
    milvus_searcher = Searcher(s.corpus, s.embedder, milvus, s.row_entry)
    assert milvus_searcher.ask("AHT", top_k=1)[0].entry.term == "Average Handle Time"
