"""Near-duplicate pairs, concept groups and related concepts: maths over entry vectors, no model here."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

import numpy as np

from .keyword import stem_words
from .types import ConceptGroup, DuplicatePair, Entry, Related

BANDS = ("identical", "same", "related")


@dataclass(frozen=True)
class Thresholds:
    """Cut-offs on the pair evidence, calibrated on eval/duplicates.yaml (tune split only;
    `python scripts/evaluate.py --sweep`): each is the middle of the plateau of best F1."""

    same: float = 0.51  # evidence for "same concept" (tune F1 >= 0.937 from 0.49 to 0.53)
    related: float = 0.33  # evidence for "closely related" (tune F1 >= 0.914 from 0.29 to 0.37)
    identical_overlap: float = 0.80  # word overlap that makes two same-concept definitions the same wording


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class EntryViews:
    """Each entry seen two ways, row i = entry i: its definition alone and its names alone (normalised)."""

    definition: np.ndarray
    names: np.ndarray


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


def pair_of(a: Entry, b: Entry, views: EntryViews, i: int, j: int, overlap: float,
            t: Thresholds = DEFAULT_THRESHOLDS, declared: bool = False) -> DuplicatePair | None:
    """The banded pair of entries i and j, or None when they are unrelated.

    `declared`: the glossary itself says they are one concept ('See X.'), whatever the vectors say.
    A cross-reference's own text ('See X.') defines nothing, so it is never compared by its words.
    """
    similarity = float(views.definition[i] @ views.definition[j])
    name_similarity = float(views.names[i] @ views.names[j])
    if declared:
        score, band = 1.0, "same"
    elif a.see or b.see:
        return None
    else:
        score = evidence(similarity, name_similarity, overlap)
        band = band_of(a, b, score, overlap, t)
    if band is None:
        return None
    return DuplicatePair(a=a, b=b, evidence=round(score, 4), similarity=round(similarity, 4),
                         name_similarity=round(name_similarity, 4), word_overlap=round(overlap, 3), band=band)


def reference_links(references: dict[int, list[int]]) -> list[tuple[int, int]]:
    """Pairs the glossaries declare one concept: each 'See X.' entry with every entry X resolves to,
    and two entries that point at the same X with each other. `references`: pointer -> targets."""
    links = {tuple(sorted((pointer, target))) for pointer, targets in references.items() for target in targets}
    pointers = sorted(references)
    for n, p in enumerate(pointers):
        for q in pointers[n + 1:]:
            if set(references[p]) & set(references[q]):
                links.add((p, q))
    return sorted(links)


def candidate_pairs(vectors: np.ndarray, top_k: int = 20) -> list[tuple[int, int]]:
    """(i, j) for each entry's top_k nearest neighbours, via sentence-transformers' paraphrase mining."""
    import torch
    from sentence_transformers import util

    if len(vectors) < 2:
        return []
    mined = util.paraphrase_mining_embeddings(
        torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)),
        top_k=min(top_k, len(vectors) - 1),
        max_pairs=max(10_000, len(vectors) * top_k),
    )
    return [(int(i), int(j)) for _, i, j in mined]


def duplicate_pairs(entries: Sequence[Entry], views: EntryViews, t: Thresholds = DEFAULT_THRESHOLDS,
                    declared: Iterable[tuple[int, int]] = ()) -> list[DuplicatePair]:
    """Every banded pair, strongest evidence first; `declared` pairs (i, j) are 'See X.' links.

    Candidates are mined on definition and names together (their concatenation's cosine is the mean
    of the two cosines), so every pair the evidence could promote is among each entry's neighbours.
    """
    both = np.hstack([views.definition, views.names]) / np.sqrt(2.0)
    words = [set(stem_words(e.definition)) for e in entries]
    links = {frozenset(p) for p in declared}
    pairs = []
    candidates = {tuple(sorted(pair)) for pair in [*candidate_pairs(both), *links]}
    for i, j in sorted(candidates):
        overlap = _jaccard(words[i], words[j], entries[i].definition, entries[j].definition)
        pair = pair_of(entries[i], entries[j], views, i, j, overlap, t, declared=frozenset((i, j)) in links)
        if pair:
            pairs.append(pair)
    return sorted(pairs, key=lambda p: -p.evidence)


def concept_groups(entries: Sequence[Entry], pairs: Sequence[DuplicatePair]) -> list[ConceptGroup]:
    """Concepts from 'same' pairs by complete linkage (every two members are 'same', so no chains
    like wait time ~ queue time ~ utilization), exact copies as 'identical' groups of their own,
    and 'related' pairs between different concepts."""
    same = [p for p in pairs if p.band in ("identical", "same")]
    linked = {frozenset((p.a.id, p.b.id)) for p in same}
    by_id = {e.id: e for e in entries}
    cluster: dict[str, frozenset[str]] = {e.id: frozenset((e.id,)) for e in entries}
    for p in sorted(same, key=lambda p: -p.evidence):
        ca, cb = cluster[p.a.id], cluster[p.b.id]
        if ca is cb or not all(frozenset((x, y)) in linked for x in ca for y in cb):
            continue
        merged = ca | cb
        for member in merged:
            cluster[member] = merged

    groups: list[ConceptGroup] = []
    for ids in {c for c in cluster.values() if len(c) > 1}:
        members = [e for e in entries if e.id in ids]
        inner = tuple(p for p in same if p.a.id in ids and p.b.id in ids)
        band = "identical" if all(p.band == "identical" for p in inner) else "same"
        groups.append(ConceptGroup(canonical_name(members), tuple(members), min(p.evidence for p in inner), band, inner))
    concept_sets = [set(c) for c in cluster.values() if len(c) > 1]
    for p in same:  # copies inside a larger concept still show as copies
        if p.band == "identical" and not any({p.a.id, p.b.id} == c for c in concept_sets):
            groups.append(ConceptGroup(canonical_name([p.a, p.b]), (p.a, p.b), p.evidence, "identical", (p,)))
    for p in pairs:
        if p.band == "related" or (p.band == "same" and cluster[p.a.id] is not cluster[p.b.id]):
            related = p if p.band == "related" else replace(p, band="related")
            groups.append(ConceptGroup(f"{p.a.term} ~ {p.b.term}", (by_id[p.a.id], by_id[p.b.id]),
                                       p.evidence, "related", (related,)))
    return sorted(groups, key=lambda g: (BANDS.index(g.band), -g.score, g.canonical))


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
                    top_k: int = 10) -> list[Related]:
    """Nearest other concepts: the term's own near-duplicates are excluded, one result per concept."""
    of = concept_of(groups)
    own = of.get(entries[target].id)
    excluded = {e.id for e in own.entries} if own else {entries[target].id}
    sims = vectors @ vectors[target]
    seen_concepts: set[str] = set()
    out: list[Related] = []
    for n in np.argsort(-sims, kind="stable"):
        e = entries[n]
        if e.id in excluded or n == target:
            continue
        concept = of[e.id].canonical if e.id in of else e.id
        if concept in seen_concepts:
            continue
        seen_concepts.add(concept)
        out.append(Related(entry=e, score=round(float(sims[n]), 4)))
        if len(out) >= top_k:
            break
    return out


def project_2d(vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """A 2-D map of the vocabulary (PCA: deterministic, fast, and stable when one entry changes)."""
    from sklearn.decomposition import PCA

    if len(vectors) < 3:
        return np.zeros((len(vectors), 2))
    return PCA(n_components=2, random_state=seed).fit_transform(vectors)
