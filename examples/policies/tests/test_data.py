"""The training-file readers and writers (sequences and graph)."""

import json
import os
import tempfile
import unittest

from usersim_policy import DataError, read_graph, read_sequences, write_graph, write_sequences


class SequencesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="usersim-seq-")

    def test_leave_last_out_round_trip(self):
        seqs = {0: [5, 6, 7, 8, 9], 1: [1, 2], 2: [3], 3: list(range(10, 70))}
        card = write_sequences(self.dir, 4, 80, seqs, max_len=50, titles={5: ("Five, the movie", "drama")})
        data = read_sequences(self.dir)
        self.assertEqual((data.users, data.items), (4, 80))
        self.assertEqual(card["rows"], {"train": 2 + 57, "valid": 2, "test": 3})
        u0 = [r for r in data.train if r.user == 0]
        self.assertEqual([(r.item, r.history) for r in u0], [(6, (5,)), (7, (5, 6))])  # no row with an empty history
        self.assertEqual([(r.user, r.item, r.history) for r in data.valid if r.user == 0], [(0, 8, (5, 6, 7))])
        self.assertEqual([(r.user, r.item, r.history) for r in data.test if r.user < 3], [(0, 9, (5, 6, 7, 8)), (1, 2, (1,))])
        long_test = [r for r in data.test if r.user == 3][0]
        self.assertEqual(long_test.history, tuple(range(19, 69)))  # the last 50, oldest first
        self.assertEqual(data.titles[5], ("Five, the movie", "drama"))
        self.assertEqual(read_sequences(self.dir, max_len=3).test[0].history, (6, 7, 8))
        with open(os.path.join(self.dir, "train.csv")) as f:
            self.assertEqual(f.readline(), "user_id,item_id,history_id\n")

    def test_errors_name_file_line_and_column(self):
        write_sequences(self.dir, 2, 10, {0: [1, 2, 3], 1: [4, 5, 6]})
        with open(os.path.join(self.dir, "valid.csv"), "a") as f:
            f.write("1,12,4 5\n")
        with self.assertRaisesRegex(DataError, r"valid\.csv:4: item_id 12 is out of range 0\.\.9"):
            read_sequences(self.dir)
        with open(os.path.join(self.dir, "valid.csv"), "w") as f:
            f.write("user_id,item\n0,1\n")
        with self.assertRaisesRegex(DataError, r"valid\.csv:1: missing column\(s\) item_id, history_id"):
            read_sequences(self.dir)
        os.remove(os.path.join(self.dir, "card.json"))
        with self.assertRaisesRegex(DataError, r"card\.json: missing"):
            read_sequences(self.dir)

    def test_extra_columns_are_ignored(self):
        # ReaRec's *.remap.csv files carry more columns (original ids, rating, timestamp, ...).
        with open(os.path.join(self.dir, "card.json"), "w") as f:
            json.dump({"users": 1, "items": 5}, f)
        for split, row in (("train", "0,a,2,1,0 1"), ("valid", "0,a,3,1,0 1 2"), ("test", "0,a,4,1,0 1 2 3")):
            with open(os.path.join(self.dir, f"{split}.csv"), "w") as f:
                f.write(f"user_id,parent_asin,item_id,rating,history_id\n{row}\n")
        self.assertEqual(read_sequences(self.dir).test[0].history, (0, 1, 2, 3))


class GraphTest(unittest.TestCase):
    def test_round_trip(self):
        d = tempfile.mkdtemp(prefix="usersim-graph-")
        card = write_graph(d, 3, 10, {0: [1, 2, 3, 4], 1: [5, 6], 2: [7]})
        self.assertEqual(card["edges"], {"train": 2 + 1 + 1, "valid": 1, "test": 2})
        data = read_graph(d)
        self.assertEqual(sorted(data.train), [(0, 1, 1.0), (0, 2, 1.0), (1, 5, 1.0), (2, 7, 1.0)])
        self.assertEqual(data.valid, [(0, 3, 1.0)])
        self.assertEqual(data.test, [(0, 4, 1.0), (1, 6, 1.0)])
        self.assertEqual([(u, i) for u, i, _ in data.train if u == 1], [(1, 5)])
        with open(os.path.join(d, "test.csv"), "a") as f:
            f.write("3,1,1\n")
        with self.assertRaisesRegex(DataError, r"test\.csv:4: user_id 3 is out of range 0\.\.2"):
            read_graph(d)


if __name__ == "__main__":
    unittest.main()
