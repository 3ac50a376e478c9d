"""Edges a reader found in the pages (issue 20): the discussion of deleted
accounts, Save as a toggle, counts in the singular, collection exports named
after the collection, and small ones."""
import os
import re
import unittest

from common import PaperboyTest
from web import Client, Server

DAY = "2024-05-28"
PASSWORD = "correct horse battery"


class ReaderEdgesTest(PaperboyTest):
    @classmethod
    def setUpClass(cls):
        cls.f = PaperboyTest("run")
        cls.f.setUp()
        f = cls.f
        f.init()
        d = f.require_data("hf-daily-papers")
        f.pb("ingest", os.path.join(d, "Paper_metadata_download", DAY + ".json"))
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


if __name__ == "__main__":
    unittest.main()
