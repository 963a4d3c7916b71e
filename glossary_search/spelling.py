"""Spelling correction of questions against the corpus's own words ('custmer retension' -> 'customer retention').

A misspelt word breaks into sub-word pieces the model cannot read (mpnet puts 'custmer retension' nearer
Escalation than Customer Retention), so a word that is neither a word the model knows nor one the corpus
uses is replaced by the corpus word it is closest to, within one edit (two from eight letters on). Words
the model knows whole are never touched, nor their inflections ('desks', 'escalating', 'charger'), nor
short words and acronyms: correcting real words into corpus words would be worse than leaving a typo.
"""
from __future__ import annotations

import re
import threading
from collections import Counter
from typing import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from .keyword import stem

MIN_LENGTH = 5  # 'valu', 'servc': too short to tell a typo from another word
LONG_WORD = 8  # from this length two edits may be a typo ('gamefication'); below, one
_WORDS = re.compile(r"[^\W\d_]+|[\W\d_]+")


class Speller:
    """Corrects a question's unknown words to corpus words. `known` gives the words the model reads whole
    (its tokenizer's vocabulary), read on the first question; `corpus_texts` the corpus's texts, read on the
    first word the model does not know (most questions have none)."""

    def __init__(self, known: Callable[[], Iterable[str]], corpus_texts: Callable[[], Iterable[str]]):
        self._known_source = known
        self._corpus_texts = corpus_texts
        self._known: frozenset[str] | None = None
        self._known_stems: frozenset[str] = frozenset()
        self._corpus: Counter[str] | None = None
        self._corpus_stems: frozenset[str] = frozenset()
        self._choices: list[str] = []
        self._lock = threading.Lock()

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """The text with misspelt words replaced, and the (word, correction) pairs made."""
        out: list[str] = []
        changes: list[tuple[str, str]] = []
        for part in _WORDS.findall(text):
            fixed = self._fix(part) if part[:1].isalpha() else None
            if fixed is None:
                out.append(part)
                continue
            fixed = fixed.capitalize() if part[:1].isupper() else fixed
            out.append(fixed)
            changes.append((part, fixed))
        return "".join(out), changes

    def _fix(self, word: str) -> str | None:
        lower = word.casefold()
        if len(lower) < MIN_LENGTH or word.isupper() or not lower.isascii() or self._model_knows(lower):
            return None
        corpus = self._corpus_words()
        if lower in corpus or stem(lower) in self._corpus_stems:
            return None
        best = process.extractOne(lower, self._choices, scorer=DamerauLevenshtein.distance,
                                  score_cutoff=2 if len(lower) >= LONG_WORD else 1)
        return best[0] if best else None

    def _model_knows(self, word: str) -> bool:
        with self._lock:
            if self._known is None:
                self._known = frozenset(w.casefold() for w in self._known_source())
                self._known_stems = frozenset(stem(w) for w in self._known)
        # A known word, an inflection of one ('escalating'), or one with a suffix added ('desks', 'charger').
        return (word in self._known or stem(word) in self._known_stems
                or any(word[:-k] in self._known for k in (1, 2, 3) if len(word) - k >= 4))

    def _corpus_words(self) -> Counter[str]:
        with self._lock:
            if self._corpus is None:
                counts = Counter(w for text in self._corpus_texts() for w in re.findall(r"[a-z]+", text.casefold()))
                # The most used first: a tie in distance goes to the commoner word.
                self._choices = [w for w, _ in counts.most_common() if len(w) >= MIN_LENGTH - 1]
                self._corpus_stems = frozenset(stem(w) for w in counts)
                self._corpus = counts
            return self._corpus
