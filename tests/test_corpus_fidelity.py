"""The YAML corpus is faithful to the five seeds: nothing lost, nothing invented, no furniture."""
from __future__ import annotations

import dataclasses
import re

import pytest

from glossary_search.corpus import load_corpus
from glossary_search.provenance import fidelity_problems, seed_lines

from .conftest import CORPUS, SOURCES

CORPUS_OBJ = load_corpus(CORPUS)
GLOSSARIES = {g.id: g for g in CORPUS_OBJ.glossaries}


def test_every_seed_has_a_glossary_and_a_verbatim_copy():
    seeds = sorted(p.name for p in (CORPUS.parent.parent / "shared" / "seeds").glob("*.txt"))
    copies = sorted(p.name for p in SOURCES.glob("*.txt"))
    named = sorted(g.source for g in CORPUS_OBJ.glossaries)
    assert copies == named and len(named) == 5
    if seeds:  # ../shared is beside the repo in CI and on a developer machine
        assert seeds == copies
        for name in seeds:
            original = (CORPUS.parent.parent / "shared" / "seeds" / name).read_bytes()
            assert (SOURCES / name).read_bytes() == original


@pytest.mark.parametrize("gid", sorted(GLOSSARIES))
def test_glossary_is_faithful_to_its_seed(gid):
    g = GLOSSARIES[gid]
    assert fidelity_problems(g, seed_lines(g, SOURCES)) == []


def test_a_dropped_entry_is_caught():
    g = GLOSSARIES["customer-service-terms"]
    dropped = dataclasses.replace(g, entries=g.entries[:10] + g.entries[11:])
    problems = fidelity_problems(dropped, seed_lines(g, SOURCES))
    assert len(problems) == 1 and "seed line 12 is in no entry" in problems[0]


def test_an_altered_definition_is_caught():
    g = GLOSSARIES["contact-center-consulting"]
    e = g.entries[4]  # Contact Center Software: "...suite of tools..."
    altered = dataclasses.replace(e, definition=e.definition.replace("tools", "instruments"))
    bad = dataclasses.replace(g, entries=g.entries[:4] + (altered,) + g.entries[5:])
    assert any("definition differs" in p for p in fidelity_problems(bad, seed_lines(g, SOURCES)))


def test_content_declared_as_furniture_is_caught():
    g = GLOSSARIES["office-gurus-bpo"]
    bad = dataclasses.replace(g, furniture=g.furniture + (2,), entries=g.entries[1:])
    assert any("looks like content" in p for p in fidelity_problems(bad, seed_lines(g, SOURCES)))


def test_every_entry_has_a_term_and_no_furniture_in_text():
    for e in CORPUS_OBJ.entries:
        assert e.term.strip() and e.definition.strip()
        assert "Read More" not in e.definition and "Acronyms/ Synonyms" not in e.definition
        assert not e.definition.startswith(("Explore ", "Find out ", "Discover ", "Check out "))


def test_every_acronym_in_a_seed_term_is_in_the_acronym_field():
    for g in CORPUS_OBJ.glossaries:
        lines = seed_lines(g, SOURCES)
        for e in g.entries:
            if e.term_line and not e.question:
                for acr in re.findall(r"\(([A-Za-z][A-Za-z0-9]*)\)", lines[e.term_line - 1]):
                    assert e.acronym and acr.rstrip("s") in e.acronym, (g.id, e.term, acr)
    by_acronym = {e.acronym for e in CORPUS_OBJ.entries}
    for acr in ["AHT", "FCR", "CSAT", "NPS", "CES", "CLV", "CPH", "CPC", "CAC", "TA", "PTR"]:
        assert acr in by_acronym


def test_cross_references_are_kept_and_unresolved_ones_reported():
    see = [e for e in CORPUS_OBJ.entries if e.see]
    assert {e.term for e in see} >= {"Contact Center as a Service", "Contact Channels", "Critical Error"}
    unresolved = {e.see for e in CORPUS_OBJ.unresolved_see()}
    assert unresolved == {"Cloud Contact Center", "Compliance Critical Error"}
    channels = next(e for e in see if e.see == "Channels")
    assert {x.term for x in CORPUS_OBJ.resolve_see(channels)} == {"Channels", "Contact Channels"}


def test_truncated_definitions_are_marked():
    for e in GLOSSARIES["outsourcing-terms"].entries:
        assert e.truncated == (not e.definition.endswith((".", "?", "!"))), e.term
    assert sum(e.truncated for e in CORPUS_OBJ.entries) == 5


def test_duplicates_within_a_seed_stay_separate_entries():
    callbacks = [e for e in GLOSSARIES["outsourcing-terms"].entries if e.term == "Callback"]
    orders = [e for e in GLOSSARIES["office-gurus-bpo"].entries if e.term == "Order Management Support"]
    assert len(callbacks) == 2 and len(orders) == 2
    assert callbacks[0].definition == callbacks[1].definition


def test_faq_entries_keep_question_and_answer():
    faq = GLOSSARIES["contact-center-faq"]
    ta = next(e for e in faq.entries if e.acronym == "TA")
    assert ta.question == "What is TA in call center?" and ta.term == "Technical Assistance"
    assert ta.definition.count("\n\n") == 2  # three paragraphs kept
