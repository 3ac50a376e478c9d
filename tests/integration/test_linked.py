"""Issue 20, item 3: the Hub's models, datasets and Spaces that cite a
paper. `fetch hf` and `serve --sync hf` ask the Hub's API for each paper
(/api/models, /api/datasets, /api/spaces with filter=arxiv:ID), the store
keeps them, the paper page shows them and GET /api/papers/{id} returns them
as linkedModels, numTotalModels, ... in the shapes huggingface_hub's
ModelInfo, DatasetInfo and SpaceInfo read. The Hub here is a local server
answering in its real shapes (from the Hub's API documentation and
huggingface_hub's dataclasses): a JSON array per page, `limit` items at
most, a `Link: <...>; rel="next"` header while more follow."""
import base64
import datetime
import json
import os
import re
import time
import unittest
import urllib.parse

from common import PaperboyTest
from replay import Replay
from web import Client, Server, wait_for

DAY = "2026-11-30"
MANY, NONE, FAIL, PAGED, CAPPED, FULL = ("2611.00001", "2611.00002", "2611.00003", "2611.00004", "2611.00005",
                                        "2611.00006")
PAPERS = [MANY, NONE, FAIL, PAGED, CAPPED, FULL]
HUB_KINDS = ("models", "datasets", "spaces")

# what huggingface_hub's ModelInfo / DatasetInfo / SpaceInfo(**item) read,
# with the JSON types the Hub gives them
STR, BOOL, INT, NUM, TAGS, TIME, GATED = "str", "bool", "int", "num", "tags", "time", "gated"
FIELDS = {
    "models": {"_id": STR, "id": STR, "modelId": STR, "author": STR, "sha": STR, "createdAt": TIME,
               "lastModified": TIME, "private": BOOL, "disabled": BOOL, "gated": GATED, "downloads": INT,
               "likes": INT, "library_name": STR, "pipeline_tag": STR, "tags": TAGS, "trendingScore": NUM},
    "datasets": {"_id": STR, "id": STR, "author": STR, "sha": STR, "createdAt": TIME, "lastModified": TIME,
                 "private": BOOL, "disabled": BOOL, "gated": GATED, "downloads": INT, "likes": INT,
                 "tags": TAGS, "trendingScore": NUM},
    "spaces": {"_id": STR, "id": STR, "author": STR, "sha": STR, "createdAt": TIME, "lastModified": TIME,
               "private": BOOL, "disabled": BOOL, "gated": GATED, "likes": INT, "sdk": STR, "tags": TAGS,
               "trendingScore": NUM},
}
API_KEYS = {"models": ("linkedModels", "numTotalModels"), "datasets": ("linkedDatasets", "numTotalDatasets"),
            "spaces": ("linkedSpaces", "numTotalSpaces")}


def oid(n):
    return "%024x" % (0x665f00000000 + n)


def model(pid, i, **kw):
    m = {"_id": oid(i), "id": "org%d/model-%d" % (i % 3, i), "likes": 5000 - i, "trendingScore": 7 - i % 5,
         "private": False, "downloads": 31 * i, "tags": ["transformers", "safetensors", "llama", "text-generation",
                                                          "arxiv:" + pid, "license:apache-2.0", "region:us"],
         "pipeline_tag": "text-generation", "library_name": "transformers",
         "createdAt": "2026-11-%02dT08:%02d:13.000Z" % (1 + i % 28, i % 60), "modelId": "org%d/model-%d" % (i % 3, i)}
    m.update(kw)
    return m


def hub_data():
    """Per (kind, paper): the Hub's repos citing the paper, most liked first."""
    d = {}
    d["models", MANY] = [
        model(MANY, 1, pipeline_tag='text-generation"><script>alert(1)</script>'),
        model(MANY, 2, gated="manual", lastModified="2026-11-29T10:00:00.000Z", author="org2",
              sha="4a1e0cdb1a3d2f2b0c4e8f9e6c8d7b6a5f4e3d2c", disabled=False),
        model(MANY, 3, library_name=None, pipeline_tag=None, trendingScore=0.5,
              siblings=[{"rfilename": "config.json"}], cardData={"title": "<script>no</script>"}),
    ]
    d["datasets", MANY] = [
        {"_id": oid(100), "id": "org1/bench-<x>", "author": "org1", "likes": 40, "downloads": 900, "private": False,
         "gated": False, "disabled": False, "tags": ["arxiv:" + MANY], "createdAt": "2026-11-20T00:00:00.000Z"},
        {"_id": oid(101), "id": "org1/bench", "author": "org1", "sha": "0123456789abcdef0123456789abcdef01234567",
         "lastModified": "2026-11-28T12:30:45.000Z", "private": False, "gated": "auto", "disabled": False,
         "downloads": 1234, "likes": 17, "tags": ["task_categories:text-generation", "size_categories:1K<n<10K",
                                                    "language:en", "arxiv:" + MANY, "region:us"],
         "createdAt": "2026-11-21T09:00:00.000Z", "trendingScore": 3,
         "description": "\n\t\n\t\t\n\t\tBench\n\t\n\nA benchmark <b>for</b> models.",
         "paperswithcode_id": None, "citation": "@article{x}"},
        {"_id": oid(102), "id": "someone/mirror", "author": "someone", "likes": 0, "downloads": 3, "private": False,
         "gated": False, "disabled": False, "tags": ["arxiv:" + MANY], "createdAt": "2026-11-25T00:00:00.000Z",
         "lastModified": "2026-11-25T00:00:00.000Z", "trendingScore": 0},
    ]
    d["spaces", MANY] = [
        {"_id": oid(200), "id": "org0/demo", "likes": 12, "sdk": "<b>gradio</b>", "tags": ["gradio", "arxiv:" + MANY,
                                                                                           "region:us"],
         "createdAt": "2026-11-22T00:00:00.000Z", "private": False, "trendingScore": 2},
    ]
    d["models", PAGED] = [model(PAGED, 10 + i) for i in range(250)]
    d["models", CAPPED] = [model(CAPPED, 1000 + i) for i in range(1500)]
    d["datasets", FULL] = [{"_id": oid(300 + i), "id": "org%d/set-%d" % (i % 4, i), "likes": 200 - i,
                            "downloads": i, "private": False, "tags": ["arxiv:" + FULL]} for i in range(150)]
    return d


def day_items():
    items = []
    for n, pid in enumerate(PAPERS):
        items.append({"paper": {"id": pid, "title": "Linked paper %d" % n, "summary": "About model %d." % n,
                                "authors": [{"name": "Ada Lovelace"}], "publishedAt": DAY + "T00:00:00.000Z",
                                "submittedOnDailyAt": DAY + "T10:00:00.000Z", "upvotes": 50 - n},
                      "publishedAt": DAY + "T10:00:00.000Z", "title": "Linked paper %d" % n, "numComments": 0})
    return items


class HubReplay:
    """The daily-papers API and the Hub's repo listings."""

    def __init__(self):
        self.data = hub_data()
        self.failing = {FAIL}
        self.server = Replay(self.route)
        self.url = self.server.url
        self.log = self.server.log

    def close(self):
        self.server.close()

    def route(self, path, q, hits):
        js = {"Content-Type": "application/json; charset=utf-8"}
        if path.endswith("/api/daily_papers"):  # also a mirror's, without the Hub's API beside it
            return 200, js, json.dumps(day_items()).encode()
        kind = path[len("/api/"):] if path.startswith("/api/") else ""
        if kind not in HUB_KINDS:
            return 404, js, b'{"error": "Sorry, we can\'t find the page you are looking for."}'
        f = q.get("filter", "")
        if not f.startswith("arxiv:"):
            return 400, js, b'{"error": "bad filter"}'
        pid = f[len("arxiv:"):]
        if pid in self.failing:
            return 500, js, b'{"error": "Internal Error - We\'re working hard to fix this as soon as possible!"}'
        repos = self.data.get((kind, pid), [])
        limit = int(q.get("limit", "1000"))
        skip = json.loads(base64.urlsafe_b64decode(q["cursor"]))["$skip"] if "cursor" in q else 0
        page = repos[skip:skip + limit]
        headers = dict(js)
        if skip + limit < len(repos) and pid != FULL:  # FULL: a Hub that names no next page
            nq = dict(q, cursor=base64.urlsafe_b64encode(json.dumps({"$skip": skip + limit}).encode()).decode())
            headers["Link"] = '<%s%s?%s>; rel="next"' % (self.url, path, urllib.parse.urlencode(nq))
        return 200, headers, json.dumps(page).encode()

    def hub_requests(self):
        return [(t, p, q) for t, p, q in self.log if not p.endswith("/api/daily_papers")]


def kept(kind, repo):
    """What paperboy keeps of a repo the Hub sent: the known fields, of
    their types (a null is left out)."""
    return {k: v for k, v in repo.items() if k in FIELDS[kind] and v is not None}


class LinkedBase(PaperboyTest):
    def setUp(self):
        super().setUp()
        self.hub = HubReplay()
        self.init()

    def tearDown(self):
        self.hub.close()
        super().tearDown()

    def check_shape(self, kind, repo):
        """The client's dataclass reads each key as its type."""
        self.assertLessEqual(set(repo), set(FIELDS[kind]), repo)
        self.assertIsInstance(repo["id"], str)
        for k, v in repo.items():
            t = FIELDS[kind][k]
            if t == STR:
                self.assertIsInstance(v, str, k)
            elif t == BOOL:
                self.assertIsInstance(v, bool, k)
            elif t == INT:
                self.assertTrue(isinstance(v, int) and not isinstance(v, bool), k)
            elif t == NUM:
                self.assertTrue(isinstance(v, (int, float)) and not isinstance(v, bool), k)
            elif t == TAGS:
                self.assertTrue(isinstance(v, list) and all(isinstance(x, str) for x in v), k)
            elif t == TIME:  # huggingface_hub's parse_datetime
                datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%fZ")
            elif t == GATED:
                self.assertIn(v, (False, "auto", "manual"), k)

    def check_paper(self, c, pid, expect):
        """expect: kind -> (the repos listed, the total)."""
        j = c.get("/api/papers/" + pid).json()
        for kind, (repos, total) in expect.items():
            lk, nk = API_KEYS[kind]
            self.assertEqual(j[nk], total, (pid, nk))
            self.assertEqual(j[lk], repos, (pid, lk))
            for r in j[lk]:
                self.check_shape(kind, r)
        return j


class FetchLinkedTest(LinkedBase):
    def fetch(self, *extra, expect=0):
        return self.pb("fetch", "hf", "--date", DAY, "--endpoint", self.hub.url + "/api/daily_papers", *extra,
                       expect=expect)

    def test_fetch_hf_stores_serves_and_shows_them(self):
        _, err = self.fetch("--hub-delay", "0", expect=1)
        # a Hub 500 for one paper is reported and stops nothing else
        self.assertRegex(err, r"%s.*HTTP 500" % re.escape(FAIL))
        self.assertNotRegex(err, r"%s.*HTTP" % re.escape(MANY))
        asked = self.hub.hub_requests()
        firsts = [q for _, _, q in asked if "cursor" not in q]
        for pid in PAPERS:
            kinds = [p[len("/api/"):] for _, p, q in asked if q.get("filter") == "arxiv:" + pid and "cursor" not in q]
            self.assertEqual(kinds, ["models"] if pid == FAIL else list(HUB_KINDS), pid)
        for q in firsts:
            self.assertEqual((q["limit"], q["sort"], q["direction"]), ("100", "likes", "-1"), q)
        # counting the rest of a long list follows the Hub's Link pages, up to 1,000 repos
        paged = [q for _, p, q in asked if q.get("filter") == "arxiv:" + PAGED and p == "/api/models"]
        self.assertEqual(len(paged), 3)
        capped = [q for _, p, q in asked if q.get("filter") == "arxiv:" + CAPPED and p == "/api/models"]
        self.assertEqual(len(capped), 10)

        srv = Server(self.env, self.tmp)
        try:
            c = Client(srv)
            data = self.hub.data
            j = self.check_paper(c, MANY, {
                "models": ([kept("models", m) for m in data["models", MANY]], 3),
                # an id the Hub would never give is left out (its count stays the Hub's)
                "datasets": ([kept("datasets", d) for d in data["datasets", MANY][1:]], 3),
                "spaces": ([kept("spaces", s) for s in data["spaces", MANY]], 1)})
            self.assertNotIn("description", j["linkedDatasets"][0])
            self.assertNotIn("cardData", j["linkedModels"][2])
            self.check_paper(c, NONE, {k: ([], 0) for k in HUB_KINDS})
            self.check_paper(c, PAGED, {"models": ([kept("models", m) for m in data["models", PAGED][:100]], 250),
                                        "datasets": ([], 0), "spaces": ([], 0)})
            self.check_paper(c, CAPPED, {"models": ([kept("models", m) for m in data["models", CAPPED][:100]], 1000)})
            self.check_paper(c, FULL, {"datasets": ([kept("datasets", d) for d in data["datasets", FULL][:100]], 100)})
            # not fetched: no fields at all
            failed = c.get("/api/papers/" + FAIL).json()
            for lk, nk in API_KEYS.values():
                self.assertNotIn(lk, failed)
                self.assertNotIn(nk, failed)
            # the single paper only: lists carry none of it
            for item in c.get("/api/daily_papers?date=" + DAY).json():
                self.assertNotIn("linkedModels", item["paper"])
                self.assertNotIn("linkedModels", item)
            for item in c.get("/api/papers/search?q=linked").json():
                self.assertNotIn("linkedModels", item["paper"])

            page = c.get("/papers/" + MANY).text
            self.assertIn("Models citing this paper (3)", page)
            self.assertIn("Datasets citing this paper (3)", page)
            self.assertIn("Spaces citing this paper (1)", page)
            self.assertIn('href="https://huggingface.co/org1/model-1"', page)
            self.assertIn('href="https://huggingface.co/datasets/org1/bench"', page)
            self.assertIn('href="https://huggingface.co/spaces/org0/demo"', page)
            self.assertNotIn("bench-&lt;x&gt;", page)
            self.assertNotIn("bench-<x>", page)
            self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", page)
            self.assertNotIn("<script>alert", page)
            self.assertIn("&lt;b&gt;gradio&lt;/b&gt;", page)
            self.assertNotIn("<script>no", page)
            self.assertIn("4,999", page)  # the likes of org1/model-1
            none = c.get("/papers/" + NONE).text
            self.assertIn("Models citing this paper (0)", none)
            self.assertIn("Spaces citing this paper (0)", none)
            self.assertNotIn("citing this paper", c.get("/papers/" + FAIL).text)
            paged_page = c.get("/papers/" + PAGED).text
            self.assertIn("Models citing this paper (250)", paged_page)
            self.assertEqual(len(re.findall(r'href="https://huggingface.co/org\d/model-\d+"', paged_page)), 100)
            self.assertRegex(paged_page, r"<details[^>]*><summary[^>]*>Show 90 more")
            self.assertIn('href="https://huggingface.co/papers/%s"' % PAGED, paged_page)
            self.assertIn("Models citing this paper (1,000+)", c.get("/papers/" + CAPPED).text)
            # a full page without a link to the next: at least that many
            self.assertIn("Datasets citing this paper (100+)", c.get("/papers/" + FULL).text)
        finally:
            self.assertEqual(srv.stop(), 0)

        # the next run asks only for what failed, at the pace asked for
        self.hub.failing.clear()
        self.hub.log.clear()
        self.fetch("--hub-delay", "0.3")
        asked = self.hub.hub_requests()
        self.assertEqual({q["filter"] for _, _, q in asked}, {"arxiv:" + FAIL})
        self.assertEqual(len(asked), 3)
        for a, b in zip(asked, asked[1:]):
            self.assertGreaterEqual(b[0] - a[0], 0.29)
        srv = Server(self.env, self.tmp)
        try:
            self.check_paper(Client(srv), FAIL, {k: ([], 0) for k in HUB_KINDS})
        finally:
            srv.stop()

    def test_no_hub_there(self):
        # a mirror of the daily papers without the Hub's API: one message,
        # not one per paper, and nothing stored
        _, err = self.pb("fetch", "hf", "--date", DAY, "--endpoint", self.hub.url + "/mirror/api/daily_papers",
                         "--hub-delay", "0", expect=1)
        self.assertEqual([p for _, p, _ in self.hub.hub_requests()], ["/mirror/api/models"])
        self.assertEqual(err.count("HTTP 404"), 1, err)
        self.assertEqual(self.sql("SELECT count(*) FROM paper_links"), [(0,)])
        self.assertEqual(len(self.pb_json("list", "--date", DAY, "--json")), len(PAPERS))
        # --no-links asks nothing of the Hub
        self.hub.log.clear()
        self.pb("fetch", "hf", "--date", DAY, "--endpoint", self.hub.url + "/api/daily_papers", "--no-links")
        self.assertEqual(self.hub.hub_requests(), [])
        self.assertEqual(self.sql("SELECT count(*) FROM paper_links"), [(0,)])


class SyncLinkedTest(LinkedBase):
    def test_sync_fetches_them_too(self):
        srv = Server(self.env, self.tmp, "--sync", "hf", "--sync-every", "1", "--sync-hf-endpoint",
                     self.hub.url + "/api/daily_papers", "--hub-delay", "0")
        try:
            c = Client(srv)
            wait_for(lambda: "linkedModels" in c.get("/api/papers/%s?t=%f" % (MANY, time.time())).json(), 60,
                     what="the sync fetching the linked repos")
            self.check_paper(c, MANY, {"spaces": ([kept("spaces", s) for s in self.hub.data["spaces", MANY]], 1)})
            wait_for(lambda: "numTotalModels" in c.get("/api/papers/%s?t=%f" % (NONE, time.time())).json(), 30)
            self.check_paper(c, NONE, {k: ([], 0) for k in HUB_KINDS})
            # a failing paper is reported, asked again next turn, and the rest stays
            wait_for(lambda: FAIL in srv.stderr(), 30, what="the failure reported")
            n = len([1 for _, _, q in self.hub.log if q.get("filter") == "arxiv:" + FAIL])
            wait_for(lambda: len([1 for _, _, q in self.hub.log if q.get("filter") == "arxiv:" + FAIL]) > n, 30,
                     what="the failed paper asked again")
            # the others are fresh: not asked again
            many = len([1 for _, _, q in self.hub.log if q.get("filter") == "arxiv:" + MANY])
            self.assertEqual(many, 3)
            self.assertIn("Models citing this paper (3)", c.get("/papers/" + MANY).text)
        finally:
            self.assertEqual(srv.stop(), 0)


if __name__ == "__main__":
    unittest.main()
