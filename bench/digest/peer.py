"""The delivery peer: Python's smtplib sends the first N messages of the
outbox (the very bytes paperboy sent) to the same sink over one connection."""
import smtplib
import sqlite3
import sys
import time

db, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
con = sqlite3.connect(db)
rows = con.execute("SELECT rcpt, data FROM outbox WHERE kind = 'digest' ORDER BY id LIMIT ?", (n,)).fetchall()
s = smtplib.SMTP("127.0.0.1", port)
t = time.monotonic()
for rcpt, data in rows:
    s.sendmail("digest@bench.example", [rcpt], data)
dt = time.monotonic() - t
s.quit()
print("peer: python smtplib, one connection: %d messages in %.2f s = %.0f messages/s" % (len(rows), dt, len(rows) / dt))
