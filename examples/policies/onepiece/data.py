"""Reads ``usersim export --format impressions`` (docs/search.md) into tensors for the ranker.

One example per request: the history, the three anchor groups, the user, the query terms
(hashed into buckets), the shown items as candidates and their click/cart/order labels.
"""

from __future__ import annotations

import csv
import json
import os
import re
import zlib
from dataclasses import dataclass

import torch

TERM = re.compile(r"[a-z0-9]+")
GROUPS = ("purchased", "clicked", "impressed")


def terms(text: str) -> list[str]:
    """Lower-case runs of letters and digits (the same terms usersim's index uses)."""
    return TERM.findall(text.lower())


def bucket(term: str, buckets: int) -> int:
    """A stable hash of a query term into ``buckets`` (crc32: the same in every process)."""
    return zlib.crc32(term.encode()) % buckets


@dataclass
class Impressions:
    card: dict
    requests: list[dict]
    items: list[dict]


def read_impressions(directory: str) -> Impressions:
    """impressions.jsonl, items.csv and card.json of an export; checks ids against the card."""
    with open(os.path.join(directory, "card.json"), encoding="utf-8") as f:
        card = json.load(f)
    n_items, n_users = card["items"], card["users"]
    requests = []
    path = os.path.join(directory, "impressions.jsonl")
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            r = json.loads(line)
            if not r["query"]:
                continue
            for i in r["items"] + r["history"] + [x for g in GROUPS for x in r["anchors"][g]]:
                if not 0 <= i < n_items:
                    raise ValueError(f"{path}:{line_no}: item {i} is not in 0..{n_items - 1}")
            if not 0 <= r["user_id"] < n_users:
                raise ValueError(f"{path}:{line_no}: user {r['user_id']} is not in 0..{n_users - 1}")
            requests.append(r)
    with open(os.path.join(directory, "items.csv"), encoding="utf-8", newline="") as f:
        items = [{"id": int(r["item_id"]), "title": r["title"], "category": r["category"], "tags": r["tags"], "price": float(r["price"])} for r in csv.DictReader(f)]
    return Impressions(card, requests, items)


@dataclass
class Batch:
    history: torch.Tensor  # [B, H] item ids, pad = n_items
    anchors: torch.Tensor  # [B, 3, A]
    users: torch.Tensor  # [B]
    query: torch.Tensor  # [B, T] term buckets, pad = buckets
    cands: torch.Tensor  # [B, C]
    labels: torch.Tensor  # [B, C, 3] click, cart, order (0 where padded)


def collate(rows: list[dict], n_items: int, buckets: int, max_hist: int, anchors_k: int, cands_key: str = "items") -> Batch:
    """Pads a list of requests into one batch (``cands_key``: which list holds the candidates)."""
    pad = n_items
    b = len(rows)
    h = max(1, max(len(r["history"][-max_hist:]) for r in rows))
    c = max(1, max(len(r[cands_key]) for r in rows))
    qt = [[bucket(t, buckets) for t in terms(r["query"])] or [buckets] for r in rows]
    t = max(len(q) for q in qt)
    history = torch.full((b, h), pad, dtype=torch.long)
    anchors = torch.full((b, 3, anchors_k), pad, dtype=torch.long)
    query = torch.full((b, t), buckets, dtype=torch.long)
    cands = torch.full((b, c), pad, dtype=torch.long)
    labels = torch.zeros((b, c, 3))
    for n, r in enumerate(rows):
        hist = r["history"][-max_hist:]
        if hist:
            history[n, -len(hist):] = torch.tensor(hist)  # right-aligned: the newest item sits last
        for g, name in enumerate(GROUPS):
            a = r.get("anchors", {}).get(name, [])[:anchors_k]
            if a:
                anchors[n, g, : len(a)] = torch.tensor(a)
        query[n, : len(qt[n])] = torch.tensor(qt[n])
        cs = r[cands_key]
        cands[n, : len(cs)] = torch.tensor(cs)
        for f, name in enumerate(("clicked", "carted", "ordered")):
            if name in r:
                labels[n, : len(cs), f] = torch.tensor(r[name], dtype=torch.float)
    return Batch(history, anchors, torch.tensor([r["user_id"] for r in rows]), query, cands, labels)
