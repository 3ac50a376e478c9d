"""A real SMTP server for the mail tests: Debian's python3-aiosmtpd on a free
local port, writing each message it accepts to a folder. Recipients with
"bounce" in the address get 550 (permanent), with "later" 451 (temporary)."""
import email
import email.policy
import os
import socket
import threading

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "bounce" in address:
            return "550 5.1.1 no such mailbox"
        if "later" in address:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.sink.lock:
            self.sink.count += 1
            path = os.path.join(self.sink.folder, "%06d.eml" % self.sink.count)
        # written under a hidden name and renamed, so a reader never sees a
        # message half written (an empty body once failed a test in CI)
        part = os.path.join(self.sink.folder, "." + os.path.basename(path))
        with open(part, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(part, path)
        self.sink.sessions.add(id(session))
        return "250 Message accepted for delivery"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sink:
    def __init__(self, folder, port=None):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self.lock = threading.Lock()
        self.count = 0
        self.sessions = set()
        self.port = port or free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def url(self):
        return "smtp://127.0.0.1:%d" % self.port

    def messages(self):
        out = []
        for name in sorted(n for n in os.listdir(self.folder) if not n.startswith(".")):
            with open(os.path.join(self.folder, name), "rb") as f:
                out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
        return out
