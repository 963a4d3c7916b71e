"""Exact and fuzzy matching of term names, acronyms and aliases in a question (rapidfuzz)."""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Sequence

from rapidfuzz import fuzz

from .types import Entry

# Leading and trailing words that frame a question but name nothing.
_LEAD = re.compile(
    r"^(?:(?:please|pls)\s+)?(?:what(?:'s| is| are| does| do)?|whats|define|definition of|meaning of|explain|"
    r"describe|tell me about|how (?:do|can|should) (?:i|we|you)|how to|what is meant by|what do you mean by|"
    r"is there a term for|the term for|term for)\b\s*(?:(?:a|an|the)\s+)?",
    re.IGNORECASE,
)
_TRAIL = re.compile(
    r"\s*(?:\b(?:mean|means|stand for|stands for|in (?:a )?(?:call|contact) cent(?:er|re)s?|in cx|exactly)\b\s*)+[?.!]*$",
    re.IGNORECASE,
)
_DIFFERENCE = re.compile(r"\b(?:vs\.?|versus|compared (?:to|with)|or|and)\b|,", re.IGNORECASE)
# The combining diacritics NFKD splits off Latin, Greek and Cyrillic letters (é = e + U+0301): folded away.
# Other scripts' combining signs (Devanagari virama, Arabic vowel marks) are parts of their words: kept.
_DIACRITICS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_STOP = {
    "a", "an", "the", "is", "it", "in", "on", "of", "to", "for", "and", "or", "as", "at", "by", "be", "do",
    "we", "us", "me", "my", "our", "i", "how", "what", "why", "who", "are", "can", "vs", "if", "so", "no",
}


def fold(text: str) -> str:
    """Lower-case words only, plural 's' folded, so 'KPIs' meets 'KPI' and 'Channels' meets 'Channel'."""
    words = _words(text)
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def _words(text: str) -> list[str]:
    """Case-folded words, accents folded (NFKD without its diacritics: 'Café' -> 'cafe', not 'caf'), other
    scripts' letters and signs kept ('Время ожидания', 'हिंदी'). Pure ASCII, nearly every text, is one regex."""
    if text.isascii():
        return re.findall(r"[0-9a-z]+", text.casefold())
    bare = _DIACRITICS.sub("", unicodedata.normalize("NFKD", text.casefold()))
    # A word is letters and digits of any script and the marks inside it (Indic vowel signs and virama).
    return "".join(ch if ch.isalnum() or unicodedata.category(ch)[0] == "M" else " " for ch in bare).split()


def core_phrases(question: str) -> list[str]:
    """The phrase(s) a question asks about: 'what is the difference between CSAT and NPS?' -> [CSAT, NPS]."""
    text = question.strip().rstrip("?!. ")
    text = re.sub(r"^(?:what(?:'s| is)? the )?difference(?:s)? between\s+", "", text, flags=re.IGNORECASE)
    text = _TRAIL.sub("", _LEAD.sub("", text)).strip()
    phrases = [text] if text else []
    parts = [re.sub(r"^(?:a|an|the)\s+", "", p.strip(), flags=re.IGNORECASE) for p in _DIFFERENCE.split(text)]
    parts = [p for p in parts if p]
    if len(parts) > 1:
        phrases += parts
    return phrases


@dataclass(frozen=True)
class NameMatch:
    score: float  # 0..1
    kind: str  # "term", "acronym" or "alias"
    name: str


class NameMatcher:
    """Scores every entry by how well the question names it: exact, acronym, contained, or misspelt."""

    def __init__(self, entries: Sequence[Entry], specificity: dict[str, float] | None = None):
        self._names: list[tuple[int, str, str, str]] = []  # (entry index, kind, name, folded)
        self.acronyms: dict[str, list[int]] = {}
        for i, e in enumerate(entries):
            self._names.append((i, "term", e.term, fold(e.term)))
            if e.acronym:
                self._names.append((i, "acronym", e.acronym, fold(e.acronym)))
                self.acronyms.setdefault(fold(e.acronym), []).append(i)
            for alias in e.aliases:
                self._names.append((i, "alias", alias, fold(alias)))
        self._entries = entries
        if specificity is None:  # prepared.py saves it: folding every definition takes seconds at 100k
            definitions = [f" {fold(e.definition)} " for e in entries]
            specificity = specificities([key for _, _, _, key in self._names if key], definitions)
        self._specificity = specificity

    @property
    def specificity(self) -> dict[str, float]:
        return self._specificity

    def match(self, question: str) -> dict[int, NameMatch]:
        """Best match per entry index; entries the question does not name are absent."""
        best: dict[int, NameMatch] = {}
        phrases = [fold(p) for p in core_phrases(question)]
        phrases = [p for p in phrases if p]
        folded_q = fold(question)
        q_tokens = set(folded_q.split())
        for i, kind, name, key in self._names:
            if not key:
                continue
            score = 0.0
            if kind == "acronym" and " " not in key:
                if key in q_tokens and (key not in _STOP or _written_upper(question, name)):
                    score = 0.97 if any(p == key for p in phrases) else 0.9
            elif any(p == key for p in phrases):
                score = 1.0
            else:
                contained = f" {key} " in f" {folded_q} "
                if contained and (len(key.split()) > 1 or key not in _STOP):
                    # Named inside the asked-about phrase: the more of it the name covers, the better.
                    inside = [p for p in phrases if f" {key} " in f" {p} "]
                    coverage = max((len(key.split()) / len(p.split()) for p in inside), default=0.0)
                    # A generic word ('customer') in a long question names nothing, and a name that many
                    # definitions use ('agent', 'queue') is weak evidence of the entry itself.
                    score = (0.6 + 0.3 * coverage if coverage >= 0.3 else 0.45) * self._specificity[key]
                elif len(key) >= 8:
                    # Typos: whole phrase against the name, or the name inside a longer question.
                    ratio = max((fuzz.ratio(p, key) for p in phrases), default=0.0)
                    partial = fuzz.partial_ratio(key, folded_q) if len(folded_q) > len(key) else 0.0
                    if ratio >= 85:
                        score = 0.95 * ratio / 100
                    elif partial >= 88 and len(key.split()) > 1:
                        score = 0.55 + 0.3 * (partial - 88) / 12
            if score > 0 and (i not in best or score > best[i].score):
                best[i] = NameMatch(score, kind, name)
        return best

    def expand_acronyms(self, question: str) -> str:
        """Append what the corpus says each acronym in the question stands for ('AHT' -> 'Average Handle Time')."""
        extra = []
        for token in set(fold(question).split()):
            if token in self.acronyms and (token not in _STOP or _written_upper(question, token)):
                extra += sorted({self._entries[i].term for i in self.acronyms[token]})
        return f"{question} ({'; '.join(extra)})" if extra else question


def _specificity(key: str, definitions: Sequence[str]) -> float:
    """How specific a folded name is, 0..1: an idf over the definitions that use it ('abandonment rate' 1.0,
    'agent' about 0.3), so a name inside a question counts less the more of the glossary it runs through."""
    used = sum(f" {key} " in d for d in definitions)
    return min(1.0, math.log((len(definitions) + 1) / (used + 1)) / math.log(len(definitions) + 1))


def specificities(keys: Sequence[str], definitions: Sequence[str]) -> dict[str, float]:
    """`_specificity` of every key, equal to it but near-linear: a key is looked for only in the definitions
    holding its rarest word (an inverted index), not in all of them (12 s per 10k entries, hours at 100k)."""
    postings: dict[str, list[int]] = {}
    for d, text in enumerate(definitions):
        for word in set(text.split()):
            postings.setdefault(word, []).append(d)
    n = len(definitions)
    out: dict[str, float] = {}
    for key in dict.fromkeys(keys):
        words = key.split()
        rarest = min((postings.get(w, ()) for w in words), key=len)
        used = len(rarest) if len(words) == 1 else sum(f" {key} " in definitions[d] for d in rarest)
        out[key] = min(1.0, math.log((n + 1) / (used + 1)) / math.log(n + 1))
    return out


def _written_upper(question: str, name: str) -> bool:
    """'IT', 'TA', 'AS' count as acronyms only when written in capitals."""
    return re.search(rf"\b{re.escape(name.upper())}s?\b", question) is not None
