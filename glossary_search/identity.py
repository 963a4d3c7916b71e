"""Entries the glossaries themselves name as one concept, before any vector is compared.

Three kinds of naming say so: the same term or alias ('Churn Rate' in two glossaries, 'Channels' and
an entry with the alias 'Channel'), the same acronym on nested names ('Customer Satisfaction (CSAT)' and
'Customer Satisfaction Score (CSAT)', but not the two CSRs), and 'See X.' cross-references.

Naming can also say the opposite: 'Queue Time' contains 'Queue' but names a time, not a queue.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Iterable, Sequence

import numpy as np
from rapidfuzz import fuzz

from .corpus import normalize_name
from .types import Entry

NESTED_NAMES = 90  # rapidfuzz token_set_ratio: one name's words within the other's, give or take a typo


def _names(entry: Entry) -> set[str]:
    return {key for key in (normalize_name(n) for n in (entry.term, *entry.aliases)) if key}


def same_name(a: Entry, b: Entry) -> bool:
    """A shared term or alias, or a shared acronym on names nested one in the other."""
    if _names(a) & _names(b):
        return True
    return bool(a.acronym and b.acronym and a.acronym.casefold() == b.acronym.casefold()
                and fuzz.token_set_ratio(normalize_name(a.term), normalize_name(b.term)) >= NESTED_NAMES)


def different_heads(a: Entry, b: Entry) -> bool:
    """One term's words nested in the other's, but the two end on different words.

    The last word of an English compound is its head, the kind of thing it names: 'Queue Time' is a
    time, 'Customer Journey Map' a map, 'Customer Effort Score' a score. Such names are neighbours
    (a measure or an artefact of the shorter one), never one concept; 'Support Ticket' keeps the head
    of 'Ticket' and may well be one.
    """
    wa, wb = normalize_name(a.term).split(), normalize_name(b.term).split()
    short, long = sorted((wa, wb), key=len)
    return bool(short) and len(short) < len(long) and set(short) < set(long) and short[-1] != long[-1]


def name_links(entries: Sequence[Entry]) -> list[tuple[int, int]]:
    """Pairs (i, j), i < j, that `same_name` joins, enough to connect every such pair (a spanning set:
    8,000 entries sharing one term give 7,999 links, not 32 million). Entries sharing a term or alias
    are chained; under a shared acronym only distinct names are compared, each once."""
    buckets: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(entries):
        for key in _names(e):
            buckets["name:" + key].append(i)
        if e.acronym:
            buckets["acronym:" + e.acronym.casefold()].append(i)
    links: set[tuple[int, int]] = set()
    for key, members in buckets.items():
        members = sorted(set(members))
        if key.startswith("name:"):
            links.update(zip(members, members[1:]))
            continue
        by_term: dict[str, list[int]] = defaultdict(list)  # one representative per distinct term
        for i in members:
            by_term[normalize_name(entries[i].term)].append(i)
        for same in by_term.values():
            links.update(zip(same, same[1:]))
        firsts = [same[0] for same in by_term.values()]
        links.update((min(i, j), max(i, j)) for i, j in combinations(firsts, 2) if same_name(entries[i], entries[j]))
    return sorted(links)


def identity_classes(n: int, links: Iterable[tuple[int, int]]) -> np.ndarray:
    """Class label per entry: the connected components of the links (scipy's csgraph)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pairs = np.asarray(list(links), dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]
