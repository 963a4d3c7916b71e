"""The index on disk: checked manifest, stale rebuilds, atomic saves, the lock, and the embedding cache."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from glossary_search import store
from glossary_search.errors import IndexFileError, IndexLockedError
from glossary_search.search import Searcher


def open_fake(corpus_dir, index_dir, embedder, notices=None):
    return Searcher.open(corpus_dir, index_dir, embedder=embedder, notify=(notices.append if notices is not None else None))


def build_dir(index_dir: Path) -> Path:
    return index_dir / "builds" / (index_dir / "CURRENT").read_text().strip()


def test_first_open_builds_then_loads_without_embedding(corpus_copy, tmp_path, fake_embedder):
    notices = []
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("building it" in n for n in notices)
    manifest = json.loads((build_dir(tmp_path / "idx") / "manifest.json").read_text())
    assert manifest["model_id"] == "fake-hashing-64" and manifest["dim"] == 64
    assert manifest["entry_count"] == 236 and len(manifest["corpus_hash"]) == 64
    assert {"faiss", "numpy", "sentence-transformers"} <= set(manifest["versions"])
    before = fake_embedder.texts_embedded
    again = []
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder, again)
    assert again == [] and fake_embedder.texts_embedded == before


def test_one_entry_edit_is_stale_and_re_embeds_only_that_entry(corpus_copy, tmp_path, fake_embedder):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    path = corpus_copy / "customer-service-terms.yaml"
    path.write_text(path.read_text().replace("A survey scale that measures", "A survey scale that gauges"))
    before = fake_embedder.texts_embedded
    notices = []
    s = open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("stale (corpus_hash" in n for n in notices)
    assert fake_embedder.texts_embedded - before == 2  # its definition row and label+definition row
    assert "gauges" in s.ask("Likert Scale", top_k=1)[0].entry.definition


def test_other_model_or_size_triggers_rebuild(corpus_copy, tmp_path, fake_embedder):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    fake_embedder.model_id = "another-model"
    notices = []
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("model_id is 'fake-hashing-64', expected 'another-model'" in n for n in notices)


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete"])
def test_corrupt_or_missing_faiss_file_is_rebuilt_with_a_notice(corpus_copy, tmp_path, fake_embedder, damage):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    faiss_file = build_dir(tmp_path / "idx") / "vectors.faiss"
    if damage == "truncate":
        faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    elif damage == "garbage":
        faiss_file.write_bytes(b"not an index" * 10)
    else:
        faiss_file.unlink()
    notices = []
    s = open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("truncated or corrupt" in n and "rebuilding" in n for n in notices)
    assert s.ask("Net Promoter Score", top_k=1)[0].entry.term == "Net Promoter Score"


def test_entry_count_not_matching_vectors_is_refused(corpus_copy, tmp_path, fake_embedder):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    rows = build_dir(tmp_path / "idx") / "rows.json"
    data = json.loads(rows.read_text())
    data["row_entry"] = data["row_entry"][:-5]
    rows.write_text(json.dumps(data))
    with pytest.raises(IndexFileError, match="row map has"):
        store.load(tmp_path / "idx")


def test_a_build_killed_mid_way_leaves_the_old_index_in_use(corpus_copy, tmp_path, fake_embedder, monkeypatch):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    old = build_dir(tmp_path / "idx")
    path = corpus_copy / "office-gurus-bpo.yaml"
    path.write_text(path.read_text().replace("Software robots", "Software bots"))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(store, "_fsync", crash)  # dies after writing files, before switching CURRENT
    with pytest.raises(KeyboardInterrupt):
        open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    monkeypatch.undo()
    assert build_dir(tmp_path / "idx") == old
    assert store.load(tmp_path / "idx").manifest.entry_count == 236
    assert not [p for p in (tmp_path / "idx" / "builds").iterdir() if p.name.startswith(".partial")]
    notices = []
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)  # next open picks up the edit
    assert any("stale" in n for n in notices)


def test_unwritable_index_dir_searches_from_memory(corpus_copy, tmp_path, fake_embedder):
    blocker = tmp_path / "a-file"
    blocker.write_text("index/ cannot be created below a file, even by root")
    notices = []
    s = open_fake(corpus_copy, blocker / "idx", fake_embedder, notices)
    assert any("not writable" in n and "in memory" in n for n in notices)
    assert s.ask("NPS", top_k=1)[0].entry.acronym == "NPS"


def test_second_writer_waits_then_gives_up_with_a_clear_error(tmp_path):
    idx = tmp_path / "idx"
    holding, release = threading.Event(), threading.Event()

    def first():
        with store.build_lock(idx):
            holding.set()
            release.wait(5)

    t = threading.Thread(target=first)
    t.start()
    holding.wait(5)
    told = []
    try:
        with pytest.raises(IndexLockedError, match="Another process has been building"):
            with store.build_lock(idx, wait_seconds=0.5, on_wait=told.append):
                pass
    finally:
        release.set()
        t.join()
    assert told and "waiting" in told[0]
    with store.build_lock(idx, wait_seconds=0.5):  # free again once the first writer is done
        pass
