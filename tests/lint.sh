#!/usr/bin/env bash
# The tree stays formatted (clang-format, .clang-format) and clean for
# cppcheck.  Run by tests/run.sh before building; exits non-zero naming
# what is wrong.  `tests/lint.sh --fix` reformats instead of checking.
set -euo pipefail
cd "$(dirname "$0")/.."

sources=$(find lib indexer searcher bench tests -name '*.c' -o -name '*.h' -o -name '*.cc' | sort)
if [ "${1:-}" = --fix ]; then
	clang-format -i $sources
	exit 0
fi
if ! clang-format --dry-run --Werror $sources 2>/tmp/dd-format.$$; then
	grep -E '^[^ ].*: (error|warning)' /tmp/dd-format.$$ | sed 's/: error: code should be clang-formatted.*//' | sort -u | head -20 >&2
	rm -f /tmp/dd-format.$$
	echo "tests/lint.sh: the files above are not formatted: run tests/lint.sh --fix" >&2
	exit 1
fi
rm -f /tmp/dd-format.$$
cppcheck -j "$(nproc 2>/dev/null || echo 2)" --quiet --enable=warning,portability,performance --std=c11 \
	--error-exitcode=1 --inline-suppr -I lib --library=tests/cppcheck/libraries.cfg \
	--suppress=missingIncludeSystem lib indexer searcher bench tests
echo "lint: clang-format and cppcheck clean"
