"""SASRec / ReaRec-ERL: the architecture against references, training, serving."""

import json
import os
import tempfile
import unittest

from .helpers import planted_dir, require_torch

torch = require_torch()
import torch.nn.functional as F  # noqa: E402

from rearec.model import Config, ReaRec, load, save  # noqa: E402
from rearec.serve import ReaRecPolicy  # noqa: E402
from rearec.train import evaluate, train, training_windows  # noqa: E402
from usersim_policy import Interaction, SequenceRow, User, read_sequences  # noqa: E402

HISTORIES = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9, 10, 11, 12, 13, 14], [2, 2, 9]]


def tiny(k: int, seed: int = 0, **kw) -> ReaRec:
    torch.manual_seed(seed)
    cfg = dict(n_items=30, d=16, layers=2, heads=2, inner=32, max_len=8, reason_steps=k, dropout=0.0)
    cfg.update(kw)
    return ReaRec(Config(**cfg)).eval()


def reference_sasrec(model: ReaRec, seqs):
    """SASRec with torch.nn.TransformerEncoderLayer and the model's weights."""
    cfg = model.cfg
    valid = seqs != model.pad
    positions = torch.zeros_like(seqs)
    for b in range(len(seqs)):
        n = int(valid[b].sum())
        positions[b, len(seqs[b]) - n:] = torch.arange(n)
    x = F.layer_norm(model.item_emb(seqs) + model.pos_emb(positions) * valid.unsqueeze(-1), (cfg.d,),
                     model.norm.weight, model.norm.bias, cfg.layer_norm_eps)
    n = seqs.shape[1]
    allowed = torch.tril(torch.ones(n, n, dtype=torch.bool)) & valid.unsqueeze(1)
    mask = torch.where(allowed, 0.0, -1e9).repeat_interleave(cfg.heads, dim=0)
    for block in model.blocks:
        layer = torch.nn.TransformerEncoderLayer(cfg.d, cfg.heads, cfg.inner, dropout=0.0, activation="gelu",
                                                 layer_norm_eps=cfg.layer_norm_eps, batch_first=True)
        a = block.attention
        with torch.no_grad():
            layer.self_attn.in_proj_weight.copy_(torch.cat([a.q.weight, a.k.weight, a.v.weight]))
            layer.self_attn.in_proj_bias.copy_(torch.cat([a.q.bias, a.k.bias, a.v.bias]))
            layer.self_attn.out_proj.weight.copy_(a.out.weight)
            layer.self_attn.out_proj.bias.copy_(a.out.bias)
            layer.linear1.load_state_dict(block.ff1.state_dict())
            layer.linear2.load_state_dict(block.ff2.state_dict())
            layer.norm1.load_state_dict(a.norm.state_dict())
            layer.norm2.load_state_dict(block.norm.state_dict())
        x = layer(x, src_mask=mask)  # train mode, dropout 0: the plain (non fast-path) code
    return x[:, -1]


class ArchitectureTest(unittest.TestCase):
    def test_k0_is_plain_sasrec(self):
        model = tiny(0)
        seqs = model.pad_histories(HISTORIES)
        self.assertIsNone(model.reason_pos_emb)
        with torch.no_grad():
            states = model.reasoning_states(seqs)
            self.assertEqual(tuple(states.shape), (5, 1, 16))
            expected = reference_sasrec(model, seqs)
            torch.testing.assert_close(states[:, 0], expected, rtol=1e-5, atol=1e-5)
            torch.testing.assert_close(model.user_vector(states), expected, rtol=1e-5, atol=1e-5)
        # The only parameters K adds are the reasoning position embeddings.
        extra = set(tiny(2).state_dict()) - set(model.state_dict())
        self.assertEqual(extra, {"reason_pos_emb.weight"})

    def test_reasoning_steps_feed_back_the_last_state(self):
        model = tiny(3)
        seqs = model.pad_histories(HISTORIES)
        with torch.no_grad():
            states = model.reasoning_states(seqs)
            self.assertEqual(tuple(states.shape), (5, 4, 16))
            # r_0 is SASRec's output; the KV cache changes nothing; fewer steps give a prefix.
            torch.testing.assert_close(states[:, 0], reference_sasrec(model, seqs), rtol=1e-5, atol=1e-5)
            torch.testing.assert_close(states, model.reasoning_states_uncached(seqs), rtol=1e-5, atol=1e-5)
            torch.testing.assert_close(model.reasoning_states(seqs, steps=1), states[:, :2])
            # Reasoning position embeddings matter: without them the steps differ.
            model.reason_pos_emb.weight.zero_()
            self.assertFalse(torch.allclose(model.reasoning_states(seqs)[:, 1:], states[:, 1:]))

    def test_every_position_at_once_equals_each_prefix(self):
        model = tiny(2)
        seqs = model.pad_histories(HISTORIES)
        with torch.no_grad():
            every = model.reasoning_states_all(seqs)
            for t in range(seqs.shape[1]):
                ok = seqs[:, t] != model.pad
                if ok.any():
                    torch.testing.assert_close(every[ok, t], model.reasoning_states(seqs[:, : t + 1])[ok], rtol=1e-5, atol=1e-5)

    def test_erl_user_vector_is_the_mean_of_reasoning_states(self):
        model = tiny(2)
        seqs = model.pad_histories(HISTORIES)
        with torch.no_grad():
            states = model.reasoning_states(seqs)
            torch.testing.assert_close(model.user_vector(states), (states[:, 0] + states[:, 1] + states[:, 2]) / 3)
            expected = states.mean(1) @ model.item_emb.weight[:30].T / model.cfg.temperature
            torch.testing.assert_close(model.scores(seqs), expected)

    def test_erl_loss_is_ce_minus_lambda_kl_as_in_rearec(self):
        model = tiny(2, kl_weight=0.3)
        seqs = model.pad_histories(HISTORIES)
        targets = torch.tensor([4, 5, 6, 7, 8])
        loss, parts = model.loss(seqs, targets)
        with torch.no_grad():
            states = model.reasoning_states(seqs)
            table = model.item_emb.weight[:30]
            ce = F.cross_entropy(states.mean(1) @ table.T / 0.07, targets)
            logits = states @ table.T / 0.07
            # ReaRec's ERL: kl_div(log q_i (detached), p_j), off-diagonal mean
            kl = F.kl_div(F.log_softmax(logits, -1).unsqueeze(2), F.softmax(logits, -1).unsqueeze(1), reduction="none").sum(-1)
            kl = kl[:, ~torch.eye(3, dtype=torch.bool)].mean()
        self.assertAlmostEqual(parts["ce"], ce.item(), places=4)
        self.assertAlmostEqual(parts["kl"], kl.item(), places=4)
        self.assertAlmostEqual(loss.item(), (ce - 0.3 * kl).item(), places=4)
        self.assertEqual(tiny(0).loss(seqs, targets)[1]["kl"], 0.0)

    def test_training_windows_cover_every_target_once_with_enough_context(self):
        seq = list(range(100, 140))
        rows = [SequenceRow(0, seq[p], tuple(seq[max(0, p - 8):p])) for p in range(1, 37)]
        rows += [SequenceRow(1, 5, (1, 2)), SequenceRow(1, 6, (1, 2, 5))]
        windows = training_windows(rows, 8)
        targets = {}
        for inputs, labels in windows:
            self.assertLessEqual(len(inputs), 8)
            for j, label in enumerate(labels):
                if label >= 0:
                    context = inputs[: j + 1]
                    self.assertNotIn(label, targets)
                    targets[label] = context
        self.assertEqual(sorted(targets), sorted(r.item for r in rows))
        for r in rows:  # the context is the row's history, or at least its last half
            self.assertEqual(tuple(targets[r.item]), r.history[-len(targets[r.item]):])
            self.assertGreaterEqual(len(targets[r.item]), min(len(r.history), 4))


class TrainingTest(unittest.TestCase):
    def test_training_lowers_the_loss_and_beats_random(self):
        data = read_sequences(os.path.join(planted_dir(), "sequences"))
        cfg = Config(n_items=data.items, d=32, layers=1, heads=2, inner=64, reason_steps=2, dropout=0.1)
        model, run = train(data, cfg, epochs=8, lr=5e-3, batch=16, seed=0, patience=8, log=lambda s: None)
        self.assertLess(run["train_ce"][-1], run["train_ce"][0] - 0.5)
        # Random: about 10 of the ~52 items a user has not seen.
        test = evaluate(model, data, "test")
        self.assertGreater(test["recall@10"], 0.5, test)
        self.assertGreater(test["ndcg@10"], 0.3, test)

    def test_training_is_seeded(self):
        data = read_sequences(os.path.join(planted_dir(), "sequences"))
        cfg = Config(n_items=data.items, d=16, layers=1, heads=1, inner=16, reason_steps=1)
        a = train(data, cfg, epochs=1, lr=1e-3, batch=32, seed=3, patience=1, log=lambda s: None)[1]
        b = train(data, cfg, epochs=1, lr=1e-3, batch=32, seed=3, patience=1, log=lambda s: None)[1]
        self.assertEqual(a["train_ce"], b["train_ce"])


class ServeTest(unittest.TestCase):
    def test_policy_excludes_history_and_is_batch_independent(self):
        model = tiny(2)
        path = os.path.join(tempfile.mkdtemp(), "m.pt")
        save(model, path)
        policy = ReaRecPolicy(load(path)[0])
        self.assertEqual(policy.name, "rearec-erl-k2")
        users = [User(0, [1, 2, 3]), User(1, []), User(2, [4, 5], candidates=[5, 6, 7, 29])]
        slates = policy.recommend(users, 5, 0, 7)
        self.assertEqual(len(slates[0]["items"]), 5)
        self.assertFalse(set(slates[0]["items"]) & {1, 2, 3})
        self.assertEqual(sorted(slates[2]["items"]), [6, 7, 29])
        with torch.no_grad():
            scores = model.scores(model.pad_histories([[1, 2, 3]]))[0]
        scores[[1, 2, 3]] = float("-inf")
        self.assertEqual(slates[0]["items"], scores.argsort(descending=True)[:5].tolist())
        again = policy.recommend([users[2], users[0]], 5, 3, 9)
        self.assertEqual(json.dumps(again), json.dumps([slates[2], slates[0]]))

    def test_learned_consumption_is_the_start_of_the_history(self):
        policy = ReaRecPolicy(tiny(2))
        policy.reset(None, 30, 3, 5)
        policy.learn("history", -1, [Interaction(0, [1, 2], [1, 2], [4, 5])])
        policy.learn("round", 0, [Interaction(0, [9, 3, 8], [3], [4])])
        remembered = policy.recommend([User(0, [])], 5, 1, 7)
        told = policy.recommend([User(5, [1, 2, 3])], 5, 1, 7)
        self.assertEqual(remembered[0]["items"], told[0]["items"])
        policy.reset(None, 30, 3, 5)  # a new run forgets
        self.assertEqual(policy.recommend([User(0, [])], 5, 1, 7), policy.recommend([User(5, [])], 5, 1, 7))


if __name__ == "__main__":
    unittest.main()
