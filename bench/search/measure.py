"""The search speed benchmark: N synthetic papers drawn from the real
vocabulary of ../shared/data, indexed by paperboy, SQLite FTS5 and Xapian;
the 2,000 real queries run through each; figures side by side."""
import os
import resource
import subprocess
import sys
import tempfile
import time

build, data, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
fts_max = int(os.environ.get("PB_BENCH_FTS_QUERIES", "200"))
work = tempfile.mkdtemp(prefix="pb-bench-search-")
queries = os.path.join(data, "queries", "hf-ai-keywords-2000.txt")
env = dict(os.environ, PAPERBOY_NO_PROGRESS="1")


def sh(argv, **kw):
    return subprocess.run(argv, check=True, env=env, **kw)


def kv(out):
    return dict(l.split("=", 1) for l in out.splitlines() if "=" in l)


vocab = os.path.join(work, "vocab.txt")
with open(vocab, "w") as f:
    sh([sys.executable, os.path.join(os.path.dirname(__file__), "vocab.py"), data], stdout=f)
src = os.path.join(work, "corpus.jsonl")
corpus = os.environ.get("PB_BENCH_CORPUS")
if corpus:
    # a file made by ../shared/tools/gen_corpus.py N SEED (bigram sampled:
    # query words co-occur as in arXiv), its first n records
    with open(corpus) as fin, open(src, "w") as f:
        for i, line in enumerate(fin):
            if i >= n:
                break
            f.write(line)
    print("corpus: the first %d records of %s" % (n, corpus))
else:
    with open(src, "w") as f:
        sh([os.path.join(build, "pb-gen-snapshot"), str(n), "7", vocab], stdout=f)
db = os.path.join(work, "bench.db")
pb = os.path.join(build, "paperboy")
sh([pb, "--db", db, "init"], stdout=subprocess.DEVNULL)
sh([pb, "--db", db, "ingest", "--no-index", src], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.remove(src)
import sqlite3
con = sqlite3.connect(db)
raw = con.execute("SELECT sum(length(title) + length(abstract) + length(authors)) FROM papers").fetchone()[0]
con.close()

t0 = time.monotonic()
p = subprocess.Popen([pb, "--db", db, "index", "rebuild"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, ru = os.wait4(p.pid, 0)
build_s = time.monotonic() - t0
build_rss = ru.ru_maxrss / 1024

mine = kv(sh([os.path.join(build, "pb-bench-search"), "paperboy", db, queries, "3"],
             capture_output=True, text=True).stdout)
fts = kv(sh([os.path.join(build, "pb-bench-search"), "fts5", db, queries, str(fts_max)],
            capture_output=True, text=True).stdout)
xap = None
if os.environ.get("PB_BENCH_SKIP_XAPIAN"):
    print("(Xapian skipped: PB_BENCH_SKIP_XAPIAN is set)")
else:
  try:
    xap = kv(sh(["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "xapian_peer.py"), db, queries, "2000"],
                capture_output=True, text=True).stdout)
  except (subprocess.CalledProcessError, FileNotFoundError) as e:
    print("xapian peer failed: %s (install python3-xapian)" % e)

print("search benchmark: %d synthetic papers, %.0f MB of raw text (title+abstract+authors); 2,000 real queries, top-10, one thread"
      % (n, raw / 1e6))
print("%-10s %10s %10s %10s %10s %10s %9s" % ("engine", "build s", "docs/s", "index MB", "% of raw", "p50 ms", "p99 ms") + "        QPS")
print("%-10s %10.1f %10.0f %10.1f %9.1f%% %10.3f %10.3f %10s" % (
    "paperboy", build_s, n / build_s, int(mine["index_bytes"]) / 1e6, 100 * int(mine["index_bytes"]) / raw,
    float(mine["p50_ms"]), float(mine["p99_ms"]), mine["qps"]))
print("%-10s %10.1f %10.0f %10.1f %9.1f%% %10.3f %10.3f %10s   (first %s queries)" % (
    "FTS5", float(fts["build_s"]), n / float(fts["build_s"]), int(fts["index_bytes"]) / 1e6,
    100 * int(fts["index_bytes"]) / raw, float(fts["p50_ms"]), float(fts["p99_ms"]), fts["qps"], fts["queries"]))
if xap:
    print("%-10s %10.1f %10.0f %10.1f %9.1f%% %10.3f %10.3f %10s" % (
        "Xapian", float(xap["build_s"]), n / float(xap["build_s"]), int(xap["index_bytes"]) / 1e6,
        100 * int(xap["index_bytes"]) / raw, float(xap["p50_ms"]), float(xap["p99_ms"]), xap["qps"]))
if "hybrid_p50_ms" in mine:
    print("%-10s %10s %10s %10s %10s %10.3f %10.3f %10s   (the bm25 top 30 reranked by meaning)" % (
        "  hybrid", "", "", "", "", float(mine["hybrid_p50_ms"]), float(mine["hybrid_p99_ms"]), mine["hybrid_qps"]))
    print("%-10s %10s %10s %10s %10s %10.3f %10.3f %10s" % (
        "  semantic", "", "", "", "", float(mine["semantic_p50_ms"]), float(mine["semantic_p99_ms"]), mine["semantic_qps"]))
print("ratios: paperboy QPS = %.0fx FTS5%s" % (
    float(mine["qps"]) / float(fts["qps"]),
    (", %.1fx Xapian" % (float(mine["qps"]) / float(xap["qps"]))) if xap else ""))
print("paperboy: index build peak RSS %.0f MB, query process peak RSS %s MB, %s of 2,000 queries found nothing"
      % (build_rss, mine["peak_rss_mb"], mine["empty_results"]))
print("goals at 3M: p50 <= 0.5 ms, p99 <= 5 ms, >= 100x FTS5 and 3x Xapian QPS, index <= 35% of raw, build >= 100k papers/s")
subprocess.run(["rm", "-rf", work])
