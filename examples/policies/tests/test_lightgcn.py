"""LightGCN and the RGCL option: propagation, perturbation bounds, training, serving."""

import os
import tempfile
import unittest

from .helpers import planted_dir, require_torch

torch = require_torch()

from lightgcn.model import Config, LightGCN, bpr_loss, fgsm_perturbation, info_nce, load, normalized_adjacency, save  # noqa: E402
from lightgcn.serve import LightGCNPolicy  # noqa: E402
from lightgcn.train import evaluate, train  # noqa: E402
from usersim_policy import User, read_graph  # noqa: E402

EDGES = [(0, 0), (0, 1), (1, 1), (1, 2), (2, 3), (0, 1)]


class ModelTest(unittest.TestCase):
    def test_adjacency_is_symmetric_normalised(self):
        a = normalized_adjacency(3, 4, EDGES).to_dense()
        self.assertEqual(tuple(a.shape), (7, 7))
        torch.testing.assert_close(a, a.T)
        # user 0 (degree 2) - item 1 (degree 2): 1/sqrt(2*2); user 2 - item 3: 1/1
        self.assertAlmostEqual(a[0, 3 + 1].item(), 0.5, places=6)
        self.assertAlmostEqual(a[2, 3 + 3].item(), 1.0, places=6)
        self.assertEqual(a[0, 1].item(), 0.0)  # no user-user edges

    def test_propagation_averages_the_layers(self):
        torch.manual_seed(0)
        cfg = Config(n_users=3, n_items=4, d=8, layers=2)
        adj = normalized_adjacency(3, 4, EDGES)
        model = LightGCN(cfg, adj)
        e0 = torch.cat([model.user_emb.weight, model.item_emb.weight])
        dense = adj.to_dense()
        expected = (e0 + dense @ e0 + dense @ dense @ e0) / 3
        users, items = model.propagate()
        torch.testing.assert_close(torch.cat([users, items]), expected)

    def test_rgcl_perturbations_respect_eps_and_raise_the_bpr_loss(self):
        torch.manual_seed(0)
        users, items = torch.randn(5, 8), torch.randn(9, 8)
        u, i, j = torch.tensor([0, 1, 1]), torch.tensor([2, 3, 4]), torch.tensor([5, 6, 2])
        for eps in (0.01, 0.1):
            du, di = fgsm_perturbation(users, items, u, i, j, eps)
            self.assertLessEqual(du.abs().max().item(), eps + 1e-7)
            self.assertLessEqual(di.abs().max().item(), eps + 1e-7)
            self.assertAlmostEqual(du[0].abs().max().item(), eps, places=6)
            self.assertEqual(du[2:].abs().sum().item(), 0.0)  # users outside the batch stay put
            self.assertEqual(di[[0, 1, 7, 8]].abs().sum().item(), 0.0)
            clean = bpr_loss(users[u], items[i], items[j])
            adv = bpr_loss((users + du)[u], (items + di)[i], (items + di)[j])
            self.assertGreater(adv.item(), clean.item())
        self.assertFalse(du.requires_grad)

    def test_info_nce_prefers_matching_views(self):
        torch.manual_seed(0)
        a = torch.randn(6, 8)
        self.assertLess(info_nce(a, a + 0.01, 0.2).item(), info_nce(a, a[torch.randperm(6)], 0.2).item())

    def test_rgcl_loss_adds_both_terms(self):
        torch.manual_seed(0)
        adj = normalized_adjacency(3, 4, EDGES)
        u, i, j = torch.tensor([0, 1]), torch.tensor([1, 2]), torch.tensor([3, 0])
        plain = LightGCN(Config(3, 4, d=8), adj)
        rgcl = LightGCN(Config(3, 4, d=8, rgcl=True, mu=0.1, alpha=0.2), adj)
        rgcl.load_state_dict(plain.state_dict())
        lp, pp = plain.loss(u, i, j)
        lr, pr = rgcl.loss(u, i, j)
        self.assertEqual(set(pr), {"bpr", "adv", "cl"})
        self.assertAlmostEqual(lr.item() - lp.item(), 0.1 * pr["adv"] + 0.2 * pr["cl"], places=5)


class TrainingTest(unittest.TestCase):
    def check(self, rgcl: bool):
        data = read_graph(os.path.join(planted_dir(), "graph"))
        cfg = Config(n_users=data.users, n_items=data.items, d=16, layers=2, rgcl=rgcl, eps=0.05)
        model, run = train(data, cfg, epochs=30, lr=0.01, batch=512, seed=0, patience=30, eval_every=30, log=lambda s: None)
        self.assertLess(run["train_loss"][-1], run["train_loss"][0] - 0.1)
        test = evaluate(model, data, "test")
        self.assertGreater(test["recall@10"], 0.5, test)  # random: about 10 of ~52 unseen items
        return model, data

    def test_lightgcn_learns_the_groups(self):
        model, data = self.check(rgcl=False)
        path = os.path.join(tempfile.mkdtemp(), "m.pt")
        popularity = [0.0] * data.items
        for _, i, _ in data.train:
            popularity[i] += 1
        save(model, path, popularity, {"known_users": [0, 1]})
        policy = LightGCNPolicy(load(path))
        self.assertEqual(policy.name, "lightgcn")
        slates = policy.recommend([User(0, [0, 1]), User(5, [0]), User(1, [], candidates=[3, 4])], 4, 0, 1)
        self.assertFalse({0, 1} & set(slates[0]["items"]))
        # user 5 is unknown to this model: most popular training items, history removed
        expected = sorted((i for i in range(data.items) if i != 0), key=lambda i: (-popularity[i], i))[:4]
        self.assertEqual(slates[1]["items"], expected)
        self.assertEqual(sorted(slates[2]["items"]), [3, 4])

    def test_lightgcn_with_rgcl_learns_the_groups(self):
        self.check(rgcl=True)


if __name__ == "__main__":
    unittest.main()
