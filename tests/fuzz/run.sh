#!/usr/bin/env bash
# tests/fuzz/run.sh - builds the libFuzzer targets (clang, ASan + UBSan,
# in build-fuzz/) and runs each for a bounded time; any crash, leak,
# sanitizer report or timeout fails the run, and the input that did it is
# left in build-fuzz/fuzz-out/<target>/ (crash-*, leak-*, timeout-*): copy
# it under tests/fuzz/regressions/<target>/ with a name saying what it is.
#
#   tests/fuzz/run.sh [TARGET...]     (default: every target)
#   DD_FUZZ_SECONDS=30                seconds per target
#   DD_FUZZ_BUILD=build-fuzz          build folder
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${DD_FUZZ_SECONDS:-30}
build=${DD_FUZZ_BUILD:-build-fuzz}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(note query tokenizer snippet report)

CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDD_FUZZ=ON >/dev/null
cmake --build "$build" --target fuzzers -j "$(nproc 2>/dev/null || echo 2)"

seeds=$build/tests/fuzz/seeds
failed=""
for t in "${targets[@]}"; do
	work=$build/fuzz-out/$t
	rm -rf "$work"
	mkdir -p "$work/corpus"
	# queries are short but a hostile one is long: let them grow
	max_len=""
	[ "$t" = query ] && max_len=-max_len=8192
	echo "fuzz_$t: ${seconds}s"
	if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$build/bin/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		$max_len -print_final_stats=0 -artifact_prefix="$work/" \
		"$work/corpus" "$seeds/$t" tests/fuzz/regressions/"$t" >"$work/log" 2>&1; then
		echo "fuzz_$t FAILED: see $work/log; the input is in $work/" >&2
		grep -E "ERROR|SUMMARY|invariant|Test unit written" "$work/log" >&2 || tail -20 "$work/log" >&2
		failed="$failed $t"
	else
		grep -E "^#[0-9]+ *DONE" "$work/log" || tail -1 "$work/log"
	fi
done
if [ -n "$failed" ]; then
	echo "tests/fuzz/run.sh: crashes in:$failed" >&2
	exit 1
fi
echo "tests/fuzz/run.sh: no crash in ${#targets[@]} target(s), ${seconds}s each"
