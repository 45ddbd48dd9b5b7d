"""The OnePiece-style ranker: input layout, block-causal reasoning, training, serving."""

import json
import os
import random
import tempfile
import unittest

from .helpers import require_torch

torch = require_torch()

from onepiece.data import collate, read_impressions  # noqa: E402
from onepiece.model import Config, OnePiece, load  # noqa: E402
from onepiece.serve import OnePiecePolicy  # noqa: E402
from onepiece.train import auc, main as train_main  # noqa: E402
from usersim_policy import User  # noqa: E402
from usersim_policy.server import PolicyService  # noqa: E402

PRODUCTS = ["lamp", "kettle", "headphones", "tent"]


def write_impressions(directory: str, users: int = 60, rounds: int = 3, seed: int = 0) -> None:
    """A small impression log in the export's format: users click items of the product they query, and buy the cheap ones."""
    rng = random.Random(seed)
    items = [{"id": i, "title": f"Brand{i % 3} basic {PRODUCTS[i % 4]}", "category": "home", "tags": "basic", "price": 5 + i % 7} for i in range(40)]
    rows = []
    for r in range(rounds):
        for u in range(users):
            want = PRODUCTS[u % 4]
            shown = rng.sample(range(40), 8)
            clicked = [1 if PRODUCTS[i % 4] == want and rng.random() < 0.8 else 0 for i in shown]
            carted = [c if items[i]["price"] < 9 else 0 for c, i in zip(clicked, shown)]
            ordered = [c if rng.random() < 0.7 else 0 for c in carted]
            rows.append({"request_id": f"{r}-{u}", "run_id": "t", "ts": r, "user_id": u, "query": f"basic {want}", "reformulation": False,
                         "history": [], "anchors": {"purchased": [], "clicked": [], "impressed": []}, "items": shown,
                         "positions": list(range(8)), "exposed": [1] * 8, "clicked": clicked, "carted": carted, "ordered": ordered})
    with open(os.path.join(directory, "impressions.jsonl"), "w") as f:
        f.write("".join(json.dumps(x) + "\n" for x in rows))
    with open(os.path.join(directory, "items.csv"), "w") as f:
        f.write("item_id,title,category,tags,price\n" + "".join(f"{i['id']},{i['title']},{i['category']},{i['tags']},{i['price']}\n" for i in items))
    with open(os.path.join(directory, "card.json"), "w") as f:
        json.dump({"format": "impressions", "users": users, "items": 40, "anchors_k": 5, "history": 20}, f)


ITEMS = [{"id": i, "title": f"Brand{i % 3} basic {PRODUCTS[i % 4]}", "category": "home", "tags": "basic"} for i in range(40)]


def tiny(k: int, anchors: bool = True) -> OnePiece:
    torch.manual_seed(0)
    return OnePiece(Config(n_items=40, n_users=60, dim=16, reason_steps=k, use_anchors=anchors, dropout=0.0, buckets=64), ITEMS).eval()


def request(**kw) -> dict:
    r = {"user_id": 1, "history": [3, 4], "anchors": {"purchased": [5], "clicked": [5, 6], "impressed": [7]}, "query": "basic lamp", "items": [8, 12, 16]}
    r.update(kw)
    return r


class ModelTest(unittest.TestCase):
    def test_candidates_have_no_position(self):
        # Permuting the candidates permutes their scores: no position leaks into a candidate.
        model = tiny(2)
        a = model(collate([request()], 40, 64, 20, 5))[0]
        b = model(collate([request(items=[16, 8, 12])], 40, 64, 20, 5))[0]
        self.assertTrue(torch.allclose(a[[2, 0, 1]], b, atol=1e-5))

    def test_anchors_and_reasoning_matter_and_can_be_switched_off(self):
        with_anchors = tiny(2)(collate([request()], 40, 64, 20, 5))
        other = tiny(2)(collate([request(anchors={"purchased": [9], "clicked": [], "impressed": []})], 40, 64, 20, 5))
        self.assertFalse(torch.allclose(with_anchors, other))
        blind = tiny(2, anchors=False)
        self.assertTrue(torch.allclose(blind(collate([request()], 40, 64, 20, 5)), blind(collate([request(anchors={"purchased": [9], "clicked": [], "impressed": []})], 40, 64, 20, 5))))
        # K = 0: every head reads the candidates' own states, one encoder pass.
        self.assertEqual(tuple(tiny(0)(collate([request()], 40, 64, 20, 5)).shape), (1, 3, 3))

    def test_auc(self):
        self.assertEqual(auc(torch.tensor([0.1, 0.9, 0.5]).numpy(), torch.tensor([0.0, 1.0, 0.0]).numpy()), 1.0)
        self.assertEqual(auc(torch.tensor([0.5, 0.5]).numpy(), torch.tensor([0.0, 1.0]).numpy()), 0.5)


class TrainServeTest(unittest.TestCase):
    def test_trains_on_the_export_and_serves_the_protocol(self):
        d = tempfile.mkdtemp(prefix="usersim-onepiece-")
        write_impressions(d)
        self.assertEqual(len(read_impressions(d).requests), 180)
        out = os.path.join(d, "m.pt")
        metrics = train_main(["--data", d, "--out", out, "--epochs", "30", "--dim", "16", "--batch", "32", "--lr", "0.01"])
        # The planted signal (the query's product) is learnt: clicks ranked well above chance.
        self.assertGreater(metrics["c_auc"], 0.75)
        for key in ("a_auc", "o_auc", "impressions", "retrieval_recall_at_30"):
            self.assertIn(key, metrics)
        model, extra = load(out)
        service = PolicyService(OnePiecePolicy(model, extra["items"], candidates=10))
        self.assertEqual(service.handle("GET", "/info", b"")[0], 200)
        run = {"id": "r", "seed": 1}
        status, _ = service.handle("POST", "/reset", json.dumps({"protocol": "usersim.policy.v1", "run": run, "catalog": {"size": 40}, "agents": 60, "slate": 4}).encode())
        self.assertEqual(status, 200)
        users = [{"id": 2, "history": [1], "search": {"query": "basic kettle", "reformulation": False, "anchors": {"purchased": [], "clicked": [5], "impressed": [5]}}},
                 {"id": 3, "history": []}]
        status, answer = service.handle("POST", "/recommend", json.dumps({"protocol": "usersim.policy.v1", "run": run, "round": 0, "k": 4, "users": users}).encode())
        self.assertEqual(status, 200, answer)
        first = answer["slates"][0]["items"]
        self.assertEqual(len(first), 4)
        self.assertNotIn(1, first)
        # The page answers the query: kettles first.
        self.assertTrue(all("kettle" in extra["items"][i]["title"] for i in first[:3]))


if __name__ == "__main__":
    unittest.main()
