"""Helpers of the web tests: start `paperboy serve` on a free port and talk
to it like a browser would (cookies, forms with their CSRF token)."""
import gzip
import http.client
import json
import os
import re
import signal
import subprocess
import time
import urllib.parse

from common import BIN


def read(path):
    with open(path) as f:
        return f.read()


# What the tests run with unless they say otherwise: no digests from the
# server's own schedule (past 08:00 UTC, its default time, it sent one to
# the subscribers a test had made, and the test found a message more),
# votes count at once,
# sign-ups and the password work of an address are not limited (many tests
# make many accounts and sign in many times from 127.0.0.1),
# the arXiv replay is asked without the polite 3 s between requests, and an
# anonymous page is kept 0.3 s instead of 2 (no test sleeps 2 s for it). The
# tests of those rules (test_bounds.py) set them.
TEST_DEFAULTS = {"--digest-time": "off", "--vote-age": "0", "--signups-per-ip": "0", "--signups-per-hour": "0",
                 "--passwords-per-ip": "0", "--arxiv-delay": "0.05", "--page-cache-ttl": "0.3"}
# how long a test waits for the anonymous page cache to forget a page
CACHE_WAIT = 0.35


def with_test_defaults(args):
    args = list(args)
    for k, v in TEST_DEFAULTS.items():
        if k not in args:
            args += [k, v]
    return args


class Server:
    def __init__(self, env, tmp, *args):
        args = with_test_defaults(args)
        self.port_file = os.path.join(tmp, "port")
        self.log_path = os.path.join(tmp, "access.log")
        self.err_path = os.path.join(tmp, "serve.err")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.err = open(self.err_path, "w")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--port", "0", "--port-file", self.port_file, "--access-log", self.log_path,
             "--threads", "4", *args],
            env=env, stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 60
        while not (os.path.exists(self.port_file) and read(self.port_file).strip()):
            if self.proc.poll() is not None:
                raise AssertionError("serve exited %d: %s" % (self.proc.returncode, read(self.err_path)))
            if time.time() > deadline:
                raise AssertionError("serve did not start")
            time.sleep(0.05)
        self.port = int(read(self.port_file))
        self.base = "http://127.0.0.1:%d" % self.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        else:
            rc = self.proc.returncode
        self.err.close()
        return rc

    def stderr(self):
        return read(self.err_path)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class Client:
    """A browser-like client: keeps cookies, finds CSRF tokens in pages."""

    def __init__(self, server):
        self.server = server
        self.cookies = {}

    def request(self, method, path, body=None, headers=None, raw_body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        data = raw_body
        if body is not None:
            data = urllib.parse.urlencode(body).encode()
            h.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        payload = r.read()
        headers = r.getheaders()
        conn.close()
        for k, v in headers:
            if k.lower() == "set-cookie":
                name, val = v.split(";")[0].split("=", 1)
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = val
        if dict((k.lower(), v) for k, v in headers).get("content-encoding") == "gzip":
            payload = gzip.decompress(payload)
        return Response(r.status, headers, payload)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def csrf(self):
        if "pb_csrf" not in self.cookies:
            self.get("/signin")
        return self.cookies["pb_csrf"]

    def post(self, path, fields=None, csrf=True, **kw):
        fields = dict(fields or {})
        if csrf:
            fields["csrf"] = self.csrf()
        return self.request("POST", path, body=fields, **kw)

    def signup(self, name, password="correct horse battery", email=None):
        r = self.post("/signup", {"name": name, "email": email or name + "@example.org", "password": password})
        return r

    def signin(self, name, password="correct horse battery"):
        return self.post("/signin", {"name": name, "password": password})

    def make_token(self, label="script"):
        r = self.post("/settings/tokens", {"label": label})
        assert r.status == 303, r.status
        page = self.get(r.header("Location")).text
        m = re.search(r'<code class="token">(pb_[A-Za-z0-9_-]+)</code>', page)
        assert m, "no token on the profile page"
        return m.group(1)


def tampered(tok, at=20):
    """tok with one character changed well inside it: its bytes change
    (the last characters of unpadded base64 carry fewer bits, so a change
    there may decode to the same bytes, and the token still holds)."""
    return tok[:at] + ("B" if tok[at] != "B" else "C") + tok[at + 1:]


def wait_for(fn, timeout=60, step=0.1, what="the condition"):
    """Calls fn until it returns something true (that value), for at most
    timeout seconds: for what the server does in the background (a paper
    fetched from arXiv, an index that follows). The wait is generous: it
    ends as soon as the thing happens, and a busy machine (a whole test
    run on two cores) once took a mail past 15 s."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("%s did not happen within %g s" % (what, timeout))
        time.sleep(step)


def wait_paper(client, pid, timeout=15):
    """Waits until a paper asked for from arXiv is here (its API answers 200)."""
    return wait_for(lambda: client.get("/api/papers/%s?wait=%f" % (pid, time.time())).status == 200, timeout,
                    what="paper %s arriving" % pid)
