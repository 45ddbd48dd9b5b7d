"""The policy base class: subclass it, override what your recommender does, and ``serve`` it."""

from __future__ import annotations

import heapq
from typing import Any, Iterable, Optional, Sequence

from .protocol import Interaction, Run, User


class Policy:
    """A recommender under test, as the protocol server calls it.

    The server serialises calls (one at a time) and checks every answer, so a subclass
    only computes. Determinism: answer each user from the request and what was learned
    since the last ``reset`` only -- never from the other users of the batch, the batch
    size, the wall clock or a global random state -- so that a run gives the same results
    however usersim shards it, and after a crash and resume.

    Class attributes ``name``, ``wants`` and ``max_batch`` make up ``info()``.
    """

    name: str = "policy"
    #: Which optional parts of /recommend the policy reads (see the protocol).
    wants: dict = {"history": True, "candidates": False, "utterances": False}
    #: Most users per /recommend request, or None for no limit.
    max_batch: Optional[int] = None

    def info(self) -> dict:
        """The /info answer (the server adds the protocol name)."""
        out: dict[str, Any] = {"name": self.name, "wants": dict(self.wants)}
        if self.max_batch is not None:
            out["maxBatch"] = self.max_batch
        return out

    def reset(self, run: Run, catalog_size: int, agents: int, slate: int) -> None:
        """A run starts (or resumes): forget everything learned before.

        Raise ``ProtocolError(field, message)`` to refuse the run (e.g. a catalog size the
        model was not trained for); the client then gets a 400 naming the field.
        """

    def recommend(self, users: list[User], k: int, round: int, seed: int) -> list:
        """One slate per user, in order: a list of at most k distinct item ids (best
        first), or ``{"items": [...], "scores": [...]}``, or ``(items, scores)``."""
        raise NotImplementedError

    def learn(self, kind: str, round: int, interactions: list[Interaction]) -> None:
        """Feedback: kind "history" (the warm-start log, round -1) or "round"."""


def top_k(
    scores: Any,
    k: int,
    exclude: Iterable[int] = (),
    candidates: Optional[Sequence[int]] = None,
) -> list[int]:
    """The k best ids by score, ties broken by the smaller id: a deterministic ranking.

    ``scores`` is a mapping id -> score or a sequence indexed by id (ids without a score
    rank last when ``scores`` is a mapping); ``candidates`` limits the ids ranked.
    """
    banned = set(exclude)
    if isinstance(scores, dict):
        ids: Iterable[int] = scores.keys() if candidates is None else dict.fromkeys(candidates)
        key = lambda i: (-scores.get(i, float("-inf")), i)  # noqa: E731
    else:
        ids = range(len(scores)) if candidates is None else dict.fromkeys(candidates)
        key = lambda i: (-float(scores[i]), i)  # noqa: E731
    return heapq.nsmallest(k, (i for i in ids if i not in banned), key=key)


class Consumed:
    """Each user's consumed items as /learn reported them (the warm-start log, then each
    round's clicks), oldest first, each item once: the memory a model that is not retrained
    online needs so that a warm-started run gives it the user's past. ``history(user,
    request_history)`` is that memory followed by the request's items it lacks."""

    def __init__(self) -> None:
        self.items: dict[int, list[int]] = {}
        self.sets: dict[int, set[int]] = {}

    def clear(self) -> None:
        self.items.clear()
        self.sets.clear()

    def add(self, interactions: Iterable[Interaction]) -> None:
        for it in interactions:
            items = self.items.setdefault(it.user, [])
            seen = self.sets.setdefault(it.user, set())
            for i in it.clicks:
                if i not in seen:
                    seen.add(i)
                    items.append(i)

    def history(self, user: int, request_history: Sequence[int] = ()) -> list[int]:
        items = self.items.get(user, [])
        seen = self.sets.get(user, set())
        extra: list[int] = []
        for i in request_history:
            if i not in seen:
                seen = seen | {i}
                extra.append(i)
        return items + extra if extra else list(items)
