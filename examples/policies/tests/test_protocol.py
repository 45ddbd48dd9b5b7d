"""The hand-written protocol checks: good messages parse, bad ones name the field."""

import unittest

from usersim_policy import top_k
from usersim_policy.protocol import (PROTOCOL, ProtocolError, Recommend, Run, User, check_info, check_slates, parse_learn,
                                     parse_recommend, parse_reset)

from .helpers import learn_body, recommend_body, reset_body


class ParseTest(unittest.TestCase):
    def assert_field(self, fn, body, field, *args, status=400):
        with self.assertRaises(ProtocolError) as cm:
            fn(body, *args)
        self.assertEqual(cm.exception.field, field, str(cm.exception))
        self.assertEqual(cm.exception.status, status)
        self.assertTrue(str(cm.exception).startswith(field + ": "), str(cm.exception))

    def test_reset(self):
        r = parse_reset(reset_body(size=100, agents=3, slate=4))
        self.assertEqual((r.run, r.catalog_size, r.agents, r.slate), (Run("run-1", 7), 100, 3, 4))
        self.assert_field(parse_reset, {**reset_body(), "protocol": "usersim.policy.v0"}, "protocol")
        self.assert_field(parse_reset, {k: v for k, v in reset_body().items() if k != "run"}, "run")
        self.assert_field(parse_reset, {**reset_body(), "run": {"id": "", "seed": 1}}, "run.id")
        self.assert_field(parse_reset, {**reset_body(), "run": {"id": "x", "seed": True}}, "run.seed")
        self.assert_field(parse_reset, {**reset_body(), "catalog": {"size": 0}}, "catalog.size")
        self.assert_field(parse_reset, {**reset_body(), "catalog": {}}, "catalog.size")
        self.assert_field(parse_reset, {**reset_body(), "slate": 2.5}, "slate")
        self.assert_field(parse_reset, [], "body")

    def test_recommend(self):
        body = recommend_body([{"id": 1, "history": [3, 4]}, {"id": 2, "history": [], "candidates": [5, 6], "utterances": [{"kind": "request", "text": "more jazz"}]},
                               {"id": 0, "history": [1], "candidates": None, "extra": "ignored"}], k=3)
        r = parse_recommend(body, 10, 5)
        self.assertEqual(r.k, 3)
        self.assertEqual(r.users[0], User(1, [3, 4], None, []))
        self.assertEqual(r.users[1].candidates, [5, 6])
        self.assertEqual(r.users[1].utterances, [{"kind": "request", "text": "more jazz"}])
        self.assertIsNone(r.users[2].candidates)
        self.assertEqual(parse_recommend({**body, "k": 3.0}, 10, 5).k, 3)  # JSON has no int type of its own
        self.assert_field(parse_recommend, {**body, "k": 0}, "k", 10, 5)
        self.assert_field(parse_recommend, {**body, "round": -1}, "round", 10, 5)
        self.assert_field(parse_recommend, recommend_body([{"id": 1, "history": [3, 10]}]), "users[0].history[1]", 10, 5)
        self.assert_field(parse_recommend, recommend_body([{"id": 1, "history": [3, "4"]}]), "users[0].history[1]", 10, 5)
        self.assert_field(parse_recommend, recommend_body([{"id": 1}]), "users[0].history", 10, 5)
        self.assert_field(parse_recommend, recommend_body([{"id": 5, "history": []}]), "users[0].id", 10, 5)
        self.assert_field(parse_recommend, recommend_body([{"id": 1, "history": [], "candidates": [-1]}]), "users[0].candidates[0]", 10, 5)
        self.assert_field(parse_recommend, recommend_body([{"id": 1, "history": [], "utterances": [{"kind": "x"}]}]), "users[0].utterances[0].text", 10, 5)
        self.assert_field(parse_recommend, {**body, "users": {}}, "users", 10, 5)
        self.assert_field(parse_recommend, body, "users", 10, 5, 2)  # maxBatch 2

    def test_learn(self):
        it = {"user": 1, "slate": [1, 2, 3], "clicks": [2], "ratings": [4]}
        r = parse_learn(learn_body([it], "round", 3), 10, 5)
        self.assertEqual((r.kind, r.round, r.interactions[0].clicks, r.interactions[0].ratings), ("round", 3, [2], [4]))
        self.assertEqual(parse_learn(learn_body([it], "history", -1), 10, 5).kind, "history")
        self.assert_field(parse_learn, learn_body([it], "history", 0), "round", 10, 5)
        self.assert_field(parse_learn, learn_body([it], "round", -1), "round", 10, 5)
        self.assert_field(parse_learn, learn_body([it], "rounds", 0), "kind", 10, 5)
        self.assert_field(parse_learn, learn_body([{**it, "ratings": []}]), "interactions[0].ratings", 10, 5)
        self.assert_field(parse_learn, learn_body([{**it, "ratings": [6]}]), "interactions[0].ratings[0]", 10, 5)
        self.assert_field(parse_learn, learn_body([{**it, "clicks": [11]}]), "interactions[0].clicks[0]", 10, 5)
        self.assert_field(parse_learn, learn_body([{**it, "user": 9}]), "interactions[0].user", 10, 5)
        self.assert_field(parse_learn, learn_body([{k: v for k, v in it.items() if k != "slate"}]), "interactions[0].slate", 10, 5)


class AnswerTest(unittest.TestCase):
    request = Recommend(Run("r", 1), 0, 3, [User(4, [1]), User(5, [], candidates=[7, 8, 9])])

    def assert_bad(self, slates, field):
        with self.assertRaises(ProtocolError) as cm:
            check_slates(self.request, slates, 10)
        self.assertEqual(cm.exception.field, field, str(cm.exception))
        self.assertEqual(cm.exception.status, 500)

    def test_good_answers_in_every_shape(self):
        out = check_slates(self.request, [[2, 3], {"items": [9, 7], "scores": [2, 1]}], 10)
        self.assertEqual(out, [{"user": 4, "items": [2, 3]}, {"user": 5, "items": [9, 7], "scores": [2.0, 1.0]}])
        self.assertEqual(check_slates(self.request, [([0], [0.5]), []], 10)[0], {"user": 4, "items": [0], "scores": [0.5]})

    def test_bad_answers_name_the_field(self):
        self.assert_bad([[1]], "slates")
        self.assert_bad([[1, 2, 3, 4], []], "slates[0].items")
        self.assert_bad([[1, 1], []], "slates[0].items[1]")
        self.assert_bad([[10], []], "slates[0].items[0]")
        self.assert_bad([["a"], []], "slates[0].items[0]")
        self.assert_bad([[], [6]], "slates[1].items[0]")  # not a candidate
        self.assert_bad([[], {"items": [7], "scores": [1, 2]}], "slates[1].scores")
        self.assert_bad([[], {"items": [7], "scores": [float("nan")]}], "slates[1].scores")

    def test_info(self):
        info = check_info({"name": "p", "wants": {"history": True, "candidates": False, "utterances": False}, "maxBatch": 10})
        self.assertEqual(info["protocol"], PROTOCOL)
        with self.assertRaises(ProtocolError) as cm:
            check_info({"name": "p", "wants": {"history": 1, "candidates": False, "utterances": False}})
        self.assertEqual((cm.exception.field, cm.exception.status), ("wants.history", 500))


class TopKTest(unittest.TestCase):
    def test_ranks_by_score_then_id(self):
        self.assertEqual(top_k([0.5, 0.9, 0.9, 0.1], 3), [1, 2, 0])
        self.assertEqual(top_k([0.5, 0.9, 0.9, 0.1], 3, exclude=[1]), [2, 0, 3])
        self.assertEqual(top_k({7: 1.0, 3: 1.0, 9: 2.0}, 2), [9, 3])
        self.assertEqual(top_k({7: 1.0}, 3, candidates=[5, 7, 5, 2]), [7, 2, 5])  # unscored candidates last, by id
        self.assertEqual(top_k([1, 2, 3], 0), [])


if __name__ == "__main__":
    unittest.main()
