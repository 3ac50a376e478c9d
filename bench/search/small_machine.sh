#!/bin/sh
# An index rebuild on a small machine: the same rebuild of DB's index with
# no limit and inside a memory cgroup of LIMIT_MB (default 2048, a 2 GB
# machine), each from a cold page cache, side by side; then whether the two
# indexes are the same bytes.
# usage (as root): sh bench/search/small_machine.sh DB [LIMIT_MB] [RUNS]
set -eu
[ $# -ge 1 ] || { echo "usage: sh bench/search/small_machine.sh DB [LIMIT_MB] [RUNS]" >&2; exit 2; }
db=$(realpath "$1")
limit_mb=${2:-2048}
runs=${3:-1}
[ "$(id -u)" -eq 0 ] || { echo "small_machine.sh: a memory cgroup needs root" >&2; exit 2; }
cd "$(dirname "$0")/../.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" --target paperboy >/dev/null
bin=$(pwd)/build/paperboy
tmp=$(mktemp -d)

# the cgroup: v2 where the memory controller is there, else v1's
if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
	cg=/sys/fs/cgroup/pb-small-$$
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control || echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	mkdir "$cg"
	echo $((limit_mb * 1024 * 1024)) >"$cg/memory.max"
	echo 0 >"$cg/memory.swap.max" 2>/dev/null || true
	peak() { cat "$cg/memory.peak" 2>/dev/null || echo 0; }
elif [ -d /sys/fs/cgroup/memory ]; then
	cg=/sys/fs/cgroup/memory/pb-small-$$
	mkdir "$cg"
	echo $((limit_mb * 1024 * 1024)) >"$cg/memory.limit_in_bytes"
	echo $((limit_mb * 1024 * 1024)) >"$cg/memory.memsw.limit_in_bytes" 2>/dev/null || true
	peak() { cat "$cg/memory.max_usage_in_bytes"; }
else
	echo "small_machine.sh: no memory cgroup controller on this machine" >&2
	exit 2
fi
trap 'rmdir "$cg" 2>/dev/null; rm -rf "$tmp"' EXIT

cold() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# rebuild LABEL [CGROUP]: one cold rebuild; prints its line, keeps its seconds
rebuild() {
	cold
	rc=0
	if [ -n "${2:-}" ]; then
		sh -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' \
			sh "$2" /usr/bin/time -f "%e %M" "$bin" --db "$db" index rebuild >"$tmp/out" 2>"$tmp/err" || rc=$?
	else
		/usr/bin/time -f "%e %M" "$bin" --db "$db" index rebuild >"$tmp/out" 2>"$tmp/err" || rc=$?
	fi
	if [ "$rc" -ne 0 ]; then
		echo "small_machine.sh: the rebuild ($1) did not finish (exit $rc; 137: killed, out of memory):" >&2
		tail -n 3 "$tmp/err" >&2
		exit 1
	fi
	set -- "$1" $(tail -n 1 "$tmp/err")
	papers=$(sed -n 's/^index: \([0-9]*\) papers.*/\1/p' "$tmp/err" "$tmp/out" | head -n 1)
	awk -v l="$1" -v s="$2" -v m="$3" -v n="$papers" \
		'BEGIN { printf "%-22s %8.1f s  %8.0f papers/s  peak RSS %5.2f GB\n", l, s, n / s, m / 1048576 }'
	echo "$2" >"$tmp/secs.$1"
}

idx=$(dirname "$db")/$(basename "$db").search
i=0
while [ "$i" -lt "$runs" ]; do
	rebuild "no limit"
	cp "$idx" "$tmp/free.search"
	if [ -f "$cg/memory.max_usage_in_bytes" ]; then # (v1: this run's own)
		echo 0 >"$cg/memory.max_usage_in_bytes"
	fi
	rebuild "${limit_mb} MB cgroup" "$cg"
	awk -v p="$(peak)" -v a="$(cat "$tmp/secs.${limit_mb} MB cgroup")" -v b="$(cat "$tmp/secs.no limit")" \
		'BEGIN { printf "%22s %8.2f GB peak charged to the cgroup (reclaimable page cache included)\n", "", p / 1073741824
			 printf "%22s %8.2fx the time with no limit\n", "", a / b }'
	if cmp -s "$idx" "$tmp/free.search"; then
		echo "                       the two indexes are the same bytes"
	else
		echo "small_machine.sh: the index built under the limit differs" >&2
		exit 1
	fi
	i=$((i + 1))
done
