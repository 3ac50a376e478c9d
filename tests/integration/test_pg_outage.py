"""PostgreSQL going away and coming back, on a server of this test's own
(scripts/pg_test.sh; the shared test server stays up for the others):
requests during the outage get 503 with Retry-After and the server lives
on; afterwards it serves again without a restart; an ingest that the
restart interrupts waits, finishes, and loses no batch it committed; a
vote acknowledged before a crash of the server is there after it."""
import os
import subprocess
import tempfile
import time
import unittest
import uuid

from common import BIN, GEN, PaperboyTest
from web import Client, Server

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "../.."))
DAY = "2024-05-29"


class PgOutageTest(PaperboyTest):
    @classmethod
    def setUpClass(cls):
        cls.pgdir = tempfile.mkdtemp(prefix="pb-pgo-")
        out = subprocess.run(["sh", os.path.join(ROOT, "scripts/pg_test.sh"), "start", cls.pgdir],
                             capture_output=True, text=True, check=True).stdout.strip()
        cls.base = out

    @classmethod
    def tearDownClass(cls):
        subprocess.run(["sh", os.path.join(ROOT, "scripts/pg_test.sh"), "stop", cls.pgdir], check=False)

    def pgctl(self, what):
        subprocess.run(["sh", os.path.join(ROOT, "scripts/pg_test.sh"), what, self.pgdir], check=True)

    def setUp(self):
        super().setUp()
        import psycopg2
        name = "pbo_" + uuid.uuid4().hex[:12]
        con = psycopg2.connect(self.base)
        con.autocommit = True
        con.cursor().execute("CREATE DATABASE " + name)
        con.close()
        self.url = self.base.replace("/postgres?", "/%s?" % name)
        self.env = dict(self.env, PAPERBOY_DB=self.url)

    def count(self):
        import psycopg2
        con = psycopg2.connect(self.url)
        try:
            cur = con.cursor()
            cur.execute("SELECT count(*) FROM papers")
            return cur.fetchone()[0]
        finally:
            con.close()

    def test_serve_through_an_outage(self):
        self.init()
        hf = os.path.join(self.require_data("hf-daily-papers"), "Paper_metadata_download", DAY + ".json")
        self.pb("ingest", hf)
        srv = Server(self.env, self.tmp)
        try:
            alice = Client(srv)
            self.assertEqual(alice.signup("alice").status, 303)
            day = Client(srv).get("/api/daily_papers?date=" + DAY).json()
            pid = day[0]["paper"]["id"]
            base_votes = day[0]["paper"]["upvotes"]
            self.assertEqual(alice.post("/papers/%s/vote" % pid).status, 303)

            self.pgctl("halt")
            for path in ("/papers/date/" + DAY + "?x=1", "/papers/" + pid, "/api/daily_papers?date=" + DAY + "&y=2"):
                r = alice.get(path)
                self.assertEqual(r.status, 503, path)
                self.assertTrue(r.header("Retry-After"), path)
            r = alice.post("/papers/%s/vote" % pid)
            self.assertEqual(r.status, 503)
            self.assertIsNone(srv.proc.poll(), "serve died during the outage")

            self.pgctl("resume")
            deadline = time.time() + 30
            while time.time() < deadline:
                r = Client(srv).get("/api/daily_papers?date=%s&z=%f" % (DAY, time.time()))
                if r.status == 200:
                    break
                time.sleep(0.2)
            self.assertEqual(r.status, 200)
            # the vote acknowledged before the crash is there
            got = {p["paper"]["id"]: p["paper"]["upvotes"] for p in r.json()}
            self.assertEqual(got[pid], base_votes + 1)
            # and the session too: alice is still signed in, and can vote again
            self.assertIn("Sign out", alice.get("/papers/" + pid).text, srv.stderr()[-3000:])
            self.assertEqual(alice.post("/papers/%s/vote" % pid).status, 303)
        finally:
            rc = srv.stop()
        self.assertEqual(rc, 0, srv.stderr()[-2000:])
        self.assertRegex(srv.stderr(), r"cannot be reached|cannot connect|closed the connection")

    def test_ingest_through_a_restart(self):
        n, batch = 40000, 500
        src = os.path.join(self.tmp, "snap.jsonl")
        with open(src, "w") as f:
            subprocess.run([GEN, str(n), "5"], stdout=f, check=True)
        self.init()
        err = open(os.path.join(self.tmp, "ingest.err"), "w")
        proc = subprocess.Popen([BIN, "ingest", "--no-index", "--batch", str(batch), src], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.time() + 120
        seen = 0
        while time.time() < deadline and proc.poll() is None:
            seen = self.count()
            if seen >= 4 * batch:
                break
            time.sleep(0.02)
        self.assertIsNone(proc.poll(), "the ingest finished before the restart")
        self.pgctl("halt")
        time.sleep(2)
        self.pgctl("resume")
        after_restart = self.count()
        self.assertGreaterEqual(after_restart, seen, "a committed batch was lost")
        self.assertEqual(proc.wait(300), 0, open(err.name).read()[-2000:])
        err.close()
        self.assertEqual(self.count(), n)
        log = open(err.name).read()
        self.assertIn("trying the batch again", log)


if __name__ == "__main__":
    unittest.main()
