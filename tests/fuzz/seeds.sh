#!/bin/sh
# seeds.sh SOURCE_DIR OUT_DIR - writes the seed corpus of every fuzz target
# into OUT_DIR/<target>/ from the bundled notes (corpus/notes), the dev
# queries (bench/dev/queries.tsv) and the committed grammar examples
# (tests/fuzz/seeds/).  Run at build time, so the seeds follow the corpus.
set -eu
src=$1
out=$2
notes=$src/corpus/notes
queries=$src/bench/dev/queries.tsv
rm -rf "$out"
mkdir -p "$out/note" "$out/query" "$out/tokenizer" "$out/snippet" "$out/report"

# note: every bundled note as it is
cp "$notes"/*.md "$out/note/"

# query: the dev queries, then the grammar examples
grep -v '^#' "$queries" | while IFS='	' read -r qid kind target query; do
	printf '%s' "$query" >"$out/query/dev-$qid"
done
cp "$src"/tests/fuzz/seeds/query/* "$out/query/"

# tokenizer: the first notes and the queries
for f in $(ls "$notes"/*.md | head -n 40); do
	cp "$f" "$out/tokenizer/"
done
cp "$out"/query/* "$out/tokenizer/"

# snippet: each dev query over one note's body (after its front matter),
# the query also given as an exact string
n=0
grep -v '^#' "$queries" | while IFS='	' read -r qid kind target query; do
	n=$((n + 1))
	note=$(ls "$notes"/*.md | sed -n "${n}p")
	{
		printf '%s\n%s\n' "$query" "$query"
		awk 'done { print } /^---$/ { seen++; if (seen == 2) done = 1 }' "$note"
	} >"$out/snippet/dev-$qid"
done

# report: the notes' metadata as records (id, county, county, month,
# topics), fifty notes a file, with each column order; notes without tags
# get two topics picked from their number, so rows and pairs fill up
awk -v out="$out/report" '
	BEGIN { n = split("water roads clinic school land jobs relief pension", pick, " ") }
	function flush() {
		if (id == "") return
		if (tags == "") tags = pick[k % n + 1] "," pick[(k * 7) % n + 1]
		printf "%s\t%s\t%s\t%s\t%s\n", id, county, county, substr(date, 1, 7), tags > file }
	FNR == 1 { flush(); id = county = date = tags = ""; k++; file = sprintf("%s/notes-%02d", out, int((k - 1) / 50));
	           if (!(file in started)) { started[file] = 1; printf "%c", (k % 2 ? "a" : "b") > file } }
	/^id: / { id = substr($0, 5) }
	/^county: / { county = substr($0, 9) }
	/^date: / { date = substr($0, 7) }
	/^tags: / { tags = substr($0, 7) }
	END { flush() }
' $(ls "$notes"/*.md)
