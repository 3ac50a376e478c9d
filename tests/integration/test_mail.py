"""Subscriptions and digests against a real SMTP server (aiosmtpd) and the
real paperboy binary: double opt-in, the messages' headers and parts, that
their links work, one-click unsubscribe, no paper twice, kill -9 in the
middle of a run, the SMTP server down, permanent failures."""
import os
import re
import signal
import subprocess
import time
import unittest
import urllib.parse

from common import BIN, PaperboyTest
from smtpsink import Sink
from web import Client, Server, tampered

DAYS = ["2024-05-29", "2024-05-30", "2024-05-31", "2024-06-03"]


class MailTest(PaperboyTest):
    def setUp(self):
        super().setUp()
        self.init()
        self.hf = os.path.join(self.require_data("hf-daily-papers"), "Paper_metadata_download")
        self.load(DAYS[0])
        self.pb("index", "rebuild")
        self.sink = Sink(os.path.join(self.tmp, "mail")).start()
        self.srv = None

    def tearDown(self):
        if self.srv:
            self.srv.stop()
        self.sink.stop()
        super().tearDown()

    def load(self, day):
        self.pb("ingest", os.path.join(self.hf, day + ".json"))

    def serve(self, *extra):
        self.srv = Server(self.env, self.tmp, "--smtp", self.sink.url, "--mail-from", "digest@paperboy.test", *extra)
        return self.srv

    def digest(self, *args, expect=0, base=None):
        base = base or (self.srv.base if self.srv else "http://127.0.0.1:9")
        return self.pb("digest", "--smtp", self.sink.url, "--mail-from", "digest@paperboy.test", "--base-url", base,
                       *args, expect=expect)

    def subscribe(self, *emails, topics=None, period="daily"):
        args = ["subscribe", "--confirmed", "--period", period]
        if topics:
            args += ["--topics", topics]
        self.pb(*args, *emails)

    def wait_for(self, n, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.sink.messages()) >= n:
                return self.sink.messages()
            time.sleep(0.1)
        self.fail("expected %d messages, got %d" % (n, len(self.sink.messages())))

    @staticmethod
    def parts(msg):
        text = msg.get_body(preferencelist=("plain",)).get_content()
        html = msg.get_body(preferencelist=("html",)).get_content()
        return text, html

    # ---- subscribing ----

    def test_double_opt_in_through_the_web(self):
        srv = self.serve()
        c = Client(srv)
        r = c.get("/subscribe?email=ana%40lab.org&period=weekly")
        self.assertIn('value="ana@lab.org"', r.text)
        r = c.post("/subscribe", {"email": "ana@lab.org", "period": "daily", "topics": "video generation\ncat:cs.CV"})
        self.assertEqual(r.status, 200)
        self.assertIn("link to confirm is on its way", r.text)
        msgs = self.wait_for(1)
        m = msgs[0]
        self.assertEqual(m["To"], "ana@lab.org")
        self.assertIn("Confirm", m["Subject"])
        body = m.get_content()
        link = re.search(r"(http://\S+/subscribe/confirm\?t=\S+)", body).group(1)
        manage = re.search(r"(http://\S+/subscription\?t=\S+)", body).group(1)
        self.assertIn("One-Click", m["List-Unsubscribe-Post"])
        self.assertEqual(c.get(manage[len(srv.base):]).status, 200)
        # nothing but the confirmation until the link is followed
        self.digest()
        self.assertEqual(len(self.sink.messages()), 1)
        path = link[len(srv.base):]
        page = c.get(path)
        self.assertEqual(page.status, 200)
        self.assertIn("Yes, confirm", page.text)
        tok = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["t"][0]
        self.assertEqual(c.post("/subscribe/confirm", {"t": tok}).status, 200)
        self.assertEqual(self.sql("SELECT status, topics FROM subscriptions"), [("active", "video generation\ncat:cs.CV")])
        # the same address again: never doubled, and the change waits for
        # the address (a new confirmation), answered as for a new address
        r = c.post("/subscribe", {"email": "ANA@lab.org", "period": "weekly"})
        self.assertIn("link to confirm is on its way", r.text)
        self.assertEqual(self.sql("SELECT count(*), min(period), min(pending_period) FROM subscriptions"), [(1, "daily", "weekly")])
        self.assertEqual(len(self.wait_for(2)), 2)
        # a forged or altered token is refused
        self.assertEqual(c.get("/subscribe/confirm?t=" + tampered(tok)).status, 400)
        self.assertEqual(c.get("/subscription?t=" + tok).status, 400)  # a confirm token is not a manage token
        # the manage page's changes pass the subscribe form's rules (it took
        # any period as daily, 4000 bytes of topics as they came)
        mtok = urllib.parse.parse_qs(urllib.parse.urlsplit(manage).query)["t"][0]
        for period, topics, why in [("monthly", "", "daily or weekly"), ("daily", "\n".join(["t%d" % i for i in range(21)]),
                                    "At most 20 topics"), ("weekly", "x" * 201, "at most 200 characters")]:
            r = c.post("/subscription", {"t": mtok, "period": period, "topics": topics})
            self.assertEqual(r.status, 400, (period, r.text[-500:]))
            self.assertIn(why, r.text)
        self.assertEqual(self.sql("SELECT period, topics FROM subscriptions"), [("daily", "video generation\ncat:cs.CV")])
        self.assertEqual(c.post("/subscription", {"t": mtok, "period": "weekly", "topics": "  diffusion   models \r\n\n"}).status,
                         303)
        self.assertEqual(self.sql("SELECT period, topics FROM subscriptions"), [("weekly", "diffusion models")])

    def test_invalid_addresses_are_refused(self):
        srv = self.serve()
        c = Client(srv)
        for bad in ["", "no-at-sign", "a@b", "two@@x.org", "sp ace@x.org", "<script>@x.org", "x@.org"]:
            r = c.post("/subscribe", {"email": bad, "period": "daily"})
            self.assertEqual(r.status, 400, bad)
            self.assertIn("not an email address", r.text)
            self.assertNotIn("<script>@", r.text)
        self.assertEqual(c.post("/subscribe", {"email": "ok@x.org", "period": "hourly"}).status, 400)
        self.assertEqual(c.post("/subscribe", {"email": "ok@x.org", "period": "daily"}, csrf=False).status, 403)
        self.assertEqual(self.sql("SELECT count(*) FROM subscriptions"), [(0,)])

    # ---- the digest ----

    def test_digest_headers_parts_links_and_one_click_unsubscribe(self):
        srv = self.serve()
        self.load(DAYS[1])
        self.load(DAYS[2])
        self.subscribe("bo@lab.org", topics="language model", period="weekly")
        self.digest("--period", "weekly")
        msgs = self.sink.messages()
        self.assertEqual(len(msgs), 1)
        m = msgs[0]
        self.assertEqual(m["To"], "bo@lab.org")
        self.assertEqual(str(m["Subject"]), "This week's papers — week of Fri 31 May 2024")
        self.assertTrue(m["Message-ID"].startswith("<digest-weekly.2024-W22-"))
        self.assertEqual(m["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertEqual(m.get_content_type(), "multipart/alternative")
        text, html = self.parts(m)
        self.assertIn("== Trending ==", text)
        self.assertIn("== language model ==", text)
        self.assertNotIn("<script", html)
        self.assertIn('style="', html)  # inline styles for mail clients
        links = set(re.findall(r'href="(http://127\.0\.0\.1:\d+/[^"]+)"', html))
        papers = [l for l in links if "/papers/" in l]
        self.assertGreater(len(papers), 5)
        for l in list(papers)[:5] + [l for l in links if "/subscription?" in l]:
            self.assertEqual(Client(srv).get(l[len(srv.base):]).status, 200, l)
        self.assertEqual(set(re.findall(r"/papers/([\w.]+)", text)), {p.rsplit("/", 1)[1] for p in papers})
        # RFC 8058: a POST with List-Unsubscribe=One-Click to the header's URL, no cookies
        unsub = re.search(r"<(http[^>]+)>", m["List-Unsubscribe"]).group(1)
        r = Client(srv).request("POST", unsub[len(srv.base):], body={"List-Unsubscribe": "One-Click"})
        self.assertEqual(r.status, 200)
        self.assertEqual(self.sql("SELECT status FROM subscriptions"), [("cancelled",)])
        self.load(DAYS[3])
        self.digest("--period", "weekly")
        self.assertEqual(len(self.sink.messages()), 1)  # nothing more

    def test_no_paper_twice_and_reruns_send_nothing(self):
        self.subscribe("cy@lab.org", topics="diffusion")
        self.digest(base="http://papers.example")
        self.digest(base="http://papers.example")  # the same day again: already done
        self.assertEqual(len(self.sink.messages()), 1)
        self.load(DAYS[1])
        self.pb("index", "rebuild")
        out, err = self.pb("digest", "--dry-run", "--base-url", "http://papers.example")
        self.assertIn("would send to cy@lab.org", out)
        self.digest(base="http://papers.example")
        msgs = self.sink.messages()
        self.assertEqual(len(msgs), 2)
        first = set(re.findall(r"/papers/([\w.]+)", self.parts(msgs[0])[0]))
        second = set(re.findall(r"/papers/([\w.]+)", self.parts(msgs[1])[0]))
        self.assertTrue(first and second)
        self.assertFalse(first & second, "a paper went to the same subscriber twice")
        self.assertIn("Thu 30 May 2024", str(msgs[1]["Subject"]))

    def test_to_and_dry_run(self):
        self.subscribe("d1@lab.org", "d2@lab.org")
        out, _ = self.digest("--dry-run")
        self.assertEqual(out.count("would send to"), 2)
        self.assertEqual(self.sink.messages(), [])
        self.assertEqual(self.sql("SELECT count(*) FROM outbox"), [(0,)])
        self.digest("--to", "d2@lab.org")
        self.assertEqual([m["To"] for m in self.sink.messages()], ["d2@lab.org"])
        self.digest("--to", "nobody@lab.org", expect=1)

    # ---- delivery ----

    def test_kill_9_mid_run_then_exactly_one_each(self):
        n = 1000
        listing = os.path.join(self.tmp, "subs.txt")
        with open(listing, "w") as f:
            for i in range(n):
                f.write("reader%04d@lab.org\tvideo|reasoning\n" % i)
        self.pb("subscribe", "--confirmed", "--file", listing)
        self.pb("index", "rebuild")
        p = subprocess.Popen([BIN, "digest", "--smtp", self.sink.url, "--mail-from", "digest@paperboy.test",
                              "--base-url", "http://papers.example", "--mail-rate", "400"],
                             env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # wait until delivery is under way, then kill -9
        deadline = time.time() + 60
        while self.sink.count < 150 and time.time() < deadline:
            time.sleep(0.01)
        p.send_signal(signal.SIGKILL)
        p.wait()
        before = self.sink.count
        self.assertGreater(before, 0)
        self.assertLess(before, n, "the run finished before the kill; slow it down")
        self.digest(base="http://papers.example")
        msgs = self.sink.messages()
        ids = {}
        for m in msgs:
            ids.setdefault(m["To"], set()).add(m["Message-ID"])
        self.assertEqual(len(ids), n)  # everyone got their digest
        self.assertTrue(all(len(v) == 1 for v in ids.values()))  # one message each (one Message-ID)
        # at most the one message in flight at the kill went out twice, with the same Message-ID
        self.assertLessEqual(len(msgs), n + 1)
        self.assertEqual(self.sql("SELECT state, count(*) FROM outbox GROUP BY state"), [("sent", n)])

    def test_configuration_from_environment_and_file(self):
        self.subscribe("env@lab.org")
        conf = os.path.join(self.tmp, "paperboy.conf")
        with open(conf, "w") as f:
            f.write("# mail settings\nmail-from = file@paperboy.test\nbase-url = https://papers.example.org\n")
        env = dict(self.env, PAPERBOY_SMTP_URL=self.sink.url, PAPERBOY_CONFIG=conf)
        r = subprocess.run([BIN, "digest"], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = self.sink.messages()[0]
        self.assertIn("file@paperboy.test", m["From"])
        self.assertIn("https://papers.example.org/unsubscribe?t=", m["List-Unsubscribe"])
        # the flag wins over the environment, which wins over the file
        with open(conf, "a") as f:
            f.write("smtp = smtp://127.0.0.1:9\n")
        self.load(DAYS[1])
        r = subprocess.run([BIN, "digest", "--mail-from", "flag@paperboy.test"], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("flag@paperboy.test", self.sink.messages()[1]["From"])
        with open(conf, "a") as f:
            f.write("this line has no equals sign\n")
        r = subprocess.run([BIN, "digest"], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("paperboy.conf:5: expected 'key = value'", r.stderr)

    def test_smtp_down_nothing_lost(self):
        self.subscribe("e1@lab.org", "e2@lab.org", "e3@lab.org")
        self.sink.stop()
        _, err = self.digest(expect=1)
        self.assertIn("will retry", err)
        self.assertEqual(self.sql("SELECT state, count(*) FROM outbox GROUP BY state"), [("queued", 3)])
        self.sink.start()
        self.digest()  # the next attempt sends what was queued, renders nothing new
        self.assertEqual(sorted(m["To"] for m in self.sink.messages()), ["e1@lab.org", "e2@lab.org", "e3@lab.org"])
        self.assertEqual(self.sql("SELECT state, count(*) FROM outbox GROUP BY state"), [("sent", 3)])

    def test_permanent_failures_pause_temporary_ones_retry(self):
        srv = self.serve()
        self.subscribe("bounce@lab.org", "later@lab.org", "fine@lab.org")
        for i, day in enumerate(DAYS[:3]):
            if i:
                self.load(day)
            self.digest(expect=1)
        rows = dict(self.sql("SELECT email, status FROM subscriptions"))
        self.assertEqual(rows["bounce@lab.org"], "paused")
        self.assertEqual(rows["later@lab.org"], "active")  # 4xx: retried, never paused
        self.assertEqual(rows["fine@lab.org"], "active")
        states = self.sql("SELECT rcpt, state, attempts FROM outbox ORDER BY id")
        self.assertTrue(all(s == "failed" for r, s, a in states if r == "bounce@lab.org"))
        self.assertTrue(all(s == "queued" for r, s, a in states if r == "later@lab.org"))
        self.assertEqual(sum(1 for m in self.sink.messages() if m["To"] == "fine@lab.org"), 3)
        # a fourth day: the paused address gets nothing rendered
        self.load(DAYS[3])
        self.digest(expect=1)
        self.assertEqual(len([r for r in self.sql("SELECT rcpt FROM outbox") if r[0] == "bounce@lab.org"]), 3)
        # shown as such: on the owner's profile, and on the manage page it links to
        c = Client(srv)
        self.assertEqual(c.signup("bouncer", email="bounce@lab.org").status, 303)
        self.assertNotIn("<strong>paused</strong>", c.get("/u/bouncer").text)  # not the owner's until verified
        self.pb("user", "verify", "bouncer")
        profile = c.get("/u/bouncer").text
        self.assertIn("<strong>paused</strong>", profile)
        manage = re.search(r'href="(/subscription\?t=[\w-]+)"', profile).group(1)
        page = c.get(manage).text
        self.assertIn("the digest is paused", page)
        tok = manage.split("=", 1)[1]
        self.assertEqual(c.post("/subscription", {"t": tok, "action": "resume", "period": "daily"}).status, 303)
        self.assertEqual(dict(self.sql("SELECT email, status FROM subscriptions"))["bounce@lab.org"], "active")

    def test_scheduler_in_serve(self):
        self.subscribe("sched@lab.org")
        srv = self.serve("--digest-time", "00:00", "--digest-weekends", "--timezone", "UTC")
        msgs = self.wait_for(1, timeout=30)
        self.assertEqual(msgs[0]["To"], "sched@lab.org")
        self.assertIn("Trending papers", str(msgs[0]["Subject"]))
        self.assertEqual(self.sql("SELECT value FROM kv WHERE key='digest.daily.last'")[0][0],
                         time.strftime("%Y-%m-%d", time.gmtime()))
        # signed-in users see their subscriptions on their profile
        c = Client(srv)
        c.signup("sched", email="sched@lab.org")
        self.pb("user", "verify", "sched")
        self.assertIn("daily digest to sched@lab.org", c.get("/u/sched").text)


if __name__ == "__main__":
    unittest.main()
