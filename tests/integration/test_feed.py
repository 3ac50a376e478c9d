"""Black-box tests of the feed a community can trust (issue "The daily feed
a community can trust"): no single submission, vote or hide takes over or
empties the home page, trending, the feeds or the default API; submission
rules (window, daily limit, moderation); counts that add up; the fields of
Hugging Face's records; link kinds; periods that exist; the signed-out vote
round trip; the Atom entries; sync on schedule; thumbnails from a local
cache. Real data from ../shared/data, and a local server that replays or
makes what arXiv and Hugging Face would answer."""
import datetime
import json
import os
import re
import struct
import subprocess
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
import zlib

from common import BIN, PaperboyTest
from replay import Replay
from web import CACHE_WAIT, Client, Server, wait_for, wait_paper

ATOM = "{http://www.w3.org/2005/Atom}"
DAYS = ["2025-05-28", "2025-05-29", "2025-05-30", "2025-06-02", "2025-06-03"]


def now_iso(days_ago=0):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def arxiv_feed(entries):
    """An arXiv API Atom answer in arXiv's own shape."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
           'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
           '<title>arXiv Query</title><id>https://arxiv.org/api/x</id><updated>%s</updated>'
           '<opensearch:totalResults>%d</opensearch:totalResults><opensearch:startIndex>0</opensearch:startIndex>'
           '<opensearch:itemsPerPage>100</opensearch:itemsPerPage>' % (now_iso(), len(entries))]
    for pid, title, published in entries:
        out.append('<entry><id>http://arxiv.org/abs/%sv1</id><title>%s</title><updated>%s</updated>'
                   '<link href="https://arxiv.org/abs/%sv1" rel="alternate" type="text/html"/>'
                   '<summary>A paper made for the tests about %s.</summary><category term="cs.LG" '
                   'scheme="http://arxiv.org/schemas/atom"/><published>%s</published>'
                   '<arxiv:primary_category term="cs.LG"/><author><name>Test Author</name></author></entry>'
                   % (pid, title, published, pid, title.lower(), published))
    out.append("</feed>")
    return "".join(out).encode()


def png(width, height, rgb=(200, 30, 30)):
    """A PNG image made here (no imaging library needed)."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pdf():
    """A one-page PDF made here: a red rectangle on a letter page."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>"]
    stream = b"1 0 0 rg 72 500 468 200 re f"
    objs.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, o)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    return struct.unpack(">II", data[16:24])


class FeedBase(PaperboyTest):
    def setUp(self):
        super().setUp()
        self.init()
        self.hf = os.path.join(self.require_data("hf-daily-papers"), "Paper_metadata_download")
        self.pb("ingest", *[os.path.join(self.hf, d + ".json") for d in DAYS])
        self.day = {}
        for d in DAYS:
            with open(os.path.join(self.hf, d + ".json")) as fh:
                self.day[d] = json.load(fh)
        self.pb("user", "add", "admin", "--email", "admin@example.org", "--admin", stdin="administrator pass\n")
        self.replay = Replay(self.route)
        self.fresh = {}  # arXiv papers "published" lately: id -> title
        self.srv = None

    def tearDown(self):
        if self.srv:
            self.srv.stop()
        self.replay.close()
        super().tearDown()

    def route(self, path, q, hits):
        if path == "/api/query":
            ids = q.get("id_list", "").split(",")
            known = [(i, self.fresh[i], now_iso(2)) for i in ids if i in self.fresh]
            if "2312.06056" in ids:
                known.append(("2312.06056", "An Old Paper", "2023-12-10T00:00:00Z"))
            return 200, {"Content-Type": "application/atom+xml"}, arxiv_feed(known)
        return 404, {}, b"no"

    def serve(self, *args):
        self.srv = Server(self.env, self.tmp, "--arxiv-api", self.replay.url + "/api/query", "--thumb-dir", "off",
                          *args)
        return self.srv

    def admin(self):
        c = Client(self.srv)
        self.assertEqual(c.signin("admin", "administrator pass").status, 303)
        return c

    def user(self, name):
        c = Client(self.srv)
        self.assertEqual(c.signup(name).status, 303)
        return c

    @staticmethod
    def ids(page):
        return set(re.findall(r'href="/papers/(\d{4}\.\d{4,5})"', page))


class TakeOverTest(FeedBase):
    def test_one_submission_never_takes_over_or_empties_the_front(self):
        srv = self.serve()
        newest = set(e["paper"]["id"] for e in self.day["2025-06-03"])
        before_home = self.ids(Client(srv).get("/").text)
        self.assertTrue(newest <= before_home)
        # an old paper from a new account is refused, saying why
        u = self.user("newcomer")
        r = u.post("/submit", {"paper": "2312.06056"})
        self.assertEqual(r.status, 303)  # fetched from arXiv in the background, then judged
        page = wait_for(lambda: (lambda t: t if "was not submitted" in t else None)(u.get("/papers/2312.06056").text),
                        what="the refusal")
        self.assertIn("published on arXiv on 2023-12-10, more than 14 days ago", page)
        # refused: not kept either
        self.assertEqual(Client(srv).get("/api/papers/2312.06056?x=1").status, 404)
        # an administrator may feature it anyway: it joins today's feed, and
        # the front page, trending, the feeds and the API keep the others
        admin = self.admin()
        self.assertEqual(admin.post("/submit", {"paper": "2312.06056"}).status, 303)
        c = Client(srv)
        wait_for(lambda: c.get("/api/papers/2312.06056?y=%f" % time.time()).json().get("submittedOnDailyAt"),
                 what="the administrator's submission featured")
        time.sleep(CACHE_WAIT)  # the anonymous page cache
        home = self.ids(c.get("/").text)
        self.assertIn("2312.06056", home)
        self.assertTrue(newest <= home, "the day before the lone submission is still on the front page")
        trending = self.ids(c.get("/papers/trending").text)
        self.assertGreaterEqual(len(trending), 20)
        self.assertNotEqual(c.get("/papers/trending").text.count('class="card"'), 1)
        feed = ET.fromstring(c.get("/feeds/daily.atom").body)
        self.assertGreater(len(feed.findall(ATOM + "entry")), 20)
        api = {i["paper"]["id"] for i in c.get("/api/daily_papers").json()}
        self.assertIn("2312.06056", api)
        self.assertTrue(newest <= api)
        self.assertGreaterEqual(len(c.get("/api/daily_papers?sort=trending").json()), 20)
        # hidden: gone from everything, and nothing is emptied
        self.assertEqual(admin.post("/admin/papers/2312.06056", {"hidden": "1"}).status, 303)
        time.sleep(CACHE_WAIT)  # the anonymous page cache
        for path in ["/", "/papers/trending", "/api/daily_papers", "/api/daily_papers?sort=trending",
                     "/feeds/daily.atom", "/feeds/trending.atom", "/search?q=old+paper"]:
            body = c.get(path).text
            self.assertNotIn("2312.06056", body, path)
        self.assertEqual(self.ids(c.get("/").text), before_home)
        self.assertGreaterEqual(len(ET.fromstring(c.get("/feeds/trending.atom").body).findall(ATOM + "entry")), 20)
        # shown again
        self.assertEqual(admin.post("/admin/papers/2312.06056", {"hidden": "0"}).status, 303)
        time.sleep(CACHE_WAIT)
        self.assertIn("2312.06056", self.ids(c.get("/").text))

    def test_daily_limit_and_moderation(self):
        for i in range(7):
            self.fresh["2611.%05d" % (i + 1)] = "Fresh Result %d" % i
        srv = self.serve("--submit-daily-limit", "3", "--moderate-submissions")
        u = self.user("eager")
        # papers not here yet: fetched from arXiv in the background, then held
        codes = [u.post("/submit", {"paper": "2611.%05d" % (i + 1)}).status for i in range(4)]
        self.assertEqual(codes[:3], [303] * 3)
        self.assertEqual(codes[3], 429)
        self.assertIn("in the last 24 hours", u.post("/submit", {"paper": "2611.00005"}).text)
        # held: not on the feed until a moderator approves
        c = Client(srv)
        admin = self.admin()
        sub_ids = wait_for(lambda: (lambda ids: ids if len(ids) == 3 else None)(
            re.findall(r'action="/admin/submissions/(\d+)"', admin.get("/admin/submissions").text)),
            what="three submissions waiting")
        self.assertNotIn("2611.00001", c.get("/api/daily_papers").text)
        self.assertEqual(admin.post("/admin/submissions/" + sub_ids[0], {"action": "approve"}).status, 303)
        self.assertEqual(admin.post("/admin/submissions/" + sub_ids[1], {"action": "reject"}).status, 303)
        self.assertEqual(admin.post("/admin/submissions/" + sub_ids[1], {"action": "approve"}).status, 404)
        self.assertEqual(u.post("/admin/submissions/" + sub_ids[2], {"action": "approve"}).status, 403)
        # an approval the store refuses halfway (the paper's row) leaves the
        # submission waiting, and says only that the database failed: it
        # was taken out of the queue and never featured (404 after), and
        # the page showed the store's words
        with self.refusing(("papers", "UPDATE")):
            r = admin.post("/admin/submissions/" + sub_ids[2], {"action": "approve"})
        self.assertIn(r.status, (409, 500))
        self.assertIn("database failed", r.text)
        self.assertNotIn("refused by the test", r.text)
        self.assertIn('action="/admin/submissions/%s"' % sub_ids[2], admin.get("/admin/submissions").text)
        self.assertEqual(admin.post("/admin/submissions/" + sub_ids[2], {"action": "approve"}).status, 303)
        self.assertEqual(c.get("/api/papers/2611.00003").json()["submittedOnDailyBy"]["user"], "eager")
        api = c.get("/api/papers/2611.00001").json()
        self.assertEqual(api["submittedOnDailyBy"]["user"], "eager")
        self.assertTrue(c.get("/api/papers/2611.00002").json().get("dailyDate") is None)
        today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
        self.assertIn("2611.00001", c.get("/papers/date/" + today).text)
        # through the API the same rules: 202 while waiting
        tok = Client(srv)
        tok.signup("apiuser")
        token = tok.make_token()
        r = Client(srv).request("POST", "/api/papers/submit", raw_body=b'{"paperId": "2611.00006"}',
                                headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        self.assertEqual(r.status, 202)
        self.assertEqual(r.json()["status"], "fetching")
        self.assertEqual(r.header("Location"), "/api/papers/2611.00006")
        wait_paper(c, "2611.00006")
        # once here, it waits for the moderator like the others
        queue = wait_for(lambda: (lambda t: t if "2611.00006" in t else None)(admin.get("/admin/submissions").text),
                         what="the API's submission held")
        self.assertEqual(len(re.findall(r'action="/admin/submissions/(\d+)"', queue)), 1)  # the third was approved


class CountsTest(FeedBase):
    def counts(self, c, pid, day):
        card = re.search(r'href="/papers/%s#comments">(\d+) comments?</a>' % re.escape(pid),
                         c.get("/papers/date/" + day).text)
        page = re.search(r'Discussion <span class="muted">(\d+) comments?</span>', c.get("/papers/" + pid).text)
        api = c.get("/api/papers/%s?field=comments" % pid).json()
        shown = sum(1 for t in api["comments"] if not t["data"]["hidden"]) + \
            sum(1 for t in api["comments"] for rep in t["replies"] if not rep["data"]["hidden"])
        return int(card.group(1)), int(page.group(1)), api["numComments"], shown

    def test_comment_counts_add_up(self):
        srv = self.serve()
        pid = "2505.24864"  # ProRL: one comment held on Hugging Face
        c = Client(srv)
        self.assertEqual(self.counts(c, pid, "2025-06-02"), (0, 0, 0, 0))
        page = c.get("/papers/" + pid).text
        self.assertIn("1 comment on Hugging Face", page)
        self.assertIn("https://huggingface.co/papers/%s#community" % pid, page)
        self.assertIn(">1 on Hugging Face</a>", c.get("/papers/date/2025-06-02").text)
        self.assertEqual(c.get("/api/papers/" + pid).json()["hfNumComments"], 1)
        u = self.user("talker")
        r = u.post("/papers/%s/comments" % pid, {"body": "first"})
        cid = re.search(r"#c(\d+)$", r.header("Location")).group(1)
        u.post("/papers/%s/comments" % pid, {"body": "a reply", "parent": cid})
        time.sleep(CACHE_WAIT)
        self.assertEqual(self.counts(c, pid, "2025-06-02"), (2, 2, 2, 2))
        # a comment hidden by a moderator, one deleted by its author: counted out everywhere
        admin = self.admin()
        self.assertEqual(admin.post("/admin/comments/" + cid, {"hidden": "1"}).status, 303)
        time.sleep(CACHE_WAIT)
        self.assertEqual(self.counts(c, pid, "2025-06-02"), (1, 1, 1, 1))
        self.assertEqual(admin.post("/admin/comments/" + cid, {"hidden": "0"}).status, 303)
        r = u.post("/papers/%s/comments" % pid, {"body": "third"})
        third = re.search(r"#c(\d+)$", r.header("Location")).group(1)
        self.assertEqual(u.post("/comments/%s/delete" % third).status, 303)
        time.sleep(CACHE_WAIT)
        self.assertEqual(self.counts(c, pid, "2025-06-02"), (2, 2, 2, 2))

    def test_organization_media_and_link_kinds(self):
        # organizations appear in Hugging Face's records from October 2025
        self.pb("ingest", os.path.join(self.hf, "2025-10-03.json"))
        with open(os.path.join(self.hf, "2025-10-03.json")) as fh:
            self.day["2025-10-03"] = json.load(fh)
        srv = self.serve()
        c = Client(srv)
        org = [(d, e) for d in self.day for e in self.day[d] if e.get("organization") or e["paper"].get("organization")]
        self.assertTrue(org)
        oday, e = org[0]
        o = e["paper"].get("organization") or e["organization"]
        pid = e["paper"]["id"]
        api = c.get("/api/papers/" + pid).json()
        self.assertEqual(api["organization"]["name"], o["name"])
        card = c.get("/papers/date/" + oday).text
        self.assertIn('<a class="org" href="/orgs/%s" title="%s">%s</a>' % (o["name"], o["name"], o.get("fullname") or o["name"]), card)
        self.assertIn(o.get("fullname") or o["name"], c.get("/papers/" + pid).text)
        env = [i for i in c.get("/api/daily_papers?date=%s&limit=100" % oday).json() if i["paper"]["id"] == pid][0]
        self.assertEqual(env["organization"]["name"], o["name"])
        media = [e for d in DAYS for e in self.day[d] if e.get("mediaUrls") or e["paper"].get("mediaUrls")]
        m = media[0]
        self.assertEqual(c.get("/api/papers/" + m["paper"]["id"]).json()["mediaUrls"],
                         m["paper"].get("mediaUrls") or m["mediaUrls"])
        # ProRL's link is a Hugging Face model, not code
        api = c.get("/api/papers/2505.24864").json()
        self.assertNotIn("githubRepo", api)
        self.assertTrue(api["modelUrl"].startswith("https://huggingface.co/nvidia/"))
        page = c.get("/papers/2505.24864").text
        self.assertIn("Model: nvidia/Nemotron-Research-Reasoning-Qwen-1.5B", page)
        self.assertNotIn("Code: nvidia/", page)
        # a GitHub repository is code, with its stars and the AI summary on the card
        gh = [e["paper"] for d in self.day for e in self.day[d]
              if (e["paper"].get("githubRepo") or "").startswith("https://github.com/") and e["paper"].get("githubStars")]
        p = gh[0]
        self.assertEqual(c.get("/api/papers/" + p["id"]).json()["githubRepo"], p["githubRepo"])
        day = p["submittedOnDailyAt"][:10]
        card = c.get("/papers/date/" + day).text
        self.assertIn("★ %d" % p["githubStars"], card)
        if p.get("ai_summary"):
            self.assertIn('<p class="tldr">', card)


class NavigationTest(FeedBase):
    def test_periods_that_exist(self):
        srv = self.serve()
        c = Client(srv)
        self.assertEqual(c.get("/papers/date/2030-01-01").status, 404)
        self.assertEqual(c.get("/papers/week/2030-W01").status, 404)
        self.assertEqual(c.get("/papers/month/2030-01").status, 404)
        week = c.get("/papers/week/2025-W23").text  # 2025-06-02 .. 06-08: the newest
        self.assertNotIn('rel="next"', week)
        self.assertIn('rel="prev" href="/papers/week/2025-W22"', week)
        month = c.get("/papers/month/2025-06").text
        self.assertNotIn('rel="next"', month)
        self.assertIn('rel="prev" href="/papers/month/2025-05"', month)
        self.assertNotIn('rel="prev"', c.get("/papers/month/2025-05").text)
        # the bars of a chart lead to their day
        self.assertIn('<a href="/papers/date/2025-06-02"><rect', week)
        # a day that exists but is empty is a page; one of the past too
        self.assertEqual(c.get("/papers/date/2025-06-01").status, 200)

    def test_signed_out_vote_round_trip(self):
        srv = self.serve()
        self.user("voter")
        pid = self.day["2025-06-02"][0]["paper"]["id"]
        before = Client(srv).get("/api/papers/" + pid).json()["upvotes"]
        c = Client(srv)
        c.get("/papers/date/2025-06-02")
        r = c.post("/papers/%s/vote" % pid, {}, headers={"Referer": srv.base + "/papers/date/2025-06-02"})
        self.assertEqual(r.status, 303)
        loc = r.header("Location")
        self.assertTrue(loc.startswith("/signin?next=%2Fpapers%2Fdate%2F2025-06-02&vote=" + pid), loc)
        page = c.get(loc).text
        self.assertIn("Sign in to upvote", page)
        r = c.post("/signin", {"name": "voter", "password": "correct horse battery",
                               "next": "/papers/date/2025-06-02", "vote": pid})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/papers/date/2025-06-02")
        self.assertEqual(Client(srv).get("/api/papers/" + pid).json()["upvotes"], before + 1)
        # with JavaScript: the API-style answer names where to go
        d = Client(srv)
        r = d.post("/papers/%s/vote" % pid, {}, headers={"Accept": "application/json"})
        self.assertEqual(r.status, 401)
        self.assertIn("vote=" + pid, r.json()["signin"])

    def test_atom_entries_carry_summary_links_and_upvotes(self):
        srv = self.serve()
        body = Client(srv).get("/feeds/daily.atom").body
        feed = ET.fromstring(body)
        self.assertNotIn(b"upvotes:", body)  # no longer a category
        entries = feed.findall(ATOM + "entry")
        prorl = [e for e in entries if e.find(ATOM + "id").text.endswith("2505.24864")]
        if not prorl:
            prorl = entries
        e = prorl[0]
        content = e.find(ATOM + "content").text
        self.assertRegex(content, r"▲ \d+ upvotes?")
        self.assertIn("/papers/", content)
        self.assertIn("arxiv.org/pdf/", content)
        pdf_links = [l for l in e.findall(ATOM + "link") if l.get("type") == "application/pdf"]
        self.assertEqual(len(pdf_links), 1)
        with_summary = [x for x in entries if "Summary:" in (x.find(ATOM + "content").text or "")]
        self.assertTrue(with_summary)

    def test_ingest_builds_the_index_when_there_is_none(self):
        fresh = PaperboyTest("run")
        fresh.setUp()
        try:
            fresh.init()
            fresh.pb("ingest", os.path.join(self.hf, "2025-06-02.json"))
            out, _ = fresh.pb("search", "--json", "reinforcement learning")
            self.assertTrue(json.loads(out))
        finally:
            fresh.tearDown()


class SyncTest(FeedBase):
    def route(self, path, q, hits):
        if path == "/hf/api/daily_papers":
            self.hf_hits.append(q.get("date"))
            with open(os.path.join(self.hf, "2025-06-04.json"), "rb") as fh:
                return 200, {"Content-Type": "application/json"}, fh.read()
        if path == "/oai":
            self.oai_hits.append(dict(q))
            d = os.path.join(self.require_data("arxiv-oai-pmh"), "arXivOAIHarvester-mikesaelim")
            with open(os.path.join(d, "GetRecordResponse.xml"), "rb") as fh:
                body = fh.read()
            return 200, {"Content-Type": "text/xml"}, body
        return super().route(path, q, hits)

    def test_sync_on_schedule_once_per_cluster(self):
        self.hf_hits, self.oai_hits = [], []
        args = ["--sync", "hf,arxiv", "--sync-every", "1", "--sync-hf-endpoint", self.replay.url + "/hf/api/daily_papers",
                "--sync-oai-endpoint", self.replay.url + "/oai"]
        srv = self.serve(*args)
        # a second process on the same store: the jobs still run once per turn
        other_dir = os.path.join(self.tmp, "other")
        os.makedirs(other_dir)
        other = Server(self.env, other_dir, "--thumb-dir", "off", *args)
        try:
            deadline = time.time() + 30
            while time.time() < deadline and (len(self.hf_hits) < 4 or not self.oai_hits):
                time.sleep(0.2)
            time.sleep(0.5)
            with open(os.path.join(self.hf, "2025-06-04.json")) as fh:
                synced = {e["paper"]["id"] for e in json.load(fh)}
            c = Client(srv)
            got = {i["paper"]["id"] for i in c.get("/api/daily_papers?date=2025-06-04&limit=100").json()}
            self.assertEqual(got, synced)
            self.assertEqual(c.get("/api/papers/1302.2146").status, 200)  # from OAI-PMH
            # once per schedule: each turn fetches two days, the first turn at start
            elapsed = time.time()
            time.sleep(2)
            turns = len(self.hf_hits) / 2
            self.assertLessEqual(turns, 1 + (time.time() - elapsed + 30) / 1 + 1)
            self.assertEqual(len(self.hf_hits) % 2, 0, self.hf_hits)
            # each day fetched once per turn, not once per process
            dates = [d for d in self.hf_hits]
            for d in set(dates):
                self.assertLessEqual(dates.count(d), turns + 1)
            admin = self.admin()
            status = admin.get("/admin/status").text
            self.assertIn("last success", status)
            self.assertRegex(status, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \d+ papers new or changed")
            self.assertEqual(Client(srv).get("/admin/status").status, 303)  # sign in first
        finally:
            other.stop()

    def test_sync_failure_is_shown(self):
        srv = self.serve("--sync", "hf", "--sync-every", "60", "--sync-hf-endpoint", self.replay.url + "/nothing")
        admin = self.admin()
        deadline = time.time() + 20
        while time.time() < deadline and "HTTP 404" not in admin.get("/admin/status").text:
            time.sleep(0.3)
        self.assertIn("HTTP 404", admin.get("/admin/status").text)


class ThumbnailTest(FeedBase):
    def route(self, path, q, hits):
        if path.startswith("/thumbs-cdn/"):
            return 200, {"Content-Type": "image/png"}, png(1200, 630)
        if path.startswith("/pdf/"):
            self.pdf_hits.append(time.monotonic())
            return 200, {"Content-Type": "application/pdf"}, pdf()
        return super().route(path, q, hits)

    def test_thumbnails_from_the_local_cache(self):
        self.pdf_hits = []
        # two papers of our own: one with a Hugging Face thumbnail, one without
        items = []
        for i, thumb in enumerate([True, False]):
            pid = "2612.%05d" % (i + 1)
            item = {"paper": {"id": pid, "title": "Thumbnail paper %d" % i, "summary": "s",
                              "authors": [{"name": "A"}], "publishedAt": now_iso(1),
                              "submittedOnDailyAt": now_iso(0), "upvotes": 1000 - i},
                    "publishedAt": now_iso(0), "title": "t"}
            if thumb:
                item["thumbnail"] = self.replay.url + "/thumbs-cdn/%s.png" % pid
            items.append(item)
        path = os.path.join(self.tmp, "thumbs.json")
        with open(path, "w") as f:
            json.dump(items, f)
        self.pb("ingest", path)
        cache = os.path.join(self.tmp, "cache")
        self.srv = Server(self.env, self.tmp, "--thumb-dir", cache, "--thumb-pdf-base", self.replay.url + "/pdf/",
                          "--thumb-pdf-delay", "0.2")
        deadline = time.time() + 60
        while time.time() < deadline and not all(
                os.path.exists(os.path.join(cache, "2612.%05d.png" % (i + 1))) for i in range(2)):
            time.sleep(0.2)
        c = Client(self.srv)
        for i, want in ((1, (480, 252)), (2, (480, 621))):
            r = c.get("/thumbs/2612.%05d.png" % i)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("Content-Type"), "image/png")
            self.assertIn("max-age", r.header("Cache-Control"))
            self.assertEqual(png_size(r.body), want)
        home = c.get("/").text
        self.assertIn('src="/thumbs/2612.00001.png"', home)
        env = [i for i in c.get("/api/daily_papers").json() if i["paper"]["id"] == "2612.00001"][0]
        self.assertEqual(env["thumbnail"], self.srv.base + "/thumbs/2612.00001.png")
        self.assertNotIn("http://", re.sub(r'(href|action)="http[^"]*"', "", home).split("<img")[1][:80])
        # a hostile thumbnail: junk instead of a PNG is refused, the server stays up
        self.assertEqual(c.get("/thumbs/..%2Fetc%2Fpasswd").status, 404)
        self.assertEqual(c.get("/healthz").status, 200)


if __name__ == "__main__":
    unittest.main()
