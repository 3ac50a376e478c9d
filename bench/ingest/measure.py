"""Runs the ingest benchmark and prints paperboy's figures beside the
peer's (plain SQLite, one INSERT statement per row), as ratios."""
import os
import subprocess
import sys
import tempfile
import time

build, n = sys.argv[1], int(sys.argv[2])
work = tempfile.mkdtemp(prefix="pb-bench-ingest-")
src = os.path.join(work, "snapshot.jsonl")
with open(src, "w") as f:
    subprocess.run([os.path.join(build, "pb-gen-snapshot"), str(n), "1"], stdout=f, check=True)
size = os.path.getsize(src)
os.sync()  # the input was just written: do not make the ingest pay for flushing it
db = os.path.join(work, "paperboy.db")
env = dict(os.environ, PAPERBOY_DB=db, PAPERBOY_NO_PROGRESS="1")
subprocess.run([os.path.join(build, "paperboy"), "init"], env=env, check=True, stdout=subprocess.DEVNULL)


def run(argv):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, ru = os.wait4(p.pid, 0)
    out, err = p.stdout.read(), p.stderr.read()
    el = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s\n%s" % (" ".join(argv), err))
    return el, ru.ru_maxrss * 1024, out, err


el, rss, _, err = run([os.path.join(build, "paperboy"), "ingest", "--no-index", src])
dbsize = sum(os.path.getsize(db + x) for x in ("", "-wal") if os.path.exists(db + x))
rps = n / el
print("paperboy ingest: %d records, %.0f MB of JSON lines" % (n, size / 1e6))
print("  %.2f s  %.0f records/s  %.1f MB/s  peak RSS %.0f MB  database %.0f MB (%.2f x the input)"
      % (el, rps, size / el / 1e6, rss / 1e6, dbsize / 1e6, dbsize / size))
print("  " + [l for l in err.splitlines() if l.startswith("ingest:")][0])

# the peer: the obvious way, one INSERT per row in autocommit mode, on a
# prefix (it is too slow for the whole file)
naive_n = min(n, 20000)
el2, rss2, out, _ = run([os.path.join(build, "pb-bench-naive"), src, os.path.join(work, "naive.db"), str(naive_n)])
naive_rps = float(out.split("naive_rps=")[1])
print("plain SQLite, one INSERT per row (autocommit), first %d records:" % naive_n)
print("  %.0f records/s  peak RSS %.0f MB" % (naive_rps, rss2 / 1e6))
print("ratio: paperboy / plain SQLite = %.0fx records/s" % (rps / naive_rps))
print("goal: >= 100000 records/s, peak RSS < 300 MB -> %s, %s"
      % ("met" if rps >= 100000 else "NOT met", "met" if rss < 300e6 else "NOT met"))
subprocess.run(["rm", "-rf", work])
