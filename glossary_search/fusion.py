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
