"""Measurements behind the index settings and the scaling advice (docs/benchmarks.md, docs/scaling.md).

Pure functions that return dataclasses; `scripts/bench.py` runs them and formats the Markdown.
Everything is timed in-process with `time.perf_counter`, on whatever else the machine is doing:
read the figures as "this machine, this day", not as constants.
"""
from __future__ import annotations

import math
import os
import platform
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from glossary_search import index as index_mod
from glossary_search.embedder import encode_questions

# --- assumptions (not measured here) -------------------------------------------------------------------
# GPU throughput for all-MiniLM-L6-v2: the sentence-transformers pretrained-models table lists 14,200
# sentences/s, its "Speed" column being "Encoding speed (sentences / sec) on a V100 GPU"
# (https://www.sbert.net/docs/sentence_transformer/pretrained_models.html; source in
# UKPLab/sentence-transformers docs/_static/html/models_en_sentence_embeddings.html). A T4 has about half
# a V100's fp16/fp32 throughput, so we *assume* ~7,000/s on a T4-class GPU. Neither figure is measured here.
GPU_ASSUMPTIONS = {
    "V100 (sbert.net table)": 14_200.0,
    "T4-class (assumed: half a V100)": 7_100.0,
}
RECALL_TARGET = 0.95
# Score tolerance when checking whether a returned id is a true top-k neighbour: float32 dot products
# computed by BLAS (ground truth) and by faiss' scalar loop (single queries) differ by ~1e-7.
RECALL_EPS = 1e-5


# --- small helpers -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Percentiles:
    """Median and 95th percentile of a list of timings, in milliseconds."""

    p50_ms: float
    p95_ms: float
    n: int

    @classmethod
    def of(cls, seconds: Sequence[float]) -> "Percentiles":
        ms = np.asarray(seconds, dtype=np.float64) * 1000.0
        if ms.size == 0:
            return cls(float("nan"), float("nan"), 0)
        return cls(float(np.percentile(ms, 50)), float(np.percentile(ms, 95)), int(ms.size))


def _timed(fn: Callable, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def _progress(iterable: Iterable, enabled: bool, **kwargs) -> Iterable:
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, **kwargs)


def machine_info() -> dict[str, str]:
    """What the figures were measured on: they mean little without it."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 ** 2:.1f} GiB"
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0

    def version(pkg: str) -> str:
        import importlib.metadata as md

        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return "n/a"

    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "n/a"
    return {
        "cpu": cpu,
        "cores": f"{usable} usable ({os.cpu_count()} online)",
        "ram": ram,
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "torch": version("torch"),
        "sentence-transformers": version("sentence-transformers"),
        "faiss": index_mod.faiss_version(),
        "numpy": np.__version__,
        "load average (1/5/15 min) at start": load,
    }


# --- 1. question latency on the real corpus ---------------------------------------------------------------
@dataclass
class LatencyResult:
    """`ask` end to end vs encoding the same question alone: how much of a question's cost is the model."""

    questions: int
    repeats: int
    ask_cold: Percentiles  # query-vector cache cleared before every ask: model + index + BM25 + names + fusion
    ask_cached: Percentiles  # the same questions again: everything but the model
    encode: Percentiles  # the question encoder on [q] alone, interleaved with the cold asks
    ratio_cold: float  # p50(ask cold) / p50(encode)
    ratio_cached: float  # p50(ask cached) / p50(encode)


def latency(searcher, questions: Sequence[str], repeats: int = 3, top_k: int = 5,
            progress: bool = False) -> LatencyResult:
    """Time `searcher.ask` cold (cache cleared) and cached, against bare encoding, in the same run.

    Encode and cold ask alternate question by question, so both see the same machine load.
    """
    questions = list(questions)
    if not questions:
        raise ValueError("latency() needs at least one question.")
    embedder = searcher.embedder
    encode = partial(encode_questions, embedder)  # what ask() encodes a question with
    for q in questions[:3]:  # warm-up: first calls pay for lazy initialisation in torch and the tokenizer
        encode([q])
        searcher.ask(q, top_k=top_k)
    cold, enc, cached = [], [], []
    steps = [(r, q) for r in range(repeats) for q in questions]
    for _, q in _progress(steps, progress, desc="latency: cold ask vs encode", unit="q", leave=False):
        dt, _ = _timed(encode, [q])
        enc.append(dt)
        searcher._query_cache.clear()
        dt, _ = _timed(searcher.ask, q, top_k=top_k)
        cold.append(dt)
    for q in questions:  # make sure every question is cached (the LRU holds 512)
        searcher.ask(q, top_k=top_k)
    for _, q in _progress(steps, progress, desc="latency: cached ask", unit="q", leave=False):
        dt, _ = _timed(searcher.ask, q, top_k=top_k)
        cached.append(dt)
    a_cold, a_cached, e = Percentiles.of(cold), Percentiles.of(cached), Percentiles.of(enc)
    return LatencyResult(len(questions), repeats, a_cold, a_cached, e,
                         a_cold.p50_ms / e.p50_ms, a_cached.p50_ms / e.p50_ms)


# --- 2. index build times -------------------------------------------------------------------------------------
@dataclass
class BuildTimes:
    """How long a user waits for the index: first build, a plain restart, and after editing one definition."""

    entries: int
    rows: int  # texts embedded per full build (several per entry: see texts.entry_rows)
    model_load_s: float | None  # None when an embedder was passed in
    cold_s: float  # empty index folder and empty embedding cache: embeds every distinct row text
    cold_embedded: int
    reopen_s: float  # unchanged corpus: loads the stored index
    edit_s: float  # one definition changed: rebuild with the embedding cache
    edit_embedded: int
    edited_entry: str
    notices: list[str] = field(default_factory=list)


_EMBEDDED = re.compile(r"Embedded (\d+) new text")


def _embedded(notices: Sequence[str]) -> int:
    counts = [int(m.group(1)) for n in notices for m in [_EMBEDDED.search(n)] if m]
    return counts[-1] if counts else 0


def edit_one_definition(corpus_dir: Path) -> str:
    """Prefix one plain-scalar definition in a corpus copy with a word; returns the edited entry's id.

    A text edit (not a YAML round trip) so that nothing else in the file changes.
    """
    from glossary_search.corpus import load_corpus

    before = {e.id: e.definition for e in load_corpus(corpus_dir).entries}
    for path in sorted(corpus_dir.glob("*.yaml")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        for i, line in enumerate(lines):
            m = re.match(r"^(\s*-?\s*definition: )(.*)$", line)
            if m and m.group(2)[:1] not in {"'", '"', "|", ">", ""}:
                lines[i] = f"{m.group(1)}Edited - {m.group(2)}\n"
                path.write_text("".join(lines), encoding="utf-8")
                after = {e.id: e.definition for e in load_corpus(corpus_dir).entries}
                changed = [k for k in before if before[k] != after.get(k)]
                if len(changed) != 1 or before.keys() != after.keys():
                    raise RuntimeError(f"Editing {path.name} line {i + 1} changed {changed}, expected one entry.")
                return changed[0]
    raise RuntimeError(f"No plain-scalar definition to edit in {corpus_dir}.")


def build_times(corpus_dir: str | Path, index_dir: str | Path, embedder=None) -> BuildTimes:
    """Cold build into an empty `index_dir`, a reopen, then a rebuild after a one-definition edit.

    The edit is made in a temporary copy of the corpus; the rebuild reuses `index_dir`, so its embedding
    cache should leave only the edited entry's rows (2 under the 'multi' scheme) to embed.
    """
    from glossary_search.search import Searcher
    from glossary_search.texts import corpus_rows

    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    if index_dir.exists() and any(index_dir.iterdir()):
        raise ValueError(f"{index_dir} is not empty; build_times() needs an empty folder for a cold build.")
    model_load_s = None
    if embedder is None:
        from glossary_search.embedder import SentenceTransformerEmbedder

        model_load_s, embedder = _timed(SentenceTransformerEmbedder)
    notices: list[str] = []

    cold_notes: list[str] = []
    cold_s, searcher = _timed(Searcher.open, corpus_dir, index_dir, embedder=embedder, notify=cold_notes.append)
    rows = len(corpus_rows(searcher.entries)[0])
    reopen_s, _ = _timed(Searcher.open, corpus_dir, index_dir, embedder=embedder)

    scratch = Path(tempfile.mkdtemp(prefix="bench-corpus-"))
    try:
        copy = scratch / "corpus"
        shutil.copytree(corpus_dir, copy)
        edited = edit_one_definition(copy)
        edit_notes: list[str] = []
        edit_s, _ = _timed(Searcher.open, copy, index_dir, embedder=embedder, notify=edit_notes.append)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    notices = cold_notes + edit_notes
    return BuildTimes(len(searcher.entries), rows, model_load_s, cold_s, _embedded(cold_notes), reopen_s,
                      edit_s, _embedded(edit_notes), edited, notices)


# --- 3. encoding throughput -------------------------------------------------------------------------------------
@dataclass
class Throughput:
    """Definitions per second on this CPU, and what that means for a million definitions."""

    definitions: int
    mean_chars: float
    batch_size: int
    passes: int
    per_second: float  # median over passes
    hours_per_million: float
    gpu_hours_per_million: dict[str, float]  # from GPU_ASSUMPTIONS: assumed, not measured


def encode_throughput(embedder, definitions: Sequence[str], batch_size: int = 64, passes: int = 3) -> Throughput:
    """Embed the real definitions `passes` times (after a warm-up batch) and project to 1M definitions."""
    definitions = list(definitions)
    if not definitions:
        raise ValueError("encode_throughput() needs at least one definition.")
    embedder.embed(definitions[:batch_size], batch_size=batch_size)  # warm-up
    rates = []
    for _ in range(passes):
        dt, _ = _timed(embedder.embed, definitions, batch_size=batch_size)
        rates.append(len(definitions) / dt)
    rate = float(np.median(rates))
    return Throughput(
        definitions=len(definitions),
        mean_chars=float(np.mean([len(d) for d in definitions])),
        batch_size=batch_size,
        passes=passes,
        per_second=rate,
        hours_per_million=1e6 / rate / 3600,
        gpu_hours_per_million={name: 1e6 / r / 3600 for name, r in GPU_ASSUMPTIONS.items()},
    )


# --- 4. index scale: flat vs HNSW on synthetic vectors -----------------------------------------------------------
DATASETS = ("uniform", "clustered")
CLUSTERS = 1000
# Per-dimension noise around a cluster centre. With dim 384 the noise vector has norm ~1, so a point's
# cosine to its centre is ~0.7 and two points of one cluster ~0.5: roughly the spread of related
# definitions under all-MiniLM-L6-v2 (and far easier for HNSW than uniform random directions).
CLUSTER_NOISE = 1.0 / math.sqrt(384)


def unit_vectors(n: int, dim: int, seed: int, dataset: str = "uniform", chunk: int = 100_000) -> np.ndarray:
    """n float32 unit vectors: uniform on the sphere, or a Gaussian mixture around CLUSTERS centres.

    Generated in chunks so a million vectors never needs a float64 copy.
    """
    if dataset not in DATASETS:
        raise ValueError(f"Unknown dataset {dataset!r}; valid: {', '.join(DATASETS)}.")
    rng = np.random.default_rng(seed)
    centres = None
    if dataset == "clustered":
        # Centres from a fixed seed, so data and queries (different seeds) share the same mixture.
        centres = np.random.default_rng(12345 + dim).standard_normal((CLUSTERS, dim), dtype=np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        block = rng.standard_normal((stop - start, dim), dtype=np.float32)
        if centres is not None:
            block *= np.float32(CLUSTER_NOISE * math.sqrt(384 / dim))
            block += centres[rng.integers(0, CLUSTERS, stop - start)]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:stop] = block
    return out


def recall_at_k(vectors: np.ndarray, queries: np.ndarray, ids: np.ndarray, kth_true: np.ndarray, k: int) -> float:
    """Share of returned ids that are true top-k neighbours (score at least the exact k-th score, within eps).

    Scores are recomputed exactly from the vectors, so ties and float rounding do not count as misses.
    """
    hits = 0
    for q, row, kth in zip(queries, ids, kth_true):
        row = np.unique(row[row >= 0])[:k]
        if row.size:
            hits += int(np.sum(vectors[row] @ q >= kth - RECALL_EPS))
    return hits / (k * len(queries))


def _query_times(index, queries: np.ndarray, k: int, threads: int | None) -> tuple[list[float], np.ndarray]:
    """One query at a time, as a user's question arrives: latency, not batch throughput."""
    times, ids = [], np.empty((len(queries), k), dtype=np.int64)
    for i in range(len(queries)):
        dt, (_, found) = _timed(index.search, queries[i:i + 1], k, threads)
        times.append(dt)
        ids[i, : found.shape[1]] = found[0]
        ids[i, found.shape[1]:] = -1
    return times, ids


def _all_threads(index, queries: np.ndarray, k: int, threads: int | None) -> Percentiles:
    if threads is None:
        return Percentiles(None, None, 0)  # type: ignore[arg-type]  # already measured with the default
    return Percentiles.of(_query_times(index, queries, k, None)[0])


@dataclass
class ScaleRow:
    dataset: str
    size: int
    kind: str
    build_s: float
    memory_bytes: int
    p50_ms: float
    p95_ms: float
    recall: float  # recall@k against exact search
    ef_search: int | None = None
    # The same queries with faiss' default thread count (for comparison; the product uses 1); None if not measured.
    p50_ms_all_threads: float | None = None
    p95_ms_all_threads: float | None = None


@dataclass
class EfRow:
    dataset: str
    size: int
    ef_search: int
    p50_ms: float
    p95_ms: float
    recall: float


@dataclass
class ScaleResult:
    dim: int
    queries: int
    k: int
    seed: int
    rows: list[ScaleRow]
    ef_rows: list[EfRow]
    hnsw_m: int
    ef_construction: int
    default_ef_search: int
    query_threads: int | None = 1

    def to_dict(self) -> dict:
        return asdict(self)


def scale(sizes: Sequence[int] = (1_000, 10_000, 100_000, 1_000_000), dim: int = 384, queries: int = 200,
          k: int = 10, seed: int = 0, datasets: Sequence[str] = DATASETS,
          ef_values: Sequence[int] = (16, 32, 64, 128, 256, 512), threads: int | None = 1,
          progress: bool = False) -> ScaleResult:
    """Flat vs HNSW (built by index.FaissIndex.build, so with the package's M/efConstruction/efSearch) per size.

    For each dataset and size: build time, serialized size, single-query p50/p95 at k, and recall@k
    against exact search; then, on the same HNSW index, recall and latency for each efSearch in ef_values.
    Uniform random unit vectors are HNSW's worst case; the clustered set is closer to real embeddings.

    Queries run with `threads` faiss threads (default 1; builds use faiss' default). On a small shared
    machine a multi-threaded single query waits for a busy core: flat search over 10k vectors measured
    0.6 ms with 1 thread and 15 ms with 2 while another process was running. One thread per question is
    also what a server answering concurrent questions gets.
    """
    rows: list[ScaleRow] = []
    ef_rows: list[EfRow] = []
    default_ef = None
    steps = [(d, n) for d in datasets for n in sorted(sizes)]
    bar = _progress(steps, progress, desc="scale", unit="set")
    for dataset, n in bar:
        if progress:
            bar.set_postfix_str(f"{dataset} {n:,}")
        data = unit_vectors(n, dim, seed + n, dataset)
        qs = unit_vectors(queries, dim, seed + n + 7_919, dataset)

        flat_s, flat = _timed(index_mod.FaissIndex.build, data, "flat")
        # Exact ground truth: one batched (BLAS) search; only the k-th score is needed for recall.
        true_scores, _ = flat.search(qs, k, None)
        kth = true_scores[:, -1]
        times, ids = _query_times(flat, qs, k, threads)
        p, pa = Percentiles.of(times), _all_threads(flat, qs, k, threads)
        rows.append(ScaleRow(dataset, n, "flat", flat_s, flat.nbytes(), p.p50_ms, p.p95_ms,
                             recall_at_k(data, qs, ids, kth, k), None, pa.p50_ms, pa.p95_ms))
        del flat

        hnsw_s, hnsw = _timed(index_mod.FaissIndex.build, data, "hnsw")
        default_ef = hnsw.ef_search
        times, ids = _query_times(hnsw, qs, k, threads)
        p, pa = Percentiles.of(times), _all_threads(hnsw, qs, k, threads)
        rows.append(ScaleRow(dataset, n, "hnsw", hnsw_s, hnsw.nbytes(), p.p50_ms, p.p95_ms,
                             recall_at_k(data, qs, ids, kth, k), default_ef, pa.p50_ms, pa.p95_ms))
        for ef in ef_values:
            hnsw.ef_search = int(ef)
            times, ids = _query_times(hnsw, qs, k, threads)
            p = Percentiles.of(times)
            ef_rows.append(EfRow(dataset, n, int(ef), p.p50_ms, p.p95_ms, recall_at_k(data, qs, ids, kth, k)))
        del hnsw, data
    return ScaleResult(dim, queries, k, seed, rows, ef_rows, index_mod.HNSW_M,
                       index_mod.HNSW_EF_CONSTRUCTION, default_ef or index_mod.HNSW_EF_SEARCH, threads)


# --- 5. recommendations from the figures -------------------------------------------------------------------
def _nice(x: float) -> int:
    """Round to the nearest 1, 2 or 5 times a power of ten (in log space): a constant that reads as a
    choice, not as a fit to one noisy run."""
    if x < 1:
        return 1
    power = 10 ** math.floor(math.log10(x))
    return int(min((1, 2, 5, 10), key=lambda m: abs(math.log(x / (m * power)))) * power)


def crossing_size(rows: Sequence[ScaleRow], kind: str, target_ms: float, dataset: str = "uniform",
                  stat: str = "p95_ms") -> float | None:
    """Size at which `kind`'s query latency reaches target_ms, by log-log interpolation between sizes.

    Beyond the largest size it extrapolates from the last two points (flat search is linear in size);
    None when latency never grows past the target and cannot be extrapolated.
    """
    pts = sorted((r.size, getattr(r, stat)) for r in rows if r.kind == kind and r.dataset == dataset)
    if not pts:
        return None
    if pts[0][1] >= target_ms:
        return float(pts[0][0])
    for (n0, t0), (n1, t1) in zip(pts, pts[1:]):
        if t0 < target_ms <= t1:
            f = (math.log(target_ms) - math.log(t0)) / (math.log(t1) - math.log(t0))
            return math.exp(math.log(n0) + f * (math.log(n1) - math.log(n0)))
    if len(pts) >= 2 and pts[-1][1] > pts[-2][1] > 0:
        (n0, t0), (n1, t1) = pts[-2], pts[-1]
        slope = (math.log(t1) - math.log(t0)) / (math.log(n1) - math.log(n0))
        return math.exp(math.log(n1) + (math.log(target_ms) - math.log(t1)) / slope)
    return None


def recommend_threshold(result: ScaleResult, target_ms: float = 20.0) -> int | None:
    """Vectors (index rows) at which exact search's p95 reaches target_ms, rounded to 1/2/5 x 10^n."""
    size = crossing_size(result.rows, "flat", target_ms)
    return None if size is None else _nice(size)


def recommend_ef_search(result: ScaleResult, size: int | None = None, dataset: str = "clustered",
                        target: float = RECALL_TARGET) -> int | None:
    """Smallest efSearch whose recall@k reaches target at `size`, or (size None) at every size measured.

    Every size, not just 100k: HNSW recall falls as the index grows, so a default chosen at 100k can
    miss the target at 1M (measured: clustered, efSearch 64 gives 1.000 at 100k but 0.935 at 1M).
    """
    sizes = sorted({r.size for r in result.ef_rows if r.dataset == dataset})
    if size is not None:
        sizes = [size]
    if not sizes:
        return None
    needed = []
    for n in sizes:
        good = sorted(r.ef_search for r in result.ef_rows
                      if r.dataset == dataset and r.size == n and r.recall >= target)
        if not good:
            return None
        needed.append(good[0])
    return max(needed)


def projected_memory(n: int, dim: int = 384, hnsw_m: int = index_mod.HNSW_M,
                     measured: Sequence[ScaleRow] = ()) -> dict[str, float]:
    """Bytes for n vectors: flat is n*dim*4; HNSW adds the graph, per vector taken from the largest
    measured HNSW index when given (else ~2*M level-0 links of 4 bytes plus ~10% for upper levels)."""
    flat = n * dim * 4
    graph_per_vector = 2 * hnsw_m * 4 * 1.1 + 8
    hnsw_rows = sorted((r for r in measured if r.kind == "hnsw"), key=lambda r: r.size)
    if hnsw_rows:
        r = hnsw_rows[-1]
        graph_per_vector = (r.memory_bytes - r.size * dim * 4) / r.size
    return {"flat": float(flat), "hnsw": float(flat + n * graph_per_vector)}


# --- 6. Markdown --------------------------------------------------------------------------------------------------
def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _mb(n: float) -> str:
    return f"{n / 1024 ** 2:,.1f}"


def _ms(x: float) -> str:
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:,.0f}"


def machine_markdown(info: dict[str, str]) -> str:
    return _table(["machine", ""], info.items())


def latency_markdown(r: LatencyResult) -> str:
    return "\n".join([
        f"Question latency, in process: {r.questions} questions x {r.repeats} repeats, `ask(q, top_k=5)`.\n",
        _table(["measurement", "p50 ms", "p95 ms", "n"], [
            ("ask, cold (query cache cleared before each)", _ms(r.ask_cold.p50_ms), _ms(r.ask_cold.p95_ms), r.ask_cold.n),
            ("ask, cached (repeated question)", _ms(r.ask_cached.p50_ms), _ms(r.ask_cached.p95_ms), r.ask_cached.n),
            ("encoding the question alone", _ms(r.encode.p50_ms), _ms(r.encode.p95_ms), r.encode.n),
        ]),
        f"\np50(ask cold) / p50(encode) = **{r.ratio_cold:.2f}**; "
        f"p50(ask cached) / p50(encode) = {r.ratio_cached:.2f}.",
    ])


def backends_markdown(latencies: dict[str, LatencyResult], quality: dict[str, dict],
                      throughput: dict[str, "Throughput"]) -> str:
    """torch vs ONNX in one table: per-question speed, batch speed, and search quality on eval/."""
    base = latencies["torch"].encode.p50_ms
    rows = []
    for name, lat in latencies.items():
        q = quality[name]
        rows.append((name, _ms(lat.encode.p50_ms), f"{base / lat.encode.p50_ms:.2f}x", _ms(lat.ask_cold.p50_ms),
                     f"{throughput[name].per_second:,.0f}",
                     " / ".join(f"{q[s]['hit@5']:.3f}" for s in q), " / ".join(f"{q[s]['mrr@10']:.3f}" for s in q)))
    splits = " / ".join(next(iter(quality.values())))
    return _table(["backend", "encode p50 ms", "speed-up", "ask p50 ms", "batch definitions / s",
                   f"hit@5 ({splits})", f"MRR@10 ({splits})"], rows)


def build_markdown(b: BuildTimes) -> str:
    rows = []
    if b.model_load_s is not None:
        rows.append(("load the model", f"{b.model_load_s:.2f}", "-"))
    rows += [
        ("cold build (empty index folder and embedding cache)", f"{b.cold_s:.2f}", f"{b.cold_embedded} of {b.rows}"),
        ("reopen, corpus unchanged (loads the stored index)", f"{b.reopen_s:.2f}", "0"),
        (f"rebuild after editing one definition ({b.edited_entry})", f"{b.edit_s:.2f}", f"{b.edit_embedded} of {b.rows}"),
    ]
    return "\n".join([
        f"Index build on the real corpus: {b.entries} entries, {b.rows} embedded rows; `Searcher.open(corpus, index_dir)`.\n",
        _table(["step", "seconds", "texts embedded"], rows),
    ])


def throughput_markdown(t: Throughput) -> str:
    rows = [("this CPU (measured)", f"{t.per_second:,.0f}", f"{t.hours_per_million:.2f}")]
    rows += [(f"{name} (assumption, not measured)", f"{GPU_ASSUMPTIONS[name]:,.0f}", f"{h:.3f}")
             for name, h in t.gpu_hours_per_million.items()]
    return "\n".join([
        f"Encoding throughput: {t.definitions} real definitions (mean {t.mean_chars:.0f} characters), "
        f"batch {t.batch_size}, median of {t.passes} passes.\n",
        _table(["hardware", "definitions / s", "hours for 1M definitions"], rows),
        "\nGPU rows: 14,200 sentences/s is the sentence-transformers pretrained-models table's figure for "
        "all-MiniLM-L6-v2 (\"encoding speed on a V100 GPU\"); the T4 row assumes half of that. Both are "
        "assumptions for planning, on short sentences; longer definitions are slower.",
    ])


def scale_markdown(r: ScaleResult, target_ms: float = 20.0) -> str:
    main = _table(
        ["dataset", "vectors", "index", "build s", "memory MB", "p50 ms", "p95 ms", f"recall@{r.k}",
         "p50 / p95 ms, all threads"],
        [(x.dataset, f"{x.size:,}", x.kind if x.ef_search is None else f"hnsw (ef {x.ef_search})",
          f"{x.build_s:.2f}", _mb(x.memory_bytes), _ms(x.p50_ms), _ms(x.p95_ms), f"{x.recall:.3f}",
          "-" if x.p95_ms_all_threads is None else f"{_ms(x.p50_ms_all_threads)} / {_ms(x.p95_ms_all_threads)}")
         for x in r.rows],
    )
    efs = sorted({e.ef_search for e in r.ef_rows})
    keys = sorted({(e.dataset, e.size) for e in r.ef_rows}, key=lambda t: (DATASETS.index(t[0]), t[1]))
    cell = {(e.dataset, e.size, e.ef_search): e for e in r.ef_rows}
    sweep = _table(
        ["dataset", "vectors"] + [f"ef {e}: recall / p50 ms / p95 ms" for e in efs],
        [(d, f"{n:,}", *(f"{cell[d, n, e].recall:.3f} / {_ms(cell[d, n, e].p50_ms)} / {_ms(cell[d, n, e].p95_ms)}"
                          for e in efs)) for d, n in keys],
    )
    crossings = []
    for t in sorted({10.0, 20.0, 50.0, target_ms}):
        size = crossing_size(r.rows, "flat", t)
        crossings.append((f"{t:g} ms", "-" if size is None else f"{size:,.0f}"))
    threshold = recommend_threshold(r, target_ms)
    ef_default = recommend_ef_search(r)
    ef_sizes = sorted({e.size for e in r.ef_rows})
    ef_each = [(d, f"{n:,}", recommend_ef_search(r, n, d) or f"> {max(efs)}") for d in DATASETS for n in ef_sizes
               if any(e.dataset == d for e in r.ef_rows)]
    return "\n\n".join([
        f"Random float32 unit vectors, dim {r.dim}, seed {r.seed}; {r.queries} queries searched one at a time, "
        f"k = {r.k}. Indexes built by `glossary_search.index.FaissIndex.build` (HNSW: M {r.hnsw_m}, efConstruction "
        f"{r.ef_construction}, efSearch {r.default_ef_search}). Memory is the serialized index size. Recall@{r.k} "
        "is against exact search (a returned id counts when its exact score is at least the true "
        f"{r.k}-th score, within {RECALL_EPS:g}). 'uniform' is uniform on the sphere, HNSW's worst case; "
        f"'clustered' is a Gaussian mixture around {CLUSTERS} centres (cosine to centre ~0.7), closer to real "
        "sentence embeddings.",
        main,
        "### efSearch sweep (same HNSW indexes)",
        sweep,
        "### Where exact (flat) search reaches a latency budget\n\n"
        "Size at which flat single-query p95 reaches the budget (uniform set; log-log interpolation, "
        "extrapolated linearly past the largest size):\n\n" + _table(["flat p95 budget", "vectors"], crossings),
        f"Smallest efSearch with recall@{r.k} >= {RECALL_TARGET} per set:\n\n"
        + _table(["dataset", "vectors", "efSearch"], ef_each),
        f"Computed recommendation: `HNSW_THRESHOLD` ~ **{threshold:,}** vectors (where flat single-thread p95 "
        f"reaches {target_ms:g} ms, rounded to 1/2/5 x 10^n); `efSearch` **{ef_default}** (smallest with recall@{r.k} "
        f">= {RECALL_TARGET} on the clustered set at every size measured)."
        if threshold else "No threshold: flat search stayed under the budget at every size.",
    ])


# --- the concept maths at scale: open, first ask, related, duplicates, map ----------------------------------
class HashEmbedder:
    """A deterministic bag-of-words hashing embedder (dim 384, like all-MiniLM-L6-v2): the scale rows time
    the concept maths and the index, not the model (the model's own throughput is measured above)."""

    model_id = "bench-hashing-384"
    dim = 384
    backend = "n/a"

    def embed(self, texts: Sequence[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        import zlib

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                h = zlib.crc32(word.strip(".,;:?!()").encode())
                out[i, h % self.dim] += 1.0
                out[i, (h >> 9) % self.dim] += 0.5
            out[i, 0] += 1e-3
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def synthetic_corpus(folder: Path, n: int, source: Path, seed: int = 0, per_file: int = 5_000) -> Path:
    """n entries in files of per_file, recombined from the real corpus' words: one in ten repeats an
    earlier term in another glossary with its definition reworded, one in fifty is a 'See X.' entry,
    one in five has an acronym. Names and definitions are as long as the real ones."""
    import yaml

    from glossary_search.corpus import load_corpus

    rng = np.random.default_rng(seed)
    real = load_corpus(source).entries
    term_words = sorted({w for e in real for w in e.term.split() if w.isalpha()})
    def_words = sorted({w for e in real for w in e.definition.split()})
    files: list[list[dict]] = [[] for _ in range(math.ceil(n / per_file))]
    made: list[dict] = []
    for i in range(n):
        f = i // per_file
        if made and i % 10 == 9:
            base = made[int(rng.integers(len(made)))]
            words = base["definition"].split()
            for k in rng.integers(len(words), size=max(1, len(words) // 5)):
                words[k] = def_words[int(rng.integers(len(def_words)))]
            entry = {"term": base["term"], "definition": " ".join(words)}
        elif made and i % 50 == 49:
            target = made[int(rng.integers(len(made)))]["term"]
            entry = {"term": f"{term_words[int(rng.integers(len(term_words)))]} {i}", "see": target,
                     "definition": f"See {target}."}
        else:
            name = " ".join(term_words[int(k)] for k in rng.integers(len(term_words), size=int(rng.integers(2, 4))))
            entry = {"term": f"{name} {i}",
                     "definition": " ".join(def_words[int(k)] for k in rng.integers(len(def_words), size=int(rng.integers(12, 40))))}
            if i % 5 == 0:
                entry["acronym"] = "".join(w[0] for w in name.split()).upper() + str(i % 97)
        files[f].append(entry)
        made.append(entry)
    folder.mkdir(parents=True, exist_ok=True)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for f, entries in enumerate(files):
        text = yaml.dump({"title": f"Synthetic {f}", "entries": entries}, Dumper=dumper, sort_keys=False, width=1_000)
        (folder / f"synthetic-{f:03d}.yaml").write_text(text, encoding="utf-8")
    return folder


@dataclass
class ConceptScaleRow:
    """Seconds per step on a synthetic corpus of `entries` entries (HashEmbedder), and the peak RSS so far."""

    entries: int
    build_s: float
    open_s: float
    first_ask_s: float  # ask + the result cards' concept keys, as the app does
    related_s: float
    duplicates_s: float
    map_s: float
    groups: int
    concepts_ready_s: float  # open -> concept groups computed (the duplicates process: open, then duplicates)
    peak_rss_mb: float


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def concept_scale(n: int, scratch: Path, source: Path, progress: bool = False,
                  duplicates_max: int = 100_000) -> ConceptScaleRow:
    """Build once in a process of its own, then, in fresh processes that did not build (as a user opens a
    built index), time what a user does first: open, ask, related, the map; and, in another, open then the
    duplicates report alone (not run above duplicates_max entries: NaN). The peak RSS is the larger of
    those two processes' own. A corpus and index already in `scratch` are reused (bench.py --scratch)."""
    import json
    import subprocess
    import sys

    def say(message: str) -> None:
        if progress:
            print(f"[{n:,}] {message}", file=sys.stderr, flush=True)

    corpus = scratch / f"corpus-{n}"
    if not corpus.is_dir():
        synthetic_corpus(corpus, n, source)

    def child(step: str) -> dict:
        here = Path(__file__).resolve().parent  # scripts/, and the package beside it first (not an installed one)
        code = (f"import sys; sys.path[:0] = [{str(here)!r}, {str(here.parent)!r}]; import benchmark; "
                f"benchmark._concept_step({step!r}, {n}, {str(scratch)!r})")
        done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    say("building the index (its own process)")
    build_s = child("build")["build_s"]
    say(f"built in {build_s:.1f}s; opening it in a fresh process")
    r = child("measure")
    say(f"open {r['open_s']:.1f}s, first ask {r['first_ask_s']:.2f}s, related {r['related_s']:.2f}s, "
        f"map {r['map_s']:.1f}s, peak RSS {r['peak_rss_mb']:,.0f} MB")
    d = {"duplicates_s": float("nan"), "groups": 0, "concepts_ready_s": float("nan"), "peak_rss_mb": 0.0}
    if n <= duplicates_max:
        d = child("duplicates")
        say(f"duplicates, opened afresh {d['duplicates_s']:.1f}s ({d['groups']:,} groups), "
            f"peak RSS {d['peak_rss_mb']:,.0f} MB")
    return ConceptScaleRow(n, build_s, r["open_s"], r["first_ask_s"], r["related_s"], d["duplicates_s"], r["map_s"],
                           d["groups"], d["concepts_ready_s"], max(r["peak_rss_mb"], d["peak_rss_mb"]))


def _concept_step(step: str, n: int, scratch: str) -> None:
    """One step of concept_scale in this process (build, measure or duplicates); prints its figures as one
    JSON line."""
    import json

    from glossary_search.display import group_hits
    from glossary_search.search import Searcher

    corpus, index = Path(scratch) / f"corpus-{n}", Path(scratch) / f"index-{n}"
    if step == "build":
        build_s, _ = _timed(Searcher.open, corpus, index, embedder=HashEmbedder())
        print(json.dumps({"build_s": build_s}))
        return
    opened = time.perf_counter()
    open_s, searcher = _timed(Searcher.open, corpus, index, embedder=HashEmbedder())
    if step == "duplicates":  # on its own: after an ask the groups would already be computing in the background
        duplicates_s, groups = _timed(searcher.duplicates)
        print(json.dumps({"duplicates_s": duplicates_s, "groups": len(groups),
                          "concepts_ready_s": time.perf_counter() - opened, "peak_rss_mb": peak_rss_mb()}))
        return
    first_ask_s, _ = _timed(lambda: group_hits(searcher.ask("how do I measure wait time"), searcher.card_keys))
    term = searcher.entries[len(searcher.entries) // 2].term
    related_s, _ = _timed(searcher.related, term)
    map_s, _ = _timed(searcher.map_points)
    print(json.dumps({"open_s": open_s, "first_ask_s": first_ask_s, "related_s": related_s, "map_s": map_s,
                      "peak_rss_mb": peak_rss_mb()}))


def concept_scale_markdown(rows: Sequence[ConceptScaleRow]) -> str:
    return _table(
        ["entries", "build", "open (built index)", "first ask", "related", "duplicates", "map", "groups",
         "peak RSS"],
        [[f"{r.entries:,}", f"{r.build_s:.1f} s", f"{r.open_s:.2f} s", f"{r.first_ask_s:.2f} s",
          f"{r.related_s:.2f} s", f"{r.duplicates_s:.1f} s", f"{r.map_s:.2f} s", f"{r.groups:,}",
          f"{r.peak_rss_mb:,.0f} MB"] for r in rows],
    )
