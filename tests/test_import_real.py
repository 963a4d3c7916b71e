"""A new user's own glossary, imported, meets the corpus's terms as one concept when it names them alike."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from glossary_search import cli
from glossary_search.search import Searcher

from .conftest import seeded_index

pytestmark = pytest.mark.slow

MINE = """term,definition,aliases
Abandon Rate,Percentage of callers who hang up before an agent answers.,
AHT,"The average time an agent spends handling one customer contact, including talk, hold and after-call work.",
CRM,Software that stores customer records and the history of every interaction with them.,
Agent,A person who answers customer contacts in a contact center.,
Call Center,"A site where agents take and make telephone calls; often named contact center too.",Contact Center
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


def test_a_bare_word_meets_the_family_a_glossary_says_it_is_also_known_as(searcher):
    """'Agent' is the corpus's Agent, and through 'Customer Service Representatives ... Also known as ...
    agents' (contact-center-consulting) the representatives too; never Corporate Social Responsibility."""
    terms = concept_terms(searcher, "Agent")
    assert {("customer-service-terms", "Agent"), ("customer-service-terms", "Customer Service Representative"),
            ("contact-center-consulting", "Customer Service Representatives")} <= terms
    assert ("outsourcing-terms", "Corporate Social Responsibility") not in terms


def test_an_acronym_of_part_of_a_term_does_not_make_the_narrower_term_the_same_concept(searcher):
    crm = concept_terms(searcher, "CRM")
    assert ("contact-center-consulting", "Contact Center Customer Relationship Management") not in crm


def test_an_alias_does_not_make_two_terms_other_glossaries_define_apart_one_concept(searcher):
    """The user's 'Call Center' lists 'Contact Center' as an alias; the corpus defines the two apart (Office
    Gurus has both), so the user's entry is the corpus's Call Center, not its Contact Center."""
    terms = concept_terms(searcher, "Call Center")
    assert {("customer-service-terms", "Call Center"), ("office-gurus-bpo", "Call Center")} <= terms
    assert not {("office-gurus-bpo", "Contact Center"), ("contact-center-faq", "Contact Center")} & terms
