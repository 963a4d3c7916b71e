#!/usr/bin/env python
"""Load test of the app: N browser sessions asking at once against one `streamlit run`.

Each question is a fresh page load (a new Streamlit session), the heaviest way to use the server: a
leak per session would show. Reports answers, errors, and the server's RSS after a warm-up question
(model and index loaded), at every 100 answers, at its peak and at the end.
Usage: python scripts/load_app.py [--sessions 5] [--questions 500]
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glossary_search.evaluation import load_questions  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def rss_mb(pid: int) -> float:
    """Resident memory of the server and its children, from /proc (MB)."""
    total = 0
    for p in [pid, *children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5, help="Browser sessions asking at once.")
    parser.add_argument("--questions", type=int, default=500, help="Questions in all, spread over sessions.")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GLOSSARY_SEARCH_INDEX": tempfile.mkdtemp(prefix="load-index-")}
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                               "--server.port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    questions = [q.text for q in load_questions(ROOT / "eval" / "questions.yaml")]
    per_session = args.questions // args.sessions
    answered, errors, samples = [0], [], []  # samples: (answers so far, RSS MB)
    lock = threading.Lock()
    stop = threading.Event()

    def ask(page, question: str) -> None:
        page.goto(f"{url}/?q={urllib.parse.quote_plus(question)}")
        page.locator("h3").first.wait_for(timeout=120_000)

    def sample() -> None:
        while not stop.is_set():
            samples.append((answered[0], rss_mb(server.pid)))
            time.sleep(0.5)

    def session(n: int) -> None:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            for k in range(per_session):
                q = questions[(n * per_session + k) % len(questions)]
                try:
                    ask(page, q)
                    with lock:
                        answered[0] += 1
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    errors.append(f"{q!r}: {exc}".splitlines()[0])
            browser.close()

    with sync_playwright() as p:  # warm-up: the first session loads the model and the index
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        ask(browser.new_page(), "warm-up question about wait time")
        browser.close()
    warm_rss = rss_mb(server.pid)
    threading.Thread(target=sample, daemon=True).start()
    t0 = time.perf_counter()
    threads = [threading.Thread(target=session, args=(n,)) for n in range(args.sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    stop.set()
    end_rss = rss_mb(server.pid)
    server.terminate()
    server.wait(10)
    print("| sessions | questions | answered | errors | seconds | RSS after warm-up MB | RSS peak MB | RSS end MB |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {args.sessions} | {per_session * args.sessions} | {answered[0]} | {len(errors)} | {elapsed:.0f} | "
          f"{warm_rss:.0f} | {max([r for _, r in samples] or [0]):.0f} | {end_rss:.0f} |")
    checkpoints = [c for c in range(0, answered[0] + 1, 100)]
    marks = [next((r for a, r in samples if a >= c), end_rss) for c in checkpoints]
    print("\nRSS (MB) by answers so far: " + ", ".join(f"{c}: {r:.0f}" for c, r in zip(checkpoints, marks)))
    for e in errors[:5]:
        print("error:", e)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
