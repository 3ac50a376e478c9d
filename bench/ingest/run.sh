#!/bin/sh
# The ingest benchmark: N synthetic snapshot records (default 1,000,000)
# into a fresh database, against plain SQLite one INSERT per row.
# usage: sh bench/ingest/run.sh [N]
set -eu
cd "$(dirname "$0")/../.."
N=${1:-1000000}
sh scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec python3 bench/ingest/measure.py build "$N"
