"""kill -9 in the middle of an ingest: the database holds whole batches
only, passes an integrity check, and a re-run finishes the job."""
import os
import signal
import subprocess
import time
import unittest

from common import PaperboyTest, BIN, GEN

N = 12000  # 60 batches: a kill after the second lands mid-ingest
BATCH = 200


class CrashTest(PaperboyTest):
    def count(self):
        return self.sql("SELECT count(*) FROM papers")[0][0]

    def test_kill_during_ingest(self):
        src = os.path.join(self.tmp, "snap.jsonl")
        with open(src, "w") as f:
            subprocess.run([GEN, str(N), "3"], stdout=f, check=True)
        self.init()
        killed_at = None
        for attempt in range(5):
            proc = subprocess.Popen([BIN, "ingest", "--batch", str(BATCH), src], env=self.env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 120
            while time.time() < deadline and proc.poll() is None:
                try:
                    if self.count() >= 2 * BATCH:
                        break
                except Exception:  # not created yet, or locked
                    pass
                time.sleep(0.01)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed_at = self.count()
                break
            proc.wait()
            # it finished before we could kill it: start again from empty
            self.reset_db()
            self.init()
        self.assertIsNotNone(killed_at, "ingest always finished before the kill")
        self.assertLess(killed_at, N)
        if self.backend == "sqlite":
            self.assertEqual(self.sql("PRAGMA integrity_check")[0][0], "ok")
        n = self.count()
        self.assertEqual(n % BATCH, 0, "a partial batch was committed")
        _, err = self.pb("ingest", "--batch", str(BATCH), src)
        s = self.summary(err)
        self.assertEqual(s["new"], N - n)
        self.assertEqual(s["unchanged"], n)
        self.assertEqual(self.count(), N)


if __name__ == "__main__":
    unittest.main()
