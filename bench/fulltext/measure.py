"""The full-text benchmark: what `fetch pdf` and the body field cost.

N synthetic papers (../shared/tools/gen_corpus.py: a bigram model of real
abstracts) are ingested; each gets a PDF written by hand
(tests/integration/pdfgen.py, compressed streams) of PAGES pages of about
500 words (the abstracts of further generated records, end to end, so the
phrases stay real: the title, authors and abstract open page 1) and a page
of about 30 references naming other generated papers as arXiv:YYMM.NNNNN.
A local server answers /pdf/ID; `paperboy fetch pdf --delay 0` reads them
all. Then the index is built with and without the texts and the 2,000 real
queries run on both, in the same run: the ratios are the figures. The
extraction alone (`paperboy thumb text`, the child `fetch pdf` starts) is
timed on a sample, beside a real PDF typeset by TeX when the machine has
one (PB_BENCH_REAL_PDF, default the libtasn1 manual of libtasn1-doc).

usage: python3 measure.py BUILD DATA N
"""
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
sys.path.insert(0, os.path.join(root, "tests", "integration"))
from pdfgen import make_pdf  # noqa: E402
from replay import Replay  # noqa: E402

build, data, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
PAGES = int(os.environ.get("PB_BENCH_PAGES", "10"))
WORDS = 500  # a page
REFS = 30
SAMPLE = min(n, int(os.environ.get("PB_BENCH_SAMPLE", "200")))  # PDFs timed alone
real_pdf = os.environ.get("PB_BENCH_REAL_PDF", "/usr/share/doc/libtasn1-doc/libtasn1.pdf")
work = tempfile.mkdtemp(prefix="pb-bench-fulltext-")
queries = os.path.join(data, "queries", "hf-ai-keywords-2000.txt")
env = dict(os.environ, PAPERBOY_NO_PROGRESS="1")
pb = os.path.abspath(os.path.join(build, "paperboy"))


def sh(argv, **kw):
    return subprocess.run(argv, check=True, env=env, **kw)


def kv(out):
    return dict(l.split("=", 1) for l in out.splitlines() if "=" in l)


def timed(argv, **kw):
    """Runs argv; (wall s, CPU s of it and the children it waited for, peak
    RSS MB). The peak comes from /usr/bin/time: a child of this process
    would inherit its high-water mark through fork and exec, and the
    generated text makes it large."""
    rss_file = os.path.join(work, "rss")
    t0 = time.monotonic()
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv, env=env, **kw)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    if status:
        sys.exit("%s: exit status %d" % (" ".join(argv[:6]), status))
    with open(rss_file) as f:
        rss = int(f.read().split()[-1]) / 1024
    return wall, ru.ru_utime + ru.ru_stime, rss


def fsize(path):
    return os.path.getsize(path) if os.path.exists(path) else 0


# ---- the papers, and the text of their bodies --------------------------------
avg_abstract = 150  # words, a safe guess low: more records than needed
extra = n * PAGES * WORDS // avg_abstract + 1000
t0 = time.monotonic()
corpus = os.path.join(work, "corpus.jsonl")
with open(corpus, "w") as f:
    sh([sys.executable, os.path.join(os.path.dirname(data.rstrip("/")), "tools", "gen_corpus.py"),
        str(n + extra), "7"], stdout=f)
papers, pool = [], []
with open(corpus) as fin, open(os.path.join(work, "papers.jsonl"), "w") as fout:
    for i, line in enumerate(fin):
        r = json.loads(line)
        if i < n:
            papers.append((r["id"], r["title"], r["authors"], r["abstract"]))
            fout.write(line)
        else:
            pool.append(r["abstract"].split())
os.remove(corpus)
db = os.path.join(work, "text.db")
sh([pb, "--db", db, "init"], stdout=subprocess.DEVNULL)
sh([pb, "--db", db, "ingest", "--no-index", os.path.join(work, "papers.jsonl")],
   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
ids = [p[0] for p in papers]
index_of = {pid: i for i, pid in enumerate(ids)}


def lines_of(words, width=80):
    """words in lines of at most width characters; a word that is not ASCII
    is left out (the hand-written PDFs use Helvetica's standard encoding)."""
    out, cur = [], ""
    for w in words:
        if not w.isascii():
            continue
        if cur and len(cur) + 1 + len(w) > width:
            out.append(cur)
            cur = w
        else:
            cur = cur + " " + w if cur else w
    if cur:
        out.append(cur)
    return out


rng = random.Random(7)
pdfdir = os.path.join(work, "pdf")
os.mkdir(pdfdir)
expected_refs = 0
pdf_bytes = 0
nextab = 0
for k, (pid, title, authors, abstract) in enumerate(papers):
    pages = []
    first = lines_of(title.split(), 60) + [""] + lines_of(authors.split(), 80)[:3] + ["", "Abstract"]
    words = abstract.split()
    body = []
    while len(body) < PAGES * WORDS - len(words):
        body += pool[nextab % len(pool)]
        nextab += 1
    words += body[:PAGES * WORDS - len(words)]
    for pg in range(PAGES):
        chunk = lines_of(words[pg * WORDS:(pg + 1) * WORDS])
        pages.append((first + chunk) if pg == 0 else chunk)
    cited = [ids[c] for c in rng.sample(range(n), min(REFS + 1, n)) if c != k][:REFS]
    expected_refs += len(cited)
    refs = ["References"]
    for j, c in enumerate(cited):
        cp = papers[index_of[c]]
        name = cp[2].split(",")[0] + " et al."
        ctitle = cp[1][:60]
        refs.append(("[%d] %s %s." % (j + 1, name, ctitle)).encode("ascii", "ignore").decode())
        refs.append("     arXiv:%s%s, 20%s." % (c, "v2" if j % 5 == 4 else "", c[:2]))
    pages.append(refs)
    blob = make_pdf(pages, compress=True, size=10)
    pdf_bytes += len(blob)
    with open(os.path.join(pdfdir, pid), "wb") as f:
        f.write(blob)
gen_s = time.monotonic() - t0


def route(path, query, hits):
    name = path.rsplit("/", 1)[-1]
    fp = os.path.join(pdfdir, name)
    if not path.startswith("/pdf/") or "/" in name or not os.path.exists(fp):
        return 404, {}, b"no such paper"
    with open(fp, "rb") as f:
        return 200, {"Content-Type": "application/pdf"}, f.read()


# ---- the extraction alone: the child fetch pdf starts, on a sample ------------
def extract_alone(path, out):
    w, c, rss = timed([pb, "thumb", "text", path, out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out, "rb") as f:
        head = f.readline().split()
        return w, c, rss, int(head[1]) if len(head) >= 2 else 0, os.path.getsize(out)


alone = [extract_alone(os.path.join(pdfdir, ids[i]), os.path.join(work, "one.txt"))
         for i in range(0, n, max(1, n // SAMPLE))][:SAMPLE]
real = None
if real_pdf and os.path.exists(real_pdf):
    runs = [extract_alone(real_pdf, os.path.join(work, "real.txt")) for _ in range(5)]
    real = (sorted(r[0] for r in runs)[2], sorted(r[1] for r in runs)[2], max(r[2] for r in runs), runs[0][3],
            runs[0][4], fsize(real_pdf))
empty_pdf = os.path.join(work, "empty.pdf")
with open(empty_pdf, "wb") as f:
    f.write(make_pdf([[""]]))
floor = sorted(extract_alone(empty_pdf, os.path.join(work, "e.txt"))[1] for _ in range(11))[5]

# ---- fetch pdf ------------------------------------------------------------------
con = sqlite3.connect(db)
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
con.close()
plain = os.path.join(work, "plain.db")
shutil.copy(db, plain)
db_before = fsize(db)
srv = Replay(route)
fetch_wall = fetch_cpu = 0.0
for b in range(0, n, 5000):  # one argument stays under the kernel's 128 KB
    w, c, _ = timed([pb, "--db", db, "fetch", "pdf", "--ids", ",".join(ids[b:b + 5000]), "--delay", "0",
                     "--endpoint", srv.url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fetch_wall += w
    fetch_cpu += c
requests = len(srv.log)
srv.close()
con = sqlite3.connect(db)
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
stored, text_bytes, comp_bytes = con.execute(
    "SELECT count(*), sum(bytes), sum(length(data)) FROM paper_text").fetchone()
nrefs = con.execute("SELECT count(*) FROM paper_refs").fetchone()[0]
nrefs_known = con.execute("SELECT count(*) FROM paper_refs r JOIN papers p ON p.id = r.ref").fetchone()[0]
failed = con.execute("SELECT count(*) FROM pdf_fetch WHERE state <> 'done'").fetchone()[0]
con.close()
db_after = fsize(db)
if stored != n:
    print("warning: %d of %d texts stored (%d failed)" % (stored, n, failed))

# ---- the index, with and without the texts --------------------------------------
def rebuild(path, *flags):
    for suffix in (".search", ".search.deltas"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    w, c, rss = timed([pb, "--db", path, *flags, "index", "rebuild"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.PIPE)
    return w, c, rss, fsize(path + ".search")


ix_plain = rebuild(plain)
ix_text16 = rebuild(db, "--index-memory", "16")
ix_plain16 = rebuild(plain, "--index-memory", "16")
ix_text = rebuild(db)
ix_plain = min(ix_plain, rebuild(plain))  # the faster of two: the first warmed the caches

body_q = os.path.join(work, "body-queries.txt")
with open(queries) as fin, open(body_q, "w") as f:
    for q in fin:
        if q.strip():
            f.write("in:body " + q.strip() + "\n")
bench = os.path.join(build, "pb-bench-search")
s_plain = kv(sh([bench, "paperboy", plain, queries, "1"], capture_output=True, text=True).stdout)
s_text = kv(sh([bench, "paperboy", db, queries, "1"], capture_output=True, text=True).stdout)
s_body = kv(sh([bench, "paperboy", db, body_q, "1"], capture_output=True, text=True).stdout)

# ---- the figures ------------------------------------------------------------------
a_wall = sorted(a[0] for a in alone)
a_cpu = sorted(a[1] for a in alone)
print("full-text benchmark: %d synthetic papers, %d pages of ~%d words + a page of %d references each; "
      "generated in %.0f s; 2 cores" % (n, PAGES, WORDS, REFS, gen_s))
print()
print("fetch pdf --delay 0 (local server, %d requests)" % requests)
print("  %-44s %10.3f s   (%.1f papers/s)" % ("wall per paper", fetch_wall / n, n / fetch_wall))
print("  %-44s %10.3f s" % ("CPU per paper, fetch and its child", fetch_cpu / n))
print("  %-44s %10.1f KB" % ("PDF per paper", pdf_bytes / n / 1e3))
print("  %-44s %10.1f KB   (%d words)" % ("text per paper", text_bytes / stored / 1e3, PAGES * WORDS))
print("  %-44s %10.1f KB   (%.0f%% of the text)" % ("stored per paper (zlib)", comp_bytes / stored / 1e3,
                                                   100 * comp_bytes / text_bytes))
print("  %-44s %10.1f KB   (%.2f MB in all)" % ("database growth per paper", (db_after - db_before) / n / 1e3,
                                               (db_after - db_before) / 1e6))
print("  %-44s %10.1f        (%d written, %d of them papers in the store)" % (
    "references stored per paper", nrefs / n, expected_refs, nrefs_known))
print()
print("the child alone (paperboy thumb text, %d PDFs one at a time)" % len(alone))
print("  %-44s %10.3f s   (p50; p99 %.3f)" % ("wall", a_wall[len(a_wall) // 2], a_wall[int(len(a_wall) * 0.99)]))
print("  %-44s %10.3f s   (p50; %.4f s a page; an empty PDF: %.3f s)" % (
    "CPU", a_cpu[len(a_cpu) // 2], (a_cpu[len(a_cpu) // 2] - floor) / (PAGES + 1), floor))
print("  %-44s %10.0f MB" % ("peak RSS", max(a[2] for a in alone)))
if real:
    print("  a real PDF (%s: %d pages, %.0f KB, %.0f KB of text):" % (
        os.path.basename(real_pdf), real[3], real[5] / 1e3, real[4] / 1e3))
    per_gen = (a_cpu[len(a_cpu) // 2] - floor) / (PAGES + 1)
    per_real = (real[1] - floor) / real[3]
    print("  %-44s %10.3f s   (%.4f s a page: %.1fx the generated page's)" % (
        "  CPU (median of 5)", real[1], per_real, per_real / per_gen))
    print("  %-44s %10.0f MB" % ("  peak RSS", real[2]))
print()
print("index rebuild           %10s %10s %10s %10s" % ("wall s", "CPU s", "peak MB", "index MB"))
for name, r in (("without texts", ix_plain), ("with texts", ix_text),
                ("without, --index-memory 16", ix_plain16), ("with, --index-memory 16", ix_text16)):
    print("  %-26s %7.2f %10.2f %10.0f %10.2f" % (name, r[0], r[1], r[2], r[3] / 1e6))
print("  with / without: build %.2fx, index %.2fx, peak %.2fx; per body: %.1f KB of index, %.1f KB of peak, %.2f ms" % (
    ix_text[0] / ix_plain[0], ix_text[3] / ix_plain[3], ix_text[2] / ix_plain[2],
    (ix_text[3] - ix_plain[3]) / n / 1e3, (ix_text[2] - ix_plain[2]) * 1e3 / n, (ix_text[0] - ix_plain[0]) * 1e3 / n))
print()
print("search, 2,000 real queries, top 10, one thread   p50 ms    p99 ms")
for name, s, pre in (("BM25 without texts", s_plain, ""), ("BM25 with texts", s_text, ""),
                     ("hybrid without texts", s_plain, "hybrid_"), ("hybrid with texts", s_text, "hybrid_"),
                     ("in:body QUERY (BM25)", s_body, "")):
    print("  %-44s %8.3f %9.3f" % (name, float(s[pre + "p50_ms"]), float(s[pre + "p99_ms"])))
for name, pre in (("BM25", ""), ("hybrid", "hybrid_")):
    print("  %-44s %7.2fx %8.2fx" % ("%s with / without" % name, float(s_text[pre + "p50_ms"]) / float(s_plain[pre + "p50_ms"]),
                                     float(s_text[pre + "p99_ms"]) / float(s_plain[pre + "p99_ms"])))
print("  empty results: %s without texts, %s with, %s in:body" % (
    s_plain.get("empty_results"), s_text.get("empty_results"), s_body.get("empty_results")))

# ---- extrapolated ---------------------------------------------------------------
per_stored = comp_bytes / stored
per_db = (db_after - db_before) / n
per_ix = (ix_text[3] - ix_plain[3]) / n
per_build = (ix_text[0] - ix_plain[0]) / n
child = fetch_wall / n
print()
print("extrapolated (linear in the papers; arXiv's pace: one request every 3 s, one client)")
print("  %-34s %16s %16s" % ("", "10,000 papers", "3,000,000 papers"))
for name, f in (
        ("fetch at arXiv's pace", lambda m: "%.1f h" % (m * max(3.0, child) / 3600) if m < 100000
         else "%.0f days" % (m * max(3.0, child) / 86400)),
        ("fetch with --delay 0 (as here)", lambda m: "%.1f h" % (m * child / 3600) if m < 1000000
         else "%.1f days" % (m * child / 86400)),
        ("texts stored (zlib)", lambda m: "%.0f MB" % (m * per_stored / 1e6) if m < 1000000
         else "%.1f GB" % (m * per_stored / 1e9)),
        ("database growth", lambda m: "%.0f MB" % (m * per_db / 1e6) if m < 1000000
         else "%.1f GB" % (m * per_db / 1e9)),
        ("index growth", lambda m: "%.0f MB" % (m * per_ix / 1e6) if m < 1000000
         else "%.1f GB" % (m * per_ix / 1e9)),
        ("index build: the bodies' time", lambda m: "%.0f s" % (m * per_build) if m < 1000000
         else "%.0f min" % (m * per_build / 60)),
        # the bodies' postings spill past --index-memory like the others:
        # what they hold at most is the budget, whatever the papers
        ("index build: peak, --index-memory 16", lambda m: "%.0f MB (bounded)" % ix_text16[2])):
    print("  %-34s %16s %16s" % (name, f(10000), f(3000000)))
print("(work files in %s)" % work if os.environ.get("PB_BENCH_KEEP") else "")
if not os.environ.get("PB_BENCH_KEEP"):
    shutil.rmtree(work)
