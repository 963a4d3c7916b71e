"""The index on disk: checked manifest, stale rebuilds, atomic saves, the lock, and the embedding cache."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import threading
from pathlib import Path

import numpy as np
import pytest

from glossary_search import store
from glossary_search.errors import IndexFileError, IndexLockedError
from glossary_search.index import FaissIndex
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


def test_an_index_update_says_what_was_embedded_in_a_users_terms(corpus_copy, tmp_path, fake_embedder):
    first = open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    assert (first.index_update.entries_embedded, first.index_update.entries_reused) == (236, 0)
    assert first.index_update.texts_reused == 0
    assert open_fake(corpus_copy, tmp_path / "idx", fake_embedder).index_update is None  # served as stored
    path = corpus_copy / "customer-service-terms.yaml"
    path.write_text(path.read_text().replace("A survey scale that measures", "A survey scale that gauges"))
    s = open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    update = s.index_update
    assert (update.entries_embedded, update.entries_reused, update.texts_embedded) == (1, 235, 2)
    assert update.texts_embedded + update.texts_reused == first.index_update.texts_embedded  # every distinct text
    # The figures stand for the routine notices (why it was stale, with its hashes); nothing else was said.
    assert any("stale (corpus_hash" in n for n in update.notes) and set(s.notices) == set(update.notes)

    (cache,) = (tmp_path / "idx" / "cache").glob("embeddings-*.npz")
    cache.write_bytes(b"not a zip")
    path.write_text(path.read_text().replace("gauges", "measures"))
    s = open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    assert s.index_update.entries_embedded == 236  # the cache was lost: everything embedded again, and said so
    assert [n for n in s.notices if n not in s.index_update.notes] == [
        n for n in s.notices if "embedding cache" in n and "damaged" in n]


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


def restamp(build: Path, name: str, data: bytes) -> None:
    """Replace a build file and its checksum in the manifest: a consistent but wrong build."""
    (build / name).write_bytes(data)
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["checksums"][name] = hashlib.sha256(data).hexdigest()
    (build / "manifest.json").write_text(json.dumps(manifest))


def test_entry_count_not_matching_vectors_is_refused(corpus_copy, tmp_path, fake_embedder):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    rows = build_dir(tmp_path / "idx") / "rows.json"
    data = json.loads(rows.read_text())
    data["row_entry"] = data["row_entry"][:-5]
    restamp(rows.parent, "rows.json", json.dumps(data).encode())
    with pytest.raises(IndexFileError, match="row map has"):
        store.load(tmp_path / "idx")


@pytest.mark.parametrize("pointer", [b"\xff\xfe\x00garbage", b"../../etc", b"", b"no-such-build"])
def test_a_corrupt_current_pointer_is_rebuilt(corpus_copy, tmp_path, fake_embedder, pointer):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    (tmp_path / "idx" / "CURRENT").write_bytes(pointer)
    notices = []
    s = open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("rebuilding" in n for n in notices), notices
    assert s.ask("Net Promoter Score", top_k=1)[0].entry.term == "Net Promoter Score"
    assert store.load(tmp_path / "idx").manifest.entry_count == 236


@pytest.mark.parametrize("rows", ["[]", "null", '{"entry_ids": 5, "row_entry": []}', '"text"', "{}"])
def test_a_row_map_of_the_wrong_shape_is_rebuilt(corpus_copy, tmp_path, fake_embedder, rows):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    (build_dir(tmp_path / "idx") / "rows.json").write_text(rows)
    notices = []
    s = open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("rows.json" in n and "rebuilding" in n for n in notices), notices
    assert s.ask("NPS", top_k=1)[0].entry.acronym == "NPS"


@pytest.mark.parametrize("rows, message", [
    ("[]", "does not hold a row map"), ('{"entry_ids": 5, "row_entry": []}', "does not hold a row map"),
    ('{"entry_ids": ["a"], "row_entry": [0]}', "1 entry ids, manifest says 236"),
])
def test_a_row_map_is_checked_for_shape_even_with_a_valid_checksum(corpus_copy, tmp_path, fake_embedder, rows, message):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    restamp(build_dir(tmp_path / "idx"), "rows.json", rows.encode())
    with pytest.raises(IndexFileError, match=message):
        store.load(tmp_path / "idx")


def test_a_row_map_pointing_past_the_entries_is_rebuilt(corpus_copy, tmp_path, fake_embedder):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    build = build_dir(tmp_path / "idx")
    data = json.loads((build / "rows.json").read_text())
    data["row_entry"][-1] = 10_000
    restamp(build, "rows.json", json.dumps(data).encode())
    with pytest.raises(IndexFileError, match="points past the 236 entries"):
        store.load(tmp_path / "idx")
    notices = []
    s = open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("points past" in n and "rebuilding" in n for n in notices)
    assert s.ask("AHT", top_k=1)[0].entry.acronym == "AHT"


def test_one_flipped_bit_in_the_vectors_is_caught_by_the_checksum(corpus_copy, tmp_path, fake_embedder):
    first = open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    questions = ["how do I measure wait time", "NPS", "customers leaving", "agent idle", "call transfer"]
    before = [[h.entry.id for h in first.ask(q)] for q in questions]
    manifest = json.loads((build_dir(tmp_path / "idx") / "manifest.json").read_text())
    assert set(manifest["checksums"]) == {"vectors.faiss", "rows.json", "neighbours.npy"}
    faiss_file = build_dir(tmp_path / "idx") / "vectors.faiss"
    data = bytearray(faiss_file.read_bytes())
    data[len(data) // 2 + 3] ^= 0x40  # one exponent bit of one float: still a valid faiss file
    faiss_file.write_bytes(bytes(data))
    notices = []
    s = open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("checksum" in n and "rebuilding" in n for n in notices), notices
    assert [[h.entry.id for h in s.ask(q)] for q in questions] == before


def test_damaged_neighbours_are_rebuilt_and_give_the_same_duplicates(corpus_copy, tmp_path, fake_embedder):
    first = open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    assert first._neighbours is not None  # mined at build, stored beside the vectors
    before = first.duplicates()
    path = build_dir(tmp_path / "idx") / "neighbours.npy"
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01  # one bit of one entry number
    path.write_bytes(bytes(data))
    notices = []
    again = open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("neighbours.npy" in n and "checksum" in n and "rebuilding" in n for n in notices), notices
    assert again.duplicates() == before
    # Checksummed but not pairs of these entries (a writer's bug): refused, rebuilt.
    build = build_dir(tmp_path / "idx")
    np.save(build / "neighbours.npy", np.array([[0, 10_000]]))
    manifest = json.loads((build / "manifest.json").read_text())
    manifest["checksums"]["neighbours.npy"] = store.sha256_file(build / "neighbours.npy")
    (build / "manifest.json").write_text(json.dumps(manifest))
    notices = []
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("does not hold pairs" in n for n in notices), notices


def test_a_damaged_embedding_cache_is_discarded_with_a_notice(corpus_copy, tmp_path, fake_embedder):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    (cache,) = (tmp_path / "idx" / "cache").glob("embeddings-*.npz")
    data = bytearray(cache.read_bytes())
    data[len(data) // 2] ^= 0xFF  # zipfile.BadZipFile: Bad CRC-32 when read
    cache.write_bytes(bytes(data))
    path = corpus_copy / "office-gurus-bpo.yaml"
    path.write_text(path.read_text().replace("Software robots", "Software bots"))
    notices = []
    s = open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("embedding cache" in n and "damaged" in n and "discarded" in n for n in notices), notices
    assert s.ask("NPS", top_k=1)[0].entry.acronym == "NPS"
    assert store.EmbeddingCache(tmp_path / "idx", fake_embedder.model_id)._vectors  # rewritten whole


def test_disk_full_during_a_build_searches_from_memory_and_keeps_the_old_index(corpus_copy, tmp_path, fake_embedder,
                                                                            monkeypatch):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    old = build_dir(tmp_path / "idx")
    path = corpus_copy / "office-gurus-bpo.yaml"
    path.write_text(path.read_text().replace("Software robots", "Software bots"))

    def disk_full(self, path):
        raise RuntimeError("Error in faiss::FileIOWriter: write failed: No space left on device")

    monkeypatch.setattr(FaissIndex, "save", disk_full)
    notices = []
    s = open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any(n.startswith("Cannot write the index in") and "(No space left on device)" in n
               and "from memory" in n for n in notices), notices
    assert "bots" in s.ask("Robotic Process Automation", top_k=1)[0].entry.definition
    assert build_dir(tmp_path / "idx") == old and store.load(tmp_path / "idx")
    assert not [p for p in (tmp_path / "idx" / "builds").iterdir() if p.name.startswith(".partial")]


def test_builds_or_cache_not_writable_is_a_notice_not_a_traceback(corpus_copy, tmp_path, fake_embedder, monkeypatch):
    real_mkdtemp, real_mkstemp = store.tempfile.mkdtemp, store.tempfile.mkstemp

    def refuse(real):
        def make(*args, dir=None, **kwargs):
            if Path(dir).name in ("builds", "cache"):
                raise PermissionError(13, "Permission denied", str(dir))
            return real(*args, dir=dir, **kwargs)
        return make

    monkeypatch.setattr(store.tempfile, "mkdtemp", refuse(real_mkdtemp))
    monkeypatch.setattr(store.tempfile, "mkstemp", refuse(real_mkstemp))
    notices = []
    s = open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any(n.startswith("Cannot write the index") and "(Permission denied)" in n for n in notices), notices
    assert s.ask("NPS", top_k=1)[0].entry.acronym == "NPS"
    monkeypatch.setattr(store.tempfile, "mkdtemp", real_mkdtemp)
    notices = []
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder, notices)
    assert any("embedding cache was not saved" in n and "Permission denied" in n for n in notices), notices
    assert store.load(tmp_path / "idx").manifest.entry_count == 236


def test_an_index_takes_the_umask_modes_so_other_users_can_read_it(corpus_copy, tmp_path, fake_embedder):
    old = os.umask(0o022)
    try:
        open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    finally:
        os.umask(old)
    idx = tmp_path / "idx"
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(idx / "CURRENT") == 0o644 and mode(build_dir(idx)) == 0o755
    assert {mode(p) for p in build_dir(idx).iterdir()} == {0o644}
    cached = list((idx / "cache").rglob("*"))  # the embeddings and the parsed corpus (prepared.py)
    assert {mode(p) for p in cached if p.is_file()} == {0o644}
    assert {mode(p) for p in cached if p.is_dir()} == {0o755}


def test_a_build_is_fsynced_files_then_folders(corpus_copy, tmp_path, fake_embedder, monkeypatch):
    synced = []
    real = os.fsync

    def record(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real(fd)

    monkeypatch.setattr(os, "fsync", record)
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    idx = str(tmp_path / "idx")
    build = str(build_dir(tmp_path / "idx"))
    partial = next(p for p in synced if "/.partial-" in p).rsplit("/", 1)[0]
    order = [p.replace(partial, build) for p in synced]
    files = [order.index(f"{build}/{f}") for f in ("vectors.faiss", "rows.json", "manifest.json")]
    assert max(files) < order.index(build)  # the files, then their folder
    assert order.index(build) < order.index(f"{idx}/builds")  # the rename into builds/
    current = max(i for i, p in enumerate(order) if p.startswith(f"{idx}/.CURRENT.") or p == f"{idx}/CURRENT")
    assert current < len(order) - 1 - order[::-1].index(idx)  # CURRENT, then the folder that holds it


def test_debris_of_a_killed_build_is_cleaned_at_the_next_build(corpus_copy, tmp_path, fake_embedder):
    open_fake(corpus_copy, tmp_path / "idx", fake_embedder)
    idx = tmp_path / "idx"
    debris = [idx / ".CURRENT.k9x2", idx / "cache" / ".cache-k9x2.npz", idx / "builds" / ".partial-k9x2"]
    debris[0].write_text("half")
    debris[1].write_bytes(b"PK half")
    debris[2].mkdir()
    Searcher.open(corpus_copy, idx, embedder=fake_embedder, rebuild=True)
    assert not any(p.exists() for p in debris)


def test_a_reader_never_sees_a_half_deleted_build(corpus_copy, tmp_path, fake_embedder, monkeypatch):
    idx = tmp_path / "idx"
    open_fake(corpus_copy, idx, fake_embedder)
    was = build_dir(idx)
    Searcher.open(corpus_copy, idx, embedder=fake_embedder, rebuild=True)
    assert was.is_dir() and store._load_build(was)  # a reader that read CURRENT just before the switch
    # A reader whose build is pruned under it (two switches during one load) retries on the new one.
    real = store._load_build
    calls = []

    def pruned_under_the_reader(build):
        calls.append(build)
        if len(calls) == 1:
            Searcher.open(corpus_copy, idx, embedder=fake_embedder, rebuild=True)
            shutil.rmtree(build)
        return real(build)

    monkeypatch.setattr(store, "_load_build", pruned_under_the_reader)
    assert store.load(idx).path == build_dir(idx) != calls[0]


def test_readers_racing_rebuilds_always_load(corpus_copy, tmp_path, fake_embedder):
    idx = tmp_path / "idx"
    open_fake(corpus_copy, idx, fake_embedder)
    stored = store.load(idx)
    failures, loads, done = [], [], threading.Event()

    def reader():
        while not done.is_set():
            try:
                loads.append(store.load(idx).manifest.entry_count)
            except IndexFileError as exc:
                failures.append(str(exc))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for _ in range(15):
            store.save(idx, stored.manifest, stored.index, stored.row_entry, stored.entry_ids)
    finally:
        done.set()
        for t in threads:
            t.join()
    assert failures == [] and loads


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


def test_a_corpus_of_one_letter_words_opens_and_answers(tmp_path, fake_embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "letters.yaml").write_text(
        "title: Letters\nentries:\n  - term: Q&A\n    definition: Q & A\n  - term: X\n    definition: A b c.\n"
        "  - term: Y\n    definition: A b c.\n")
    s = Searcher.open(corpus, tmp_path / "idx", embedder=fake_embedder)
    assert {h.entry.term for h in s.ask("Q & A", top_k=3)} == {"Q&A", "X", "Y"}
    assert s.ask("wait time", top_k=1)  # no keyword signal, still an answer
    assert [r.entry.term for r in s.related("X", top_k=2)] == ["Q&A"]  # Y is X's duplicate
    assert [g.band for g in s.duplicates()] == ["identical"]
