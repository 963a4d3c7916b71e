"""The duplicates review: a glossary owner's verdicts on pairs of entries, kept in `corpus/decisions.yaml`.

It lives with the corpus (not the index), so it survives a rebuild; it is plain YAML a person can read and
edit; it is written atomically (a temporary file renamed over the old one), so a crash never leaves half a
file. The duplicate finder applies it (search.py), and with it the term pages and the exports.
"""
from __future__ import annotations

import datetime
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import yaml

from .errors import CorpusError, UsageError
from .types import DuplicatePair

FILE_NAME = "decisions.yaml"
VERDICTS = {"same": "same concept", "different": "not the same", "related": "related"}
MAX_BYTES = 5_000_000  # a review of a 100k-entry corpus fits; anything larger is not a review file
HEADER = ("# Duplicates review: a glossary owner's verdict on pairs of entries (ids are glossary#position).\n"
          "# verdict: same (one concept), different (not the same), related. Written by `glossary-search review`\n"
          "# and the app's Duplicates view; safe to edit by hand.\n")


@dataclass(frozen=True)
class Decision:
    """One verdict on one pair of entries; `preferred` names the entry whose name and definition to keep."""

    a: str
    b: str
    verdict: str
    preferred: str | None = None
    by: str | None = None
    at: str | None = None
    terms: tuple[str, ...] = ()  # the two names when decided, for a reader of the file

    @property
    def key(self) -> frozenset[str]:
        return frozenset((self.a, self.b))


class Decisions:
    """Every decision of a corpus, one per pair (a newer decision on a pair replaces the older one)."""

    def __init__(self, items: Iterable[Decision] = ()):
        self._items: dict[frozenset[str], Decision] = {}
        for d in items:
            self._items[d.key] = d

    def __iter__(self):
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def get(self, a: str, b: str) -> Decision | None:
        return self._items.get(frozenset((a, b)))

    def apart(self, a: str, b: str) -> bool:
        """True when a reviewer said these two entries are two concepts ('not the same' or 'related'):
        nothing may show them as one (a result card, a term page's same-concept list)."""
        d = self.get(a, b)
        return d is not None and d.verdict != "same"

    def involving(self, entry_id: str) -> list[Decision]:
        """The decisions on pairs that hold this entry, for its term page."""
        return [d for d in self if entry_id in (d.a, d.b)]

    # ---- changing ----------------------------------------------------------------------------------
    def decide(self, a: str, b: str, verdict: str, *, preferred: str | None = None, by: str | None = None,
               terms: Sequence[str] = (), at: str | None = None) -> "Decisions":
        """A copy with this verdict on (a, b), replacing any earlier one."""
        if verdict not in VERDICTS:
            raise UsageError(f"Unknown verdict {verdict!r}; valid verdicts: {', '.join(VERDICTS)}.")
        if a == b:
            raise UsageError(f"A pair needs two different entries, got {a!r} twice.")
        if preferred is not None and (verdict != "same" or preferred not in (a, b)):
            raise UsageError(f"The preferred entry must be one of the pair ({a}, {b}) of a 'same' decision, "
                             f"got {preferred!r}.")
        at = at or datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        if b < a:
            a, b, terms = b, a, tuple(reversed(terms))
        decision = Decision(a, b, verdict, preferred, by, at, tuple(terms))
        return Decisions([*(d for d in self if d.key != decision.key), decision])

    def undo(self, a: str, b: str) -> "Decisions":
        """A copy without the decision on (a, b); UsageError when there is none."""
        if self.get(a, b) is None:
            raise UsageError(f"No decision on the pair {a} / {b} to undo.")
        return Decisions(d for d in self if d.key != frozenset((a, b)))

    # ---- applying ----------------------------------------------------------------------------------
    def same_links(self, position: Mapping[str, int]) -> list[tuple[int, int]]:
        """Entry pairs (i, j) reviewed as one concept: they join concepts like a 'See X.' reference does."""
        return [(position[d.a], position[d.b]) for d in self
                if d.verdict == "same" and d.a in position and d.b in position]

    def apply(self, pairs: Sequence[DuplicatePair],
              make_pair: Callable[[str, str], DuplicatePair | None]) -> list[DuplicatePair]:
        """Pairs as reviewed: 'different' ones dropped, 'same' and 'related' ones banded so with basis
        'reviewed' (added when the finder had not suggested them). A reviewed pair is never a suggestion."""
        out: list[DuplicatePair] = []
        seen: set[frozenset[str]] = set()
        for p in pairs:
            key = frozenset((p.a.id, p.b.id))
            seen.add(key)
            d = self._items.get(key)
            if d is None:
                out.append(p)
            elif d.verdict != "different":
                out.append(_as_reviewed(p, d))
        for d in self:
            if d.key not in seen and d.verdict != "different":
                made = make_pair(d.a, d.b)
                if made is not None:
                    out.append(_as_reviewed(made, d))
        return sorted(out, key=lambda p: -p.evidence)

    def preferred_ids(self) -> set[str]:
        return {d.preferred for d in self if d.preferred and d.verdict == "same"}

    # ---- the file ------------------------------------------------------------------------------------
    @classmethod
    def load(cls, corpus_dir: str | Path) -> "Decisions":
        """The corpus folder's decisions; none when the file is absent. A broken file is a CorpusError."""
        path = Path(corpus_dir) / FILE_NAME
        try:
            if path.stat().st_size > MAX_BYTES:
                raise CorpusError(f"{path}: larger than {MAX_BYTES:,} bytes; not a review file.")
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{path}: cannot read: {exc}") from exc
        if "&" in text or "*" in text:  # anchors and aliases: nothing a review needs, and a way to blow up
            for token in yaml.scan(text, Loader=yaml.SafeLoader):
                if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                    raise CorpusError(f"{path}:{token.start_mark.line + 1}: YAML anchors and aliases are not "
                                      "allowed in a review file.")
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise CorpusError(f"{path}: YAML syntax error: {str(exc)[:200]}") from exc
        raw = data.get("decisions") if isinstance(data, dict) else None
        if not isinstance(raw, list):
            raise CorpusError(f"{path}: expected a mapping with a list 'decisions'.")
        return cls(_decision(path, n, item) for n, item in enumerate(raw, start=1))

    def save(self, corpus_dir: str | Path) -> Path:
        """Write the file atomically (temporary file, fsync, rename); with no decisions left, remove it
        (the same as an absent file), so undoing the only review leaves the corpus folder as it was."""
        path = Path(corpus_dir) / FILE_NAME
        if not len(self):
            path.unlink(missing_ok=True)
            return path
        items = []
        for d in sorted(self, key=lambda d: (d.a, d.b)):
            item = {"pair": [d.a, d.b], "verdict": d.verdict}
            if d.terms:
                item["terms"] = list(d.terms)
            for name in ("preferred", "by", "at"):
                if getattr(d, name):
                    item[name] = getattr(d, name)
            items.append(item)
        text = HEADER + yaml.safe_dump({"decisions": items}, sort_keys=False, allow_unicode=True, width=110)
        from .store import umask  # (store imports faiss: only when saving)

        fd, tmp = tempfile.mkstemp(prefix=".decisions-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o666 & ~umask())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


def _as_reviewed(p: DuplicatePair, d: Decision) -> DuplicatePair:
    if d.verdict == "same":
        band = "identical" if p.band == "identical" else "same"
        return replace(p, band=band, evidence=1.0, basis="reviewed")
    return replace(p, band="related", basis="reviewed")


def _decision(path: Path, n: int, item) -> Decision:
    where = f"{path}: decision {n}"
    if not isinstance(item, dict):
        raise CorpusError(f"{where}: expected a mapping with 'pair' and 'verdict'.")
    pair = item.get("pair")
    if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) and x for x in pair)
            and pair[0] != pair[1]):
        raise CorpusError(f"{where}: 'pair' must be two different entry ids, got {str(pair)[:80]!r}.")
    verdict = item.get("verdict")
    if verdict not in VERDICTS:
        raise CorpusError(f"{where}: 'verdict' is {str(verdict)[:40]!r}; valid verdicts: {', '.join(VERDICTS)}.")
    preferred = item.get("preferred")
    if preferred is not None and preferred not in pair:
        raise CorpusError(f"{where}: 'preferred' must be one of the pair, got {str(preferred)[:80]!r}.")
    for name in ("by", "at"):
        if item.get(name) is not None and not isinstance(item.get(name), (str, datetime.datetime)):
            raise CorpusError(f"{where}: '{name}' must be text.")
    terms = item.get("terms") or []
    a, b = sorted(pair)
    return Decision(a, b, verdict, preferred, item.get("by"),
                    str(item["at"]) if item.get("at") is not None else None,
                    tuple(str(t) for t in terms) if isinstance(terms, list) else ())
