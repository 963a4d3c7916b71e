"""The scale benchmark on a tiny random set: fast, no model, and exact search must agree with itself."""
from __future__ import annotations

import dataclasses
import math
import sys

import numpy as np

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))  # the harness lives beside the scripts that run it
import benchmark as bench  # noqa: E402


def test_scale_tiny_has_every_field_and_flat_recall_is_exact():
    result = bench.scale(sizes=[500], dim=32, queries=20, k=10, ef_values=(16, 64))

    assert {(r.dataset, r.kind) for r in result.rows} == {(d, k) for d in bench.DATASETS for k in ("flat", "hnsw")}
    for row in result.rows:
        for f in dataclasses.fields(bench.ScaleRow):
            assert hasattr(row, f.name)
        assert row.size == 500
        assert row.build_s >= 0 and row.memory_bytes >= 500 * 32 * 4
        assert 0 <= row.p50_ms <= row.p95_ms and math.isfinite(row.p95_ms)
        assert 0.0 <= row.recall <= 1.0
        if row.kind == "flat":
            assert row.recall == 1.0
            assert row.ef_search is None
        else:
            assert row.ef_search == result.default_ef_search
    assert {(r.dataset, r.ef_search) for r in result.ef_rows} == {(d, e) for d in bench.DATASETS for e in (16, 64)}
    assert result.to_dict()["rows"][0]["kind"] == "flat"


def test_recall_counts_ties_and_misses():
    vectors = bench.unit_vectors(200, 16, seed=3)
    queries = bench.unit_vectors(5, 16, seed=4)
    scores = queries @ vectors.T
    exact = np.argsort(-scores, axis=1)[:, :10]
    kth = np.sort(scores, axis=1)[:, -10]
    assert bench.recall_at_k(vectors, queries, exact, kth, 10) == 1.0
    worst = np.argsort(scores, axis=1)[:, :10]
    assert bench.recall_at_k(vectors, queries, worst, kth, 10) == 0.0


def test_threshold_interpolates_flat_p95():
    rows = [bench.ScaleRow("uniform", n, "flat", 0.0, 0, t, t, 1.0) for n, t in ((1_000, 0.1), (100_000, 10.0))]
    assert math.isclose(bench.crossing_size(rows, "flat", 1.0), 10_000, rel_tol=1e-6)
    # Beyond the measured sizes, flat search extrapolates linearly.
    assert math.isclose(bench.crossing_size(rows, "flat", 20.0), 200_000, rel_tol=1e-6)


def test_build_times_reembeds_only_the_edited_entry(tmp_path, fake_embedder):
    from tests.conftest import CORPUS

    result = bench.build_times(CORPUS, tmp_path / "index", embedder=fake_embedder)
    assert result.model_load_s is None
    assert result.entries < result.cold_embedded <= result.rows  # identical rows are embedded once
    assert 1 <= result.edit_embedded <= 3  # the edited entry's rows that contain its definition
    assert min(result.cold_s, result.reopen_s, result.edit_s) > 0
    assert "#" in result.edited_entry


def test_concept_scale_runs_its_steps_in_processes_of_their_own(tmp_path):
    """bench.py --concepts end to end on a tiny corpus (it once broke on imports, unnoticed)."""
    from tests.conftest import CORPUS

    row = bench.concept_scale(300, tmp_path, CORPUS, duplicates_max=300)
    assert row.entries == 300 and len(list((tmp_path / "corpus-300").glob("*.yaml"))) == 1
    assert min(row.build_s, row.open_s, row.first_ask_s, row.related_s, row.map_s, row.duplicates_s) > 0
    assert row.groups > 0 and row.peak_rss_mb > 50
    assert "| 300 |" in bench.concept_scale_markdown([row])
    skipped = bench.concept_scale(300, tmp_path, CORPUS, duplicates_max=100)  # reuses the corpus and index
    assert math.isnan(skipped.duplicates_s) and skipped.groups == 0
