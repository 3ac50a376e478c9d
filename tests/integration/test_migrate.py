"""paperboy migrate: a whole instance (papers, accounts, sessions, tokens,
votes, comments, subscriptions, the outbox, the write sequence) copied from
SQLite to PostgreSQL and back, verified, and still working on the other
side: the same pages, the same sign-ins and sessions, new ids after the
copied ones. Needs the test PostgreSQL server (PAPERBOY_TEST_PG)."""
import os
import subprocess
import unittest
import uuid

from common import BIN, PG_BASE, PaperboyTest, pg_admin, pg_url
from web import Client, Server

DAY = "2024-05-29"


class MigrateTest(PaperboyTest):
    def setUp(self):
        super().setUp()
        if not PG_BASE:
            self.fail("PAPERBOY_TEST_PG is not set (ctest starts the test server)")
        self.pg_dbs = []

    def tearDown(self):
        for db in self.pg_dbs:
            pg_admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)
        super().tearDown()

    def new_pg(self):
        db = "pbmig_" + uuid.uuid4().hex[:12]
        pg_admin("CREATE DATABASE " + db)
        self.pg_dbs.append(db)
        return pg_url(db)

    def run_pb(self, db, *args, expect=0, stdin=None):
        env = dict(self.env, PAPERBOY_DB=db, PAPERBOY_INDEX=os.path.join(self.tmp, uuid.uuid4().hex + ".search"))
        r = subprocess.run([BIN, *args], capture_output=True, text=True, env=env, input=stdin, timeout=600)
        if r.returncode != expect:
            self.fail("paperboy %s: exit %d\n%s" % (" ".join(args), r.returncode, r.stderr[-3000:]))
        return r, env

    def page_state(self, db, session):
        """What the instance shows: the day's cards with their votes, a
        paper's comments, and who a session cookie belongs to."""
        self.run_pb(db, "index", "rebuild")
        _, env = self.run_pb(db, "stats")
        srv = Server(env, self.tmp)
        try:
            anon = Client(srv)
            day = anon.get("/api/daily_papers?date=" + DAY).json()
            votes = sorted((p["paper"]["id"], p["paper"]["upvotes"]) for p in day)
            me = Client(srv)
            me.cookies["pb_session"] = session
            page = me.get("/papers/%s" % self.pid)
            comments = anon.get("/papers/%s" % self.pid).text.count('class="comment"')
            signin = Client(srv).signin("alice").status
            # a new account after the copied ones
            fresh = Client(srv).signup("newcomer%s" % uuid.uuid4().hex[:6]).status
            return votes, page.status, "alice" in page.text and "Sign out" in page.text, comments, signin, fresh
        finally:
            srv.stop()

    def test_sqlite_to_postgresql_and_back(self):
        src = os.path.join(self.tmp, "src.db")
        hf = os.path.join(self.require_data("hf-daily-papers"), "Paper_metadata_download", DAY + ".json")
        self.run_pb(src, "init")
        self.run_pb(src, "ingest", hf)
        self.run_pb(src, "subscribe", "--confirmed", "reader@lab.org")
        _, env = self.run_pb(src, "subscribe", "new@lab.org")  # a confirmation waits in the outbox
        srv = Server(env, self.tmp)
        try:
            alice = Client(srv)
            self.assertEqual(alice.signup("alice").status, 303)
            self.assertEqual(Client(srv).signup("bob").status, 303)
            day = Client(srv).get("/api/daily_papers?date=" + DAY).json()
            self.pid = day[0]["paper"]["id"]
            self.assertEqual(alice.post("/papers/%s/vote" % self.pid).status, 303)
            self.assertEqual(alice.post("/papers/%s/comments" % self.pid, {"body": "moved *intact*"}).status, 303)
            alice.make_token("migrated")
            session = alice.cookies["pb_session"]
        finally:
            srv.stop()
        before = self.page_state(src, session)
        self.assertEqual(before[1], 200)
        self.assertTrue(before[2], "the session is alice's")
        self.assertEqual(before[3], 1)
        self.assertEqual(before[4], 303)

        pg = self.new_pg()
        r, _ = self.run_pb(src, "migrate", src, pg)
        self.assertRegex(r.stderr, r"and verified in")
        for table in ("users", "papers", "sessions", "api_tokens", "votes", "comments", "subscriptions", "outbox", "kv"):
            self.assertRegex(r.stderr, r"migrate: %s\s+[1-9]\d* rows" % table)
        # a target that holds an instance is refused, unless told
        r, _ = self.run_pb(src, "migrate", src, pg, expect=1)
        self.assertIn("already holds", r.stderr)
        self.run_pb(src, "migrate", "--replace", src, pg)
        on_pg = self.page_state(pg, session)

        back = os.path.join(self.tmp, "back.db")
        r, _ = self.run_pb(pg, "migrate", pg, back)
        self.assertIn("(postgresql) to", r.stderr)
        on_back = self.page_state(back, session)
        # the same votes, the same session, the same comments, alice signs in
        self.assertEqual(before[0], on_pg[0])
        self.assertEqual(before[0], on_back[0])
        self.assertEqual(before[1:5], on_pg[1:5])
        self.assertEqual(before[1:5], on_back[1:5])
        self.assertEqual(on_pg[4], 303)
        self.assertEqual(on_pg[5], 303)
        self.assertEqual(on_back[5], 303)


if __name__ == "__main__":
    unittest.main()
