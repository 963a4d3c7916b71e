#!/usr/bin/env python
"""Load test of `glossary-search serve` (a benchmark, not a unit test): N concurrent clients ask eval questions.

For each client count it prints requests/s, p50/p95/p99 latency, errors, and the server's RSS at start and
end. It also measures (unless `--no-baseline`), in the same run, a 20-line FastAPI around
SentenceTransformer.encode + FAISS over the same model and corpus: the product's overhead over it is the figure
to shrink.

Each question is made unique (" #n" appended) so every request pays the encoder, as a stream of different
users' questions would; `--repeat` sends them as they are (the query cache answers repeats).

Usage: python scripts/load_api.py                          # 1, 4, 8, 16 clients x 400 requests, plus baseline
       python scripts/load_api.py --clients 8 --requests 5000 --no-baseline   # RSS over 5,000 requests
       python scripts/load_api.py --serve-args "--micro-batch-ms 0"          # options passed to serve (0: no batching)
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def baseline_app(model: str | None):
    """The 20-line reference: encode, FAISS inner product, top-k terms as JSON. No fusion, no checks."""
    import faiss
    from fastapi import FastAPI
    from sentence_transformers import SentenceTransformer

    from glossary_search.corpus import load_corpus
    from glossary_search.embedder import resolve_model

    entries = load_corpus(ROOT / "corpus").entries
    encoder = SentenceTransformer(resolve_model(model)[1], device="cpu")
    vectors = encoder.encode([f"{e.label}: {e.definition}" for e in entries], normalize_embeddings=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    lock = threading.Lock()  # the same guard the product needs: the tokenizer is not thread-safe
    app = FastAPI()

    @app.get("/ask")
    def ask(q: str, k: int = 5):
        with lock:
            query = encoder.encode([q], normalize_embeddings=True)
        scores, ids = index.search(query, k)
        return {"question": q, "results": [{"term": entries[i].term, "score": float(s)}
                                           for s, i in zip(scores[0], ids[0])]}

    @app.get("/ready")
    def ready():
        return {"status": "ready"}

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start(cmd: list[str], port: int, timeout: float = 600) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/ready")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"server on port {port} not ready after {timeout:.0f}s")


def run_level(port: int, questions: list[str], clients: int, requests: int, unique: bool, seed: int,
              time_limit: float, pid: int | None = None, rss_every: int = 1000) -> dict:
    """`requests` GET /ask spread over `clients` threads, each on its own keep-alive connection."""
    rss: list[str] = []
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(requests))
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            if pid and n and n % rss_every == 0:
                rss.append(f"{n}: {rss_mb(pid):.0f}")
            q = questions[n % len(questions)] + (f" #{seed}-{n}" if unique else "")
            t = time.perf_counter()
            try:
                conn.request("GET", "/ask?" + urllib.parse.urlencode({"q": q, "k": 5}))
                response = conn.getresponse()
                body = response.read()
                ok = response.status == 200 and json.loads(body)["results"]
            except (OSError, http.client.HTTPException, ValueError) as exc:
                ok, body = False, repr(exc).encode()
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(body[:200].decode(errors="replace"))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    ms = sorted(x * 1000 for x in latencies)
    pct = lambda p: ms[min(len(ms) - 1, int(p / 100 * len(ms)))] if ms else float("nan")  # noqa: E731
    return {"clients": clients, "requests": len(latencies), "rps": len(latencies) / wall, "p50": pct(50),
            "p95": pct(95), "p99": pct(99), "mean": statistics.fmean(ms) if ms else float("nan"),
            "errors": len(errors), "first_error": errors[0] if errors else "", "rss_samples": rss}


def measure(name: str, cmd: list[str], port: int, args, questions: list[str]) -> list[dict]:
    proc = start(cmd, port)
    rows = []
    try:
        run_level(port, questions, 1, 10, True, 0, 60)  # warm-up: first calls pay lazy initialisation
        for clients in args.clients:
            before = rss_mb(proc.pid)
            row = run_level(port, questions, clients, args.requests, not args.repeat, clients, args.time_limit,
                            pid=proc.pid)
            row.update(server=name, rss_start=before, rss_end=rss_mb(proc.pid))
            rows.append(row)
            print(format_row(row), flush=True)
            if row["rss_samples"]:
                print(f"  server RSS MB after n requests: {', '.join(row['rss_samples'])}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return rows


HEADER = ("| server | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors | RSS start -> end MB |\n"
          "|---|---|---|---|---|---|---|---|---|")


def format_row(r: dict) -> str:
    return (f"| {r['server']} | {r['clients']} | {r['requests']} | {r['rps']:.1f} | {r['p50']:.0f} | "
            f"{r['p95']:.0f} | {r['p99']:.0f} | {r['errors']} | {r['rss_start']:.0f} -> {r['rss_end']:.0f} |"
            + (f" first error: {r['first_error']}" if r["errors"] else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8, 16], help="Concurrent clients per level.")
    parser.add_argument("--requests", type=int, default=400, help="Requests per level (bounded).")
    parser.add_argument("--time-limit", type=float, default=300.0, help="Seconds per level at most.")
    parser.add_argument("--repeat", action="store_true", help="Send eval questions as they are (cache hits).")
    parser.add_argument("--model", default=None, help="Model for both servers (default: the product's).")
    parser.add_argument("--index", default=None, help="Index folder for serve (default: the repo's index/).")
    parser.add_argument("--serve-args", default="", help="More options for `glossary-search serve`.")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false", help="Skip the baseline server.")
    parser.add_argument("--serve-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_baseline:
        import uvicorn

        uvicorn.run(baseline_app(args.model), host="127.0.0.1", port=args.serve_baseline, log_level="warning")
        return

    from glossary_search.evaluation import load_questions

    questions = [q.text for q in load_questions(ROOT / "eval" / "questions.yaml")]
    model = ["--model", args.model] if args.model else []
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} UTC, {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}; python scripts/load_api.py "
          f"{' '.join(shlex.quote(a) for a in sys.argv[1:])}\n")
    print(HEADER, flush=True)
    port = free_port()
    serve = [sys.executable, "-m", "glossary_search", "serve", "--port", str(port), *model,
             *(["--index", args.index] if args.index else []), *shlex.split(args.serve_args)]
    rows = measure("glossary-search serve " + args.serve_args, serve, port, args, questions)
    if args.baseline:
        port = free_port()
        base = [sys.executable, str(Path(__file__).resolve()), "--serve-baseline", str(port), *model]
        rows += measure("baseline (encode + FAISS)", base, port, args, questions)
    print(f"\nload average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
