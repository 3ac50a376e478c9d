"""Black-box tests of the addresses Hugging Face's papers pages answer
(issue 20): /papers and its query forms, trailing slashes, /robots.txt and
/sitemap.xml; the notice of a stale feed; a failed arXiv lookup told in
words for readers."""
import datetime
import json
import os
import re
import xml.etree.ElementTree as ET

from common import PaperboyTest
from replay import Replay
from web import Client, Server, wait_for

DAYS = ["2026-08-20", "2026-08-21"]
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def one_paper_day(day, pid):
    """A daily-papers document of one paper featured on `day`."""
    at = day + "T12:00:00.000Z"
    paper = {"id": pid, "title": "A paper of " + day, "summary": "An abstract.",
             "authors": [{"name": "Ada Lovelace"}], "publishedAt": at, "upvotes": 1,
             "submittedOnDailyAt": at, "submittedOnDailyBy": {"user": "ada", "fullname": "Ada"}}
    return [{"paper": paper, "publishedAt": at, "title": paper["title"]}]


class AddressesTest(PaperboyTest):
    @classmethod
    def setUpClass(cls):
        cls.fixture = PaperboyTest("run")
        cls.fixture.setUp()
        f = cls.fixture
        f.init()
        d = f.require_data("hf-daily-papers")
        files = [os.path.join(d, "Paper_metadata_download", day + ".json") for day in DAYS]
        f.pb("ingest", *files)
        f.pb("index", "rebuild")
        cls.ids = set()
        for path in files:
            with open(path) as fh:
                cls.ids |= {e["paper"]["id"] for e in json.load(fh)}
        cls.srv = Server(f.env, f.tmp, "--thumb-dir", "off")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.fixture.tearDown()

    def setUp(self):
        self.c = Client(self.srv)

    def tearDown(self):
        pass  # the class's store, removed with the class

    def redirect(self, path, status, location):
        r = self.c.get(path)
        self.assertEqual(r.status, status, path)
        self.assertEqual(r.header("Location"), location, path)

    def test_papers_goes_home_or_to_its_period(self):
        self.redirect("/papers", 302, "/")
        self.redirect("/papers/", 302, "/")
        self.redirect("/papers?date=2026-08-21", 302, "/papers/date/2026-08-21")
        self.redirect("/papers/?date=2026-08-21", 302, "/papers/date/2026-08-21")
        self.redirect("/papers?week=2026-W34", 302, "/papers/week/2026-W34")
        self.redirect("/papers?month=2026-08", 302, "/papers/month/2026-08")
        for bad in ("date=2026-13-01", "date=yesterday", "week=2026-W99", "week=2026W34", "month=2026-8",
                    "month=<b>"):
            r = self.c.get("/papers?" + bad)
            self.assertEqual(r.status, 400, bad)
            self.assertNotIn("<b>", r.text)
        # and the page it goes to answers
        self.assertEqual(self.c.get("/papers/date/2026-08-21").status, 200)

    def test_trailing_slash_goes_to_the_path_without_it(self):
        pid = sorted(self.ids)[0]
        self.redirect("/papers/%s/" % pid, 301, "/papers/" + pid)
        self.redirect("/papers/%s/?a=1&b=x%%20y" % pid, 301, "/papers/%s?a=1&b=x%%20y" % pid)
        self.redirect("/papers/trending/", 301, "/papers/trending")
        self.redirect("/search/?q=diffusion", 301, "/search?q=diffusion")
        self.redirect("/nowhere/", 301, "/nowhere")
        # never off the site: "//host/" is not a path of this site
        r = self.c.get("//evil.example/")
        self.assertIn(r.status, (301, 404))
        if r.status == 301:
            self.assertFalse(r.header("Location").startswith("//"))
        self.assertEqual(self.c.get("/").status, 200)
        self.assertEqual(self.c.get("/papers/" + pid).status, 200)

    def test_robots_txt(self):
        r = self.c.get("/robots.txt")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))
        lines = r.text.splitlines()
        self.assertIn("User-agent: *", lines)
        for p in ("/me/", "/admin/", "/api/me", "/feeds/following/", "/signin", "/signup", "/submit", "/layout"):
            self.assertIn("Disallow: " + p, lines)
        self.assertIn("Sitemap: %s/sitemap.xml" % self.srv.base, lines)

    def test_sitemap_xml(self):
        r = self.c.get("/sitemap.xml")
        self.assertEqual(r.status, 200)
        self.assertIn("xml", r.header("Content-Type"))
        root = ET.fromstring(r.body)
        self.assertEqual(root.tag, SM + "urlset")
        urls = {}
        for u in root.findall(SM + "url"):
            lastmod = u.find(SM + "lastmod")
            self.assertIsNotNone(lastmod)
            self.assertRegex(lastmod.text, r"^\d{4}-\d\d-\d\d")
            urls[u.find(SM + "loc").text] = lastmod.text
        self.assertLessEqual(len(urls), 50000)
        base = self.srv.base
        self.assertEqual(urls[base + "/"], DAYS[-1])
        self.assertIn(base + "/papers/trending", urls)
        for day in DAYS:
            self.assertEqual(urls[base + "/papers/date/" + day], day)
        for pid in self.ids:
            self.assertIn(base + "/papers/" + pid, urls)
        # an anonymous page like any other: cached, with a validator
        r2 = self.c.get("/sitemap.xml")
        self.assertEqual(r2.body, r.body)
        self.assertIsNotNone(r2.header("ETag"))
        self.assertEqual(self.c.get("/sitemap.xml", headers={"If-None-Match": r2.header("ETag")}).status, 304)

    def logged_cpu(self, srv, request, n):
        """The CPU times srv's access log gives its first n answers to
        request ("GET /sitemap.xml": the log leaves the query string out),
        once it has them."""
        pat = re.compile(r'"%s" \d+ \d+ [\d.]+ms cpu=([\d.]+)ms$' % re.escape(request), re.M)

        def lines():
            with open(srv.log_path) as fh:
                found = pat.findall(fh.read())
            return found if len(found) >= n else None
        return [float(x) for x in wait_for(lines, what="%d answers to %s in the log" % (n, request))[:n]]

    def test_page_cache_holds_against_cheap_requests(self):
        """Found attacking the server: the sitemap (the costliest page) was
        made again for any query string (?r=random skipped the cache), and
        any refused POST (signed out, without its token) emptied the cache
        for everyone."""
        d = os.path.join(self.fixture.tmp, "cache-srv")
        os.makedirs(d, exist_ok=True)
        srv = Server(self.fixture.env, d, "--thumb-dir", "off", "--page-cache-ttl", "60")
        self.addCleanup(srv.stop)
        c = Client(srv)
        sitemap = lambda path="/sitemap.xml": self.assertEqual(c.get(path).status, 200)
        sitemap()
        for i in range(3):
            sitemap("/sitemap.xml?r=%d" % i)
        self.assertEqual(self.logged_cpu(srv, "GET /sitemap.xml", 4)[1:], [0.0] * 3, "a query string skipped the cache")
        pid = sorted(self.ids)[0]
        self.assertEqual(Client(srv).post("/signout", {}).status, 303)  # signed out: to the sign-in
        self.assertEqual(Client(srv).post("/papers/%s/vote" % pid, {}).status, 303)
        sitemap()
        self.assertEqual(self.logged_cpu(srv, "GET /sitemap.xml", 5)[4], 0.0, "a signed-out POST emptied the cache")
        member = Client(srv)
        self.assertEqual(member.signup("cachetester").status, 303)
        sitemap()  # (a sign-up may change pages: made again)
        self.assertGreater(self.logged_cpu(srv, "GET /sitemap.xml", 6)[5], 0.0, "a write let through kept the cache")
        self.assertEqual(member.post("/signout", {}, csrf=False).status, 403)  # no token
        sitemap()
        self.assertEqual(self.logged_cpu(srv, "GET /sitemap.xml", 7)[6], 0.0, "a POST without its token emptied the cache")
        # what a reader alone sees (a follow, a mute, a preference, a token)
        # changes no page anyone else is answered: one account toggling a
        # follow in a loop emptied the cache for everyone each time
        for on in ("1", "0", "1"):
            self.assertEqual(member.post("/me/follow", {"kind": "author", "value": "Ada Lovelace", "on": on}).status, 303)
        self.assertEqual(member.post("/me/mute", {"kind": "word", "value": "survey"}).status, 303)
        self.assertEqual(member.post("/me/read", {}).status, 303)
        sitemap()
        self.assertEqual(self.logged_cpu(srv, "GET /sitemap.xml", 8)[7], 0.0, "a reader's own change emptied the cache")

    def test_stale_feed_is_said(self):
        for path in ("/", "/papers/date/" + DAYS[0], "/papers/week/2026-W34", "/papers/month/2026-08",
                     "/papers/trending"):
            page = self.c.get(path).text
            self.assertTrue("The feed was last updated on" in page, path)
            self.assertIn('datetime="%s"' % DAYS[-1], page, path)
        h = self.c.get("/healthz").json()  # from this host: the detail
        self.assertEqual(h["feed"], {"newest": DAYS[-1], "stale": True})


class FreshFeedTest(PaperboyTest):
    def test_fresh_feed_has_no_notice(self):
        self.init()
        today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
        path = os.path.join(self.tmp, today + ".json")
        with open(path, "w") as fh:
            json.dump(one_paper_day(today, "2601.00001"), fh)
        self.pb("ingest", path)
        self.pb("index", "rebuild")
        srv = Server(self.env, self.tmp, "--thumb-dir", "off")
        try:
            c = Client(srv)
            page = c.get("/").text
            self.assertIn("2601.00001", page)
            self.assertNotIn("The feed was last updated on", page)
            self.assertEqual(c.get("/healthz").json()["feed"], {"newest": today, "stale": False})
        finally:
            srv.stop()


class FailedLookupTest(PaperboyTest):
    """A lookup arXiv fails is told in words; the detail goes to the log."""

    def test_failed_lookup_is_told_in_words(self):
        self.init()
        replay = Replay(lambda path, q, hits: (400, {"Content-Type": "text/plain"}, b"malformed id_list"))
        srv = Server(self.env, self.tmp, "--arxiv-api", replay.url + "/api/query", "--thumb-dir", "off")
        try:
            c = Client(srv)
            self.assertEqual(c.signup("reader").status, 303)
            self.assertEqual(c.post("/papers/2404.00001/fetch").status, 303)
            page = wait_for(lambda: (lambda t: t if "Could not get" in t else None)(c.get("/papers/2404.00001").text),
                            what="the failure")
            self.assertIn("arXiv could not be reached; try again later.", page)
            self.assertNotIn("127.0.0.1", page)
            self.assertNotIn("400", re.sub(r"2404\.00001", "", page))
        finally:
            srv.stop()
            replay.close()
        self.assertIn("2404.00001", srv.stderr())
