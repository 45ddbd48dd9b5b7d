#!/usr/bin/env python3
"""Trains the OnePiece-style ranker on ``usersim export --format impressions``.

    /usr/bin/python3 examples/policies/onepiece/train.py --data /tmp/imp --out /tmp/onepiece.pt
    /usr/bin/python3 examples/policies/onepiece/train.py --data /tmp/imp --out /tmp/plain.pt --k 0 --no-anchors

Requests of the last round are held out; the others train. Prints one JSON line with the
held-out click, cart and order AUC (C-AUC, A-AUC, O-AUC over every held-out impression) and the
retrieval stage's recall of clicked items at K, and stores them in the model file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from onepiece.data import collate, read_impressions  # noqa: E402
from onepiece.model import Config, OnePiece, save  # noqa: E402


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve (ties get their mean rank); NaN without both classes."""
    pos = labels > 0.5
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i: j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


@torch.no_grad()
def evaluate(model: OnePiece, rows: list[dict], cfg: Config, batch: int = 256) -> dict:
    model.eval()
    scores, labels = [], []
    for i in range(0, len(rows), batch):
        b = collate(rows[i: i + batch], cfg.n_items, cfg.buckets, cfg.max_hist, cfg.anchors_k)
        logits = model(b)
        valid = b.cands != cfg.n_items
        scores.append(logits[valid].numpy())
        labels.append(b.labels[valid].numpy())
    s, y = np.concatenate(scores), np.concatenate(labels)
    return {"c_auc": auc(s[:, 0], y[:, 0]), "a_auc": auc(s[:, 1], y[:, 1]), "o_auc": auc(s[:, 2], y[:, 2]), "impressions": int(len(s))}


def retrieval_recall(rows: list[dict], items: list[dict], k: int) -> float:
    """Recall@k of the clicked items by the serving retrieval stage (BM25 top k plus the query's
    purchased and clicked anchors, as serve.py builds the candidates): the share of held-out
    clicks that reach the ranker at all."""
    from onepiece.serve import Bm25

    index = Bm25(items)
    hit = total = 0
    for r in rows:
        clicked = [i for i, c in zip(r["items"], r["clicked"]) if c]
        if not clicked:
            continue
        got = set(index.top(r["query"], k)) | set(r["anchors"]["purchased"]) | set(r["anchors"]["clicked"])
        hit += sum(1 for i in clicked if i in got)
        total += len(clicked)
    return hit / total if total else float("nan")


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="a directory written by usersim export --format impressions")
    p.add_argument("--out", required=True, help="where to write the model (.pt)")
    p.add_argument("--k", type=int, default=2, help="reasoning steps (0: a plain ranker)")
    p.add_argument("--no-anchors", action="store_true", help="leave the preference anchors out of the input")
    p.add_argument("--dim", type=int, default=32)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--recall-k", type=int, default=30, help="K of the retrieval recall (serve.py's --candidates)")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    data = read_impressions(a.data)
    if not data.requests:
        raise SystemExit(f"{a.data}: no search requests (export a search run: usersim run search …)")
    last = max(r["ts"] for r in data.requests)
    train = [r for r in data.requests if r["ts"] < last]
    test = [r for r in data.requests if r["ts"] == last]
    if not train:
        raise SystemExit(f"{a.data}: one round only; the last round is held out, so at least two are needed")
    cfg = Config(n_items=data.card["items"], n_users=data.card["users"], dim=a.dim, anchors_k=data.card.get("anchors_k", 5),
                 max_hist=data.card.get("history", 20), reason_steps=a.k, use_anchors=not a.no_anchors)
    model = OnePiece(cfg, data.items)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    for epoch in range(a.epochs):
        model.train()
        random.shuffle(train)
        total = 0.0
        for i in range(0, len(train), a.batch):
            b = collate(train[i: i + a.batch], cfg.n_items, cfg.buckets, cfg.max_hist, cfg.anchors_k)
            loss = model.loss(b)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(b.users)
        print(f"epoch {epoch}: loss {total / len(train):.4f}", file=sys.stderr)
    metrics = evaluate(model, test, cfg)
    result = {"k": a.k, "anchors": not a.no_anchors, "train_requests": len(train), "test_requests": len(test), **metrics,
              f"retrieval_recall_at_{a.recall_k}": retrieval_recall(test, data.items, a.recall_k)}
    save(model, a.out, {"metrics": result, "items": data.items})
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
