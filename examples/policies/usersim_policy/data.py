"""Readers for the two training-file formats usersim exports (docs/external-policies.md).

``sequences`` (SASRec/ReaRec): ``train.csv``, ``valid.csv``, ``test.csv`` with header
``user_id,item_id,history_id`` -- one row per target item, ``history_id`` the items
consumed before it, space-separated, oldest first -- plus ``items.csv``
(``item_id,title,category``) and ``card.json`` (``{"users": n, "items": n, ...}``).
The columns follow ReaRec's ``*.remap.csv`` files; extra columns are ignored.

``graph`` (LightGCN): ``train.csv``, ``valid.csv``, ``test.csv`` with header
``user_id,item_id,weight`` (user-item edges), plus ``card.json``.

Ids are usersim catalog ids 0..items-1 and agent ids 0..users-1. A bad file raises
``DataError`` naming the file, line and column.
"""

from __future__ import annotations

import csv
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field

SPLITS = ("train", "valid", "test")


class DataError(ValueError):
    pass


@dataclass(frozen=True)
class SequenceRow:
    user: int
    item: int
    history: tuple[int, ...]


@dataclass
class SequenceData:
    users: int
    items: int
    card: dict
    train: list[SequenceRow]
    valid: list[SequenceRow]
    test: list[SequenceRow]
    titles: dict[int, tuple[str, str]] = field(default_factory=dict)

    def split(self, name: str) -> list[SequenceRow]:
        return getattr(self, name)


@dataclass
class GraphData:
    users: int
    items: int
    card: dict
    train: list[tuple[int, int, float]]
    valid: list[tuple[int, int, float]]
    test: list[tuple[int, int, float]]

    def split(self, name: str) -> list[tuple[int, int, float]]:
        return getattr(self, name)


def read_card(directory: str) -> dict:
    path = os.path.join(directory, "card.json")
    try:
        with open(path, encoding="utf-8") as f:
            card = json.load(f)
    except FileNotFoundError:
        raise DataError(f"{path}: missing (every export has a card.json with users and items)") from None
    except ValueError as e:
        raise DataError(f"{path}: invalid JSON ({e})") from None
    for key in ("users", "items"):
        if not isinstance(card.get(key), int) or isinstance(card.get(key), bool) or card[key] < 0:
            raise DataError(f"{path}: {key!r} must be a non-negative integer")
    return card


def _rows(path: str, columns: tuple[str, ...]):
    """Yields (line number, {column: text}) for the required columns of a CSV file."""
    try:
        f = open(path, encoding="utf-8", newline="")
    except FileNotFoundError:
        raise DataError(f"{path}: missing") from None
    with f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise DataError(f"{path}: empty file (expected the header {','.join(columns)})")
        header = [h.strip() for h in header]
        missing = [c for c in columns if c not in header]
        if missing:
            raise DataError(f"{path}:1: missing column(s) {', '.join(missing)} (header: {','.join(header)})")
        at = [header.index(c) for c in columns]
        for line, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) < len(header):
                raise DataError(f"{path}:{line}: {len(row)} fields, expected {len(header)}")
            yield line, {c: row[i] for c, i in zip(columns, at)}


def _id(text: str, size: int, where: str, column: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise DataError(f"{where}: {column} {text!r} is not an integer") from None
    if not 0 <= value < size:
        raise DataError(f"{where}: {column} {value} is out of range 0..{size - 1} (see card.json)")
    return value


def read_sequences(directory: str, max_len: int = 50) -> SequenceData:
    """Reads a ``sequences`` export; histories are cut to their last ``max_len`` items."""
    card = read_card(directory)
    n_users, n_items = card["users"], card["items"]
    splits = {}
    for name in SPLITS:
        path = os.path.join(directory, f"{name}.csv")
        rows = []
        for line, r in _rows(path, ("user_id", "item_id", "history_id")):
            where = f"{path}:{line}"
            history = tuple(_id(t, n_items, where, "history_id") for t in r["history_id"].split())
            rows.append(SequenceRow(_id(r["user_id"], n_users, where, "user_id"), _id(r["item_id"], n_items, where, "item_id"), history[-max_len:] if max_len else history))
        splits[name] = rows
    titles = {}
    items_path = os.path.join(directory, "items.csv")
    if os.path.exists(items_path):
        for line, r in _rows(items_path, ("item_id", "title", "category")):
            titles[_id(r["item_id"], n_items, f"{items_path}:{line}", "item_id")] = (r["title"], r["category"])
    return SequenceData(n_users, n_items, card, splits["train"], splits["valid"], splits["test"], titles)


def read_graph(directory: str) -> GraphData:
    """Reads a ``graph`` export."""
    card = read_card(directory)
    n_users, n_items = card["users"], card["items"]
    splits = {}
    for name in SPLITS:
        path = os.path.join(directory, f"{name}.csv")
        edges = []
        for line, r in _rows(path, ("user_id", "item_id", "weight")):
            where = f"{path}:{line}"
            try:
                weight = float(r["weight"])
            except ValueError:
                raise DataError(f"{where}: weight {r['weight']!r} is not a number") from None
            edges.append((_id(r["user_id"], n_users, where, "user_id"), _id(r["item_id"], n_items, where, "item_id"), weight))
        splits[name] = edges
    return GraphData(n_users, n_items, card, splits["train"], splits["valid"], splits["test"])


@contextmanager
def _split_writers(directory: str, header: list[str]):
    """One CSV writer per split (train/valid/test.csv in ``directory``), each with ``header``."""
    os.makedirs(directory, exist_ok=True)
    files = {s: open(os.path.join(directory, f"{s}.csv"), "w", encoding="utf-8", newline="") for s in SPLITS}
    try:
        writers = {s: csv.writer(f, lineterminator="\n") for s, f in files.items()}
        for w in writers.values():
            w.writerow(header)
        yield writers
    finally:
        for f in files.values():
            f.close()


def _write_card(directory: str, card: dict) -> dict:
    with open(os.path.join(directory, "card.json"), "w", encoding="utf-8") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    return card


def write_sequences(directory: str, users: int, items: int, sequences: dict[int, list[int]], max_len: int = 50,
                    titles: dict[int, tuple[str, str]] | None = None, card: dict | None = None) -> dict:
    """Writes each user's time-ordered items as a ``sequences`` export, leave-last-out:
    the last item is a test row, the one before a valid row, earlier ones train rows.
    As in ReaRec's data, no row has an empty history (a user's first item is history
    only). Returns the card."""
    counts = {s: 0 for s in SPLITS}
    with _split_writers(directory, ["user_id", "item_id", "history_id"]) as writers:
        for user in sorted(sequences):
            seq = sequences[user]
            n = len(seq)
            for pos in range(1, n):
                split = "test" if pos == n - 1 else "valid" if pos == n - 2 else "train"
                writers[split].writerow([user, seq[pos], " ".join(map(str, seq[max(0, pos - max_len):pos]))])
                counts[split] += 1
    if titles is not None:
        with open(os.path.join(directory, "items.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["item_id", "title", "category"])
            for item in range(items):
                title, category = titles.get(item, (f"item {item}", ""))
                w.writerow([item, title, category])
    return _write_card(directory, {"users": users, "items": items, "format": "sequences", "split": "leave-last-out",
                                   "max_history": max_len, "rows": counts, **(card or {})})


def write_graph(directory: str, users: int, items: int, sequences: dict[int, list[int]], card: dict | None = None) -> dict:
    """Writes the same leave-last-out split as user-item edges (weight 1). Returns the card."""
    counts = {s: 0 for s in SPLITS}
    with _split_writers(directory, ["user_id", "item_id", "weight"]) as writers:
        for user in sorted(sequences):
            seq = sequences[user]
            n = len(seq)
            for pos, item in enumerate(seq):
                split = "test" if pos == n - 1 and n >= 2 else "valid" if pos == n - 2 and n >= 3 else "train"
                writers[split].writerow([user, item, 1])
                counts[split] += 1
    return _write_card(directory, {"users": users, "items": items, "format": "graph", "split": "leave-last-out", "edges": counts, **(card or {})})
