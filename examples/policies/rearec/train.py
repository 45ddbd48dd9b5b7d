#!/usr/bin/env python3
"""Trains SASRec (--k 0) or ReaRec-ERL (--k K) on a usersim ``sequences`` export.

    /usr/bin/python3 examples/policies/rearec/train.py --data DIR --k 2 --epochs 30 --out rearec.pt

Keeps the epoch with the best validation NDCG@10 (early stopping) and reports Recall@10 and
NDCG@10 on valid and test: full ranking of the catalog, the user's earlier items excluded.
Progress goes to stderr; the last line on stdout is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from rearec.model import Config, ReaRec, save  # noqa: E402
from usersim_policy import SequenceData, SequenceRow, mean_metrics, read_sequences  # noqa: E402


def earlier_items(data: SequenceData, split: str) -> list[set[int]]:
    """For each row of ``split``: every item its user consumed before the target (the row's
    history plus the user's rows in earlier splits), which the ranking excludes."""
    order = ["train", "valid", "test"]
    seen: dict[int, set[int]] = {}
    for name in order[: order.index(split)]:
        for r in data.split(name):
            seen.setdefault(r.user, set()).update(r.history, (r.item,))
    return [(seen.get(r.user, set()) | set(r.history)) - {r.item} for r in data.split(split)]


@torch.no_grad()
def evaluate(model: ReaRec, data: SequenceData, split: str, batch: int = 512, k: int = 10) -> dict:
    model.eval()
    rows = data.split(split)
    exclude = earlier_items(data, split)
    ranks = []
    for start in range(0, len(rows), batch):
        chunk = rows[start:start + batch]
        scores = model.scores(model.pad_histories([r.history for r in chunk]))
        for j, r in enumerate(chunk):
            row = scores[j]
            if exclude[start + j]:
                row[list(exclude[start + j])] = float("-inf")
            target = row[r.item]
            # ties rank by id, as the server's ranking does
            rank = int((row > target).sum()) + int((row[: r.item] == target).sum())
            ranks.append([rank])
    return mean_metrics(ranks, k)


def training_windows(rows: list[SequenceRow], max_len: int) -> list[tuple[list[int], list[int]]]:
    """Training windows from the train rows: (inputs, next-item targets with -100 where none).

    Rows of a user that continue one another (each row's history is the previous row's
    history plus its item, cut to max_len) are chained back into one sequence, so a window
    trains every position at once instead of re-encoding one history per row. Windows of
    max_len inputs start every max_len/2 items; each target goes to the window that gives it
    the longest context, so a target keeps between max_len/2 and max_len earlier items
    (ReaRec's rows: exactly the last max_len).
    """
    chains: list[tuple[list[int], int]] = []
    last: dict[int, int] = {}
    for r in rows:
        c = last.get(r.user)
        if c is not None and tuple(chains[c][0][-max_len:]) == r.history:
            chains[c][0].append(r.item)
        else:
            last[r.user] = len(chains)
            chains.append((list(r.history) + [r.item], len(r.history)))
    half = max(1, max_len // 2)
    windows = []
    for items, first in chains:
        by_start: dict[int, list[int]] = {}
        for p in range(max(first, 1), len(items)):
            start = 0 if p <= max_len else -(-(p - max_len) // half) * half
            by_start.setdefault(start, []).append(p)
        for start, targets in by_start.items():
            inputs = items[start:max(targets)]
            labels = [-100] * len(inputs)
            for p in targets:
                labels[p - start - 1] = items[p]
            windows.append((inputs, labels))
    return windows


def train(data: SequenceData, cfg: Config, epochs: int, lr: float, batch: int, seed: int, patience: int,
          log=lambda s: print(s, file=sys.stderr, flush=True)) -> tuple[ReaRec, dict]:
    torch.manual_seed(seed)
    model = ReaRec(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    windows = training_windows(data.train, cfg.max_len)
    log(f"{len(data.train)} train rows in {len(windows)} windows")
    best, best_state, best_epoch, losses, waited = -1.0, None, 0, [], 0
    for epoch in range(1, epochs + 1):
        model.train()
        t0, total, kl_total, n = time.time(), 0.0, 0.0, 0
        for idx in torch.randperm(len(windows), generator=gen).split(batch):
            chunk = [windows[i] for i in idx.tolist()]
            seqs = model.pad_histories([w[0] for w in chunk])
            width = seqs.shape[1]
            labels = torch.tensor([[-100] * (width - len(w[1])) + w[1] for w in chunk], dtype=torch.long)
            loss, parts = model.loss(seqs, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total, kl_total, n = total + parts["ce"] * parts["n"], kl_total + parts["kl"] * parts["n"], n + parts["n"]
        valid = evaluate(model, data, "valid")
        losses.append(round(total / max(n, 1), 4))
        log(f"epoch {epoch}: ce {total / max(n, 1):.4f} kl {kl_total / max(n, 1):.4f} valid {valid} ({time.time() - t0:.1f}s)")
        if valid["ndcg@10"] > best:
            best, best_state, best_epoch, waited = valid["ndcg@10"], copy.deepcopy(model.state_dict()), epoch, 0
        else:
            waited += 1
            if waited >= patience:
                log(f"early stop: no better validation NDCG@10 for {patience} epochs")
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return model, {"best_epoch": best_epoch, "epochs_run": len(losses), "train_ce": losses}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="a sequences export (train/valid/test.csv, card.json)")
    p.add_argument("--out", required=True, help="where to write the model (.pt)")
    p.add_argument("--k", type=int, default=2, help="reasoning steps K (0: plain SASRec)")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--patience", type=int, default=5, help="epochs without a better valid NDCG@10 before stopping")
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=2)
    p.add_argument("--max-len", type=int, default=50)
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--temperature", type=float, default=0.07)
    p.add_argument("--kl-weight", type=float, default=0.05, help="ERL's lambda")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=32, help="windows (of up to max-len targets) per step")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    started = time.time()
    data = read_sequences(a.data, a.max_len)
    cfg = Config(n_items=data.items, d=a.d, layers=a.layers, heads=a.heads, inner=2 * a.d, max_len=a.max_len,
                 dropout=a.dropout, reason_steps=a.k, temperature=a.temperature, kl_weight=a.kl_weight)
    model, run = train(data, cfg, a.epochs, a.lr, a.batch, a.seed, a.patience)
    result = {
        "model": "sasrec" if a.k == 0 else "rearec-erl",
        "k": a.k,
        "data": os.path.abspath(a.data),
        "users": data.users,
        "items": data.items,
        "rows": {"train": len(data.train), "valid": len(data.valid), "test": len(data.test)},
        "valid": evaluate(model, data, "valid"),
        "test": evaluate(model, data, "test"),
        **run,
        "seconds": round(time.time() - started, 1),
        "config": cfg.to_dict(),
        "seed": a.seed,
    }
    save(model, a.out, {"metrics": {"valid": result["valid"], "test": result["test"]}})
    result["out"] = os.path.abspath(a.out)
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
