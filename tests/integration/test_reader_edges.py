"""Edges a reader found in the pages (issue 20): the discussion of deleted
accounts, Save as a toggle, counts in the singular, collection exports named
after the collection, and small ones."""
import json
import os
import re
import unittest

from common import PaperboyTest
from web import Client, Server

DAY = "2024-05-28"
PASSWORD = "correct horse battery"
THIN = "2024-05-29"  # a newest day of one paper: the home page shows DAY below it
OWN = "2405.99001"
AUTHORS = ["Author Number%d" % i for i in range(1, 15)]


def thin_day():
    paper = {
        "id": OWN, "title": "A paper of many authors with a Space",
        "summary": "An abstract.", "authors": [{"name": a} for a in AUTHORS],
        "publishedAt": THIN + "T10:00:00.000Z", "upvotes": 1, "submittedOnDailyAt": THIN + "T12:00:00.000Z",
        "githubRepo": "https://huggingface.co/spaces/JetBrains-Research/lca-results",
    }
    return [{"paper": paper, "publishedAt": THIN + "T12:00:00.000Z", "title": paper["title"]}]


class ReaderEdgesTest(PaperboyTest):
    @classmethod
    def setUpClass(cls):
        cls.f = PaperboyTest("run")
        cls.f.setUp()
        f = cls.f
        f.init()
        d = f.require_data("hf-daily-papers")
        own = os.path.join(f.tmp, THIN + "-own.json")
        with open(own, "w") as fh:
            json.dump(thin_day(), fh)
        f.pb("ingest", os.path.join(d, "Paper_metadata_download", DAY + ".json"), own)
        f.pb("index", "rebuild")
        f.pb("user", "add", "admin", "--email", "admin@example.org", "--admin", stdin="administrator pass\n")
        cls.srv = Server(f.env, f.tmp)
        page = Client(cls.srv).get("/papers/date/" + DAY).text
        cls.pids = list(dict.fromkeys(re.findall(r'href="/papers/(\d{4}\.\d{4,5})"', page)))

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.f.tearDown()

    def setUp(self):
        pass

    def tearDown(self):
        pass

    def user(self, name):
        c = Client(self.srv)
        r = c.signup(name, email=name + "@lab.example")
        self.assertEqual(r.status, 303, r.body[:500])
        return c

    def admin(self):
        c = Client(self.srv)
        self.assertEqual(c.signin("admin", "administrator pass").status, 303)
        return c

    @staticmethod
    def section(page, ident):
        m = re.search(r'<section id="%s">(.*?)</section>' % ident, page, re.S)
        return m.group(1) if m else ""

    @staticmethod
    def text(html):
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

    def comment(self, c, pid, body, parent=None):
        fields = {"body": body}
        if parent:
            fields["parent"] = str(parent)
        r = c.post("/papers/%s/comments" % pid, fields)
        self.assertEqual(r.status, 303, r.body[:300])
        return int(re.search(r"#c(\d+)$", r.header("Location")).group(1))

    # ---- 1. the discussion of deleted accounts ----

    def test_discussion_of_a_deleted_account(self):
        pid = self.pids[0]
        a = self.user("leaver")
        b = self.user("stayer")
        lone = self.comment(a, pid, "a lonely remark")
        self.assertEqual(a.post("/comments/%d/edit" % lone, {"body": "a lonely remark, edited"}).status, 303)
        top = self.comment(a, pid, "a remark with an answer")
        self.comment(b, pid, "the answer", top)
        self.assertEqual(a.post("/me/delete", {"password": PASSWORD}).status, 303)
        disc = self.section(self.admin().get("/papers/" + pid).text, "comments")
        words = self.text(disc)
        # the lone deleted comment is gone; the one with a live reply stays as a stub
        self.assertNotIn('id="c%d"' % lone, disc)
        self.assertIn('id="c%d"' % top, disc)
        self.assertEqual(words.count("[deleted]"), 2, words)  # the stub's author and text
        self.assertNotIn("/u/%5Bdeleted%5D", disc)
        self.assertNotIn("/u/[deleted]", disc)
        # the heading counts what is shown (the live reply)
        self.assertIn("Discussion 1 comment ", words)
        # no Reply under the deleted comment's thread, no moderation of a stub
        stub = re.search(r'id="c%d".*?<ol class="replies">' % top, disc, re.S).group(0)
        self.assertNotIn("Delete", stub)
        thread = re.search(r'id="c%d".*?</ol>(.*?)</li>' % top, disc, re.S).group(1)
        self.assertNotIn("Reply", thread)
        # an admin's buttons on the live reply are apart
        self.assertNotIn("DeleteHide", disc)
        self.assertRegex(words, r"Delete\s*[·|]?\s+Hide")

    # ---- 2. collections and Save ----

    def test_save_toggles_without_javascript(self):
        c = self.user("saver")
        pid = self.pids[1]
        self.assertEqual(c.post("/me/save", {"paper": pid}).status, 303)
        page = c.get("/papers/date/" + DAY).text
        form = re.search(r'<form method="post" action="(/c/\d+)" class="inline unsave">.{0,400}?name="paper" value="%s".*?</form>'
                         % re.escape(pid), page, re.S)
        self.assertIsNotNone(form, "the card offers to un-save")
        self.assertIn('aria-pressed="true"', form.group(0))
        self.assertIn(">Saved", form.group(0))
        self.assertEqual(c.post(form.group(1), {"action": "remove", "paper": pid}).status, 303)
        page = c.get("/papers/date/" + DAY).text
        self.assertRegex(page, r'action="/me/save" class="inline save">.{0,400}?value="%s"' % re.escape(pid))

    def test_collection_page_counts_and_export_name(self):
        c = self.user("collector")
        pid = self.pids[2]
        r = c.post("/me/collections", {"name": "Reading list: week 22!", "paper": pid})
        self.assertEqual(r.status, 303, r.body[:300])
        cid = re.search(r"/c/(\d+)", r.header("Location")).group(1)
        page = c.get("/c/" + cid).text
        self.assertIn("1 paper.", self.text(page))
        self.assertNotIn("1 papers", self.text(page))
        self.assertIn("In this collection", page)
        self.assertNotRegex(page, r'action="/me/save" class="inline save">.{0,400}?value="%s"' % re.escape(pid))
        listing = self.text(c.get("/u/collector/collections").text)
        self.assertIn("1 paper", listing)
        self.assertNotIn("1 papers", listing)
        for fmt in ("bib", "ris", "csv"):
            disp = c.get("/c/%s/export?format=%s" % (cid, fmt)).header("Content-Disposition")
            self.assertEqual(disp, 'attachment; filename="Reading-list-week-22.%s"' % fmt)
        # a name with nothing safe in it falls back to the number
        r = c.post("/me/collections", {"name": "???", "paper": pid})
        cid2 = re.search(r"/c/(\d+)", r.header("Location")).group(1)
        disp = c.get("/c/%s/export?format=bib" % cid2).header("Content-Disposition")
        self.assertEqual(disp, 'attachment; filename="collection-%s.bib"' % cid2)
        # the Saved collection's own page reads Saved
        c.post("/me/save", {"paper": pid})
        saved = re.search(r'href="/c/(\d+)">Saved<', c.get("/u/collector/collections").text).group(1)
        page = c.get("/c/" + saved).text
        self.assertIn("Saved ✓", page)
        self.assertNotIn('action="/me/save"', page)

    # ---- 3. small ones ----

    def test_earlier_days_keep_their_rank_badges(self):
        page = Client(self.srv).get("/").text
        heads = page.split('class="day-head"')
        self.assertGreaterEqual(len(heads), 2, "the thin newest day shows the days before it")
        earlier = heads[1]
        for rank in (1, 2, 3):
            self.assertIn("#%d paper of the day" % rank, earlier)

    def test_follow_and_mute_every_author(self):
        c = self.user("follower")
        page = c.get("/papers/" + OWN).text
        for a in AUTHORS:
            self.assertIn('aria-label="Follow %s"' % a, page)
            self.assertIn('aria-label="Mute author %s"' % a, page)
        # the long list is compact: the others open from a summary
        self.assertIn('<details class="more-authors">', page)
        self.assertIn('<details class="more-mutes">', page)

    def test_no_zero_new_line(self):
        c = self.user("newcomer")
        for path in ("/", "/papers/date/" + DAY):
            self.assertNotIn("new since you last marked all read", c.get(path).text)
        self.assertEqual(c.post("/me/read", {"back": "/"}).status, 303)
        self.assertNotIn("0 new since you last", c.get("/").text)

    def test_space_link_label(self):
        for path in ("/papers/" + OWN, "/"):
            words = self.text(Client(self.srv).get(path).text)
            self.assertIn("Space: JetBrains-Research/lca-results", words)
            self.assertNotIn("spaces/JetBrains-Research", words)

    # ---- 4. sign-up without mail ----

    def test_signup_without_mail_names_the_operator(self):
        c = self.user("unmailed")
        page = self.text(c.get("/u/unmailed").text)
        self.assertNotIn("the link we mailed", page)
        self.assertIn("no link was mailed", page)
        self.assertIn("paperboy user verify unmailed", page)
        status = self.text(self.admin().get("/admin/status").text)
        self.assertIn("Unverified accounts", status)
        self.assertIn("paperboy user verify unmailed", status)
        self.assertNotIn("[deleted]", status)
        self.f.pb("user", "verify", "unmailed")
        self.assertNotIn("paperboy user verify unmailed", self.text(self.admin().get("/admin/status").text))


if __name__ == "__main__":
    unittest.main()
