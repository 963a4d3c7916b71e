"""A new user's own glossary, imported, meets the corpus's terms as one concept when it names them alike."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from glossary_search import cli
from glossary_search.search import Searcher

from .conftest import seeded_index

pytestmark = pytest.mark.slow

MINE = """term,definition
Abandon Rate,Percentage of callers who hang up before an agent answers.
AHT,"The average time an agent spends handling one customer contact, including talk, hold and after-call work."
CRM,Software that stores customer records and the history of every interaction with them.
Agent,A person who answers customer contacts in a contact center.
"""


@pytest.fixture(scope="module")
def searcher(tmp_path_factory, built_index):
    from .conftest import CORPUS
    import shutil

    root = tmp_path_factory.mktemp("byo")
    corpus = root / "corpus"
    corpus.mkdir()
    for p in CORPUS.glob("*.yaml"):
        shutil.copy(p, corpus / p.name)
    (root / "mine.csv").write_text(MINE)
    result = CliRunner().invoke(cli.cli, ["import", str(root / "mine.csv"), "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    return Searcher.open(corpus, seeded_index(built_index, root / "index"))


def concept_terms(searcher, term: str) -> set[tuple[str, str]]:
    entry = searcher.entry(next(e.id for e in searcher.entries if e.glossary == "mine" and e.term == term))
    group = searcher.concept_of(entry)
    return {(e.glossary, e.term) for e in group.entries} if group else set()


def test_an_inflected_name_is_the_same_concept(searcher):
    assert ("office-gurus-bpo", "Abandonment Rate") in concept_terms(searcher, "Abandon Rate")


def test_an_acronym_alone_meets_the_term_that_spells_it_out(searcher):
    terms = concept_terms(searcher, "AHT")
    assert {("office-gurus-bpo", "Average Handle Time"), ("customer-service-terms", "Average Handle Time")} <= terms
    crm = concept_terms(searcher, "CRM")
    assert ("office-gurus-bpo", "Customer Relationship Management") in crm
