"""Meaning only and similar papers on the real daily papers plus the arXiv
snapshot sample (issue 21, items 3 and 5): no judged query of
bench/relevance/judged_queries.tsv has an off-topic paper in the top 3 of
--mode semantic; MMLU-Pro's similar papers are the other MMLU papers."""
import json
import os
import sys
import unittest

from common import PaperboyTest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../bench/relevance"))
import judged  # noqa: E402


def hf_and_snapshot(g):
    g.init()
    g.pb("ingest", g.require_data("hf-daily-papers"), g.require_data("arxiv-kaggle-snapshot"))


class MeaningTest(PaperboyTest):
    def setUp(self):
        super().setUp()
        self.use_golden("hf-snapshot", hf_and_snapshot)

    def test_meaning_only_stays_on_topic(self):
        off = []
        for q, groups in judged.load():
            res = self.pb_json("search", "--json", "--mode", "semantic", "--limit", "3", q)
            self.assertTrue(res, q)
            off += ["%s: %s %s" % (q, x["paper"]["id"], x["paper"]["title"]) for x in res
                    if not judged.on_topic(x["paper"], groups)]
        self.assertEqual(off, [])

    def test_similar_papers_share_distinctive_names(self):
        res = self.pb_json("similar", "--json", "--limit", "10", "2406.01574")
        ids = [x["paper"]["id"] for x in res]
        # IndicMMLU-Pro, KMMLU-Pro, Are We Done with MMLU?, Global MMLU
        for want in ("2501.15747", "2507.08924", "2406.04127", "2412.03304"):
            self.assertIn(want, ids, json.dumps([x["paper"]["title"] for x in res]))


if __name__ == "__main__":
    unittest.main()
