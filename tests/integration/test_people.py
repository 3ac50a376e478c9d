"""Issue 20, item 1: every "submitted by" link and every organization on a
card leads to a page (Hugging Face submitters are not accounts here), and
the API filters by organization as it does by submitter."""
import json
import os
import re
import unittest

from common import PaperboyTest
from web import Client, Server

DAYS = ["2026-08-19", "2026-08-20", "2026-08-21"]


class PeopleTest(PaperboyTest):
    @classmethod
    def setUpClass(cls):
        cls.fixture = PaperboyTest("run")
        cls.fixture.setUp()
        f = cls.fixture
        f.init()
        d = os.path.join(f.require_data("hf-daily-papers"), "Paper_metadata_download")
        files = [os.path.join(d, day + ".json") for day in DAYS]
        f.pb("ingest", *files)
        cls.items = []
        for path in files:
            with open(path) as fh:
                cls.items += json.load(fh)
        f.pb("user", "add", "localreader", "--email", "lr@example.org", stdin="a long password here\n")
        cls.srv = Server(f.env, f.tmp)
        cls.c = Client(cls.srv)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.fixture.tearDown()

    def by(self, key):
        out = {}
        for it in self.items:
            v = key(it["paper"])
            if v:
                out.setdefault(v, []).append(it["paper"])
        return out

    def test_submitter_pages(self):
        subs = self.by(lambda p: (p.get("submittedOnDailyBy") or {}).get("user"))
        self.assertTrue(subs)
        home = self.c.get("/").text
        linked = set(re.findall(r'submitted by <a href="/u/([^"]+)"', home))
        self.assertTrue(linked)
        for name in sorted(linked)[:5] + [max(subs, key=lambda n: len(subs[n]))]:
            r = self.c.get("/u/" + name)
            self.assertEqual(r.status, 200, name)
            ids = re.findall(r'<h3 class="title"><a href="/papers/([^"]+)"', r.text)
            want = sorted(subs.get(name, []), key=lambda p: p["publishedAt"], reverse=True)
            self.assertEqual(sorted(ids), sorted(p["id"] for p in want), name)
            self.assertIn("huggingface.co/" + name, r.text)
        self.assertEqual(self.c.get("/u/nobody-submitted-this").status, 404)
        # a local account keeps its profile
        r = self.c.get("/u/localreader")
        self.assertEqual(r.status, 200)
        self.assertIn("Submitted papers", r.text)

    def test_organization_pages_and_api(self):
        orgs = self.by(lambda p: (p.get("organization") or {}).get("name"))
        self.assertTrue(orgs)
        name = max(orgs, key=lambda n: len(orgs[n]))
        home = self.c.get("/").text
        self.assertRegex(home, r'<a class="org" href="/orgs/[^"]+"')
        r = self.c.get("/orgs/" + name)
        self.assertEqual(r.status, 200)
        ids = re.findall(r'<h3 class="title"><a href="/papers/([^"]+)"', r.text)
        self.assertEqual(sorted(ids), sorted({p["id"] for p in orgs[name]}))
        for p in orgs[name]:
            sub = (p.get("submittedOnDailyBy") or {}).get("user")
            if sub:
                self.assertIn('href="/u/%s"' % sub, r.text)
        self.assertEqual(self.c.get("/orgs/no-such-org").status, 404)
        self.assertEqual(self.c.get("/orgs/%25_").status, 404)  # LIKE's wildcards are not wildcards
        api = self.c.get("/api/daily_papers?organization=%s&date=%s" % (name, DAYS[0])).json()
        got_all = self.c.get("/api/daily_papers?organization=%s&limit=100" % name).json()
        self.assertEqual({e["paper"]["id"] for e in got_all}, {p["id"] for p in orgs[name]})
        for e in got_all + api:
            self.assertEqual(e["paper"]["organization"]["name"], name)


class OrderTest(PeopleTest):
    """Issue 20, item 7: the API, the Atom feed and the pages list papers in
    the same order (a day's and a week's most upvoted first; the feed and
    the unfiltered API by day, newest first, then by upvotes)."""

    def cards(self, path):
        return re.findall(r'<h3 class="title"><a href="/papers/([^"]+)"', self.c.get(path).text)

    def test_day_week_and_feed_agree_with_the_pages(self):
        day = DAYS[-1]
        page = self.cards("/papers/date/" + day)
        api = [e["paper"]["id"] for e in self.c.get("/api/daily_papers?date=%s&limit=100" % day).json()]
        self.assertEqual(api[:len(page)], page)
        ups = [e["paper"]["upvotes"] for e in self.c.get("/api/daily_papers?date=%s&limit=100" % day).json()]
        self.assertEqual(ups, sorted(ups, reverse=True))
        week = self.c.get("/api/daily_papers?week=2026-W34&limit=100").json()
        wups = [e["paper"]["upvotes"] for e in week]
        self.assertEqual(wups, sorted(wups, reverse=True))
        self.assertEqual([e["paper"]["id"] for e in week][:10], self.cards("/papers/week/2026-W34")[:10])
        # the newest featured paper of the newest day is not 132nd of 133
        feed = re.findall(r"<entry><id>tag:paperboy,2025:paper/([^<]+)</id>", self.c.get("/feeds/daily.atom").text)
        self.assertEqual(feed[:len(page)], page)
        home = [e["paper"]["id"] for e in self.c.get("/api/daily_papers?limit=100").json()]
        self.assertEqual(home[:len(page)], page)
        # by arXiv date when asked
        pub = [e["publishedAt"] for e in self.c.get("/api/daily_papers?date=%s&sort=publishedAt&limit=100" % day).json()]
        self.assertEqual(pub, sorted(pub, reverse=True))

    test_submitter_pages = None
    test_organization_pages_and_api = None


class MuteNoteTest(PeopleTest):
    """Issue 20, item 8: muted papers are left out (the default, as the
    README says) with a note that counts them and a link that shows them;
    a search whose page is all muted says so instead of a blank list."""

    def test_left_out_with_a_note_and_a_show_link(self):
        c = Client(self.srv)
        self.assertEqual(c.signup("muter1").status, 303)
        day = DAYS[-1]
        before = re.findall(r'<h3 class="title"><a href="/papers/([^"]+)"', c.get("/papers/date/" + day).text)
        self.assertGreater(len(before), 3)
        self.assertEqual(c.post("/me/mute", {"kind": "word", "value": "model", "on": "1", "back": "/"}).status, 303)
        page = c.get("/papers/date/" + day).text
        after = re.findall(r'<h3 class="title"><a href="/papers/([^"]+)"', page)
        gone = len(before) - len(after)
        self.assertGreater(gone, 0)
        m = re.search(r'(\d+) papers? left out by your mutes · <a href="([^"]+)">show them</a>', page)
        self.assertIsNotNone(m, page[-3000:])
        self.assertEqual(int(m.group(1)), gone)
        shown = c.get(m.group(2).replace("&amp;", "&")).text
        self.assertEqual(shown.count("muted-card"), gone)
        # a search of the muted word: a note, not an empty page with a pager
        s = c.get("/search?q=model&mode=bm25").text
        self.assertRegex(s, r"\d+ papers? left out by your mutes")
        self.assertIn("muted=show", s)
        self.assertIn("q=model", re.search(r'<a href="([^"]+)">show them', s).group(1))
        # an anonymous reader sees them all, and no note
        self.assertNotIn("left out by your mutes", self.c.get("/papers/date/" + day).text)

    test_submitter_pages = None
    test_organization_pages_and_api = None


class TitleCardTest(PeopleTest):
    """Issue 20, item 4: a card always has a picture: when no thumbnail can
    be had (offline here), paperboy draws one from the paper's own words
    (cairo), caches it like the others and the card shows it."""

    def test_every_card_has_a_picture(self):
        from web import wait_for
        thumbs = os.path.join(self.fixture.tmp, "thumbs")
        os.makedirs(thumbs, exist_ok=True)
        srv = Server(self.fixture.env, self.fixture.tmp, "--thumb-dir", thumbs,
                     "--thumb-pdf-base", "http://127.0.0.1:9/none/", "--thumb-pdf-delay", "0.01")
        try:
            c = Client(srv)
            day = DAYS[-1]

            def pictured():
                page = c.get("/papers/date/%s?t=%f" % (day, __import__("time").time())).text
                cards = page.count('<article class="card"')
                return cards and page.count('<a class="thumb"') == cards and page
            page = wait_for(pictured, 60, what="a picture on every card")
            src = re.search(r'<a class="thumb"[^>]*><img src="(/thumbs/[^"]+\.card\.png)"', page).group(1)
            r = c.get(src)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("Content-Type"), "image/png")
            self.assertEqual(r.body[:8], b"\x89PNG\r\n\x1a\n")
            w, h = int.from_bytes(r.body[16:20], "big"), int.from_bytes(r.body[20:24], "big")
            self.assertEqual((w, h), (480, 270))
            self.assertTrue(os.path.exists(os.path.join(thumbs, src.split("/")[-1])))
        finally:
            rc = srv.stop()
        # drawing text leaves nothing behind (the sanitizers' leak check at exit)
        self.assertEqual(rc, 0, srv.stderr()[-2000:])

    test_submitter_pages = None
    test_organization_pages_and_api = None


def hf_item(pid, title, authors, day, submitter="someone"):
    """A Daily Papers item in Hugging Face's shape; authors are (name, user)."""
    out = []
    for i, (name, user) in enumerate(authors):
        a = {"_id": "%024x" % (i + 1), "name": name, "hidden": False}
        if user:
            a["user"] = {"_id": "%024x" % (100 + i), "avatarUrl": "/avatars/x.svg", "isPro": False,
                         "fullname": name, "user": user, "type": "user"}
            a["status"] = "claimed_verified"
        out.append(a)
    at = day + "T10:00:00.000Z"
    return {"paper": {"id": pid, "title": title, "summary": "An abstract about " + title.lower() + ".",
                      "authors": out, "publishedAt": at, "submittedOnDailyAt": at, "upvotes": 3,
                      "submittedOnDailyBy": {"user": submitter, "fullname": submitter}},
            "publishedAt": at, "title": title, "numComments": 0}


class AuthorPersonTest(PaperboyTest):
    """Issue 20, item 2: following an author who claimed the paper on
    Hugging Face follows that person, not their namesakes; a follow by name
    says so on the Following page; the API carries the author's user."""

    def test_follow_the_person_not_the_namesake(self):
        self.init()
        items = [hf_item("2601.00001", "Reward models for agents", [("Yubo Wang", "ywang-hf"), ("Ada Lee", None)],
                         "2026-01-05"),
                 hf_item("2601.00002", "Quantum pumping in nanopillars", [("Yubo Wang", None), ("Bo Chen", None)],
                         "2026-01-05"),
                 hf_item("2601.00003", "Agents that plan with rewards", [("Yubo Wang", "ywang-hf")], "2026-01-06")]
        path = os.path.join(self.tmp, "claims.json")
        with open(path, "w") as fh:
            json.dump(items, fh)
        self.pb("ingest", path)
        srv = Server(self.env, self.tmp)
        try:
            c = Client(srv)
            api = c.get("/api/papers/2601.00001").json()
            self.assertEqual(api["authors"][0]["user"]["user"], "ywang-hf")
            self.assertEqual(api["authors"][0]["name"], "Yubo Wang")
            self.assertNotIn("user", api["authors"][1])
            self.assertNotIn("user", c.get("/api/papers/2601.00002").json()["authors"][0])
            self.assertEqual(c.signup("follower1").status, 303)
            page = c.get("/papers/2601.00001").text
            self.assertIn('href="/u/ywang-hf"', page)
            self.assertIn('name="value" value="Yubo Wang @ywang-hf"', page)
            # on the namesake's paper the button follows the name
            self.assertIn('name="value" value="Yubo Wang"', c.get("/papers/2601.00002").text)
            self.assertEqual(c.post("/me/follow", {"kind": "author", "value": "Yubo Wang @ywang-hf", "on": "1",
                                                   "back": "/me/following"}).status, 303)
            following = c.get("/me/following").text
            ids = set(re.findall(r'<h3 class="title"><a href="/papers/([^"]+)"', following))
            self.assertEqual(ids, {"2601.00001", "2601.00003"}, following[-3000:])
            self.assertIn('href="/u/ywang-hf"', following)
            self.assertNotIn("by name only", following)
            # a follow by name: namesakes come too, and the page says so
            self.assertEqual(c.post("/me/follow", {"kind": "author", "value": "Bo Chen", "on": "1",
                                                   "back": "/me/following"}).status, 303)
            following = c.get("/me/following").text
            self.assertIn("by name only", following)
            ids = set(re.findall(r'<h3 class="title"><a href="/papers/([^"]+)"', following))
            self.assertEqual(ids, {"2601.00001", "2601.00002", "2601.00003"})
        finally:
            srv.stop()


class GridTest(PeopleTest):
    """Issue 20, item 4: the feeds are a grid of cards on a wide screen with
    a list one click away, remembered in a cookie the server reads (the
    first paint is right without a script); the switch goes back only to a
    page of this site."""

    def layout_link(self, page, to):
        m = re.search(r'<a href="(/layout\?to=%s&amp;next=[^"]*)"' % to, page)
        self.assertTrue(m, "no %s link" % to)
        return m.group(1).replace("&amp;", "&")

    def test_grid_by_default_list_remembered(self):
        c = Client(self.srv)
        home = c.get("/").text
        self.assertIn('<div class="cards grid" id="papers"', home)
        link = self.layout_link(home, "list")
        self.assertIn("next=%2F", link)
        r = c.get(link)
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/")
        cookies = [v for k, v in r.headers if k.lower() == "set-cookie" and v.startswith("layout=")]
        self.assertEqual(len(cookies), 1)
        self.assertRegex(cookies[0], r"^layout=list; Path=/; Max-Age=\d+; SameSite=Lax")
        self.assertEqual(c.cookies.get("layout"), "list")
        # the next page is a list (not the grid the page cache holds)
        for path in ("/", "/papers/week/2026-W34", "/papers/trending", "/papers/date/" + DAYS[0]):
            page = c.get(path).text
            self.assertIn('<div class="cards list" id="papers"', page, path)
            self.assertNotIn("cards grid", page, path)
        # another visitor still gets the grid
        self.assertIn('<div class="cards grid" id="papers"', Client(self.srv).get("/").text)
        # and back, from another page: back there
        page = c.get("/papers/week/2026-W34").text
        link = self.layout_link(page, "grid")
        self.assertIn("next=%2Fpapers%2Fweek%2F2026-W34", link)
        r = c.get(link)
        self.assertEqual((r.status, r.header("Location")), (303, "/papers/week/2026-W34"))
        self.assertIn('<div class="cards grid" id="papers"', c.get("/papers/week/2026-W34").text)
        # a signed-in reader too
        s = Client(self.srv)
        self.assertEqual(s.signup("gridreader").status, 303)
        self.assertIn("cards grid", s.get("/").text)
        s.get("/layout?to=list&next=/")
        self.assertIn('<div class="cards list" id="papers"', s.get("/").text)
        # search results and the other lists stay a list
        self.assertNotIn("cards grid", s.get("/search?q=model").text)

    def test_layout_goes_back_only_to_this_site(self):
        c = Client(self.srv)
        for nxt in ("https://evil.example/", "https%3A%2F%2Fevil.example%2F", "//evil.example/x",
                    "%2F%2Fevil.example", "/%5Cevil.example", "%2F%5Cevil.example", "javascript:alert(1)", ""):
            r = c.get("/layout?to=list&next=" + nxt)
            self.assertEqual(r.status, 303, nxt)
            self.assertEqual(r.header("Location"), "/", nxt)
        r = c.get("/layout?to=grid&next=%2Fpapers%2Ftrending%3Fx%3D1")
        self.assertEqual(r.header("Location"), "/papers/trending?x=1")
        self.assertEqual(c.get("/layout?to=sideways&next=/").status, 400)
        self.assertEqual(c.get("/layout").status, 400)

    test_submitter_pages = None
    test_organization_pages_and_api = None


class MediaTest(PeopleTest):
    """Issue 20, item 4: a paper's mediaUrls (pictures, GIFs, videos) show
    on its page: https addresses of Hugging Face's CDN embedded, which the
    CSP allows (--media-hosts; off: links only); other https addresses as
    links; anything else left out; every address escaped."""

    EDGE = "2608.99901"
    HOSTILE = ['https://cdn-uploads.huggingface.co/production/uploads/x/"onerror="alert(1).png',
               "https://cdn-uploads.huggingface.co/production/uploads/x/clip.webm?w=1&h=2",
               "http://cdn-uploads.huggingface.co/production/uploads/x/plain-http.png",
               "https://elsewhere.example/production/uploads/x/other-host.png",
               "https://cdn-uploads.huggingface.co.elsewhere.example/x/lookalike.png"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        item = json.loads(json.dumps(cls.items[0]))
        item.pop("mediaUrl", None)
        item["paper"]["id"] = cls.EDGE
        item["paper"]["title"] = "Media at the edges"
        item["paper"]["mediaUrls"] = item["mediaUrls"] = cls.HOSTILE
        path = os.path.join(cls.fixture.tmp, "media-edges.json")
        with open(path, "w") as fh:
            json.dump([item], fh)
        cls.fixture.pb("ingest", path)

    def test_media_on_the_paper_page(self):
        import html
        with_media = [it["paper"] for it in self.items if it["paper"].get("mediaUrls")]
        self.assertTrue(with_media)
        kinds = set()
        for p in with_media:
            r = self.c.get("/papers/" + p["id"])
            self.assertEqual(r.status, 200)
            page = r.text
            self.assertIn('<section class="media" aria-labelledby="media-h"><h2 id="media-h">Media</h2>', page)
            for u in p["mediaUrls"]:
                ext = u.rsplit(".", 1)[-1].lower()
                if ext in ("mp4", "webm", "mov", "qt", "m4v"):
                    kinds.add("video")
                    self.assertIn('<video controls preload="none" src="%s"' % html.escape(u), page)
                else:
                    kinds.add("image")
                    self.assertRegex(page, r'<img src="%s" alt="[^"]*" loading="lazy"' % re.escape(html.escape(u)))
        self.assertEqual(kinds, {"video", "image"})
        # the CSP lets exactly Hugging Face's CDNs in, for images and media
        csp = dict((d.strip().split(" ", 1) + [""])[:2] for d in r.header("Content-Security-Policy").split(";"))
        for d in ("img-src", "media-src"):
            self.assertIn("https://cdn-uploads.huggingface.co", csp[d].split(), d)
            self.assertNotIn("https:", csp[d].split(), d)
            self.assertNotIn("*", csp[d], d)
        self.assertEqual(csp["script-src"], "'self'")
        self.assertEqual(csp["style-src"], "'self'")
        self.assertEqual(csp["default-src"], "'self'")
        # a paper without media has no such section
        bare = next(it["paper"]["id"] for it in self.items if not it["paper"].get("mediaUrls") and not it.get("mediaUrl"))
        self.assertNotIn('class="media"', self.c.get("/papers/" + bare).text)

    def test_hostile_media_escaped_or_left_out(self):
        page = self.c.get("/papers/" + self.EDGE).text
        self.assertIn('<img src="https://cdn-uploads.huggingface.co/production/uploads/x/&quot;onerror=&quot;alert(1).png"',
                      page)
        self.assertNotIn('"onerror="', page)
        self.assertIn('<video controls preload="none" src="https://cdn-uploads.huggingface.co/production/uploads/x/'
                      'clip.webm?w=1&amp;h=2"', page)
        # not https: not there at all
        self.assertNotIn("plain-http.png", page)
        # https elsewhere: a link, never embedded
        for name in ("other-host.png", "lookalike.png"):
            self.assertRegex(page, r'<a href="https://[^"]*/%s" rel="noopener noreferrer nofollow">' % re.escape(name))
            self.assertNotRegex(page, r'<(img|video)[^>]*%s' % re.escape(name))

    def test_media_hosts_off(self):
        srv = Server(self.fixture.env, self.fixture.tmp, "--media-hosts", "off")
        try:
            c = Client(srv)
            r = c.get("/papers/" + self.EDGE)
            csp = r.header("Content-Security-Policy")
            self.assertIn("img-src 'self' data:;", csp)
            self.assertNotIn("huggingface", csp)
            self.assertNotIn("media-src", csp)
            self.assertNotRegex(r.text, r"<(img|video)[^>]*(cdn-uploads|elsewhere)")
            self.assertIn('clip.webm?w=1&amp;h=2" rel="noopener noreferrer nofollow">', r.text)
            self.assertNotIn("plain-http.png", r.text)
        finally:
            self.assertEqual(srv.stop(), 0, srv.stderr()[-2000:])
        # a name that is not a host is refused at the start
        _, err = self.fixture.pb("serve", "--port", "0", "--media-hosts", "cdn.example/x", expect=1)
        self.assertIn('--media-hosts: "cdn.example/x" is not a host name', err)

    test_submitter_pages = None
    test_organization_pages_and_api = None

if __name__ == "__main__":
    unittest.main()
