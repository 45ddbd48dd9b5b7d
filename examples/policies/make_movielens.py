#!/usr/bin/env python3
"""Converts MovieLens ``ratings.csv`` (ml-latest-small and the like) into usersim's two
training-file formats, for trying the reference models on real data.

    /usr/bin/python3 examples/policies/make_movielens.py --ratings ml-latest-small/ratings.csv --out /tmp/ml

Writes OUT/sequences and OUT/graph. As in ReaRec's data: ratings above 3 are positives,
then (optionally, ``--last N``) each user's last N positives, then an iterated k-core
(default 5) on users and items. Each user's positives in time
order (ties by file order), split leave-last-out (last item test, the one before valid).
Items get ids 0..N-1 by movieId, users 0..U-1 by userId; titles and first genres come from
movies.csv next to ratings.csv when it is there.

``--log LOG.json`` (from ``npx tsx examples/policies/movielens_log.ts``) converts instead the
movielens scenario's warm-start log, already in catalog-id space: every catalog item keeps its
id (the card has the whole catalog), user u is agent u, all training ratings are kept in
order (no rating threshold, no k-core; ``--last N`` still applies). Models trained on it answer
a ``usersim run movielens`` in its own ids.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from usersim_policy import write_graph, write_sequences  # noqa: E402


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--ratings", help="MovieLens ratings.csv")
    src.add_argument("--log", help="a movielens_log.ts JSON (catalog ids)")
    p.add_argument("--out", required=True)
    p.add_argument("--min-rating", type=float, default=3.0, help="positives have a rating above this (ReaRec: > 3)")
    p.add_argument("--last", type=int, default=0, help="keep each user's last N positives (0: all), before the k-core")
    p.add_argument("--core", type=int, default=5, help="iterated k-core on users and items")
    p.add_argument("--max-len", type=int, default=50)
    a = p.parse_args(argv)
    if a.log:
        return from_log(a)

    events = []  # (userId, timestamp, file order, movieId)
    with open(a.ratings, encoding="utf-8", newline="") as f:
        for n, row in enumerate(csv.DictReader(f)):
            if float(row["rating"]) > a.min_rating:
                events.append((int(row["userId"]), int(row["timestamp"]), n, int(row["movieId"])))
    if a.last:
        by_user: dict[int, list] = {}
        for e in sorted(events):
            by_user.setdefault(e[0], []).append(e)
        events = [e for evs in by_user.values() for e in evs[-a.last:]]
    while True:
        users = Counter(e[0] for e in events)
        items = Counter(e[3] for e in events)
        kept = [e for e in events if users[e[0]] >= a.core and items[e[3]] >= a.core]
        if len(kept) == len(events):
            break
        events = kept
    user_ids = {u: i for i, u in enumerate(sorted({e[0] for e in events}))}
    item_ids = {m: i for i, m in enumerate(sorted({e[3] for e in events}))}
    sequences: dict[int, list[int]] = {}
    for user, _, _, movie in sorted(events):
        sequences.setdefault(user_ids[user], []).append(item_ids[movie])

    titles = None
    movies = os.path.join(os.path.dirname(a.ratings), "movies.csv")
    if os.path.exists(movies):
        titles = {}
        with open(movies, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                mid = int(row["movieId"])
                if mid in item_ids:
                    titles[item_ids[mid]] = (row["title"], row["genres"].split("|")[0])
    card = {"source": os.path.abspath(a.ratings), "positives": f"rating > {a.min_rating}", "last": a.last, "core": a.core,
            "interactions": len(events)}
    out = {
        "sequences": write_sequences(os.path.join(a.out, "sequences"), len(user_ids), len(item_ids), sequences,
                                     a.max_len, titles, card),
        "graph": write_graph(os.path.join(a.out, "graph"), len(user_ids), len(item_ids), sequences, card),
    }
    print(json.dumps(out))
    return out


def from_log(a) -> dict:
    with open(a.log, encoding="utf-8") as f:
        log = json.load(f)
    items = int(log["items"])
    sequences: dict[int, list[int]] = {}
    for user, seq in enumerate(log["sequences"]):
        for n, item in enumerate(seq):
            if not (isinstance(item, int) and 0 <= item < items):
                raise SystemExit(f"{a.log}: sequences[{user}][{n}]: {item!r} is not a catalog id (must be < {items})")
        seq = seq[-a.last:] if a.last else seq
        if seq:
            sequences[user] = list(seq)
    users = len(log["sequences"])
    card = {"source": log.get("source", os.path.abspath(a.log)), "log": "movielens scenario warm-start (catalog ids)",
            "trainFraction": log.get("trainFraction"), "last": a.last, "interactions": sum(map(len, sequences.values()))}
    out = {
        "sequences": write_sequences(os.path.join(a.out, "sequences"), users, items, sequences, a.max_len, None, card),
        "graph": write_graph(os.path.join(a.out, "graph"), users, items, sequences, card),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
