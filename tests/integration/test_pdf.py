"""Issue 23: full texts. `fetch pdf` downloads arXiv PDFs (ENDPOINT/pdf/ID)
politely (--delay apart), conditionally (If-None-Match / If-Modified-Since
with the validators kept), resumably (what is done is not asked again),
each failure reported and tried again later; the text is read with poppler
in a process of its own under limits (300 pages, 2 MB of text, CPU,
memory), stored compressed; the arXiv ids it names become references and
citations on the paper page and in the API. No PDF can be downloaded here:
the PDFs are written by hand (pdfgen.py) and served by a local server."""
import json
import os
import re
import signal
import subprocess
import time
import unittest
import urllib.parse
import zlib

import pdfgen
from common import BIN, PaperboyTest
from replay import Replay
from web import Client, Server, wait_for

DAY = "2024-03-04"
A, B, MANY, ENDLESS, NOTPDF, FLAKY, BIG, LATE = ("2403.00001", "2403.00002", "2403.00003", "2403.00004",
                                                 "2403.00005", "2403.00006", "2403.00007", "2403.00009")
OLD = "hep-th/9901001"
FEATURED = [A, B, OLD, MANY, ENDLESS, NOTPDF, FLAKY, BIG]
GOOD = [A, B, OLD, MANY, FLAKY, BIG]

A_PAGES = [["A study of attention", "We build on prior work <b>bold</b> & more."],
           ["References", "[1] B. Author. arXiv preprint arXiv:2403.00002v2, 2024.",
            "[2] Old string theory, hep-th/9901001.", "[3] Coming later, https://arxiv.org/abs/2403.00009v1.",
            "[4] Ourselves, 2403.00001, and a number 3.14159."]]


def pdf_for(pid):
    if pid == A:
        return pdfgen.make_pdf(A_PAGES)
    if pid == B:
        # a cover without text first: the text's page 2 is the PDF's page 2
        return pdfgen.make_pdf([[], ["The second paper", "It cites doi:10.48550/arXiv.2403.00001."]])
    if pid == MANY:
        return pdfgen.make_pdf(["page %d of many" % i for i in range(2000)])
    if pid == ENDLESS:
        return pdfgen.endless_stream_pdf()
    if pid == NOTPDF:
        return b"<!DOCTYPE html><html><body>Rate limited</body></html>"
    if pid == BIG:  # about 2.5 MB of text in 100 pages
        return pdfgen.make_pdf([["w%05d%03d " % (j, i) * 10 for i in range(300)] for j in range(100)],
                               compress=True, size=2)
    return pdfgen.make_pdf([["Paper %s" % pid, "Nothing cited."]])


class PdfServer:
    """arXiv's /pdf/ID: an ETag and a Last-Modified, 304 to a request that
    names them; FLAKY fails with a 500 the first time."""

    def __init__(self):
        self.pdfs = {}
        self.server = Replay(self.route)
        self.url = self.server.url
        self.log = self.server.log

    def route(self, path, q, hits):
        pid = path[len("/pdf/"):] if path.startswith("/pdf/") else None
        if pid is None:
            return 404, {}, b"no"
        if pid == FLAKY and not any(p == path for _, p, _ in self.log[:-1]):
            return 500, {}, b"server error"
        if pid not in self.pdfs:
            self.pdfs[pid] = pdf_for(pid)
        etag = '"v1-%s"' % pid.replace("/", "-")
        lm = "Mon, 04 Mar 2024 10:00:00 GMT"
        h = self.server.headers[-1]
        if h.get("if-none-match") == etag or h.get("if-modified-since") == lm:
            return 304, {"ETag": etag}, b""
        ctype = "text/html" if pid == NOTPDF else "application/pdf"
        return 200, {"Content-Type": ctype, "ETag": etag, "Last-Modified": lm}, self.pdfs[pid]

    def asked(self, since=0):
        return [p[len("/pdf/"):] for _, p, _ in self.log[since:]]

    def close(self):
        self.server.close()


def hf_items(ids, day=DAY):
    out = []
    for i, pid in enumerate(ids):
        out.append({"paper": {"id": pid, "title": "Paper %s" % pid, "authors": [{"name": "Ada Lovelace"}],
                              "publishedAt": "2024-03-%02dT10:00:00.000Z" % (1 + i % 3),
                              "submittedOnDailyAt": day + "T08:00:00.000Z", "summary": "About %s." % pid,
                              "upvotes": 10 - i},
                    "title": "Paper %s" % pid, "numComments": 0})
    return out


class PdfBase(PaperboyTest):
    def setUp(self):
        super().setUp()
        self.arxiv = PdfServer()
        self.init()
        self.ingest(FEATURED)

    def tearDown(self):
        self.arxiv.close()
        super().tearDown()

    def ingest(self, ids):
        path = os.path.join(self.tmp, "hf-%d.json" % len(os.listdir(self.tmp)))
        with open(path, "w") as f:
            json.dump(hf_items(ids), f)
        self.pb("ingest", path)

    def fetch(self, *args, expect=0):
        return self.pb("fetch", "pdf", "--endpoint", self.arxiv.url, *args, expect=expect)

    def text(self, pid):
        rows = self.sql("SELECT data, bytes FROM paper_text WHERE paper = ?", pid)
        if not rows:
            return None
        t = zlib.decompress(bytes(rows[0][0])).decode()
        self.assertEqual(len(t.encode()), rows[0][1])
        return t

    def waits(self, pid):
        """How long after its last attempt a paper is due again (ms)."""
        rows = self.sql("SELECT next_try - updated FROM pdf_fetch WHERE paper = ?", pid)
        return rows[0][0]

    def state(self, pid):
        rows = self.sql("SELECT state, etag, attempts, next_try, message FROM pdf_fetch WHERE paper = ?", pid)
        return rows[0] if rows else None


class FetchPdfTest(PdfBase):
    def test_texts_limits_and_conditional_requests(self):
        ids = ",".join(FEATURED)
        _, err = self.fetch("--ids", ids, "--delay", "0.4", expect=1)
        # one request a paper, at least --delay apart
        self.assertEqual(self.arxiv.asked(), FEATURED)
        times = [t for t, _, _ in self.arxiv.log]
        for t0, t1 in zip(times, times[1:]):
            self.assertGreaterEqual(t1 - t0, 0.39)
        # the text per page, form feeds between pages
        pages = self.text(A).split("\f")
        self.assertEqual(len(pages), 2)
        self.assertIn("A study of attention", pages[0])
        self.assertIn("arXiv:2403.00002v2", pages[1])
        self.assertIn("hep-th/9901001", pages[1])
        self.assertIn("It cites", self.text(B))
        self.assertEqual([p.strip() != "" for p in self.text(B).split("\f")], [False, True])
        # hostile ones are bounded and reported; nothing else is lost
        self.assertEqual(len(self.text(MANY).split("\f")), 300)
        self.assertIn("page 299 of many", self.text(MANY))
        self.assertRegex(err, r"fetch pdf: %s: read 300 of 2000 pages" % MANY)
        big = self.text(BIG)
        self.assertLessEqual(len(big.encode()), 2 << 20)
        self.assertGreater(len(big.encode()), (2 << 20) - 4096)
        self.assertRegex(err, r"fetch pdf: %s: .*text cut at 2 MB" % BIG)
        self.assertRegex(err, r"%s: .*not a PDF" % NOTPDF)
        self.assertRegex(err, r"%s: .*(not a PDF|could not be read)" % ENDLESS)
        self.assertRegex(err, r"%s: .*HTTP 500" % FLAKY)
        for pid in (ENDLESS, NOTPDF, FLAKY):
            self.assertIsNone(self.text(pid), pid)
            st = self.state(pid)
            self.assertEqual((st[0], st[2]), ("failed", 1), pid)
            self.assertGreater(st[3], time.time() * 1000 + 3000 * 1000)  # an hour by default
        self.assertEqual(self.state(A)[:3], ("done", '"v1-2403.00001"', 0))
        self.assertIsNone(self.state(LATE))
        self.assertRegex(err, r"8 papers: 5 stored, 0 unchanged, 0 skipped .*, 3 failed")

        # again: nothing is asked (done, or failed and not due yet)
        n = len(self.arxiv.log)
        _, err = self.fetch("--ids", ids, "--delay", "0")
        self.assertEqual(self.arxiv.asked(n), [])
        self.assertRegex(err, r"8 papers: 0 stored, 0 unchanged, 8 skipped")
        # --refresh asks conditionally: a 304 downloads and changes nothing
        before = self.sql("SELECT paper, data FROM paper_text ORDER BY paper")
        _, err = self.fetch("--ids", A + "," + B, "--delay", "0", "--refresh")
        self.assertEqual(self.arxiv.asked(n), [A, B])
        for h in self.arxiv.server.headers[n:]:
            self.assertTrue(h["if-none-match"].startswith('"v1-'), h)
            self.assertEqual(h["if-modified-since"], "Mon, 04 Mar 2024 10:00:00 GMT")
        self.assertRegex(err, r"2 papers: 0 stored, 2 unchanged")
        self.assertEqual(self.sql("SELECT paper, data FROM paper_text ORDER BY paper"), before)

    def test_failure_retried_later_with_backoff(self):
        # No clock in the test: the wait is an hour, and "the hour passed"
        # is written into the store. (It slept 1 s for a 1 s wait, and a
        # run under the sanitizers on a busy machine took longer than that
        # to reach the paper: it was due again, asked, and failed.)
        wait, ids = 3600, "%s,%s" % (FLAKY, NOTPDF)
        _, err = self.fetch("--ids", ids, "--delay", "0", "--retry-wait", str(wait), expect=1)
        self.assertRegex(err, r"%s: .*HTTP 500" % FLAKY)
        for pid in (FLAKY, NOTPDF):
            self.assertEqual(self.waits(pid), wait * 1000, pid)
        n = len(self.arxiv.log)
        # not due yet: not asked
        self.fetch("--ids", ids, "--delay", "0", "--retry-wait", str(wait))
        self.assertEqual(self.arxiv.asked(n), [])
        self.sql("UPDATE pdf_fetch SET next_try = 0 WHERE state = 'failed'")
        _, err = self.fetch("--ids", ids, "--delay", "0", "--retry-wait", str(wait), expect=1)
        self.assertEqual(self.arxiv.asked(n), [FLAKY, NOTPDF])
        self.assertIn("Nothing cited", self.text(FLAKY))
        self.assertEqual(self.state(FLAKY)[0], "done")
        st = self.state(NOTPDF)
        self.assertEqual((st[0], st[2]), ("failed", 2))
        self.assertEqual(self.waits(NOTPDF), 2 * wait * 1000)  # the wait doubled
        # an id not in the store, or not an id at all
        _, err = self.fetch("--ids", "2403.99999", expect=1)
        self.assertRegex(err, r"2403.99999: not in the store")
        self.fetch("--ids", "nonsense", expect=2)
        self.fetch(expect=2)

    def test_interrupted_run_goes_on(self):
        p = subprocess.Popen([BIN, "fetch", "pdf", "--featured", "--since", DAY, "--endpoint", self.arxiv.url,
                              "--delay", "1"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: len(self.sql("SELECT paper FROM paper_text")) >= 2, 60, what="two texts stored")
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
        first = [r[0] for r in self.sql("SELECT paper FROM paper_text")]
        n = len(self.arxiv.log)
        self.fetch("--featured", "--since", DAY, "--delay", "0", expect=1)
        again = self.arxiv.asked(n)
        for pid in first:
            self.assertNotIn(pid, again)
        # FLAKY failed once, in whichever run asked it first, and waits
        self.assertEqual(sorted(r[0] for r in self.sql("SELECT paper FROM paper_text")),
                         sorted(set(GOOD) - {FLAKY}))
        self.assertEqual(self.state(FLAKY)[0], "failed")
        # a paper featured before --since is not asked
        _, err = self.fetch("--featured", "--since", "2024-03-05", "--delay", "0")
        self.assertIn("fetch pdf: 0 papers", err)


class ReferencesTest(PdfBase):
    def test_references_and_citations_both_ways(self):
        self.fetch("--ids", ",".join([A, B, OLD]), "--delay", "0")
        srv = Server(self.env, self.tmp)
        try:
            c = Client(srv)

            def ids(path):
                r = c.get(path + ("&" if "?" in path else "?") + "t=%f" % time.time())
                self.assertEqual(r.status, 200, path)
                return [e["paper"]["id"] for e in r.json()], r

            got, r = ids("/api/papers/%s/references" % A)
            self.assertEqual(sorted(got), sorted([B, OLD]))
            self.assertEqual(r.header("X-Total-Count"), "2")
            e = r.json()[0]
            self.assertEqual(set(["paper", "title", "publishedAt", "numComments"]) - set(e), set())
            self.assertEqual(ids("/api/papers/%s/citations" % B)[0], [A])
            self.assertEqual(ids("/api/papers/%s/citations" % A)[0], [B])
            self.assertEqual(ids("/api/papers/%s/references" % B)[0], [A])
            self.assertEqual(ids("/api/papers/%s/citations" % OLD)[0], [A])
            self.assertEqual(ids("/api/papers/%s/references" % OLD)[0], [])
            # paged
            one, _ = ids("/api/papers/%s/references?limit=1" % A)
            two, _ = ids("/api/papers/%s/references?limit=1&p=1" % A)
            self.assertEqual(sorted(one + two), sorted([B, OLD]))
            self.assertEqual(c.get("/api/papers/%s/references?limit=1000" % A).status, 400)
            self.assertEqual(c.get("/api/papers/2403.99999/references").status, 404)
            j = c.get("/api/papers/%s?t=1" % A).json()
            self.assertEqual((j["numCitations"], j["numReferences"]), (1, 2))
            self.assertEqual(c.get("/api/papers/%s?t=1" % MANY).json()["numCitations"], 0)
            page = c.get("/papers/%s?t=1" % A).text
            self.assertIn("References here (2)", page)
            self.assertIn("Cited by here (1)", page)
            self.assertIn('href="/papers/%s"' % B, page)
            self.assertIn('href="/papers/%s"' % OLD, page)
            self.assertNotIn("here (", c.get("/papers/%s?t=1" % MANY).text)
            # a paper ingested later is among the references at once
            self.ingest([LATE])
            wait_for(lambda: LATE in ids("/api/papers/%s/references" % A)[0], 15, what="the late paper")
            self.assertEqual(ids("/api/papers/%s/citations" % LATE)[0], [A])
            self.assertIn("References here (3)", c.get("/papers/%s?t=2" % A).text)
            self.search_inside(c)
        finally:
            self.assertEqual(srv.stop(), 0)


    def search_inside(self, c):
        """Search inside the papers: the texts fetched are a field of the
        index; in:body asks for it alone, -in:body leaves it out; a result
        shows where its text matched, with the page."""
        def hits(q):
            r = c.get("/api/papers/search?q=%s&t=%f" % (urllib.parse.quote(q), time.time()))
            self.assertEqual(r.status, 200, q)
            return [e["paper"]["id"] for e in r.json()]

        # "preprint" is on page 2 of A's text only; no title or abstract has it
        wait_for(lambda: hits("preprint") == [A], 20, what="the texts in the index")
        self.assertEqual(hits("in:body preprint"), [A])
        self.assertEqual(hits("-in:body preprint"), [])
        # a word of the titles: the body does not bring other papers in
        self.assertEqual(hits("-in:body paper %s" % B)[:1], [B])
        page = c.get("/search?q=preprint&t=1").text
        snippet = re.search(r'<p class="snippet"[^>]*>(.*?)</p>', page, re.S)
        self.assertIsNotNone(snippet, page[:3000])
        self.assertIn('<span class="page">p. 2</span>', snippet.group(1))
        self.assertIn("<mark>preprint</mark>", snippet.group(1))
        # the text is escaped
        page = c.get("/search?q=prior+work&t=2").text
        snippet = re.search(r'<p class="snippet"[^>]*>(.*?)</p>', page, re.S)
        self.assertIsNotNone(snippet)
        self.assertIn("&lt;b&gt;bold&lt;/b&gt; &amp; more", snippet.group(1))
        self.assertIn('<span class="page">p. 1</span>', snippet.group(1))
        # the text of B is on its second page (the first has none)
        page = c.get("/search?q=in:body+second+cites&t=4").text
        snippet = re.search(r'<p class="snippet"[^>]*>(.*?)</p>', page, re.S)
        self.assertIsNotNone(snippet)
        self.assertIn('<span class="page">p. 2</span>', snippet.group(1))
        # -in:body leaves the texts out: no snippet either
        self.assertNotIn('class="snippet"', c.get("/search?q=-in:body+preprint+paper&t=5").text)
        r = c.get("/search?q=in:abstract+preprint&t=3")
        self.assertEqual(r.status, 400)
        self.assertIn("in: expects body", r.text)


class SyncPdfTest(PdfBase):
    def test_sync_fetches_new_featured_texts(self):
        srv = Server(self.env, self.tmp, "--sync", "pdf", "--sync-every", "1", "--sync-pdf-endpoint",
                     self.arxiv.url, "--pdf-delay", "0")
        try:
            c = Client(srv)
            wait_for(lambda: c.get("/api/papers/%s?t=%f" % (B, time.time())).json().get("numCitations") == 1, 90,
                     what="the sync storing the texts")
            wait_for(lambda: FLAKY in srv.stderr(), 30, what="the failure reported")
            self.assertIsNotNone(self.text(A))
            # once per paper: done ones are not asked again in the next turns
            time.sleep(2.5)
            asked = self.arxiv.asked()
            for pid in GOOD:
                if pid != FLAKY:
                    self.assertEqual(asked.count(pid), 1, pid)
        finally:
            self.assertEqual(srv.stop(), 0)


if __name__ == "__main__":
    unittest.main()
