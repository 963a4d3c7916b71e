"""Near-duplicate pairs, concept groups and related concepts: maths over entry vectors, no model here."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from .corpus import normalize_name
from .keyword import stem_words
from .types import ConceptGroup, DuplicatePair, Entry, Related

BANDS = ("identical", "same", "related")


@dataclass(frozen=True)
class Thresholds:
    """Cut-offs between bands, calibrated on eval/duplicates.yaml (tune split: scripts/evaluate.py --sweep).

    'Same concept' is judged on evidence = cosine + overlap_weight * word overlap: shared wording
    rescues paraphrases the vectors under-rate (Agent vs Customer Service Representative), and its
    absence demotes look-alike names (Agent Engagement vs Customer Engagement).
    """

    same: float = 0.99  # evidence for "same concept" (middle of the 0.975-1.01 plateau on the tune split)
    same_if_named_alike: float = 0.80  # lower evidence bar when term or alias coincide
    related: float = 0.60  # cosine for "closely related"
    identical_overlap: float = 0.80  # word overlap that makes two definitions the same wording
    overlap_weight: float = 1.0


DEFAULT_THRESHOLDS = Thresholds()


def word_overlap(a: str, b: str) -> float:
    """Jaccard overlap of stemmed content words: separates copies from paraphrases."""
    wa, wb = set(stem_words(a)), set(stem_words(b))
    if not wa or not wb:
        return 1.0 if a.strip() == b.strip() else 0.0
    return len(wa & wb) / len(wa | wb)


def named_alike(a: Entry, b: Entry) -> bool:
    """Same term or alias (case, plurals and '(ACR)' folded), or the same acronym on similar terms.

    An acronym alone is not enough: CSR is both 'Customer Service Representative' and
    'Corporate Social Responsibility'.
    """
    names_a = {normalize_name(n) for n in (a.term, *a.aliases)}
    names_b = {normalize_name(n) for n in (b.term, *b.aliases)}
    if names_a & names_b:
        return True
    if a.acronym and b.acronym and normalize_name(a.acronym) == normalize_name(b.acronym):
        wa, wb = set(normalize_name(a.term).split()), set(normalize_name(b.term).split())
        return len(wa & wb) / len(wa | wb) >= 0.5
    return False


def band_of(a: Entry, b: Entry, similarity: float, overlap: float, t: Thresholds = DEFAULT_THRESHOLDS) -> str | None:
    if " ".join(a.definition.split()) == " ".join(b.definition.split()):
        return "identical"
    evidence = similarity + t.overlap_weight * overlap
    if evidence >= t.same or (named_alike(a, b) and evidence >= t.same_if_named_alike):
        return "identical" if overlap >= t.identical_overlap else "same"
    if similarity >= t.related:
        return "related"
    return None


def candidate_pairs(vectors: np.ndarray, floor: float, top_k: int = 20) -> list[tuple[float, int, int]]:
    """(cosine, i, j) for every pair above `floor`, via sentence-transformers' paraphrase mining."""
    import torch
    from sentence_transformers import util

    if len(vectors) < 2:
        return []
    mined = util.paraphrase_mining_embeddings(
        torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)),
        top_k=min(top_k, len(vectors) - 1),
        max_pairs=max(10_000, len(vectors) * top_k),
    )
    return [(float(s), int(i), int(j)) for s, i, j in mined if s >= floor]


def duplicate_pairs(entries: Sequence[Entry], vectors: np.ndarray, t: Thresholds = DEFAULT_THRESHOLDS,
                    floor: float | None = None) -> list[DuplicatePair]:
    """Every banded pair, most similar first; identity of names lowers the bar, never skips it."""
    floor = min(t.related, t.same_if_named_alike - t.overlap_weight, t.same - t.overlap_weight) if floor is None else floor
    pairs = []
    for sim, i, j in candidate_pairs(vectors, floor):
        a, b = entries[i], entries[j]
        overlap = word_overlap(a.definition, b.definition)
        band = band_of(a, b, sim, overlap, t)
        if band:
            pairs.append(DuplicatePair(a=a, b=b, similarity=round(sim, 4), word_overlap=round(overlap, 3), band=band))
    return pairs


def concept_groups(entries: Sequence[Entry], pairs: Sequence[DuplicatePair]) -> list[ConceptGroup]:
    """Concepts from 'same' pairs by complete linkage (every two members are 'same', so no chains
    like wait time ~ queue time ~ utilization), exact copies as 'identical' groups of their own,
    and 'related' pairs between different concepts."""
    same = [p for p in pairs if p.band in ("identical", "same")]
    linked = {frozenset((p.a.id, p.b.id)) for p in same}
    by_id = {e.id: e for e in entries}
    cluster: dict[str, frozenset[str]] = {e.id: frozenset((e.id,)) for e in entries}
    for p in sorted(same, key=lambda p: -(p.similarity + p.word_overlap)):
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
        groups.append(ConceptGroup(canonical_name(members), tuple(members), min(p.similarity for p in inner), band, inner))
    concept_sets = [set(c) for c in cluster.values() if len(c) > 1]
    for p in same:  # copies inside a larger concept still show as copies
        if p.band == "identical" and not any({p.a.id, p.b.id} == c for c in concept_sets):
            groups.append(ConceptGroup(canonical_name([p.a, p.b]), (p.a, p.b), p.similarity, "identical", (p,)))
    for p in pairs:
        if p.band == "related" or (p.band == "same" and cluster[p.a.id] is not cluster[p.b.id]):
            related = p if p.band == "related" else replace(p, band="related")
            groups.append(ConceptGroup(f"{p.a.term} ~ {p.b.term}", (by_id[p.a.id], by_id[p.b.id]),
                                       p.similarity, "related", (related,)))
    return sorted(groups, key=lambda g: (BANDS.index(g.band), -g.score, g.canonical))


def canonical_name(entries: Sequence[Entry]) -> str:
    """The most common term (ties: the shortest), with the most common acronym: 'Net Promoter Score (NPS)'."""
    terms = Counter(e.term for e in entries if not e.see)
    if not terms:
        terms = Counter(e.term for e in entries)
    term = sorted(terms.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0][0]
    acronyms = Counter(e.acronym for e in entries if e.acronym)
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
