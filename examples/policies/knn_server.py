#!/usr/bin/env python3
"""Item-kNN over usersim.policy.v1, standard library only: the whole protocol in one file.

    /usr/bin/python3 examples/policies/knn_server.py --port 0
    # prints: listening on http://127.0.0.1:PORT  -> usersim run … --policy http://127.0.0.1:PORT

/learn counts, for every click, the items the same user clicked shortly before (its last
--window clicks): co-occurrence. /recommend scores items by their co-occurrence with the
user's last 5 history items (newer ones weigh more), normalised by popularity, and fills
the slate with the most clicked items. /reset forgets everything. Deterministic: the same
resets and learns give the same answers, whatever the batches.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from usersim_policy import Policy, serve, top_k  # noqa: E402


class ItemKNN(Policy):
    name = "item-knn"
    wants = {"history": True, "candidates": True, "utterances": False}
    max_batch = 10_000

    def __init__(self, window: int = 10, recent: int = 5):
        self.window, self.recent = window, recent
        self.reset(None, 0, 0, 0)

    def reset(self, run, catalog_size, agents, slate):
        self.catalog_size = catalog_size
        self.clicks: dict[int, int] = defaultdict(int)  # item -> clicks
        self.pairs: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))  # a -> b -> count
        self.last: dict[int, list[int]] = {}  # user -> last clicks, newest last

    def learn(self, kind, round, interactions):
        for it in interactions:
            last = self.last.setdefault(it.user, [])
            for c in it.clicks:
                self.clicks[c] += 1
                for prev in last:
                    if prev != c:
                        self.pairs[prev][c] += 1
                        self.pairs[c][prev] += 1
                last.append(c)
                del last[:-self.window]

    def scores(self, history: list[int]) -> dict[int, float]:
        recent = history[-self.recent:]
        scores: dict[int, float] = defaultdict(float)
        for age, a in enumerate(reversed(recent)):
            weight = 1.0 / (age + 1)
            for b, count in self.pairs.get(a, {}).items():
                scores[b] += weight * count / math.sqrt((self.clicks[a] + 1) * (self.clicks[b] + 1))
        return scores

    def recommend(self, users, k, round, seed):
        popular = {i: float(n) for i, n in self.clicks.items()}
        out = []
        for u in users:
            scores = self.scores(u.history)
            items = top_k(scores, k, exclude=u.history, candidates=u.candidates)
            if len(items) < k:  # fill with popular items, then the lowest ids
                fill = top_k(popular, k - len(items), exclude=set(u.history) | set(items), candidates=u.candidates)
                items += fill
                if len(items) < k:
                    pool = dict.fromkeys(u.candidates) if u.candidates is not None else range(self.catalog_size)
                    taken = set(u.history) | set(items)
                    items += [i for i in pool if i not in taken][: k - len(items)]
            out.append({"items": items, "scores": [scores.get(i, 0.0) for i in items]})
        return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0: a free port (printed)")
    p.add_argument("--path", default="", help="serve under this base path, e.g. /knn")
    p.add_argument("--window", type=int, default=10, help="clicks of a user that count as close together")
    p.add_argument("--verbose", action="store_true", help="log each request to stderr")
    a = p.parse_args(argv)
    serve(ItemKNN(window=a.window), a.host, a.port, a.path, a.verbose)


if __name__ == "__main__":
    main()
