"""Three `paperboy serve` nodes on one PostgreSQL behind a real haproxy, on
loopback ports: what a user does through one node is seen through every
other; a paper submitted on one is found by search on another within 2 s;
kill -9 of a node during a burst loses no acknowledged write, the balancer
routes around it, and the node comes back with its index caught up; the
digest scheduler runs on all three and each subscriber gets one digest;
/healthz and /metrics (parsed by python3-prometheus-client)."""
import concurrent.futures
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

from common import BIN, PG_BASE, PaperboyTest, pg_admin, pg_url
from replay import Replay
from smtpsink import Sink, free_port
from web import CACHE_WAIT, Client, Server, wait_paper

DAYS = ["2024-05-28", "2024-05-29", "2024-05-30"]
NODES = ["node-a", "node-b", "node-c"]


ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "../.."))


class Balancer:
    """haproxy with the repository's own config (deploy/haproxy.cfg): health
    checks on /healthz, X-Forwarded-For."""

    def __init__(self, tmp, ports, port):
        self.port = port
        cfg = os.path.join(ROOT, "deploy", "haproxy.cfg")
        env = dict(os.environ, PB_LB_BIND="127.0.0.1:%d" % port, PB_CHECK_INTER="300ms",
                   **{"PB_NODE%d" % (i + 1): "127.0.0.1:%d" % p for i, p in enumerate(ports)})
        subprocess.run(["haproxy", "-c", "-q", "-f", cfg], check=True, env=env)
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", cfg], stdout=subprocess.DEVNULL, env=env,
                                     stderr=open(os.path.join(tmp, "haproxy.err"), "w"))
        self.base = "http://127.0.0.1:%d" % self.port
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                import http.client
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("haproxy did not come up")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class Node(Server):
    def __init__(self, env, tmp, name, *args):
        d = os.path.join(tmp, name)
        os.makedirs(d, exist_ok=True)
        self.name = name
        self.args = args
        self.dir = d
        super().__init__(dict(env, PAPERBOY_INDEX=os.path.join(d, "index.search")), d, "--node-id", name, *args)


class DroppingNode:
    """A node that answers /healthz and drops every other request: it reads
    it, counts it, and closes the connection without a word (what a node
    killed after its commit and before its answer looks like)."""

    def __init__(self):
        import socketserver
        import http.server
        node = self
        self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def answer(self):
                if self.path == "/healthz":
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                    return
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                node.seen.append((self.command, self.path))
                self.close_connection = True

            do_GET = do_POST = answer

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class BalancerReplayTest(unittest.TestCase):
    """The balancer sends a request again to another node only when that is
    safe: a GET that got no answer, never a POST the first node may have
    committed (a vote sent twice is a vote toggled back: an acknowledged
    vote lost, as test_4 once saw)."""

    def test_a_post_without_an_answer_is_not_sent_again(self):
        import http.client
        nodes = [DroppingNode() for _ in range(3)]
        tmp = tempfile.mkdtemp(prefix="pb-lb-")
        lb = Balancer(tmp, [n.port for n in nodes], free_port())
        try:
            def send(method, path):
                c = http.client.HTTPConnection("127.0.0.1", lb.port, timeout=10)
                c.request(method, path, body=b"csrf=x" if method == "POST" else None,
                          headers={"Content-Type": "application/x-www-form-urlencoded"} if method == "POST" else {})
                status = c.getresponse().status
                c.close()
                return status

            def asked(path):
                return sum(1 for n in nodes for m, p in n.seen if p == path)

            self.assertGreaterEqual(send("POST", "/papers/2405.17428/vote"), 500)
            self.assertEqual(asked("/papers/2405.17428/vote"), 1)
            self.assertGreaterEqual(send("GET", "/papers/2405.17428"), 500)
            self.assertGreater(asked("/papers/2405.17428"), 1)  # a read is safe to try again
        finally:
            lb.stop()
            for n in nodes:
                n.close()


class ClusterTest(PaperboyTest):
    @classmethod
    def setUpClass(cls):
        if not PG_BASE:
            raise unittest.SkipTest("needs PAPERBOY_TEST_PG")
        cls.f = PaperboyTest("run")
        cls.f.setUp()
        f = cls.f
        cls.dbname = "pbcl_" + uuid.uuid4().hex[:12]
        pg_admin("CREATE DATABASE " + cls.dbname)
        cls.url = pg_url(cls.dbname)
        f.env = dict(f.env, PAPERBOY_DB=cls.url, PAPERBOY_INDEX=os.path.join(f.tmp, "cli.search"))
        f.pb("init")
        d = f.require_data("hf-daily-papers")
        f.pb("ingest", *[os.path.join(d, "Paper_metadata_download", day + ".json") for day in DAYS])
        f.pb("user", "add", "admin", "--email", "admin@example.org", "--admin", stdin="administrator pass\n")
        cls.sink = Sink(os.path.join(f.tmp, "mail")).start()
        cls.replay = Replay(cls.route)
        cls.ports = [free_port() for _ in NODES]
        cls.lb_port = free_port()
        cls.node_args = ["--threads", "4", "--trusted-proxy", "127.0.0.1/32", "--base-url",
                         "http://127.0.0.1:%d" % cls.lb_port, "--arxiv-api", cls.replay.url + "/api/query",
                         "--submit-window-days", "0", "--smtp", cls.sink.url, "--mail-from", "digest@paperboy.test",
                         "--thumb-dir", "off"]
        cls.nodes = [cls.start_node(i) for i in range(len(NODES))]
        cls.lb = Balancer(f.tmp, cls.ports, cls.lb_port)

    @classmethod
    def start_node(cls, i, *extra):
        return Node(cls.f.env, cls.f.tmp, NODES[i], "--port", str(cls.ports[i]), *cls.node_args, *extra)

    @classmethod
    def tearDownClass(cls):
        if cls.lb:
            cls.lb.stop()
        for n in cls.nodes:
            n.stop()
        cls.sink.stop()
        cls.replay.close()
        pg_admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % cls.dbname)
        cls.f.tearDown()

    @staticmethod
    def route(path, q, hits):
        d = os.path.join(os.environ.get("PAPERBOY_SHARED_DATA", ""), "arxiv-api-atom", "arxiv.py-recorded-2026-bodies")
        if path == "/api/query" and q.get("id_list") == "1605.08386":
            with open(os.path.join(d, "id_1605.08386_s0_m100_199195aa31ad.xml"), "rb") as fh:
                return 200, {"Content-Type": "application/atom+xml"}, fh.read()
        if path == "/api/query":
            with open(os.path.join(d, "id_0000.0000_s0_m100_8b51d9633a68.xml"), "rb") as fh:
                return 200, {"Content-Type": "application/atom+xml"}, fh.read()
        return 404, {}, b"no"

    def setUp(self):
        pass  # the class's cluster

    def tearDown(self):
        pass

    def lb_client(self):
        c = Client.__new__(Client)
        c.server = type("S", (), {"port": self.lb.port})()
        c.cookies = {}
        return c

    def node_client(self, i):
        return Client(self.nodes[i])

    def api_paper(self, i, pid):
        r = self.node_client(i).get("/api/papers/%s?fresh=%s" % (pid, uuid.uuid4().hex))
        self.assertEqual(r.status, 200, r.body[:300])
        return r.json()

    # ---- tests ---------------------------------------------------------------

    def test_1_votes_and_comments_through_the_balancer_are_exact_on_every_node(self):
        day = self.lb_client().get("/api/daily_papers?date=" + DAYS[1]).json()
        pids = [p["paper"]["id"] for p in day[:5]]
        base = {p: self.api_paper(0, p) for p in pids}
        users = ["voter%02d" % i for i in range(20)]

        def act(name):
            c = self.lb_client()
            r = c.signup(name)
            assert r.status == 303, (r.status, r.body[:300])
            for k, pid in enumerate(pids):
                if (hash(name) + k) % 2 == 0 or k == 0:
                    assert c.post("/papers/%s/vote" % pid).status == 303
            assert c.post("/papers/%s/comments" % pids[1], {"body": "from %s" % name}).status == 303
            return [pid for k, pid in enumerate(pids) if (hash(name) + k) % 2 == 0 or k == 0]

        with concurrent.futures.ThreadPoolExecutor(10) as ex:
            voted = list(ex.map(act, users))
        want = {p: sum(1 for v in voted if p in v) for p in pids}
        for i in range(len(NODES)):
            for p in pids:
                got = self.api_paper(i, p)
                self.assertEqual(got["upvotes"], base[p]["upvotes"] + want[p], (NODES[i], p))
                extra = 20 if p == pids[1] else 0
                self.assertEqual(got["numComments"], base[p]["numComments"] + extra, (NODES[i], p))
        # anonymous pages come from each node's page cache: never more than 2 s old
        time.sleep(CACHE_WAIT)
        for i in range(len(NODES)):
            cached = {p["paper"]["id"]: p["paper"]["upvotes"]
                      for p in self.node_client(i).get("/api/daily_papers?date=" + DAYS[1]).json()}
            for p in pids:
                self.assertEqual(cached[p], base[p]["upvotes"] + want[p], (NODES[i], p))
        # the access logs name the node and the real client (the balancer is trusted)
        c = self.lb_client()
        for _ in range(6):
            c.get("/papers/date/%s?xff=1" % DAYS[1], headers={"X-Forwarded-For": "203.0.113.7"})
        seen = 0
        for n in self.nodes:
            with open(n.log_path) as fh:
                lines = fh.read().splitlines()
            signups = [l for l in lines if " /signup" in l]
            self.assertTrue(signups, n.name)
            self.assertTrue(all(l.split()[1] == n.name for l in signups))
            seen += sum(1 for l in lines if "/papers/date/" in l and l.split()[2] == "203.0.113.7")
        self.assertGreaterEqual(seen, 6)

    def test_2_a_paper_submitted_on_a_is_found_on_c_within_2_seconds(self):
        a = self.node_client(0)
        self.assertEqual(a.signup("submitter").status, 303)
        r = a.post("/submit", {"paper": "arXiv:1605.08386"})
        self.assertEqual(r.status, 303, r.body[-500:])
        wait_paper(self.node_client(0), "1605.08386")  # fetched in the background
        t0 = time.time()
        title = self.api_paper(0, "1605.08386")["title"]
        q = urllib.parse.quote(" ".join(title.split()[:4]))
        found = False
        while time.time() - t0 < 2.0 and not found:
            hits = self.node_client(2).get("/api/papers/search?q=%s&fresh=%f" % (q, time.time())).json()
            found = "1605.08386" in [h["paper"]["id"] for h in hits]
            if not found:
                time.sleep(0.05)
        self.assertTrue(found, "not found on node C within 2 s")

    def test_3_health_and_metrics(self):
        from prometheus_client.parser import text_string_to_metric_families
        for i, n in enumerate(self.nodes):
            h = self.node_client(i).get("/healthz")
            self.assertEqual(h.status, 200)
            self.assertEqual(h.json()["node"], NODES[i])
            self.assertEqual(h.json()["store"], "ok")
            text = self.node_client(i).get("/metrics").text
            fams = {f.name: f for f in text_string_to_metric_families(text)}
            for name in ("paperboy_http_requests", "paperboy_http_request_duration_seconds", "paperboy_index_lag_seconds",
                         "paperboy_outbox_messages", "paperboy_store_connections", "paperboy_index_sequence"):
                self.assertIn(name, fams, text[:2000])
            reqs = fams["paperboy_http_requests"].samples
            self.assertTrue(any(s.labels.get("route") == "GET /healthz" and s.labels.get("status") == "200"
                                for s in reqs))
            self.assertTrue(all(s.labels["node"] == NODES[i] for s in reqs))
            buckets = [s for s in fams["paperboy_http_request_duration_seconds"].samples if s.name.endswith("_bucket")]
            self.assertEqual(buckets[-1].labels["le"], "+Inf")
            self.assertEqual([s.value for s in buckets], sorted(s.value for s in buckets))

    def test_4_kill_a_node_during_a_burst(self):
        day = self.lb_client().get("/api/daily_papers?date=" + DAYS[0]).json()
        pids = [p["paper"]["id"] for p in day[:12]]
        base = {p: self.api_paper(0, p)["upvotes"] for p in pids}
        acked, tried = {p: 0 for p in pids}, {p: 0 for p in pids}
        lock = threading.Lock()
        clients = []
        for i in range(8):
            c = self.lb_client()
            self.assertEqual(c.signup("burst%d" % i).status, 303)
            clients.append(c)
        failures = []

        def burst(c):
            for pid in pids:
                with lock:
                    tried[pid] += 1
                try:
                    r = c.post("/papers/%s/vote" % pid)
                    ok = r.status == 303
                except OSError as e:
                    ok = False
                    failures.append(str(e))
                if ok:
                    with lock:
                        acked[pid] += 1
                time.sleep(0.05)

        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            futs = [ex.submit(burst, c) for c in clients]
            time.sleep(0.15)
            victim = self.nodes[1]
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait()
            for fu in futs:
                fu.result()
        for p in pids:
            got = self.api_paper(0, p)["upvotes"] - base[p]
            self.assertGreaterEqual(got, acked[p], "an acknowledged vote was lost (%s)" % p)
            self.assertLessEqual(got, tried[p])
        self.assertGreaterEqual(sum(acked.values()), len(pids) * 8 * 3 // 4, failures[:5])
        # after the kill every request goes to the living nodes
        codes = [self.lb_client().get("/api/daily_papers?date=%s&n=%d" % (DAYS[0], k)).status for k in range(20)]
        self.assertEqual(codes, [200] * 20)
        # a paper written while the node is down; it restarts and catches up
        self.f.pb("ingest", os.path.join(self.f.require_data("hf-daily-papers"), "Paper_metadata_download",
                                         "2024-06-03.json"))
        title = self.api_paper(0, json.load(open(os.path.join(self.f.require_data("hf-daily-papers"),
                                                              "Paper_metadata_download", "2024-06-03.json")))[0]["paper"]["id"])["title"]
        victim.err.close()
        self.nodes[1] = self.start_node(1)
        deadline = time.time() + 20
        hits = []
        while time.time() < deadline:
            h = self.node_client(1).get("/healthz")
            if h.status == 200:
                q = urllib.parse.quote(" ".join(title.split()[:4]))
                hits = [x["paper"]["title"] for x in self.node_client(1).get("/api/papers/search?q=%s&f=%f" % (q, time.time())).json()]
                if title in hits:
                    break
            time.sleep(0.2)
        self.assertIn(title, hits)

    def test_5_the_digest_scheduler_on_every_node_sends_one_digest_each(self):
        emails = ["reader%d@lab.org" % i for i in range(5)]
        self.f.pb("subscribe", "--confirmed", *emails)
        before = len(self.sink.messages())
        # every node runs the scheduler: restart them with it due now. The
        # class's nodes ran it at their start when that was past 08:00 UTC
        # (the default time) and claimed today's digest, with no subscriber
        # yet: the claim goes, or the test passed only before 08:00 UTC
        for i in range(len(self.nodes)):
            self.nodes[i].stop()
        import psycopg2
        con = psycopg2.connect(self.url)
        try:
            con.cursor().execute("DELETE FROM kv WHERE key LIKE 'digest.%'")
            con.commit()
        finally:
            con.close()
        type(self).nodes = [self.start_node(i, "--digest-time", "00:00", "--digest-weekends", "--timezone", "UTC")
                      for i in range(len(NODES))]
        deadline = time.time() + 40
        while time.time() < deadline:
            got = [m for m in self.sink.messages()[before:] if "Trending papers" in str(m["Subject"])]
            if len(got) >= len(emails):
                break
            time.sleep(0.2)
        time.sleep(3)  # room for a duplicate to arrive
        got = [m for m in self.sink.messages()[before:] if "Trending papers" in str(m["Subject"])]
        self.assertEqual(sorted(m["To"] for m in got), sorted(emails))


class TrustedProxyTest(PaperboyTest):
    def test_forwarded_for_is_believed_only_from_trusted_proxies(self):
        self.init()
        for k, (trusted, want) in enumerate((("10.0.0.0/8", "127.0.0.1"), ("127.0.0.0/8, ::1", "198.51.100.9"))):
            d = os.path.join(self.tmp, "run%d" % k)
            os.makedirs(d)
            srv = Server(self.env, d, "--trusted-proxy", trusted)
            try:
                r = Client(srv).get("/healthz", headers={"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https"})
                secure = any(k.lower() == "set-cookie" and "Secure" in v for k, v in r.headers)
                Client(srv).get("/signin", headers={"X-Forwarded-For": "garbage, 198.51.100.9"})
            finally:
                srv.stop()
            with open(srv.log_path) as fh:
                ips = {l.split()[2] for l in fh.read().splitlines() if "/healthz" in l or "/signin" in l}
            self.assertEqual(ips, {want}, trusted)
            self.assertEqual(secure, want != "127.0.0.1", trusted)
        r = subprocess.run([BIN, "serve", "--trusted-proxy", "10.0.0.0/99"], env=self.env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("prefix length", r.stderr)


if __name__ == "__main__":
    unittest.main()
