#!/usr/bin/env python
"""Milvus Lite against FAISS at 10k and 100k vectors: insert rate, single-query p50/p95 at top-10, and recall@10
of Milvus against FAISS exact search. 384-d by default (all-MiniLM-L6-v2's size; --dim 768 for all-mpnet-base-v2,
the default model).

Synthetic unit vectors, as in `bench.py --scale`: the engines' cost, not the model's.
Usage: python scripts/bench_milvus.py [--sizes 10000 100000] [--queries 200]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glossary_search.index import FaissIndex  # noqa: E402
from glossary_search.stores.milvus import MilvusIndex  # noqa: E402


def unit_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def timed_queries(index, queries: np.ndarray, k: int) -> tuple[np.ndarray, list[float]]:
    ids, ms = [], []
    for q in queries:
        t = time.perf_counter()
        ids.append(index.search(q[None, :], k)[1][0])
        ms.append((time.perf_counter() - t) * 1000)
    return np.array(ids), ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000],
                        help="Vector counts to measure (default 10000 100000).")
    parser.add_argument("--dim", type=int, default=384,
                        help="Vector size (default 384, all-MiniLM-L6-v2's; 768: all-mpnet-base-v2's, the default "
                             "model).")
    parser.add_argument("--queries", type=int, default=200, help="Single queries timed per size (default 200).")
    args = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d %H:%M')} UTC, load average {os.getloadavg()[0]:.1f}; "
          f"python scripts/bench_milvus.py {' '.join(sys.argv[1:])}\n")
    print("| engine | vectors | insert / build s | vectors/s | query p50 ms | p95 ms | recall@10 vs exact |")
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        vectors = unit_vectors(n, args.dim, seed=n)
        queries = unit_vectors(args.queries, args.dim, seed=n + 1)
        t = time.perf_counter()
        faiss = FaissIndex.build(vectors, kind="flat")
        build = time.perf_counter() - t
        exact, ms = timed_queries(faiss, queries, 10)
        print(f"| FAISS flat | {n:,} | {build:.2f} | {n / build:,.0f} | {np.percentile(ms, 50):.2f} | "
              f"{np.percentile(ms, 95):.2f} | 1.000 |", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            milvus = MilvusIndex.sync(str(Path(tmp) / "bench.db"), vectors, [f"text {i}" for i in range(n)],
                                      f"bench-{n}")
            insert = time.perf_counter() - t
            found, ms = timed_queries(milvus, queries, 10)
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found)])
            print(f"| Milvus Lite (FLAT) | {n:,} | {insert:.2f} | {n / insert:,.0f} | {np.percentile(ms, 50):.2f} | "
                  f"{np.percentile(ms, 95):.2f} | {recall:.3f} |", flush=True)
            milvus.close()


if __name__ == "__main__":
    main()
