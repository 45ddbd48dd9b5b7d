#!/usr/bin/env python3
"""Serves a trained OnePiece-style ranker for usersim's search runs over usersim.policy.v1.

    /usr/bin/python3 examples/policies/onepiece/serve.py --model /tmp/onepiece.pt --port 0
    # prints: listening on http://127.0.0.1:PORT -> usersim run search --policy http://127.0.0.1:PORT

For each user: candidates are the best BM25 matches of the query over the items' title,
category and tags (``--candidates``, default 30) plus the query's anchors; the ranker scores
them from the history, the anchors, the user and the query; the page is ordered by OnePiece's
fusion p_click^a · p_order^b (``--a``, ``--b``), the history left out, ties by the smaller id.
A user without a query gets the items most ordered for nothing: the candidates' prior order.
The model does not learn from /learn.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from onepiece.data import collate, terms  # noqa: E402
from onepiece.model import OnePiece, load  # noqa: E402
from usersim_policy import Policy, ProtocolError, serve  # noqa: E402


class Bm25:
    """BM25 (k1 = 1.2, b = 0.75) over title, category and tags: the retrieval stage."""

    def __init__(self, items: list[dict]):
        self.n = len(items)
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.length = [0] * self.n
        for it in items:
            ts = terms(f"{it['title']} {it['category']} {it['tags']}")
            self.length[it["id"]] = len(ts)
            for t, f in Counter(ts).items():
                self.postings[t].append((it["id"], f))
        self.avg = sum(self.length) / max(1, self.n)

    def top(self, query: str, n: int) -> list[int]:
        scores: dict[int, float] = defaultdict(float)
        for t in set(terms(query)):
            p = self.postings.get(t, [])
            idf = math.log(1 + (self.n - len(p) + 0.5) / (len(p) + 0.5))
            for i, f in p:
                scores[i] += idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * self.length[i] / self.avg))
        return sorted(scores, key=lambda i: (-scores[i], i))[:n]


class OnePiecePolicy(Policy):
    wants = {"history": True, "candidates": False, "utterances": False}

    def __init__(self, model: OnePiece, items: list[dict], candidates: int = 30, a: float = 1.0, b: float = 0.5, name: str = "onepiece"):
        self.model = model.eval()
        self.index = Bm25(items)
        self.candidates, self.a, self.b = candidates, a, b
        self.name = name

    def reset(self, run, catalog_size, agents, slate):
        if catalog_size != self.model.cfg.n_items:
            raise ProtocolError("catalog.size", f"the model was trained on {self.model.cfg.n_items} items, the run has {catalog_size}")
        if agents > self.model.cfg.n_users:
            raise ProtocolError("agents", f"the model knows {self.model.cfg.n_users} users, the run has {agents}")

    @torch.no_grad()
    def recommend(self, users, k, round, seed):
        rows = []
        for u in users:
            query = (u.search or {}).get("query", "")
            anchors = (u.search or {}).get("anchors", {"purchased": [], "clicked": [], "impressed": []})
            seen = set(u.history)
            cands = [i for i in dict.fromkeys(self.index.top(query, self.candidates) + anchors["purchased"] + anchors["clicked"]) if i not in seen]
            rows.append({"user_id": u.id, "history": u.history, "anchors": anchors, "query": query, "cands": cands or [0]})
        cfg = self.model.cfg
        out = []
        # Each user is scored on its own row: padding does not change another user's scores (eval mode).
        for start in range(0, len(rows), 64):
            chunk = rows[start: start + 64]
            batch = collate(chunk, cfg.n_items, cfg.buckets, cfg.max_hist, cfg.anchors_k, cands_key="cands")
            p = torch.sigmoid(self.model(batch))
            for n, r in enumerate(chunk):
                c = len(r["cands"])
                fused = p[n, :c, 0].pow(self.a) * p[n, :c, 2].pow(self.b)
                order = sorted(range(c), key=lambda j: (-float(fused[j]), r["cands"][j]))[:k]
                items = [r["cands"][j] for j in order if r["cands"][j] not in set(r["history"])]
                out.append({"items": items, "scores": [float(fused[j]) for j in order][: len(items)]})
        return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="a .pt written by onepiece/train.py")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0: a free port (printed)")
    p.add_argument("--path", default="")
    p.add_argument("--candidates", type=int, default=30, help="BM25 matches re-ranked per query")
    p.add_argument("--a", type=float, default=1.0, help="fusion exponent of p_click")
    p.add_argument("--b", type=float, default=0.5, help="fusion exponent of p_order")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, extra = load(args.model)
    m = extra.get("metrics", {})
    name = f"onepiece-k{m.get('k', model.cfg.reason_steps)}{'' if model.cfg.use_anchors else '-noanchors'}"
    serve(OnePiecePolicy(model, extra["items"], args.candidates, args.a, args.b, name), args.host, args.port, args.path, args.verbose)


if __name__ == "__main__":
    main()
