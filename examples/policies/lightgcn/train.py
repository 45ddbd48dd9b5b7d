#!/usr/bin/env python3
"""Trains LightGCN (optionally with RGCL's adversarial-contrastive terms, --rgcl) on a
usersim ``graph`` export.

    /usr/bin/python3 examples/policies/lightgcn/train.py --data DIR [--rgcl] --out lightgcn.pt

Edges with weight > 0 are positives (the graph is binary). Keeps the epoch with the best
validation NDCG@10 (checked every --eval-every epochs) and reports Recall@10 and NDCG@10 on
valid and test: full ranking, the user's train (and, for test, valid) items excluded.
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

from lightgcn.model import Config, LightGCN, normalized_adjacency, save  # noqa: E402
from usersim_policy import GraphData, mean_metrics, read_graph  # noqa: E402


def positives(edges) -> list[tuple[int, int]]:
    return sorted(set((u, i) for u, i, w in edges if w > 0))


@torch.no_grad()
def evaluate(model: LightGCN, data: GraphData, split: str, k: int = 10) -> dict:
    order = ["train", "valid", "test"]
    seen: dict[int, set[int]] = {}
    for name in order[: order.index(split)]:
        for u, i in positives(data.split(name)):
            seen.setdefault(u, set()).add(i)
    targets: dict[int, set[int]] = {}
    for u, i in positives(data.split(split)):
        targets.setdefault(u, set()).add(i)
    users, items = model.propagate()
    ranks = []
    for u in sorted(targets):
        row = users[u] @ items.T
        excluded = list(seen.get(u, set()) - targets[u])
        if excluded:
            row[excluded] = float("-inf")
        ids = torch.arange(len(row))
        # each target's position in the full ranking, ties by the smaller id
        ranks.append([int((row > row[t]).sum()) + int(((row == row[t]) & (ids < t)).sum()) for t in sorted(targets[u])])
    return mean_metrics(ranks, k)


def sample_negatives(u: torch.Tensor, n_items: int, positive_keys: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """One uniform negative per positive, resampled until it is not one of the user's positives."""
    j = torch.randint(n_items, (len(u),), generator=gen)
    for _ in range(100):
        clash = torch.isin(u * n_items + j, positive_keys)
        if not clash.any():
            break
        j[clash] = torch.randint(n_items, (int(clash.sum()),), generator=gen)
    return j


def train(data: GraphData, cfg: Config, epochs: int, lr: float, batch: int, seed: int, patience: int, eval_every: int,
          log=lambda s: print(s, file=sys.stderr, flush=True)) -> tuple[LightGCN, dict]:
    torch.manual_seed(seed)
    pos = positives(data.train)
    model = LightGCN(cfg, normalized_adjacency(cfg.n_users, cfg.n_items, pos))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    pu = torch.tensor([p[0] for p in pos], dtype=torch.long)
    pi = torch.tensor([p[1] for p in pos], dtype=torch.long)
    keys = pu * cfg.n_items + pi
    best, best_state, best_epoch, losses, waited = -1.0, None, 0, [], 0
    for epoch in range(1, epochs + 1):
        model.train()
        t0, total, n = time.time(), 0.0, 0
        parts_sum: dict[str, float] = {}
        for idx in torch.randperm(len(pos), generator=gen).split(batch):
            u, i = pu[idx], pi[idx]
            j = sample_negatives(u, cfg.n_items, keys, gen)
            loss, parts = model.loss(u, i, j)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total, n = total + loss.item() * len(idx), n + len(idx)
            for key, v in parts.items():
                parts_sum[key] = parts_sum.get(key, 0.0) + v * len(idx)
        losses.append(round(total / n, 4))
        if epoch % eval_every and epoch != epochs:
            continue
        valid = evaluate(model, data, "valid")
        means = " ".join(f"{key} {v / n:.4f}" for key, v in parts_sum.items())
        log(f"epoch {epoch}: loss {total / n:.4f} ({means}) valid {valid} ({time.time() - t0:.1f}s)")
        if valid["ndcg@10"] > best:
            best, best_state, best_epoch, waited = valid["ndcg@10"], copy.deepcopy(model.state_dict()), epoch, 0
        else:
            waited += 1
            if waited >= patience:
                log(f"early stop: no better validation NDCG@10 in {patience} checks")
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return model, {"best_epoch": best_epoch, "epochs_run": len(losses), "train_loss": losses}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="a graph export (train/valid/test.csv, card.json)")
    p.add_argument("--out", required=True, help="where to write the model (.pt)")
    p.add_argument("--rgcl", action="store_true", help="add RGCL's adversarial (mu) and contrastive (alpha) terms")
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--eval-every", type=int, default=5)
    p.add_argument("--patience", type=int, default=5, help="validation checks without improvement before stopping")
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--reg", type=float, default=1e-4)
    p.add_argument("--eps", type=float, default=0.01, help="l-inf bound of the perturbation")
    p.add_argument("--mu", type=float, default=0.1, help="weight of the adversarial BPR term")
    p.add_argument("--alpha", type=float, default=0.1, help="weight of the contrastive term")
    p.add_argument("--tau", type=float, default=0.2, help="InfoNCE temperature")
    p.add_argument("--lr", type=float, default=5e-3)
    p.add_argument("--batch", type=int, default=2048)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    started = time.time()
    data = read_graph(a.data)
    cfg = Config(n_users=data.users, n_items=data.items, d=a.d, layers=a.layers, reg=a.reg, rgcl=a.rgcl, eps=a.eps,
                 mu=a.mu, alpha=a.alpha, tau=a.tau)
    model, run = train(data, cfg, a.epochs, a.lr, a.batch, a.seed, a.patience, a.eval_every)
    popularity = [0.0] * data.items
    for _, i in positives(data.train):
        popularity[i] += 1
    result = {
        "model": "lightgcn-rgcl" if a.rgcl else "lightgcn",
        "data": os.path.abspath(a.data),
        "users": data.users,
        "items": data.items,
        "edges": {"train": len(data.train), "valid": len(data.valid), "test": len(data.test)},
        "valid": evaluate(model, data, "valid"),
        "test": evaluate(model, data, "test"),
        **run,
        "seconds": round(time.time() - started, 1),
        "config": cfg.to_dict(),
        "seed": a.seed,
    }
    save(model, a.out, popularity, {"metrics": {"valid": result["valid"], "test": result["test"]},
                                    "known_users": sorted({u for u, _ in positives(data.train)})})
    result["out"] = os.path.abspath(a.out)
    print(json.dumps(result), flush=True)
    return result


if __name__ == "__main__":
    main()
