#!/bin/sh
# Installs the Debian 12 packages paperboy needs to build, run and test,
# when they are missing (as root: apt-get; otherwise it names them).
set -eu
PKGS="build-essential clang cmake pkg-config ca-certificates
libsqlite3-dev libjansson-dev libyajl-dev libxml2-dev libcurl4-openssl-dev
libutf8proc-dev libstemmer-dev
python3 sqlite3"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
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
