#!/usr/bin/env python
"""Torch against ONNX Runtime, question by question in one process, alternating which goes first.

Both backends meet the same load at the same moment, so their ratio holds on a busy machine where two
separate runs would not. Prints p50/p95 per backend and the lowest cosine between their vectors.

Usage: python scripts/ab_backends.py [--model mpnet|minilm|NAME] [--questions 200]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from glossary_search.embedder import SentenceTransformerEmbedder  # noqa: E402
from glossary_search.evaluation import load_questions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="mpnet (default), minilm, or any name/path.")
    parser.add_argument("--questions", type=int, default=200, help="Distinct eval questions to encode.")
    args = parser.parse_args()
    texts = list(dict.fromkeys(q.text for q in load_questions(ROOT / "eval")))[:args.questions]
    models = {b: SentenceTransformerEmbedder(args.model, backend=b) for b in ("torch", "onnx")}
    times: dict[str, list[float]] = {b: [] for b in models}
    cosines = []
    for m in models.values():
        m.embed(["warm up"])
    for n, text in enumerate(texts):
        vectors = {}
        for backend in (("torch", "onnx") if n % 2 == 0 else ("onnx", "torch")):
            start = time.perf_counter()
            vectors[backend] = models[backend].embed([text])[0]
            times[backend].append(time.perf_counter() - start)
        cosines.append(float(vectors["torch"] @ vectors["onnx"]))
    p = {b: (1000 * np.percentile(t, 50), 1000 * np.percentile(t, 95)) for b, t in times.items()}
    print(f"{models['onnx'].model_id}, {len(texts)} questions, load average {os.getloadavg()[0]:.2f}")
    for backend, (p50, p95) in p.items():
        print(f"- {backend}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"- onnx / torch p50: {p['onnx'][0] / p['torch'][0]:.2f}; lowest cosine between them {min(cosines):.5f}")


if __name__ == "__main__":
    main()
