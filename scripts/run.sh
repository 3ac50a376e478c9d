#!/bin/sh
# Builds paperboy and starts the web service on an embedded SQLite database
# (./paperboy.db, or $PAPERBOY_DB). The first run creates the database and
# loads the given paths (default: every source in ../shared/data) and builds
# the search index; later runs just start the server. Stop it with Ctrl-C.
#   PAPERBOY_LISTEN=0.0.0.0 PAPERBOY_PORT=8080 PAPERBOY_BASE_URL=https://papers.example.org sh scripts/run.sh
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
PAPERBOY_DB=${PAPERBOY_DB:-$PWD/paperboy.db}
export PAPERBOY_DB
if [ ! -e "$PAPERBOY_DB" ] || [ $# -gt 0 ]; then
	./build/paperboy init
	if [ $# -eq 0 ]; then
		set -- ../shared/data/hf-daily-papers ../shared/data/arxiv-api-atom \
			../shared/data/arxiv-oai-pmh ../shared/data/arxiv-kaggle-snapshot
	fi
	# (ingest builds the search index too)
	./build/paperboy ingest "$@" || echo "paperboy: some input was rejected (see the messages above); the rest is in" >&2
	./build/paperboy stats
fi
echo "paperboy: open http://${PAPERBOY_LISTEN:-127.0.0.1}:${PAPERBOY_PORT:-8080}/ (Ctrl-C stops)" >&2
exec ./build/paperboy serve
