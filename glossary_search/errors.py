"""Typed errors: the library raises these; the CLI and the app turn them into one sentence."""


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
        super().__init__(f"No term named {term!r} in the corpus.{hint}")


class IndexLockedError(GlossaryError):
    """Another process is building the index."""


class ImportFileError(GlossaryError):
    """A file given to import cannot become a glossary; the message names the file and its row or line."""


__all__ = [
    "GlossaryError",
    "CorpusError",
    "IndexFileError",
    "ModelError",
    "UsageError",
    "UnknownTermError",
    "IndexLockedError",
    "ImportFileError",
]
