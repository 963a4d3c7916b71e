"""Rank fusion: pure functions over score arrays, tested on hand-built rankings."""
from __future__ import annotations

import numpy as np

RRF_K = 60


def ranks(scores: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """1-based rank of each item by descending score; items at or below `floor` get rank 0 (absent)."""
    order = np.argsort(-scores, kind="stable")
    out = np.zeros(len(scores), dtype=np.int64)
    out[order] = np.arange(1, len(scores) + 1)
    out[scores <= floor] = 0
    return out


def reciprocal_rank_fusion(rankings: dict[str, np.ndarray], weights: dict[str, float], k: int = RRF_K) -> np.ndarray:
    """Sum of weight / (k + rank) over the rankings that list an item (rank 0 = not listed), scaled to 0..1."""
    total = np.zeros(len(next(iter(rankings.values()))), dtype=np.float64)
    for name, r in rankings.items():
        w = weights.get(name, 0.0)
        listed = r > 0
        total[listed] += w / (k + r[listed])
    best = sum(weights.get(name, 0.0) for name in rankings) / (k + 1)
    return total / best if best else total


def weighted_scores(signals: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Sum of weighted signals, each scaled to 0..1 first (keyword by its best score for the query).

    Unlike RRF this keeps magnitudes: an exact acronym match outweighs a loose paraphrase.
    """
    total = np.zeros(len(next(iter(signals.values()))), dtype=np.float64)
    for name, values in signals.items():
        w = weights.get(name, 0.0)
        if not w:
            continue
        v = np.asarray(values, dtype=np.float64)
        if name == "keyword":
            top = v.max(initial=0.0)
            v = v / top if top > 0 else v
        total += w * np.clip(v, 0.0, None)
    best = sum(weights.get(name, 0.0) for name in signals)
    return total / best if best else total
