"""Duplicates report as JSON-ready dicts, CSV and Markdown: what a glossary owner cleans up from."""
from __future__ import annotations

import csv
import io
from typing import Sequence

from .concepts import named_alike
from .types import ConceptGroup


def group_json(group: ConceptGroup) -> dict:
    """The stable `duplicates --json` line: score, band, canonical, entries."""
    return {
        "score": group.score,
        "band": group.band,
        "canonical": group.canonical,
        "entries": [{"term": e.term, "definition": e.definition, "glossary": e.glossary, "id": e.id}
                    for e in group.entries],
    }


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
    return ""


def to_csv(groups: Sequence[ConceptGroup]) -> str:
    """One row per entry, grouped: spreadsheet-friendly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["group", "band", "score", "canonical", "glossary", "term", "acronym", "definition", "id", "why"])
    for n, g in enumerate(groups, start=1):
        why = basis_note(g)
        for e in g.entries:
            writer.writerow([n, g.band, f"{g.score:.3f}", g.canonical, e.glossary, e.term, e.acronym or "",
                             e.definition, e.id, why])
    return out.getvalue()


def to_markdown(groups: Sequence[ConceptGroup]) -> str:
    lines = ["# Near-duplicate terms", "", f"{len(groups)} group(s).", ""]
    for n, g in enumerate(groups, start=1):
        why = basis_note(g)
        lines += [f"## {n}. {g.canonical} — {g.band} (score {g.score:.2f}{', ' + why if why else ''})", "",
                  "| glossary | term | definition |", "|---|---|---|"]
        for e in g.entries:
            definition = " ".join(e.definition.split()).replace("|", "\\|")
            lines.append(f"| {e.glossary} | {e.label.replace('|', '/')} | {definition} |")
        lines.append("")
    return "\n".join(lines)
