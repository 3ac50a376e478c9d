"""The command line: help, usage errors, exit statuses, JSON shapes."""
import json
import os
import re
import subprocess
import unittest

from common import BIN, PaperboyTest, DATA

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")


class CliTest(PaperboyTest):
    def test_help_lists_every_command(self):
        out, _ = self.pb("help")
        for cmd in ("init", "ingest", "fetch", "show", "list", "stats"):
            self.assertRegex(out, r"\n  %s " % cmd)
        out, _ = self.pb("ingest", "--help")
        self.assertIn("--strict", out)
        self.assertIn("arxiv-jsonl", out)
        out2, _ = self.pb("help", "ingest")
        self.assertEqual(out, out2)

    def test_pdf_and_drawing_libraries_load_when_used(self):
        """poppler, cairo, fontconfig and GLib (about forty shared libraries
        with theirs) are not loaded when paperboy starts, only when it first
        makes a picture: a thumbnail and a PDF's text still come out."""
        dyn = subprocess.run(["readelf", "-d", BIN], capture_output=True, text=True, check=True).stdout
        needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn)
        self.assertTrue(needed, dyn)
        for lib in ("libpoppler", "libcairo", "libfontconfig", "libglib", "libgobject"):
            self.assertFalse([n for n in needed if n.startswith(lib)], needed)
        from test_feed import pdf, png, png_size
        src, out = os.path.join(self.tmp, "in.png"), os.path.join(self.tmp, "out.png")
        with open(src, "wb") as f:
            f.write(png(960, 200))
        self.pb("thumb", "png", src, out)
        with open(out, "rb") as f:
            self.assertEqual(png_size(f.read()), (480, 100))
        with open(src, "wb") as f:
            f.write(pdf())
        self.pb("thumb", "pdf", src, out)
        with open(out, "rb") as f:
            self.assertEqual(png_size(f.read())[0], 480)

    def test_summary_lines_add_up(self):
        """A file that cannot be opened is a failed file in the summary's
        reasons, as in its counts (it was told as a rejected record)."""
        d = os.path.join(self.tmp, "in")
        os.makedirs(d)
        os.symlink("/nonexistent/paper.json", os.path.join(d, "gone.json"))
        self.init()
        _, err = self.pb("ingest", d, expect=1)
        self.assertIn("(1 failed)", err)
        self.assertRegex(err, r"(?m)^  1 file failed: it could not be opened$")
        self.assertNotRegex(err, r"(?m)^  \d+ records? rejected")

    def test_usage_errors_exit_2(self):
        self.pb(expect=2)
        self.pb("frobnicate", expect=2)
        self.pb("ingest", expect=2)
        self.pb("ingest", "--format", "pdf", "x", expect=2)
        self.pb("list", "--week", "2025-W54", expect=2)
        self.pb("list", "--date", "2025-02-30", expect=2)
        self.pb("list", "--month", "2025-13", expect=2)
        self.pb("list", "--limit", "-1", expect=2)
        self.pb("list", "--date", "2025-06-02", "--week", "2025-W23", expect=2)
        self.pb("list", "--sort", "random", expect=2)
        self.pb("show", "not-an-id", expect=2)
        self.pb("fetch", "gopher", expect=2)
        self.pb("show", expect=2)
        _, err = self.pb("list", "--bogus", expect=2)
        self.assertIn("--bogus", err)

    def test_missing_database_and_postgres(self):
        _, err = self.pb("stats", expect=1)
        self.assertIn("paperboy init", err)
        if self.backend == "sqlite":
            self.assertFalse(os.path.exists(self.db))
        # a server that is not there: said plainly, without the password
        _, err = self.pb("--db", "postgresql://user:sekrit@127.0.0.1:1/papers?connect_timeout=3", "init", expect=1)
        self.assertIn("cannot connect", err)
        self.assertNotIn("sekrit", err)
        if self.backend == "pg":
            # a password in the URL is never shown (the test server trusts anyone)
            url = self.db.replace("paperboy@", "paperboy:sekrit@")
            out, _ = self.pb("--db", url, "init")
            out2, _ = self.pb("--db", url, "stats")
            self.assertNotIn("sekrit", out + out2)
            self.assertIn("paperboy:***@", out)

    def test_ingest_show_list_json(self):
        self.init()
        _, err = self.pb("ingest", os.path.join(FIXTURES, "hf_small.json"), expect=1)
        # a Python repr() of an item is read; one that is not a plain literal is refused by name
        self.assertNotRegex(err, r"hf_small\.json: record 2: ")
        self.assertRegex(err, r"hf_small\.json: record 6: .*Python repr.*not a literal Python value")
        self.assertRegex(err, r'record 3: field "paper\.id"')
        self.assertEqual(self.summary(err)["new"], 3)
        self.assertEqual(self.pb_json("show", "2506.00002", "--json")["title"], "A Python repr")
        p = self.pb_json("show", "https://arxiv.org/abs/2506.00001v3", "--json")
        self.assertEqual(p["id"], "2506.00001")
        self.assertEqual(p["title"], "Engines of Analysis")
        self.assertEqual([a["name"] for a in p["authors"]], ["Ada Lovelace", "Alan Turing"])
        self.assertRegex(p["publishedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(p["submittedOnDailyAt"], "2025-06-02T03:18:21.654Z")
        self.assertEqual(p["upvotes"], 12)
        self.assertEqual(p["githubRepo"], "https://github.com/ada/engine")
        self.assertEqual(p["ai_keywords"], ["engine", "analysis"])
        papers = self.pb_json("list", "--date", "2025-06-02", "--json")
        self.assertEqual([x["id"] for x in papers], ["2506.00001"])
        papers = self.pb_json("list", "--week", "2025-W23", "--sort", "upvotes", "--json")
        self.assertEqual(len(papers), 1)
        papers = self.pb_json("list", "--month", "2025-06", "--json")
        self.assertEqual({x["id"] for x in papers}, {"2506.00001", "2506.00004"})
        # default: the newest day with papers
        out, _ = self.pb("list")
        self.assertIn("2506.00001", out)
        self.pb("show", "2506.09999", expect=1)
        out, _ = self.pb("show", "2506.00001")
        self.assertIn("Engines of Analysis", out)
        # several at once, in the order given: an array, null in the place
        # of one not in the store, which is named (exit 1); a bad id refuses all
        many = self.pb_json("show", "2506.00002", "https://arxiv.org/abs/2506.00001v3", "--json")
        self.assertEqual([x["id"] for x in many], ["2506.00002", "2506.00001"])
        self.assertEqual(many[1], p)
        out, err = self.pb("show", "2506.00001", "2506.09999", "2506.00002", "--json", expect=1)
        self.assertEqual([x and x["id"] for x in json.loads(out)], ["2506.00001", None, "2506.00002"])
        self.assertIn("2506.09999: no such paper", err)
        out, _ = self.pb("show", "2506.00001", "2506.00002")
        self.assertLess(out.index("Engines of Analysis"), out.index("A Python repr"))
        self.pb("show", "2506.00001", "not-an-id", expect=2)

    def test_stdin_and_strict(self):
        self.init()
        with open(os.path.join(FIXTURES, "snapshot_small.jsonl")) as f:
            text = f.read()
        # --strict: the whole input is refused, the database stays empty
        _, err = self.pb("ingest", "--strict", "-", stdin=text, expect=1)
        self.assertIn("refused whole file", err)
        self.assertEqual(self.stats()["papers"], 0)
        # without: the good records go in, the bad ones are named
        _, err = self.pb("ingest", "-", stdin=text, expect=1)
        self.assertEqual(self.summary(err)["new"], 2)
        self.assertRegex(err, r'<stdin>: record 6: field "versions\[0\]\.created"')
        self.assertEqual(self.stats()["papers"], 2)
        # a good file under --strict goes in whole
        _, err = self.pb("ingest", "--strict", os.path.join(FIXTURES, "atom_small.xml"), expect=1)
        self.assertEqual(self.stats()["papers"], 2)
        self.pb("ingest", "--strict", "--format", "arxiv-oai", os.path.join(FIXTURES, "oai_error.xml"), expect=1)

    def test_unreadable_and_garbage_inputs(self):
        self.init()
        _, err = self.pb("ingest", os.path.join(self.tmp, "nope.json"), expect=1)
        self.assertIn("nope.json", err)
        bad = os.path.join(self.tmp, "garbage.json")
        with open(bad, "wb") as f:
            f.write(b"\x00\x01garbage")
        _, err = self.pb("ingest", bad, expect=1)
        self.assertIn("garbage.json", err)
        self.assertEqual(self.stats()["papers"], 0)
        # SQL metacharacters in data are just data
        evil = os.path.join(self.tmp, "evil.jsonl")
        with open(evil, "w") as f:
            f.write(json.dumps({"id": "0704.0009", "title": "x'); DROP TABLE papers;--",
                                "abstract": "<script>alert(1)</script>"}) + "\n")
        self.pb("ingest", evil)
        p = self.pb_json("show", "0704.0009", "--json")
        self.assertEqual(p["title"], "x'); DROP TABLE papers;--")
        self.assertEqual(self.stats()["papers"], 1)

    def test_hf_and_arxiv_records_merge(self):
        self.init()
        self.pb("ingest", os.path.join(FIXTURES, "hf_small.json"), expect=1)
        feed = os.path.join(self.tmp, "one.xml")
        with open(feed, "w") as f:
            f.write("""<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
<entry><id>http://arxiv.org/abs/2506.00001v2</id><title>Engines of Analysis (v2)</title>
<published>2025-05-30T17:59:01Z</published><updated>2025-06-20T00:00:00Z</updated>
<summary>Revised.</summary><category term="cs.LG"/><arxiv:primary_category term="cs.LG"/>
<arxiv:doi>10.9/abc</arxiv:doi><author><name>Ada Lovelace</name></author></entry></feed>""")
        _, err = self.pb("ingest", feed)
        self.assertEqual(self.summary(err)["updated"], 1)
        p = self.pb_json("show", "2506.00001", "--json")
        self.assertEqual(p["title"], "Engines of Analysis (v2)")  # arXiv's newer version
        self.assertEqual(p["version"], 2)
        self.assertEqual(p["doi"], "10.9/abc")
        self.assertEqual(p["upvotes"], 12)                          # HF facts kept
        self.assertEqual(p["submittedOnDailyAt"], "2025-06-02T03:18:21.654Z")
        self.assertEqual(p["ai_summary"], "Engines compute.")
        # and the HF record again changes nothing
        _, err = self.pb("ingest", os.path.join(FIXTURES, "hf_small.json"), expect=1)
        s = self.summary(err)
        self.assertEqual((s["new"], s["updated"]), (0, 0))


if __name__ == "__main__":
    unittest.main()
