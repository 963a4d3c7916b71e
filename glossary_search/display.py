"""Text helpers for the app: corpus and question text shown as text (escaped Markdown), never as HTML."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from bm25s.stopwords import STOPWORDS_EN_PLUS

from .keyword import stem
from .types import Entry, Glossary, Hit

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$=])")
STRENGTH_WORDS = {
    "strong": "Strong match",
    "good": "Good match",
    "weak": "Weak match",
}


_WORD_JOINER = "\u2060"  # invisible; splits what the renderer would otherwise turn into a link
_AUTOLINK = re.compile(r"(?<=:)(?=\S)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)


def escape_md(text: str) -> str:
    """Text as Markdown that renders to exactly that text: no link, image, tag or icon can come out of it.

    Backslashes stop Markdown and Streamlit directives; Streamlit still turns escaped URLs, 'www.' names and
    e-mail addresses into live links and ':name:' into icons, so an invisible word joiner goes after a ':'
    that something follows ('http:', ':name'; not 'Note: ', so most copied text carries none), inside 'www.'
    and before '@'.
    """
    return _MD_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(_WORD_JOINER, str(text)))


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 entry', '2 entries': a count with its noun agreeing (never 'entry(ies)')."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


# Vega's tableau10, in its order: one colour per glossary by its place in the corpus (repeats after ten).
PALETTE = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d",
           "#bab0ac")


def glossary_colours(every: Sequence[str], shown: Iterable[str]) -> tuple[list[str], list[str]]:
    """(domain, range) for a colour scale over the glossaries `shown`: each keeps the colour of its place
    among `every` glossary of the corpus, so a filter changes which points are drawn, never their colours."""
    place = {name: n for n, name in enumerate(every)}
    domain = sorted(set(shown), key=lambda name: place.get(name, len(place)))
    return domain, [PALETTE[place.get(name, n) % len(PALETTE)] for n, name in enumerate(domain)]


def glossary_name(glossary: Glossary, limit: int = 24) -> str:
    """A short, readable name for chips, badges and legends: `short_title`, else the title without a leading
    'The' and a trailing 'Glossary', cut at a word boundary."""
    if glossary.short_title:
        return glossary.short_title
    name = re.sub(r"^the\s+|\s+glossary$", "", glossary.title.strip(), flags=re.IGNORECASE) or glossary.title
    if len(name) <= limit:
        return name
    return name[:limit].rsplit(" ", 1)[0].rstrip(" &,-") + "…"


def highlight(text: str, words: Iterable[str], color: str = "orange") -> str:
    """Escaped Markdown of `text` with every word whose stem is in `words` highlighted."""
    targets = {stem(w) for w in words if w}
    out = []
    for token in re.split(r"([A-Za-z][A-Za-z'-]*)", text):
        if token and token[0].isalpha() and stem(token) in targets:
            out.append(f":{color}-background[{escape_md(token)}]")
        else:
            out.append(escape_md(token))
    return "".join(out)


def differing_words(text: str, others: Sequence[str]) -> set[str]:
    """Words of `text` that none of the other definitions use (what a side-by-side view should highlight)."""
    other_stems = {stem(w) for o in others for w in re.findall(r"[A-Za-z][A-Za-z'-]*", o)}
    return {w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text)
            if stem(w) not in other_stems and len(w) > 3 and w.lower() not in STOPWORDS_EN_PLUS}


# Past this share of a definition's content words, "what differs" is everything: highlighting it tells nothing.
TELLING_SHARE = 0.4


def telling_differences(text: str, others: Sequence[str]) -> set[str]:
    """The differing words worth highlighting: none when the definitions are simply worded apart."""
    words = differing_words(text, others)
    content = {w for w in re.findall(r"[A-Za-z][A-Za-z'-]*", text) if len(w) > 3 and w.lower() not in STOPWORDS_EN_PLUS}
    return words if content and len(words) <= TELLING_SHARE * len(content) else set()


@dataclass
class Card:
    """One result card: a concept and every glossary's hit for it (five NPS copies make one card)."""

    title: str
    hits: list[Hit]
    keys: set[str] = field(default_factory=set)

    @property
    def best(self) -> Hit:
        return self.hits[0]


def group_hits(hits: Sequence[Hit], keys_of: Callable[[Entry], set[str]],
               apart: Callable[[Entry, Entry], bool] | None = None) -> list[Card]:
    """Merge hits that share a key (their concept, their folded term name), keeping each card at the
    rank of its best hit. `apart(a, b)` (a review decision: two concepts) keeps two entries on separate
    cards even when they share a name."""
    def clash(card: Card, entries: Sequence[Entry]) -> bool:
        return apart is not None and any(apart(h.entry, e) for h in card.hits for e in entries)

    cards: list[Card] = []
    for hit in hits:
        keys = keys_of(hit.entry)
        linked = [c for c in cards if c.keys & keys and not clash(c, [hit.entry])]
        if not linked:
            cards.append(Card(title=hit.entry.label, hits=[hit], keys=set(keys)))
            continue
        first, *rest = linked  # a hit that links two cards joins them, under the better-ranked one
        first.hits.append(hit)
        first.keys |= keys
        for card in rest:
            if clash(first, [h.entry for h in card.hits]):
                continue
            first.hits += card.hits
            first.keys |= card.keys
            cards.remove(card)
        first.hits.sort(key=lambda h: -h.score)
    return cards


def distinct_definitions(hits: Sequence[Hit]) -> list[list[Hit]]:
    """A card's hits with one wording together: a glossary that holds one definition twice (or two
    glossaries that copy it) shows it once, under every glossary that has it."""
    out: dict[tuple[str, str], list[Hit]] = {}
    for hit in hits:
        text = " ".join(hit.entry.definition.split())
        out.setdefault((hit.entry.label, text), []).append(hit)
    return list(out.values())


def entry_caption(entry: Entry, glossary: str | None = None) -> str:
    """Escaped Markdown: where the entry comes from, its other names, and what the source left out."""
    bits = [glossary or entry.glossary]
    if entry.aliases:
        bits.append("also called " + ", ".join(entry.aliases))
    if entry.truncated:
        bits.append("definition cut off in the source")
    if entry.term_origin == "curated":
        bits.append("term named by us: the source gives only the definition")
    return escape_md(" · ".join(bits))
