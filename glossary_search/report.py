"""Duplicates report as CSV and Markdown (JSON shapes are in shapes.py): what a glossary owner cleans up from.

Glossary text is data in both exports: a CSV cell cannot become a spreadsheet formula, and Markdown
cannot become HTML, a link or an image.
"""
from __future__ import annotations

import csv
import io
from typing import Sequence

from .concepts import named_alike
from .display import escape_md, plural
from .types import ConceptGroup

# OWASP "CSV Injection": a cell starting with one of these is a formula in Excel, LibreOffice, Sheets
# (the full-width forms too, which some spreadsheets fold).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: object) -> str:
    """A text cell a spreadsheet shows as text: a leading apostrophe defuses a formula (OWASP)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def md_text(value: object) -> str:
    """Text for a Markdown table cell or heading: every Markdown character backslashed (so no link, image,
    emphasis or autolinked URL), HTML characters as entities, one line."""
    text = " ".join(str(value).split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escape_md(text)


def basis_note(group: ConceptGroup) -> str:
    """Why a group is in its band: its names ('named alike'), its meaning alone ('by meaning', the calls to
    review: on this corpus they are right less often than named ones), or names that keep it apart."""
    if any(p.basis == "reviewed" for p in group.pairs):
        return "reviewed: " + ("same concept" if group.band != "related" else "related")
    if named_alike(group):  # its 1.00 is by name: say how far the definitions themselves agree
        agree = [p.similarity for p in group.pairs if not (p.a.see or p.b.see)] if group.band == "same" else []
        return "named alike" + (f", definitions {min(agree):.2f} similar" if agree else "")
    if group.band == "same":
        return "by meaning"
    if group.band == "related" and any(p.basis == "heads" for p in group.pairs):
        return "names of different kinds"
    if group.band == "related" and any(p.basis == "acronyms" for p in group.pairs):
        return "different acronyms"
    if group.band == "related" and any(p.basis == "narrower" for p in group.pairs):
        return "one a narrower kind"
    if group.band == "related" and any(p.basis == "apart" for p in group.pairs):
        return "one glossary defines them apart"
    if group.band == "related" and any(p.basis == "numbers" for p in group.pairs):
        return "different numbers"
    return ""


def to_csv(groups: Sequence[ConceptGroup]) -> str:
    """One row per entry, grouped: spreadsheet-friendly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "band", "score", "canonical", "glossary", "term", "acronym", "definition", "id", "why"])
    for n, g in enumerate(groups, start=1):
        why = basis_note(g)
        for e in g.entries:
            writer.writerow([n, g.band, f"{g.score:.3f}", *map(csv_cell, (
                g.canonical, e.glossary, e.term, e.acronym or "", e.definition, e.id, why))])
    return out.getvalue()


def to_markdown(groups: Sequence[ConceptGroup], settings: str | None = None) -> str:
    """The groups as a Markdown report; `settings` (what was shown, the threshold, the date) heads it."""
    lines = ["# Near-duplicate terms", "", *([md_text(settings), ""] if settings else []),
             f"{plural(len(groups), 'group')}.", ""]
    for n, g in enumerate(groups, start=1):
        why = basis_note(g)
        lines += [f"## {n}. {md_text(g.canonical)} — {g.band} (score {g.score:.2f}{', ' + why if why else ''})", "",
                  "| glossary | term | definition |", "|---|---|---|"]
        for e in g.entries:
            lines.append(f"| {md_text(e.glossary)} | {md_text(e.label)} | {md_text(e.definition)} |")
        lines.append("")
    return "\n".join(lines)
