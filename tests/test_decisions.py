"""The duplicates review: decisions saved in corpus/decisions.yaml, respected by the duplicate finder, the
term pages and the exports; undone; driven from the CLI."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from glossary_search import cli
from glossary_search.corpus import load_corpus
from glossary_search.decisions import FILE_NAME, Decisions
from glossary_search.errors import CorpusError, UsageError
from glossary_search.report import to_csv
from glossary_search.search import Searcher

NPS_A, NPS_B = "customer-service-terms#55", "office-gurus-bpo#70"


@pytest.fixture
def searcher(corpus_copy, tmp_path, fake_embedder):
    return Searcher.open(corpus_copy, tmp_path / "index", embedder=fake_embedder)


def pair_ids(pairs) -> set[frozenset[str]]:
    return {frozenset((p.a.id, p.b.id)) for p in pairs}


def test_a_decision_round_trips_through_a_readable_file_written_atomically(tmp_path):
    d = Decisions().decide("g#2", "g#1", "same", preferred="g#2", by="anna", terms=("Two", "One"))
    d.save(tmp_path)
    text = (tmp_path / FILE_NAME).read_text()
    assert "verdict: same" in text and "by: anna" in text and "pair:\n  - g#1\n  - g#2" in text
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]  # no temporary file left behind
    loaded = Decisions.load(tmp_path)
    [one] = list(loaded)
    assert (one.a, one.b, one.verdict, one.preferred, one.by, one.terms) == ("g#1", "g#2", "same", "g#2", "anna",
                                                                            ("One", "Two"))
    assert len(loaded.decide("g#1", "g#2", "different")) == 1  # a newer verdict replaces the older
    assert len(loaded.undo("g#2", "g#1")) == 0
    with pytest.raises(UsageError, match="No decision"):
        Decisions().undo("g#1", "g#2")


@pytest.mark.parametrize("content, message", [
    ("decisions:\n- pair: [a#1, a#1]\n  verdict: same\n", "two different entry ids"),
    ("decisions:\n- pair: [a#1, a#2]\n  verdict: maybe\n", "valid verdicts"),
    ("decisions:\n- pair: [a#1, a#2]\n  verdict: same\n  preferred: b#9\n", "one of the pair"),
    ("x: &a [1]\ndecisions: *a\n", "anchors and aliases"),
    ("decisions: 5\n", "a list 'decisions'"),
])
def test_a_broken_review_file_is_one_clear_error(tmp_path, content, message):
    (tmp_path / FILE_NAME).write_text(content)
    with pytest.raises(CorpusError, match=message):
        Decisions.load(tmp_path)


def test_the_review_file_is_not_read_as_a_glossary(corpus_copy):
    Decisions().decide(NPS_A, NPS_B, "same").save(corpus_copy)
    assert len(load_corpus(corpus_copy).glossaries) == 5


def test_not_the_same_removes_a_suggestion_and_undo_brings_it_back(searcher, corpus_copy):
    suggestion = next(p for p in searcher.duplicate_pairs() if p.basis == "meaning" and p.band == "same")
    key = frozenset((suggestion.a.id, suggestion.b.id))
    decided = searcher.decisions.decide(suggestion.a.id, suggestion.b.id, "different")
    decided.save(corpus_copy)
    searcher.review(decided)
    assert key not in pair_ids(searcher.duplicate_pairs())
    assert not any({suggestion.a.id, suggestion.b.id} <= {e.id for e in g.entries}
                   for g in searcher.duplicates(bands=["identical", "same", "related"]))
    searcher.review(decided.undo(suggestion.a.id, suggestion.b.id))
    assert key in pair_ids(searcher.duplicate_pairs())


def test_same_joins_two_concepts_names_the_preferred_entry_and_reaches_the_exports(searcher):
    a, b = searcher.entry("outsourcing-terms#1"), searcher.entry("office-gurus-bpo#1")
    assert searcher.concept_of(a) is None or b not in searcher.concept_of(a).entries
    searcher.review(searcher.decisions.decide(a.id, b.id, "same", preferred=b.id))
    group = searcher.concept_of(a)
    assert group is not None and b in group.entries and group.canonical == b.label
    assert b in searcher.same_concept(a)  # the term page
    pair = next(p for p in searcher.duplicate_pairs() if frozenset((p.a.id, p.b.id)) == frozenset((a.id, b.id)))
    assert pair.basis == "reviewed" and pair.band in ("same", "identical")
    assert "reviewed: same concept" in to_csv([group])  # the exports say it was reviewed


def test_related_keeps_a_pair_apart_but_listed(searcher):
    same = next(p for p in searcher.duplicate_pairs() if p.band == "same")
    searcher.review(searcher.decisions.decide(same.a.id, same.b.id, "related"))
    pair = next(p for p in searcher.duplicate_pairs() if frozenset((p.a.id, p.b.id)) == frozenset((same.a.id, same.b.id)))
    assert (pair.band, pair.basis) == ("related", "reviewed")
    assert same.b not in searcher.same_concept(same.a)


def test_decisions_are_read_at_open_so_they_survive_a_rebuild(searcher, corpus_copy, tmp_path, fake_embedder):
    suggestion = next(p for p in searcher.duplicate_pairs() if p.basis == "meaning")
    searcher.decisions.decide(suggestion.a.id, suggestion.b.id, "different").save(corpus_copy)
    reopened = Searcher.open(corpus_copy, tmp_path / "index", embedder=fake_embedder, rebuild=True)
    assert frozenset((suggestion.a.id, suggestion.b.id)) not in pair_ids(reopened.duplicate_pairs())


def test_cli_review_decide_list_undo(corpus_copy):
    run = lambda *args: CliRunner().invoke(cli.cli, ["review", *args, "--corpus", str(corpus_copy)])  # noqa: E731
    result = run("decide", NPS_A, NPS_B, "same", "--preferred", NPS_B, "--by", "anna")
    assert result.exit_code == 0, result.output
    assert "Net Promoter Score (NPS)" in result.output and (corpus_copy / FILE_NAME).is_file()
    listed = run("list", "--json")
    assert [json.loads(line) for line in listed.stdout.splitlines()] == [
        {"pair": [NPS_A, NPS_B], "verdict": "same", "preferred": NPS_B, "by": "anna",
         "at": json.loads(listed.stdout.splitlines()[0])["at"]}]
    assert "same concept" in run("list").stdout
    assert run("undo", NPS_B, NPS_A).exit_code == 0
    assert run("list", "--json").stdout == ""
    assert not (corpus_copy / FILE_NAME).exists()  # undoing the only review leaves the folder as it was
    bad = run("decide", NPS_A, "nowhere#1", "same")
    assert bad.exit_code == 2 and "No entry with id 'nowhere#1'" in bad.output
    again = run("undo", NPS_A, NPS_B)
    assert again.exit_code == 2 and "No decision" in again.output
