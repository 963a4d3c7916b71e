"""Read and validate the YAML glossaries into Entry objects; every error names file, line, entry, field.

A glossary file is data from anyone: it is parsed without YAML anchors or aliases (a 1 KB "billion
laughs" file expands to gigabytes), with duplicate keys refused instead of silently last-wins, nesting
bounded, and every field held to a size limit (README, "The corpus").
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from .errors import CorpusError, brief
from .types import Entry, Glossary

_ENTRY_FIELDS = fields(Entry)

GLOSSARY_FIELDS = {"id", "title", "short_title", "source", "description", "furniture", "entries"}
# Files in the corpus folder that are not glossaries: the duplicates review (decisions.py).
NOT_GLOSSARIES = {"decisions.yaml"}
SHORT_TITLE_MAX = 30
ENTRY_FIELDS = {
    "term", "definition", "acronym", "aliases", "see", "question",
    "line", "end_line", "term_line", "term_origin", "truncated",
}
TERM_ORIGINS = {"seed", "curated"}
# Size limits, checked at load (README, "The corpus"). The model reads about 1,000 characters of a text;
# the longest definition in the corpus is 1,076. A longer field is refused, never embedded for minutes.
MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_CHARS = {"definition": 20_000, "question": 1_000, "description": 5_000}
MAX_NAME_CHARS = 300  # term, acronym, alias, see, title
MAX_ALIASES = 100
MAX_DEPTH = 20  # a glossary needs 4 (file, entries, entry, aliases); libyaml's composer recurses
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 50 MB parse in 0.4 s


def normalize_name(name: str) -> str:
    """Fold a term name for identity checks: Unicode case folding and NFC, punctuation, a parenthesised
    acronym, a plural 's'. Letters of every script count; '#' and '+' ending a word stay ('C#', 'C++')."""
    name = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
    name = re.sub(r"\([^)]*\)", " ", name)
    chars: list[str] = []
    for ch in name:
        if unicodedata.category(ch)[0] in "LNM" or (ch in "#+" and chars and chars[-1] != " "):
            chars.append(ch)
        elif chars and chars[-1] != " ":
            chars.append(" ")
    words = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in "".join(chars).split()]
    return " ".join(words)


@dataclass(frozen=True)
class Corpus:
    """All glossaries of a corpus folder, in file-name order."""

    root: Path
    glossaries: tuple[Glossary, ...]
    # Folded name -> entry positions, when known already (prepared.py saves it): folding every name of
    # 100k entries takes seconds.
    names: dict[str, tuple[int, ...]] | None = field(default=None, compare=False, repr=False)

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
        payload = [{f.name: getattr(e, f.name) for f in _ENTRY_FIELDS} for e in self.entries]  # asdict, 10x faster
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()

    def find_by_name(self, name: str) -> list[Entry]:
        """Entries whose term, acronym or alias is this name (case, plural and '(ACR)' folded)."""
        key = normalize_name(name)
        return list(self._by_name.get(key, ())) if key else []

    @cached_property
    def _by_name(self) -> dict[str, tuple[Entry, ...]]:
        """Folded name -> entries, built once: a scan per lookup made 'See X.' resolution quadratic."""
        entries = self.entries
        return {k: tuple(entries[i] for i in v) for k, v in self.name_positions().items()}

    def name_positions(self) -> dict[str, tuple[int, ...]]:
        """Folded name -> positions of the entries it names, in corpus order."""
        if self.names is not None:
            return self.names
        out: dict[str, list[int]] = {}
        for i, e in enumerate(self.entries):
            for key in dict.fromkeys(normalize_name(n) for n in e.names):
                out.setdefault(key, []).append(i)
        return {k: tuple(v) for k, v in out.items()}

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
    """Load every *.yaml / *.yml file under root; refuse an empty folder, duplicate glossary ids, and
    symlinks that lead out of the folder."""
    if not isinstance(root, (str, Path)):
        raise CorpusError(f"The corpus folder must be a path, got {type(root).__name__} {brief(root)}.")
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
        inside(root, path)
        glossary = load_glossary(path)
        if glossary.id in seen:
            raise CorpusError(
                f"{path}: glossary id {glossary.id!r} is already used by {seen[glossary.id]}; ids must be unique."
            )
        seen[glossary.id] = path
        glossaries.append(glossary)
    return Corpus(root=root, glossaries=tuple(glossaries))


def inside(folder: Path, path: Path) -> Path:
    """`path` resolved, refused when it (through a symlink or '..') leads out of `folder`."""
    real, base = path.resolve(), folder.resolve()
    if real != base and base not in real.parents:
        raise CorpusError(f"{path}: leads to {real}, outside {folder}; copy the file into {folder} instead.")
    return real


def source_path(glossary: Glossary, sources_dir: str | Path) -> Path | None:
    """The glossary's seed text inside sources_dir (None when it names none or the file is absent);
    a `source` that leads out of sources_dir, by symlink or otherwise, is refused."""
    if not glossary.source:
        return None
    sources_dir = Path(sources_dir)
    path = sources_dir / glossary.source
    if not path.is_file():
        return None
    inside(sources_dir, path)
    return path


def load_glossary(path: str | Path) -> Glossary:
    """Parse and validate one glossary file."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CorpusError(f"{path}: {size:,} bytes; a glossary file may hold at most {MAX_FILE_BYTES:,} "
                              "(split it into several files).")
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the file as UTF-8.") from exc
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror}") from exc
    node, data = parse_yaml(path, text)
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: expected a mapping with 'title' and 'entries' at the top level.")
    _check_fields(path, None, data, GLOSSARY_FIELDS, "glossary")
    gid = data.get("id", path.stem)
    if not isinstance(gid, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", gid):
        raise CorpusError(f"{path}: field 'id' must be letters, digits, '-', '_' or '.' (at most 100), got {brief(gid)}.")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise CorpusError(f"{path}: field 'title' is missing or empty.")
    _check_size(path, None, "title", title, MAX_NAME_CHARS)
    source = data.get("source")
    if source is not None and not _plain_relative(source):
        raise CorpusError(f"{path}: field 'source' must be a file name in corpus/sources/ (no folders "
                          f"outside it, no '..'), got {brief(source)}.")
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise CorpusError(f"{path}: field 'description' must be text, got {brief(description)}.")
    _check_size(path, None, "description", description or "", MAX_CHARS["description"])
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
    if not isinstance(furniture, list) or not all(_line_number(n) for n in furniture):
        raise CorpusError(f"{path}: field 'furniture' must be a list of line numbers.")
    return Glossary(
        id=gid,
        title=title.strip(),
        source=source,
        path=str(path),
        entries=entries,
        furniture=tuple(furniture),
        description=description,
        short_title=short_title.strip() if short_title else None,
    )


def parse_yaml(path: Path, text: str) -> tuple[Any, Any]:
    """(node tree, data) of a YAML text, parsed once; anchors, aliases, deep nesting and duplicate keys
    are refused with the line, before anything is expanded or built."""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_LOADER):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise CorpusError(f"{path}:{line}: YAML anchors and aliases ('&name', '*name') are not allowed "
                                  "in a glossary; write the value out.")
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise CorpusError(_too_deep(f"{path}:{line}"))
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
        node = yaml.compose(text, Loader=_LOADER)
        _refuse_duplicate_keys(path, node)
        loader = _LOADER("")
        try:
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context_mark", None)
        if "nesting depth" in problem:  # libyaml >= 0.2.6 (PyYAML 6.0.4) stops deep nesting before we count it
            raise CorpusError(_too_deep(where)) from exc
        if context and mark and context.line != mark.line:
            problem += f" (in what starts on line {context.line + 1})"
        raise CorpusError(f"{where}: YAML syntax error: {problem}") from exc
    return node, data


def _too_deep(where: str) -> str:
    return f"{where}: nested more than {MAX_DEPTH} levels deep; a glossary needs 4 (file, entries, entry, aliases)."


def _refuse_duplicate_keys(path: Path, node: Any) -> None:
    """YAML keeps the last of two equal keys without a word; a glossary would silently lose a field."""
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[tuple[str, str], int] = {}
            for key, value in current.value:
                line = key.start_mark.line + 1
                if isinstance(key, yaml.ScalarNode):
                    if (key.tag, key.value) in seen:
                        raise CorpusError(f"{path}:{line}: key {brief(key.value)} appears twice in one mapping "
                                          f"(first on line {seen[key.tag, key.value]}); keep one.")
                    seen[key.tag, key.value] = line
                stack += [key, value]
        elif isinstance(current, yaml.SequenceNode):
            stack += current.value


def _plain_relative(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        return False
    parts = Path(value).parts
    return not Path(value).is_absolute() and ".." not in parts and bool(parts)


def _line_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _check_size(path: Path, where: str | None, field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        prefix = f"{path}:{where}" if where else str(path)
        raise CorpusError(f"{prefix}: field '{field}' is {len(value):,} characters; the limit is {limit:,} "
                          "(README, 'The corpus').")


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
            f"{prefix}: unknown {what} field {brief(unknown[0])}; valid fields: {', '.join(sorted(allowed))}."
        )


def _entry(path: Path, gid: str, position: int, line: int | None, raw: Any) -> Entry:
    where = f"{line}: entry {position}" if line else f"entry {position}"
    if not isinstance(raw, dict):
        raise CorpusError(f"{path}:{where}: expected a mapping with 'term' and 'definition'.")
    term = raw.get("term")
    where_named = f"{where} ({brief(term.strip())})" if isinstance(term, str) and term.strip() else where
    _check_fields(path, where_named, raw, ENTRY_FIELDS, "entry")
    for field in ("term", "definition"):
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            raise CorpusError(f"{path}:{where_named}: field '{field}' is missing or empty.")
    for field in ("acronym", "see", "question"):
        value = raw.get(field)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise CorpusError(f"{path}:{where_named}: field '{field}' must be non-empty text, got {brief(value)}.")
    aliases = raw.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise CorpusError(f"{path}:{where_named}: field 'aliases' must be a list of names.")
    if len(aliases) > MAX_ALIASES:
        raise CorpusError(f"{path}:{where_named}: field 'aliases' has {len(aliases):,} names; the limit is {MAX_ALIASES}.")
    for field in ("term", "acronym", "see"):
        _check_size(path, where_named, field, raw.get(field) or "", MAX_NAME_CHARS)
    for alias in aliases:
        _check_size(path, where_named, "aliases", alias, MAX_NAME_CHARS)
    for field in ("definition", "question"):
        _check_size(path, where_named, field, raw.get(field) or "", MAX_CHARS[field])
    for field in ("line", "end_line", "term_line"):
        value = raw.get(field)
        if value is not None and not _line_number(value):
            raise CorpusError(f"{path}:{where_named}: field '{field}' must be a line number, got {brief(value)}.")
    origin = raw.get("term_origin", "seed")
    if not isinstance(origin, str) or origin not in TERM_ORIGINS:
        raise CorpusError(
            f"{path}:{where_named}: field 'term_origin' is {brief(origin)}; valid values: {', '.join(sorted(TERM_ORIGINS))}."
        )
    truncated = raw.get("truncated", False)
    if not isinstance(truncated, bool):
        raise CorpusError(f"{path}:{where_named}: field 'truncated' must be true or false, got {brief(truncated)}.")
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
        truncated=truncated,
    )
