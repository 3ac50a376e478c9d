"""Requests/s and votes/s through haproxy (deploy/haproxy.cfg) with 1, 2 and
3 paperboy nodes on one PostgreSQL, beside one node on SQLite behind the
same balancer, with p99 latencies and ratios. On a 2-core machine the nodes,
the database, the balancer and wrk share the same two cores: this measures
the overhead of the cluster, not its scaling.

usage: cluster.py BUILD_DIR SHARED_DATA [SECONDS]
"""
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

build, data = sys.argv[1], sys.argv[2]
secs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
pb = os.path.join(build, "paperboy")
work = tempfile.mkdtemp(prefix="pb-bench-cluster-")
os.chmod(work, 0o755)
USERS = 16


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def call(port, method, path, body=None, cookies=""):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    h = {"Cookie": cookies}
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


def wait_ok(port, path="/healthz", timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if call(port, "GET", path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit("nothing answers on port %d" % port)


def wrk(url, cookie=None, script=None):
    extra = (["-H", "Cookie: " + cookie] if cookie else []) + (["-s", script] if script else [])
    out = subprocess.run(["wrk", "-t2", "-c64", "-d%ds" % secs, "--latency", *extra, url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    v, unit = float(m.group(1)), m.group(2)
    p99 = v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99, int(bad.group(1)) if bad else 0


def run_cluster(name, db, nodes):
    env = dict(os.environ, PAPERBOY_DB=db, PAPERBOY_NO_PROGRESS="1")
    lb_port = free_port()
    ports = [free_port() for _ in range(3)]
    procs = []
    for i in range(nodes):
        d = os.path.join(work, "%s-n%d" % (name, i))
        os.makedirs(d, exist_ok=True)
        procs.append(subprocess.Popen(
            [pb, "--index", os.path.join(d, "index.search"), "serve", "--port", str(ports[i]), "--access-log", "off",
             "--thumb-dir", "off", "--node-id", "n%d" % i, "--trusted-proxy", "127.0.0.1",
             "--base-url", "http://127.0.0.1:%d" % lb_port], env=env, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(d, "err"), "w")))
    for i in range(nodes):
        wait_ok(ports[i])
    # unused server lines point at the first node (the config names three)
    lb_env = dict(os.environ, PB_LB_BIND="127.0.0.1:%d" % lb_port, PB_CHECK_INTER="1s",
                  **{"PB_NODE%d" % (i + 1): "127.0.0.1:%d" % ports[i if i < nodes else 0] for i in range(3)})
    lb = subprocess.Popen(["haproxy", "-db", "-f", os.path.join(root, "deploy", "haproxy.cfg")], env=lb_env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ok(lb_port)
        users = []
        for i in range(USERS):
            _, jar, _ = call(lb_port, "GET", "/signin")
            csrf = jar["pb_csrf"]
            uname = "%s%d_%d" % (name, nodes, i)
            form = urllib.parse.urlencode({"name": uname, "email": uname + "@example.org",
                                           "password": "benchmark password", "csrf": csrf})
            _, jar, _ = call(lb_port, "POST", "/signup", form, "pb_csrf=" + csrf)
            users.append((csrf, jar["pb_session"]))
        _, _, day = call(lb_port, "GET", "/api/daily_papers")
        ids = [x.decode() for x in re.findall(rb'"paper":\{"id":"([0-9.]+)"', day)]
        script = os.path.join(work, "vote-%s-%d.lua" % (name, nodes))
        pairs = []
        for k in range(len(users) * len(ids)):
            csrf, session = users[k % len(users)]
            pairs.append('{"/papers/%s/vote", "pb_csrf=%s; pb_session=%s", "csrf=%s"}'
                         % (ids[(k // len(users)) % len(ids)], csrf, session, csrf))
        with open(script, "w") as f:
            f.write("local reqs = {%s}\nlocal i = 0\nrequest = function()\n  i = i %% #reqs + 1\n  local r = reqs[i]\n"
                    "  return wrk.format(\"POST\", r[1], {[\"Cookie\"] = r[2], [\"Content-Type\"] = "
                    "\"application/x-www-form-urlencoded\"}, r[3])\nend\n" % ",\n".join(pairs))
        csrf, session = users[0]
        cookie = "pb_csrf=%s; pb_session=%s" % (csrf, session)
        base = "http://127.0.0.1:%d" % lb_port
        return [wrk(base + "/"), wrk(base + "/", cookie), wrk(base + "/", script=script)]
    finally:
        lb.terminate()
        lb.wait()
        for p in procs:
            p.terminate()
            p.wait()


url = subprocess.run(["sh", os.path.join(root, "scripts/pg_test.sh"), "start", os.path.join(work, "pg")], check=True,
                     capture_output=True, text=True, env=dict(os.environ, PB_PG_DURABLE="1")).stdout.strip()
try:
    subprocess.run(["psql", "-q", url, "-c", "CREATE DATABASE bench"], check=True)
    pg = url.replace("/postgres?", "/bench?")
    sq = os.path.join(work, "bench.db")
    for db in (pg, sq):
        env = dict(os.environ, PAPERBOY_DB=db, PAPERBOY_NO_PROGRESS="1", PAPERBOY_INDEX=os.path.join(work, "setup.search"))
        subprocess.run([pb, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([pb, "ingest", "--no-index", os.path.join(data, "hf-daily-papers")], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = [("1 node, SQLite", run_cluster("sqlite", sq, 1))]
    for n in (1, 2, 3):
        rows.append(("%d node%s, PostgreSQL" % (n, "s" if n > 1 else ""), run_cluster("pg", pg, n)))
    print("through haproxy (deploy/haproxy.cfg), wrk -t2 -c64 -d%ds; everything on this machine's 2 cores: "
          "the overhead of the cluster, not its scaling" % secs)
    print("%-22s | %16s | %16s | %16s | %s" % ("", "daily, anonymous", "daily, signed in", "votes/s",
                                               "ratios to 1 node on SQLite"))
    ref = rows[0][1]
    for name, res in rows:
        cells = " | ".join("%7.0f p99 %4.0fms" % (r, p) for r, p, _ in res)
        ratios = " ".join("%.2fx" % (res[i][0] / ref[i][0]) for i in range(3))
        errs = sum(e for _, _, e in res)
        print("%-22s | %s | %s%s" % (name, cells, ratios, "  (%d errors)" % errs if errs else ""))
finally:
    subprocess.run(["sh", os.path.join(root, "scripts/pg_test.sh"), "stop", os.path.join(work, "pg")])
    subprocess.run(["rm", "-rf", work])
