"""What opening a corpus derives from its files, saved in index/cache/ so a large corpus opens in seconds.

Parsing and validating the YAML, BM25's index, the names' specificity and the links between entries the
glossaries name alike cost about 5 s per 10,000 entries at every open; `prepare` derives them from a
parsed corpus, and `open_prepared` reuses a saved copy when everything it was derived from is unchanged:
the glossary files (names and bytes), the text scheme, the source of the modules that derive it and the
versions of the libraries they call. A copy is a folder named by the hash of that key, written aside then
renamed, with a SHA-256 of each of its files checked on load: a damaged copy is discarded with a notice and
derived again, never trusted. Nothing is unpickled: JSON and numpy arrays only.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable

import numpy as np

from . import store
from .corpus import MAX_FILE_BYTES, NOT_GLOSSARIES, Corpus, inside, load_corpus
from .errors import brief
from .identity import candidate_links, name_links
from .keyword import KeywordIndex
from .names import NameMatcher
from .texts import corpus_rows, keyword_text
from .types import Entry, Glossary

FORMAT = 1
# The modules whose code decides what is derived: an edit to any of them makes a saved copy stale.
SOURCES = ("corpus.py", "types.py", "texts.py", "names.py", "keyword.py", "identity.py", "prepared.py")
LIBRARIES = ("PyYAML", "bm25s", "PyStemmer", "rapidfuzz", "numpy")
_ENTRY_FIELDS = [f.name for f in fields(Entry)]


@dataclass
class Prepared:
    """A corpus and what searching it needs from its text alone (no vectors)."""

    corpus: Corpus
    scheme: str
    content_hash: str  # Corpus.content_hash(): what the index manifest was built from
    texts_hash: str  # hash of the texts embedded (the manifest's texts_hash)
    row_entry: np.ndarray  # index row -> entry position
    row_kinds: np.ndarray  # index row -> its kind (texts.Row.kind)
    keyword: KeywordIndex
    names: NameMatcher
    see: dict[int, list[int]]  # 'See X.' entry -> the entries X resolves to
    name_links: list[tuple[int, int]]  # identity.name_links
    candidate_links: list[tuple[int, int]]  # identity.candidate_links (the definitions must agree)


def texts_key(texts: list[str]) -> str:
    """The hash of the exact texts embedded (the index manifest's texts_hash)."""
    return store.EmbeddingCache.key("\x1e".join(texts))


def prepare(corpus: Corpus, scheme: str) -> Prepared:
    """Derive everything from a parsed corpus (the slow path, and what a saved copy must equal)."""
    entries = corpus.entries
    rows, row_entry = corpus_rows(entries, scheme)
    position = {e.id: i for i, e in enumerate(entries)}
    see = {i: [position[t.id] for t in corpus.resolve_see(e)] for i, e in enumerate(entries) if e.see}
    return Prepared(
        corpus=corpus, scheme=scheme, content_hash=corpus.content_hash(),
        texts_hash=texts_key([row.text for row in rows]),
        row_entry=row_entry, row_kinds=np.array([row.kind for row in rows], dtype=str),
        keyword=KeywordIndex([keyword_text(e) for e in entries]), names=NameMatcher(entries),
        see={i: targets for i, targets in see.items() if targets},
        name_links=name_links(entries), candidate_links=candidate_links(entries),
    )


def open_prepared(corpus_dir: Path, scheme: str, index_dir: Path | None,
                  notify: Callable[[str], None] | None = None) -> Prepared:
    """The corpus in corpus_dir, prepared: from the saved copy when it is current, else parsed and derived
    (and saved for the next open when index_dir can take it). Corpus errors are load_corpus's own."""
    notify = notify or (lambda message: None)
    cache = index_dir / "cache" if index_dir is not None else None
    key = corpus_key(corpus_dir, scheme)
    folder = cache / f"corpus-{_digest(key)[:24]}" if cache is not None and key is not None else None
    if folder is not None and folder.is_dir():
        try:
            return _load(folder, key, corpus_dir)
        except Exception as exc:  # noqa: BLE001 - a damaged copy of any kind is only a lost saving
            shutil.rmtree(folder, ignore_errors=True)
            if not isinstance(exc, FileNotFoundError):  # else most likely pruned by another writer meanwhile
                notify(f"The saved corpus {folder} was damaged ({exc.__class__.__name__}: {brief(str(exc))}); "
                       "discarded, the glossaries are read again.")
    prepared = prepare(load_corpus(corpus_dir), scheme)
    # Saved only if no glossary changed while it was parsed: the key must describe what was read.
    if folder is not None and store.writable(index_dir) and key == corpus_key(corpus_dir, scheme):
        _save(folder, key, prepared, notify)
    return prepared


def corpus_key(corpus_dir: Path, scheme: str) -> dict | None:
    """What a saved copy was derived from; None when the folder cannot be read (load_corpus says why)."""
    try:
        root = Path(corpus_dir)
        files = []
        for path in sorted(p for p in root.iterdir()
                           if p.suffix in {".yaml", ".yml"} and p.is_file() and p.name not in NOT_GLOSSARIES):
            inside(root, path)
            if path.stat().st_size > MAX_FILE_BYTES:
                return None
            files.append([path.name, hashlib.sha256(path.read_bytes()).hexdigest()])
    except Exception:  # noqa: BLE001 - missing folder, unreadable file, a symlink out: load_corpus reports it
        return None
    return {"format": FORMAT, "scheme": scheme, "files": files, "code": _code_version()}


def _code_version() -> dict:
    import importlib.metadata as md

    here = Path(__file__).resolve().parent
    code = hashlib.sha256(b"".join((here / name).read_bytes() for name in SOURCES)).hexdigest()
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = "n/a"
    return {"sources": code, "libraries": versions, "python": sys.version.split()[0],
            "unicode": unicodedata.unidata_version, "entry_fields": _ENTRY_FIELDS}


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def _save(folder: Path, key: dict, p: Prepared, notify: Callable[[str], None]) -> None:
    """Write the copy aside, then rename it into place; a folder that cannot take it is a notice."""
    umask = store.umask
    tmp = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".corpus-", dir=folder.parent))
        os.chmod(tmp, 0o777 & ~umask())
        corpus = {
            "glossaries": [
                {"id": g.id, "title": g.title, "source": g.source, "file": Path(g.path).name,
                 "furniture": list(g.furniture), "description": g.description, "short_title": g.short_title,
                 "entries": [[getattr(e, f) for f in _ENTRY_FIELDS] for e in g.entries]}
                for g in p.corpus.glossaries],
            "names": p.corpus.name_positions(),
        }
        derived = {
            "content_hash": p.content_hash, "texts_hash": p.texts_hash, "specificity": p.names.specificity,
            "see": [[i, targets] for i, targets in p.see.items()],
            "name_links": p.name_links, "candidate_links": p.candidate_links,
        }
        (tmp / "corpus.json").write_text(json.dumps(corpus, ensure_ascii=False), encoding="utf-8")
        (tmp / "derived.json").write_text(json.dumps(derived, ensure_ascii=False), encoding="utf-8")
        np.savez(tmp / "rows.npz", row_entry=p.row_entry, row_kinds=p.row_kinds)
        p.keyword.save(tmp / "bm25")
        checksums = {str(f.relative_to(tmp)): store.sha256_file(f) for f in sorted(tmp.rglob("*")) if f.is_file()}
        (tmp / "meta.json").write_text(json.dumps({"key": key, "checksums": checksums}), encoding="utf-8")
        for f in tmp.rglob("*"):
            with contextlib.suppress(OSError):
                os.chmod(f, (0o777 if f.is_dir() else 0o666) & ~umask())
        try:
            os.rename(tmp, folder)
        except OSError:
            if not folder.is_dir():  # else another process saved the same copy first: keep theirs
                raise
        else:
            tmp = None
        _prune(folder)
    except (OSError, ValueError, TypeError) as exc:
        notify(f"The parsed corpus was not saved in {folder.parent} ({exc.__class__.__name__}: {brief(str(exc))}); "
               "the next open reads the glossaries again.")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _prune(keep: Path) -> None:
    """Older copies (another corpus or scheme sharing this index folder): the newest other one stays."""
    others = sorted((p for p in keep.parent.glob("corpus-*") if p != keep and p.is_dir()),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[1:]:
        shutil.rmtree(old, ignore_errors=True)


def _load(folder: Path, key: dict, corpus_dir: Path) -> Prepared:
    """A saved copy, refused (ValueError) unless its key and every file's checksum match."""
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if not isinstance(meta, dict) or meta.get("key") != key or not isinstance(meta.get("checksums"), dict):
        raise ValueError("its key does not match the corpus")
    present = {str(f.relative_to(folder)) for f in folder.rglob("*") if f.is_file()} - {"meta.json"}
    if present != set(meta["checksums"]):
        raise ValueError("its files differ from its meta.json")
    for name, checksum in meta["checksums"].items():
        if store.sha256_file(folder / name) != checksum:
            raise ValueError(f"{name} is corrupt (its checksum differs)")
    raw = json.loads((folder / "corpus.json").read_text(encoding="utf-8"))
    derived = json.loads((folder / "derived.json").read_text(encoding="utf-8"))
    root = Path(corpus_dir)
    glossaries = []
    for g in raw["glossaries"]:
        entries = tuple(Entry(*[tuple(v) if isinstance(v, list) else v for v in row]) for row in g["entries"])
        glossaries.append(Glossary(id=g["id"], title=g["title"], source=g["source"], path=str(root / g["file"]),
                                   entries=entries, furniture=tuple(g["furniture"]), description=g["description"],
                                   short_title=g["short_title"]))
    corpus = Corpus(root=root, glossaries=tuple(glossaries), names={k: tuple(v) for k, v in raw["names"].items()})
    entries = corpus.entries
    with np.load(folder / "rows.npz", allow_pickle=False) as rows:
        row_entry, row_kinds = rows["row_entry"], rows["row_kinds"]
    if len(row_entry) != len(row_kinds) or (len(row_entry) and int(row_entry.max()) >= len(entries)):
        raise ValueError("its row map does not fit its entries")
    links = {name: [(int(i), int(j)) for i, j in derived[name]] for name in ("name_links", "candidate_links")}
    if any(not 0 <= i < j < len(entries) for pairs in links.values() for i, j in pairs):
        raise ValueError("its links point past its entries")
    return Prepared(
        corpus=corpus, scheme=key["scheme"], content_hash=derived["content_hash"],
        texts_hash=derived["texts_hash"], row_entry=row_entry.astype(np.int64), row_kinds=row_kinds,
        keyword=KeywordIndex.load(folder / "bm25", len(entries)),
        names=NameMatcher(entries, specificity=derived["specificity"]),
        see={int(i): [int(t) for t in targets] for i, targets in derived["see"]},
        name_links=links["name_links"], candidate_links=links["candidate_links"],
    )
