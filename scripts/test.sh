#!/bin/sh
# Builds paperboy with AddressSanitizer and UndefinedBehaviorSanitizer
# (gcc, warnings as errors), checks that clang builds it warning-free too
# (that optimised build, without sanitizers, is the one the load tests
# drive: sanitizers change how memory is used), runs the libFuzzer targets
# (clang) for a fixed number of inputs each, then every test with ctest.
#
# The downloads and the word vectors' conversion (npm, then node on one
# core) run beside the first build. Work run beside the tests themselves
# was measured and not kept: the tests keep both cores busy (with
# PostgreSQL and the browser), and it made them slower by as much as it
# took (ctest 380 -> 443 s at nice 15, 445 s under SCHED_IDLE).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh test packages
logs=$(mktemp -d)
assets=""
# a build that fails (or ^C) stops the downloads too, and shows what they said
finish() {
	if [ -n "$assets" ]; then
		kill -- -"$assets" 2>/dev/null || kill "$assets" 2>/dev/null || true
		wait "$assets" 2>/dev/null || true
		cat "$logs/assets" >&2
	fi
	rm -rf "$logs"
}
trap finish EXIT
trap 'exit 130' INT TERM
# (a session of its own, so that npm and node stop with it)
setsid -w sh scripts/setup.sh test assets >"$logs/assets" 2>&1 &
assets=$!
CC=clang cmake -S . -B build-clang -DPAPERBOY_WERROR=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-clang -j"$(nproc)" >/dev/null
# -O1: the sanitizers' usual level (the tests run about a third faster
# than at -O0 for 8 s more of building; gcc warns more, and still -Werror)
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DPAPERBOY_SANITIZE=ON -DPAPERBOY_WERROR=ON \
	-DPAPERBOY_RELEASE_BIN="$PWD/build-clang/paperboy" >/dev/null
cmake --build build-test -j"$(nproc)"
rc=0
wait "$assets" || rc=$?
assets=""
cat "$logs/assets" >&2
if [ "$rc" -ne 0 ]; then
	echo "test.sh: scripts/setup.sh test assets failed ($rc)" >&2
	exit "$rc"
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
CC=clang cmake -S . -B build-fuzz -DPAPERBOY_FUZZ=ON -DPAPERBOY_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null
(cd build-fuzz && ctest --output-on-failure -j"$(nproc)")
cd build-test
ctest --output-on-failure -j"$(nproc)"
