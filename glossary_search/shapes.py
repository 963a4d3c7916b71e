"""JSON shapes of results, built once for every face that speaks JSON (the CLI's --json and the HTTP API).

The README documents them as contracts: fields may be added, never renamed or dropped.
"""
from __future__ import annotations

from typing import Sequence

from .report import basis_note
from .types import ConceptGroup, Entry, Glossary, Hit, Related


def hit_json(hit: Hit) -> dict:
    """One answer of `ask`: the entry, its score, and why it matched."""
    e = hit.entry
    return {
        "term": e.term, "acronym": e.acronym, "definition": e.definition, "glossary": e.glossary,
        "score": hit.score, "matched": hit.matched, "matched_text": hit.matched_text,
        "strength": hit.strength, "id": e.id,
    }


def answer_json(question: str, answer, compare: Sequence[Hit] | None = None) -> dict:
    """One question's answer: its hits, what the user should be told, whether anything is close, and,
    when given (the API always gives it), the two sides of an 'X vs Y' question ([] when not one)."""
    out = {
        "question": question,
        "results": [hit_json(h) for h in answer.hits],
        "notices": list(answer.notices),
        "close_match": answer.close_match,
    }
    if compare is not None:
        out["compare"] = [hit_json(h) for h in compare]
    return out


def related_json(related: Related) -> dict:
    """One related concept, as `related --json` prints it."""
    e = related.entry
    return {"term": e.term, "acronym": e.acronym, "glossary": e.glossary, "score": related.score,
            "definition": e.definition, "id": e.id}


def group_json(group: ConceptGroup) -> dict:
    """The stable `duplicates --json` line: score, band, canonical, entries."""
    return {
        "score": group.score,
        "band": group.band,
        "canonical": group.canonical,
        "entries": [{"term": e.term, "definition": e.definition, "glossary": e.glossary, "id": e.id}
                    for e in group.entries],
    }


def group_with_basis_json(group: ConceptGroup) -> dict:
    """group_json plus why the group is there ('named alike', 'by meaning', ...), for the API."""
    return {**group_json(group), "why": basis_note(group)}


def entry_json(entry: Entry) -> dict:
    """Everything a glossary says about one entry, for a term page."""
    return {
        "id": entry.id, "term": entry.term, "acronym": entry.acronym, "aliases": list(entry.aliases),
        "definition": entry.definition, "glossary": entry.glossary, "see": entry.see,
        "question": entry.question, "truncated": entry.truncated, "term_origin": entry.term_origin,
    }


def term_page_json(entry: Entry, same_concept: Sequence[Entry], see: Sequence[Entry]) -> dict:
    """An entry with the other entries of its concept and where its 'See X.' reference leads."""
    return {**entry_json(entry),
            "same_concept": [entry_json(e) for e in same_concept if e.id != entry.id],
            "see_resolved": [e.id for e in see]}


def glossary_json(glossary: Glossary) -> dict:
    return {"id": glossary.id, "title": glossary.title, "entries": len(glossary.entries),
            "source": glossary.source, "description": glossary.description}


def error_json(error: str, detail: str) -> dict:
    """Every API error: a short kind ('bad_request', 'not_found', ...) and one sentence naming the bad value."""
    return {"error": error, "detail": detail}
