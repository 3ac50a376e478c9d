#!/bin/sh
# HTTP benchmark: paperboy serve against nginx serving the same bytes as
# static files, both measured by wrk in the same run (64 connections).
#   sh bench/http/run.sh [SECONDS]      (default 10 s per URL and server)
#   sh bench/http/run.sh [SECONDS] --backends
#       paperboy on PostgreSQL beside paperboy on SQLite: the signed-in
#       daily page, the search page, votes per second (bench/http/backends.py)
#   sh bench/http/run.sh [REPEAT] --costs
#       the CPU of the most expensive request of each route beside the
#       daily page's (bench/http/costs.py)
# Needs: ../shared/data/hf-daily-papers; installs wrk and nginx-light if missing.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-10}
sh scripts/setup.sh
for p in wrk nginx-light; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
if [ "${2:-}" = --costs ]; then
	exec python3 bench/http/costs.py build ../shared/data "${1:-20}"
fi
if [ "${2:-}" = --backends ]; then
	dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "install ok installed" ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
	exec python3 bench/http/backends.py build ../shared/data "$secs"
fi
work=$(mktemp -d /tmp/pb-bench-http.XXXXXX)
trap 'kill $(cat "$work/pb.pid" 2>/dev/null) 2>/dev/null; nginx -c "$work/nginx.conf" -s stop 2>/dev/null; rm -rf "$work"' EXIT
export PAPERBOY_DB="$work/bench.db" PAPERBOY_NO_PROGRESS=1
./build/paperboy init >/dev/null
./build/paperboy ingest ../shared/data/hf-daily-papers >/dev/null 2>&1 || true
./build/paperboy index rebuild >/dev/null
./build/paperboy serve --port 0 --port-file "$work/port" --access-log off 2>"$work/serve.err" &
echo $! >"$work/pb.pid"
while [ ! -s "$work/port" ]; do sleep 0.1; done
port=$(cat "$work/port")
python3 bench/http/measure.py --paperboy "http://127.0.0.1:$port" --work "$work" --seconds "$secs"
