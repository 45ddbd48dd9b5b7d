"""Top-k over a NumPy score vector, for servers that score the whole catalog (rearec/, lightgcn/).

Kept out of the package's imports: the package itself needs only the standard library.
"""

from __future__ import annotations

import numpy as np


def top_k_scored(scores: np.ndarray, k: int, history: list[int], candidates: list[int] | None) -> dict:
    """The k best of ``candidates`` (all items when None) not in ``history``, as
    ``{"items", "scores"}``; ids ascending before the stable sort, so ties go to the smaller id."""
    scores = np.asarray(scores, dtype=np.float64)
    ids = np.arange(len(scores)) if candidates is None else np.unique(np.asarray(candidates, dtype=np.int64))
    if history:
        ids = ids[~np.isin(ids, np.asarray(history, dtype=np.int64))]
    order = ids[np.argsort(-scores[ids], kind="stable")][:k]
    return {"items": order.tolist(), "scores": scores[order].tolist()}
