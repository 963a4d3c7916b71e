#!/usr/bin/env python
"""Benchmark glossary-search on the real corpus (default) or flat vs HNSW at 1k..1M vectors (--scale).

Default: question latency, index build times and encoding throughput, printed as Markdown.
--scale: synthetic vectors at 1k, 10k, 100k, 1M; writes docs/benchmarks.md and docs/benchmarks.png.

Usage: python scripts/bench.py [--repeats N]
       python scripts/bench.py --scale [--out docs]
       python scripts/bench.py --quick [--out DIR]   # 1k and 10k only, under a minute; prints, writes only with --out
       python scripts/bench.py --plot-only docs/benchmarks.json   # redraw the plot of a saved run
       python scripts/bench.py --concepts [--sizes 10000 100000]   # open, first ask, related, duplicates, map
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import benchmark as bench  # noqa: E402  (scripts/benchmark.py, beside this script)


def run_corpus(args) -> str:
    from glossary_search.corpus import load_corpus
    from glossary_search.embedder import SentenceTransformerEmbedder
    from glossary_search.evaluation import evaluate_search, load_questions
    from glossary_search.search import Searcher

    corpus = ROOT / "corpus"
    questions = load_questions(ROOT / "eval" / "questions.yaml")
    texts = [q.text for q in questions]
    definitions = [e.definition for e in load_corpus(corpus).entries]
    sections = ["# glossary-search benchmark: real corpus", f"`{command()}` on {today()}.",
                bench.machine_markdown(bench.machine_info())]
    for model in args.models.split(","):
        latencies, quality, throughput = {}, {}, {}
        with tempfile.TemporaryDirectory(prefix="bench-index-") as scratch:
            index_dir = Path(scratch) / "index"
            print(f"{model}: building a fresh index in a scratch folder (your index/ is not touched)...",
                  file=sys.stderr)
            for backend in ("onnx", "torch"):  # the default first: its load and build are the ones users wait for
                load_s, embedder = bench._timed(SentenceTransformerEmbedder, model, backend=backend)
                if backend == "onnx":
                    builds = bench.build_times(corpus, index_dir, embedder=embedder)
                    builds.model_load_s = load_s
                searcher = Searcher.open(corpus, index_dir, embedder=embedder)
                latencies[backend] = bench.latency(searcher, texts, repeats=args.repeats, progress=True)
                quality[backend] = evaluate_search(searcher, questions)
                throughput[backend] = bench.encode_throughput(embedder, definitions, batch_size=64)
        name = embedder.model_id.split("/")[-1]
        sections += [
            f"## {name}: question latency, ONNX Runtime (default backend)", bench.latency_markdown(latencies["onnx"]),
            f"## {name}: question latency, torch (`--backend torch`)", bench.latency_markdown(latencies["torch"]),
            f"## {name}: backends compared", bench.backends_markdown(latencies, quality, throughput),
            f"## {name}: index build (ONNX)", bench.build_markdown(builds),
            f"## {name}: encoding throughput (ONNX)", bench.throughput_markdown(throughput["onnx"]),
        ]
    return "\n\n".join(sections) + "\n"


def run_scale(args) -> tuple[str, bench.ScaleResult]:
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
    queries = 50 if args.quick else args.queries
    info = bench.machine_info()  # load average before we add our own
    result = bench.scale(sizes, dim=384, queries=queries, k=10, threads=args.threads or None, progress=True)
    info["load average (1/5/15 min) at end"] = bench.machine_info()["load average (1/5/15 min) at start"]
    text = "\n\n".join([
        "# glossary-search benchmarks: index scale",
        f"Produced by `{command()}` on {today()}. Regenerate with `python scripts/bench.py --scale` "
        "(the 1M HNSW builds take several minutes on 2 cores). What the figures mean for deployments "
        "is in [scaling.md](scaling.md).",
        "## Machine", bench.machine_markdown(info),
        "## Flat vs HNSW", bench.scale_markdown(result, args.target_ms),
        "## Plot", "![query p50 and build time vs size, flat vs HNSW](benchmarks.png)",
    ]) + "\n"
    return text, result


def run_concepts(args) -> str:
    """The concept maths and the index on synthetic corpora (HashEmbedder): what a user waits for first."""
    rows = []
    info = bench.machine_info()  # load average before we add our own
    for n in args.sizes:
        if args.scratch:
            args.scratch.mkdir(parents=True, exist_ok=True)
            rows.append(bench.concept_scale(n, args.scratch, ROOT / "corpus", progress=True,
                                            duplicates_max=args.duplicates_max))
            continue
        with tempfile.TemporaryDirectory(prefix="bench-concepts-") as scratch:
            rows.append(bench.concept_scale(n, Path(scratch), ROOT / "corpus", progress=True,
                                            duplicates_max=args.duplicates_max))
    info["load average (1/5/15 min) at end"] = bench.machine_info()["load average (1/5/15 min) at start"]
    return "\n\n".join([
        "# glossary-search benchmark: concepts at scale",
        f"`{command()}` on {today()}; synthetic corpora recombined from the real one, hashing embedder (dim 384). "
        "Build in a process of its own; the other steps in a fresh process that opens the built index.",
        bench.machine_markdown(info),
        bench.concept_scale_markdown(rows),
    ]) + "\n"


def plot(result: bench.ScaleResult, path: Path) -> None:
    """Log-log: single-query p50 and build time against size, flat vs HNSW, both synthetic sets."""
    try:
        import matplotlib
    except ImportError:
        sys.exit("The plot needs matplotlib: pip install -e '.[bench]' (make bench does); the figures are "
                 "saved, redraw with --plot-only docs/benchmarks.json.")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), constrained_layout=True)
    colours = {"flat": "tab:blue", "hnsw": "tab:orange"}
    styles = {"uniform": ("-", "o"), "clustered": ("--", "s")}
    threads = f"{result.query_threads} faiss thread" if result.query_threads else "default faiss threads"
    for ax, stat, title in ((axes[0], "p50_ms", f"single-query p50 (ms), k={result.k}, {threads}"),
                            (axes[1], "build_s", "build time (s), all cores")):
        for dataset in bench.DATASETS:
            for kind in ("flat", "hnsw"):
                pts = sorted((r.size, getattr(r, stat)) for r in result.rows  # log axes: skip 0 (too fast to time)
                             if r.dataset == dataset and r.kind == kind and getattr(r, stat) > 0)
                if pts:
                    line, marker = styles[dataset]
                    ax.plot(*zip(*pts), line, marker=marker, color=colours[kind], label=f"{kind}, {dataset}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("vectors in the index (dim 384)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=9)
    fig.suptitle(f"glossary-search: flat vs HNSW (M {result.hnsw_m}, efSearch {result.default_ef_search}), {today()}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def command() -> str:
    return " ".join(["python scripts/bench.py", *(shlex.quote(a) for a in sys.argv[1:])])


def today() -> str:
    return datetime.date.today().isoformat()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="store_true", help="Flat vs HNSW on synthetic vectors, 1k..1M; writes docs/.")
    parser.add_argument("--quick", action="store_true", help="Scale benchmark at 1k and 10k only (under a minute).")
    parser.add_argument("--out", type=Path, default=None,
                        help="Folder for benchmarks.md/.png (default docs/ for --scale; --quick writes only if given).")
    parser.add_argument("--queries", type=int, default=200, help="Queries per size for --scale (default 200).")
    parser.add_argument("--threads", type=int, default=1,
                        help="faiss threads for the timed single queries (default 1; 0 = faiss' default).")
    parser.add_argument("--repeats", type=int, default=3, help="Passes over the questions for latency (default 3).")
    parser.add_argument("--models", default="mpnet,minilm",
                        help="Comma-separated models for the corpus benchmark (default: mpnet,minilm).")
    parser.add_argument("--concepts", action="store_true",
                        help="Open, first ask, related, duplicates and map on synthetic corpora (--sizes).")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000],
                        help="Corpus sizes for --concepts (default 10000 100000).")
    parser.add_argument("--duplicates-max", type=int, default=100_000,
                        help="Largest --concepts size whose duplicates report is timed (default 100000).")
    parser.add_argument("--scratch", type=Path, default=None,
                        help="Keep the --concepts corpora and indexes in this folder and reuse them (default: a "
                             "temporary folder, removed); a reused index makes the build column an open.")
    parser.add_argument("--plot-only", type=Path, default=None, metavar="JSON",
                        help="Redraw the plot from a saved run (e.g. docs/benchmarks.json) without measuring.")
    parser.add_argument("--target-ms", type=float, default=20.0,
                        help="Flat p95 budget used to recommend the HNSW threshold (default 20).")
    args = parser.parse_args()

    if args.plot_only:
        result = load_result(args.plot_only)
        plot(result, args.plot_only.with_suffix(".png"))
        print(f"Wrote {args.plot_only.with_suffix('.png')}.", file=sys.stderr)
        return
    if args.concepts:
        print(run_concepts(args))
        return
    if not (args.scale or args.quick):
        print(run_corpus(args))
        return
    text, result = run_scale(args)
    out = args.out if args.out is not None else (None if args.quick else ROOT / "docs")
    if out is None:
        print(text)
        return
    out.mkdir(parents=True, exist_ok=True)
    # Figures first: a long run is never lost to a plotting problem (redraw with --plot-only).
    (out / "benchmarks.md").write_text(text, encoding="utf-8")
    (out / "benchmarks.json").write_text(json.dumps(result.to_dict(), indent=1), encoding="utf-8")
    plot(result, out / "benchmarks.png")
    print(text)
    print(f"Wrote {out / 'benchmarks.md'}, benchmarks.json and benchmarks.png.", file=sys.stderr)


def load_result(path: Path) -> bench.ScaleResult:
    data = json.loads(path.read_text(encoding="utf-8"))
    data["rows"] = [bench.ScaleRow(**r) for r in data["rows"]]
    data["ef_rows"] = [bench.EfRow(**r) for r in data["ef_rows"]]
    return bench.ScaleResult(**data)


if __name__ == "__main__":
    main()
