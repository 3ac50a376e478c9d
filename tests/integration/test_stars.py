"""Issue 23, "Trending by code": Hugging Face ranks trending papers by the
GitHub stars their code gains. Each ingest records each paper's
githubStars with the time it was seen (`ingest --at` says when, for
archives and for these tests): one point a day at most, a value seen again
the same day adds nothing. The "by code" view of trending ranks papers by
the stars gained in the 7 days before now: the stars now less the stars
at the latest point at or before now - 7 days (the first point when the
history is younger). The page, the API and the Atom feed give the same
order; papers without a history are not in it."""
import datetime
import json
import os
import re
import time
import unittest
import xml.etree.ElementTree as ET

from common import PaperboyTest
from web import Client, Server

DAY = 86400
A, B, C, D, E = "2612.00001", "2612.00002", "2612.00003", "2612.00004", "2612.00005"
TITLES = {A: "Agents that code", B: "Banded attention", C: 'Caching <script>alert("x")</script> & stars',
          D: "Diffusion without a repository", E: "Early stars, then a quiet week"}
ATOM = "{http://www.w3.org/2005/Atom}"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def item(pid, stars):
    at = "2026-11-20T10:00:00.000Z"
    p = {"id": pid, "title": TITLES[pid], "summary": "An abstract about " + TITLES[pid] + ".",
         "authors": [{"_id": "%024x" % 1, "name": "Ada Lee", "hidden": False}], "publishedAt": at,
         "submittedOnDailyAt": at, "upvotes": 3, "submittedOnDailyBy": {"user": "someone", "fullname": "Someone"}}
    if stars is not None:
        p["githubRepo"] = "https://github.com/lab/" + pid.replace(".", "-")
        p["githubStars"] = stars
    return {"paper": p, "publishedAt": at, "title": TITLES[pid], "numComments": 0}


class StarsTest(PaperboyTest):
    def ingest_at(self, t, stars):
        """Ingests every paper as seen at time t, with the stars given
        (papers not in `stars` come without a repository)."""
        path = os.path.join(self.tmp, "seen-%d.json" % t)
        with open(path, "w") as fh:
            json.dump([item(pid, stars.get(pid)) for pid in TITLES], fh)
        self.pb("ingest", "--at", iso(t), path)

    def build_history(self):
        self.init()
        now = time.time()
        recent = now - 3 * 3600
        # the same values seen again the same day (UTC) add nothing
        again = recent + 30 if recent % DAY < DAY - 60 else recent - 30
        self.ingest_at(now - 120 * DAY, {E: 1})      # pruned later: older than 90 days before the newest
        self.ingest_at(now - 30 * DAY, {E: 10})
        self.ingest_at(now - 10 * DAY, {A: 100, C: 520, E: 15})
        self.ingest_at(now - 8 * DAY, {C: 500, E: 900})
        self.ingest_at(now - 6 * DAY, {A: 150})
        self.ingest_at(now - 3 * DAY, {B: 50})
        self.ingest_at(recent, {A: 400, B: 250, C: 480, E: 910})
        self.ingest_at(again, {A: 400, B: 250, C: 480, E: 910})
        # the paper's own count keeps the highest seen; the history what was seen
        self.assertEqual(self.pb_json("show", C, "--json")["githubStars"], 520)

    def test_by_code_page_api_and_feed(self):
        self.build_history()
        order = [A, B, E, C]
        gains = {A: 300, B: 200, E: 10, C: -20}
        # the command line reads the same rule
        cli = self.pb_json("list", "--sort", "stars", "--json")
        self.assertEqual([(p["id"], p["githubStarsGained"]) for p in cli], [(i, gains[i]) for i in order])
        out, _ = self.pb("list", "--sort", "stars", "--limit", "1")
        self.assertEqual(out.split()[:3], ["+300", "400", A])
        self.pb("list", "--sort", "stars", "--date", "2026-11-20", expect=2)
        srv = Server(self.env, self.tmp)
        try:
            c = Client(srv)
            # the API: the order, the gains, the histories
            r = c.get("/api/daily_papers?sort=trending&by=code")
            self.assertEqual(r.status, 200)
            items = r.json()
            self.assertEqual([i["paper"]["id"] for i in items], order)
            for i in items:
                self.assertEqual(i["githubStarsGained"], gains[i["paper"]["id"]], i["paper"]["id"])
            hist = {i["paper"]["id"]: i["githubStarsHistory"] for i in items}
            self.assertEqual([h["stars"] for h in hist[A]], [100, 150, 400])
            self.assertEqual([h["stars"] for h in hist[B]], [50, 250])
            self.assertEqual([h["stars"] for h in hist[C]], [520, 500, 480])
            self.assertEqual([h["stars"] for h in hist[E]], [10, 15, 900, 910])
            for h in hist[A]:
                self.assertRegex(h["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
            self.assertLess(hist[A][0]["at"], hist[A][1]["at"])
            self.assertEqual(items[0]["paper"]["githubStars"], 400)
            # paged like the rest of the API
            page = c.get("/api/daily_papers?sort=trending&by=code&limit=2&p=1").json()
            self.assertEqual([i["paper"]["id"] for i in page], [E, C])
            self.assertEqual(c.get("/api/daily_papers?sort=trending&by=stars").status, 400)
            self.assertEqual(c.get("/api/daily_papers?by=code").status, 400)
            # the upvotes' trending is as it was: every paper, no gains
            plain = c.get("/api/daily_papers?sort=trending").json()
            self.assertIn(D, [i["paper"]["id"] for i in plain])
            self.assertNotIn("githubStarsGained", plain[0])

            # the page: the same order, the gains, a sparkline each, escaped
            html = c.get("/papers/trending?by=code").text
            ids = re.findall(r'<article[^>]*>.*?href="/papers/(\d{4}\.\d{5})"', html, re.S)
            self.assertEqual(ids, order)
            self.assertIn("+300 ★ this week", html)
            self.assertIn("+200 ★ this week", html)
            self.assertIn("−20 ★ this week", html)
            self.assertEqual(html.count('<svg class="spark"'), 4)
            self.assertNotIn("<script>alert", html)
            self.assertIn("Caching &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; stars", html)
            self.assertNotIn(TITLES[D], html)
            self.assertRegex(html, r'<a href="/papers/trending"[^>]*>By upvotes</a>')
            self.assertRegex(html, r'<a href="/papers/trending\?by=code" aria-current="page"[^>]*>By code</a>')
            up = c.get("/papers/trending").text
            self.assertRegex(up, r'<a href="/papers/trending\?by=code"[^>]*>By code</a>')
            self.assertNotIn("this week</span>", up)
            self.assertIn(TITLES[D], up)
            self.assertEqual(c.get("/papers/trending?by=nonsense").status, 400)

            # the Atom feed: the same order
            feed = c.get("/feeds/trending.atom?by=code")
            self.assertEqual(feed.status, 200)
            root = ET.fromstring(feed.body)
            got = [e.find(ATOM + "id").text.rsplit("/", 1)[1] for e in root.findall(ATOM + "entry")]
            self.assertEqual(got, order)
            self.assertIn("by=code", root.find(ATOM + "link").get("href"))
        finally:
            srv.stop()

    def test_no_history_no_list(self):
        """A store whose papers never carried stars has an empty by-code
        list (not the upvotes' one), on the page, the API and the feed."""
        self.init()
        self.ingest_at(time.time() - 3600, {})
        srv = Server(self.env, self.tmp)
        try:
            c = Client(srv)
            self.assertEqual(c.get("/api/daily_papers?sort=trending&by=code").json(), [])
            html = c.get("/papers/trending?by=code").text
            self.assertNotIn("<article", html)
            self.assertIn("No papers with code stars", html)
            root = ET.fromstring(c.get("/feeds/trending.atom?by=code").body)
            self.assertEqual(root.findall(ATOM + "entry"), [])
        finally:
            srv.stop()

    def test_at_must_be_a_time(self):
        self.init()
        path = os.path.join(self.tmp, "x.json")
        with open(path, "w") as fh:
            json.dump([item(A, 5)], fh)
        _, err = self.pb("ingest", "--at", "yesterday", path, expect=2)
        self.assertIn("--at", err)


if __name__ == "__main__":
    unittest.main()
