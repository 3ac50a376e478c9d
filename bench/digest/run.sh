#!/bin/sh
# Digest benchmark: N (default 100,000) confirmed subscribers with 0-3
# topics each (drawn from ../shared/data/queries), all of
# ../shared/data/hf-daily-papers loaded; renders the weekly digest for every
# one of them (topic searches included) into the outbox, then delivers the
# outbox to a local SMTP sink over one reused connection. The peer: Python's
# smtplib sending the same messages to the same sink over one connection.
#   sh bench/digest/run.sh [N]
set -eu
cd "$(dirname "$0")/../.."
n=${1:-100000}
sh scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
work=$(mktemp -d /tmp/pb-bench-digest.XXXXXX)
trap 'kill $(cat "$work/sink.pid" 2>/dev/null) 2>/dev/null; rm -rf "$work"' EXIT
export PAPERBOY_DB="$work/bench.db" PAPERBOY_NO_PROGRESS=1
./build/paperboy init >/dev/null
./build/paperboy ingest ../shared/data/hf-daily-papers >/dev/null 2>&1 || true
./build/paperboy index rebuild >/dev/null
python3 - "$n" ../shared/data/queries/hf-ai-keywords-2000.txt >"$work/subs.txt" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
topics = [l.strip() for l in open(path) if l.strip()]
rnd = random.Random(7)
for i in range(n):
    k = rnd.choice([0, 1, 1, 2, 2, 3])
    print("reader%06d@bench.example\t%s" % (i, "|".join(rnd.sample(topics, k))))
PY
t0=$(date +%s.%N)
./build/paperboy subscribe --confirmed --period weekly --file "$work/subs.txt" >/dev/null
t1=$(date +%s.%N)
echo "subscribers: $n loaded in $(echo "$t1 - $t0" | bc) s"
./build/pb-smtp-sink "$work/sink.port" >"$work/sink.out" &
echo $! >"$work/sink.pid"
while [ ! -s "$work/sink.port" ]; do sleep 0.05; done
port=$(cat "$work/sink.port")
/usr/bin/time -f "peak RSS %M KB" ./build/paperboy digest --period weekly --smtp "smtp://127.0.0.1:$port" \
	--base-url https://papers.example 2>&1 | grep -v "topics are not searched"
python3 bench/digest/peer.py "$PAPERBOY_DB" "$port" 20000
kill "$(cat "$work/sink.pid")"; sleep 0.3
echo "sink received: $(cat "$work/sink.out")"
echo "goals: 5,000 digests/s rendered, 1,000 messages/s delivered"
