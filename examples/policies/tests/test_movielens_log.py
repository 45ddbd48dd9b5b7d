"""make_movielens.py --log: the movielens scenario's warm-start log (catalog ids) into training files."""

import contextlib
import io
import json
import os
import tempfile
import unittest

from make_movielens import main
from usersim_policy import Consumed, Interaction, read_graph, read_sequences


class MovielensLogTest(unittest.TestCase):
    def write(self, log: dict) -> str:
        d = tempfile.mkdtemp()
        path = os.path.join(d, "log.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(log, f)
        return path

    def test_catalog_and_agent_ids_are_kept(self):
        path = self.write({"items": 40, "source": "planted", "sequences": [[39, 3, 7, 1], [], [5, 6, 2, 0, 38]]})
        out = os.path.join(os.path.dirname(path), "out")
        with contextlib.redirect_stdout(io.StringIO()):
            card = main(["--log", path, "--out", out, "--last", "4"])
        self.assertEqual((card["sequences"]["users"], card["sequences"]["items"]), (3, 40))
        seq = read_sequences(os.path.join(out, "sequences"))
        self.assertEqual([(r.user, r.item) for r in seq.test], [(0, 1), (2, 38)])
        self.assertEqual(seq.test[1].history, (6, 2, 0))  # --last 4 kept 6 2 0 38
        graph = read_graph(os.path.join(out, "graph"))
        self.assertIn((0, 39), {(u, i) for u, i, *_ in graph.train})

    def test_an_item_outside_the_catalog_is_named(self):
        path = self.write({"items": 10, "sequences": [[1, 2], [3, 10]]})
        with self.assertRaisesRegex(SystemExit, r"sequences\[1\]\[1\]: 10 is not a catalog id \(must be < 10\)"):
            main(["--log", path, "--out", os.path.join(os.path.dirname(path), "out")])

    def test_consumed_keeps_each_users_items_once_in_order(self):
        c = Consumed()
        c.add([Interaction(1, [4, 5], [4, 5], [3, 3]), Interaction(2, [7], [7], [5])])
        c.add([Interaction(1, [9, 4, 6], [4, 6], [2, 4])])
        self.assertEqual(c.history(1), [4, 5, 6])
        self.assertEqual(c.history(1, [5, 8, 8]), [4, 5, 6, 8])
        self.assertEqual(c.history(3, [2]), [2])
        c.clear()
        self.assertEqual(c.history(1), [])


if __name__ == "__main__":
    unittest.main()
