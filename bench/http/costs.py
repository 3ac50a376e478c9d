"""What the most expensive request of each route costs, beside the daily
page: CPU milliseconds per request of a running `paperboy serve` (read
from /proc, over many requests), on the real daily papers, with the worst
cases one account can build (a public collection of 2,000 papers with
2,000-byte notes, a private feed of 500 saved searches) and the worst
queries (40 made-up 47-letter words, phrases of common words).

    python3 bench/http/costs.py BUILD_DIR SHARED_DATA [REPEAT]
"""
import http.client
import json
import os
import random
import shutil
import sqlite3
import string
import subprocess
import sys
import tempfile
import time
import urllib.parse

build, data = sys.argv[1], sys.argv[2]
repeat = int(sys.argv[3]) if len(sys.argv) > 3 else 20
pb = os.path.join(build, "paperboy")
work = tempfile.mkdtemp(prefix="pb-bench-costs.")
db = os.path.join(work, "bench.db")
env = dict(os.environ, PAPERBOY_DB=db, PAPERBOY_NO_PROGRESS="1")
subprocess.run([pb, "init"], env=env, check=True, capture_output=True)
subprocess.run([pb, "ingest", os.path.join(data, "hf-daily-papers")], env=env, capture_output=True)
portfile = os.path.join(work, "port")
proc = subprocess.Popen([pb, "serve", "--port", "0", "--port-file", portfile, "--access-log", "off",
                         "--thumb-dir", "off", "--signups-per-ip", "0"], env=env,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    while not (os.path.exists(portfile) and open(portfile).read().strip()):
        time.sleep(0.05)
    port = int(open(portfile).read())

    def call(method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        raw = r.read()
        hs = r.getheaders()
        conn.close()
        return r.status, raw, hs

    def cookies(hs):
        return {v.split(";")[0].split("=", 1)[0]: v.split(";")[0].split("=", 1)[1]
                for k, v in hs if k.lower() == "set-cookie"}

    # an account, a token, a full public collection, 500 saved searches, a private feed
    csrf = cookies(call("GET", "/signin")[2])["pb_csrf"]
    form = urllib.parse.urlencode({"name": "bench", "email": "b@example.org", "password": "benchmark password",
                                   "csrf": csrf})
    sess = cookies(call("POST", "/signup", form, {"Cookie": "pb_csrf=" + csrf,
                                                    "Content-Type": "application/x-www-form-urlencoded"})[2])
    cookie = "pb_csrf=%s; pb_session=%s" % (csrf, sess["pb_session"])
    st, _, hs = call("POST", "/settings/tokens", urllib.parse.urlencode({"label": "b", "csrf": csrf}),
                     {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    flash = "".join("; %s=%s" % kv for kv in cookies(hs).items())  # the new token rides a cookie once
    page = call("GET", dict(hs)["Location"], headers={"Cookie": cookie + flash})[1].decode()
    if '<code class="token">' not in page:
        sys.exit("bench: no API token made (%d): %s" % (st, page[:300]))
    tok = page.split('<code class="token">')[1].split("<")[0]
    auth = {"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
    coll = json.loads(call("POST", "/api/me/collections", json.dumps({"name": "all", "public": True}), auth)[1])
    feed = json.loads(call("POST", "/api/me/feed", json.dumps({"on": True}), auth)[1])["url"]
    con = sqlite3.connect(db, timeout=30)
    ids = [r[0] for r in con.execute("SELECT id FROM papers WHERE hf_day <> '' ORDER BY id LIMIT 2000")]
    uid = con.execute("SELECT id FROM users WHERE name = 'bench'").fetchone()[0]
    con.executemany("INSERT INTO collection_items(collection_id, paper, note, position, added) VALUES(?, ?, ?, ?, ?)",
                    [(coll["id"], pid, "n" * 2000, i, i) for i, pid in enumerate(ids)])
    con.executemany("INSERT INTO follows(user_id, kind, value, created) VALUES(?, 'search', ?, ?)",
                    [(uid, "model search %d" % i, i + 1) for i in range(500)])
    con.execute("UPDATE collections SET updated = updated + 1 WHERE id = ?", (coll["id"],))
    con.execute("UPDATE users SET active_at = active_at + 1 WHERE id = ?", (uid,))
    con.commit()
    con.close()
    rnd = random.Random(7)
    hostile = urllib.parse.quote(" ".join("".join(rnd.choice(string.ascii_lowercase) for _ in range(47))
                                          for _ in range(40)))
    phrases = urllib.parse.quote('"of the" "in the" "we propose" "large language"')
    routes = [
        ("the daily page (not cached)", "/", False),
        ("/search, 40 made-up 47-letter words", "/search?q=%s&p=24" % hostile, False),
        ("/search, four phrases of common words", "/search?q=%s&p=24" % phrases, False),
        ("/api/papers/search, made-up words", "/api/papers/search?q=%s&limit=100" % hostile, False),
        ("/feeds/search.atom, made-up words", "/feeds/search.atom?q=%s" % hostile, False),
        ("/c/ID, 20th page of 2,000", "/c/%d?p=19" % coll["id"], False),
        ("/api/collections/ID, 20th page", "/api/collections/%d?p=19" % coll["id"], False),
        ("/c/ID/export BibTeX of 2,000 (kept)", "/c/%d/export?format=bib" % coll["id"], True),
        ("private feed, 500 searches (kept)", urllib.parse.urlsplit(feed).path, True),
        ("/papers/trending", "/papers/trending", False),
        ("/api/daily_papers?limit=100", "/api/daily_papers?limit=100", False),
    ]

    def cpu():
        with open("/proc/%d/stat" % proc.pid) as fh:
            f = fh.read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

    rows = []
    for name, path, kept in routes:
        first = None
        if kept:
            t = cpu()
            call("GET", path)
            first = (cpu() - t) * 1000
        t = cpu()
        for i in range(repeat):
            p = path if kept else path + ("&" if "?" in path else "?") + "bench=%d" % i
            st, _, _ = call("GET", p)
            assert st < 500, (p, st)
        rows.append((name, (cpu() - t) * 1000 / repeat, first))
    base = rows[0][1] or 0.1
    print("CPU per request (ms), %d requests each, release build, one client:" % repeat)
    print("%-42s %9s %9s" % ("route", "ms", "x daily"))
    for name, ms, first in rows:
        extra = "   (first, then kept: %.1f ms)" % first if first is not None else ""
        print("%-42s %9.2f %9.1f%s" % (name, ms, ms / base, extra))
    worst = max(rows[1:], key=lambda r: r[1])
    print("worst: %s, %.2f ms = %.1fx the daily page" % (worst[0], worst[1], worst[1] / base))
finally:
    proc.terminate()
    proc.wait()
    shutil.rmtree(work, ignore_errors=True)
