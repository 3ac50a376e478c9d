#!/bin/sh
# Builds paperboy with AddressSanitizer and UndefinedBehaviorSanitizer
# (gcc, warnings as errors), checks that clang builds it warning-free too,
# and runs every test with ctest.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DPAPERBOY_SANITIZE=ON -DPAPERBOY_WERROR=ON >/dev/null
cmake --build build-test -j"$(nproc)"
CC=clang cmake -S . -B build-clang -DPAPERBOY_WERROR=ON -DBUILD_TESTING=OFF >/dev/null
cmake --build build-clang -j"$(nproc)" >/dev/null
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
cd build-test
ctest --output-on-failure -j2
