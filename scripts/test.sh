#!/bin/sh
# Builds paperboy with AddressSanitizer and UndefinedBehaviorSanitizer
# (gcc, warnings as errors), checks that clang builds it warning-free too
# (that optimised build, without sanitizers, is the one the load tests
# drive: sanitizers change how memory is used), runs every test with
# ctest, and the libFuzzer targets (clang) for a fixed number of runs each.
#
# The machine is not kept busy by the tests alone (they wait on servers,
# on PostgreSQL, on the browser): the downloads run beside the first
# build, and the clang builds and the fuzzers run beside the tests under
# SCHED_IDLE (chrt --idle), so that they take only the time the tests
# leave idle. The load tests, which must have the machine to themselves,
# run last, alone.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh test packages
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
sh scripts/setup.sh test assets >"$logs/assets" 2>&1 &
assets=$!
# -O1: the sanitizers' usual level (the tests run about a third faster
# than at -O0 for 8 s more of building; gcc warns more, and still -Werror)
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DPAPERBOY_SANITIZE=ON -DPAPERBOY_WERROR=ON \
	-DPAPERBOY_RELEASE_BIN="$PWD/build-clang/paperboy" >/dev/null
cmake --build build-test -j"$(nproc)"
rc=0
wait "$assets" || rc=$?
cat "$logs/assets" >&2
if [ "$rc" -ne 0 ]; then
	echo "test.sh: scripts/setup.sh test assets failed ($rc)" >&2
	exit "$rc"
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
(
	set -e
	CC=clang cmake -S . -B build-clang -DPAPERBOY_WERROR=ON -DBUILD_TESTING=OFF >/dev/null
	chrt --idle 0 cmake --build build-clang -j"$(nproc)" >/dev/null
	CC=clang cmake -S . -B build-fuzz -DPAPERBOY_FUZZ=ON -DPAPERBOY_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	chrt --idle 0 cmake --build build-fuzz -j"$(nproc)" >/dev/null
	cd build-fuzz
	chrt --idle 0 ctest --output-on-failure -j"$(nproc)"
) >"$logs/beside" 2>&1 &
beside=$!

cd build-test
tests=0
ctest --output-on-failure -j"$(nproc)" -E '^load_' || tests=$?
fuzz=0
wait "$beside" || fuzz=$?
echo "--- the clang builds and the fuzzers (run beside the tests):"
cat "$logs/beside"
if [ "$fuzz" -ne 0 ]; then
	echo "test.sh: the clang builds or the fuzzers failed ($fuzz)" >&2
fi
load=0
if [ "$fuzz" -eq 0 ]; then
	ctest --output-on-failure -R '^load_' || load=$?
fi
if [ "$tests" -ne 0 ] || [ "$fuzz" -ne 0 ] || [ "$load" -ne 0 ]; then
	exit 1
fi
