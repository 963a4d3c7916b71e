"""glossary-search: semantic search and Q&A over business glossaries."""
from .corpus import Corpus, load_corpus
from .errors import (
    CorpusError,
    GlossaryError,
    IndexFileError,
    IndexLockedError,
    ModelError,
    UnknownTermError,
    UsageError,
)
from .types import ConceptGroup, DuplicatePair, Entry, Glossary, Hit, Related

__all__ = [
    "Corpus", "load_corpus", "Entry", "Glossary", "Hit", "Related", "DuplicatePair", "ConceptGroup",
    "GlossaryError", "CorpusError", "IndexFileError", "IndexLockedError", "ModelError",
    "UnknownTermError", "UsageError", "Searcher",
]


def __getattr__(name: str):
    # Searcher pulls in numpy/faiss; import it only when asked for.
    if name == "Searcher":
        from .search import Searcher

        return Searcher
    raise AttributeError(name)
