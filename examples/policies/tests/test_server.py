"""The protocol server: every message over real HTTP, errors with status and field, signals."""

import contextlib
import io
import json
import signal
import subprocess
import unittest

from usersim_policy import Policy, PolicyHTTPServer, top_k

from .helpers import POLICIES_DIR, PYTHON, call, learn_body, recommend_body, reset_body


class Recorder(Policy):
    """Ranks by id (highest first); records what it was told; can be told to misbehave."""

    name = "recorder"
    wants = {"history": True, "candidates": True, "utterances": True}
    max_batch = 3

    def __init__(self):
        self.calls = []
        self.answer = None

    def reset(self, run, catalog_size, agents, slate):
        self.calls.append(("reset", run.id, run.seed, catalog_size, agents, slate))
        self.ids = list(range(catalog_size))

    def recommend(self, users, k, round, seed):
        self.calls.append(("recommend", [u.id for u in users], k, round, seed))
        if self.answer == "crash":
            raise RuntimeError("boom")
        if self.answer is not None:
            return self.answer
        return [top_k(self.ids, k, exclude=u.history, candidates=u.candidates) for u in users]

    def learn(self, kind, round, interactions):
        self.calls.append(("learn", kind, round, [(i.user, i.clicks) for i in interactions]))


class ServerTest(unittest.TestCase):
    def setUp(self):
        self.policy = Recorder()
        self.server = PolicyHTTPServer(self.policy, port=0).start()
        self.url = self.server.url

    def tearDown(self):
        self.server.close()

    def assert_error(self, answer, status, field):
        code, body = answer
        self.assertEqual(code, status, body)
        self.assertEqual(set(body), {"error"})
        self.assertTrue(body["error"].startswith(field + ":"), body["error"])

    def test_every_message(self):
        self.assertNotEqual(self.server.server_address[1], 0)
        self.assertEqual(call(self.url, "/info"), (200, {
            "protocol": "usersim.policy.v1", "name": "recorder",
            "wants": {"history": True, "candidates": True, "utterances": True}, "maxBatch": 3}))
        self.assertEqual(call(self.url, "/reset", reset_body(size=20, agents=4, slate=3)), (200, {"ok": True}))
        it = {"user": 1, "slate": [3, 4], "clicks": [4], "ratings": [5]}
        self.assertEqual(call(self.url, "/learn", learn_body([it], "history", -1)), (200, {"ok": True}))
        status, body = call(self.url, "/recommend", recommend_body([
            {"id": 0, "history": [19, 17]},
            {"id": 3, "history": [], "candidates": [2, 9, 5]},
        ], k=3, round_=0))
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {"slates": [{"user": 0, "items": [18, 16, 15]}, {"user": 3, "items": [9, 5, 2]}]})
        self.assertEqual(call(self.url, "/learn", learn_body([it], "round", 0)), (200, {"ok": True}))
        self.assertEqual(self.policy.calls, [
            ("reset", "run-1", 7, 20, 4, 3),
            ("learn", "history", -1, [(1, [4])]),
            ("recommend", [0, 3], 3, 0, 7),
            ("learn", "round", 0, [(1, [4])]),
        ])

    def test_bad_requests_are_400_naming_the_field(self):
        self.assert_error(call(self.url, "/reset", {**reset_body(), "agents": -1}), 400, "agents")
        call(self.url, "/reset", reset_body(size=20, agents=4))
        self.assert_error(call(self.url, "/recommend", recommend_body([{"id": 0, "history": [20]}])), 400, "users[0].history[0]")
        self.assert_error(call(self.url, "/recommend", recommend_body([{"id": 0, "history": []}] * 4)), 400, "users")
        self.assert_error(call(self.url, "/recommend", {**recommend_body([]), "protocol": "v2"}), 400, "protocol")
        self.assert_error(call(self.url, "/learn", learn_body([{"user": 0, "slate": [], "clicks": [1], "ratings": [0]}])), 400, "interactions[0].ratings[0]")
        self.assert_error(call(self.url, "/learn", raw=b"{not json"), 400, "body")
        self.assert_error(call(self.url, "/learn", raw=b"[]"), 400, "body")
        self.assertEqual([c[0] for c in self.policy.calls], ["reset"])  # nothing bad reached the policy

    def test_state_and_routing_errors(self):
        self.assert_error(call(self.url, "/recommend", recommend_body([])), 409, "run")
        call(self.url, "/reset", reset_body())
        self.assert_error(call(self.url, "/learn", {**learn_body([]), "run": {"id": "other", "seed": 7}}), 409, "run.id")
        self.assertEqual(call(self.url, "/nope")[0], 404)
        self.assertEqual(call(self.url, "/info", {})[0], 405)
        self.assertEqual(call(self.url, "/recommend", method="GET")[0], 405)

    def test_bad_answers_are_500_naming_the_field(self):
        call(self.url, "/reset", reset_body(size=20, agents=4))
        one = recommend_body([{"id": 0, "history": []}], k=2)
        self.policy.answer = [[1, 2, 3]]
        self.assert_error(call(self.url, "/recommend", one), 500, "slates[0].items")
        self.policy.answer = [[1, 1]]
        self.assert_error(call(self.url, "/recommend", one), 500, "slates[0].items[1]")
        self.policy.answer = [[25]]
        self.assert_error(call(self.url, "/recommend", one), 500, "slates[0].items[0]")
        self.policy.answer = "crash"
        with contextlib.redirect_stderr(io.StringIO()) as err:  # the server prints the traceback
            code, body = call(self.url, "/recommend", one)
        self.assertIn("RuntimeError: boom", err.getvalue())
        self.assertEqual(code, 500)
        self.assertIn("RuntimeError: boom", body["error"])
        self.policy.answer = None
        self.assertEqual(call(self.url, "/recommend", one)[0], 200)  # still serving

    def test_refusing_a_run(self):
        class Fixed(Recorder):
            def reset(self, run, catalog_size, agents, slate):
                from usersim_policy import ProtocolError
                raise ProtocolError("catalog.size", "trained on 50 items")

        server = PolicyHTTPServer(Fixed(), port=0).start()
        try:
            self.assert_error(call(server.url, "/reset", reset_body()), 400, "catalog.size")
            self.assert_error(call(server.url, "/recommend", recommend_body([])), 409, "run")
        finally:
            server.close()

    def test_base_path(self):
        server = PolicyHTTPServer(Recorder(), port=0, base_path="/policies/a/").start()
        try:
            self.assertTrue(server.url.endswith("/policies/a"))
            self.assertEqual(call(server.url, "/info")[0], 200)
            self.assertEqual(call(server.url.rsplit("/policies", 1)[0], "/info")[0], 404)
        finally:
            server.close()


class ProcessTest(unittest.TestCase):
    """knn_server.py as a process: one stdout line once bound, a clean stop on signals."""

    def run_until(self, sig):
        proc = subprocess.Popen([PYTHON, "knn_server.py", "--port", "0"], cwd=POLICIES_DIR, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            self.assertRegex(line, r"^listening on http://127\.0\.0\.1:\d+\n$")
            url = line.split()[-1]
            self.assertEqual(call(url, "/info")[1]["name"], "item-knn")
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=20)
            self.assertEqual(proc.returncode, 0, err)
            self.assertEqual(out, "")  # exactly one line in all
            self.assertEqual(err, "")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def test_sigterm(self):
        self.run_until(signal.SIGTERM)

    def test_sigint(self):
        self.run_until(signal.SIGINT)


class KnnTest(unittest.TestCase):
    def setUp(self):
        import sys
        sys.path.insert(0, POLICIES_DIR)
        from knn_server import ItemKNN
        self.server = PolicyHTTPServer(ItemKNN(), port=0).start()
        self.url = self.server.url

    def tearDown(self):
        self.server.close()

    def test_learns_co_occurrence_and_forgets_on_reset(self):
        call(self.url, "/reset", reset_body(size=30, agents=10))
        log = [{"user": u, "slate": [1, 2, 3], "clicks": [1, 2, 3], "ratings": [5, 5, 5]} for u in range(5)]
        log += [{"user": 5, "slate": [7, 8], "clicks": [7, 8], "ratings": [4, 4]}]
        self.assertEqual(call(self.url, "/learn", learn_body(log, "history", -1))[0], 200)
        users = [{"id": 8, "history": [1]}, {"id": 9, "history": [7]}, {"id": 6, "history": []}]
        status, body = call(self.url, "/recommend", recommend_body(users, k=3))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["slates"][0]["items"][:2], [2, 3])
        self.assertEqual(body["slates"][1]["items"][0], 8)
        self.assertEqual(body["slates"][2]["items"], [1, 2, 3])  # no history: most clicked
        # The same user alone, or in another batch, gets the same slate.
        alone = call(self.url, "/recommend", recommend_body([users[1]], k=3))[1]["slates"][0]
        self.assertEqual(alone, body["slates"][1])
        call(self.url, "/reset", reset_body(size=30, agents=10))
        self.assertEqual(call(self.url, "/recommend", recommend_body([users[0]], k=3))[1]["slates"][0]["items"], [0, 2, 3])

    def test_replay_after_reset_gives_the_same_answers(self):
        rounds = [[{"user": u, "slate": [u, u + 1], "clicks": [u + 1], "ratings": [4]} for u in range(8)],
                  [{"user": u, "slate": [u + 2], "clicks": [u + 2], "ratings": [3]} for u in range(8)]]
        users = [{"id": u, "history": [u + 1]} for u in range(8)]

        def replay():
            call(self.url, "/reset", reset_body(size=30, agents=10))
            for r, its in enumerate(rounds):
                call(self.url, "/learn", learn_body(its, "round", r))
            return json.dumps(call(self.url, "/recommend", recommend_body(users, k=4, round_=2)))

        self.assertEqual(replay(), replay())


if __name__ == "__main__":
    unittest.main()
