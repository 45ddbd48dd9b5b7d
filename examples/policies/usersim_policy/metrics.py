"""Recall@K and NDCG@K from ranks (0 = first), as the training scripts report them.

A rank is a target's position in the full ranking of the catalog with the user's earlier
items removed. One target per user (leave-last-out): Recall@K is the hit rate and NDCG@K
is 1/log2(rank+2) on a hit.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence


def user_metrics(ranks: Sequence[int], k: int = 10) -> tuple[float, float]:
    """(recall@k, ndcg@k) of one user whose targets sit at ``ranks``."""
    if not ranks:
        raise ValueError("a user with no targets has no recall")
    hits = [r for r in ranks if r < k]
    dcg = sum(1.0 / math.log2(r + 2) for r in hits)
    idcg = sum(1.0 / math.log2(j + 2) for j in range(min(len(ranks), k)))
    return len(hits) / len(ranks), dcg / idcg


def mean_metrics(per_user: Iterable[Sequence[int]], k: int = 10) -> dict:
    """Mean recall@k and ndcg@k over users (each given by its targets' ranks)."""
    n, recall, ndcg = 0, 0.0, 0.0
    for ranks in per_user:
        r, g = user_metrics(ranks, k)
        n, recall, ndcg = n + 1, recall + r, ndcg + g
    if n == 0:
        return {f"recall@{k}": 0.0, f"ndcg@{k}": 0.0, "users": 0}
    return {f"recall@{k}": round(recall / n, 4), f"ndcg@{k}": round(ndcg / n, 4), "users": n}
