"""Search for everyday use (issue 13), on the real daily papers: an order
(relevance, newest, upvotes) and a count on the page, the API and the CLI;
search feeds newest first; every common way of naming a paper; a paper
not here offered for fetching from arXiv; misspellings corrected from the
index's own vocabulary; arXiv categories for featured papers and on cards;
author links and keyword chips quoted; marks without punctuation; a title
matched whole first."""
import json
import os
import re
import subprocess
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

from common import BIN, PaperboyTest, hf_all
from replay import Replay
from web import Client, Server, wait_for, wait_paper

ATOM = "{http://www.w3.org/2005/Atom}"


def bodies():
    return os.path.join(os.environ.get("PAPERBOY_SHARED_DATA", ""), "arxiv-api-atom", "arxiv.py-recorded-2026-bodies")


class SearchUseTest(PaperboyTest):
    @classmethod
    def setUpClass(cls):
        cls.f = PaperboyTest("run")
        cls.f.setUp()
        f = cls.f
        f.use_golden("hf-all", hf_all)
        cls.replay = Replay(cls.route)
        cls.srv = Server(f.env, f.tmp, "--arxiv-api", cls.replay.url + "/api/query", "--thumb-dir", "off")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.replay.close()
        cls.f.tearDown()

    featured_for_cats = "2405.15738"

    @classmethod
    def route(cls, path, q, hits):
        ids = q.get("id_list", "")
        if path == "/api/query" and ids == "1605.08386":
            with open(os.path.join(bodies(), "id_1605.08386_s0_m100_199195aa31ad.xml"), "rb") as fh:
                return 200, {"Content-Type": "application/atom+xml"}, fh.read()
        if path == "/api/query" and cls.featured_for_cats in ids.split(","):
            # a real arXiv answer, made to name the featured paper
            with open(os.path.join(bodies(), "id_2104.12255v1_s0_m100_6ae69987ffe1.xml"), "rb") as fh:
                body = fh.read().replace(b"2104.12255", cls.featured_for_cats.encode())
            return 200, {"Content-Type": "application/atom+xml"}, body
        if path == "/api/query":
            with open(os.path.join(bodies(), "id_0000.0000_s0_m100_8b51d9633a68.xml"), "rb") as fh:
                return 200, {"Content-Type": "application/atom+xml"}, fh.read()
        return 404, {}, b"no"

    def setUp(self):
        self.c = Client(self.srv)

    def tearDown(self):
        pass

    def api(self, q, **params):
        qs = urllib.parse.urlencode(dict(q=q, **params))
        r = self.c.get("/api/papers/search?" + qs)
        self.assertEqual(r.status, 200, r.body[:300])
        return r

    def test_sort_and_count(self):
        r = self.api('author:"Yejin Choi"', limit=100)
        days = [p["paper"]["publishedAt"][:10] for p in r.json()]
        self.assertGreater(len(days), 5)
        self.assertEqual(days, sorted(days, reverse=True), "an author's papers: newest first")
        self.assertEqual(int(r.header("X-Total-Count")), len(days))
        self.assertEqual(r.header("X-Total-Count-Exact"), "true")
        newest = self.api("speculative decoding", sort="newest", limit=50).json()
        nd = [p["paper"]["publishedAt"] for p in newest]
        self.assertEqual(nd, sorted(nd, reverse=True))
        for p in newest:
            text = (p["paper"]["title"] + " " + p["paper"]["summary"]).lower()
            self.assertIn("specul", text)  # every word required (its stem)
        up = self.api("speculative decoding", sort="upvotes", limit=10).json()
        votes = [p["paper"]["upvotes"] for p in up]
        self.assertEqual(votes, sorted(votes, reverse=True))
        # found walking the site: "1611 papers" then an order by votes of
        # the best 300 only, which read as the most upvoted of all; said now
        page = self.c.get("/search?q=diffusion&sort=upvotes").text
        total = int(re.search(r'class="muted result-count">(?:About )?(\d+) papers', page).group(1))
        self.assertGreater(total, 300)
        self.assertIn("Ordered by votes: the 300 best matches, most upvoted first.", page)
        few = self.c.get("/search?q=speculative+decoding+medusa&sort=upvotes").text
        self.assertNotIn("Ordered by votes", few)
        meta = self.api("speculative decoding", meta="1").json()
        self.assertGreater(meta["total"], 10)
        self.assertFalse(meta["totalExact"])
        self.assertEqual(self.c.get("/api/papers/search?q=x&sort=oldest").status, 400)
        page = self.c.get("/search?q=speculative+decoding&sort=newest").text
        self.assertRegex(page, r'class="muted result-count">\d+ papers')
        self.assertIn('<option value="newest" selected>', page)
        out = subprocess.run([BIN, "search", "--sort", "newest", "--limit", "3", "speculative decoding"],
                             env=self.f.env, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stderr, r"\d+ papers match")

    def test_search_feed_lists_the_newest_matches_first(self):
        r = self.c.get("/feeds/search.atom?q=speculative+decoding")
        root = ET.fromstring(r.body)
        ids = [e.find(ATOM + "id").text for e in root.findall(ATOM + "entry")]
        published = [e.find(ATOM + "published").text for e in root.findall(ATOM + "entry")]
        self.assertEqual(published, sorted(published, reverse=True))
        joined = " ".join(ids)
        self.assertIn("2608.08097", joined)
        self.assertIn("2608.00146", joined)

    def test_every_way_of_naming_a_paper(self):
        for q in ("https://huggingface.co/papers/2505.24864", "https://www.alphaxiv.org/abs/2505.24864",
                  "https://arxiv.org/html/2505.24864v2", "https://arxiv.org/pdf/2505.24864v1", "arXiv:2505.24864",
                  "10.48550/arXiv.2505.24864", "https://doi.org/10.48550/arXiv.2505.24864"):
            res = self.api(q).json()
            self.assertEqual([p["paper"]["id"] for p in res], ["2505.24864"], q)
        self.assertIn("/papers/2505.24864", self.c.get("/search?q=" + urllib.parse.quote(
            "https://huggingface.co/papers/2505.24864")).text)

    def test_a_paper_not_here_is_offered_and_fetched(self):
        page = self.c.get("/search?q=1605.08386").text
        self.assertIn("1605.08386 is not here yet", page)
        self.assertIn("Sign in</a> to fetch it", page)
        r = self.c.get("/papers/1605.08386")
        self.assertEqual(r.status, 404)
        self.assertIn("not here yet", r.text)
        u = Client(self.srv)
        self.assertEqual(u.signup("fetcher").status, 303)
        self.assertIn('action="/papers/1605.08386/fetch"', u.get("/search?q=1605.08386").text)
        r = u.post("/papers/1605.08386/fetch")
        self.assertEqual(r.status, 303, r.body[:400])
        self.assertEqual(r.header("Location"), "/papers/1605.08386")
        # fetched off the request threads: the page says so until it is here
        wait_paper(u, "1605.08386")
        self.assertEqual(u.get("/papers/1605.08386").status, 200)
        api = self.c.get("/api/papers/1605.08386?x=1").json()
        self.assertNotIn("submittedOnDailyAt", api)  # fetched, not featured
        # searchable as soon as it is here
        wait_for(lambda: self.api(api["title"], t=str(time.time())).json()[0]["paper"]["id"] == "1605.08386",
                 timeout=5, what="the fetched paper first in search")
        # signed out: no fetch
        self.assertEqual(Client(self.srv).post("/papers/2401.04088/fetch").status, 403)

    def test_misspellings_are_corrected_from_the_index(self):
        for wrong, right, word in (("difusion model", "diffusion model", "diffusion"),
                                   ("halucination in vision language models",
                                    "hallucination in vision language models", "hallucination"),
                                   ("retreival augmented generation", "retrieval augmented generation", "retriev")):
            r = self.api(wrong, limit=5)
            self.assertEqual(urllib.parse.unquote_plus(r.header("X-Search-Corrected") or ""), right)
            for p in r.json()[:3]:
                text = (p["paper"]["title"] + " " + p["paper"]["summary"]).lower()
                self.assertIn(word, text, p["paper"]["title"])
            page = self.c.get("/search?q=" + urllib.parse.quote(wrong)).text
            self.assertIn("Showing results for", page)
            self.assertIn("Search instead for", page)
            self.assertIn("exact=1", page)
        # asked for exactly: no correction
        r = self.api("difusion model", exact="1")
        self.assertIsNone(r.header("X-Search-Corrected"))
        # a known word is left alone
        self.assertIsNone(self.api("diffusion model").header("X-Search-Corrected"))
        out = subprocess.run([BIN, "search", "difusion model"], env=self.f.env, capture_output=True, text=True)
        self.assertIn('showing results for "diffusion model"', out.stderr)

    def test_featured_papers_get_arxiv_categories(self):
        pid = self.featured_for_cats
        before = self.c.get("/api/papers/%s?c=1" % pid).json()
        self.assertFalse(before.get("categories"))
        out = subprocess.run([BIN, "fetch", "arxiv", "--ids", pid, "--endpoint", self.replay.url + "/api/query",
                              "--delay", "0"], env=self.f.env, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        after = self.c.get("/api/papers/%s?c=2" % pid).json()
        self.assertTrue(after.get("categories"), after)
        cat = after["categories"][0]
        deadline = time.time() + 5
        found = []
        while time.time() < deadline and pid not in found:
            found = [p["paper"]["id"] for p in self.api("cat:%s" % cat, limit=100, t=str(time.time())).json()]
            time.sleep(0.2)
        self.assertIn(pid, found)
        self.assertIn('class="tag cat" href="/search?q=cat%%3A%s"' % urllib.parse.quote(cat),
                      self.c.get("/search?q=%s&x=2" % pid).text)
        out = subprocess.run([BIN, "fetch", "arxiv", "--ids", "not-an-id"], env=self.f.env, capture_output=True,
                             text=True)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("not an arXiv id", out.stderr)

    def test_links_quote_and_marks_skip_punctuation(self):
        page = self.c.get("/papers/2505.24864").text
        self.assertRegex(page, r'href="/search\?q=author%3A%22Mingjie%20Liu%22"')
        self.assertRegex(page, r'class="tag" href="/search\?q=%22[^"]+%22"')
        s = self.c.get("/search?q=mixture+of+experts+routing&mode=bm25").text
        self.assertNotRegex(s, r"<mark>[^<]*[:.,;]</mark>")
        self.assertRegex(s, r"<mark>[^<]+</mark>[:.,;]")

    def test_similar_papers_use_the_title_words_too(self):
        page = self.c.get("/papers/2505.09388").text
        similar = page[page.index('class="similar"'):]
        self.assertGreaterEqual(similar.count("Technical Report"), 3, similar[:1500])
        out = subprocess.run([BIN, "similar", "--limit", "5", "2505.09388"], env=self.f.env, capture_output=True,
                             text=True)
        self.assertGreaterEqual(out.stdout.count("Technical Report"), 3, out.stdout)

    def test_a_title_matched_whole_comes_first(self):
        res = self.api("Qwen3 Technical Report").json()
        self.assertEqual(res[0]["paper"]["title"], "Qwen3 Technical Report")
        res = self.api("qwen3 technical report").json()
        self.assertEqual(res[0]["paper"]["title"], "Qwen3 Technical Report")


if __name__ == "__main__":
    unittest.main()


CARD_IDS = r'<h3 class="title"><a href="/papers/([^"]+)"'


class SearchEdgesTest(SearchUseTest):
    """Issue 21: search at its edges — true counts, every mode in the API,
    pasted abstracts, spelling of every word, newest by the time shown
    (the same store and server as SearchUseTest)."""

    def page_count(self, q, p=0, mode="hybrid"):
        page = self.c.get("/search?" + urllib.parse.urlencode({"q": q, "p": p, "mode": mode})).text
        m = re.search(r'class="muted result-count">(About )?(\d+) papers?<', page)
        self.assertIsNotNone(m, (q, p))
        return int(m.group(2)), not m.group(1)

    def cli_count(self, q):
        out = subprocess.run([BIN, "search", "--limit", "3", q], env=self.f.env, capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)
        m = re.search(r"search: (about )?(\d+) papers match", out.stderr)
        return int(m.group(2)), not m.group(1)

    def test_21_1_counts_are_exact_where_the_set_is_known_and_stable_when_paging(self):
        for q in ("diffusion -video after:2026-08-01", '"speculative decoding"', '"tree of thoughts"',
                  "+diffusion +video", '"chain of thought"', '"mixture of experts"'):
            counts = {self.page_count(q, p) for p in range(3)}
            self.assertEqual(len(counts), 1, (q, counts))
            total, exact = counts.pop()
            r = self.api(q, limit=120, mode="bm25")
            self.assertEqual(int(r.header("X-Total-Count")), total, q)
            self.assertEqual(r.header("X-Total-Count-Exact"), "true" if exact else "false", q)
            self.assertEqual(self.cli_count(q), (total, exact), q)
            self.assertTrue(exact, q)
            self.assertEqual(len(r.json()), min(total, 120), q)
        # ~470 papers hold the phrase (page 1 once said "About 21")
        self.assertGreater(self.page_count('"chain of thought"')[0], 400)
        # a phrase of common words: estimated from a fixed sample, the same on every page
        q = '"large language"'
        counts = {self.page_count(q, p) for p in range(3)}
        self.assertEqual(len(counts), 1, counts)
        self.assertFalse(counts.pop()[1])
        # free words: an estimate, said to be one, the same on every page and everywhere
        q = "diffusion transformer"
        counts = {self.page_count(q, p) for p in range(3)}
        self.assertEqual(len(counts), 1, counts)
        total, exact = counts.pop()
        self.assertFalse(exact)
        r = self.api(q)
        self.assertEqual((int(r.header("X-Total-Count")), r.header("X-Total-Count-Exact")), (total, "false"))
        self.assertEqual(self.cli_count(q), (total, False))

    def test_21_2_the_api_honours_mode(self):
        q = "diffusion transformer video"
        ids = {}
        for mode in ("hybrid", "bm25", "semantic"):
            api = [p["paper"]["id"] for p in self.api(q, mode=mode, limit=20).json()]
            page = re.findall(CARD_IDS, self.c.get("/search?" + urllib.parse.urlencode(
                {"q": q, "mode": mode})).text)
            self.assertEqual(api, page, mode)
            ids[mode] = api
        self.assertNotEqual(ids["bm25"], ids["semantic"])
        self.assertNotEqual(ids["hybrid"], ids["semantic"])
        self.assertEqual(self.c.get("/api/papers/search?q=x&mode=lucky").status, 400)
        self.assertEqual(self.c.get("/search?q=x&mode=lucky").status, 400)

    def test_22_hybrid_pages_agree(self):
        """Hybrid reorders the best 30 by words; later pages go on in the
        words' order: every page agrees with the first and with the API."""
        for q in ("diffusion transformer", "reasoning"):
            pages = []
            for p in range(3):
                pages += re.findall(CARD_IDS, self.c.get("/search?" + urllib.parse.urlencode({"q": q, "p": p})).text)
            self.assertEqual(len(pages), 60, q)
            self.assertEqual(len(set(pages)), 60, q)
            api = [x["paper"]["id"] for x in self.api(q, limit=60).json()]
            self.assertEqual(pages, api, q)

    def test_21_4_a_pasted_abstract_finds_its_paper(self):
        ids = [p["paper"]["id"] for p in self.api("reinforcement learning reasoning", limit=40).json()]
        done = 0
        for pid in ids:
            abstract = self.c.get("/api/papers/" + pid).json()["summary"]
            if len(abstract) < 1200:
                continue
            done += 1
            page = self.c.get("/search?" + urllib.parse.urlencode({"q": abstract})).text
            self.assertEqual(re.findall(CARD_IDS, page)[:1], [pid])
            r = self.c.request("POST", "/api/papers/search", raw_body=json.dumps({"q": abstract, "limit": 5}).encode(),
                               headers={"Content-Type": "application/json"})
            self.assertEqual(r.status, 200, r.body[:200])
            self.assertEqual(r.json()[0]["paper"]["id"], pid)
            r = self.c.request("POST", "/search", body={"q": abstract, "mode": "bm25"})
            self.assertEqual(r.status, 200)
            self.assertEqual(re.findall(CARD_IDS, r.text)[:1], [pid])
            if done == 3:
                break
        self.assertEqual(done, 3)
        # 300 words and 5,000 characters work; more is refused with a reason
        words = " ".join((abstract + " ") * 3).split()[:300]
        self.assertEqual(self.c.get("/search?" + urllib.parse.urlencode({"q": " ".join(words)})).status, 200)
        text = (abstract * 5)[:5000]
        r = self.c.request("POST", "/api/papers/search", body={"q": text})
        self.assertEqual(r.status, 200, r.body[:200])
        # a text is searched by relevance: newest first says so instead of a wrong order
        r = self.c.request("POST", "/api/papers/search", body={"q": text, "sort": "newest"})
        self.assertEqual(r.status, 400)
        self.assertIn("by relevance", r.text)
        r = self.c.request("POST", "/api/papers/search", body={"q": text + "x"})
        self.assertEqual(r.status, 400)
        self.assertIn("at most 5000", r.json()["error"] if "error" in r.json() else r.text)

    def test_21_6_every_misspelled_word_is_corrected(self):
        for wrong, right in (("reinforcment lerning", "reinforcement learning"),
                             ("difusion modles", "diffusion models"),
                             ("mixture of experst", "mixture of experts"),
                             ("speculatve decodng", "speculative decoding")):
            r = self.api(wrong, limit=5)
            self.assertEqual(urllib.parse.unquote_plus(r.header("X-Search-Corrected") or ""), right, wrong)
            page = self.c.get("/search?" + urllib.parse.urlencode({"q": wrong})).text
            self.assertIn("Showing results for", page)
            self.assertIn("<strong>%s</strong>" % right, page)
        # one stem, two spellings: the English one is suggested, the results are the same
        r = self.api("reinforcment learning", limit=5)
        self.assertEqual(urllib.parse.unquote_plus(r.header("X-Search-Suggestion") or ""), "reinforcement learning")
        # names and plurals are left alone
        for q in ("BEIR", "Qwen", "MusicRL", "on-policy rollouts", "hyperbolic embeddings"):
            r = self.api(q, limit=3)
            self.assertIsNone(r.header("X-Search-Corrected"), q)
            self.assertIsNone(r.header("X-Search-Suggestion"), q)

    def test_21_7_newest_is_by_the_time_shown(self):
        got = [p["paper"]["publishedAt"] for p in self.api("language model", sort="newest", limit=120).json()]
        self.assertEqual(len(got), 120)
        self.assertGreater(len({t[:10] for t in got}), 1)
        self.assertLess(len({t[:10] for t in got}), 100)  # days with several papers
        self.assertEqual(got, sorted(got, reverse=True))

    test_sort_and_count = test_search_feed_lists_the_newest_matches_first = None
    test_every_way_of_naming_a_paper = test_a_paper_not_here_is_offered_and_fetched = None
    test_misspellings_are_corrected_from_the_index = test_featured_papers_get_arxiv_categories = None
    test_links_quote_and_marks_skip_punctuation = test_similar_papers_use_the_title_words_too = None
    test_a_title_matched_whole_comes_first = None


class HighlightTest(SearchUseTest):
    """The search page marks the query's words in every card, also inside
    compounds ("Video-Diffusion"): only words that
    cannot hold a query term are skipped without tokenizing (issue 22)."""

    def test_every_word_of_the_query_is_marked(self):
        for q, word in (("diffusion", r"diffusion"), ("video benchmark", r"(video|benchmark)")):
            page = self.c.get("/search?" + urllib.parse.urlencode({"q": q, "mode": "bm25"})).text
            titles = re.findall(r'<h3 class="title"><a href="/papers/[^"]+">(.*?)</a></h3>', page)
            self.assertGreater(len(titles), 5, q)
            for t in titles:
                plain = re.sub(r"</?mark>", "", t)
                # each whitespace-delimited word holding the term at the start of
                # a part, with at most a plural or "-ing" after it
                want = [w for w in plain.split()
                        if re.search(r"(^|[^a-z0-9])" + word + r"(s|ing)?([^a-z0-9]|$)", w.lower())]
                marked = re.findall(r"<mark>([^<]*)</mark>", t)
                self.assertEqual(len(marked), len(want), (q, t))

    test_sort_and_count = test_search_feed_lists_the_newest_matches_first = None
    test_every_way_of_naming_a_paper = test_a_paper_not_here_is_offered_and_fetched = None
    test_misspellings_are_corrected_from_the_index = test_featured_papers_get_arxiv_categories = None
    test_links_quote_and_marks_skip_punctuation = test_similar_papers_use_the_title_words_too = None
    test_a_title_matched_whole_comes_first = None
