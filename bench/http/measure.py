"""Runs wrk against paperboy and against nginx serving the very same bytes
as static files, and prints requests/s, p50/p99 latency and the ratios."""
import argparse
import http.client
import os
import re
import subprocess
import urllib.parse
import urllib.request

p = argparse.ArgumentParser()
p.add_argument("--paperboy", required=True)
p.add_argument("--work", required=True)
p.add_argument("--seconds", type=int, default=10)
p.add_argument("--connections", type=int, default=64)
a = p.parse_args()

first = urllib.request.urlopen(a.paperboy + "/api/daily_papers?limit=1").read()
pid = re.search(rb'"id":\s*"([0-9.]+)"', first).group(1).decode()
targets = [
    ("daily page", "/"),
    ("paper page", "/papers/" + pid),
    ("api daily_papers", "/api/daily_papers"),
    ("search page", "/search?q=video+diffusion+models"),
]

# a signed-in visitor: every page rendered afresh (no shared cache)
u = urllib.parse.urlsplit(a.paperboy)


def call(method, path, body=None, cookies=""):
    conn = http.client.HTTPConnection(u.hostname, u.port)
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


csrf = call("GET", "/signin")["pb_csrf"]
form = urllib.parse.urlencode({"name": "bench", "email": "bench@example.org", "password": "benchmark password",
                               "csrf": csrf})
session = call("POST", "/signup", form, "pb_csrf=" + csrf)["pb_session"]
cookie = "pb_csrf=%s; pb_session=%s" % (csrf, session)
targets += [("daily, signed in", "/"), ("search, signed in", "/search?q=video+diffusion+models")]
signed_in = {len(targets) - 2, len(targets) - 1}

root = os.path.join(a.work, "static")
os.makedirs(root)
for i, (_, path) in enumerate(targets):
    req = urllib.request.Request(a.paperboy + path, headers={"Cookie": cookie} if i in signed_in else {})
    body = urllib.request.urlopen(req).read()
    with open(os.path.join(root, "f%d" % i), "wb") as f:
        f.write(body)
nginx_port = 18000 + os.getpid() % 1000
with open(os.path.join(a.work, "nginx.conf"), "w") as f:
    f.write("""worker_processes auto; daemon on; pid %(w)s/nginx.pid; error_log %(w)s/nginx.err;
events { worker_connections 4096; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path %(w)s; proxy_temp_path %(w)s; fastcgi_temp_path %(w)s; uwsgi_temp_path %(w)s; scgi_temp_path %(w)s;
  server { listen 127.0.0.1:%(p)d; root %(r)s; default_type text/html; } }
""" % {"w": a.work, "p": nginx_port, "r": root})
subprocess.run(["nginx", "-c", os.path.join(a.work, "nginx.conf")], check=True)


def wrk(url, cookie=None):
    extra = ["-H", "Cookie: " + cookie] if cookie else []
    out = subprocess.run(["wrk", "-t2", "-c%d" % a.connections, "-d%ds" % a.seconds, "--latency", *extra, url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def lat(pct):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s)\s*$" % pct, out, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    return rps, lat(50), lat(99)


print("wrk -t2 -c%d -d%ds, same bytes from both servers (sizes from paperboy)" % (a.connections, a.seconds))
print("%-18s %8s | %12s %9s %9s | %12s %9s %9s | %7s" % ("target", "bytes", "paperboy r/s", "p50 ms", "p99 ms",
                                                         "nginx r/s", "p50 ms", "p99 ms", "ratio"))
for i, (name, path) in enumerate(targets):
    size = os.path.getsize(os.path.join(root, "f%d" % i))
    pr, p50, p99 = wrk(a.paperboy + path, cookie if i in signed_in else None)
    nr, n50, n99 = wrk("http://127.0.0.1:%d/f%d" % (nginx_port, i))
    print("%-18s %8d | %12.0f %9.2f %9.2f | %12.0f %9.2f %9.2f | %6.0f%%" % (name, size, pr, p50, p99, nr, n50, n99,
                                                                             100 * pr / nr))
print("anonymous pages come from paperboy's 2-second page cache; signed-in pages are rendered per request")
print("goal: the daily page at 50%+ of nginx's requests/s, p99 <= 20 ms")
