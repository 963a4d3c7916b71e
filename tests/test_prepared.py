"""The parsed-corpus copy in index/cache (prepared.py): used only when current, rebuilt when stale or
damaged, and never a different answer from parsing the glossaries again."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from glossary_search import prepared as prepared_mod
from glossary_search.corpus import load_corpus
from glossary_search.evaluation import load_questions
from glossary_search.names import NameMatcher, _specificity, fold, specificities
from glossary_search.prepared import open_prepared, prepare
from glossary_search.search import Searcher
from glossary_search.texts import DEFAULT_SCHEME

from .conftest import CORPUS, ROOT


def saved_copy(index_dir: Path) -> Path:
    (folder,) = (index_dir / "cache").glob("corpus-*")
    return folder


def assert_same(a, b) -> None:
    """Two Prepared hold the same corpus and derive the same things from it."""
    assert a.corpus == b.corpus and a.corpus.root == b.corpus.root
    assert [g.path for g in a.corpus.glossaries] == [g.path for g in b.corpus.glossaries]
    assert a.content_hash == b.content_hash == b.corpus.content_hash()
    assert a.texts_hash == b.texts_hash and a.scheme == b.scheme
    assert np.array_equal(a.row_entry, b.row_entry) and a.row_entry.dtype == b.row_entry.dtype
    assert a.row_kinds.tolist() == b.row_kinds.tolist()
    assert a.names.specificity == b.names.specificity
    assert (a.see, a.name_links, a.candidate_links) == (b.see, b.name_links, b.candidate_links)
    assert a.corpus.name_positions() == b.corpus.name_positions()
    for question in ("how long do customers wait in the queue", "NPS", "abandon rate", "zzz"):
        assert np.array_equal(a.keyword.scores(question), b.keyword.scores(question))
        assert a.names.match(question) == b.names.match(question)


def test_a_saved_copy_equals_parsing_the_glossaries_again(corpus_copy, tmp_path, monkeypatch):
    notices = []
    first = open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx", notify=notices.append)
    assert saved_copy(tmp_path / "idx").is_dir() and notices == []
    parsed = []  # reading the copy must not parse YAML at all
    monkeypatch.setattr(prepared_mod, "load_corpus", lambda root: parsed.append(root) or load_corpus(root))
    second = open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx", notify=notices.append)
    assert parsed == [] and notices == []
    assert_same(second, first)
    assert_same(second, prepare(load_corpus(corpus_copy), DEFAULT_SCHEME))


def test_searches_answer_the_same_from_the_saved_copy(corpus_copy, tmp_path, fake_embedder):
    fresh = Searcher.open(corpus_copy, tmp_path / "idx", embedder=fake_embedder)  # parses, saves the copy
    cached = Searcher.open(corpus_copy, tmp_path / "idx", embedder=fake_embedder)  # reads the copy
    questions = [q.text for q in load_questions(ROOT / "eval" / "questions.yaml")]
    for q in questions:
        assert cached.ask(q, top_k=5) == fresh.ask(q, top_k=5), q
    assert cached.duplicates() == fresh.duplicates()
    assert cached.related("Net Promoter Score", top_k=5) == fresh.related("Net Promoter Score", top_k=5)
    assert cached.find_entry("nps") == fresh.find_entry("nps")


def test_the_real_model_answers_the_same_with_and_without_the_copy(real_searcher):
    """The product as opened (from the saved copy when the session has one) against every derived part
    made again from the parsed YAML: the same hits for every eval question."""
    corpus = load_corpus(CORPUS)
    again = Searcher(corpus, real_searcher.embedder, real_searcher.index, real_searcher.row_entry,
                     prepared=prepare(corpus, DEFAULT_SCHEME))
    for q in load_questions(ROOT / "eval" / "questions.yaml"):
        assert again.ask(q.text, top_k=5) == real_searcher.ask(q.text, top_k=5), q.text


def test_name_specificity_equals_the_definition_scan_it_replaces():
    for entries in (load_corpus(CORPUS).entries,):
        definitions = [f" {fold(e.definition)} " for e in entries]
        keys = [fold(n) for e in entries for n in e.names if fold(n)]
        assert specificities(keys, definitions) == {k: _specificity(k, definitions) for k in keys}
        assert NameMatcher(entries).specificity == {k: _specificity(k, definitions) for k in keys}
    # Words in any order, repeated, absent, or only inside longer words.
    definitions = [" a b c ", " b a ", " ab c ", " c c a b ", " x "]
    keys = ["a b", "b a", "a", "c", "ab", "a b c", "zz", "c a", "b"]
    assert specificities(keys, definitions) == {k: _specificity(k, definitions) for k in keys}


def test_an_edited_glossary_is_read_again(corpus_copy, tmp_path):
    first = open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx")
    path = next(p for p in corpus_copy.glob("*.yaml") if "Software robots" in p.read_text(encoding="utf-8"))
    path.write_text(path.read_text(encoding="utf-8").replace("Software robots", "Software bots"), encoding="utf-8")
    second = open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx")
    assert second.content_hash != first.content_hash
    assert any("Software bots" in e.definition for e in second.corpus.entries)
    assert_same(second, prepare(load_corpus(corpus_copy), DEFAULT_SCHEME))
    # A comment changes no entry but is still a different file: read again, same content.
    path.write_text(path.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    third = open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx")
    assert third.content_hash == second.content_hash
    assert len(list((tmp_path / "idx" / "cache").glob("corpus-*"))) == 2  # the newest other copy stays


def test_an_edited_module_or_another_scheme_makes_the_copy_stale(corpus_copy, tmp_path, monkeypatch):
    open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx")
    key = prepared_mod.corpus_key(corpus_copy, DEFAULT_SCHEME)
    assert prepared_mod.corpus_key(corpus_copy, "definition") != key
    version = prepared_mod._code_version()
    monkeypatch.setattr(prepared_mod, "_code_version", lambda: {**version, "sources": "edited"})
    assert prepared_mod.corpus_key(corpus_copy, DEFAULT_SCHEME) != key
    calls = []
    monkeypatch.setattr(prepared_mod, "load_corpus", lambda root: calls.append(root) or load_corpus(root))
    open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx")
    assert calls == [corpus_copy]


@pytest.mark.parametrize("damage", ["flip a byte of corpus.json", "flip a byte of a BM25 file", "truncate derived.json",
                                    "meta.json not JSON", "meta.json for another corpus", "a file added",
                                    "rows.npz replaced"])
def test_a_damaged_copy_is_discarded_with_a_notice_and_read_again(corpus_copy, tmp_path, damage):
    expected = open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx")
    folder = saved_copy(tmp_path / "idx")

    def flip(path: Path) -> None:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x20
        path.write_bytes(bytes(data))

    if damage == "flip a byte of corpus.json":
        flip(folder / "corpus.json")
    elif damage == "flip a byte of a BM25 file":
        flip(next(folder.glob("bm25/*.npy")))
    elif damage == "truncate derived.json":
        (folder / "derived.json").write_bytes((folder / "derived.json").read_bytes()[:100])
    elif damage == "meta.json not JSON":
        (folder / "meta.json").write_bytes(b"\xff\xfe not json")
    elif damage == "meta.json for another corpus":
        meta = (folder / "meta.json").read_text()
        (folder / "meta.json").write_text(meta.replace('"scheme": "multi"', '"scheme": "definition"'))
    elif damage == "a file added":
        (folder / "extra.json").write_text("{}")
    else:
        np.savez(folder / "rows.npz", row_entry=np.arange(3), row_kinds=np.array(["full"] * 3))
    notices = []
    got = open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx", notify=notices.append)
    assert len(notices) == 1 and "was damaged" in notices[0] and "read again" in notices[0], notices
    assert_same(got, expected)
    # Saved again, whole: the next open uses it without a word.
    notices.clear()
    assert_same(open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx", notify=notices.append), expected)
    assert notices == []


def test_a_copy_missing_its_meta_is_replaced_not_left_behind(corpus_copy, tmp_path):
    expected = open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx")
    (saved_copy(tmp_path / "idx") / "meta.json").unlink()
    assert_same(open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx"), expected)
    assert (saved_copy(tmp_path / "idx") / "meta.json").is_file()  # saved again, whole


def test_a_read_only_index_folder_reads_the_glossaries_without_a_copy(corpus_copy, tmp_path, monkeypatch):
    from glossary_search import store

    monkeypatch.setattr(store, "writable", lambda index_dir: False)
    notices = []
    got = open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx", notify=notices.append)
    assert notices == [] and not (tmp_path / "idx" / "cache").exists()
    assert_same(got, prepare(load_corpus(corpus_copy), DEFAULT_SCHEME))


def test_corpus_errors_are_the_loaders_own_whatever_the_copy(corpus_copy, tmp_path):
    from glossary_search.errors import CorpusError

    open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx")
    path = next(iter(sorted(corpus_copy.glob("*.yaml"))))
    path.write_text(path.read_text(encoding="utf-8") + "\n  - term: [broken\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=path.name):
        open_prepared(corpus_copy, DEFAULT_SCHEME, tmp_path / "idx")


def test_the_entry_fields_are_all_saved():
    from glossary_search.types import Entry

    assert prepared_mod._ENTRY_FIELDS == [f.name for f in dataclasses.fields(Entry)]
