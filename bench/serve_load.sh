#!/usr/bin/env bash
# serve_load.sh - load on `dundian-search serve`: wrk against /api/search on
# loopback, a mix of the development queries (bench/dev/queries.tsv, through
# serve_load.lua), first on a quiet index, then while dundian-index keeps
# emptying and refilling it.  Prints requests/s, p50/p99 and errors for each.
# Not part of the test suite.
#   bench/serve_load.sh [--duration S] [--connections N] [--threads N]
# Run from the repository root after building (build/bin); needs wrk
# (apt-get install wrk).  The index is built in a scratch folder from a copy
# of the corpus, so the re-indexing phase can take the notes away.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=30 connections=32 threads=2 serve_threads=4
while [ $# -gt 0 ]; do
	case "$1" in
	--duration) duration=$2; shift 2 ;;
	--connections) connections=$2; shift 2 ;;
	--threads) threads=$2; shift 2 ;;
	--serve-threads) serve_threads=$2; shift 2 ;;
	*) echo "usage: bench/serve_load.sh [--duration S] [--connections N] [--threads N] [--serve-threads N]" >&2; exit 2 ;;
	esac
done
command -v wrk >/dev/null || { echo "serve_load.sh: wrk is missing (apt-get install wrk)" >&2; exit 1; }
[ -x build/bin/dundian-search ] || { echo "serve_load.sh: build first (build/bin/dundian-search)" >&2; exit 1; }

tmp=$(mktemp -d)
server=""
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cp -r corpus/notes "$tmp/corpus"
mkdir "$tmp/empty"
build/bin/dundian-index --quiet --db "$tmp/db" "$tmp/corpus" >/dev/null

build/bin/dundian-search serve --db "$tmp/db" --port 0 --threads "$serve_threads" >"$tmp/serve.out" 2>"$tmp/serve.err" &
server=$!
for _ in $(seq 50); do
	grep -q "serving" "$tmp/serve.out" 2>/dev/null && break
	sleep 0.1
done
url=$(sed -n 's/.* at \(http:[^ ]*\)$/\1/p' "$tmp/serve.out")
[ -n "$url" ] || { echo "serve_load.sh: the server did not start: $(cat "$tmp/serve.err")" >&2; exit 1; }
echo "server: $url ($serve_threads threads); wrk: $duration s, $connections connections, $threads threads"

run_wrk() {
	wrk -t "$threads" -c "$connections" -d "${duration}s" --latency -s bench/serve_load.lua "$url" |
		grep '^requests/s'
}

echo -n "quiet index:      "
run_wrk

# the indexer empties the index (the notes taken away) and refills it,
# over and over, while wrk runs
(
	end=$((SECONDS + duration))
	runs=0
	while [ $SECONDS -lt $end ]; do
		mv "$tmp/corpus" "$tmp/away"
		build/bin/dundian-index --quiet --db "$tmp/db" "$tmp/empty" >/dev/null
		mv "$tmp/away" "$tmp/corpus"
		build/bin/dundian-index --quiet --db "$tmp/db" "$tmp/corpus" >/dev/null
		runs=$((runs + 2))
	done
	echo "$runs" >"$tmp/runs"
) &
indexer=$!
echo -n "while re-indexing: "
run_wrk
wait "$indexer"
echo "(dundian-index ran $(cat "$tmp/runs") times meanwhile, alternately emptying and refilling the index)"
if [ -s "$tmp/serve.err" ]; then
	echo "server stderr:"
	sort "$tmp/serve.err" | uniq -c | head
fi
