"""Keyword scoring with bm25s (stemmed, English stop words), one score per entry."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import bm25s
from bm25s.stopwords import STOPWORDS_EN_PLUS
import numpy as np

try:  # stemming folds "waiting"/"wait", "measures"/"measure"; optional but installed by default
    import Stemmer

    _STEMMER = Stemmer.Stemmer("english")
except ImportError:  # pragma: no cover
    _STEMMER = None


class KeywordIndex:
    def __init__(self, texts: Sequence[str]):
        tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=_STEMMER, show_progress=False)
        self._vocab = tokens.vocab
        self.size = len(texts)
        # bm25s keeps words of two letters or more and cannot index a corpus with none ('Q & A', 'X'):
        # such a corpus has no keyword signal, not an error.
        self._bm25 = bm25s.BM25() if self._vocab else None
        if self._bm25 is not None:
            self._bm25.index(tokens, show_progress=False)

    def save(self, folder: Path) -> None:
        """bm25s' own files in folder (none for a corpus without keywords), for `load`."""
        folder.mkdir(parents=True, exist_ok=True)
        if self._bm25 is not None:
            self._bm25.save(folder, show_progress=False)

    @classmethod
    def load(cls, folder: Path, size: int) -> "KeywordIndex":
        """What `save` wrote, for a corpus of `size` entries: the same scores without tokenising it again."""
        index = cls.__new__(cls)
        index.size = size
        index._bm25 = bm25s.BM25.load(folder, show_progress=False) if any(folder.iterdir()) else None
        index._vocab = index._bm25.vocab_dict if index._bm25 is not None else {}
        if index._bm25 is not None and index._bm25.scores["num_docs"] != size:
            raise ValueError(f"{folder} indexes {index._bm25.scores['num_docs']} texts, not {size}")
        return index

    def query_terms(self, query: str) -> list[str]:
        """The query's stemmed words that occur in the corpus (others cannot score)."""
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False)[0]
        return [t for t in tokens if t in self._vocab]

    def telling(self, stems: set[str]) -> set[str]:
        """The stems found in at most a fifth of the entries (or two): words that say why one entry matched
        rather than another. 'customers' is in two thirds of this corpus's definitions, so sharing it
        explains nothing (a meaning match is then said to be one)."""
        if self._bm25 is None:
            return set()
        limit = max(2.0, self.size / 5)
        return {t for t in stems if t in self._vocab and np.count_nonzero(self._bm25.get_scores([t])) <= limit}

    def scores(self, query: str) -> np.ndarray:
        terms = self.query_terms(query)
        if not terms or self._bm25 is None:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)


def stem_words(text: str) -> list[str]:
    """Stemmed content words of a text, as BM25 sees them (used to say which words matched)."""
    return bm25s.tokenize([text], stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False)[0]


def stem_words_many(texts: Sequence[str]) -> list[list[str]]:
    """stem_words of many texts in one call (one call per text costs 1 ms: 100 s at 100k entries)."""
    if not texts:
        return []
    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One word as BM25 sees it (lower-cased, stemmed)."""
    word = word.lower()
    return _STEMMER.stemWord(word) if _STEMMER else word


def shared_words(question_stems: set[str], text: str) -> list[str]:
    """Words of `text` whose stems the question shares, in order, once each: why a definition matched.
    Function words are left out ('doing' shares a stem with the question's 'do' but says nothing)."""
    words = re.findall(r"[A-Za-z][A-Za-z-]+", text)
    return list(dict.fromkeys(w.lower() for w in words
                              if stem(w) in question_stems and w.lower() not in STOPWORDS_EN_PLUS))
