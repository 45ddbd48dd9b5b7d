"""Shared bits of the tests: HTTP calls, a planted dataset, torch (required, not optional)."""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.request
from functools import lru_cache

from usersim_policy.synthetic import write_planted

POLICIES_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"


def call(url: str, path: str, body=None, method: str | None = None, raw: bytes | None = None) -> tuple[int, dict]:
    """(status, JSON answer) of one request."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url + path, data=data, method=method or ("POST" if data is not None else "GET"),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@lru_cache(maxsize=None)
def planted_dir() -> str:
    """A planted dataset (sequences/ and graph/), written once per test run."""
    directory = tempfile.mkdtemp(prefix="usersim-planted-")
    write_planted(directory, users=240, groups=6, group_size=10, seed=0)
    return directory


def require_torch():
    try:
        import torch
    except ImportError as e:  # fail, do not skip: CI installs python3-torch
        raise ImportError("these tests need PyTorch for /usr/bin/python3: apt-get install python3-torch") from e
    torch.set_num_threads(1)
    return torch


PROTO = "usersim.policy.v1"
RUN = {"id": "run-1", "seed": 7}


def reset_body(size: int = 60, agents: int = 300, slate: int = 5) -> dict:
    return {"protocol": PROTO, "run": RUN, "catalog": {"size": size}, "agents": agents, "slate": slate}


def recommend_body(users: list, k: int = 5, round_: int = 0) -> dict:
    return {"protocol": PROTO, "run": RUN, "round": round_, "k": k, "users": users}


def learn_body(interactions: list, kind: str = "round", round_: int = 0) -> dict:
    return {"protocol": PROTO, "run": RUN, "round": round_, "kind": kind, "interactions": interactions}
