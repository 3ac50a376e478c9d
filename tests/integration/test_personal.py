"""Each reader's own paperboy (issue 14), on the real daily papers: follows
(authors, organizations, Hugging Face users, searches) with a Following page,
its API and a private Atom feed; mutes that take papers out of every list
(or collapse them); "new since your last visit"; collections with notes, an
order and BibTeX/RIS/CSV; a paper's BibTeX; recommendations made in the
background from votes, saves and follows; the digest's "Following" and
"For you" sections; one's data as JSON; deleting one's account."""
import ast
import collections
import concurrent.futures
import glob
import http.client
import json
import os
import re
import subprocess
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from common import BIN, PaperboyTest
from smtpsink import Sink
from web import Client, Server, wait_for

ATOM = "{http://www.w3.org/2005/Atom}"
PASSWORD = "correct horse battery"


def hf_days():
    folder = os.path.join(os.environ.get("PAPERBOY_SHARED_DATA", ""), "hf-daily-papers", "Paper_metadata_download")
    return sorted(glob.glob(os.path.join(folder, "*.json")))


def word_re(w):
    """A whole word, any case, with a plural's -s or -es (as mutes match)."""
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(w) + r"(?:s|es)?(?![A-Za-z0-9])", re.I)


def balanced(s):
    depth = 0
    for ch in s:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


class PersonalTest(PaperboyTest):
    @classmethod
    def setUpClass(cls):
        cls.f = PaperboyTest("run")
        cls.f.setUp()
        f = cls.f
        f.init()
        # the real daily papers, a record of the arXiv snapshot (category,
        # DOI, journal, LaTeX in a name) and a paper of our own whose title
        # holds everything LaTeX treats specially
        cls.papers = {}
        for path in hf_days():
            with open(path) as fh:
                for e in json.load(fh):
                    if isinstance(e, str):  # some days hold Python literals (the ingest reads them too)
                        try:
                            e = ast.literal_eval(e)
                        except ValueError:
                            continue  # with datetime(...) calls: this test does without them
                    cls.papers[e["paper"]["id"]] = e
        snap = os.path.join(f.require_data("arxiv-kaggle-snapshot"), "arxivSpider_mnbvc-wanng-ide",
                            "arxiv-metadata-oai-snapshot.json")
        with open(snap) as fh:
            first = fh.readline()
        recs = os.path.join(f.tmp, "snap.jsonl")
        with open(recs, "w") as fh:
            fh.write(first)
        own = os.path.join(f.tmp, "own.json")
        with open(own, "w") as fh:
            json.dump([{"paper": {
                "id": "2608.99001", "title": "Fast & Cheap: 100% Recall with $\\mathcal{O}(n)$ Memory_Safe #1 {Index}",
                "summary": "An abstract about a {broken brace and ~tilde ^caret.",
                "authors": [{"name": "Zoë O'Brien-Müller"}, {"name": "Jan {Smith"}],
                "publishedAt": "2026-08-20T00:00:00.000Z", "submittedOnDailyAt": "2026-08-21T00:00:00.000Z",
                "upvotes": 3}, "title": "Fast & Cheap", "numComments": 0}], fh)
        f.pb("ingest", os.path.join(f.require_data("hf-daily-papers"), "Paper_metadata_download"), recs, own)
        # a counter spent long ago (an address that asked once, a day ago)
        # and one still counting: the server forgets the first
        now = int(time.time() * 1000)
        f.sql("INSERT INTO limits(key, count, last, blocked_until) VALUES(?, 1, ?, 0)",
              "subscribe.address:spent@lab.example", now - 86400000)
        f.sql("INSERT INTO limits(key, count, last, blocked_until) VALUES(?, 1, ?, 0)",
              "subscribe.address:counting@lab.example", now)
        cls.sink = Sink(os.path.join(f.tmp, "mail")).start()
        cls.srv = Server(f.env, f.tmp, "--thumb-dir", "off", "--smtp", cls.sink.url,
                         "--mail-from", "digest@paperboy.test")
        anon = Client(cls.srv)
        r = anon.get("/api/daily_papers?limit=100")
        cls.latest = max(p["publishedAt"][:10] for p in r.json())
        # the day newest first by arXiv date (the API lists it most upvoted first, as the page)
        cls.day = anon.get("/api/daily_papers?limit=100&sort=publishedAt&date=" + cls.latest).json()
        cls.nusers = 0

    @classmethod
    def tearDownClass(cls):
        rc = cls.srv.stop()
        err = cls.srv.stderr()
        cls.sink.stop()
        cls.f.tearDown()
        # the sanitizers' reports, the recommender's errors
        if rc != 0 or "ERROR: " in err or "recommendations for user" in err:
            raise AssertionError("serve exited %d:\n%s" % (rc, err[-4000:]))

    def setUp(self):
        pass

    def tearDown(self):
        pass

    # ---- helpers ----

    def reader(self, name=None):
        """A new account (its address vouched for), signed in: (client, token)."""
        type(self).nusers += 1
        name = name or "reader%d" % self.nusers
        subprocess.run([BIN, "user", "add", name, "--email", name + "@lab.example"], env=self.f.env, check=True,
                       input=PASSWORD + "\n", text=True, capture_output=True)
        c = Client(self.srv)
        self.assertEqual(c.signin(name).status, 303)
        return c, c.make_token()

    def api(self, tok, method, path, body=None, expect=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=60)
        h = {"Authorization": "Bearer " + tok} if tok else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        raw = r.read()
        conn.close()
        if expect is not None:
            self.assertEqual(r.status, expect, "%s %s: %s" % (method, path, raw[:300]))
        try:
            return r.status, json.loads(raw)
        except ValueError:
            return r.status, raw

    def ids(self, items):
        return [e["paper"]["id"] for e in items]

    def wait_recs(self, tok, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            _, recs = self.api(tok, "GET", "/api/me/recommendations?limit=100", expect=200)
            if recs:
                return recs
            time.sleep(0.3)
        self.fail("no recommendations after %d s: %s" % (timeout, self.srv.stderr()[-2000:]))

    def authors_by_count(self):
        n = collections.Counter()
        for e in self.papers.values():
            for a in e["paper"].get("authors", []):
                n[a["name"]] += 1
        return n

    # ---- following ----

    def test_follow_authors_orgs_users_and_searches(self):
        c, tok = self.reader()
        author, count = self.authors_by_count().most_common(1)[0]
        self.assertGreater(count, 5)
        self.api(tok, "POST", "/api/me/follows", {"kind": "author", "value": author}, expect=201)
        _, follows = self.api(tok, "GET", "/api/me/follows", expect=200)
        self.assertEqual([(f["kind"], f["value"]) for f in follows], [("author", author)])
        _, items = self.api(tok, "GET", "/api/me/following", expect=200)
        self.assertGreaterEqual(len(items), min(count, 20))
        for e in items:
            self.assertIn(author, [a["name"] for a in e["paper"]["authors"]])
            self.assertEqual(e["because"], "author " + author)
        days = [e["publishedAt"] for e in items]
        self.assertEqual(days, sorted(days, reverse=True), "newest first")
        # an organization and a Hugging Face user of the latest day
        org = next(e["paper"]["organization"]["name"] for e in self.day if e["paper"].get("organization"))
        sub = next(e["paper"]["submittedOnDailyBy"]["user"] for e in self.day if e["paper"].get("submittedOnDailyBy"))
        self.assertEqual(c.post("/me/follow", {"kind": "org", "value": org, "back": "/me/following"}).status, 303)
        self.api(tok, "POST", "/api/me/follows", {"kind": "hfuser", "value": sub}, expect=201)
        self.api(tok, "POST", "/api/me/follows", {"kind": "search", "value": '"reinforcement learning"'}, expect=201)
        _, items = self.api(tok, "GET", "/api/me/following", expect=200)
        why = collections.Counter(e["because"].split(" ")[0] for e in items)
        self.assertGreater(why["organization"], 0, why)
        self.assertGreater(why["submitted"], 0, why)
        self.assertGreater(why["search"], 0, why)
        for e in items:
            if e["because"] == "organization " + org:
                self.assertEqual(e["paper"]["organization"]["name"], org)
            if e["because"] == "submitted by " + sub:
                self.assertEqual(e["paper"]["submittedOnDailyBy"]["user"], sub)
        page = c.get("/me/following")
        self.assertEqual(page.status, 200)
        self.assertIn("Stop following", page.text)
        self.assertIn(items[0]["paper"]["title"].replace("&", "&amp;")[:40], page.text)
        # the paper page offers to follow its authors, and knows whom one follows
        pid = items[0]["paper"]["id"]
        pp = c.get("/papers/" + pid).text
        self.assertIn('aria-label="Stop following %s"' % author, pp) if author in [
            a["name"] for a in items[0]["paper"]["authors"]] else None
        self.assertIn('aria-label="Follow ', pp)
        # unfollow: gone from the list
        q = urllib.parse.urlencode({"kind": "author", "value": author})
        self.api(tok, "DELETE", "/api/me/follows?" + q, expect=200)
        _, items = self.api(tok, "GET", "/api/me/following", expect=200)
        self.assertFalse([e for e in items if e["because"] == "author " + author])
        # what the API refuses
        self.api(tok, "POST", "/api/me/follows", {"kind": "planet", "value": "Mars"}, expect=400)
        self.api(tok, "POST", "/api/me/follows", {"kind": "author", "value": "x" * 300}, expect=400)
        self.api(tok, "POST", "/api/me/follows", {"kind": "author"}, expect=400)
        self.api(None, "GET", "/api/me/follows", expect=401)
        self.assertEqual(c.post("/me/follow", {"kind": "author", "value": "A"}, csrf=False).status, 403)

    def test_private_feed(self):
        c, tok = self.reader()
        author = self.authors_by_count().most_common(2)[1][0]
        self.api(tok, "POST", "/api/me/follows", {"kind": "author", "value": author}, expect=201)
        r = c.post("/me/feed", {})
        self.assertEqual(r.status, 200)
        self.assertIn("no-store", r.header("Cache-Control"))
        path = urllib.parse.urlparse(re.search(r'<code class="token feed-url">([^<]+)</code>', r.text).group(1)).path
        feed = Client(self.srv).get(path)  # no cookies: the secret is the key
        self.assertEqual(feed.status, 200)
        root = ET.fromstring(feed.body)
        entries = root.findall(ATOM + "entry")
        self.assertGreater(len(entries), 3)
        _, items = self.api(tok, "GET", "/api/me/following", expect=200)
        self.assertEqual([e.find(ATOM + "title").text for e in entries][:5], [e["paper"]["title"] for e in items][:5])
        # a new address revokes the old; the API makes one too; off is off
        r = c.post("/me/feed", {})
        path2 = urllib.parse.urlparse(re.search(r'feed-url">([^<]+)<', r.text).group(1)).path
        self.assertNotEqual(path, path2)
        self.assertEqual(Client(self.srv).get(path).status, 404)
        self.assertEqual(Client(self.srv).get(path2).status, 200)
        _, j = self.api(tok, "POST", "/api/me/feed", expect=201)
        path3 = urllib.parse.urlparse(j["url"]).path
        self.assertEqual(Client(self.srv).get(path2).status, 404)
        self.assertEqual(Client(self.srv).get(path3).status, 200)
        self.api(tok, "DELETE", "/api/me/feed", expect=200)
        self.assertEqual(Client(self.srv).get(path3).status, 404)
        self.assertEqual(Client(self.srv).get("/feeds/following/not-a-token.atom").status, 404)

    # ---- muting ----

    def pick_word(self, entries):
        """A word in some, not all, of these papers."""
        n = collections.Counter()
        for e in entries:
            text = e["paper"]["title"] + " " + e["paper"].get("summary", "")
            for w in set(re.findall(r"[A-Za-z]{6,}", e["paper"]["title"])):
                n[w.lower()] += 1
        for w, k in n.most_common():
            hits = [e for e in entries
                    if word_re(w).search(e["paper"]["title"] + " " + e["paper"].get("summary", ""))]
            if 1 <= len(hits) < len(entries) - 2:
                return w, {e["paper"]["id"] for e in hits}
        self.fail("no word to mute")

    def test_mutes_leave_every_list_or_collapse(self):
        c, tok = self.reader()
        word, muted = self.pick_word(self.day)
        self.api(tok, "POST", "/api/me/mutes", {"kind": "word", "value": word}, expect=201)
        # the day, in the API and on the page
        path = "/api/daily_papers?limit=100&date=" + self.latest
        _, mine = self.api(tok, "GET", path, expect=200)
        self.assertFalse(muted & set(self.ids(mine)), word)
        self.assertEqual(len(mine), len(self.day) - len(muted))
        _, shown = self.api(tok, "GET", path + "&muted=show", expect=200)
        why = {e["paper"]["id"]: e.get("muted") for e in shown}
        for pid in muted:
            self.assertEqual(why[pid], 'word "%s"' % word)
        page = c.get("/papers/date/" + self.latest).text
        for pid in muted:
            self.assertNotIn('data-paper="%s"' % pid, page)
        anon = Client(self.srv).get("/papers/date/" + self.latest).text
        for pid in muted:
            self.assertIn('data-paper="%s"' % pid, anon)
        # the week, the month, trending and search
        week = time.strftime("%G-W%V", time.strptime(self.latest, "%Y-%m-%d"))
        seen = 0
        for page_path in ("/papers/week/" + week, "/papers/month/" + self.latest[:7], "/papers/trending"):
            mine_page, anon_page = c.get(page_path).text, Client(self.srv).get(page_path).text
            seen += sum('data-paper="%s"' % pid in anon_page for pid in muted)
            for pid in muted:
                self.assertNotIn('data-paper="%s"' % pid, mine_page, page_path)
        self.assertGreater(seen, 0, "the muted papers are on these pages for others")
        _, found = self.api(tok, "GET", "/api/papers/search?" + urllib.parse.urlencode({"q": word, "limit": 50}),
                            expect=200)
        _, found_anon = self.api(None, "GET", "/api/papers/search?" + urllib.parse.urlencode({"q": word, "limit": 50}),
                                 expect=200)
        self.assertGreater(len(found_anon), 3)
        self.assertLess(len(found), len(found_anon))
        for e in found:
            self.assertFalse(word_re(word).search(e["paper"]["title"] + " " + e["paper"]["summary"]), e["paper"]["title"])
        sp = c.get("/search?" + urllib.parse.urlencode({"q": word})).text
        for pid in muted:
            self.assertNotIn('data-paper="%s"' % pid, sp)
        # collapsed, with the reason, when the reader prefers
        self.assertEqual(c.post("/me/prefs", {"mute_collapse": "1"}).status, 303)
        page = c.get("/papers/date/" + self.latest).text
        self.assertEqual(page.count('Muted (word &quot;%s&quot;)' % word), len(muted))
        for pid in muted:
            self.assertNotIn('data-paper="%s"' % pid, page)
            self.assertIn('href="/papers/%s"' % pid, page)
        # unmute: back
        self.api(tok, "DELETE", "/api/me/mutes?" + urllib.parse.urlencode({"kind": "word", "value": word}), expect=200)
        _, mine = self.api(tok, "GET", path, expect=200)
        self.assertEqual(len(mine), len(self.day))

    def test_mute_author_leaves_similar_papers(self):
        c, tok = self.reader()
        pid = self.day[0]["paper"]["id"]
        anon = Client(self.srv).get("/papers/" + pid).text
        aside = anon[anon.index('class="similar"'):]
        similar = re.findall(r'<li><a href="/papers/([^"]+)">', aside)
        self.assertTrue(similar)
        victim = similar[0]
        author = self.api(None, "GET", "/api/papers/" + victim, expect=200)[1]["authors"][0]["name"]
        # the paper page offers the mute (and follows its submitter)
        page = c.get("/papers/" + victim).text
        self.assertIn('aria-label="Mute author %s"' % author.replace("'", "&#39;"), page)
        sub = self.api(None, "GET", "/api/papers/" + victim, expect=200)[1].get("submittedOnDailyBy")
        if sub:
            self.assertIn('aria-label="Follow %s"' % sub["user"], page)
        self.assertEqual(c.post("/me/mute", {"kind": "author", "value": author}).status, 303)
        mine = c.get("/papers/" + pid).text
        aside = mine[mine.index('class="similar"'):]
        self.assertNotIn('href="/papers/%s"' % victim, aside)
        self.assertEqual(len(re.findall(r'<li><a href="/papers/', aside)), min(6, len(similar)))
        # an organization can be muted too
        org = next(e["paper"]["organization"]["name"] for e in self.day if e["paper"].get("organization"))
        self.api(tok, "POST", "/api/me/mutes", {"kind": "org", "value": org}, expect=201)
        _, mine = self.api(tok, "GET", "/api/daily_papers?limit=100&date=" + self.latest, expect=200)
        self.assertFalse([e for e in mine if (e["paper"].get("organization") or {}).get("name") == org])

    # ---- new since the last visit ----

    def test_new_since_last_visit_and_mark_read(self):
        c, tok = self.reader()
        # a new account: nothing of the past is new
        page = c.get("/papers/date/" + self.latest).text
        self.assertNotIn('class="card new"', page)
        # last visit: the day before the latest
        prev = time.strftime("%Y-%m-%dT12:00:00Z", time.gmtime(time.mktime(time.strptime(self.latest, "%Y-%m-%d")) - 86400))
        _, prefs = self.api(tok, "PUT", "/api/me/prefs", {"readMark": prev}, expect=200)
        self.assertTrue(prefs["readMark"].startswith(prev[:13]))
        page = c.get("/papers/date/" + self.latest).text
        cards = page.count('<article class="card')
        self.assertGreater(cards, 3)
        self.assertEqual(page.count('<article class="card new"'), cards)
        self.assertIn("%d new" % cards, page)
        self.assertIn("Mark all as read", page)
        _, items = self.api(tok, "GET", "/api/daily_papers?limit=100&date=" + self.latest, expect=200)
        self.assertTrue(all(e.get("isNew") for e in items))
        older = c.get("/papers/week/%s" % time.strftime("%G-W%V", time.strptime(prev[:10], "%Y-%m-%d"))).text
        self.assertIn('<article class="card new"', older)
        self.assertIn('<article class="card"', older, "the week before the mark is not new")
        # mark all as read
        r = c.post("/me/read", {"back": "/papers/date/" + self.latest})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/papers/date/" + self.latest)
        page = c.get("/papers/date/" + self.latest).text
        self.assertNotIn('class="card new"', page)
        _, items = self.api(tok, "GET", "/api/daily_papers?limit=100&date=" + self.latest, expect=200)
        self.assertFalse(any(e.get("isNew") for e in items))
        self.api(tok, "PUT", "/api/me/prefs", {"readMark": "yesterday"}, expect=400)

    def test_skip_link_comes_first(self):
        page = Client(self.srv).get("/papers/date/" + self.latest).text
        first = re.search(r"<a [^>]*href=\"([^\"]+)\"", page[page.index("<body"):])
        self.assertEqual(first.group(1), "#papers")
        self.assertIn('id="papers"', page)

    # ---- collections ----

    def test_collections_notes_order_visibility_and_exports(self):
        c, tok = self.reader()
        ids = self.ids(self.day)[:4]
        _, coll = self.api(tok, "POST", "/api/me/collections", {"name": "Reading group", "public": False}, expect=201)
        cid = coll["id"]
        for i, pid in enumerate(ids[:3]):
            self.api(tok, "POST", "/api/collections/%d/items" % cid, {"paper": pid, "note": "note %d, =1+1" % i},
                     expect=201)
        # the fourth from the page's form, with a note
        r = c.post("/c/%d" % cid, {"action": "add", "paper": ids[3], "note": "from the form"})
        self.assertEqual(r.status, 303)
        _, got = self.api(tok, "GET", "/api/collections/%d" % cid, expect=200)
        self.assertEqual(self.ids(got["items"]), ids)
        self.assertEqual(got["items"][0]["note"], "note 0, =1+1")
        self.assertEqual(got["papers"], 4)
        # order: the last to the top (API), then the second down (form)
        self.api(tok, "POST", "/api/collections/%d/items" % cid, {"paper": ids[3], "position": 0}, expect=201)
        self.assertEqual(c.post("/c/%d" % cid, {"action": "move", "paper": ids[0], "to": "2"}).status, 303)
        _, got = self.api(tok, "GET", "/api/collections/%d" % cid, expect=200)
        self.assertEqual(self.ids(got["items"]), [ids[3], ids[1], ids[0], ids[2]])
        self.assertEqual(got["items"][3]["note"], "note 2, =1+1", "a move keeps the note")
        # a place past the cap: refused by the form as by the API (the form took any up to 100000)
        self.api(tok, "POST", "/api/collections/%d/items" % cid, {"paper": ids[0], "position": 2001}, expect=400)
        self.assertEqual(c.post("/c/%d" % cid, {"action": "move", "paper": ids[0], "to": "2001"}).status, 400)
        # private: nobody else sees it
        other, otok = self.reader()
        self.assertEqual(other.get("/c/%d" % cid).status, 404)
        self.assertEqual(Client(self.srv).get("/c/%d/export?format=bib" % cid).status, 404)
        self.api(otok, "GET", "/api/collections/%d" % cid, expect=404)
        self.api(otok, "POST", "/api/collections/%d/items" % cid, {"paper": ids[0]}, expect=404)
        self.assertEqual(other.post("/c/%d" % cid, {"action": "delete"}).status, 404)
        # public: everyone; listed on the profile
        _, got = self.api(tok, "PATCH", "/api/collections/%d" % cid, {"public": True, "name": "Reading group 2026"},
                          expect=200)
        self.assertTrue(got["public"])
        self.assertEqual(other.get("/c/%d" % cid).status, 200)
        name = re.search(r'href="/u/([^"/]+)"', c.get("/c/%d" % cid).text).group(1)
        self.assertIn("Reading group 2026", Client(self.srv).get("/u/%s/collections" % name).text)
        # exports
        bib = Client(self.srv).get("/c/%d/export?format=bib" % cid)
        self.assertEqual(bib.status, 200)
        self.assertTrue(bib.header("Content-Type").startswith("application/x-bibtex"))
        self.assertEqual(len(re.findall(r"^@(misc|article)\{", bib.text, re.M)), 4)
        self.assertEqual(re.findall(r"eprint = \{([^}]+)\}", bib.text), [ids[3], ids[1], ids[0], ids[2]])
        self.assertIn("annote = {note 0, =1+1}", bib.text)
        self.assertTrue(balanced(bib.text))
        ris = Client(self.srv).get("/c/%d/export?format=ris" % cid).text
        self.assertEqual(ris.count("TY  - "), 4)
        self.assertEqual(ris.count("ER  - "), 4)
        self.assertIn("N1  - from the form", ris)
        self.assertIn("AN  - arXiv:%s" % ids[1], ris)
        csv = Client(self.srv).get("/c/%d/export?format=csv" % cid).text
        import csv as csvmod
        rows = list(csvmod.reader(csv.splitlines()))
        self.assertEqual(rows[0], ["id", "title", "authors", "published", "url", "note"])
        self.assertEqual([r[0] for r in rows[1:]], [ids[3], ids[1], ids[0], ids[2]])
        self.assertEqual(Client(self.srv).get("/c/%d/export?format=docx" % cid).status, 400)
        self.assertEqual(len(self.api(None, "GET", "/api/collections/%d/export?format=csv" % cid)[1].splitlines()), 5)
        # a note a spreadsheet would run is text
        self.api(tok, "POST", "/api/collections/%d/items" % cid, {"paper": ids[2], "note": "=HYPERLINK(\"x\")"},
                 expect=201)
        rows = list(csvmod.reader(Client(self.srv).get("/c/%d/export?format=csv" % cid).text.splitlines()))
        self.assertEqual(rows[4][5], "'=HYPERLINK(\"x\")")
        # removing, limits, names
        self.api(tok, "DELETE", "/api/collections/%d/items?paper=%s" % (cid, ids[1]), expect=200)
        self.api(tok, "DELETE", "/api/collections/%d/items?paper=%s" % (cid, ids[1]), expect=404)
        self.api(tok, "POST", "/api/collections/%d/items" % cid, {"paper": ids[1], "note": "x" * 2001}, expect=400)
        self.api(tok, "POST", "/api/collections/%d/items" % cid, {"paper": "2601.99999"}, expect=404)
        self.api(tok, "POST", "/api/me/collections", {"name": "READING GROUP 2026"}, expect=409)
        self.api(tok, "POST", "/api/me/collections", {"name": ""}, expect=400)
        _, mine = self.api(tok, "GET", "/api/me/collections", expect=200)
        self.assertEqual([m["name"] for m in mine], ["Reading group 2026"])
        # save from a card: into "Saved"
        r = c.post("/me/save", {"paper": ids[0]}, headers={"Accept": "application/json"})
        self.assertEqual(r.status, 200)
        saved = r.json()["collection"]
        _, got = self.api(tok, "GET", "/api/collections/%d" % saved, expect=200)
        self.assertEqual((got["name"], self.ids(got["items"]), got["public"]), ("Saved", [ids[0]], False))
        # delete
        self.api(tok, "DELETE", "/api/collections/%d" % cid, expect=200)
        self.assertEqual(other.get("/c/%d" % cid).status, 404)

    def test_collection_page_and_paper_page_forms(self):
        c, tok = self.reader()
        pid = self.ids(self.day)[0]
        r = c.post("/me/collections", {"name": "To read", "public": "1", "paper": pid, "note": "<b>look</b>"})
        self.assertEqual(r.status, 303)
        page = c.get(r.header("Location")).text
        self.assertIn("&lt;b&gt;look&lt;/b&gt;", page)
        self.assertNotIn("<b>look</b>", page)
        self.assertIn('data-paper="%s"' % pid, page)
        pp = c.get("/papers/" + pid).text
        self.assertIn('action="/me/save"', pp)
        self.assertIn("Remove from To read", pp, "the paper page knows where the paper is")
        other = self.ids(self.day)[1]
        self.assertIn("Add to To read", c.get("/papers/" + other).text)
        # saved from a card: the card says so, and takes it out again
        self.assertEqual(c.post("/me/save", {"paper": other}, headers={"Referer": self.srv.base + "/papers/date/" + self.latest}).header("Location"),
                         "/papers/date/" + self.latest)
        day = c.get("/papers/date/" + self.latest).text
        card = day[day.index('data-paper="%s"' % other):]
        card = card[:card.index("</article>")]
        self.assertIn("Saved ✓", card)
        cid = re.search(r'action="/c/(\d+)" class="inline unsave"', card).group(1)
        self.assertEqual(c.post("/c/" + cid, {"action": "remove", "paper": other}).status, 303)
        day = c.get("/papers/date/" + self.latest).text
        card = day[day.index('data-paper="%s"' % other):]
        self.assertIn('class="inline save"', card[:card.index("</article>")])

    # ---- citations ----

    def test_bibtex_of_a_paper(self):
        r = Client(self.srv).get("/papers/0704.0001.bib")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("application/x-bibtex"))
        b = r.text
        self.assertTrue(b.startswith("@article{"), b)
        for field in ("eprint = {0704.0001}", "archivePrefix = {arXiv}", "primaryClass = {hep-ph}",
                      "doi = {10.1103/PhysRevD.76.013009}", "journal = {Phys.Rev.D76:013009,2007}",
                      "year = {2007}", "month = apr"):
            self.assertIn(field, b)
        self.assertIn("author = {C. Balázs and E. L. Berger", b)
        self.assertIn("@article{Balazs2007calculation,", b)
        self.assertTrue(balanced(b))
        own = Client(self.srv).get("/papers/2608.99001.bib").text
        self.assertTrue(own.startswith("@misc{"), own)
        self.assertIn("Fast \\& Cheap: 100\\% Recall with $\\mathcal{O}(n)$ Memory\\_Safe \\#1 {Index}", own)
        self.assertIn("author = {Zoë O'Brien-Müller and Jan \\textbraceleft{}Smith}", own)
        self.assertNotIn("primaryClass", own)
        self.assertTrue(balanced(own), own)
        # the Cite button on the paper page: the same entry, escaped for HTML
        page = Client(self.srv).get("/papers/2608.99001").text
        self.assertIn('href="/papers/2608.99001.bib"', page)
        self.assertIn("Fast \\&amp; Cheap", page)
        self.assertEqual(Client(self.srv).get("/papers/2601.99999.bib").status, 404)

    # ---- recommendations ----

    def test_recommendations_from_votes_are_on_topic(self):
        c, tok = self.reader()
        # the candidates: the last 30 days of the feed
        last = time.mktime(time.strptime(self.latest, "%Y-%m-%d"))
        pool = [e for e in self.papers.values()
                if e["paper"].get("submittedOnDailyAt")
                and last - 30 * 86400 <= time.mktime(time.strptime(e["paper"]["submittedOnDailyAt"][:10], "%Y-%m-%d")) <= last]
        topic = word_re("agent")
        on = [e for e in pool if topic.search(e["paper"]["title"])]
        self.assertGreater(len(on), 10)
        liked = [e["paper"]["id"] for e in on[:6]]
        for pid in liked:
            self.api(tok, "POST", "/api/papers/%s/upvote" % pid, expect=200)
        recs = self.wait_recs(tok)
        got = self.ids(recs)
        self.assertFalse(set(got) & set(liked), "what one upvoted is not recommended")
        def share(items):
            return sum(bool(topic.search(e["paper"]["title"] + " " + e["paper"]["summary"])) for e in items) / len(items)
        base = share([{"paper": {"title": e["paper"]["title"], "summary": e["paper"].get("summary", "")}} for e in pool])
        top = share(recs[:10])
        self.assertGreaterEqual(top, min(1.0, 1.8 * base), "top 10 on topic %.2f, the pool %.2f" % (top, base))
        page = c.get("/me/for-you").text
        self.assertIn('data-paper="%s"' % got[0], page)

    def test_follows_alone_are_enough(self):
        c, tok = self.reader()
        author = self.day[0]["paper"]["authors"][0]["name"]
        self.api(tok, "POST", "/api/me/follows", {"kind": "author", "value": author}, expect=201)
        recs = self.wait_recs(tok)
        self.assertGreater(len(recs), 10)
        # what one follows comes first
        self.assertIn(author, [a["name"] for a in recs[0]["paper"]["authors"]])

    # ---- the digest ----

    def test_digest_has_following_and_for_you(self):
        name = "digester"
        c, tok = self.reader(name)
        day_ids = self.ids(self.day)
        followed = self.day[1]["paper"]
        author = followed["authors"][0]["name"]
        self.api(tok, "POST", "/api/me/follows", {"kind": "author", "value": author}, expect=201)
        for e in self.day[2:4]:
            self.api(tok, "POST", "/api/papers/%s/upvote" % e["paper"]["id"], expect=200)
        word, muted = self.pick_word(self.day[4:])
        self.api(tok, "POST", "/api/me/mutes", {"kind": "word", "value": word}, expect=201)
        recs = self.ids(self.wait_recs(tok))
        r = c.post("/subscribe", {"email": name + "@lab.example", "period": "daily"})
        self.assertEqual(r.status, 200)
        self.assertIn("Subscribed", r.text)
        self.f.pb("digest", "--smtp", self.sink.url, "--mail-from", "digest@paperboy.test", "--base-url", self.srv.base,
                  "--to", name + "@lab.example")
        msgs = [m for m in self.sink.messages() if name + "@lab.example" in m["To"]]
        self.assertEqual(len(msgs), 1)
        text = msgs[0].get_body(preferencelist=("plain",)).get_content()
        sections = {}
        for head, body in re.findall(r"== (.+?) ==\r?\n(.*?)(?=\r?\n== |\r?\n--\r?\n)", text, re.S):
            sections[head] = re.findall(r"/papers/([0-9.]+)", body)
        self.assertEqual(list(sections)[:3], ["Following", "For you", "Trending"], text[:500])
        self.assertIn(followed["id"], sections["Following"])
        want = [p for p in recs if p in day_ids and p not in sections["Following"]][:5]
        self.assertEqual(sections["For you"], want)
        everything = [p for ids in sections.values() for p in ids]
        self.assertFalse(set(everything) & muted, "muted papers stay out of the digest")
        self.assertEqual(len(everything), len(set(everything)), "no paper twice")

    # ---- your data ----

    def test_export_everything_then_delete_the_account(self):
        name = "leaving"
        c, tok = self.reader(name)
        pid, pid2 = self.ids(self.day)[:2]
        before = self.api(None, "GET", "/api/papers/" + pid)[1]["upvotes"]
        self.api(tok, "POST", "/api/papers/%s/upvote" % pid, expect=200)
        self.assertEqual(self.api(None, "GET", "/api/papers/" + pid)[1]["upvotes"], before + 1)
        _, cm = self.api(tok, "POST", "/api/papers/%s/comment" % pid, {"comment": "my words qzx"}, expect=201)
        other, otok = self.reader()
        self.api(otok, "POST", "/api/papers/%s/comment" % pid,
                 {"comment": "a reply", "parentId": cm["comment"]["number"]}, expect=201)
        self.api(tok, "POST", "/api/me/follows", {"kind": "author", "value": "Yann LeCun"}, expect=201)
        self.api(tok, "POST", "/api/me/mutes", {"kind": "word", "value": "blockchain"}, expect=201)
        _, coll = self.api(tok, "POST", "/api/me/collections", {"name": "Mine", "public": True}, expect=201)
        self.api(tok, "POST", "/api/collections/%d/items" % coll["id"], {"paper": pid2, "note": "n"}, expect=201)
        self.assertEqual(c.post("/subscribe", {"email": name + "@lab.example", "period": "weekly",
                                               "topics": "robotics"}).status, 200)
        _, ex = self.api(tok, "GET", "/api/me/export", expect=200)
        self.assertEqual(ex["profile"]["name"], name)
        self.assertEqual(ex["votes"], [pid])
        self.assertEqual([x["body"] for x in ex["comments"]], ["my words qzx"])
        self.assertEqual([(x["name"], [i["paper"] for i in x["items"]], x["items"][0]["note"]) for x in ex["collections"]],
                         [("Mine", [pid2], "n")])
        self.assertEqual(ex["follows"][0]["value"], "Yann LeCun")
        self.assertEqual(ex["mutes"][0]["value"], "blockchain")
        self.assertEqual((ex["subscriptions"][0]["period"], ex["subscriptions"][0]["topics"]), ("weekly", "robotics"))
        self.assertEqual([t["label"] for t in ex["tokens"]], ["script"])
        raw = json.dumps(ex)
        self.assertNotIn(tok, raw)
        self.assertNotIn("argon2", raw)
        page = c.get("/me/export")
        self.assertEqual(page.json()["votes"], [pid])
        self.assertIn("attachment", page.header("Content-Disposition") or "")
        # deleting: the password, or nothing happens
        self.assertEqual(c.post("/me/delete", {"password": "not the password"}).status, 401)  # the form again, with the reason
        self.api(tok, "DELETE", "/api/me", {"password": "nope"}, expect=403)
        self.api(tok, "GET", "/api/me/follows", expect=200)
        r = c.post("/me/delete", {"password": PASSWORD})
        self.assertEqual(r.status, 303)
        self.assertEqual(Client(self.srv).signin(name).status, 401)
        self.api(tok, "GET", "/api/me/follows", expect=401)
        self.assertEqual(self.api(None, "GET", "/api/papers/" + pid)[1]["upvotes"], before, "its vote left the count")
        self.assertEqual(Client(self.srv).get("/c/%d" % coll["id"]).status, 404)
        page = Client(self.srv).get("/papers/" + pid).text
        self.assertNotIn("my words", page)
        self.assertIn("[deleted]", page)
        self.assertIn("a reply", page, "the replies of others stay")
        self.assertEqual(self.f.sql("SELECT count(*) FROM subscriptions WHERE lower(email) = ?", name + "@lab.example")[0][0], 0)
        self.assertEqual(Client(self.srv).get("/u/" + name).status, 404)
        if self.f.backend == "sqlite":
            # nor can it be read back from the file or its write-ahead log:
            # SQLite left freed space as it was, and the pages before the
            # deletion in the log (the address and the comment were there)
            for path in (self.f.db, self.f.db + "-wal"):
                if os.path.exists(path):
                    with open(path, "rb") as fh:
                        data = fh.read()
                    for gone in (b"leaving@lab.example", b"my words qzx"):
                        self.assertFalse(gone in data, "%s holds %r" % (path, gone))
        # the same through the API
        _, t2 = self.reader("leaving2")
        self.api(t2, "DELETE", "/api/me", {"password": PASSWORD}, expect=200)
        self.api(t2, "GET", "/api/me/follows", expect=401)

    def test_spent_limits_are_forgotten(self):
        """The limits' counters were never pruned: every address and name
        that ever asked stayed in the store (found reviewing the account
        deletion: a deleted account's address stayed as a key)."""
        keys = lambda: {k for (k,) in self.f.sql("SELECT key FROM limits WHERE key LIKE ?", "subscribe.address:%")}
        wait_for(lambda: "subscribe.address:spent@lab.example" not in keys(), 20, what="the spent counter forgotten")
        self.assertIn("subscribe.address:counting@lab.example", keys())

    def test_who_am_i(self):
        """GET /api/me (and Hugging Face's /api/whoami-v2) says whose the
        token or session is; it answered 405 (found walking the site)."""
        c, tok = self.reader("whoami1")
        st, me = self.api(tok, "GET", "/api/me", expect=200)
        self.assertEqual((me["type"], me["name"], me["email"], me["emailVerified"], me["isAdmin"]),
                         ("user", "whoami1", "whoami1@lab.example", True, False))
        self.assertEqual(me["auth"]["type"], "access_token")
        self.assertEqual(self.api(tok, "GET", "/api/whoami-v2", expect=200)[1]["id"], me["id"])
        r = c.get("/api/me")
        self.assertEqual(r.status, 200)
        self.assertEqual((r.json()["name"], r.json()["auth"]["type"]), ("whoami1", "session"))
        self.assertIn("no-store", r.header("Cache-Control"))
        self.assertEqual(self.api(None, "GET", "/api/me")[0], 401)
        self.assertEqual(self.api("pb_not_a_token", "GET", "/api/whoami-v2")[0], 401)

    def test_limits(self):
        c, tok = self.reader()
        for i in range(500):
            self.api(tok, "POST", "/api/me/mutes", {"kind": "word", "value": "w%d" % i}, expect=201)
        self.api(tok, "POST", "/api/me/mutes", {"kind": "word", "value": "one more"}, expect=409)
        self.assertEqual(c.post("/me/mute", {"kind": "word", "value": "one more"}).status, 409)
        self.api(tok, "DELETE", "/api/me/mutes?kind=word&value=w1", expect=200)
        self.api(tok, "POST", "/api/me/mutes", {"kind": "word", "value": "one more"}, expect=201)

    def test_caps_hold_when_requests_race(self):
        """A reader's caps (500 follows, 500 mutes, 100 collections, 2000
        papers in one) hold when the requests that reach them come at once:
        on the old server each route counted, then added, so requests that
        counted before any of them added all went through (on PostgreSQL,
        501 follows)."""
        c, tok = self.reader()
        uid = self.f.sql("SELECT id FROM users WHERE name = ?", "reader%d" % self.nusers)[0][0]

        def insert(table, cols, rows):  # one statement: a connection each is slow on PostgreSQL
            one = "(%s)" % ", ".join("?" * len(cols))
            self.f.sql("INSERT INTO %s(%s) VALUES %s" % (table, ", ".join(cols), ", ".join([one] * len(rows))),
                       *[v for r in rows for v in r])

        pair = ("user_id", "kind", "value", "created")
        insert("follows", pair, [(uid, "search", "race %d" % i, i + 1) for i in range(490)])
        insert("mutes", pair, [(uid, "word", "race%d" % i, i + 1) for i in range(490)])
        insert("collections", ("user_id", "name", "public", "created", "updated"),
               [(uid, "race %d" % i, 0, i + 1, i + 1) for i in range(95)])
        _, coll = self.api(tok, "POST", "/api/me/collections", {"name": "full soon"}, expect=201)
        insert("collection_items", ("collection_id", "paper", "note", "position", "added"),
               [(coll["id"], "2999.%05d" % i, "", i, i + 1) for i in range(1990)])
        papers = sorted(self.papers)[:24]

        def race(calls):
            with concurrent.futures.ThreadPoolExecutor(len(calls)) as ex:
                return [fu.result() for fu in [ex.submit(fn) for fn in calls]]

        def api(method, path, body):
            return lambda: self.api(tok, method, path, body)[0]

        def form(path, fields):
            def post():
                b = Client(self.srv)
                b.cookies = dict(c.cookies)
                return b.post(path, fields).status
            return post

        follows = race([api("POST", "/api/me/follows", {"kind": "search", "value": "more %d" % i}) for i in range(12)] +
                       [form("/me/follow", {"kind": "search", "value": "form %d" % i}) for i in range(12)])
        mutes = race([api("POST", "/api/me/mutes", {"kind": "word", "value": "more%d" % i}) for i in range(24)])
        colls = race([api("POST", "/api/me/collections", {"name": "more %d" % i}) for i in range(12)] +
                     [form("/me/collections", {"name": "form %d" % i}) for i in range(12)])
        items = race([api("POST", "/api/collections/%d/items" % coll["id"], {"paper": p}) for p in papers])
        n = lambda sql: self.f.sql(sql, uid)[0][0]
        self.assertEqual(n("SELECT count(*) FROM follows WHERE user_id = ?"), 500, follows)
        self.assertEqual(n("SELECT count(*) FROM mutes WHERE user_id = ?"), 500, mutes)
        self.assertEqual(n("SELECT count(*) FROM collections WHERE user_id = ?"), 100, colls)
        self.assertEqual(tuple(self.f.sql("SELECT count(*), count(DISTINCT position) FROM collection_items "
                                          "WHERE collection_id = ?", coll["id"])[0]), (2000, 2000), items)
        # as many went through as there was room for; the others were told (409)
        self.assertEqual(sorted(follows), [201] * follows.count(201) + [303] * (10 - follows.count(201)) + [409] * 14)
        self.assertEqual(sorted(mutes), [201] * 10 + [409] * 14)
        self.assertEqual(sorted(colls), [201] * colls.count(201) + [303] * (4 - colls.count(201)) + [409] * 20)
        self.assertEqual(sorted(items), [201] * 10 + [409] * 14)

    def test_a_collection_changed_at_once_keeps_each_change(self):
        """A rename and a change of who sees a collection, sent at once
        (page and API): both stay made. Each request wrote back the whole
        collection as it had read it, so one undid the other."""
        c, tok = self.reader()
        _, coll = self.api(tok, "POST", "/api/me/collections", {"name": "reading"}, expect=201)
        path = "/api/collections/%d" % coll["id"]

        def race(calls):
            with concurrent.futures.ThreadPoolExecutor(len(calls)) as ex:
                return [fu.result() for fu in [ex.submit(fn) for fn in calls]]

        def rename_form(name):
            def post():
                b = Client(self.srv)
                b.cookies = dict(c.cookies)
                return b.post("/c/%d" % coll["id"], {"action": "rename", "name": name}).status
            return post

        for rnd in range(6):
            public = rnd % 2 == 0
            self.api(tok, "PATCH", path, {"name": "start %d" % rnd, "public": not public}, expect=200)
            calls = [rename_form("round %d" % rnd) if k % 2 else
                     (lambda: self.api(tok, "PATCH", path, {"name": "round %d" % rnd})[0]) for k in range(6)]
            calls += [lambda: self.api(tok, "PATCH", path, {"public": public})[0]] * 4
            self.assertEqual(sorted(race(calls)), [200] * 7 + [303] * 3)
            _, got = self.api(tok, "GET", path, expect=200)
            self.assertEqual((got["name"], got["public"]), ("round %d" % rnd, public), "round %d" % rnd)

    def test_preferences_changed_at_once_keep_each_change(self):
        """Turning the private feed off while "mark all as read" (page and
        API) and the muted papers' setting are sent from other tabs: every
        change stays made. On the old server each route wrote the whole row
        as its request had read it, so a mark read before the feed went off
        turned the (perhaps leaked) address back on, and the feed's change
        undid the read mark."""
        c, tok = self.reader()

        def race(calls):
            with concurrent.futures.ThreadPoolExecutor(len(calls)) as ex:
                return [fu.result() for fu in [ex.submit(fn) for fn in calls]]

        def read_form():
            b = Client(self.srv)
            b.cookies = dict(c.cookies)
            return b.post("/me/read", {"back": "/"}).status

        def api(method, path, body=None):
            return lambda: self.api(tok, method, path, body)[0]

        for rnd in range(6):
            _, j = self.api(tok, "POST", "/api/me/feed", expect=201)
            path = urllib.parse.urlparse(j["url"]).path
            self.api(tok, "PUT", "/api/me/prefs", {"readMark": None, "muteCollapse": False}, expect=200)
            calls = [read_form if k % 2 else api("PUT", "/api/me/prefs", {"readMark": "now"}) for k in range(8)]
            calls.insert(4, api("DELETE", "/api/me/feed"))
            calls.insert(2, api("PUT", "/api/me/prefs", {"muteCollapse": True}))
            self.assertEqual(sorted(race(calls)), [200] * 6 + [303] * 4)
            self.assertEqual(Client(self.srv).get(path).status, 404, "round %d: the feed is on again" % rnd)
            _, prefs = self.api(tok, "GET", "/api/me/prefs", expect=200)
            self.assertIsNotNone(prefs["readMark"], "round %d: the read mark was undone" % rnd)
            self.assertTrue(prefs["muteCollapse"], "round %d: the muted papers' setting was undone" % rnd)

if __name__ == "__main__":
    unittest.main()
