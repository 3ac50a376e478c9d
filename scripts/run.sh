#!/bin/sh
# Builds paperboy, creates the database (./paperboy.db, or $PAPERBOY_DB),
# ingests the given paths (default: every source in ../shared/data), builds
# the search index and lists the newest day's papers.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
PAPERBOY_DB=${PAPERBOY_DB:-$PWD/paperboy.db}
export PAPERBOY_DB
./build/paperboy init
if [ $# -eq 0 ]; then
	set -- ../shared/data/hf-daily-papers ../shared/data/arxiv-api-atom \
		../shared/data/arxiv-oai-pmh ../shared/data/arxiv-kaggle-snapshot
fi
./build/paperboy ingest "$@" || echo "paperboy: some input was rejected (see the messages above); the rest is in" >&2
./build/paperboy index rebuild
./build/paperboy stats
./build/paperboy list --sort upvotes --limit 20
echo "try: ./build/paperboy search 'reinforcement learning reasoning'   or   ./build/paperboy similar 2505.24864" >&2
