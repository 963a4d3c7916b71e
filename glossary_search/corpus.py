"""Read and validate the YAML glossaries into Entry objects; every error names file, line, entry, field."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import CorpusError
from .types import Entry, Glossary

GLOSSARY_FIELDS = {"id", "title", "short_title", "source", "description", "furniture", "entries"}
# Files in the corpus folder that are not glossaries: the duplicates review (decisions.py).
NOT_GLOSSARIES = {"decisions.yaml"}
SHORT_TITLE_MAX = 30
ENTRY_FIELDS = {
    "term", "definition", "acronym", "aliases", "see", "question",
    "line", "end_line", "term_line", "term_origin", "truncated",
}
TERM_ORIGINS = {"seed", "curated"}


def normalize_name(name: str) -> str:
    """Fold a term name for identity checks: case, punctuation, a parenthesised acronym, a plural 's'."""
    name = re.sub(r"\([^)]*\)", " ", name.casefold())
    name = re.sub(r"[^0-9a-z]+", " ", name).strip()
    words = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in name.split()]
    return " ".join(words)


@dataclass(frozen=True)
class Corpus:
    """All glossaries of a corpus folder, in file-name order."""

    root: Path
    glossaries: tuple[Glossary, ...]

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for g in self.glossaries for e in g.entries)

    def glossary(self, glossary_id: str) -> Glossary:
        for g in self.glossaries:
            if g.id == glossary_id:
                return g
        raise KeyError(glossary_id)

    def content_hash(self) -> str:
        """Hash of everything that reaches the index, so a changed corpus makes the index stale."""
        payload = [asdict(e) for e in self.entries]
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()

    def find_by_name(self, name: str) -> list[Entry]:
        """Entries whose term, acronym or alias is this name (case, plural and '(ACR)' folded)."""
        key = normalize_name(name)
        if not key:
            return []
        return [e for e in self.entries if key in {normalize_name(n) for n in e.names}]

    def resolve_see(self, entry: Entry) -> list[Entry]:
        """The entries a 'See X.' cross-reference points at; empty when no glossary defines X."""
        if not entry.see:
            return []
        return [e for e in self.find_by_name(entry.see) if e.id != entry.id and not e.see]

    def unresolved_see(self) -> list[Entry]:
        """Cross-references that point at a term no glossary defines (reported, not fatal)."""
        return [e for e in self.entries if e.see and not self.resolve_see(e)]


def corpus_fingerprint(root: str | Path) -> str:
    """Hash of the glossary files' names and bytes: cheap to recompute, so a running app notices an edit."""
    root = Path(root)
    digest = hashlib.sha256()
    try:
        paths = sorted(p for p in root.iterdir() if p.suffix in {".yaml", ".yml"} and p.name not in NOT_GLOSSARIES)
        for p in paths:
            digest.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    except OSError:
        return ""
    return digest.hexdigest()


def load_corpus(root: str | Path) -> Corpus:
    """Load every *.yaml / *.yml file under root; refuse an empty folder and duplicate glossary ids."""
    root = Path(root)
    if not root.is_dir():
        raise CorpusError(f"Corpus folder not found: {root}")
    paths = sorted(p for p in root.iterdir()
                   if p.suffix in {".yaml", ".yml"} and p.is_file() and p.name not in NOT_GLOSSARIES)
    if not paths:
        raise CorpusError(f"No glossary files (*.yaml) in {root}: add one, see README 'Corpus schema'.")
    glossaries: list[Glossary] = []
    seen: dict[str, Path] = {}
    for path in paths:
        glossary = load_glossary(path)
        if glossary.id in seen:
            raise CorpusError(
                f"{path}: glossary id {glossary.id!r} is already used by {seen[glossary.id]}; ids must be unique."
            )
        seen[glossary.id] = path
        glossaries.append(glossary)
    return Corpus(root=root, glossaries=tuple(glossaries))


def load_glossary(path: str | Path) -> Glossary:
    """Parse and validate one glossary file."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise CorpusError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the file as UTF-8.") from exc
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context_mark", None)
        if context and mark and context.line != mark.line:
            problem += f" (in what starts on line {context.line + 1})"
        raise CorpusError(f"{where}: YAML syntax error: {problem}") from exc
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: expected a mapping with 'title' and 'entries' at the top level.")
    _check_fields(path, None, data, GLOSSARY_FIELDS, "glossary")
    gid = data.get("id", path.stem)
    if not isinstance(gid, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", gid):
        raise CorpusError(f"{path}: field 'id' must be letters, digits, '-', '_' or '.', got {gid!r}.")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise CorpusError(f"{path}: field 'title' is missing or empty.")
    short_title = data.get("short_title")
    if short_title is not None and (not isinstance(short_title, str) or not short_title.strip()
                                    or len(short_title.strip()) > SHORT_TITLE_MAX):
        raise CorpusError(f"{path}: field 'short_title' must be text of 1 to {SHORT_TITLE_MAX} characters, "
                          f"got {str(short_title)[:60]!r}.")
    raw_entries = data.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise CorpusError(f"{path}: field 'entries' must be a non-empty list.")
    entry_lines = _entry_lines(node)
    entries = tuple(
        _entry(path, gid, i + 1, entry_lines.get(i), raw) for i, raw in enumerate(raw_entries)
    )
    furniture = data.get("furniture") or []
    if not isinstance(furniture, list) or not all(isinstance(n, int) for n in furniture):
        raise CorpusError(f"{path}: field 'furniture' must be a list of line numbers.")
    return Glossary(
        id=gid,
        title=title.strip(),
        source=data.get("source"),
        path=str(path),
        entries=entries,
        furniture=tuple(furniture),
        description=data.get("description"),
        short_title=short_title.strip() if short_title else None,
    )


def _entry_lines(node: Any) -> dict[int, int]:
    """Map entry index -> 1-based line in the YAML file, so errors can point at it."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    for key, value in node.value:
        if getattr(key, "value", None) == "entries" and isinstance(value, yaml.SequenceNode):
            return {i: item.start_mark.line + 1 for i, item in enumerate(value.value)}
    return {}


def _check_fields(path: Path, where: str | None, data: dict, allowed: set[str], what: str) -> None:
    unknown = sorted(set(map(str, data)) - allowed)
    if unknown:
        prefix = f"{path}:{where}" if where else str(path)
        raise CorpusError(
            f"{prefix}: unknown {what} field {unknown[0]!r}; valid fields: {', '.join(sorted(allowed))}."
        )


def _entry(path: Path, gid: str, position: int, line: int | None, raw: Any) -> Entry:
    where = f"{line}: entry {position}" if line else f"entry {position}"
    if not isinstance(raw, dict):
        raise CorpusError(f"{path}:{where}: expected a mapping with 'term' and 'definition'.")
    term = raw.get("term")
    where_named = f"{where} ({term!r})" if isinstance(term, str) and term.strip() else where
    _check_fields(path, where_named, raw, ENTRY_FIELDS, "entry")
    for field in ("term", "definition"):
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            raise CorpusError(f"{path}:{where_named}: field '{field}' is missing or empty.")
    for field in ("acronym", "see", "question"):
        value = raw.get(field)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise CorpusError(f"{path}:{where_named}: field '{field}' must be non-empty text, got {value!r}.")
    aliases = raw.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise CorpusError(f"{path}:{where_named}: field 'aliases' must be a list of names.")
    for field in ("line", "end_line", "term_line"):
        value = raw.get(field)
        if value is not None and (not isinstance(value, int) or value < 1):
            raise CorpusError(f"{path}:{where_named}: field '{field}' must be a line number, got {value!r}.")
    origin = raw.get("term_origin", "seed")
    if origin not in TERM_ORIGINS:
        raise CorpusError(
            f"{path}:{where_named}: field 'term_origin' is {origin!r}; valid values: {', '.join(sorted(TERM_ORIGINS))}."
        )
    return Entry(
        glossary=gid,
        position=position,
        term=raw["term"].strip(),
        definition=raw["definition"].strip(),
        acronym=(raw.get("acronym") or "").strip() or None,
        aliases=tuple(a.strip() for a in aliases),
        see=(raw.get("see") or "").strip() or None,
        question=(raw.get("question") or "").strip() or None,
        line=raw.get("line"),
        end_line=raw.get("end_line"),
        term_line=raw.get("term_line"),
        term_origin=origin,
        truncated=bool(raw.get("truncated", False)),
    )
