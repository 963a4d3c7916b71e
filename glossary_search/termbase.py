"""Read a team's own glossary (CSV/TSV, Excel, TBX, a term/definition text page) into our YAML schema.

`read_termbase(data, filename)` works on bytes, so the CLI and an upload page call it alike and get an
`ImportPreview` (entries, skipped rows with reasons, acronyms split from names) before anything is
written; `add_to_corpus` then writes it into `corpus/` validated by the corpus loader, never half-written.
openpyxl and lxml are imported only when a file of theirs is read.
"""
from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from .errors import CorpusError, ImportFileError, UsageError, brief

# About 20,000 entries; a larger file is more likely a mistake than a glossary. In decimal megabytes, the unit
# Streamlit's uploader counts and shows ("5MB per file": 5,000,000 bytes), so every message says the same.
MAX_IMPORT_MB = 5
MAX_IMPORT_BYTES = MAX_IMPORT_MB * 1_000_000
IMPORT_LIMIT = f"{MAX_IMPORT_MB} MB"
FORMATS = ("csv", "tsv", "xlsx", "tbx", "txt", "yaml")
EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".tbx": "tbx", ".xml": "tbx",
              ".txt": "txt", ".text": "txt", ".yaml": "yaml", ".yml": "yaml"}
ROLES = ("term", "definition", "acronym", "aliases", "see")
# Header names a column may carry for each role (case and punctuation folded).
HEADER_NAMES = {
    "term": {"term", "terms", "name", "word", "entry", "concept", "keyword", "title"},
    "definition": {"definition", "definitions", "description", "meaning", "explanation", "defn", "def"},
    "acronym": {"acronym", "acronyms", "abbreviation", "abbr", "abbrev", "short form", "initialism"},
    "aliases": {"aliases", "alias", "synonyms", "synonym", "also known as", "aka", "other names", "variants"},
    "see": {"see", "see also", "cross reference", "refer to", "use"},
}
ALIAS_SEPARATORS = re.compile(r"\s*[;|]\s*")
# "Average Handle Time (AHT)", and "Customer Experience (CX) Metrics" (acronym "CX Metrics").
NAMED_ACRONYM = re.compile(r"^(?P<term>.*\S)\s*\((?P<acronym>[^()]+)\)(?:\s+(?P<tail>[^()]+))?\s*$")
# "ACD - Automatic Call Distributor", "Service Level Agreement – SLA": a dash with spaces around it ('Self-Service'
# has none); split only when one side is an acronym the other spells out (termbase._spells_out).
DASHED_ACRONYM = re.compile(r"^(?P<first>[^-–—:]+?)\s+[-–—:]\s+(?P<second>[^-–—:]+)$")
# A definition that only points at another name: "See X.", "Another name for X.", "Short for X.", "Same as X."
# ("See also X." points at a neighbour, not at the same concept).
SEE = re.compile(r"^(?:see(?!\s+also\b)|same\s+as|short\s+for|abbreviation\s+(?:for|of)|synonym\s+(?:for|of)|"
                 r"another\s+(?:name|term|word)\s+for)\s+(?P<target>.+?)\.?$", re.IGNORECASE)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ACRONYM_TERM_TYPES = {"acronym", "abbreviation", "shortform", "initialism"}  # TBX termType values, case folded


def _pointed_name(target: str) -> str:
    """The name a pointer definition points at, without an article before it or a remark in brackets after
    it ('Another name for a private branch exchange (see PBX).'); an acronym in brackets is part of the name
    ('See Average Speed of Answer (ASA).')."""
    remark = re.search(r"\s*\(([^()]*)\)$", target)
    if remark and remark.start() and not _looks_like_acronym(remark[1]):
        target = target[:remark.start()]
    return re.sub(r"^(?:a|an|the)\s+(?=\S)", "", target, flags=re.IGNORECASE)


@dataclass(frozen=True)
class Skipped:
    """A row or line of the file that became no entry, and why (shown to the user, not an error)."""

    where: str  # "row 4", "line 12", "entry c7 (line 30)"
    reason: str


@dataclass(frozen=True)
class ImportPreview:
    """What a file holds, before it is written: the YAML-ready glossary and what was left out or split."""

    filename: str
    format: str
    glossary_id: str
    title: str
    entries: tuple[dict, ...]  # YAML entry mappings, in file order
    skipped: tuple[Skipped, ...]
    split_acronyms: tuple[str, ...]  # names as written, e.g. "Average Handle Time (AHT)"
    ignored_columns: tuple[str, ...]
    sha256: str
    furniture: tuple[int, ...] = ()
    note: str = ""  # what the file says of itself (a YAML glossary's description and source URL)
    headerless: bool = False  # a table without a header row naming its columns: read as term, definition

    @property
    def headerless_notice(self) -> str:
        """Said before anything is written, since a header the reader did not recognise becomes an entry."""
        return ("No header row names a term and a definition column, so column 1 is read as the term and "
                "column 2 as the definition, from the first row on. If the first row is a header, name its "
                "columns 'term' and 'definition' or choose them with --columns (in the app: Options, Columns).")

    @property
    def source_name(self) -> str:
        """The provenance copy's name in corpus/sources/: the glossary id and the file's own hash."""
        return f"{self.glossary_id}_{self.sha256[:16]}{Path(self.filename).suffix.lower()}"

    def glossary_data(self) -> dict:
        data = {"id": self.glossary_id, "title": self.title, "source": self.source_name,
                "description": f"Imported from {Path(self.filename).name} ({self.format})."
                               + (f" {self.note}" if self.note else "")}
        if self.furniture:
            data["furniture"] = list(self.furniture)
        data["entries"] = [dict(e) for e in self.entries]
        return data

    def yaml_text(self) -> str:
        return yaml.safe_dump(self.glossary_data(), sort_keys=False, allow_unicode=True, width=110)


@dataclass
class _Builder:
    """Collects entries and skipped rows while a reader walks the file."""

    name: str
    entries: list[dict] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    split: list[str] = field(default_factory=list)

    def add(self, where: str, term: str, definition: str, acronym: str = "", aliases: Iterable[str] = (),
            see: str = "", **provenance) -> None:
        term, acronym, see = (_clean(v) for v in (term, acronym, see))
        # A definition keeps its paragraphs (line breaks), only its ends and carriage returns are trimmed.
        definition = str(definition or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        if not term:
            raise ImportFileError(f"{self.name}: {where}: the term is empty (definition {definition[:40]!r}).")
        if not definition:
            raise ImportFileError(f"{self.name}: {where}: term {term!r} has an empty definition.")
        m = NAMED_ACRONYM.match(term)
        if m and not acronym and _looks_like_acronym(m["acronym"]):
            self.split.append(term)
            tail = f" {m['tail'].strip()}" if m["tail"] else ""
            term, acronym = m["term"] + tail, m["acronym"].strip() + tail
        elif not acronym and (spelled := _acronym_beside_name(term, m)):
            self.split.append(term)
            term, acronym = spelled
        if not see and (s := SEE.match(definition)) and len((target := _pointed_name(s["target"])).split()) <= 8:
            see = target
        entry: dict = {"term": term}
        if acronym and acronym.casefold() != term.casefold():
            entry["acronym"] = acronym
        names = {term.casefold(), acronym.casefold()}
        kept = []
        for alias in (_clean(a) for a in aliases):
            if alias and alias.casefold() not in names:
                names.add(alias.casefold())
                kept.append(alias)
        if kept:
            entry["aliases"] = kept
        if see:
            entry["see"] = see
        entry["definition"] = definition
        entry.update({k: v for k, v in provenance.items() if v is not None})
        self.entries.append(entry)
        self.where.append(where)


def check_import_size(name: str, size: int) -> None:
    """Refuse a file over the import limit (the CLI before reading it), in the unit the uploader shows."""
    if size > MAX_IMPORT_BYTES:
        megabytes = math.ceil(size / 10_000) / 100  # rounded up: 5,000,001 bytes is 5.01 MB, not "5.00 MB, over 5"
        raise ImportFileError(f"{name}: the file is {megabytes:.2f} MB, over the {IMPORT_LIMIT} import limit; "
                              "split it into smaller glossaries.")


def read_termbase(data: bytes, filename: str, *, fmt: str | None = None, glossary_id: str | None = None,
                  title: str | None = None, columns: dict[str, str] | None = None, sheet: str | None = None,
                  lang: str = "en", encoding: str | None = None) -> ImportPreview:
    """Parse an uploaded or local glossary file into a preview; raises ImportFileError naming file and row.

    `columns` maps a role (term, definition, acronym, aliases, see) to a header name or a 1-based column
    number; without it, columns are found by their header names.
    """
    name = Path(filename).name or "upload"
    check_import_size(name, len(data))
    fmt = fmt or EXTENSIONS.get(Path(filename).suffix.lower())
    if fmt not in FORMATS:
        raise ImportFileError(f"{name}: cannot tell the format from the extension "
                              f"{Path(filename).suffix or '(none)'!r}; valid formats: {', '.join(FORMATS)}.")
    if not data.strip():
        raise ImportFileError(f"{name}: the file is empty.")
    b = _Builder(name)
    ignored: tuple[str, ...] = ()
    headerless = False
    furniture: tuple[int, ...] = ()
    found_title = None
    note = ""
    if fmt in ("csv", "tsv"):
        rows = _csv_rows(_decode(data, name, encoding), "\t" if fmt == "tsv" else None)
        ignored, headerless = _read_table(b, rows, columns, "row")
    elif fmt == "xlsx":
        rows, sheet_name = _xlsx_rows(data, name, sheet)
        ignored, headerless = _read_table(b, rows, columns, f"sheet {sheet_name!r} row")
    elif fmt == "tbx":
        found_title = _read_tbx(b, data, lang)
    elif fmt == "yaml":
        found_title, found_id, ignored, note = _read_yaml(b, _decode(data, name, encoding))
        glossary_id = glossary_id or found_id
    else:
        furniture = _read_text(b, _decode(data, name, encoding))
    if not b.entries:
        reasons = "; ".join(f"{s.where}: {s.reason}" for s in b.skipped[:3])
        raise ImportFileError(f"{name}: no entries found" + (f" ({reasons})." if reasons else "."))
    gid = glossary_id or _slug(Path(filename).stem)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", gid):
        raise ImportFileError(f"{name}: glossary id {gid!r} must be letters, digits, '-', '_' or '.'; "
                              "choose one with --id (in the app: Id).")
    preview = ImportPreview(
        filename=name, format=fmt, glossary_id=gid,
        title=(title or found_title or Path(filename).stem.replace("_", " ").replace("-", " ").strip().title()
               or gid),
        entries=tuple(b.entries), skipped=tuple(b.skipped), split_acronyms=tuple(b.split),
        ignored_columns=ignored, sha256=hashlib.sha256(data).hexdigest(), furniture=furniture, note=note,
        headerless=headerless,
    )
    _validate(preview, b.where)
    return preview


def parse_columns(value: str | None) -> dict[str, str] | None:
    """"term=Word,definition=3" (header names or 1-based numbers) as read_termbase's `columns`."""
    if not value or not value.strip():
        return None
    out = {}
    for part in value.split(","):
        role, sep, name = part.partition("=")
        if not sep or not role.strip() or not name.strip():
            raise UsageError(f"{brief(part)} is not ROLE=COLUMN (e.g. term=Word,definition=3).")
        out[role.strip().casefold()] = name.strip()
    return out


# ---- tables: CSV, TSV, Excel ---------------------------------------------------------------------

def _decode(data: bytes, name: str, encoding: str | None) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else only when the caller names it."""
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError as exc:
            raise ImportFileError(f"{name}: unknown encoding {encoding!r}.") from exc
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportFileError(f"{name}: line {line}: not {encoding} text (byte {exc.start}).") from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"{name}: line {line}: unknown encoding, not UTF-8 (byte {exc.start}); save it as UTF-8 or name "
            "the encoding with --encoding, e.g. cp1252 (in the app: Options, Encoding).") from exc


def _csv_rows(text: str, delimiter: str | None) -> list[list[str]]:
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_rows(data: bytes, name: str, sheet: str | None) -> tuple[list[list[str]], str]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"{name}: not an Excel .xlsx workbook ({exc}).") from exc
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise ImportFileError(f"{name}: no sheet named {sheet!r}; sheets: {', '.join(book.sheetnames)}.")
        rows = [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]
        return rows, ws.title
    finally:
        book.close()


def _fold(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", header.casefold()).strip()


def _read_table(b: _Builder, rows: list[list[str]], columns: dict[str, str] | None,
                unit: str) -> tuple[tuple[str, ...], bool]:
    """Rows -> entries; (columns not read, whether there was no header). The first non-blank row is a header
    when it names a column we know (or one that --columns chose); without a header, two columns are term and
    definition."""
    start = next((n for n, r in enumerate(rows) if any(c.strip() for c in r)), None)
    if start is None:
        raise ImportFileError(f"{b.name}: the file has no rows.")
    header = [c.strip() for c in rows[start]]
    folded = [_fold(h) for h in header]
    chosen = {}
    for role, name in (columns or {}).items():
        if role not in ROLES:
            raise ImportFileError(f"{b.name}: unknown column role {role!r}; valid roles: {', '.join(ROLES)}.")
        if name.isdigit():
            chosen[role] = int(name) - 1
        elif _fold(name) in folded:
            chosen[role] = folded.index(_fold(name))
        else:
            raise ImportFileError(f"{b.name}: {unit} {start + 1}: no column named {name!r} for {role}; "
                                  f"columns are: {', '.join(header)}.")
    has_header = any(h in names for h in folded for names in HEADER_NAMES.values()) or any(
        not name.isdigit() for name in (columns or {}).values())
    if has_header:
        for role, names in HEADER_NAMES.items():
            if role not in chosen:
                hit = next((i for i, h in enumerate(folded) if h in names), None)
                if hit is not None:
                    chosen[role] = hit
        for role in ("term", "definition"):
            if role not in chosen:
                raise ImportFileError(f"{b.name}: {unit} {start + 1}: no {role!r} column; columns are: "
                                      f"{', '.join(h or '(blank)' for h in header)}; choose one with --columns "
                                      f"{role}=NAME (in the app: Options, Columns).")
        body = start + 1
    else:
        width = max(len(r) for r in rows)
        if "term" not in chosen or "definition" not in chosen:
            if width != 2:
                raise ImportFileError(f"{b.name}: {unit} {start + 1}: no header row naming a 'term' and a "
                                      f"'definition' column, and {width} columns; add a header or use --columns "
                                      "term=1,definition=2.")
            chosen.setdefault("term", 0)
            chosen.setdefault("definition", 1)
        body = start
    ignored = tuple(h for i, h in enumerate(header) if has_header and h and i not in chosen.values())

    def cell(row: list[str], role: str) -> str:
        i = chosen.get(role)
        return row[i].strip() if i is not None and i < len(row) else ""

    for n in range(body, len(rows)):
        row, where = rows[n], f"{unit} {n + 1}"
        if not any(c.strip() for c in row):
            b.skipped.append(Skipped(where, "blank row"))
            continue
        if has_header and [c.strip() for c in row] == header:
            b.skipped.append(Skipped(where, "the header repeated"))
            continue
        aliases = ALIAS_SEPARATORS.split(cell(row, "aliases")) if cell(row, "aliases") else []
        b.add(where, cell(row, "term"), cell(row, "definition"), cell(row, "acronym"), aliases, cell(row, "see"))
    return ignored, not has_header and not columns


# ---- TBX (ISO 30042) ---------------------------------------------------------------------------------

def _local(el) -> str:
    """An element's name without its namespace (TBX v3 has one, TBX 2008 none); '' for comments."""
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


def _within(el, names: set[str]):
    """Descendants of el with these names, not crossing into a language section (another language's)."""
    for child in el:
        if _local(child) in ("langSet", "langSec"):
            continue
        if _local(child) in names:
            yield child
        yield from _within(child, names)


def _text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def _lang_matches(value: str | None, lang: str) -> bool:
    return bool(value) and value.casefold().split("-")[0] == lang.casefold().split("-")[0]


def _read_tbx(b: _Builder, data: bytes, lang: str) -> str | None:
    """TBX 2008 (<martif>, TBX-Basic) and TBX v3 (<tbx>): each concept entry becomes one entry; its terms
    in `lang` give the term, the acronym (termType acronym/abbreviation) and aliases (the others)."""
    from lxml import etree

    # No DTDs, entities or network: a termbase is data, not instructions to fetch or expand anything.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else 0)
        raise ImportFileError(f"{b.name}: line {line}: not well-formed XML ({exc.msg}).") from exc
    if _local(root) not in ("martif", "tbx"):
        raise ImportFileError(f"{b.name}: line {root.sourceline}: XML but not TBX: the root element is "
                              f"<{_local(root)}>, expected <martif> or <tbx>.")
    title = next((_text(el) for el in root.iter() if _local(el) == "title" and _text(el)), None)
    concepts = [el for el in root.iter() if _local(el) in ("termEntry", "conceptEntry")]
    if not concepts:
        raise ImportFileError(f"{b.name}: TBX with no <termEntry> or <conceptEntry>.")
    for concept in concepts:
        cid = concept.get("id")
        where = f"entry {cid} (line {concept.sourceline})" if cid else f"entry at line {concept.sourceline}"
        langsets = [el for el in concept if _local(el) in ("langSet", "langSec")]
        mine = [el for el in langsets if _lang_matches(el.get(XML_LANG), lang)]
        if not mine:
            found = sorted({el.get(XML_LANG) or "?" for el in langsets})
            b.skipped.append(Skipped(where, f"no {lang!r} terms (languages: {', '.join(found) or 'none'})"))
            continue
        own = [concept, *mine]  # the concept's own children and the chosen language's, never other languages
        terms: list[tuple[str, str]] = []
        for ls in mine:
            for holder in ls.iter():
                if _local(holder) in ("tig", "ntig", "termSec"):
                    term = next((_text(t) for t in holder.iter() if _local(t) == "term"), "")
                    kind = next((_text(n) for n in holder.iter()
                                 if _local(n) == "termNote" and n.get("type") == "termType"), "")
                    if term:
                        terms.append((term, kind.casefold()))
        definitions = ["".join(d.itertext()).strip() for scope in mine + [concept] for d in _within(scope, {"descrip"})
                       if d.get("type") == "definition" and _text(d)]
        sees = [_text(r) for scope in own for r in _within(scope, {"ref", "xref"})
                if r.get("type") in ("crossReference", "xref") and _text(r)]
        if not terms:
            raise ImportFileError(f"{b.name}: {where}: no <term> in language {lang!r}.")
        full = [t for t, kind in terms if kind not in ACRONYM_TERM_TYPES]
        short = [t for t, kind in terms if kind in ACRONYM_TERM_TYPES]
        term = full[0] if full else short.pop(0)
        acronym = short[0] if short else ""
        aliases = full[1:] + short[1:]
        b.add(where, term, definitions[0] if definitions else "", acronym, aliases, sees[0] if sees else "")
    return title


# ---- another team's YAML in our schema -------------------------------------------------------------

def _read_yaml(b: _Builder, text: str) -> tuple[str | None, str | None, tuple[str, ...], str]:
    """A glossary in our YAML schema from elsewhere: its names and definitions are taken, its line numbers
    (which point into a page we do not have) and unknown fields are left out and listed; a `source_url`
    or description is kept in the new description."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ImportFileError(f"{b.name}: {where}YAML syntax error: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise ImportFileError(f"{b.name}: expected a mapping with a list of 'entries' at the top level.")
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if getattr(key, "value", None) == "entries" and isinstance(value, yaml.SequenceNode):
                lines = {i: item.start_mark.line + 1 for i, item in enumerate(value.value)}
    ignored = [f for f in data if f not in ("id", "title", "description", "source", "source_url", "entries")]
    for n, raw in enumerate(data["entries"]):
        where = f"entry {n + 1} (line {lines[n]})" if n in lines else f"entry {n + 1}"
        if not isinstance(raw, dict):
            raise ImportFileError(f"{b.name}: {where}: expected a mapping with 'term' and 'definition'.")
        ignored += [f"entries.{f}" for f in raw if f not in ("term", "definition", "acronym", "aliases", "see")]
        aliases = raw.get("aliases") or []
        b.add(where, raw.get("term"), raw.get("definition"), raw.get("acronym") or "",
              [aliases] if isinstance(aliases, str) else aliases, raw.get("see") or "")
    said = [str(data[k]).strip() for k in ("description",) if data.get(k)]
    if data.get("source_url") or data.get("source"):
        said.append(f"Source: {data.get('source_url') or data.get('source')}.")
    gid = data.get("id") if isinstance(data.get("id"), str) else None
    title = data.get("title") if isinstance(data.get("title"), str) else None
    return title, gid, tuple(dict.fromkeys(ignored)), " ".join(said)


# ---- a plain "term line, definition line" page ------------------------------------------------------

def _looks_like_term(line: str) -> bool:
    words = line.split()
    return 0 < len(words) <= 12 and len(line) <= 100 and not line.rstrip().endswith((".", ":", "?", "!"))


def _read_text(b: _Builder, text: str) -> tuple[int, ...]:
    """Non-blank lines pair up as a term line then its definition line (seed 000's shape); a line that fits
    neither (an introduction, a stray sentence) is skipped with its reason. Line numbers are kept, so
    `check` can prove the glossary faithful to the copied page."""
    lines = text.split("\n")
    numbered = [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]
    furniture: list[int] = []
    k = 0
    while k < len(numbered):
        n, line = numbered[k]
        nxt = numbered[k + 1] if k + 1 < len(numbered) else None
        if _looks_like_term(line) and nxt and (not _looks_like_term(nxt[1]) or SEE.match(nxt[1])):
            b.add(f"line {n}", line, nxt[1], line=nxt[0], term_line=n)
            k += 2
            continue
        if _looks_like_term(line) and nxt is None:
            b.skipped.append(Skipped(f"line {n}", "a term line with no definition after it"))
        elif _looks_like_term(line):
            b.skipped.append(Skipped(f"line {n}", "a short line followed by another short line, not a definition"))
        else:
            b.skipped.append(Skipped(f"line {n}", "text with no term line before it"))
            if n == 1:
                furniture.append(n)  # an introduction: page furniture, as in the seeds
        k += 1
    return tuple(furniture)


# ---- validation and writing -------------------------------------------------------------------------

def _clean(value: object) -> str:
    return " ".join(str(value or "").split())


def _looks_like_acronym(text: str) -> bool:
    text = text.strip()
    return bool(re.fullmatch(r"[A-Za-z0-9&/.+-]{2,12}", text)) and sum(c.isupper() for c in text) >= 2


def _acronym_beside_name(term: str, bracketed: re.Match | None) -> tuple[str, str] | None:
    """(name, acronym) of 'SLA (Service Level Agreement)', 'ACD - Automatic Call Distributor' or 'Automatic
    Call Distributor – ACD', when one side is an acronym the other spells out; None for any other term."""
    pairs = []
    if bracketed and not bracketed["tail"]:
        pairs.append((bracketed["term"].strip(), bracketed["acronym"].strip()))
    if dashed := DASHED_ACRONYM.match(term):
        first, second = dashed["first"].strip(), dashed["second"].strip()
        pairs += [(first, second), (second, first)]
    return next(((name, acronym) for acronym, name in pairs if _spells_out(acronym, name)), None)


def _spells_out(acronym: str, name: str) -> bool:
    """True for 'SLA' and 'Service Level Agreement': an acronym and a name of 2+ words written out in small
    letters (not 'AI QA'), that starts with the acronym's first letter."""
    words = name.split()
    return (_looks_like_acronym(acronym) and len(words) >= 2 and any(c.islower() for c in name)
            and words[0][:1].casefold() == acronym.strip()[:1].casefold())


def _slug(stem: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", stem.casefold()).strip("-") or "imported"


def _validate(preview: ImportPreview, where: Sequence[str]) -> None:
    """The corpus loader is the schema: an import it would refuse is refused here, naming the file's row."""
    from .corpus import load_glossary

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{preview.glossary_id}.yaml"
        path.write_text(preview.yaml_text(), encoding="utf-8")
        try:
            load_glossary(path)
        except CorpusError as exc:
            m = re.search(r"entry (\d+)", str(exc))
            row = f"{where[int(m[1]) - 1]}: " if m and int(m[1]) <= len(where) else ""
            reason = str(exc).split(": ", 1)[-1]
            raise ImportFileError(f"{preview.filename}: {row}{reason}") from exc


def find_import(corpus_dir: str | Path, preview: ImportPreview) -> str | None:
    """The glossary id this very file (same bytes) was already imported as, else None."""
    from .corpus import load_corpus

    mark = preview.sha256[:16]
    try:
        corpus = load_corpus(corpus_dir)
    except CorpusError:
        return None
    return next((g.id for g in corpus.glossaries if g.source and mark in g.source), None)


def check_addable(preview: ImportPreview, corpus_dir: str | Path) -> Path:
    """The YAML path the glossary would get; raises ImportFileError when this file was imported before or
    its id is in use, so a preview can say so before anyone presses "add"."""
    from .corpus import load_corpus

    corpus_dir = Path(corpus_dir)
    previous = find_import(corpus_dir, preview)
    if previous:
        raise ImportFileError(f"{preview.filename}: this file was already imported as glossary {previous!r}; "
                              "nothing written.")
    target = corpus_dir / f"{preview.glossary_id}.yaml"
    existing = {g.id: g for g in load_corpus(corpus_dir).glossaries} if any(corpus_dir.glob("*.y*ml")) else {}
    if preview.glossary_id in existing or target.exists():
        # The glossary by its title and file name, never the server's folder: the app shows this sentence.
        owner = existing.get(preview.glossary_id)
        used_by = f"the glossary {owner.title!r}, file {Path(owner.path).name}" if owner else f"the file {target.name}"
        raise ImportFileError(f"{preview.filename}: glossary id {preview.glossary_id!r} is already used by "
                              f"{used_by}; choose another id.")
    return target


def add_to_corpus(preview: ImportPreview, data: bytes, corpus_dir: str | Path) -> Path:
    """Write the glossary into corpus_dir and the file's copy into corpus_dir/sources; returns the YAML path.

    Refuses a file imported before and an id in use. Both files are written aside and renamed into place,
    and the combined corpus must still load, so a failure leaves corpus/ as it was.
    """
    from .corpus import load_corpus

    corpus_dir = Path(corpus_dir)
    target = check_addable(preview, corpus_dir)
    sources = corpus_dir / "sources"
    made_sources = not sources.exists()
    source_path = sources / preview.source_name
    written: list[Path] = []
    try:
        sources.mkdir(parents=True, exist_ok=True)
        for path, payload in ((source_path, data), (target, preview.yaml_text().encode("utf-8"))):
            write_atomically(path, payload)
            written.append(path)
        load_corpus(corpus_dir)
    except (OSError, CorpusError) as exc:
        for path in written:
            path.unlink(missing_ok=True)
        if made_sources and sources.is_dir() and not any(sources.iterdir()):
            sources.rmdir()
        why = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise ImportFileError(f"{preview.filename}: not added to {corpus_dir}: {why}") from exc
    return target


# ---- export ---------------------------------------------------------------------------------------------

EXPORT_FORMATS = ("tbx", "csv", "xlsx", "yaml")
TABLE_COLUMNS = ("glossary", "id", "term", "acronym", "aliases", "see", "definition")
MERGED_COLUMNS = ("concept", "canonical", "band", "why", "glossary", "id", "term", "acronym", "aliases", "see",
                  "definition")


@dataclass(frozen=True)
class MergedConcept:
    """One concept of a merged export: its name, why its entries are together, and every source's entry."""

    number: int
    canonical: str
    band: str  # "single" for an entry in no duplicate group, else the group's band
    why: str
    entries: tuple  # Entry objects, provenance included (glossary, id)


def merged_concepts(entries: Sequence, groups: Sequence) -> list[MergedConcept]:
    """Every entry exactly once: in its duplicate group (the largest, as Searcher.duplicates() gives them,
    review decisions applied) or alone. Related pairs never merge."""
    from .report import basis_note

    taken: set[str] = set()
    out: list[MergedConcept] = []
    for g in sorted((g for g in groups if g.band != "related"), key=lambda g: -len(g.entries)):
        members = tuple(e for e in g.entries if e.id not in taken)
        if len(members) < 2:
            continue
        taken.update(e.id for e in members)
        out.append(MergedConcept(0, g.canonical, g.band, basis_note(g), members))
    out += [MergedConcept(0, e.label, "single", "", (e,)) for e in entries if e.id not in taken]
    order = {e.id: n for n, e in enumerate(entries)}
    out.sort(key=lambda c: min(order[e.id] for e in c.entries))
    return [MergedConcept(n, c.canonical, c.band, c.why, c.entries) for n, c in enumerate(out, start=1)]


def _row(e) -> dict:
    return {"glossary": e.glossary, "id": e.id, "term": e.term, "acronym": e.acronym or "",
            "aliases": "; ".join(e.aliases), "see": e.see or "", "definition": e.definition}


def table_rows(entries: Sequence = (), concepts: Sequence[MergedConcept] = ()) -> tuple[tuple[str, ...], list[dict]]:
    """(columns, rows): one row per entry, or per entry of each merged concept; `import` reads these back."""
    if concepts:
        return MERGED_COLUMNS, [{"concept": c.number, "canonical": c.canonical, "band": c.band, "why": c.why, **_row(e)}
                                for c in concepts for e in c.entries]
    return TABLE_COLUMNS, [_row(e) for e in entries]


def to_csv(columns: Sequence[str], rows: Sequence[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def to_xlsx(columns: Sequence[str], rows: Sequence[dict], sheet: str = "Glossary") -> bytes:
    """One sheet; every cell is written as text, so a definition starting with '=' is never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])

    def text(value: object) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=XML_INVALID.sub("", str(value)))  # a worksheet is XML too
        cell.data_type = "s"  # openpyxl would otherwise store '=...' as a formula
        return cell

    ws.append([text(c) for c in columns])
    for row in rows:
        ws.append([text(row[c]) for c in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def glossary_yaml(glossary) -> str:
    """A glossary as our YAML schema, provenance fields kept, defaults left out."""
    import dataclasses

    from .types import Entry

    defaults = {f.name: f.default for f in dataclasses.fields(Entry)}
    data: dict = {"id": glossary.id, "title": glossary.title}
    for key in ("source", "description"):
        if getattr(glossary, key):
            data[key] = getattr(glossary, key)
    if glossary.furniture:
        data["furniture"] = list(glossary.furniture)
    data["entries"] = []
    for e in glossary.entries:
        item = {"term": e.term}
        for name in ("acronym", "aliases", "see", "question", "definition", "line", "end_line", "term_line",
                     "term_origin", "truncated"):
            value = getattr(e, name)
            if value != defaults[name] or name == "definition":
                item[name] = list(value) if isinstance(value, tuple) else value
        data["entries"].append(item)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)


def _xml_id(text: str) -> str:
    """An xml:id-safe identifier (letters first, no '#')."""
    return "e-" + re.sub(r"[^A-Za-z0-9_.-]+", "-", text)


def to_tbx(title: str, entries: Sequence = (), concepts: Sequence[MergedConcept] = (), lang: str = "en") -> bytes:
    """TBX-Basic 2008 (<martif>): one <termEntry> per entry, or per merged concept with every source's terms
    and definitions and an <admin type="source"> naming where each came from. Built with lxml, so the
    output is well-formed whatever the glossaries' text holds."""
    from lxml import etree

    root = etree.Element("martif", {"type": "TBX-Basic", XML_LANG: lang})
    header = etree.SubElement(etree.SubElement(root, "martifHeader"), "fileDesc")
    etree.SubElement(etree.SubElement(header, "titleStmt"), "title").text = XML_INVALID.sub("", title)
    etree.SubElement(etree.SubElement(header, "sourceDesc"), "p").text = "Exported by glossary-search."
    body = etree.SubElement(etree.SubElement(root, "text"), "body")

    def sub(parent, tag: str, text: str, **attrs):
        el = etree.SubElement(parent, tag, attrs)
        el.text = XML_INVALID.sub("", text)  # control characters cannot be written in XML 1.0 at all
        return el

    def tig(parent, term: str, kind: str | None, sources: Sequence[str] = ()):
        t = etree.SubElement(parent, "tig")
        sub(t, "term", term)
        if kind:
            sub(t, "termNote", kind, type="termType")
        for s in sources:
            sub(t, "admin", s, type="source")

    if not concepts:
        for e in entries:
            te = etree.SubElement(body, "termEntry", id=_xml_id(e.id))
            sub(te, "admin", e.glossary, type="source")
            if e.see:
                sub(te, "ref", e.see, type="crossReference")
            ls = etree.SubElement(te, "langSet", {XML_LANG: lang})
            sub(ls, "descrip", e.definition, type="definition")
            tig(ls, e.term, "fullForm" if e.acronym else None)
            if e.acronym:
                tig(ls, e.acronym, "acronym")
            for alias in e.aliases:
                tig(ls, alias, None)
    for c in concepts:
        te = etree.SubElement(body, "termEntry", id=f"c{c.number}")
        sub(te, "note", f"{c.canonical}: {c.band}" + (f" ({c.why})" if c.why else ""))
        ls = etree.SubElement(te, "langSet", {XML_LANG: lang})
        for e in c.entries:
            grp = etree.SubElement(ls, "descripGrp")
            sub(grp, "descrip", e.definition, type="definition")
            sub(grp, "admin", e.id, type="source")
        names: dict[tuple[str, str | None], list[str]] = {}
        head = c.canonical.split(" (")[0]
        for e in sorted(c.entries, key=lambda e: e.term != head):
            for name, kind in ((e.term, "fullForm" if e.acronym else None), (e.acronym, "acronym"),
                               *((a, None) for a in e.aliases)):
                if name:
                    names.setdefault((name, kind), []).append(e.id)
        for (name, kind), ids in names.items():
            tig(ls, name, kind, ids)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


TABLE_FORMATS = ("tbx", "csv", "xlsx")


def export_bytes(fmt: str, title: str, entries: Sequence = (), concepts: Sequence[MergedConcept] = ()) -> bytes:
    """Entries (or merged concepts) as one TBX, CSV or Excel file: what `export` writes and the app offers
    as a download."""
    if fmt == "tbx":
        return to_tbx(title, entries, concepts)
    if fmt not in ("csv", "xlsx"):
        raise UsageError(f"Unknown export format {brief(fmt)}; valid formats: {', '.join(TABLE_FORMATS)}.")
    columns, rows = table_rows(entries, concepts)
    return to_xlsx(columns, rows) if fmt == "xlsx" else to_csv(columns, rows).encode("utf-8")


def write_atomically(path: str | Path, payload: bytes) -> None:
    """Write aside then rename: a reader never sees half a file."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
