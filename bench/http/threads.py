"""How the rendered search page scales with worker threads: paperboy serve
on SQLite with --threads 1, then 2 (then 4), each driven by wrk at 8
connections with a signed-in cookie (every page rendered afresh, never from
the page cache), queries rotating over the 2,000 real queries of
../shared/data/queries, hybrid mode (the default). Prints requests/s,
p50/p99 and the ratio to one thread.

usage: threads.py BUILD_DIR SHARED_DATA [SECONDS] [DB]
DB: an existing database (and its index, DB.search) to serve, e.g. a 3M
corpus; default: the Hugging Face daily papers in a fresh one.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

build, data = sys.argv[1], sys.argv[2]
secs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
given_db = sys.argv[4] if len(sys.argv) > 4 else None
pb = os.path.join(build, "paperboy")
work = tempfile.mkdtemp(prefix="pb-bench-threads-")
db = given_db or os.path.join(work, "bench.db")
env = dict(os.environ, PAPERBOY_DB=db, PAPERBOY_NO_PROGRESS="1")
if not given_db:
    subprocess.run([pb, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([pb, "ingest", os.path.join(data, "hf-daily-papers")], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)

queries = []
qdir = os.path.join(data, "queries")
for name in sorted(os.listdir(qdir)):
    path = os.path.join(qdir, name)
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("{"):
                try:
                    line = json.loads(line).get("query") or json.loads(line).get("text") or ""
                except ValueError:
                    continue
            if line and len(line) < 200:
                queries.append(line)
queries = queries[:2000]


def call(port, method, path, body=None, cookies=""):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    h = {"Cookie": cookies}
    if body:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    r.read()
    jar = {}
    for k, v in r.getheaders():
        if k.lower() == "set-cookie":
            name, val = v.split(";")[0].split("=", 1)
            jar[name] = val
    conn.close()
    return jar


def run(threads):
    portfile = os.path.join(work, "port%d" % threads)
    proc = subprocess.Popen([pb, "serve", "--port", "0", "--port-file", portfile, "--threads", str(threads),
                             "--access-log", "off", "--thumb-dir", "off"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        while not (os.path.exists(portfile) and open(portfile).read().strip()):
            time.sleep(0.05)
        port = int(open(portfile).read())
        # wait for the index
        while True:
            c = http.client.HTTPConnection("127.0.0.1", port)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                break
            time.sleep(0.2)
        csrf = call(port, "GET", "/signin")["pb_csrf"]
        name = "t%d" % threads
        form = urllib.parse.urlencode({"name": name, "email": name + "@example.org", "password": "benchmark password",
                                       "csrf": csrf})
        jar = call(port, "POST", "/signup", form, "pb_csrf=" + csrf)
        if "pb_session" not in jar:
            form = urllib.parse.urlencode({"name": name, "password": "benchmark password", "csrf": csrf})
            jar = call(port, "POST", "/signin", form, "pb_csrf=" + csrf)
        cookie = "pb_csrf=%s; pb_session=%s" % (csrf, jar["pb_session"])
        script = os.path.join(work, "q.lua")
        with open(script, "w") as f:
            f.write("local q = {%s}\nlocal i = 0\nrequest = function()\n  i = i %% #q + 1\n"
                    "  return wrk.format(\"GET\", \"/search?q=\" .. q[i])\nend\n"
                    % ",".join('"%s"' % urllib.parse.quote_plus(x) for x in queries))
        out = subprocess.run(["wrk", "-t2", "-c8", "-d%ds" % secs, "--latency", "-s", script, "-H", "Cookie: " + cookie,
                              "http://127.0.0.1:%d" % port], capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

        def lat(p):
            m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % p, out, re.M)
            v, unit = float(m.group(1)), m.group(2)
            return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return rps, lat(50), lat(99), int(bad.group(1)) if bad else 0
    finally:
        proc.terminate()
        proc.wait()


print("the signed-in search page (hybrid, rendered per request), %d real queries in turn, wrk -t2 -c8 -d%ds"
      % (len(queries), secs))
print("%-8s | %10s %9s %9s | %s" % ("threads", "r/s", "p50 ms", "p99 ms", "x one thread"))
one = None
for t in (1, 2, 4):
    rps, p50, p99, bad = run(t)
    one = one or rps
    print("%-8d | %10.0f %9.2f %9.2f | %.2fx%s" % (t, rps, p50, p99, rps / one, "  (%d errors)" % bad if bad else ""))
print("goal: >= 1.8x from 1 to 2 threads on this 2-core machine")
if not given_db:
    subprocess.run(["rm", "-rf", work])
