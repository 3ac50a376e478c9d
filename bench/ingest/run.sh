#!/bin/sh
# The ingest benchmark: N synthetic snapshot records (default 1,000,000)
# into a fresh database, against plain SQLite one INSERT per row; with
# --pg, into PostgreSQL 15 (a throwaway server), against plain PostgreSQL
# one INSERT per row and against paperboy on SQLite.
# usage: sh bench/ingest/run.sh [N] [--pg]
set -eu
cd "$(dirname "$0")/../.."
N=${1:-1000000}
shift || true
sh scripts/setup.sh
if [ "${1:-}" = --pg ]; then
	dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "install ok installed" ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec python3 bench/ingest/measure.py build "$N" "$@"
