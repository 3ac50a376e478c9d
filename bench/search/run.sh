#!/bin/sh
# The search speed benchmark. usage: sh bench/search/run.sh [N]   (default 1,000,000)
# PB_BENCH_CORPUS=FILE reads the papers from a file made by
# ../shared/tools/gen_corpus.py (bigram sampled) instead of generating
# words one at a time; PB_BENCH_SKIP_XAPIAN=1 leaves Xapian out.
set -eu
cd "$(dirname "$0")/../.."
sh scripts/setup.sh
for pkg in python3-xapian libstreamvbyte-dev; do
	if [ "$(id -u)" -eq 0 ] && ! dpkg-query -W -f='${Status}' $pkg 2>/dev/null | grep -q "ok installed"; then
		apt-get install -y -qq $pkg >/dev/null
	fi
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec python3 bench/search/measure.py build ../shared/data "${1:-1000000}"
