"""paperboy serve on PostgreSQL beside the same on SQLite, in one run: the
daily page rendered for a signed-in user, the search page (signed in), and
votes per second (signed-in users toggling their votes on the day's
papers, each a transaction), measured by wrk at 64 connections; ratios
PostgreSQL / SQLite.

usage: backends.py BUILD_DIR SHARED_DATA [SECONDS]
PostgreSQL is a throwaway server (scripts/pg_test.sh) with its durable
defaults (fsync on), on this machine, reached by its Unix socket.
"""
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

build, data = sys.argv[1], sys.argv[2]
secs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
pb = os.path.join(build, "paperboy")
work = tempfile.mkdtemp(prefix="pb-bench-backends-")
os.chmod(work, 0o755)
pgdir = os.path.join(work, "pg")
USERS = 16


def call(port, method, path, body=None, cookies=""):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    h = {"Cookie": cookies, "Origin": "http://127.0.0.1:%d" % port}
    if body:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    payload = r.read()
    jar = {}
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, val = v.split(";")[0].split("=", 1)
            jar[name] = val
    conn.close()
    return r.status, jar, payload


def setup(name, db):
    env = dict(os.environ, PAPERBOY_DB=db, PAPERBOY_NO_PROGRESS="1",
               PAPERBOY_INDEX=os.path.join(work, name + ".search"))
    subprocess.run([pb, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([pb, "ingest", os.path.join(data, "hf-daily-papers")], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    portfile = os.path.join(work, name + ".port")
    proc = subprocess.Popen([pb, "serve", "--port", "0", "--port-file", portfile, "--access-log", "off",
                             "--thumb-dir", "off"], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(work, name + ".err"), "w"))
    while not (os.path.exists(portfile) and open(portfile).read().strip()):
        if proc.poll() is not None:
            sys.exit("serve on %s exited: %s" % (name, open(os.path.join(work, name + ".err")).read()))
        time.sleep(0.05)
    port = int(open(portfile).read())
    users = []
    for i in range(USERS):
        _, jar, _ = call(port, "GET", "/signin")
        csrf = jar["pb_csrf"]
        form = urllib.parse.urlencode({"name": "bench%d" % i, "email": "bench%d@example.org" % i,
                                       "password": "benchmark password", "csrf": csrf})
        _, jar, _ = call(port, "POST", "/signup", form, "pb_csrf=" + csrf)
        users.append((csrf, jar["pb_session"]))
    _, _, day = call(port, "GET", "/api/daily_papers")
    ids = re.findall(rb'"paper":\{"id":"([0-9.]+)"', day)
    return proc, port, users, [i.decode() for i in ids]


def wrk(url, cookie=None, script=None):
    extra = (["-H", "Cookie: " + cookie] if cookie else []) + (["-s", script] if script else [])
    out = subprocess.run(["wrk", "-t2", "-c64", "-d%ds" % secs, "--latency", *extra, url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    v, unit = float(m.group(1)), m.group(2)
    p99 = v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99, int(non2xx.group(1)) if non2xx else 0


def vote_script(port, users, ids):
    path = os.path.join(work, "vote%d.lua" % port)
    pairs = []
    for k in range(len(users) * len(ids)):
        csrf, session = users[k % len(users)]
        pairs.append('{"/papers/%s/vote", "pb_csrf=%s; pb_session=%s", "csrf=%s"}'
                     % (ids[(k // len(users)) % len(ids)], csrf, session, csrf))
    with open(path, "w") as f:
        f.write("""local reqs = {%s}
local i = 0
request = function()
  i = i %% #reqs + 1
  local r = reqs[i]
  return wrk.format("POST", r[1], {["Cookie"] = r[2], ["Content-Type"] = "application/x-www-form-urlencoded",
                                   ["Origin"] = "http://127.0.0.1:%d"}, r[3])
end
""" % (",\n".join(pairs), port))
    return path


url = subprocess.run(["sh", os.path.join(root, "scripts/pg_test.sh"), "start", pgdir], check=True, capture_output=True,
                     text=True, env=dict(os.environ, PB_PG_DURABLE="1")).stdout.strip()
procs = []
try:
    subprocess.run(["psql", "-q", url, "-c", "CREATE DATABASE bench"], check=True)
    results = {}
    for name, db in (("sqlite", os.path.join(work, "bench.db")), ("postgresql", url.replace("/postgres?", "/bench?"))):
        proc, port, users, ids = setup(name, db)
        procs.append(proc)
        csrf, session = users[0]
        cookie = "pb_csrf=%s; pb_session=%s" % (csrf, session)
        base = "http://127.0.0.1:%d" % port
        results[name] = [
            wrk(base + "/", cookie),
            wrk(base + "/search?q=video+diffusion+models", cookie),
            wrk(base + "/", script=vote_script(port, users, ids)),
        ]
        proc.terminate()
        proc.wait()
    print("wrk -t2 -c64 -d%ds; signed-in pages are rendered per request; votes: %d users toggling votes "
          "on the day's papers (a transaction each)" % (secs, USERS))
    print("%-22s | %12s %9s | %12s %9s | %8s" % ("target", "SQLite r/s", "p99 ms", "PG r/s", "p99 ms", "PG/SQLite"))
    for i, name in enumerate(("daily page, signed in", "search, signed in", "votes")):
        (sr, s99, se), (pr, p99, pe) = results["sqlite"][i], results["postgresql"][i]
        print("%-22s | %12.0f %9.2f | %12.0f %9.2f | %7.0f%%%s" % (name, sr, s99, pr, p99, 100 * pr / sr,
                                                                 "  (errors: %d / %d)" % (se, pe) if se or pe else ""))
finally:
    for p in procs:
        if p.poll() is None:
            p.kill()
    subprocess.run(["sh", os.path.join(root, "scripts/pg_test.sh"), "stop", pgdir])
    subprocess.run(["rm", "-rf", work])
