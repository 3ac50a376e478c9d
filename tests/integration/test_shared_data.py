"""Ingest all of ../shared/data and check counts and fields against numbers
computed here independently with Python's json and xml modules."""
import ast
import glob
import json
import os
import random
import re
import unittest
import xml.etree.ElementTree as ET

from common import PaperboyTest

ATOM = "{http://www.w3.org/2005/Atom}"


def norm(s):
    return " ".join(s.split())


def arxiv_id(s):
    s = s.strip()
    for prefix in ("oai:arXiv.org:", "http://arxiv.org/abs/", "https://arxiv.org/abs/"):
        if s.startswith(prefix):
            s = s[len(prefix):]
    return re.sub(r"v\d+$", "", s)


class SharedDataTest(PaperboyTest):
    def hf_expected(self):
        """Good items by id (the last one wins for facts), the bad count, and
        the ids that came from Python repr() strings. Python's own
        ast.literal_eval is the reference reader of those strings."""
        root = self.require_data("hf-daily-papers")
        items, bad, bad_files, repr_ids, repr_files = {}, 0, set(), set(), set()
        for path in sorted(glob.glob(os.path.join(root, "**", "*.json"), recursive=True)):
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            records = doc["data"] if isinstance(doc, dict) else doc
            for rec in records:
                if isinstance(rec, str):
                    try:
                        rec = ast.literal_eval(rec)
                        repr_files.add(os.path.basename(path))
                    except (ValueError, SyntaxError):
                        pass
                    if isinstance(rec, dict) and isinstance(rec.get("paper"), dict):
                        repr_ids.add(rec["paper"]["id"])
                if isinstance(rec, dict):
                    items.setdefault(rec["paper"]["id"], []).append(rec)
                else:
                    bad += 1
                    bad_files.add(os.path.basename(path))
        return root, items, bad, bad_files, repr_ids, repr_files

    def test_hf_daily_papers(self):
        root, items, bad, bad_files, repr_ids, repr_files = self.hf_expected()
        self.init()
        _, err = self.pb("ingest", root, expect=1 if bad else 0)
        s = self.summary(err)
        good = sum(len(v) for v in items.values())
        self.assertEqual(s["records"], good + bad)
        self.assertEqual(s["rejected"], bad)
        # the 22 files of repr() strings are read, not rejected: all 300 of
        # their strings are Python literals of items (Python agrees)
        self.assertEqual(len(repr_files), 22)
        self.assertEqual(len(repr_ids), 300)
        self.assertEqual(len(items), 9877)
        self.assertEqual(s["new"], len(items))
        self.assertEqual(s["new"] + s["updated"] + s["unchanged"], good)
        # every rejected record is named with a record number
        for name in bad_files:
            self.assertRegex(err, re.escape(name) + r": record \d+: ")
        st = self.stats()
        self.assertEqual(st["papers"], len(items))
        self.assertEqual(st["featured"], len(items))
        self.assertEqual(st["sources"]["hf"], len(items))

        rng = random.Random(7)
        sample = rng.sample(sorted(items), 60) + rng.sample(sorted(repr_ids), 30)
        shown = self.pb_json("show", *sample, "--json")  # one process for the 90
        self.assertEqual(len(shown), len(sample))
        for pid, p in zip(sample, shown):
            self.assertEqual(p["id"], pid)
            recs = items[pid]
            src = recs[0]["paper"]
            self.assertEqual(p["title"], norm(src["title"]), pid)
            self.assertEqual(p["summary"], norm(src["summary"]), pid)
            self.assertEqual([a["name"] for a in p["authors"]],
                             [norm(a["name"]) for a in src["authors"] if norm(a["name"])], pid)
            self.assertEqual(p["upvotes"], max(r["paper"].get("upvotes", 0) for r in recs), pid)
            self.assertEqual(p["publishedAt"], src["publishedAt"], pid)
            if src.get("githubRepo"):
                self.assertEqual(p["githubRepo"], re.sub(r"\s", "", src["githubRepo"]), pid)
            if src.get("ai_keywords"):
                self.assertEqual(p["ai_keywords"], [norm(k) for k in src["ai_keywords"] if norm(k)], pid)
            if len(recs) == 1 and src.get("submittedOnDailyAt"):
                self.assertEqual(p["submittedOnDailyAt"], src["submittedOnDailyAt"], pid)

        # the daily list of one day matches the file of that day
        with open(os.path.join(root, "Paper_metadata_download", "2025-06-02.json")) as f:
            day = json.load(f)
        listed = self.pb_json("list", "--date", "2025-06-02", "--limit", "500", "--json")
        self.assertEqual({x["id"] for x in listed}, {r["paper"]["id"] for r in day})

        # idempotent: a second run changes nothing
        _, err = self.pb("ingest", root, expect=1 if bad else 0)
        s2 = self.summary(err)
        self.assertEqual((s2["new"], s2["updated"], s2["unchanged"]), (0, 0, good))

    def atom_expected(self):
        root = self.require_data("arxiv-api-atom")
        ids = set()
        for path in glob.glob(os.path.join(root, "*", "*.xml")):
            for e in ET.parse(path).getroot().iter(ATOM + "entry"):
                i = e.find(ATOM + "id").text
                if "/api/errors" not in i:
                    ids.add(arxiv_id(i))
        return root, ids

    def oai_expected(self):
        root = self.require_data("arxiv-oai-pmh")
        ids, errors = set(), 0
        for path in glob.glob(os.path.join(root, "*", "*.xml")):
            r = ET.parse(path).getroot()
            if any(el.tag.endswith("}error") or el.tag == "error" for el in r.iter()):
                errors += 1
                continue
            for rec in r.iter():
                if not (rec.tag.endswith("}record") or rec.tag == "record"):
                    continue
                if any(x.tag.endswith("metadata") for x in rec):
                    for h in rec.iter():
                        if h.tag.endswith("identifier") and h.text and h.text.startswith("oai:"):
                            ids.add(arxiv_id(h.text))
                            break
        return root, ids, errors

    def test_arxiv_sources_and_merge(self):
        atom_root, atom_ids = self.atom_expected()
        oai_root, oai_ids, oai_errors = self.oai_expected()
        snap_root = self.require_data("arxiv-kaggle-snapshot")
        snap = {}
        for path in sorted(glob.glob(os.path.join(snap_root, "*", "*.json"))):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    rec = json.loads(line)
                    snap[rec["id"]] = rec
        self.init()

        _, err = self.pb("ingest", atom_root, expect=1)   # the HTTP 400 error feed fails
        self.assertIn("incorrect id format for abc", err)
        self.assertEqual(self.stats()["sources"]["arxivApi"], len(atom_ids))
        self.assertEqual(len(atom_ids), 117)
        p = self.pb_json("show", "1605.08386", "--json")
        self.assertEqual(p["title"], "Heat-bath random walks with Markov bases")
        self.assertEqual(p["categories"][0], "math.CO")

        _, err = self.pb("ingest", oai_root, expect=1)
        s = self.summary(err)
        self.assertEqual(s["rejected"], 0)
        for code in ("badResumptionToken", "idDoesNotExist", "badVerb", "badArgument"):
            self.assertIn("OAI-PMH error " + code, err)
        self.assertEqual(self.stats()["sources"]["arxivOai"], len(oai_ids))
        self.assertEqual(len(oai_ids), 1418)

        _, err = self.pb("ingest", snap_root)
        s = self.summary(err)
        self.assertEqual(s["records"], 400)
        # the two copies differ only in JSON escaping: the second changes nothing
        self.assertGreaterEqual(s["unchanged"], 200)
        self.assertEqual(self.stats()["sources"]["arxivSnapshot"], len(snap))
        for pid in ("0704.0001", "0704.0002", "0704.0100", "0704.0200"):
            rec = snap[pid]
            p = self.pb_json("show", pid, "--json")
            self.assertEqual(p["title"], norm(rec["title"]))
            self.assertEqual(p["summary"], norm(rec["abstract"]))
            self.assertEqual(p["version"], len(rec["versions"]))
            self.assertEqual(len(p["authors"]), len(rec["authors_parsed"]))
            self.assertEqual(p["categories"], rec["categories"].split())
            if rec["doi"]:
                self.assertEqual(p["doi"], rec["doi"])
        p = self.pb_json("show", "0704.0001", "--json")
        self.assertEqual(p["authors"][0]["name"], "C. Bal\u00e1zs")

        # papers known to two sources merged into one row
        both = oai_ids & set(snap)
        self.assertTrue(both)
        total = len(atom_ids | oai_ids | set(snap))
        self.assertEqual(self.stats()["papers"], total)

        # everything again, in another order: nothing changes
        for root in (snap_root, oai_root, atom_root):
            _, err = self.pb("ingest", root, expect=None)
            s = self.summary(err)
            self.assertEqual((s["new"], s["updated"]), (0, 0), root)

    def test_the_whole_folder_at_once(self):
        _, hf, _, _, _, _ = self.hf_expected()
        _, atom_ids = self.atom_expected()
        _, oai_ids, _ = self.oai_expected()
        snap_ids = set()
        for path in glob.glob(os.path.join(self.require_data("arxiv-kaggle-snapshot"), "*", "*.json")):
            with open(path, encoding="utf-8") as f:
                snap_ids |= {json.loads(line)["id"] for line in f}
        self.init()
        from common import DATA
        _, err = self.pb("ingest", DATA, expect=1)
        # files that are not paper metadata (the BEIR benchmark set) are named and refused
        self.assertRegex(err, r"scifact-train/corpus\.jsonl: .*neither")
        self.assertEqual(self.stats()["papers"], len(set(hf) | atom_ids | oai_ids | snap_ids))
        # the reasons' lines add up to the counts they explain: files that
        # failed apart from records rejected (found walking the site: "0
        # rejected" was followed by "rejected 2: file refused: ...")
        line = next(x for x in err.splitlines() if x.startswith("ingest: ") and " records: " in x)
        failed = int(re.search(r"\((\d+) failed\)", line).group(1))
        self.assertGreater(failed, 0)
        self.assertEqual(sum(int(n) for n in re.findall(r"(?m)^  (\d+) files? failed: ", err)), failed)
        self.assertEqual(sum(int(n) for n in re.findall(r"(?m)^  (\d+) records? rejected: ", err)),
                         self.summary(err)["rejected"])
        self.assertNotRegex(err, r"(?m)^  rejected \d+: file refused")


if __name__ == "__main__":
    unittest.main()
