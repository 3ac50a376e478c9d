"""A local HTTP server for the fetch tests that replays real responses from
../shared/data. `route(path, query, hits)` returns (status, headers, body)."""
import http.server
import threading
import time
import urllib.parse


class Replay:
    def __init__(self, route):
        self.route = route
        self.log = []  # (monotonic time, path, query dict)
        self.headers = []  # the request headers, one dict per entry of log
        replay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                u = urllib.parse.urlsplit(self.path)
                q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query).items()}
                replay.headers.append({k.lower(): v for k, v in self.headers.items()})
                replay.log.append((time.monotonic(), u.path, q))
                status, headers, body = replay.route(u.path, q, len(replay.log))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
