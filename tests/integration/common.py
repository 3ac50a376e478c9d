"""Shared helpers of the black-box tests: run the real paperboy binary."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("PAPERBOY_BIN", os.path.join(os.path.dirname(__file__), "../../build/paperboy"))
GEN = os.environ.get("PAPERBOY_GEN", os.path.join(os.path.dirname(BIN), "pb-gen-snapshot"))
DATA = os.environ.get(
    "PAPERBOY_SHARED_DATA",
    os.path.normpath(os.path.join(os.path.dirname(__file__), "../../../shared/data")))


class PaperboyTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pb-it-")
        self.db = os.path.join(self.tmp, "test.db")
        self.env = dict(os.environ, PAPERBOY_DB=self.db)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

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
