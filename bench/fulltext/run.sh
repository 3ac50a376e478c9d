#!/bin/sh
# The full-text benchmark: fetch pdf on N generated papers' PDFs from a
# local server, the index and the search with and without their texts
# (ratios), and what that comes to at 10,000 and 3,000,000 papers.
# usage: sh bench/fulltext/run.sh [N]     (default 2,000)
set -eu
cd "$(dirname "$0")/../.."
sh scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" --target paperboy pb-bench-search >/dev/null
exec python3 bench/fulltext/measure.py build ../shared/data "${1:-2000}"
