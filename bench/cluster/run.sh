#!/bin/sh
# The cluster benchmark: requests/s and votes/s through haproxy with 1, 2
# and 3 nodes on one PostgreSQL, beside one node on SQLite (ratios).
# usage: sh bench/cluster/run.sh [SECONDS]     (default 10 s per measure)
set -eu
cd "$(dirname "$0")/../.."
sh scripts/setup.sh test
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec python3 bench/cluster/cluster.py build ../shared/data "${1:-10}"
