"""paperboy search / index on the real daily-papers data."""
import json
import os
import re
import signal
import subprocess
import time
import unittest

from common import BIN, PaperboyTest, hf_all


class SearchCliTest(PaperboyTest):
    def setUp(self):
        super().setUp()
        self.use_golden("hf-all", hf_all)  # every real day, ingested once (ingest builds the index)

    def test_search_end_to_end(self):
        # ingest built the index (there was none): searchable at once
        self.assertTrue(self.pb_json("search", "--json", "diffusion"))
        _, err = self.pb("index", "rebuild")
        self.assertRegex(err, r"index: 9877 papers")
        out, _ = self.pb("index", "stats")
        self.assertIn("papers:    9877", out)

        res = self.pb_json("search", "--json", "--limit", "5", "reinforcement learning reasoning")
        self.assertEqual(len(res), 5)
        for item in res:
            self.assertIn("paper", item)
            self.assertEqual(item["title"], item["paper"]["title"])
            text = (item["paper"]["title"] + " " + item["paper"]["summary"]).lower()
            self.assertTrue("reinforcement" in text or "reasoning" in text, text[:200])
        scores = [x["score"] for x in res]
        self.assertEqual(scores, sorted(scores, reverse=True))

        # an arXiv URL returns that paper first
        res = self.pb_json("search", "--json", "https://arxiv.org/abs/2505.24864v2")
        self.assertEqual(res[0]["paper"]["id"], "2505.24864")

        # author:, +required, -excluded, after:
        res = self.pb_json("search", "--json", "--limit", "50", 'author:"Yejin Choi"')
        self.assertTrue(res)
        for item in res:
            self.assertIn("Yejin Choi", [a["name"] for a in item["paper"]["authors"]])
        res = self.pb_json("search", "--json", "--limit", "50", "+video -diffusion generation")
        self.assertTrue(res)
        for item in res:
            text = (item["paper"]["title"] + " " + item["paper"]["summary"] + " "
                    + " ".join(item["paper"].get("ai_keywords", []))).lower()
            self.assertIn("video", text)
            self.assertNotIn("diffusion", text)
        res = self.pb_json("search", "--json", "--limit", "50", "agents after:2026-06-01")
        self.assertTrue(res)
        for item in res:
            self.assertGreaterEqual(item["paper"]["publishedAt"], "2026-06-01")
        # "exact phrases" are checked against the text
        res = self.pb_json("search", "--json", "--limit", "30", '"reinforcement learning"')
        self.assertEqual(len(res), 30)
        for item in res:
            text = " ".join((item["paper"]["title"] + " " + item["paper"]["summary"]).lower().split())
            self.assertRegex(text, r"reinforcement[- ]learning")
        # (not "learning reinforcement from": "imitation learning, reinforcement
        # learning" holds it, far down the candidates, found or not as the
        # read-back's 30 ms of CPU allow)
        _, err = self.pb("search", '"reinforcement diffusion learning"')
        self.assertIn("no papers match", err)
        res = self.pb_json("search", "--json", "--limit", "30", 'video -"state of the art"')
        self.assertTrue(res)
        for item in res:
            text = " ".join((item["paper"]["title"] + " " + item["paper"]["summary"]).lower().split())
            self.assertNotRegex(text, r"state[- ]of[- ]the[- ]art")
        # compounds meet: +GPT-4 and +GPT4 require the same papers (ranked
        # differently: GPT-4's parts score too)
        a = {x["paper"]["id"] for x in self.pb_json("search", "--json", "--limit", "1000", "+GPT-4")}
        b = {x["paper"]["id"] for x in self.pb_json("search", "--json", "--limit", "1000", "+GPT4")}
        self.assertGreater(len(a), 10)
        self.assertEqual(a, b)

        # bad queries are usage errors with a message, never a crash
        for q in ("the of and", "x after:tomorrow", "-onlyexcluded"):
            _, err = self.pb("search", q, expect=2)
            self.assertIn("search:", err)
        _, err = self.pb("search", "zzqqxxunknown")
        self.assertIn("no papers match", err)
        # hostile text is just text
        out, _ = self.pb("search", "<script>alert(1)</script> '; DROP TABLE papers;--")
        self.assertEqual(self.stats()["papers"], 9877)

    def test_semantic_similar_and_hybrid(self):
        self.pb("index", "rebuild")
        res = self.pb_json("similar", "--json", "2505.24864")
        self.assertEqual(len(res), 10)
        ids = [x["paper"]["id"] for x in res]
        self.assertNotIn("2505.24864", ids)
        # papers like ProRL (reinforcement learning for reasoning) talk about RL
        rl = sum(1 for x in res if "reinforcement" in (x["paper"]["title"] + x["paper"]["summary"]).lower())
        self.assertGreaterEqual(rl, 7)
        res = self.pb_json("search", "--json", "--mode", "semantic", "robots that learn to grasp objects")
        self.assertTrue(any("grasp" in x["paper"]["title"].lower() for x in res[:5]))
        res = self.pb_json("search", "--json", "--mode", "hybrid", "--limit", "7", "video generation")
        self.assertEqual(len(res), 7)
        # hybrid reorders the lexical top 100: the same candidates, and the
        # default mode is hybrid
        words = self.pb_json("search", "--json", "--mode", "bm25", "--limit", "100", "video generation")
        both = self.pb_json("search", "--json", "--limit", "100", "video generation")
        self.assertEqual({x["paper"]["id"] for x in words}, {x["paper"]["id"] for x in both})
        self.assertNotEqual([x["paper"]["id"] for x in words], [x["paper"]["id"] for x in both])
        self.assertEqual([x["paper"]["id"] for x in both[:7]], [x["paper"]["id"] for x in res])
        self.pb("similar", "9999.99999", expect=1)

    def test_ingest_updates_the_index(self):
        # (the ingest that made the store built its index: one segment)
        _, err = self.pb("search", "diphoton")
        self.assertIn("no papers match", err)
        _, err = self.pb("ingest", self.require_data("arxiv-kaggle-snapshot"))
        self.assertRegex(err, r"index: 200 papers indexed")
        res = self.pb_json("search", "--json", "diphoton production")
        self.assertEqual(res[0]["paper"]["id"], "0704.0001")
        out, _ = self.pb("index", "stats")
        self.assertIn("segments:  2", out)
        self.assertIn("papers:    10077", out)
        # nothing new: nothing to do
        _, err = self.pb("index", "update")
        self.assertIn("index: 0 papers indexed", err)
        # a rebuild folds the deltas into one segment
        self.pb("index", "rebuild")
        out, _ = self.pb("index", "stats")
        self.assertIn("segments:  1", out)
        self.assertEqual(self.pb_json("search", "--json", "diphoton production")[0]["paper"]["id"], "0704.0001")

    def test_kill_during_update_keeps_a_whole_index(self):
        before = self.pb_json("search", "--json", "language model")
        # ingest with the index out of the way, so that an update is due
        os.rename(self.index, self.index + ".aside")
        self.pb("ingest", self.require_data("arxiv-oai-pmh"), expect=None)
        os.rename(self.index + ".aside", self.index)
        for delay in (0.01, 0.05, 0.1):
            p = subprocess.Popen([BIN, "index", "update"], env=self.env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            p.wait()
            res = self.pb_json("search", "--json", "language model")  # opens: whole, old or new
            self.assertTrue(res)
        self.pb("index", "update")
        n = int(re.search(r"papers:\s+(\d+)", self.pb("index", "stats")[0]).group(1))
        self.assertEqual(n, self.stats()["papers"])

    def test_without_word_vectors(self):
        self.env["PAPERBOY_VECTORS"] = os.path.join(self.tmp, "nothing-here.bin")
        _, err = self.pb("index", "rebuild")
        self.assertIn("semantic search is off", err)
        self.assertTrue(self.pb_json("search", "--json", "diffusion"))
        _, err = self.pb("search", "--mode", "semantic", "diffusion", expect=2)
        self.assertIn("word vectors", err)
        _, err = self.pb("similar", "2505.24864", expect=1)
        self.assertIn("word vectors", err)

    def test_kill_during_rebuild_keeps_the_old_index(self):
        before = self.pb_json("search", "--json", "language model")
        for delay in (0.05, 0.15, 0.3):
            p = subprocess.Popen([BIN, "index", "rebuild"], env=self.env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            p.wait()
            # whatever the moment, the index in place is whole and answers the same
            self.assertEqual(self.pb_json("search", "--json", "language model"), before)
        # a damaged index is refused clearly, and a rebuild repairs it
        with open(self.index, "r+b") as f:
            f.truncate(1000)
        _, err = self.pb("search", "language model", expect=1)
        self.assertIn("index rebuild", err)
        self.pb("index", "rebuild")
        self.assertEqual(self.pb_json("search", "--json", "language model"), before)


if __name__ == "__main__":
    unittest.main()
