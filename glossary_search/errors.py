"""Typed errors: the library raises these; the CLI and the app turn them into one sentence."""
from __future__ import annotations

import reprlib

_BRIEF = reprlib.Repr()
_BRIEF.maxstring = _BRIEF.maxother = 60
_BRIEF.maxlist = _BRIEF.maxtuple = _BRIEF.maxdict = _BRIEF.maxset = 4
_BRIEF.maxlevel = 2
BRIEF_CHARS = 80


def brief(value: object) -> str:
    """A short repr for messages: a value from a file or a caller may be huge (a YAML bomb expands to
    gigabytes), and a message must stay one readable line."""
    text = _BRIEF.repr(value)
    return text if len(text) <= BRIEF_CHARS else text[: BRIEF_CHARS - 3] + "..."


class GlossaryError(Exception):
    """Base class for every error this package raises on purpose."""


class CorpusError(GlossaryError):
    """A glossary file is unreadable or breaks the schema; the message names file, line, entry, field."""


class IndexFileError(GlossaryError):
    """The index on disk is missing, corrupt, or does not match the corpus or model."""


class ModelError(GlossaryError):
    """The embedding model cannot be loaded."""


class UsageError(GlossaryError):
    """A caller passed a bad value (empty question, top_k < 1, unknown term)."""


class UnknownTermError(UsageError):
    """A term that no glossary defines; carries the closest names so the caller can suggest them."""

    def __init__(self, term: str, suggestions: list[str]):
        self.term = term
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"No term named {brief(term)} in the corpus.{hint}")


class IndexLockedError(GlossaryError):
    """Another process is building the index."""


class StoreUnavailableError(GlossaryError):
    """The vector store (a Milvus server) cannot be reached; the message names its URI. Retrying may succeed."""


class ImportFileError(GlossaryError):
    """A file given to import cannot become a glossary; the message names the file and its row or line."""


__all__ = [
    "brief",
    "GlossaryError",
    "CorpusError",
    "IndexFileError",
    "ModelError",
    "UsageError",
    "UnknownTermError",
    "IndexLockedError",
    "StoreUnavailableError",
    "ImportFileError",
]
