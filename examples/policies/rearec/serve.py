#!/usr/bin/env python3
"""Serves a trained SASRec/ReaRec model over usersim.policy.v1.

    /usr/bin/python3 examples/policies/rearec/serve.py --model rearec.pt --port 0
    # prints: listening on http://127.0.0.1:PORT  -> usersim run … --policy http://127.0.0.1:PORT

For each user: the reasoning states from the request's history (last max_len items), the
ERL user vector (their mean), scores for the whole catalog (or the candidates), the
history removed, the top k (ties by smaller id). Each user is scored on its own, so an
answer does not depend on the batch it came in. The model is not retrained
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

from rearec.model import ReaRec, load  # noqa: E402
from usersim_policy import Consumed, Policy, ProtocolError, serve  # noqa: E402
from usersim_policy.scored import top_k_scored  # noqa: E402


class ReaRecPolicy(Policy):
    wants = {"history": True, "candidates": True, "utterances": False}

    def __init__(self, model: ReaRec, steps: int | None = None):
        self.model = model.eval()
        self.consumed = Consumed()
        self.steps = model.cfg.reason_steps if steps is None else steps
        self.name = "sasrec" if self.steps == 0 else f"rearec-erl-k{self.steps}"
        # The item table, divided by the temperature once.
        self.table = (model.item_table() / model.cfg.temperature).detach()

    def reset(self, run, catalog_size, agents, slate):
        self.consumed.clear()
        if catalog_size != self.model.cfg.n_items:
            raise ProtocolError("catalog.size", f"the model was trained on {self.model.cfg.n_items} items, the run has {catalog_size}")

    @torch.no_grad()
    def score(self, history: list[int]) -> np.ndarray:
        states = self.model.reasoning_states(self.model.pad_histories([history]), self.steps)
        return (self.model.user_vector(states) @ self.table.T)[0].numpy()

    def learn(self, kind, round, interactions):
        self.consumed.add(interactions)

    def recommend(self, users, k, round, seed):
        out = []
        for u in users:
            history = self.consumed.history(u.id, u.history)
            out.append(top_k_scored(self.score(history), k, history, u.candidates))
        return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="a .pt written by rearec/train.py")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0: a free port (printed)")
    p.add_argument("--path", default="", help="serve under this base path, e.g. /rearec")
    p.add_argument("--steps", type=int, default=None, help="reasoning steps at inference (default: the trained K)")
    p.add_argument("--threads", type=int, default=1, help="torch threads")
    p.add_argument("--verbose", action="store_true", help="log each request to stderr")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    model, _ = load(a.model)
    serve(ReaRecPolicy(model, a.steps), a.host, a.port, a.path, a.verbose)


if __name__ == "__main__":
    main()
