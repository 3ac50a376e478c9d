"""Shared helpers of the black-box tests: run the real paperboy binary.

Every test runs on the backend PAPERBOY_TEST_BACKEND names: "sqlite" (a
file in the test's temporary folder) or "pg" (a database of its own,
created on the PostgreSQL server PAPERBOY_TEST_PG names, dropped after;
ctest starts that server). Tests that look past the interface use
self.sql(), which speaks to either."""
import atexit
import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import uuid

BIN = os.environ.get("PAPERBOY_BIN", os.path.join(os.path.dirname(__file__), "../../build/paperboy"))
GEN = os.environ.get("PAPERBOY_GEN", os.path.join(os.path.dirname(BIN), "pb-gen-snapshot"))
DATA = os.environ.get(
    "PAPERBOY_SHARED_DATA",
    os.path.normpath(os.path.join(os.path.dirname(__file__), "../../../shared/data")))


# Passwords hashed with libsodium's least limits, not its interactive ones
# (64 MiB and two passes each): these tests make thousands of hashes, a
# sixth of the test command's time. Only the sanitizers' test build
# honours it (a release build, as the load tests run, ignores it); the
# unit tests check the served limits, and the browser flows, the hostile
# load test and the race of two resets on one link run with them.
os.environ.setdefault("PAPERBOY_TEST_WEAK_PASSWORDS", "1")

BACKEND = os.environ.get("PAPERBOY_TEST_BACKEND", "sqlite")
PG_BASE = os.environ.get("PAPERBOY_TEST_PG", "")
if BACKEND == "pg" and not PG_BASE:
    raise SystemExit("PAPERBOY_TEST_BACKEND=pg needs PAPERBOY_TEST_PG (ctest starts the server)")


def pg_url(dbname):
    """The test server's URL with another database."""
    m = re.match(r"^(postgres(?:ql)?://[^/]*/)([^?]*)(.*)$", PG_BASE)
    return m.group(1) + dbname + m.group(3)


def pg_admin(sql):
    """Runs a statement on the server's maintenance database."""
    import psycopg2
    con = psycopg2.connect(PG_BASE)
    con.autocommit = True
    try:
        con.cursor().execute(sql)
    finally:
        con.close()


# Stores built once per test process (use_golden), removed at its end.
GOLDEN = {}


@atexit.register
def _golden_cleanup():
    for g in GOLDEN.values():
        g.tearDown()


def hf_all(g):
    """The golden store most suites want: every real daily-papers day."""
    g.init()
    g.pb("ingest", g.require_data("hf-daily-papers"))


class PaperboyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pb-it-")
        self.backend = BACKEND
        self.pg_db = None
        if BACKEND == "pg":
            self.pg_db = "pbit_" + uuid.uuid4().hex[:16]
            pg_admin("CREATE DATABASE " + self.pg_db)
            self.db = pg_url(self.pg_db)
            self.index = os.path.join(self.tmp, "test.search")
        else:
            self.db = os.path.join(self.tmp, "test.db")
            self.index = self.db + ".search"
        self.env = dict(os.environ, PAPERBOY_DB=self.db, PAPERBOY_INDEX=self.index)

    def tearDown(self):
        if self.pg_db:
            pg_admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.pg_db)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def use_golden(self, key, build):
        """Makes this test's store a copy of a store built once per test
        process by build(g) (g: a PaperboyTest of its own): a SQLite file
        and its index are copied, a PostgreSQL database is made from it as
        a template. The same data for every test that asks, ingested once."""
        g = GOLDEN.get(key)
        if g is None:
            g = PaperboyTest("run")
            g.setUp()
            build(g)
            if not g.pg_db:
                import sqlite3
                con = sqlite3.connect(g.db, timeout=30)
                con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                con.close()
            GOLDEN[key] = g
        if self.pg_db:
            pg_admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.pg_db)
            pg_admin("CREATE DATABASE %s TEMPLATE %s" % (self.pg_db, g.pg_db))
        for name in os.listdir(g.tmp):
            src = os.path.join(g.tmp, name)
            if os.path.isfile(src) and name.startswith(os.path.basename(g.index if g.pg_db else g.db)):
                dst = os.path.join(self.tmp, os.path.basename(self.index if self.pg_db else self.db) +
                                   name[len(os.path.basename(g.index if g.pg_db else g.db)):])
                shutil.copyfile(src, dst)

    def reset_db(self):
        """Back to an empty database (not initialised)."""
        if self.pg_db:
            pg_admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.pg_db)
            pg_admin("CREATE DATABASE " + self.pg_db)
        else:
            for ext in ("", "-wal", "-shm"):
                if os.path.exists(self.db + ext):
                    os.remove(self.db + ext)

    @contextlib.contextmanager
    def refusing(self, *writes):
        """Meanwhile the store refuses each (table, operation), through a
        trigger made behind paperboy's back ("refused by the test")."""
        if self.pg_db:
            self.sql("CREATE FUNCTION pb_test_refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION "
                     "'refused by the test'; END $$ LANGUAGE plpgsql")
        try:
            for table, op in writes:
                if self.pg_db:
                    self.sql("CREATE TRIGGER pb_test_refuse BEFORE %s ON %s FOR EACH ROW "
                             "EXECUTE FUNCTION pb_test_refuse()" % (op, table))
                else:
                    self.sql("CREATE TRIGGER pb_test_refuse_%s BEFORE %s ON %s BEGIN "
                             "SELECT RAISE(ABORT, 'refused by the test'); END" % (table, op, table))
            yield
        finally:
            for table, _ in writes:
                self.sql(("DROP TRIGGER IF EXISTS pb_test_refuse ON " + table) if self.pg_db
                         else "DROP TRIGGER IF EXISTS pb_test_refuse_" + table)
            if self.pg_db:
                self.sql("DROP FUNCTION IF EXISTS pb_test_refuse()")

    def sql(self, query, *params):
        """Runs one statement on the store behind paperboy's back ("?"
        placeholders); returns its rows (and commits)."""
        if self.pg_db:
            import psycopg2
            con = psycopg2.connect(self.db)
            try:
                cur = con.cursor()
                cur.execute(query.replace("?", "%s"), params)
                rows = cur.fetchall() if cur.description else []
                con.commit()
                return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]
            finally:
                con.close()
        import sqlite3
        con = sqlite3.connect(self.db, timeout=30)
        try:
            rows = con.execute(query, params).fetchall()
            con.commit()
            return rows
        finally:
            con.close()

    def pb(self, *args, expect=0, stdin=None, timeout=600):
        """Runs paperboy; checks the exit status; returns (stdout, stderr)."""
        r = subprocess.run([BIN, *args], capture_output=True, text=True, env=self.env,
                           input=stdin, timeout=timeout)
        if expect is not None and r.returncode != expect:
            self.fail("paperboy %s: exit %d, expected %d\nstdout: %s\nstderr: %s"
                      % (" ".join(args), r.returncode, expect, r.stdout[-2000:], r.stderr[-4000:]))
        return r.stdout, r.stderr

    def pb_json(self, *args, expect=0):
        out, _ = self.pb(*args, expect=expect)
        return json.loads(out)

    def init(self):
        self.pb("init")

    def stats(self):
        return self.pb_json("stats", "--json")

    @staticmethod
    def summary(stderr):
        """Parses the ingest summary line into a dict of counts."""
        for line in stderr.splitlines():
            if line.startswith("ingest: ") and " records: " in line:
                head, tail = line.split(" records: ", 1)
                counts = {"records": int(head.split()[-1])}
                for part in tail.split(" in ")[0].split(", "):
                    n, word = part.split(" ", 1)
                    counts[word.strip()] = int(n)
                return counts
        raise AssertionError("no ingest summary in: " + stderr[-2000:])

    def require_data(self, sub):
        path = os.path.join(DATA, sub)
        if not os.path.isdir(path):
            self.fail("shared data missing: %s (set PAPERBOY_SHARED_DATA)" % path)
        return path
