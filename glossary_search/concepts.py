"""Near-duplicate pairs, concept groups and related concepts: maths over entry vectors, no model here."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Iterable, Iterator, Sequence

import numpy as np

from .identity import (acronyms, candidate_links, compact_key, counts_one, different_heads, heads, identity_classes,
                       name_key, name_links, narrows, nested)
from .keyword import stem_words, stem_words_many
from .types import ConceptGroup, DuplicatePair, Entry, Related

BANDS = ("identical", "same", "related")
# A word at least this share of the definitions use is the domain's own ('call', 'agent', 'support' in
# contact-center glossaries): put before a name it narrows little, so 'Call Abandonment Rate' and
# 'Abandonment Rate' count as one name (PairScorer.qualified). Chosen on the studied sets (tune of
# eval/duplicates.yaml, eval/real-glossaries 1-3): recall and precision equal from 0.03 to 0.08.
GENERIC_WORD = 0.05
CANDIDATES_PER_ENTRY = 20  # nearest neighbours mined per entry for near-duplicate pairs
# From this many entries the neighbours are mined approximately (HNSW, index.approximate_nearest_rows): the
# exact n x n product takes about 10 minutes at 100k entries on two cores. Below it, mining is exact.
APPROXIMATE_FROM = 20_000
# Definition cosine at which two entries one acronym names are one concept (identity.acronym_links; the same
# bar for a name a definition states, identity.stated_links). Chosen on the tune split of
# eval/duplicates.yaml. all-MiniLM-L6-v2: 71 of its 72 same-concept pairs with two
# definitions are at least this close, the only acronym collisions of the corpus, the CSRs, at 0.23 and 0.26.
# all-mpnet-base-v2 (re-checked): the CSRs at 0.26 and 0.32, and no same pair between 0.305 and 0.371, so
# every cut-off in that gap splits tune alike; 0.35 sits in it for both models.
DEFINITIONS_AGREE = 0.35


@dataclass(frozen=True)
class Thresholds:
    """Cut-offs on the pair evidence, calibrated on eval/duplicates.yaml (tune split only, 236 pairs;
    `python scripts/evaluate.py --sweep`)."""

    # evidence for "same concept", chosen with the default model (all-mpnet-base-v2): tune F1 0.927 (P 0.916,
    # R 0.938), its maximum, on a 0.92-0.93 plateau from 0.49 to 0.52 (with MiniLM the best was 0.50)
    same: float = 0.52
    related: float = 0.33  # related-or-same against different: tune F1 0.896, on a 0.89-0.90 plateau from 0.29 to 0.35
    # More evidence asked of two concepts one glossary defines apart, under names that do not nest: its author
    # meant two, and by meaning alone such calls were the whole-corpus report's usual mistakes (Skill Group ~
    # Skill Set, Client ~ Customer). same + 0.05: tune F1 0.950 (P 0.962, R 0.938; 0.938 / 0.938 without), on a
    # plateau from +0.04 to +0.06; real (eval/real-glossaries, studied) P 0.947, R 0.871; over the whole corpus
    # with the real glossaries, 0.91 of the 'same' calls labeled same, 0.86 without.
    apart: float = 0.05
    identical_overlap: float = 0.80  # word overlap that makes two same-concept definitions the same wording


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class EntryViews:
    """Each entry seen two ways, row i = entry i: its definition alone and its names alone (normalised)."""

    definition: np.ndarray
    names: np.ndarray


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def different_numbers(a: str, b: str) -> bool:
    """True when two definitions both give numbers and share none: worded alike, they set apart two bands of
    one scale ('a customer who answers 9 or 10' and '... 0 to 6': Promoter and Detractor), or two tiers."""
    found_a, found_b = set(_NUMBER.findall(a)), set(_NUMBER.findall(b))
    return bool(found_a and found_b) and not found_a & found_b


def word_overlap(a: str, b: str) -> float:
    """Jaccard overlap of stemmed content words: separates copies from paraphrases."""
    return _jaccard(set(stem_words(a)), set(stem_words(b)), a, b)


def _jaccard(wa: set[str], wb: set[str], a: str, b: str) -> float:
    if not wa or not wb:
        return 1.0 if a.strip() == b.strip() else 0.0
    return len(wa & wb) / len(wa | wb)


def evidence(similarity: float, name_similarity: float, overlap: float) -> float:
    """How sure we are that two entries define one concept, 0..1: the mean of what the definitions
    mean (cosine), what the entries are called (cosine of their names), and the words they share.

    Names matter: a curated 'Customer Satisfaction Score' and a seed 'Customer Satisfaction (CSAT)' are
    one concept even when their definitions are worded apart; shared words rescue paraphrases the
    vectors under-rate. One number, so one threshold, tuned once.
    """
    return (similarity + name_similarity + overlap) / 3


def band_of(a: Entry, b: Entry, score: float, overlap: float, t: Thresholds = DEFAULT_THRESHOLDS) -> str | None:
    """'identical' (same wording), 'same' (paraphrase), 'related', or None for an unrelated pair."""
    if " ".join(a.definition.split()) == " ".join(b.definition.split()):
        return "identical"
    if score >= t.same:
        return "identical" if overlap >= t.identical_overlap else "same"
    if score >= t.related:
        return "related"
    return None


class PairScorer:
    """Evidence between any two entries, with entries the glossaries name as one concept taken together.

    Entries joined by a shared name, nested acronym or 'See X.' reference (identity.py) form one class
    and are 'same' by declaration. Two classes are compared by the mean evidence over their members'
    pairs, so a term defined in three glossaries is judged on all three definitions, and an entry and its
    namesakes always land on the same side of the threshold. A cross-reference's own text ('See X.')
    defines nothing, so it is never compared by its words. Two classes whose names nest with different
    heads ('Queue' and 'Queue Time') are at most related, however close their definitions, and so are two
    classes one of which names the other qualified ('Contact Center CRM', abbreviated CRM, and 'CRM'). Two
    classes one glossary defines apart need t.apart more evidence to be 'same'.
    """

    def __init__(self, entries: Sequence[Entry], views: EntryViews, declared: Iterable[tuple[int, int]] = (),
                 agree: float = DEFINITIONS_AGREE,
                 links: tuple[list[tuple[int, int]], list[tuple[int, int]]] | None = None,
                 neighbours: np.ndarray | None = None):
        """`links`: identity.name_links and identity.candidate_links of the entries, when known already;
        `neighbours`: `neighbour_pairs` of the entries' mining vectors, when known already (the index build
        stores them)."""
        self.entries = entries
        self.views = views
        self._neighbours = neighbours
        named, candidates = links if links is not None else (name_links(entries), candidate_links(entries))
        named = list(named)
        # One acronym, or a name a definition states ('also known as'), joins only when the definitions agree
        # (CSR names two different things).
        named += [(i, j) for i, j in candidates
                  if not (entries[i].see or entries[j].see)
                  and float(views.definition[i] @ views.definition[j]) >= agree]
        self.name_classes = identity_classes(len(entries), named)  # without 'See X.': what 'named' means
        self.classes = identity_classes(len(entries), [*declared, *named])
        self.members: dict[int, list[int]] = {}
        for i, c in enumerate(self.classes):
            self.members.setdefault(int(c), []).append(i)
        self._between: dict[tuple[int, int], float | None] = {}
        self._heads_apart: dict[tuple[int, int], bool] = {}
        self._acronyms_apart: dict[tuple[int, int], bool] = {}
        self._narrower: dict[tuple[int, int], bool] = {}
        self._defined_apart: dict[tuple[int, int], bool] = {}

    @cached_property
    def _words(self) -> list[set[str]]:
        """Stemmed definition words per entry; computed on first use (seconds at 100k, not needed to ask)."""
        return [set(words) for words in stem_words_many([e.definition for e in self.entries])]

    def overlap(self, i: int, j: int) -> float:
        return _jaccard(self._words[i], self._words[j], self.entries[i].definition, self.entries[j].definition)

    def cosines(self, i: int, j: int) -> tuple[float, float]:
        """(definition cosine, names cosine) of entries i and j; names one generic word apart count as one
        (`qualified`)."""
        names = float(self.views.names[i] @ self.views.names[j])
        if (int(self._name_ids[i]), int(self._name_ids[j])) in self.qualified:
            names = 1.0
        return float(self.views.definition[i] @ self.views.definition[j]), names

    @cached_property
    def _name_ids(self) -> np.ndarray:
        """Per entry, an id of its term's stemmed words (entries named alike share one)."""
        ids: dict[str, int] = {}
        return np.array([ids.setdefault(compact_key(e.term), len(ids)) for e in self.entries], dtype=np.int64)

    @cached_property
    def qualified(self) -> set[tuple[int, int]]:
        """Name id pairs, both orders, of names that differ by one generic word before the same last word:
        'Abandonment Rate' and 'Call Abandonment Rate', 'Occupancy' and 'Agent Occupancy', 'Ticket' and
        'Support Ticket'. The definitions still have to agree; a rare word ('Remote Agent') names a kind
        of the thing, and a different last word ('Queue Time') another thing (`heads_apart`)."""
        df = Counter(w for words in self._words for w in words)
        generic = {w for w, n in df.items() if n >= GENERIC_WORD * len(self.entries)}
        by_words: dict[frozenset, set[int]] = {}
        keys: dict[int, list[str]] = {}
        for e, k in zip(self.entries, self._name_ids.tolist()):
            if k not in keys and (words := name_key(e.term).split()):
                keys[k] = words
                by_words.setdefault(frozenset(words), set()).add(k)
        found = set()
        for k, words in keys.items():
            for w in (set(words) - heads(words)) & generic:
                if words.count(w) == 1:
                    found.update((k, other) for other in by_words.get(frozenset(words) - {w}, ())
                                 if heads(keys[other]) & heads(words))
        return found | {(b, a) for a, b in found}

    def own_evidence(self, i: int, j: int) -> float:
        return evidence(*self.cosines(i, j), self.overlap(i, j))

    def _class_key(self, i: int, j: int) -> tuple[int, int]:
        return tuple(sorted((int(self.classes[i]), int(self.classes[j]))))

    def _member_pairs(self, key: tuple[int, int]) -> Iterator[tuple[int, int]]:
        """Every member pair of two classes, cross-references left out (their 'See X.' defines nothing)."""
        return ((a, b) for a in self.members[key[0]] for b in self.members[key[1]]
                if not self.entries[a].see and not self.entries[b].see)

    def between(self, i: int, j: int) -> float | None:
        """Mean evidence between the classes of entries i and j; None when either is only cross-references."""
        key = self._class_key(i, j)
        if key not in self._between:
            scores = [self.own_evidence(a, b) for a, b in self._member_pairs(key)]
            self._between[key] = float(np.mean(scores)) if scores else None
        return self._between[key]

    def heads_apart(self, i: int, j: int) -> bool:
        """True when some two members of the classes of i and j nest with different heads (identity.py)."""
        key = self._class_key(i, j)
        if key not in self._heads_apart:
            self._heads_apart[key] = key[0] != key[1] and any(
                different_heads(self.entries[a], self.entries[b]) for a, b in self._member_pairs(key))
        return self._heads_apart[key]

    def acronyms_apart(self, i: int, j: int) -> bool:
        """True when the classes of i and j are abbreviated differently (own acronyms, else initials, none
        shared): 'First Response Time (FRT)' and 'Average Response Time' (ART) are two measures. Nested
        names ('Average First Response Time', FRT) are left to their heads (`heads_apart`)."""
        key = self._class_key(i, j)
        if key not in self._acronyms_apart:
            sides = [set().union(*(acronyms(self.entries[m]) for m in self.members[c] if not self.entries[m].see))
                     for c in key]
            self._acronyms_apart[key] = (key[0] != key[1] and all(sides) and not sides[0] & sides[1]
                                         and not any(nested(self.entries[a], self.entries[b])
                                                     for a, b in self._member_pairs(key)))
        return self._acronyms_apart[key]

    def narrower(self, i: int, j: int) -> bool:
        """True when a member of one class is a member of the other qualified (identity.narrows): 'Contact
        Center CRM' abbreviates as CRM only its part, so it is a kind of CRM, not CRM; or by an ordinal
        (identity.counts_one): 'First Response Time' is the time to one response, not 'Response Time'."""
        key = self._class_key(i, j)
        if key not in self._narrower:
            self._narrower[key] = key[0] != key[1] and any(
                narrows(self.entries[a], self.entries[b]) or narrows(self.entries[b], self.entries[a])
                or counts_one(self.entries[a], self.entries[b])
                for a, b in self._member_pairs(key))
        return self._narrower[key]

    def defined_apart(self, i: int, j: int) -> bool:
        """True when one glossary defines a member of each class under names that do not nest (the classes
        differ, so the names do too): its author kept them apart. Nested names ('Ticket', 'Support Ticket')
        are left to their heads, as for acronyms."""
        key = self._class_key(i, j)
        if key not in self._defined_apart:
            self._defined_apart[key] = key[0] != key[1] and any(
                self.entries[a].glossary == self.entries[b].glossary and not nested(self.entries[a], self.entries[b])
                for a, b in self._member_pairs(key))
        return self._defined_apart[key]

    def pair(self, i: int, j: int, t: Thresholds = DEFAULT_THRESHOLDS) -> DuplicatePair | None:
        """The banded pair of entries i and j, or None when they are unrelated."""
        a, b = self.entries[i], self.entries[j]
        overlap = self.overlap(i, j)
        if self.classes[i] == self.classes[j]:
            score, basis = 1.0, ("named" if self.name_classes[i] == self.name_classes[j] else "declared")
            copies = not (a.see or b.see) and band_of(a, b, 1.0, overlap, t) == "identical"
            band = "identical" if copies else "same"
        else:
            score, basis = self.between(i, j), "meaning"
            if score is None:
                return None
            band = band_of(a, b, score, overlap, t)
            if band == "same" and self.heads_apart(i, j):
                band, basis = "related", "heads"
            elif band == "same" and self.acronyms_apart(i, j):
                band, basis = "related", "acronyms"
            elif band == "same" and self.narrower(i, j):
                band, basis = "related", "narrower"
            elif band == "same" and score < t.same + t.apart and self.defined_apart(i, j):
                band, basis = "related", "apart"
            if band in ("same", "identical") and different_numbers(a.definition, b.definition):
                band, basis = "related", "numbers"
        if band is None:
            return None
        similarity, name_similarity = self.cosines(i, j)
        return DuplicatePair(a=a, b=b, evidence=round(score, 4), similarity=round(similarity, 4),
                             name_similarity=round(name_similarity, 4), word_overlap=round(overlap, 3),
                             band=band, basis=basis)

    def pairs(self, t: Thresholds = DEFAULT_THRESHOLDS) -> list[DuplicatePair]:
        """Every banded pair, strongest evidence first (a new threshold re-bands the same candidates).

        The candidates that cannot be banded (evidence between their classes below t.related, definitions
        worded apart) are dropped first, over arrays; `pair` decides the rest, one by one, as before.
        """
        candidates = self.candidates
        found = (self.pair(int(i), int(j), t) for i, j in candidates[self.could_band(candidates, t)])
        return sorted((p for p in found if p), key=lambda p: -p.evidence)

    def could_band(self, candidates: np.ndarray, t: Thresholds = DEFAULT_THRESHOLDS,
                   margin: float = 1e-4) -> np.ndarray:
        """Mask of the candidate pairs `pair` may band: one class, the same wording, or a mean evidence
        between their classes within `margin` of t.related (float32 sums here; `pair` has the last word).
        `candidates` must hold every member pair of each two classes it joins, as `candidates` does."""
        if not len(candidates):
            return np.zeros(0, dtype=bool)
        i, j = candidates[:, 0], candidates[:, 1]
        classes = np.asarray(self.classes)
        ci, cj = classes[i], classes[j]
        see = np.array([bool(e.see) for e in self.entries])
        own = np.empty(len(candidates), dtype=np.float64)
        for start in range(0, len(candidates), 20_000):  # bounded memory: (chunk x dim) gathers, 30 MB each
            a, b = i[start:start + 20_000], j[start:start + 20_000]
            names = np.einsum("ij,ij->i", self.views.names[a], self.views.names[b])
            if self.qualified:
                names[self._qualified_mask(a, b)] = 1.0
            own[start:start + len(a)] = (np.einsum("ij,ij->i", self.views.definition[a], self.views.definition[b])
                                         + names + self._overlaps(a, b)) / 3
        counted = ~(see[i] | see[j])  # as `between`: a cross-reference's words define nothing
        low, high = np.minimum(ci, cj), np.maximum(ci, cj)
        _, group = np.unique(low.astype(np.int64) * (int(classes.max()) + 1) + high, return_inverse=True)
        total = np.bincount(group, weights=np.where(counted, own, 0.0))
        count = np.bincount(group, weights=counted.astype(np.float64))
        between = np.divide(total, count, out=np.full_like(total, -np.inf), where=count > 0)[group]
        wording = np.array([hash(" ".join(e.definition.split())) for e in self.entries])
        return (ci == cj) | (wording[i] == wording[j]) | (between >= t.related - margin)

    def _qualified_mask(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """`qualified` over arrays of entry positions."""
        n = int(self._name_ids.max()) + 1
        codes = np.array([x * n + y for x, y in self.qualified], dtype=np.int64)
        return np.isin(self._name_ids[a] * n + self._name_ids[b], codes)

    def _overlaps(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """`overlap` of many pairs at once: shared stemmed words over a sparse entry x word matrix."""
        words, sizes = self._word_matrix
        shared = np.asarray(words[a].multiply(words[b]).sum(axis=1), dtype=np.float64).ravel()
        union = sizes[a] + sizes[b] - shared
        out = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        for k in np.flatnonzero((sizes[a] == 0) | (sizes[b] == 0)):  # no content words: same text or nothing
            out[k] = self.overlap(int(a[k]), int(b[k]))
        return out

    @cached_property
    def _word_matrix(self):
        from scipy.sparse import csr_matrix

        vocabulary: dict[str, int] = {}
        columns = [vocabulary.setdefault(w, len(vocabulary)) for words in self._words for w in words]
        sizes = np.array([len(words) for words in self._words], dtype=np.float64)
        pointers = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        matrix = csr_matrix((np.ones(len(columns), dtype=np.float32), np.asarray(columns, dtype=np.int64), pointers),
                            shape=(len(self.entries), max(len(vocabulary), 1)))
        return matrix, sizes

    @cached_property
    def candidates(self) -> np.ndarray:
        """Pairs (i, j), i < j, worth banding, mined once whatever the thresholds, as rows of an array in
        sorted order.

        Each entry's CANDIDATES_PER_ENTRY neighbours on definition and names together (their
        concatenation's cosine is the mean of the two cosines), every two members of a class, every member
        pair of two classes that have one candidate between them, and of two classes named one generic word
        apart.
        """
        neighbours = self._neighbours
        if neighbours is None:
            neighbours = neighbour_pairs(mining_vectors(self.views), CANDIDATES_PER_ENTRY)
        classes = np.asarray(self.classes, dtype=np.int64)
        sizes = np.bincount(classes, minlength=int(classes.max(initial=0)) + 1)
        ci, cj = classes[neighbours[:, 0]], classes[neighbours[:, 1]]
        alone = (sizes[ci] == 1) & (sizes[cj] == 1)  # the pair is its classes' only member pair
        out = [neighbours[alone]]
        class_pairs = {(int(a), int(b)) for a, b in zip(np.minimum(ci, cj)[~alone], np.maximum(ci, cj)[~alone])}
        class_pairs |= {(c, c) for c, members in self.members.items() if len(members) > 1}
        # Names one generic word apart (`qualified`) may not be near neighbours: their classes are compared.
        first = {k: i for i, k in reversed(list(enumerate(self._name_ids.tolist())))} if self.qualified else {}
        class_pairs |= {(min(a, b), max(a, b)) for a, b in
                        ((int(classes[first[x]]), int(classes[first[y]])) for x, y in self.qualified)}
        out.append(np.array([(min(a, b), max(a, b)) for ca, cb in class_pairs
                             for a in self.members[ca] for b in self.members[cb] if a != b],
                            dtype=np.int64).reshape(-1, 2))
        return np.unique(np.concatenate(out).astype(np.int64), axis=0)


def duplicate_pairs(entries: Sequence[Entry], views: EntryViews, t: Thresholds = DEFAULT_THRESHOLDS,
                    declared: Iterable[tuple[int, int]] = ()) -> list[DuplicatePair]:
    """Every banded pair, strongest evidence first; `declared` pairs (i, j) are 'See X.' links."""
    return PairScorer(entries, views, declared).pairs(t)


def reference_links(references: dict[int, list[int]]) -> list[tuple[int, int]]:
    """Pairs the glossaries declare one concept: each 'See X.' entry with every entry X resolves to.
    `references`: pointer -> targets. (Two pointers to one X meet through X: see PairScorer.)"""
    return sorted({tuple(sorted((pointer, target))) for pointer, targets in references.items() for target in targets})


def mining_vectors(views: EntryViews) -> np.ndarray:
    """Definition and names side by side, scaled so a dot product is the mean of the two cosines."""
    return np.hstack([views.definition, views.names]) / np.sqrt(2.0)


def neighbour_pairs(vectors: np.ndarray, top_k: int = 20, approximate_from: int = APPROXIMATE_FROM) -> np.ndarray:
    """(i, j) rows, i < j, unique and sorted, for each entry's top_k nearest neighbours by cosine. As
    sentence-transformers' paraphrase mining: the top_k + 1 best of each row, itself left out (an entry
    whose copy ties with itself keeps one more). Exact (faiss' n x n product) below `approximate_from`
    rows, HNSW from there (index.approximate_nearest_rows). No sentence-transformers import."""
    from .index import approximate_nearest_rows, nearest_rows

    n = len(vectors)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    mine = approximate_nearest_rows if n >= approximate_from else nearest_rows
    found = mine(vectors, min(top_k + 1, n)).astype(np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), found.shape[1])
    found = found.ravel()
    keep = (found >= 0) & (found != rows)
    pairs = np.stack([np.minimum(rows, found)[keep], np.maximum(rows, found)[keep]], axis=1)
    return np.unique(pairs, axis=0)


def candidate_pairs(vectors: np.ndarray, top_k: int = 20,
                    approximate_from: int = APPROXIMATE_FROM) -> list[tuple[int, int]]:
    """`neighbour_pairs` as a sorted list of (i, j) tuples."""
    return [(int(i), int(j)) for i, j in neighbour_pairs(vectors, top_k, approximate_from)]


def concept_groups(entries: Sequence[Entry], pairs: Sequence[DuplicatePair]) -> list[ConceptGroup]:
    """Concepts from 'same' pairs by complete linkage (every two members are 'same', so no chains
    like wait time ~ queue time ~ utilization), exact copies as 'identical' groups of their own,
    and 'related' pairs between different concepts.

    Near-linear in the pairs: 'same' pairs are split into connected components (union-find), and
    complete linkage, strongest pair first, runs inside each component; a concept never spans two.
    """
    same = [p for p in pairs if p.band in ("identical", "same")]
    position = {e.id: i for i, e in enumerate(entries)}
    parent = list(range(len(entries)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in same:
        parent[find(position[p.a.id])] = find(position[p.b.id])
    components: dict[int, list[DuplicatePair]] = {}
    for p in same:
        components.setdefault(find(position[p.a.id]), []).append(p)

    cluster: dict[int, int] = {}  # entry position -> its concept's number
    members: list[list[int]] = []
    for component in components.values():
        linked: dict[int, set[int]] = {}
        for p in component:
            a, b = position[p.a.id], position[p.b.id]
            linked.setdefault(a, set()).add(b)
            linked.setdefault(b, set()).add(a)
        for p in sorted(component, key=lambda p: -p.evidence):
            a, b = position[p.a.id], position[p.b.id]
            ca = members[cluster[a]] if a in cluster else [a]
            cb = members[cluster[b]] if b in cluster else [b]
            if (a in cluster and b in cluster and cluster[a] == cluster[b]) \
                    or not all(y in linked[x] for x in ca for y in cb):
                continue
            number = cluster[a] if a in cluster else cluster.get(b, len(members))
            if number == len(members):
                members.append([])
            merged = sorted(set(ca) | set(cb))
            for m in (cluster.get(a), cluster.get(b)):
                if m is not None and m != number:
                    members[m] = []
            members[number] = merged
            for x in merged:
                cluster[x] = number

    inner: dict[int, list[DuplicatePair]] = {}
    for p in same:
        a, b = position[p.a.id], position[p.b.id]
        if a in cluster and cluster.get(b) == cluster[a]:
            inner.setdefault(cluster[a], []).append(p)
    groups: list[ConceptGroup] = []
    for number, ids in enumerate(members):
        if len(ids) > 1:
            group_entries = [entries[i] for i in ids]
            band = "identical" if all(p.band == "identical" for p in inner[number]) else "same"
            groups.append(ConceptGroup(canonical_name(group_entries), tuple(group_entries),
                                       min(p.evidence for p in inner[number]), band, tuple(inner[number])))
    for p in same:  # copies inside a larger concept still show as copies
        a, b = position[p.a.id], position[p.b.id]
        if p.band == "identical" and not (cluster.get(a) == cluster.get(b) and len(members[cluster[a]]) == 2):
            groups.append(ConceptGroup(canonical_name([p.a, p.b]), (p.a, p.b), p.evidence, "identical", (p,)))
    # Related pairs between the same two concepts are one group: 'First Response Time' of two glossaries
    # against 'Response Time' is one line to review, not two mirrored ones.
    between: dict[tuple[int, int], list[DuplicatePair]] = {}
    for p in pairs:
        a, b = position[p.a.id], position[p.b.id]
        ka, kb = cluster.get(a, -1 - a), cluster.get(b, -1 - b)
        if p.band == "related" or (p.band == "same" and ka != kb):
            related = p if p.band == "related" else replace(p, band="related")
            if ka > kb:
                ka, kb, related = kb, ka, replace(related, a=related.b, b=related.a)
            between.setdefault((ka, kb), []).append(related)
    for found in between.values():
        sides = [list({p.a.id: p.a for p in found}.values()), list({p.b.id: p.b for p in found}.values())]
        groups.append(ConceptGroup(f"{canonical_name(sides[0])} ~ {canonical_name(sides[1])}",
                                   tuple(sides[0] + sides[1]), min(p.evidence for p in found), "related",
                                   tuple(found)))
    return sorted(groups, key=lambda g: (BANDS.index(g.band), -g.score, g.canonical))


def review_pairs(group: ConceptGroup) -> list[tuple[str, str]]:
    """The entry id pairs a verdict on the group is about: every two members of a concept; for a related
    group, only its pairs across the two concepts (a verdict never splits either concept)."""
    if group.band == "related":
        return [(p.a.id, p.b.id) for p in group.pairs]
    ids = [e.id for e in group.entries]
    return [(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]


def canonical_name(entries: Sequence[Entry]) -> str:
    """The most common term (ties: the shortest), with its acronym: 'Net Promoter Score (NPS)'."""
    terms = Counter(e.term for e in entries if not e.see)
    if not terms:
        terms = Counter(e.term for e in entries)
    term = sorted(terms.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0][0]
    # Only an acronym written with that term: never 'Average Response Time (ASA)'.
    acronyms = Counter(e.acronym for e in entries if e.acronym and e.term == term)
    acronym = acronyms.most_common(1)[0][0] if acronyms else None
    return f"{term} ({acronym})" if acronym and acronym.lower() not in term.lower() else term


def named_alike(group: ConceptGroup) -> bool:
    """True when the glossaries name every pair of the group as one concept (term, alias, acronym, 'See X.'):
    its score is then 1.00 by declaration, whatever its definitions say."""
    return bool(group.pairs) and group.band != "related" and all(p.basis in ("named", "declared", "reviewed")
                                                                  for p in group.pairs)


def concept_of(groups: Sequence[ConceptGroup]) -> dict[str, ConceptGroup]:
    """Entry id -> its concept (the largest identical/same group it belongs to)."""
    out: dict[str, ConceptGroup] = {}
    for g in groups:
        if g.band != "related":
            for e in g.entries:
                if e.id not in out or len(g.entries) > len(out[e.id].entries):
                    out[e.id] = g
    return out


def related_entries(target: int, entries: Sequence[Entry], vectors: np.ndarray, groups: Sequence[ConceptGroup],
                    top_k: int = 10, allowed: np.ndarray | None = None) -> list[Related]:
    """Nearest other concepts: the term's own near-duplicates are excluded, one result per concept;
    `allowed` (a mask over entries): only those, each concept by its nearest allowed entry."""
    of = concept_of(groups)
    own = of.get(entries[target].id)
    excluded = {e.id for e in own.entries} if own else {entries[target].id}
    sims = vectors @ vectors[target]
    seen_concepts: set[str] = set()
    out: list[Related] = []
    for n in np.argsort(-sims, kind="stable"):
        e = entries[n]
        if e.id in excluded or n == target or (allowed is not None and not allowed[n]):
            continue
        concept = of[e.id].canonical if e.id in of else e.id
        if concept in seen_concepts:
            continue
        seen_concepts.add(concept)
        out.append(Related(entry=e, score=round(float(sims[n]), 4)))
        if len(out) >= top_k:
            break
    return out


TSNE_MAX_ENTRIES = 5000  # past this t-SNE takes minutes; the map falls back to PCA


def project_2d(vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """A 2-D map of the vocabulary that keeps neighbours together (t-SNE, seeded: the same map every start);
    PCA for a corpus too large for t-SNE to finish while a user waits."""
    if len(vectors) < 3:
        return np.zeros((len(vectors), 2))
    if len(vectors) > TSNE_MAX_ENTRIES:
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(vectors)
    from sklearn.manifold import TSNE

    perplexity = float(min(30.0, (len(vectors) - 1) / 3))
    # The exact gradient is quicker than Barnes-Hut below a thousand points (2 s against 9 s for 236 here).
    method = "exact" if len(vectors) <= 1000 else "barnes_hut"
    return TSNE(n_components=2, perplexity=perplexity, init="pca", metric="cosine", method=method, max_iter=500,
                random_state=seed).fit_transform(np.asarray(vectors, dtype=np.float32))
