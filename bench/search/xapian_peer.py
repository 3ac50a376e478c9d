"""The Xapian peer of the search benchmark (Debian's python3-xapian): the
same papers (title, abstract, authors) and queries, BM25 (k1 0.9, b 0.4),
English stemming, every query word optional (OR). Prints key=value lines.
Latencies include the Python call overhead (a few microseconds)."""
import os
import shutil
import sqlite3
import sys
import time

import xapian

db_path, queries_path, maxq = sys.argv[1], sys.argv[2], int(sys.argv[3])
xdir = db_path + ".xapian"
shutil.rmtree(xdir, ignore_errors=True)
t0 = time.monotonic()
wdb = xapian.WritableDatabase(xdir, xapian.DB_CREATE_OR_OVERWRITE)
tg = xapian.TermGenerator()
tg.set_stemmer(xapian.Stem("english"))
con = sqlite3.connect(db_path)
wdb.begin_transaction(False)
for docid, title, abstract, authors in con.execute("SELECT docid, title, abstract, authors FROM papers"):
    doc = xapian.Document()
    tg.set_document(doc)
    tg.index_text(title or "")
    tg.index_text(abstract or "")
    tg.index_text((authors or "").replace("\n", " "))
    wdb.replace_document(docid, doc)
wdb.commit_transaction()
wdb.close()
print("build_s=%.2f" % (time.monotonic() - t0))
print("index_bytes=%d" % sum(os.path.getsize(os.path.join(xdir, f)) for f in os.listdir(xdir)))
db = xapian.Database(xdir)
qp = xapian.QueryParser()
qp.set_stemmer(xapian.Stem("english"))
qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
qp.set_default_op(xapian.Query.OP_OR)
enq = xapian.Enquire(db)
enq.set_weighting_scheme(xapian.BM25Weight(0.9, 0, 1, 0.4, 0.5))
with open(queries_path) as f:
    queries = [l.strip() for l in f if l.strip()][:maxq]
lat = []
t0 = time.monotonic()
for q in queries:
    a = time.monotonic()
    enq.set_query(qp.parse_query(q))
    enq.get_mset(0, 10)
    lat.append(time.monotonic() - a)
total = time.monotonic() - t0
lat.sort()
print("queries=%d" % len(lat))
print("p50_ms=%.4f" % (lat[len(lat) // 2] * 1e3))
print("p99_ms=%.4f" % (lat[int(len(lat) * 0.99)] * 1e3))
print("qps=%.0f" % (len(lat) / total))
shutil.rmtree(xdir, ignore_errors=True)
