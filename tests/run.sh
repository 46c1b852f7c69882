#!/usr/bin/env bash
# Checks formatting and cppcheck (tests/lint.sh), builds dundian and runs
# the whole test suite: a normal build, then one
# under AddressSanitizer + UndefinedBehaviorSanitizer; then the browser
# tests of the web page against the real server (tests/browser/run.sh
# --real, which installs chromium, fonts-noto-cjk and playwright-core
# itself); then each libFuzzer target for a bounded time (tests/fuzz/run.sh;
# DD_FUZZ_SECONDS per target, default 30, 0 to skip).  As root on a fresh
# Debian 12 it first installs what the build needs.
set -euo pipefail
cd "$(dirname "$0")/.."

packages="build-essential cmake pkg-config clang-format cppcheck libxapian-dev libicu-dev libcjson-dev libcmocka-dev libsqlite3-dev libmicrohttpd-dev clang libclang-rt-14-dev xapian-tools"
missing=""
for p in $packages; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
	else
		echo "tests/run.sh: missing packages:$missing (run as root, or apt-get install them)" >&2
		exit 1
	fi
fi

bash tests/lint.sh

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs")

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DDD_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j "$jobs")

bash tests/browser/run.sh --real

if [ "${DD_FUZZ_SECONDS:-30}" != 0 ]; then
	tests/fuzz/run.sh
fi
