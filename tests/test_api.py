"""The HTTP API: every endpoint and every error, through FastAPI's TestClient on the real searcher,
and once over real HTTP from `glossary-search serve` on a free loopback port."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from fastapi.testclient import TestClient

from glossary_search.api import MAX_URL_BYTES, create_app
from glossary_search.errors import StoreUnavailableError

from .conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(real_searcher):
    return TestClient(create_app(real_searcher, manifest={"model_id": real_searcher.embedder.model_id}))


def _error(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"error", "detail"} and isinstance(body["detail"], str)
    assert "Traceback" not in response.text and 'File "' not in response.text
    for word in words:
        assert word in body["detail"], body["detail"]
    return body


def test_health_ready_version_and_docs(client, real_searcher):
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    assert ready["status"] == "ready" and ready["entries"] == len(real_searcher.entries)
    version = client.get("/version").json()
    assert version["product"] == "glossary-search" and version["model"] == real_searcher.embedder.model_id
    assert version["vector_store"] == "faiss" and version["index"]["model_id"] == version["model"]
    assert client.get("/docs").status_code == 200
    assert "/ask" in client.get("/openapi.json").json()["paths"]


def test_ask_has_the_cli_fields_and_answers_an_acronym(client):
    body = client.get("/ask", params={"q": "AHT", "k": 3}).json()
    assert body["question"] == "AHT" and body["close_match"] is True and body["notices"] == []
    assert len(body["results"]) == 3 and body["compare"] == []
    first = body["results"][0]
    assert set(first) == {"term", "acronym", "definition", "glossary", "score", "matched", "matched_text",
                          "strength", "id"}
    assert first["term"] == "Average Handle Time"


def test_ask_the_same_json_as_the_cli(client, real_searcher, monkeypatch):
    from click.testing import CliRunner

    from glossary_search import cli

    monkeypatch.setattr(cli, "open_searcher", lambda *a, **k: real_searcher)
    line = CliRunner().invoke(cli.cli, ["ask", "--json", "-k", "4", "what is NPS"]).stdout
    api = client.get("/ask", params={"q": "what is NPS", "k": 4}).json()
    assert {k: v for k, v in api.items() if k != "compare"} == json.loads(line)


def test_ask_compares_two_terms_side_by_side(client):
    body = client.get("/ask", params={"q": "CSAT vs NPS"}).json()
    assert [h["acronym"] for h in body["compare"]] == ["CSAT", "NPS"]


def test_ask_filters_by_glossary_and_caps_long_questions(client):
    body = client.get("/ask", params=[("q", "wait time"), ("glossary", "outsourcing-terms"), ("k", 5)]).json()
    assert body["results"] and {h["glossary"] for h in body["results"]} == {"outsourcing-terms"}
    long = client.get("/ask", params={"q": "average handle time " * 250}).json()  # 5,000 characters
    assert "only the first 1,000 were used" in long["notices"][0]


def test_ask_unrelated_question_says_no_close_match(client):
    body = client.get("/ask", params={"q": "banana bread with walnuts"}).json()
    assert body["close_match"] is False and body["results"]


def test_user_text_comes_back_as_text(client):
    q = "<script>alert(1)</script> what is [NPS](http://x)"
    response = client.get("/ask", params={"q": q})
    assert response.headers["content-type"] == "application/json"
    assert response.json()["question"] == q


@pytest.mark.parametrize("params, status, words", [
    ({"q": "   "}, 400, ["question is empty"]),
    ({"q": "\x00\x01"}, 400, ["question is empty"]),
    ({"q": "???"}, 400, ["'???' has no words"]),
    ({}, 422, ["'q'", "required"]),
    ({"q": "nps", "k": 0}, 422, ["'k'", "'0'", "greater than or equal to 1"]),
    ({"q": "nps", "k": -3}, 422, ["'k'", "'-3'"]),
    ({"q": "nps", "k": 101}, 422, ["'k'", "'101'", "less than or equal to 100"]),
    ({"q": "nps", "k": "many"}, 422, ["'k'", "'many'", "integer"]),
    ({"q": "nps", "glossary": "nope"}, 400, ["Unknown glossary 'nope'", "contact-center-faq"]),
])
def test_ask_errors_name_the_bad_value(client, params, status, words):
    _error(client.get("/ask", params=params), status, *words)


def test_terms_by_id_and_by_name(client, real_searcher):
    nps = real_searcher.find_entry("NPS")
    page = client.get(f"/terms/{nps.id.replace('#', '%23')}").json()
    assert page["id"] == nps.id and page["acronym"] == "NPS"
    assert page["same_concept"] and all(e["id"] != nps.id for e in page["same_concept"])
    found = client.get("/terms", params={"name": "net promoter score"}).json()["terms"]
    assert len(found) >= 2 and {e["acronym"] for e in found} == {"NPS"}
    see = next(e for e in real_searcher.entries if e.see == "Customer Service Representative")
    page = client.get(f"/terms/{see.id.replace('#', '%23')}").json()  # a 'See X.' entry says where it points
    assert page["see"] == "Customer Service Representative" and page["see_resolved"]
    assert all(real_searcher.entry(i).term.startswith("Customer Service Representative")
               for i in page["see_resolved"])


def test_terms_errors(client):
    body = _error(client.get("/terms", params={"name": "Net Promotor Scor"}), 404, "Net Promotor Scor", "Did you mean")
    assert "Net Promoter Score (NPS)" in body["suggestions"]
    _error(client.get("/terms/no-such%2399"), 404, "'no-such#99'")
    _error(client.get("/terms", params={"name": " "}), 400, "term is empty")
    _error(client.get("/terms"), 422, "'name'", "required")


def test_related(client):
    body = client.get("/related/Average Handle Time", params={"k": 4}).json()
    assert body["term"]["term"] == "Average Handle Time"
    assert len(body["related"]) == 4 and all(r["term"] != "Average Handle Time" for r in body["related"])
    assert set(body["related"][0]) == {"term", "acronym", "glossary", "score", "definition", "id"}
    _error(client.get("/related/Avrage Handel Tme"), 404, "Did you mean")
    _error(client.get("/related/NPS", params={"k": 0}), 422, "'k'")


def test_duplicates_and_glossaries(client, real_searcher):
    groups = client.get("/duplicates", params={"band": "identical"}).json()["groups"]
    assert groups and all(g["band"] == "identical" for g in groups)
    assert set(groups[0]) == {"score", "band", "canonical", "entries", "why"}
    some = client.get("/duplicates", params=[("band", "same"), ("glossary", "contact-center-faq"),
                                             ("threshold", 0.6)]).json()["groups"]
    assert all(any(e["glossary"] == "contact-center-faq" for e in g["entries"]) for g in some)
    _error(client.get("/duplicates", params={"band": "twins"}), 400, "'twins'", "identical")
    _error(client.get("/duplicates", params={"threshold": 2}), 400, "2.0")
    _error(client.get("/duplicates", params={"threshold": "high"}), 422, "'threshold'", "'high'")
    _error(client.get("/duplicates", params={"glossary": "nope"}), 400, "'nope'")
    listed = client.get("/glossaries").json()["glossaries"]
    assert [g["id"] for g in listed] == [g.id for g in real_searcher.corpus.glossaries]
    assert sum(g["entries"] for g in listed) == len(real_searcher.entries)


def test_unknown_route_method_oversized_url_and_body(client):
    _error(client.get("/nope"), 404, "/nope")
    _error(client.post("/ask", params={"q": "nps"}), 405, "POST")
    _error(client.get("/ask", params={"q": "a" * MAX_URL_BYTES}), 414, f"{MAX_URL_BYTES:,}")
    _error(client.request("GET", "/ask", params={"q": "nps"}, content=b"x" * 5000), 413, "5000")


def test_an_unexpected_failure_is_a_500_without_a_trace(real_searcher, monkeypatch):
    app = create_app(real_searcher)
    monkeypatch.setattr(real_searcher, "corpus", object())  # a bug: AttributeError inside the route
    body = _error(TestClient(app, raise_server_exceptions=False).get("/glossaries"), 500, "log")
    assert "attribute" not in json.dumps(body)


def test_store_unavailable_is_503_naming_the_store(real_searcher, monkeypatch):
    client = TestClient(create_app(real_searcher))

    def down(*a, **k):
        raise StoreUnavailableError("Cannot reach Milvus at http://milvus:19530 (connection refused).")

    monkeypatch.setattr(real_searcher, "dense_scores", down)
    _error(client.get("/ask", params={"q": "a fresh question about queues"}), 503, "http://milvus:19530")


def test_api_key_guards_every_route_but_health(real_searcher):
    client = TestClient(create_app(real_searcher, api_key="s3cret"))
    assert client.get("/health").status_code == 200
    _error(client.get("/ask", params={"q": "nps"}), 401, "X-API-Key")
    _error(client.get("/docs"), 401)
    body = _error(client.get("/ask", params={"q": "nps"}, headers={"X-API-Key": "wrong"}), 401, "not this server's")
    assert "s3cret" not in json.dumps(body)
    assert client.get("/ask", params={"q": "nps"}, headers={"X-API-Key": "s3cret"}).status_code == 200
    assert client.get("/ask", params={"q": "nps"}, headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_cors_is_off_unless_an_origin_is_given(real_searcher):
    origin = {"Origin": "https://desk.example.com"}
    closed = TestClient(create_app(real_searcher)).get("/health", headers=origin)
    assert "access-control-allow-origin" not in closed.headers
    opened = TestClient(create_app(real_searcher, cors_origins=("https://desk.example.com",)))
    assert opened.get("/health", headers=origin).headers["access-control-allow-origin"] == "https://desk.example.com"
    other = opened.get("/health", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in other.headers


def test_many_clients_at_once_get_the_single_threaded_answers(client):
    from concurrent.futures import ThreadPoolExecutor

    questions = ["AHT", "what is NPS", "how do I measure wait time", "avrage handel time", "CSAT vs NPS"] * 8
    alone = {q: client.get("/ask", params={"q": q}).json() for q in set(questions)}
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: client.get("/ask", params={"q": q}).json(), questions))
    assert together == [alone[q] for q in questions]


def test_the_cli_does_not_import_fastapi_unless_serve_runs():
    code = "import sys, glossary_search.cli; assert 'fastapi' not in sys.modules and 'uvicorn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_over_http_on_loopback(built_index):
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GLOSSARY_SEARCH_API_KEY": "k3y"}
    proc = subprocess.Popen([sys.executable, "-m", "glossary_search", "serve", "--port", str(port),
                             "--index", str(built_index)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, proc.stderr.read()
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                    assert json.load(r) == {"status": "ok"}
                break
            except OSError:
                assert time.monotonic() < deadline, "serve did not start in 240 s"
                time.sleep(0.5)
        request = urllib.request.Request(f"{base}/ask?q=AHT&k=2", headers={"X-API-Key": "k3y"})
        with urllib.request.urlopen(request, timeout=30) as r:
            body = json.load(r)
        assert body["results"][0]["term"] == "Average Handle Time"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/ask?q=AHT", timeout=30)
        assert refused.value.code == 401 and json.load(refused.value)["error"] == "unauthorized"
        try:
            outside = [a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
                       if not a[4][0].startswith("127.")]
        except OSError:
            outside = []
        for address in outside[:1]:  # loopback only by default: another interface of this host is refused
            with pytest.raises(OSError):
                socket.create_connection((address, port), timeout=2).close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
