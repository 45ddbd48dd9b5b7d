#!/usr/bin/env python3
"""Serves a trained LightGCN (or LightGCN+RGCL) model over usersim.policy.v1.

    /usr/bin/python3 examples/policies/lightgcn/serve.py --model lightgcn.pt --port 0
    # prints: listening on http://127.0.0.1:PORT  -> usersim run … --policy http://127.0.0.1:PORT

A user the model was trained on gets u . i over the catalog (or the candidates); a user
it has not seen gets the most popular training items. The request's history is removed,
the top k returned (ties by smaller id). The model is not retrained
online; it remembers what /learn reports each user consumed (the warm-start log, then
each round's clicks) and treats it as the start of the user's history.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from lightgcn.model import load  # noqa: E402
from usersim_policy import Consumed, Policy, ProtocolError, serve  # noqa: E402
from usersim_policy.scored import top_k_scored  # noqa: E402


class LightGCNPolicy(Policy):
    wants = {"history": True, "candidates": True, "utterances": False}

    def __init__(self, blob: dict):
        self.name = "lightgcn-rgcl" if blob["config"]["rgcl"] else "lightgcn"
        self.users = blob["users"].numpy().astype(np.float64)
        self.items = blob["items"].numpy().astype(np.float64)
        self.consumed = Consumed()
        self.popularity = np.asarray(blob["popularity"], dtype=np.float64)
        self.known = np.zeros(len(self.users), dtype=bool)
        self.known[np.asarray(blob.get("known_users", range(len(self.users))), dtype=np.int64)] = True

    def reset(self, run, catalog_size, agents, slate):
        self.consumed.clear()
        if catalog_size != len(self.items):
            raise ProtocolError("catalog.size", f"the model was trained on {len(self.items)} items, the run has {catalog_size}")

    def scores(self, user: int) -> np.ndarray:
        if user < len(self.users) and self.known[user]:
            return self.items @ self.users[user]
        return self.popularity

    def learn(self, kind, round, interactions):
        self.consumed.add(interactions)

    def recommend(self, users, k, round, seed):
        out = []
        for u in users:
            history = self.consumed.history(u.id, u.history)
            out.append(top_k_scored(self.scores(u.id), k, history, u.candidates))
        return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="a .pt written by lightgcn/train.py")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0: a free port (printed)")
    p.add_argument("--path", default="", help="serve under this base path, e.g. /lightgcn")
    p.add_argument("--verbose", action="store_true", help="log each request to stderr")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    serve(LightGCNPolicy(load(a.model)), a.host, a.port, a.path, a.verbose)


if __name__ == "__main__":
    main()
