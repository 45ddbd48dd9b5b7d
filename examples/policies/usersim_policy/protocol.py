"""The usersim.policy.v1 messages, checked by hand (standard library only).

Each ``parse_*`` function takes a decoded JSON body and returns plain Python objects, or
raises :class:`ProtocolError` naming the first bad field (``users[3].history[0]: ...``).
The TypeScript side defines the same messages with zod in ``src/external/protocol.ts``;
``docs/external-policies.md`` describes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

PROTOCOL = "usersim.policy.v1"


class ProtocolError(Exception):
    """A request (status 400/409) or an answer (status 500) that breaks the protocol."""

    def __init__(self, field_name: str, message: str, status: int = 400):
        super().__init__(f"{field_name}: {message}" if field_name else message)
        self.field = field_name
        self.status = status


@dataclass(frozen=True)
class Run:
    id: str
    seed: int


@dataclass(frozen=True)
class User:
    """One user of a /recommend batch."""

    id: int
    history: list[int]
    candidates: Optional[list[int]] = None
    utterances: list[dict] = field(default_factory=list)
    #: Search runs: {"query": str, "reformulation": bool, "anchors": {"purchased": [...], "clicked": [...], "impressed": [...]}}.
    search: Optional[dict] = None


@dataclass(frozen=True)
class Interaction:
    """One user's feedback on one slate (or, for kind "history", one user's log)."""

    user: int
    slate: list[int]
    clicks: list[int]
    ratings: list[int]


@dataclass(frozen=True)
class Reset:
    run: Run
    catalog_size: int
    agents: int
    slate: int


@dataclass(frozen=True)
class Recommend:
    run: Run
    round: int
    k: int
    users: list[User]


@dataclass(frozen=True)
class Learn:
    run: Run
    kind: str
    round: int
    interactions: list[Interaction]


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _obj(value: Any, name: str) -> dict:
    if not isinstance(value, dict):
        raise ProtocolError(name, f"expected an object, got {_kind(value)}")
    return value


def _get(obj: dict, key: str, name: str) -> Any:
    if key not in obj:
        raise ProtocolError(f"{name}.{key}" if name else key, "required")
    return obj[key]


def _int(value: Any, name: str, lo: Optional[int] = None, hi: Optional[int] = None) -> int:
    """An integer (an integral float such as 3.0 counts) within [lo, hi)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProtocolError(name, f"expected an integer, got {_kind(value)}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ProtocolError(name, f"expected an integer, got {value}")
        value = int(value)
    if lo is not None and value < lo:
        raise ProtocolError(name, f"{value} is below {lo}")
    if hi is not None and value >= hi:
        raise ProtocolError(name, f"{value} is above {hi - 1}")
    return value


def _str(value: Any, name: str, nonempty: bool = False) -> str:
    if not isinstance(value, str):
        raise ProtocolError(name, f"expected a string, got {_kind(value)}")
    if nonempty and not value:
        raise ProtocolError(name, "must not be empty")
    return value


def _list(value: Any, name: str) -> list:
    if not isinstance(value, list):
        raise ProtocolError(name, f"expected an array, got {_kind(value)}")
    return value


def _id(value: Any, name: str, size: Optional[int], what: str) -> int:
    """An id in 0..size-1 (any size when ``size`` is None)."""
    value = _int(value, name, 0)
    if size is not None and value >= size:
        raise ProtocolError(name, f"{value} is not {what} (must be < {size})")
    return value


def _ids(value: Any, name: str, size: Optional[int], what: str = "a catalog id") -> list[int]:
    """An array of ids in 0..size-1 (fast path for well-formed arrays of plain ints)."""
    items = _list(value, name)
    if size is not None and all(type(x) is int and 0 <= x < size for x in items):
        return items
    return [_id(x, f"{name}[{i}]", size, what) for i, x in enumerate(items)]


def _protocol(body: dict) -> None:
    value = _get(body, "protocol", "")
    if value != PROTOCOL:
        raise ProtocolError("protocol", f"expected {PROTOCOL!r}, got {value!r}")


def parse_run(body: dict) -> Run:
    run = _obj(_get(body, "run", ""), "run")
    return Run(_str(_get(run, "id", "run"), "run.id", nonempty=True), _int(_get(run, "seed", "run"), "run.seed"))


def parse_reset(body: Any) -> Reset:
    body = _obj(body, "body")
    _protocol(body)
    run = parse_run(body)
    catalog = _obj(_get(body, "catalog", ""), "catalog")
    size = _int(_get(catalog, "size", "catalog"), "catalog.size", 1)
    agents = _int(_get(body, "agents", ""), "agents", 0)
    slate = _int(_get(body, "slate", ""), "slate", 1)
    return Reset(run, size, agents, slate)


def parse_recommend(body: Any, catalog_size: int, agents: Optional[int], max_batch: Optional[int] = None) -> Recommend:
    body = _obj(body, "body")
    _protocol(body)
    run = parse_run(body)
    round_ = _int(_get(body, "round", ""), "round", 0)
    k = _int(_get(body, "k", ""), "k", 1)
    raw_users = _list(_get(body, "users", ""), "users")
    if max_batch is not None and len(raw_users) > max_batch:
        raise ProtocolError("users", f"{len(raw_users)} users, more than maxBatch = {max_batch}")
    users = []
    for n, raw in enumerate(raw_users):
        at = f"users[{n}]"
        u = _obj(raw, at)
        uid = _id(_get(u, "id", at), f"{at}.id", agents, "an agent id")
        history = _ids(_get(u, "history", at), f"{at}.history", catalog_size)
        candidates = u.get("candidates")
        if candidates is not None:
            candidates = _ids(candidates, f"{at}.candidates", catalog_size)
        utterances = []
        if u.get("utterances") is not None:
            for j, raw_utt in enumerate(_list(u["utterances"], f"{at}.utterances")):
                ut = _obj(raw_utt, f"{at}.utterances[{j}]")
                utterances.append({
                    "kind": _str(_get(ut, "kind", f"{at}.utterances[{j}]"), f"{at}.utterances[{j}].kind"),
                    "text": _str(_get(ut, "text", f"{at}.utterances[{j}]"), f"{at}.utterances[{j}].text"),
                })
        search = None
        if u.get("search") is not None:
            sq = _obj(u["search"], f"{at}.search")
            an = _obj(_get(sq, "anchors", f"{at}.search"), f"{at}.search.anchors")
            search = {
                "query": _str(_get(sq, "query", f"{at}.search"), f"{at}.search.query"),
                "reformulation": bool(sq.get("reformulation", False)),
                "anchors": {g: _ids(_get(an, g, f"{at}.search.anchors"), f"{at}.search.anchors.{g}", catalog_size) for g in ("purchased", "clicked", "impressed")},
            }
        users.append(User(uid, history, candidates, utterances, search))
    return Recommend(run, round_, k, users)


def parse_learn(body: Any, catalog_size: int, agents: Optional[int]) -> Learn:
    body = _obj(body, "body")
    _protocol(body)
    run = parse_run(body)
    kind = _get(body, "kind", "")
    if kind not in ("history", "round"):
        raise ProtocolError("kind", f"expected 'history' or 'round', got {kind!r}")
    round_ = _int(_get(body, "round", ""), "round", -1)
    if kind == "history" and round_ != -1:
        raise ProtocolError("round", f"the warm-start log (kind 'history') has round -1, got {round_}")
    if kind == "round" and round_ < 0:
        raise ProtocolError("round", f"a simulated round is 0 or more, got {round_}")
    interactions = []
    for n, raw in enumerate(_list(_get(body, "interactions", ""), "interactions")):
        at = f"interactions[{n}]"
        it = _obj(raw, at)
        user = _id(_get(it, "user", at), f"{at}.user", agents, "an agent id")
        slate = _ids(_get(it, "slate", at), f"{at}.slate", catalog_size)
        clicks = _ids(_get(it, "clicks", at), f"{at}.clicks", catalog_size)
        ratings = [_int(r, f"{at}.ratings[{j}]", 1, 6) for j, r in enumerate(_list(_get(it, "ratings", at), f"{at}.ratings"))]
        if len(ratings) != len(clicks):
            raise ProtocolError(f"{at}.ratings", f"one rating per click: {len(clicks)} clicks, {len(ratings)} ratings")
        interactions.append(Interaction(user, slate, clicks, ratings))
    return Learn(run, kind, round_, interactions)


def _as_id(x: Any) -> Any:
    """Plain int for ints of any kind (numpy, torch) and integral floats; anything else as is."""
    if isinstance(x, bool):
        return x
    if hasattr(x, "__index__"):
        return x.__index__()
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


def check_info(info: Any) -> dict:
    """The policy's /info answer, completed with the protocol name (raises status 500)."""
    try:
        info = _obj(info, "info")
        out = {"protocol": PROTOCOL, "name": _str(_get(info, "name", "info"), "name", nonempty=True)}
        wants = _obj(_get(info, "wants", "info"), "wants")
        out["wants"] = {}
        for key in ("history", "candidates", "utterances"):
            value = _get(wants, key, "wants")
            if not isinstance(value, bool):
                raise ProtocolError(f"wants.{key}", f"expected a boolean, got {_kind(value)}")
            out["wants"][key] = value
        if info.get("maxBatch") is not None:
            out["maxBatch"] = _int(info["maxBatch"], "maxBatch", 1)
        return out
    except ProtocolError as e:
        raise ProtocolError(e.field, f"the policy's info is invalid: {e}", 500) from None


def check_slates(request: Recommend, slates: Any, catalog_size: int) -> list[dict]:
    """The policy's answer to /recommend as protocol slates; raises status 500 naming the field.

    ``slates`` holds one entry per user, in order: a list of item ids, or a dict
    ``{"items": [...], "scores": [...]}`` (scores optional), or a pair ``(items, scores)``.
    """
    def bad(name: str, message: str) -> ProtocolError:
        return ProtocolError(name, f"the policy's answer is invalid: {message}", 500)

    if not isinstance(slates, (list, tuple)) or len(slates) != len(request.users):
        n = len(slates) if isinstance(slates, (list, tuple)) else _kind(slates)
        raise bad("slates", f"expected {len(request.users)} slates (one per user), got {n}")
    out = []
    for n, (user, s) in enumerate(zip(request.users, slates)):
        at = f"slates[{n}]"
        scores = None
        if isinstance(s, dict):
            items, scores = s.get("items"), s.get("scores")
        elif isinstance(s, tuple) and len(s) == 2:
            items, scores = s
        else:
            items = s
        if not isinstance(items, (list, tuple)):
            raise bad(f"{at}.items", f"expected a list of item ids, got {_kind(items)}")
        items = [_as_id(x) for x in items]
        if len(items) > request.k:
            raise bad(f"{at}.items", f"{len(items)} items, more than k = {request.k}")
        allowed = set(user.candidates) if user.candidates is not None else None
        seen = set()
        for j, x in enumerate(items):
            if type(x) is not int or not 0 <= x < catalog_size:
                raise bad(f"{at}.items[{j}]", f"{x!r} is not a catalog id (size {catalog_size})")
            if x in seen:
                raise bad(f"{at}.items[{j}]", f"{x} appears twice")
            if allowed is not None and x not in allowed:
                raise bad(f"{at}.items[{j}]", f"{x} is not one of the user's candidates")
            seen.add(x)
        slate = {"user": user.id, "items": list(items)}
        if scores is not None:
            scores = [float(v) for v in scores]
            if len(scores) != len(items):
                raise bad(f"{at}.scores", f"{len(scores)} scores for {len(items)} items")
            if not all(math.isfinite(v) for v in scores):
                raise bad(f"{at}.scores", "scores must be finite numbers")
            slate["scores"] = scores
        out.append(slate)
    return out
