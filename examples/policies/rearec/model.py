"""SASRec with ReaRec's latent reasoning and Ensemble Reasoning Learning (ERL).

ReaRec (Tang et al., "Think Before Recommend", arXiv 2503.22675): after the causal
Transformer has read the item sequence, its last hidden state is fed back as a new input
token K times, each time plus a learned *reasoning position embedding* p^R_k, which keeps
the reasoning space apart from the item-encoding space:

    h^0_{n+k} = h^L_{n+k-1} + p^R_k,     r_k = h^L_{n+k}  (k = 0..K; r_0 is SASRec's output)

Earlier positions are not recomputed: keys and values are cached (a KV cache), so K steps
cost K single-token passes. ERL: the user vector is the mean of r_0..r_K, trained with

    L = CE(softmax(mean_k r_k . E^T / tau), target) - lambda * mean_{i != j} KL(p_j || p_i)

(p_k = softmax(r_k . E^T / tau), p_i detached; the KL term pushes the steps apart).
K = 0 is plain SASRec. Built from the paper and TangJiakai/ReaRec (src/models/ERL.py,
src/utils/layers.py); the code here is our own.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

NEG = -1e9  # additive mask: finite, so an all-padding row stays finite (ReaRec uses -1e10)


@dataclass
class Config:
    n_items: int
    d: int = 64
    layers: int = 2
    heads: int = 2
    inner: int = 128
    max_len: int = 50
    dropout: float = 0.2
    reason_steps: int = 2
    temperature: float = 0.07
    kl_weight: float = 0.05
    layer_norm_eps: float = 1e-12

    def to_dict(self) -> dict:
        return asdict(self)


class Attention(nn.Module):
    """Multi-head self-attention, post-LayerNorm (as in SASRec/RecBole), with a KV cache."""

    def __init__(self, cfg: Config):
        super().__init__()
        if cfg.d % cfg.heads:
            raise ValueError(f"d ({cfg.d}) must be a multiple of heads ({cfg.heads})")
        self.heads, self.dh = cfg.heads, cfg.d // cfg.heads
        self.q, self.k, self.v, self.out = (nn.Linear(cfg.d, cfg.d) for _ in range(4))
        self.attn_drop, self.drop = nn.Dropout(cfg.dropout), nn.Dropout(cfg.dropout)
        self.norm = nn.LayerNorm(cfg.d, eps=cfg.layer_norm_eps)

    def forward(self, x: Tensor, bias: Tensor, cache: Optional[tuple[Tensor, Tensor]] = None):
        """x: [B, T, d] new tokens; bias: [B, 1, T, S] additive mask over all S keys
        (cached + new); returns the new tokens' outputs and the grown cache."""
        b, t, d = x.shape

        def heads(z: Tensor) -> Tensor:
            return z.view(b, t, self.heads, self.dh).transpose(1, 2)

        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        if cache is not None:
            k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
        att = self.attn_drop(torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.dh) + bias, dim=-1))
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        return self.norm(x + self.drop(self.out(y))), (k, v)

    def forward_reasoning(self, x: Tensor, bias: Tensor, seq_cache: tuple[Tensor, Tensor], steps_cache: list):
        """One reasoning token per position at once (training): x: [B, L, d], the token of
        position t attends to the sequence keys position t may see (``bias``, [B, 1, L, L])
        and to the earlier reasoning tokens of position t (``steps_cache``, grown here)."""
        b, n, d = x.shape

        def heads(z: Tensor) -> Tensor:
            return z.view(b, n, self.heads, self.dh).transpose(1, 2)

        q, k, v = heads(self.q(x)), heads(self.k(x)), heads(self.v(x))
        steps_cache.append((k, v))
        rk = torch.stack([c[0] for c in steps_cache], dim=3)  # [B, H, L, steps, dh]
        rv = torch.stack([c[1] for c in steps_cache], dim=3)
        scale = math.sqrt(self.dh)
        seq_scores = q @ seq_cache[0].transpose(-1, -2) / scale + bias  # [B, H, L, L]
        own_scores = (q.unsqueeze(3) * rk).sum(-1) / scale  # [B, H, L, steps]
        att = self.attn_drop(torch.softmax(torch.cat([seq_scores, own_scores], dim=-1), dim=-1))
        y = att[..., :n] @ seq_cache[1] + (att[..., n:].unsqueeze(-1) * rv).sum(3)
        return self.norm(x + self.drop(self.out(y.transpose(1, 2).reshape(b, n, d))))


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.attention = Attention(cfg)
        self.ff1, self.ff2 = nn.Linear(cfg.d, cfg.inner), nn.Linear(cfg.inner, cfg.d)
        self.drop = nn.Dropout(cfg.dropout)
        self.norm = nn.LayerNorm(cfg.d, eps=cfg.layer_norm_eps)

    def feed_forward(self, x: Tensor) -> Tensor:
        return self.norm(x + self.drop(self.ff2(F.gelu(self.ff1(x)))))

    def forward(self, x: Tensor, bias: Tensor, cache=None):
        x, cache = self.attention(x, bias, cache)
        return self.feed_forward(x), cache

    def forward_reasoning(self, x: Tensor, bias: Tensor, seq_cache, steps_cache: list) -> Tensor:
        return self.feed_forward(self.attention.forward_reasoning(x, bias, seq_cache, steps_cache))


class ReaRec(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.pad = cfg.n_items  # item ids are 0..n_items-1; n_items pads
        self.item_emb = nn.Embedding(cfg.n_items + 1, cfg.d, padding_idx=self.pad)
        self.pos_emb = nn.Embedding(cfg.max_len, cfg.d)
        self.reason_pos_emb = nn.Embedding(cfg.reason_steps, cfg.d) if cfg.reason_steps > 0 else None
        self.norm = nn.LayerNorm(cfg.d, eps=cfg.layer_norm_eps)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.apply(self._init)

    def _init(self, m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)
        if isinstance(m, nn.Embedding) and m.padding_idx is not None:
            with torch.no_grad():
                m.weight[m.padding_idx].zero_()

    # -- inputs ---------------------------------------------------------------------------

    def pad_histories(self, histories: Sequence[Sequence[int]]) -> Tensor:
        """Left-pads the last max_len items of each history to the longest in the batch."""
        cut = [list(h)[-self.cfg.max_len:] for h in histories]
        width = max(1, max((len(h) for h in cut), default=0))
        return torch.tensor([[self.pad] * (width - len(h)) + h for h in cut], dtype=torch.long)

    def _embed(self, seqs: Tensor) -> tuple[Tensor, Tensor]:
        """Input tokens (item + position, LayerNorm, dropout) and the valid-key mask.
        Positions count from the oldest item kept (0), as in ReaRec."""
        valid = seqs != self.pad
        pos = (torch.cumsum(valid.long(), dim=1) - 1).clamp(min=0)
        x = self.item_emb(seqs) + self.pos_emb(pos) * valid.unsqueeze(-1)
        return self.drop(self.norm(x)), valid

    @staticmethod
    def _causal_bias(valid: Tensor, extra: int = 0) -> Tensor:
        """[B, 1, T, T] additive mask over L sequence keys (padding masked) plus ``extra``
        always-valid reasoning keys, causal."""
        b, n = valid.shape
        t = n + extra
        keys = torch.cat([valid, torch.ones(b, extra, dtype=torch.bool)], dim=1)
        allowed = torch.tril(torch.ones(t, t, dtype=torch.bool)).unsqueeze(0) & keys.unsqueeze(1)
        return torch.where(allowed, 0.0, NEG).unsqueeze(1)

    def _reason_input(self, h: Tensor, k: int) -> Tensor:
        """The input token of reasoning step k (1-based): h + p^R_k, normalised."""
        assert self.reason_pos_emb is not None
        return self.drop(self.norm(h + self.reason_pos_emb.weight[k - 1]))

    # -- forward --------------------------------------------------------------------------

    def sasrec(self, seqs: Tensor) -> Tensor:
        """Plain SASRec: the last position's output of the causal Transformer, [B, d]."""
        x, valid = self._embed(seqs)
        bias = self._causal_bias(valid)
        for block in self.blocks:
            x, _ = block(x, bias)
        return x[:, -1]

    def reasoning_states(self, seqs: Tensor, steps: Optional[int] = None) -> Tensor:
        """r_0..r_K, [B, K+1, d], with a KV cache (one token per reasoning step)."""
        steps = self.cfg.reason_steps if steps is None else steps
        if steps > self.cfg.reason_steps:
            raise ValueError(f"the model has {self.cfg.reason_steps} reasoning position embeddings, not {steps}")
        x, valid = self._embed(seqs)
        bias = self._causal_bias(valid)
        caches = []
        for block in self.blocks:
            x, cache = block(x, bias)
            caches.append(cache)
        h = x[:, -1]
        states = [h]
        key_bias = bias[:, :, -1:, :]  # the last row: every valid sequence key
        for k in range(1, steps + 1):
            x = self._reason_input(h, k).unsqueeze(1)
            step_bias = torch.cat([key_bias, torch.zeros(key_bias.shape[0], 1, 1, k)], dim=-1)
            for n, block in enumerate(self.blocks):
                x, caches[n] = block(x, step_bias, caches[n])
            h = x[:, -1]
            states.append(h)
        return torch.stack(states, dim=1)

    def reasoning_states_all(self, seqs: Tensor) -> Tensor:
        """r_0..r_K for every prefix at once, [B, L, K+1, d] (training: every position of a
        window predicts its next item). Position t's reasoning tokens see the sequence up to
        t and their own earlier steps only, so [:, t] equals ``reasoning_states`` of the
        prefix ending at t."""
        x, valid = self._embed(seqs)
        bias = self._causal_bias(valid)
        seq_caches = []
        for block in self.blocks:
            x, cache = block(x, bias)
            seq_caches.append(cache)
        h = x
        states = [h]
        steps_caches: list[list] = [[] for _ in self.blocks]
        for k in range(1, self.cfg.reason_steps + 1):
            x = self._reason_input(h, k)
            for n, block in enumerate(self.blocks):
                x = block.forward_reasoning(x, bias, seq_caches[n], steps_caches[n])
            h = x
            states.append(h)
        return torch.stack(states, dim=2)

    def reasoning_states_uncached(self, seqs: Tensor, steps: Optional[int] = None) -> Tensor:
        """The same states by re-running the whole sequence each step (reference for tests)."""
        steps = self.cfg.reason_steps if steps is None else steps
        tokens, valid = self._embed(seqs)
        states = []
        for k in range(steps + 1):
            x, bias = tokens, self._causal_bias(valid, extra=k)
            for block in self.blocks:
                x, _ = block(x, bias)
            states.append(x[:, -1])
            if k < steps:
                tokens = torch.cat([tokens, self._reason_input(x[:, -1], k + 1).unsqueeze(1)], dim=1)
        return torch.stack(states, dim=1)

    def user_vector(self, states: Tensor) -> Tensor:
        """ERL: the mean of the reasoning states."""
        return states.mean(dim=1)

    def item_table(self) -> Tensor:
        return self.item_emb.weight[: self.cfg.n_items]

    def scores(self, seqs: Tensor) -> Tensor:
        """Scores of every catalog item, [B, n_items]."""
        return self.user_vector(self.reasoning_states(seqs)) @ self.item_table().T / self.cfg.temperature

    def loss(self, seqs: Tensor, targets: Tensor) -> tuple[Tensor, dict]:
        """ERL loss. ``targets``: [B] (the next item after each sequence) or [B, L] (the next
        item after every position, -100 where there is none)."""
        if targets.dim() == 1:
            states = self.reasoning_states(seqs)  # [B, T, d]
        else:
            keep = targets.reshape(-1) >= 0
            states = self.reasoning_states_all(seqs).reshape(-1, self.cfg.reason_steps + 1, self.cfg.d)[keep]
            targets = targets.reshape(-1)[keep]
        # Scores are linear in the state, so the mean state's logits are the mean of the steps' logits.
        logits = states @ self.item_table().T / self.cfg.temperature  # [M, T, N]
        ce = F.cross_entropy(logits.mean(dim=1), targets)
        steps = states.shape[1]
        if steps == 1 or self.cfg.kl_weight == 0:
            return ce, {"ce": ce.item(), "kl": 0.0, "n": len(targets)}
        p, log_p = torch.softmax(logits, -1), torch.log_softmax(logits, -1)
        # kl[m, i, j] = KL(p_j || p_i) = sum_n p_j log p_j - p_j log p_i, with p_i held fixed
        # (as ReaRec's ERL); as a batched matmul, without an [M, T, T, N] tensor.
        neg_entropy = (p * log_p).sum(-1)  # [M, T]
        cross = torch.bmm(log_p.detach(), p.transpose(1, 2))  # [M, T(i), T(j)]
        kl = neg_entropy.unsqueeze(1) - cross
        off = ~torch.eye(steps, dtype=torch.bool)
        kl_mean = kl[:, off].mean()
        return ce - self.cfg.kl_weight * kl_mean, {"ce": ce.item(), "kl": kl_mean.item(), "n": len(targets)}


def save(model: ReaRec, path: str, extra: Optional[dict] = None) -> None:
    torch.save({"format": "usersim-rearec-v1", "config": model.cfg.to_dict(), "state_dict": model.state_dict(), **(extra or {})}, path)


def load(path: str) -> tuple[ReaRec, dict]:
    blob = torch.load(path, map_location="cpu")
    if not isinstance(blob, dict) or blob.get("format") != "usersim-rearec-v1":
        raise ValueError(f"{path}: not a ReaRec model written by rearec/train.py")
    model = ReaRec(Config(**blob["config"]))
    model.load_state_dict(blob["state_dict"])
    model.eval()
    return model, blob
