"""A tiny dataset with a planted sequential pattern, in both export formats.

The catalog is ``groups`` groups of ``group_size`` items. Each user stays in one group and
walks it in order (item i, then i+1, wrapping), except that with probability ``noise`` a
step is a random item. A sequential model should learn "next = current + 1"; a graph
model, the groups. Used by the tests and handy to smoke-test a server::

    python3 -m usersim_policy.synthetic --out /tmp/planted   # from examples/policies
"""

from __future__ import annotations

import argparse
import json
import os
import random

from .data import write_graph, write_sequences


def planted_sequences(users: int = 300, groups: int = 6, group_size: int = 10, min_len: int = 6, max_len: int = 12,
                      noise: float = 0.1, seed: int = 0) -> dict[int, list[int]]:
    """Each user's items, oldest first (distinct within a user)."""
    rng = random.Random(seed)
    n_items = groups * group_size
    out = {}
    for u in range(users):
        g = u % groups
        pos = rng.randrange(group_size)
        seq: list[int] = []
        for _ in range(rng.randint(min_len, min(max_len, group_size))):
            item = g * group_size + pos
            if rng.random() < noise:
                item = rng.randrange(n_items)
            if item not in seq:
                seq.append(item)
            pos = (pos + 1) % group_size
        out[u] = seq
    return out


def write_planted(directory: str, users: int = 300, groups: int = 6, group_size: int = 10, seed: int = 0) -> dict:
    """Writes ``directory/sequences`` and ``directory/graph``; returns both cards."""
    seqs = planted_sequences(users, groups, group_size, seed=seed)
    items = groups * group_size
    titles = {i: (f"item {i}", f"group {i // group_size}") for i in range(items)}
    extra = {"source": "planted", "seed": seed, "groups": groups, "group_size": group_size}
    return {
        "sequences": write_sequences(os.path.join(directory, "sequences"), users, items, seqs, titles=titles, card=extra),
        "graph": write_graph(os.path.join(directory, "graph"), users, items, seqs, card=extra),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--users", type=int, default=300)
    p.add_argument("--groups", type=int, default=6)
    p.add_argument("--group-size", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    print(json.dumps(write_planted(a.out, a.users, a.groups, a.group_size, a.seed)))


if __name__ == "__main__":
    main()
