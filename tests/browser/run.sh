#!/usr/bin/env bash
# Runs the browser tests of the web page (tests/browser/web.test.mjs) in a
# headless Debian chromium.  As root it first installs what is missing:
# chromium and fonts-noto-cjk from Debian, playwright-core from npm
# (`npm ci`, no browser download).
#
#   tests/browser/run.sh            against the fixture server (fixture-server.mjs)
#   tests/browser/run.sh --real     against `build/bin/dundian-search serve`, on an
#                                   index of corpus/notes plus the XSS note, built
#                                   in build/browser/index (needs a built tree)
#   tests/browser/run.sh --capture  first re-records the fixtures from the real CLI
#                                   (needs build/bin and an index in ./index)
# DD_SERVE_CMD (a command line with {port}) or DD_BASE_URL override the
# server; screenshots go to build/browser/.
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=fixtures
for a in "$@"; do
	case "$a" in
	--real) mode=real ;;
	--capture) mode=capture ;;
	*) echo "tests/browser/run.sh: unknown option '$a' (use --real or --capture)" >&2; exit 2 ;;
	esac
done

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$missing fonts-noto-cjk"
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
	else
		echo "tests/browser/run.sh: missing packages:$missing (run as root, or apt-get install them)" >&2
		exit 1
	fi
fi
if [ ! -f tests/browser/node_modules/playwright-core/package.json ] ||
	[ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
	(cd tests/browser && npm ci --no-audit --no-fund)
fi

case "$mode" in
capture)
	node tests/browser/capture-fixtures.mjs
	;;
real)
	rm -rf build/browser/index build/browser/notes
	mkdir -p build/browser/notes
	cp tests/browser/xss-note.md build/browser/notes/X0001.md
	build/bin/dundian-index --db build/browser/index corpus/notes build/browser/notes >/dev/null
	# (not in ${DD_SERVE_CMD:-...}: the brace of {port} would close it)
	serve_cmd='build/bin/dundian-search serve --bind 127.0.0.1 --port {port} --db build/browser/index'
	export DD_SERVE_CMD="${DD_SERVE_CMD:-$serve_cmd}"
	;;
esac

exec node --test --test-concurrency=1 tests/browser/web.test.mjs
