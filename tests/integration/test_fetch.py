"""fetch arxiv / fetch hf against a local server replaying real arXiv
OAI-PMH and Hugging Face responses from ../shared/data."""
import json
import os
import socket
import unittest
import xml.etree.ElementTree as ET

from common import PaperboyTest
from replay import Replay

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def oai_ids(body):
    root = ET.fromstring(body)
    return {h.text.replace("oai:arXiv.org:", "") for h in root.iter(OAI + "identifier")
            if h.text and h.text.startswith("oai:")}


class FetchTest(PaperboyTest):
    def setUp(self):
        super().setUp()
        d = self.require_data("arxiv-oai-pmh")
        self.page1 = read(os.path.join(d, "arxiv-oai-harvester-litpuvn", "ListRecords.xml"))
        self.page2 = read(os.path.join(d, "arXivOAIHarvester-mikesaelim", "ListRecordsResponse.xml"))
        self.page3 = read(os.path.join(d, "hepcrawl-functional", "arxiv-physics-hep-th.xml"))
        self.bad_token = read(os.path.join(d, "arXivOAIHarvester-mikesaelim", "ErrorResponseBadResumptionToken.xml"))
        self.no_match = read(os.path.join(d, "arXivOAIHarvester-mikesaelim", "ErrorResponseNoRecordsMatch.xml"))
        self.fail_page2 = False
        self.server = Replay(self.route)
        self.init()

    def tearDown(self):
        self.server.close()
        super().tearDown()

    def route(self, path, q, hits):
        xml = {"Content-Type": "text/xml"}
        if path == "/oai":
            if q.get("verb") != "ListRecords":
                return 400, {}, b"bad verb"
            token = q.get("resumptionToken")
            if token is None:
                if q.get("set") == "nothing":
                    return 200, xml, self.no_match
                if q.get("metadataPrefix") != "arXivRaw":
                    return 400, {}, b"bad prefix"
                return 200, xml, self.page1
            if token == "1403493|1001":
                # the first try of this page is told to come back later
                if sum(1 for _, _, qq in self.server.log if qq.get("resumptionToken") == token) == 1:
                    return 503, {"Retry-After": "1"}, b"busy"
                if self.fail_page2:
                    return 500, {}, b"internal error"
                return 200, xml, self.page2
            if token == "726959|1001":
                return 200, xml, self.page3
            return 200, xml, self.bad_token
        if path == "/api/daily_papers":
            day = q.get("date", "")
            f = os.path.join(self.require_data("hf-daily-papers"), "Paper_metadata_download", day + ".json")
            if os.path.exists(f):
                return 200, {"Content-Type": "application/json"}, read(f)
            return 200, {"Content-Type": "application/json"}, b"[]"
        if path in ("/api/models", "/api/datasets", "/api/spaces"):
            return 200, {"Content-Type": "application/json"}, b"[]"  # the Hub: nothing cites it
        return 404, {}, b"not found"

    def test_harvest_follows_tokens_retries_503_and_spaces_requests(self):
        _, err = self.pb("fetch", "arxiv", "--set", "cs", "--from", "2016-10-20", "--until", "2016-10-21",
                         "--endpoint", self.server.url + "/oai", "--delay", "0.4")
        log = self.server.log
        self.assertEqual(len(log), 4)  # page 1, page 2 (503), page 2, page 3
        first = log[0][2]
        self.assertEqual((first["set"], first["from"], first["until"]), ("cs", "2016-10-20", "2016-10-21"))
        self.assertEqual(log[1][2]["resumptionToken"], "1403493|1001")
        self.assertGreaterEqual(log[2][0] - log[1][0], 0.95)  # Retry-After: 1
        for a, b in zip(log, log[1:]):
            self.assertGreaterEqual(b[0] - a[0], 0.39)     # never faster than --delay
        expected = oai_ids(self.page1) | oai_ids(self.page2) | oai_ids(self.page3)
        self.assertEqual(self.stats()["papers"], len(expected))
        self.assertEqual(self.stats()["sources"]["arxivOai"], len(expected))
        # done: nothing remembered, a new run starts from the beginning
        self.server.log.clear()
        self.pb("fetch", "arxiv", "--set", "cs", "--from", "2016-10-20", "--until", "2016-10-21",
                "--endpoint", self.server.url + "/oai", "--delay", "0")
        self.assertNotIn("resumptionToken", self.server.log[0][2])

    def test_interrupted_harvest_resumes_at_the_last_token(self):
        self.fail_page2 = True
        args = ("fetch", "arxiv", "--set", "cs", "--endpoint", self.server.url + "/oai", "--delay", "0")
        _, err = self.pb(*args, expect=1)
        self.assertIn("HTTP 500", err)
        n1 = self.stats()["papers"]
        self.assertEqual(n1, len(oai_ids(self.page1)))  # page 1 kept whole
        self.fail_page2 = False
        self.server.log.clear()
        _, err = self.pb(*args)
        self.assertIn("resuming", err)
        self.assertEqual(self.server.log[0][2].get("resumptionToken"), "1403493|1001")
        expected = oai_ids(self.page1) | oai_ids(self.page2) | oai_ids(self.page3)
        self.assertEqual(self.stats()["papers"], len(expected))

    def test_oai_errors(self):
        _, err = self.pb("fetch", "arxiv", "--set", "nothing", "--endpoint", self.server.url + "/oai",
                         "--delay", "0")
        self.assertEqual(self.stats()["papers"], 0)  # noRecordsMatch: an empty harvest
        _, err = self.pb("fetch", "arxiv", "--endpoint", self.server.url + "/nowhere", "--delay", "0", expect=1)
        self.assertIn("HTTP 404", err)
        self.assertEqual(self.stats()["papers"], 0)

    def test_unreachable_endpoint(self):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()  # nothing listens there now
        _, err = self.pb("fetch", "hf", "--date", "2025-06-02", "--endpoint",
                         "http://127.0.0.1:%d/api/daily_papers" % port, "--retries", "1", "--delay", "0.1",
                         expect=1)
        self.assertIn("127.0.0.1:%d" % port, err)
        self.assertEqual(self.stats()["papers"], 0)

    def test_fetch_hf_one_day(self):
        self.pb("fetch", "hf", "--date", "2025-06-02", "--endpoint", self.server.url + "/api/daily_papers",
                "--hub-delay", "0")
        self.assertEqual(self.server.log[0][2], {"date": "2025-06-02"})
        with open(os.path.join(self.require_data("hf-daily-papers"), "Paper_metadata_download",
                               "2025-06-02.json")) as f:
            day = json.load(f)
        listed = self.pb_json("list", "--date", "2025-06-02", "--limit", "500", "--json")
        self.assertEqual({p["id"] for p in listed}, {r["paper"]["id"] for r in day})
        # then the Hub, for the models, datasets and Spaces citing each (test_linked.py)
        asked = {q["filter"] for _, path, q in self.server.log if path == "/api/spaces"}
        self.assertEqual(asked, {"arxiv:" + r["paper"]["id"] for r in day})
        # a day without papers is fine; a bad date is a usage error
        self.pb("fetch", "hf", "--date", "2025-06-07", "--endpoint", self.server.url + "/api/daily_papers")
        self.pb("fetch", "hf", "--date", "June 2", "--endpoint", self.server.url + "/api/daily_papers", expect=2)


if __name__ == "__main__":
    unittest.main()
