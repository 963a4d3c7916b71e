"""What text stands for an entry in the vector index (chosen by measurement: see README, 'Evaluation')."""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from .identity import spelled_out
from .types import Entry

SCHEMES = ("definition", "label_definition", "multi")
DEFAULT_SCHEME = "multi"


class Row(NamedTuple):
    """One embedded text of an entry: `kind` is full, names, definition or paragraph."""

    kind: str
    text: str


def names_text(entry: Entry) -> str:
    """The entry's names: its label, aliases, the question it answers, and the name an acronym-only term's
    definition spells out ('CPA': 'Cost per Acquisition: ...'; identity.spelled_out)."""
    parts = [entry.label, *entry.aliases]
    if expanded := spelled_out(entry):
        parts.append(expanded)
    if entry.question:
        parts.append(entry.question)
    return "; ".join(parts)


def entry_rows(entry: Entry, scheme: str = DEFAULT_SCHEME) -> list[Row]:
    """Texts to embed for one entry; the first is its primary vector (related concepts and the map)."""
    if scheme == "definition":
        return [Row("definition", entry.definition)]
    full = Row("full", f"{names_text(entry)}: {entry.definition}")
    if scheme == "label_definition":
        return [full]
    if scheme == "multi":
        # Names alone match questions that name the term; the bare definition matches questions that
        # describe it without naming it (tune split: +4 points hit@1 over label+definition alone).
        rows = [full, Row("names", names_text(entry)), Row("definition", entry.definition)]
        paragraphs = [p for p in entry.definition.split("\n\n") if p.strip()]
        if len(paragraphs) > 1:  # long FAQ answers: each paragraph is findable on its own
            rows += [Row("paragraph", f"{entry.label}: {p}") for p in paragraphs]
        return rows
    raise ValueError(f"Unknown text scheme {scheme!r}; valid schemes: {', '.join(SCHEMES)}.")


def corpus_rows(entries: Sequence[Entry], scheme: str = DEFAULT_SCHEME) -> tuple[list[Row], np.ndarray]:
    """All rows to embed, and which entry (by position in `entries`) each row belongs to."""
    rows: list[Row] = []
    owners: list[int] = []
    for i, entry in enumerate(entries):
        mine = entry_rows(entry, scheme)
        rows += mine
        owners += [i] * len(mine)
    return rows, np.asarray(owners, dtype=np.int64)


def rows_of_kind(rows: Sequence[Row] | np.ndarray, owners: np.ndarray, kind: str) -> np.ndarray:
    """Per entry, the index of its row of `kind`, or of its primary row where the scheme has none.
    `rows`: the Rows, or an array of their kinds (prepared.py keeps that)."""
    kinds = rows if isinstance(rows, np.ndarray) else np.array([row.kind for row in rows], dtype=str)
    picked = np.unique(owners, return_index=True)[1]
    mine = np.flatnonzero(kinds == kind)
    picked[owners[mine]] = mine
    return picked


def keyword_text(entry: Entry) -> str:
    """What BM25 scores: names count twice, so a term named in a question outweighs a passing mention."""
    names = names_text(entry)
    return f"{names} {names} {entry.definition}"
