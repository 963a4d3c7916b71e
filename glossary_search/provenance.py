"""Check a glossary against its seed text: nothing lost, nothing invented, no page furniture."""
from __future__ import annotations

import re
from pathlib import Path

from .errors import CorpusError
from .types import Glossary

SYNONYMS_TAIL = " Acronyms/ Synonyms: "
PROMO_STARTS = ("Explore ", "Find out ", "Discover ", "Check out ")
FURNITURE_MARKS = ("Read More »",)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def seed_lines(glossary: Glossary, sources_dir: str | Path) -> list[str]:
    """The seed text's lines; CorpusError (naming file and line) when it is unreadable or not UTF-8."""
    path = Path(sources_dir) / glossary.source
    try:
        raw = path.read_bytes()
        return raw.decode("utf-8").split("\n")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the seed as UTF-8.") from exc
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror}") from exc


def fidelity_problems(glossary: Glossary, lines: list[str]) -> list[str]:
    """Every way the glossary departs from its seed; an empty list means faithful.

    Each non-blank seed line must be a definition (verbatim, whitespace aside, with an
    'Acronyms/ Synonyms:' tail moved to aliases), a term heading/question, or declared furniture.
    """
    problems: list[str] = []
    accounted: dict[int, str] = {}
    for e in glossary.entries:
        name = f"{glossary.id} entry {e.position} ({e.term!r})"
        if e.line is None:
            problems.append(f"{name}: no 'line' recorded")
            continue
        end = e.end_line or e.line
        span = squash(" ".join(lines[e.line - 1 : end]))
        allowed = {squash(e.definition)}
        if e.aliases:
            allowed.add(squash(e.definition + SYNONYMS_TAIL + ", ".join(e.aliases)))
        if span not in allowed:
            problems.append(f"{name}: definition differs from seed lines {e.line}-{end}")
        if any(mark in e.definition for mark in FURNITURE_MARKS):
            problems.append(f"{name}: definition carries page furniture")
        for n in range(e.line, end + 1):
            accounted[n] = "definition"
        if e.term_line:
            heading = lines[e.term_line - 1].strip()
            if e.question and e.question != heading:
                problems.append(f"{name}: question differs from seed line {e.term_line}")
            # An FAQ question names the concept by acronym; its answer spells the term out.
            named_in = heading + (" " + e.definition if e.question else "")
            if e.term_origin == "seed" and not _names_heading(e.term, e.acronym, named_in):
                problems.append(f"{name}: term is not the seed's heading {heading!r}")
            accounted[e.term_line] = "term"
    for n in glossary.furniture:
        text = lines[n - 1].strip()
        if n != 1 and not text.startswith(PROMO_STARTS):
            problems.append(f"{glossary.id}: line {n} is declared furniture but looks like content: {text[:60]!r}")
        accounted[n] = "furniture"
    for n, text in enumerate(lines, start=1):
        if text.strip() and n not in accounted:
            problems.append(f"{glossary.id}: seed line {n} is in no entry: {text.strip()[:60]!r}")
    return problems


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.casefold()))


def _names_heading(term: str, acronym: str | None, text: str) -> bool:
    """A seed-origin term (and its acronym, plural aside) must be spelled out in the seed text."""
    acronym_words = {w.rstrip("s") for w in _words(acronym or "")}
    return _words(term) <= _words(text) and acronym_words <= {w.rstrip("s") for w in _words(text)}
