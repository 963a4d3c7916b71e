"""The Python API refuses wrong types with a UsageError naming the argument (never a TypeError or
AttributeError from deep inside, never a str read letter by letter). Fake embedder: no model."""
from __future__ import annotations

import pytest

from glossary_search.errors import UsageError
from glossary_search.search import Searcher

from .conftest import CORPUS, FakeEmbedder


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    return Searcher.open(CORPUS, tmp_path_factory.mktemp("idx"), embedder=FakeEmbedder())


@pytest.mark.parametrize("call, argument", [
    (lambda s: s.ask(5), "question must be text, got int 5"),
    (lambda s: s.ask(["nps"]), "question must be text, got list"),
    (lambda s: s.ask(None), "question must be text, got NoneType"),
    (lambda s: s.ask("nps", top_k="5"), "top_k must be a whole number"),
    (lambda s: s.ask("nps", top_k=[1] * 10_000), "top_k must be a whole number"),
    (lambda s: s.ask("nps", glossaries="office-gurus-bpo"), "glossaries must be a list of names"),
    (lambda s: s.ask("nps", glossaries=5), "glossaries must be a list of names, e.g. ['office-gurus-bpo'], got int"),
    (lambda s: s.ask("nps", glossaries=[5]), "glossaries must be a list of names"),
    (lambda s: s.answer("nps", glossaries={"a": 1}), "glossaries must be a list of names"),
    (lambda s: s.related(5), "term must be text, got int"),
    (lambda s: s.related(["NPS"]), "term must be text, got list"),
    (lambda s: s.find_entry(b"NPS"), "term must be text, got bytes"),
    (lambda s: s.related("NPS", top_k=1.5), "top_k must be a whole number"),
    (lambda s: s.duplicates(bands="same"), "bands must be a list of names"),
    (lambda s: s.duplicates(glossaries="office-gurus-bpo"), "glossaries must be a list of names"),
    (lambda s: s.duplicates(threshold="0.5"), "threshold must be a number"),
    (lambda s: s.compare(7), "question must be text"),
])
def test_wrong_types_raise_usage_error_naming_the_argument(searcher, call, argument):
    with pytest.raises(UsageError) as err:
        call(searcher)
    assert str(err.value).startswith(argument) and len(str(err.value)) < 200


@pytest.mark.parametrize("kwargs, argument", [
    ({"corpus_dir": 5}, "corpus_dir must be a folder path, got int"),
    ({"index_dir": ["idx"]}, "index_dir must be a folder path, got list"),
    ({"model": 5}, "model must be text, got int"),
])
def test_open_refuses_wrong_types_naming_the_argument(kwargs, argument):
    with pytest.raises(UsageError, match=argument):
        Searcher.open(**{"corpus_dir": CORPUS, **kwargs}, embedder=FakeEmbedder())


def test_right_types_still_work(searcher, tmp_path):
    assert searcher.ask("NPS", top_k=1, glossaries=("office-gurus-bpo",))[0].entry.glossary == "office-gurus-bpo"
    assert searcher.duplicates(bands=["identical"]) and searcher.related("NPS", top_k=2)
    assert Searcher.open(str(CORPUS), str(tmp_path / "idx"), embedder=FakeEmbedder()).ask("AHT")


def test_non_latin_names_are_reachable(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ru.yaml").write_text(
        "title: Русский\nentries:\n  - term: Время ожидания\n    definition: Сколько клиент ждёт ответа.\n"
        "  - term: C#\n    definition: A language.\n  - term: C++\n    definition: Another language.\n"
        "  - term: Caf\u00e9 Queue\n    definition: A queue.\n", encoding="utf-8")
    s = Searcher.open(corpus, tmp_path / "idx", embedder=FakeEmbedder())
    assert s.find_entry("время ожидания").term == "Время ожидания"
    assert s.related("ВРЕМЯ ОЖИДАНИЯ", top_k=1)
    assert s.find_entry("c#").term == "C#" and s.find_entry("C++").term == "C++"
    assert s.find_entry("Cafe\u0301 queue").term == "Caf\u00e9 Queue"  # NFD spelling of an NFC name
