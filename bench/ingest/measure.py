"""Runs the ingest benchmark and prints paperboy's figures beside its peers',
as ratios.

  measure.py BUILD N            SQLite: paperboy against plain SQLite, one
                                INSERT statement per row
  measure.py BUILD N --pg       PostgreSQL (a throwaway server with its
                                durable defaults): paperboy against plain
                                PostgreSQL, one INSERT per row, and against
                                paperboy on SQLite
"""
import os
import subprocess
import sys
import tempfile
import time

build, n = sys.argv[1], int(sys.argv[2])
pg = "--pg" in sys.argv[3:]
root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
work = tempfile.mkdtemp(prefix="pb-bench-ingest-")
os.chmod(work, 0o755)
src = os.path.join(work, "snapshot.jsonl")
with open(src, "w") as f:
    subprocess.run([os.path.join(build, "pb-gen-snapshot"), str(n), "1"], stdout=f, check=True)
size = os.path.getsize(src)
os.sync()  # the input was just written: do not make the ingest pay for flushing it
env0 = dict(os.environ, PAPERBOY_NO_PROGRESS="1", PAPERBOY_INDEX=os.path.join(work, "bench.search"))


def run(argv, env):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, ru = os.wait4(p.pid, 0)
    out, err = p.stdout.read(), p.stderr.read()
    el = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("failed: %s\n%s" % (" ".join(argv), err))
    return el, ru.ru_maxrss * 1024, out, err


def paperboy(db):
    env = dict(env0, PAPERBOY_DB=db)
    subprocess.run([os.path.join(build, "paperboy"), "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    el, rss, _, err = run([os.path.join(build, "paperboy"), "ingest", "--no-index", src], env)
    line = [l for l in err.splitlines() if l.startswith("ingest:")][0]
    return el, rss, line


def naive(prog, target, count):
    _, rss, out, _ = run([os.path.join(build, prog), src, target, str(count)], env0)
    return float(out.split("naive_rps=")[1]), rss


naive_n = min(n, 20000)  # the peers are too slow for the whole file
print("ingest of %d synthetic snapshot records, %.0f MB of JSON lines" % (n, size / 1e6))
if not pg:
    db = os.path.join(work, "paperboy.db")
    el, rss, line = paperboy(db)
    dbsize = sum(os.path.getsize(db + x) for x in ("", "-wal") if os.path.exists(db + x))
    rps = n / el
    print("paperboy on SQLite:")
    print("  %.2f s  %.0f records/s  %.1f MB/s  peak RSS %.0f MB  database %.0f MB (%.2f x the input)"
          % (el, rps, size / el / 1e6, rss / 1e6, dbsize / 1e6, dbsize / size))
    print("  " + line)
    naive_rps, rss2 = naive("pb-bench-naive", os.path.join(work, "naive.db"), naive_n)
    print("plain SQLite, one INSERT per row (autocommit), first %d records:" % naive_n)
    print("  %.0f records/s  peak RSS %.0f MB" % (naive_rps, rss2 / 1e6))
    print("ratio: paperboy / plain SQLite = %.0fx records/s" % (rps / naive_rps))
    print("goal: >= 100000 records/s, peak RSS < 300 MB -> %s, %s"
          % ("met" if rps >= 100000 else "NOT met", "met" if rss < 300e6 else "NOT met"))
else:
    pgdir = os.path.join(work, "pg")
    # durable (fsync and full-page writes on), sized for a bulk load: room
    # for the WAL of a load between checkpoints, a larger buffer pool
    conf = "max_wal_size = 8GB\ncheckpoint_timeout = 30min\nwal_init_zero = off"
    url = subprocess.run(["sh", os.path.join(root, "scripts/pg_test.sh"), "start", pgdir], check=True,
                         capture_output=True, text=True,
                         env=dict(os.environ, PB_PG_DURABLE="1", PB_PG_CONF=conf)).stdout.strip()
    print("PostgreSQL 15, this machine, Unix socket, fsync on; " + conf.replace("\n", ", "))
    try:
        subprocess.run(["psql", "-q", url, "-c", "CREATE DATABASE bench", "-c", "CREATE DATABASE bench2",
                        "-c", "CREATE DATABASE naive"], check=True)
        # twice: on the new server (it creates its WAL files as it goes),
        # then into a second database on the same server, as on one that has
        # been running (its WAL files recycled)
        el0, _, _ = paperboy(url.replace("/postgres?", "/bench?"))
        subprocess.run(["psql", "-q", url, "-c", "CHECKPOINT"], check=True)
        el, rss, line = paperboy(url.replace("/postgres?", "/bench2?"))
        rps = n / el
        print("paperboy on PostgreSQL (binary COPY in batches of 2000):")
        print("  new server:     %.2f s  %.0f records/s" % (el0, n / el0))
        print("  running server: %.2f s  %.0f records/s  %.1f MB/s  peak RSS %.0f MB"
              % (el, rps, size / el / 1e6, rss / 1e6))
        print("  " + line)
        naive_rps, _ = naive("pb-bench-naive-pg", url.replace("/postgres?", "/naive?"), naive_n)
        print("plain PostgreSQL, one INSERT per row (autocommit), first %d records:" % naive_n)
        print("  %.0f records/s" % naive_rps)
        sel, _, sline = paperboy(os.path.join(work, "paperboy.db"))
        srps = n / sel
        print("paperboy on SQLite, the same records:")
        print("  %.2f s  %.0f records/s" % (sel, srps))
        print("ratios: paperboy on PostgreSQL / plain PostgreSQL = %.0fx; / paperboy on SQLite = %.2fx"
              % (rps / naive_rps, rps / srps))
        print("goal: >= 50000 records/s on PostgreSQL -> %s" % ("met" if rps >= 50000 else "NOT met"))
    finally:
        subprocess.run(["sh", os.path.join(root, "scripts/pg_test.sh"), "stop", pgdir])
subprocess.run(["rm", "-rf", work])
