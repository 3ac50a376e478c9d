#!/bin/sh
# Builds paperboy with AddressSanitizer and UndefinedBehaviorSanitizer
# (gcc, warnings as errors), checks that clang builds it warning-free too
# (that optimised build, without sanitizers, is the one the load test
# drives: sanitizers change how memory is used), runs every test with
# ctest, then the libFuzzer targets (clang) briefly.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh test
CC=clang cmake -S . -B build-clang -DPAPERBOY_WERROR=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-clang -j"$(nproc)" >/dev/null
# -O1: the sanitizers' usual level (the tests run about a third faster
# than at -O0 for 8 s more of building; gcc warns more, and still -Werror)
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DPAPERBOY_SANITIZE=ON -DPAPERBOY_WERROR=ON \
	-DPAPERBOY_RELEASE_BIN="$PWD/build-clang/paperboy" >/dev/null
cmake --build build-test -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
CC=clang cmake -S . -B build-fuzz -DPAPERBOY_FUZZ=ON -DPAPERBOY_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" >/dev/null
(cd build-fuzz && ctest --output-on-failure -j2)
cd build-test
ctest --output-on-failure -j2
