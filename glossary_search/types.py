"""Dataclasses passed around inside the package; JSON exists only at the CLI edge."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    """One definition of one term in one glossary, with where it came from in the seed."""

    glossary: str
    position: int  # 1-based order inside its glossary file
    term: str
    definition: str
    acronym: str | None = None
    aliases: tuple[str, ...] = ()
    see: str | None = None
    question: str | None = None
    line: int | None = None
    end_line: int | None = None
    term_line: int | None = None
    term_origin: str = "seed"
    truncated: bool = False

    @property
    def id(self) -> str:
        return f"{self.glossary}#{self.position}"

    @property
    def label(self) -> str:
        """Term with its acronym, as people write it: 'Average Handle Time (AHT)'."""
        return f"{self.term} ({self.acronym})" if self.acronym else self.term

    @property
    def names(self) -> tuple[str, ...]:
        """Every name this entry answers to: term, acronym, aliases."""
        return tuple(n for n in (self.term, self.acronym, *self.aliases) if n)


@dataclass(frozen=True)
class Glossary:
    """One YAML file of the corpus."""

    id: str
    title: str
    source: str | None
    path: str
    entries: tuple[Entry, ...]
    furniture: tuple[int, ...] = ()
    description: str | None = None
    short_title: str | None = None  # for chips, badges and legends; display.glossary_name derives one if absent



@dataclass(frozen=True)
class Hit:
    """One answer to a question: the entry, a 0..1 relevance, and why it matched."""

    entry: Entry
    score: float
    matched: str  # "term", "acronym", "alias" or "definition"
    matched_text: str = ""  # the name or the words that matched
    dense: float = 0.0  # cosine similarity of question and entry
    strength: str = "good"  # "strong", "good" or "weak": how close, in words


@dataclass(frozen=True)
class DuplicatePair:
    """Two entries that may define one concept, with the evidence (0..1) and what it is made of."""

    a: Entry
    b: Entry
    evidence: float  # what the band is decided on: 1.0 when named one concept, else see `basis`
    similarity: float  # cosine of the two definitions
    name_similarity: float  # cosine of the two names (term, acronym, aliases)
    word_overlap: float  # Jaccard of stemmed definition words
    band: str  # "identical", "same", "related"
    # "named": same term or nested acronym; "declared": joined by a 'See X.' reference;
    # "meaning": the mean of the three above, over the two entries and their namesakes;
    # "heads": as "meaning", but names nested with different heads ('Queue', 'Queue Time') cap it at related;
    # "acronyms": as "meaning", but the two are abbreviated differently (FRT, ART), which caps it at related;
    # "narrower": as "meaning", but one is the other qualified ('Contact Center CRM' (CRM), 'CRM'): related;
    # "apart": as "meaning", short of the more evidence asked of two terms one glossary defines: related;
    # "numbers": as "meaning", but the two definitions give different numbers (Promoter 9-10, Detractor 0-6).
    basis: str = "meaning"


@dataclass(frozen=True)
class ConceptGroup:
    """Entries that define one concept, within or across glossaries."""

    canonical: str
    entries: tuple[Entry, ...]
    score: float  # the weakest pair's evidence: every two members are at least this close
    band: str
    pairs: tuple[DuplicatePair, ...] = field(default=())


@dataclass(frozen=True)
class Related:
    entry: Entry
    score: float


@dataclass(frozen=True)
class IndexUpdate:
    """What refreshing the index did, in a user's terms (the app shows it after a glossary is added): entries
    with a text the model embedded now, entries whose vectors all came from the embedding cache, and the same
    in texts. `notes` are the notices these figures stand for (why the index was stale, with its hashes)."""

    entries_embedded: int
    entries_reused: int
    texts_embedded: int
    texts_reused: int
    notes: tuple[str, ...] = ()
