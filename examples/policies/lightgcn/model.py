"""LightGCN (He et al., SIGIR'20) with an RGCL-style adversarial-contrastive option.

LightGCN: user and item embeddings E^0 propagated over the normalised user-item graph,
E^{l+1} = D^-1/2 A D^-1/2 E^l, and averaged over layers 0..L; score = u . i; trained
with BPR (one uniform negative per positive) and L2 on the batch's E^0 rows.

RGCL (Tang et al., KDD'24, arXiv 2407.10184), as far as this reimplementation goes: a
perturbation of the *propagated* embeddings, bounded in l-inf by eps, in the direction
that increases the BPR loss (FGSM: delta = eps * sign(grad)); an InfoNCE term (temperature
tau) between each batch user's / item's clean and perturbed views; BPR on the perturbed
views as the adversarial term:

    L = L_BPR + mu * L_ADV + alpha * L_CL + reg        (mu 0.1)

Not reimplemented (no public code; details unverified): the paper's decision-boundary-
aware per-pair bound on the perturbation, its relation-aware view generator and its
multi-view (random + adversarial) contrast. eps here is one fixed bound.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

import torch
import torch.nn.functional as F
from torch import Tensor, nn


@dataclass
class Config:
    n_users: int
    n_items: int
    d: int = 64
    layers: int = 3
    reg: float = 1e-4
    rgcl: bool = False
    eps: float = 0.01
    mu: float = 0.1
    alpha: float = 0.1
    tau: float = 0.2

    def to_dict(self) -> dict:
        return asdict(self)


def normalized_adjacency(n_users: int, n_items: int, edges: Iterable[tuple[int, int]]) -> Tensor:
    """D^-1/2 A D^-1/2 of the bipartite graph (users first, then items), sparse."""
    pairs = sorted(set((u, i) for u, i in edges))
    if not pairs:
        return torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.long), torch.zeros(0), (n_users + n_items,) * 2)
    u = torch.tensor([p[0] for p in pairs], dtype=torch.long)
    i = torch.tensor([p[1] for p in pairs], dtype=torch.long) + n_users
    rows, cols = torch.cat([u, i]), torch.cat([i, u])
    deg = torch.zeros(n_users + n_items).index_add_(0, rows, torch.ones(len(rows)))
    inv = deg.pow(-0.5)
    inv[torch.isinf(inv)] = 0
    values = inv[rows] * inv[cols]
    return torch.sparse_coo_tensor(torch.stack([rows, cols]), values, (n_users + n_items,) * 2).coalesce()


class LightGCN(nn.Module):
    def __init__(self, cfg: Config, adjacency: Tensor):
        super().__init__()
        self.cfg = cfg
        self.user_emb = nn.Embedding(cfg.n_users, cfg.d)
        self.item_emb = nn.Embedding(cfg.n_items, cfg.d)
        nn.init.normal_(self.user_emb.weight, std=0.1)
        nn.init.normal_(self.item_emb.weight, std=0.1)
        self.register_buffer("adjacency", adjacency, persistent=False)

    def propagate(self) -> tuple[Tensor, Tensor]:
        """The final (layer-averaged) user and item embeddings."""
        e = torch.cat([self.user_emb.weight, self.item_emb.weight])
        total = e
        for _ in range(self.cfg.layers):
            e = torch.sparse.mm(self.adjacency, e)
            total = total + e
        total = total / (self.cfg.layers + 1)
        return total[: self.cfg.n_users], total[self.cfg.n_users:]

    def loss(self, u: Tensor, i: Tensor, j: Tensor) -> tuple[Tensor, dict]:
        users, items = self.propagate()
        bpr = bpr_loss(users[u], items[i], items[j])
        reg = self.cfg.reg * 0.5 * (
            self.user_emb.weight[u].pow(2).sum() + self.item_emb.weight[i].pow(2).sum() + self.item_emb.weight[j].pow(2).sum()
        ) / len(u)
        parts = {"bpr": bpr.item()}
        loss = bpr + reg
        if self.cfg.rgcl:
            du, di = fgsm_perturbation(users, items, u, i, j, self.cfg.eps)
            users_adv, items_adv = users + du, items + di
            adv = bpr_loss(users_adv[u], items_adv[i], items_adv[j])
            uu, ii = torch.unique(u), torch.unique(i)
            cl = info_nce(users[uu], users_adv[uu], self.cfg.tau) + info_nce(items[ii], items_adv[ii], self.cfg.tau)
            loss = loss + self.cfg.mu * adv + self.cfg.alpha * cl
            parts.update(adv=adv.item(), cl=cl.item())
        return loss, parts


def bpr_loss(u: Tensor, i: Tensor, j: Tensor) -> Tensor:
    return -F.logsigmoid((u * i).sum(-1) - (u * j).sum(-1)).mean()


def fgsm_perturbation(users: Tensor, items: Tensor, u: Tensor, i: Tensor, j: Tensor, eps: float) -> tuple[Tensor, Tensor]:
    """eps * sign(d L_BPR / d embeddings) for the propagated embeddings (constants: the
    perturbation carries no gradient). Its l-inf norm is eps; rows outside the batch get 0."""
    users, items = users.detach().requires_grad_(), items.detach().requires_grad_()
    gu, gi = torch.autograd.grad(bpr_loss(users[u], items[i], items[j]), [users, items])
    return eps * gu.sign(), eps * gi.sign()


def info_nce(a: Tensor, b: Tensor, tau: float) -> Tensor:
    """InfoNCE between two views: row n of a and row n of b are the positive pair."""
    a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    return F.cross_entropy(a @ b.T / tau, torch.arange(len(a)))


def save(model: LightGCN, path: str, popularity: list[float], extra: dict | None = None) -> None:
    """Saves the final embeddings (what serving needs) and the item popularity."""
    with torch.no_grad():
        users, items = model.propagate()
    torch.save({"format": "usersim-lightgcn-v1", "config": model.cfg.to_dict(), "users": users.clone(), "items": items.clone(),
                "popularity": popularity, **(extra or {})}, path)


def load(path: str) -> dict:
    blob = torch.load(path, map_location="cpu")
    if not isinstance(blob, dict) or blob.get("format") != "usersim-lightgcn-v1":
        raise ValueError(f"{path}: not a LightGCN model written by lightgcn/train.py")
    return blob
