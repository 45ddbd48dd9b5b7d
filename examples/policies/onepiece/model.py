"""A OnePiece-style ranker (arXiv 2509.18091; shared/design/papers.md C6), small enough for CI.

- **Structured input.** One token sequence: the interaction history (with positions) ⊕ the
  preference anchors, each group (purchased, clicked, impressed) wrapped in BOS/EOS ⊕ the
  situational tokens (user, query = mean of its term embeddings) ⊕ the candidates, **without
  positions**, so a position cannot leak a label. Segment embeddings say which part a token is.
- **Bidirectional Transformer** over the sequence.
- **Block-wise reasoning.** Step k appends a block of C states (the candidates' states from the
  step before) plus a learned reasoning position embedding, under a block-causal mask: the
  input never sees the blocks, block k sees the input and blocks ≤ k.
- **Progressive multi-task heads.** Step 1's block is supervised by the click, step 2's by
  cart and order (the funnel: impression → click → cart → order). ``reason_steps = 0`` puts
  all heads on the candidates' own states (a plain ranker); ``use_anchors = False`` drops the
  anchor tokens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from .data import Batch, bucket, terms

SEG_HISTORY, SEG_PURCHASED, SEG_CLICKED, SEG_IMPRESSED, SEG_USER, SEG_QUERY, SEG_CAND, SEG_MARK = range(8)


@dataclass
class Config:
    n_items: int
    n_users: int
    dim: int = 32
    heads: int = 2
    layers: int = 2
    max_hist: int = 20
    anchors_k: int = 5
    reason_steps: int = 2
    use_anchors: bool = True
    buckets: int = 2048
    dropout: float = 0.1


def item_terms(items: list[dict], n_items: int, buckets: int) -> torch.Tensor:
    """[n_items + 1, T] term buckets of each item's title, category and tags (pad = buckets; the last row is the padding item)."""
    rows = [[] for _ in range(n_items + 1)]
    for it in items:
        rows[it["id"]] = [bucket(t, buckets) for t in terms(f"{it['title']} {it['category']} {it['tags']}")]
    width = max(1, max(len(r) for r in rows))
    out = torch.full((n_items + 1, width), buckets, dtype=torch.long)
    for i, r in enumerate(rows):
        if r:
            out[i, : len(r)] = torch.tensor(r)
    return out


class OnePiece(nn.Module):
    """``items``: the catalog (id, title, category, tags): an item token is its id embedding plus
    the mean of its text's term embeddings, the same term table the query token uses."""

    def __init__(self, cfg: Config, items: list[dict]):
        super().__init__()
        self.cfg = cfg
        d = cfg.dim
        self.register_buffer("terms", item_terms(items, cfg.n_items, cfg.buckets), persistent=False)
        self.item = nn.Embedding(cfg.n_items + 1, d, padding_idx=cfg.n_items)
        self.pos = nn.Embedding(cfg.max_hist, d)
        self.seg = nn.Embedding(8, d)
        self.user = nn.Embedding(cfg.n_users, d)
        self.query = nn.EmbeddingBag(cfg.buckets + 1, d, mode="mean", padding_idx=cfg.buckets)
        self.bos = nn.Parameter(torch.randn(d) * 0.02)
        self.eos = nn.Parameter(torch.randn(d) * 0.02)
        self.rpe = nn.Embedding(max(1, cfg.reason_steps) + 1, d)
        layer = nn.TransformerEncoderLayer(d, cfg.heads, 2 * d, cfg.dropout, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, cfg.layers)
        self.norm = nn.LayerNorm(d)
        self.click = nn.Linear(d, 1)
        self.cart = nn.Linear(d, 1)
        self.order = nn.Linear(d, 1)
        # A late-interaction term per head (query · candidate, in the shared term space): with
        # the little data of a CI run the Transformer alone learns the text match too slowly.
        self.match = nn.Parameter(torch.ones(3))

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Item tokens: id embedding + the mean of the item's term embeddings."""
        text = self.query(self.terms[ids.reshape(-1)]).reshape(*ids.shape, -1)
        return self.item(ids) + text

    def _inputs(self, b: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        """The token embeddings [B, L, d] and their padding mask [B, L] (True = padding)."""
        cfg = self.cfg
        pad = cfg.n_items
        bsz, h = b.history.shape
        parts, masks = [], []
        pos = torch.arange(h).clamp(max=cfg.max_hist - 1)
        parts.append(self.embed(b.history) + self.pos(pos)[None] + self.seg.weight[SEG_HISTORY])
        masks.append(b.history == pad)
        if cfg.use_anchors:
            for g, seg in enumerate((SEG_PURCHASED, SEG_CLICKED, SEG_IMPRESSED)):
                ids = b.anchors[:, g]
                mark = self.seg.weight[SEG_MARK] + self.seg.weight[seg]
                parts += [(self.bos + mark).expand(bsz, 1, -1), self.embed(ids) + self.seg.weight[seg], (self.eos + mark).expand(bsz, 1, -1)]
                no = torch.zeros((bsz, 1), dtype=torch.bool)
                masks += [no, ids == pad, no]
        q = b.query
        offsets_free = self.query(q)  # [B, d]: mean over the query's term buckets (padding ignored)
        parts.append((self.user(b.users) + self.seg.weight[SEG_USER])[:, None])
        parts.append((offsets_free + self.seg.weight[SEG_QUERY])[:, None])
        masks += [torch.zeros((bsz, 1), dtype=torch.bool)] * 2
        parts.append(self.embed(b.cands) + self.seg.weight[SEG_CAND])  # no positional embedding
        masks.append(b.cands == pad)
        return torch.cat(parts, 1), torch.cat(masks, 1)

    def forward(self, b: Batch) -> torch.Tensor:
        """Logits [B, C, 3]: click, cart, order per candidate."""
        x, pad = self._inputs(b)
        c = b.cands.shape[1]
        out = self.encoder(x, src_key_padding_mask=pad)
        states = [out[:, -c:]]
        k_steps = self.cfg.reason_steps
        if k_steps:
            n = x.shape[1]
            seq, seq_pad = x, pad
            prev = states[0]
            for k in range(1, k_steps + 1):
                block = prev + self.rpe.weight[k]
                seq = torch.cat([seq, block], 1)
                seq_pad = torch.cat([seq_pad, b.cands == self.cfg.n_items], 1)
                total = seq.shape[1]
                # Block-causal: the input sees only the input; block j sees the input and blocks <= j.
                owner = torch.zeros(total, dtype=torch.long)
                for j in range(1, k + 1):
                    owner[n + (j - 1) * c: n + j * c] = j
                mask = owner[None, :] > owner[:, None]
                o = self.encoder(seq, mask=mask, src_key_padding_mask=seq_pad)
                prev = o[:, -c:]
                states.append(prev)
        first = self.norm(states[1] if k_steps >= 1 else states[0])
        last = self.norm(states[min(2, k_steps)] if k_steps >= 2 else first)
        logits = torch.cat([self.click(first), self.cart(last), self.order(last)], -1)
        match = (self.embed(b.cands) * self.query(b.query)[:, None]).sum(-1) / self.cfg.dim**0.5
        return logits + match[..., None] * self.match

    def loss(self, b: Batch) -> torch.Tensor:
        logits = self(b)
        valid = (b.cands != self.cfg.n_items).float()[..., None].expand_as(logits)
        bce = nn.functional.binary_cross_entropy_with_logits(logits, b.labels, reduction="none")
        return (bce * valid).sum() / valid.sum().clamp(min=1)


def save(model: OnePiece, path: str, extra: dict) -> None:
    """``extra`` must hold the catalog (``items``): the model is rebuilt from it."""
    torch.save({"config": asdict(model.cfg), "state": model.state_dict(), "extra": extra}, path)


def load(path: str) -> tuple[OnePiece, dict]:
    blob = torch.load(path, map_location="cpu")
    model = OnePiece(Config(**blob["config"]), blob["extra"]["items"])
    model.load_state_dict(blob["state"])
    return model.eval(), blob["extra"]
