#!/bin/sh
# report.sh - dyno report on the fixed run document tests/report/run.json
# (made by fixture.lua): every format against its golden file, each format
# through its own validator (xmllint, promtool, prove, jq), bad input, and
# the HTML report opened in headless Chromium (screenshot, console).
#   UPDATE_GOLDEN=1 make check TESTS=tests/report/report.sh
# rewrites the golden files instead of comparing.  docs/img/report.png is
# a real quick.lua run's report (docs/reports.md says how it is made).
. "$TOP_SRCDIR/tests/cli/lib.sh"

RUN="$TOP_SRCDIR/tests/report/run.json"
GOLDEN="$TOP_SRCDIR/tests/report/golden"
UPDATE=${UPDATE_GOLDEN:-0}
# The golden HTML has no charts: gnuplot's SVG differs between versions.
DYNO_GNUPLOT=none
export DYNO_GNUPLOT

have() { command -v "$1" >/dev/null 2>&1; }

# golden NAME FILE: FILE equals golden/NAME (or becomes it on update).
golden() {
	if [ "$UPDATE" = 1 ]; then
		mkdir -p "$GOLDEN" && cp "$2" "$GOLDEN/$1" && ok "updated $1"
	elif cmp -s "$2" "$GOLDEN/$1"; then
		ok "$1 matches its golden file"
	else
		ko "$1 differs from tests/report/golden/$1 (UPDATE_GOLDEN=1 to accept)"
		diff -u "$GOLDEN/$1" "$2" | head -20
	fi
}

for f in md html junit tap prom csv gbench bmf; do
	expect "format $f" 0 "$DYNO" report "$RUN" --format "$f" -o "$TMP/report.$f"
	golden "report.$f" "$TMP/report.$f"
	expect "format $f on stdout" 0 "$DYNO" report "$RUN" --format="$f"
	if cmp -s "$TMP/out" "$TMP/report.$f"; then ok "$f: stdout = -o file"; else
		ko "$f: stdout differs from the -o file"; fi
done
expect "default format is md" 0 "$DYNO" report "$RUN"
if cmp -s "$TMP/out" "$TMP/report.md"; then ok "md by default"; else ko "md by default"; fi
expect "deterministic" 0 "$DYNO" report "$RUN" --format md -o "$TMP/again.md"
if cmp -s "$TMP/again.md" "$TMP/report.md"; then ok "same bytes twice"; else ko "same bytes twice"; fi

# gab: one file per direction next to -o's name; both in one object on stdout.
expect "format gab -o" 0 "$DYNO" report "$RUN" --format gab -o "$TMP/gab.json"
golden "gab-bigger.json" "$TMP/gab-bigger.json"
golden "gab-smaller.json" "$TMP/gab-smaller.json"
expect "format gab on stdout" 0 "$DYNO" report "$RUN" --format gab
jq_true "gab stdout holds both files" "$TMP/out" \
	".customBiggerIsBetter == $(cat "$TMP/gab-bigger.json") and .customSmallerIsBetter == $(cat "$TMP/gab-smaller.json")"

# --- content ---------------------------------------------------------
contains "md: host summary" "$TMP/report.md" "| Caches | L1d 32 KiB"
contains "md: plugin table" "$TMP/report.md" "### Plugin null"
contains "md: sweep over a null param" "$TMP/report.md" "### null.clock over work"
contains "md: cache sweep" "$TMP/report.md" "### cache.latency over size"
if grep -q "samples=2000.*over" "$TMP/report.md"; then
	ko "md: the 2000-sample run is not part of the work sweep"
else ok "md: sweep stops where two params change"; fi
contains "md: fail verdict" "$TMP/report.md" "| fail |"
contains "md: skip with reason" "$TMP/report.md" "skipped: no frobnicator on this machine"
contains "md: review note" "$TMP/report.md" "within the review bound"
contains "md: tune with reason" "$TMP/report.md" "| timing.clock_read_ns | 30 | ns | median of 2000 clock read pairs |"
contains "md: noisy warning" "$TMP/report.md" "is noisy"
contains "html: says charts need gnuplot" "$TMP/report.html" "Charts need gnuplot"

# Headline metrics: a document without marks falls back to rate (the
# golden files); with marks every marked metric is a row, in order.
contains "md: old document, rate of an iterate probe" "$TMP/report.md" "| null.empty |  | rate |"
jq '.results[0].metrics.time.headline = true | .results[0].metrics.rate.headline = true
    | (.results[] | select(.id == "cache.latency")) |= . + {param_types: {size: "size", stride: "size", pattern: "enum"}}' \
	"$RUN" >"$TMP/heads.json"
expect "headline marks: report" 0 "$DYNO" report "$TMP/heads.json" -o "$TMP/heads.md"
# in the document's order (time, rate); the checks of time on its row
contains "md: first headline row" "$TMP/heads.md" "| null.empty |  | time | 355 ps | 387 ps | 351 ps .. 374 ps | 11 | pass, review, fail |"
contains "md: second headline row" "$TMP/heads.md" "|  |  | rate | 2.81 Gop/s | - | 2.68 Gop/s .. 2.85 Gop/s | 11 | - |"
contains "md: sizes with units in a sweep" "$TMP/heads.md" "| 4MiB | 19.5 ns |"
contains "md: other parameters with units" "$TMP/heads.md" "stride=64B"
jq '.results[0].metrics.time.headline = "yes"' "$RUN" >"$TMP/badhead.json"
expect "headline not a boolean: exit 2" 2 "$DYNO" report "$TMP/badhead.json"
contains "headline: JSON path" "$TMP/err" "\$.results[0].metrics.time.headline: expected true or false"

# --- validators ------------------------------------------------------
if have xmllint; then
	if xmllint --noout "$TMP/report.junit" 2>"$TMP/err"; then ok "junit: xmllint"; else
		ko "junit: xmllint"; cat "$TMP/err"; fi
else
	echo "# skip xmllint checks: xmllint not installed (libxml2-utils)"
fi
if have promtool; then
	if promtool check metrics <"$TMP/report.prom" >"$TMP/err" 2>&1; then
		ok "prom: promtool check metrics"; else ko "prom: promtool"; head "$TMP/err"; fi
else
	echo "# skip promtool check: not installed (prometheus)"
fi
# No two series share a name and label set; one TYPE per family.
if [ -z "$(grep -v '^#' "$TMP/report.prom" | sed 's/ [^ ]*$//' | sort | uniq -d)" ]; then
	ok "prom: no duplicate series"; else ko "prom: duplicate series"; fi
if [ -z "$(grep '^# TYPE' "$TMP/report.prom" | sort | uniq -d)" ]; then
	ok "prom: one TYPE per family"; else ko "prom: a family twice"; fi
if grep -v '^#' "$TMP/report.prom" | grep -qv '^[a-zA-Z_:][a-zA-Z0-9_:]*{'; then
	ko "prom: a bad metric name"; else ok "prom: metric names valid"; fi

if have prove; then
	# The fixture has one failed check: prove says so and parses the rest.
	prove -e cat "$TMP/report.tap" >"$TMP/prove" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q "Failed 1/5 subtests" "$TMP/prove" &&
	   ! grep -q "Parse errors" "$TMP/prove"; then
		ok "tap: prove counts 1 failure of 5"; else
		ko "tap: prove (exit $rc)"; cat "$TMP/prove"; fi
	grep -q "skipped: 3" "$TMP/prove" && ko "tap: skip counted once" || ok "tap: skip counted once"
	# Without the failed check, prove passes.
	jq '.verdicts |= map(select(.verdict != "fail"))' "$RUN" >"$TMP/nofail.json"
	"$DYNO" report "$TMP/nofail.json" --format tap -o "$TMP/nofail.tap"
	if prove -e cat "$TMP/nofail.tap" >"$TMP/prove" 2>&1; then ok "tap: prove passes without the fail"; else
		ko "tap: prove without the fail"; cat "$TMP/prove"; fi
else
	echo "# skip prove: not installed (perl)"
fi
contains "tap: version line" "$TMP/report.tap" "TAP version 13"
contains "tap: skip directive" "$TMP/report.tap" "# SKIP skipped: no frobnicator on this machine"
contains "tap: plan" "$TMP/report.tap" "1..5"

jq_true "gbench: context" "$TMP/report.gbench" \
	'.context | has("date") and has("host_name") and has("executable") and has("num_cpus") and has("mhz_per_cpu") and has("cpu_scaling_enabled") and has("caches") and has("library_build_type")'
jq_true "gbench: every benchmark has the required fields" "$TMP/report.gbench" \
	'(.benchmarks | length > 0) and all(.benchmarks[]; has("name") and has("family_index") and has("run_name") and (.run_type == "iteration" or .run_type == "aggregate") and has("repetitions") and has("threads") and (.iterations | type == "number") and (.real_time | type == "number") and (.cpu_time | type == "number") and .time_unit == "ns")'
jq_true "gbench: aggregates named" "$TMP/report.gbench" \
	'all(.benchmarks[] | select(.run_type == "aggregate"); (.aggregate_name | IN("mean", "median", "stddev", "cv")) and .name == .run_name + "_" + .aggregate_name)'
jq_true "gbench: iterations indexed" "$TMP/report.gbench" \
	'all(.benchmarks[] | select(.run_type == "iteration"); has("repetition_index") and .name == .run_name)'
jq_true "bmf: benchmark -> measure -> value" "$TMP/report.bmf" \
	'(length > 0) and all(.[]; type == "object" and all(.[]; (.value | type == "number") and ((has("lower_value") | not) or (.lower_value <= .value and .value <= .upper_value))))'
jq_true "bmf: a sweep point is its own benchmark" "$TMP/report.bmf" \
	'has("null.clock work=100 samples=200") and has("cache.latency size=4194304")'
for d in bigger smaller; do
	jq_true "gab $d: name, unit, value" "$TMP/gab-$d.json" \
		'type == "array" and length > 0 and all(.[]; (.name | type == "string") and (.unit | type == "string") and (.value | type == "number"))'
done
jq_true "gab: rates are bigger-is-better" "$TMP/gab-bigger.json" 'any(.[]; .name == "null.empty rate")'
jq_true "gab: latencies are smaller-is-better" "$TMP/gab-smaller.json" 'any(.[]; .name == "null.clock work=0 samples=200 latency" and .unit == "ns")'
if awk -F, 'NR > 1 && NF != 9 { bad = 1 } END { exit bad }' "$TMP/report.csv"; then
	ok "csv: 9 fields a row"; else ko "csv: 9 fields a row"; fi
if [ "$(head -1 "$TMP/report.csv")" = "$(printf 'record,probe,params,status,metric,unit,better,stat,value\r')" ]; then
	ok "csv: header, CRLF"; else ko "csv: header, CRLF"; fi

# --- bad input -------------------------------------------------------
printf '{"schema": 1, "kind": "dyno.run", "results": [' >"$TMP/trunc.json"
expect "truncated: exit 2" 2 "$DYNO" report "$TMP/trunc.json"
one_line "truncated: one line" "$TMP/err"
contains "truncated: names the file" "$TMP/err" "$TMP/trunc.json: not valid JSON at line 1"
printf 'not json\n' >"$TMP/bad.json"
expect "malformed: exit 2" 2 "$DYNO" report "$TMP/bad.json" --format html
contains "malformed: names the file" "$TMP/err" "$TMP/bad.json: not valid JSON"
jq '.results[2].metrics.latency.n = "many"' "$RUN" >"$TMP/type.json"
expect "wrong type: exit 2" 2 "$DYNO" report "$TMP/type.json" --format csv
one_line "wrong type: one line" "$TMP/err"
contains "wrong type: file and JSON path" "$TMP/err" "$TMP/type.json: \$.results[2].metrics.latency.n: expected an integer, got a string"
jq '.verdicts[0].verdict = 3' "$RUN" >"$TMP/verdict.json"
expect "verdict of a wrong type: exit 2" 2 "$DYNO" report "$TMP/verdict.json" --format junit
contains "verdict: JSON path" "$TMP/err" "\$.verdicts[0].verdict: expected a string"
expect "missing file: exit 2" 2 "$DYNO" report "$TMP/nope.json"
contains "missing file named" "$TMP/err" "nope.json"
expect "unknown format: exit 2" 2 "$DYNO" report "$RUN" --format xml
contains "unknown format lists the formats" "$TMP/err" "(formats: md, html, junit, tap, prom, csv, gbench, bmf, gab)"
expect "no document: exit 2" 2 "$DYNO" report
expect "-o into a missing directory: exit 2" 2 "$DYNO" report "$RUN" -o "$TMP/no/such/dir/r.md"
expect "a results file (JSON lines) reads" 0 sh -c "jq -c '.results[]' '$RUN' >'$TMP/lines.jsonl' && '$DYNO' report '$TMP/lines.jsonl' --format csv"
expect "gnuplot failing: still a report" 0 env DYNO_GNUPLOT=false "$DYNO" report "$RUN" --format html
contains "gnuplot failing: said" "$TMP/out" "Charts need gnuplot: false failed"
expect "gnuplot missing: still a report" 0 env DYNO_GNUPLOT=/nonexistent/gnuplot "$DYNO" report "$RUN" --format html
contains "gnuplot missing: said" "$TMP/out" "Charts need gnuplot: cannot run /nonexistent/gnuplot"

# --- the HTML report in a browser --------------------------------------
CHROMIUM=
for c in chromium chromium-browser google-chrome; do
	have "$c" && CHROMIUM=$c && break
done
if [ -z "$CHROMIUM" ]; then
	echo "# skip browser test: chromium not installed (Debian package chromium)"
elif ! have gnuplot; then
	echo "# skip browser test: gnuplot not installed (gnuplot-nox): no charts to see"
else
	unset DYNO_GNUPLOT
	expect "html with charts" 0 "$DYNO" report "$RUN" --format html -o "$TMP/report.html"
	n=$(grep -o 'src="data:image/svg+xml;base64,' "$TMP/report.html" | wc -l)
	# 2 sweeps + 11 records with latency metrics
	if [ "$n" -eq 13 ]; then ok "html: 13 charts"; else ko "html: $n charts, wanted 13"; fi
	if grep -q 'src="http\|href="http\|<script' "$TMP/report.html"; then
		ko "html: self-contained"; else ok "html: self-contained"; fi
	# Root in CI needs --no-sandbox; a fresh profile keeps runs apart.
	CHROME_FLAGS="--headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run --user-data-dir=$TMP/profile --hide-scrollbars --enable-logging=stderr --v=0"
	timeout 60 "$CHROMIUM" $CHROME_FLAGS --window-size=1200,2400 \
		--screenshot="$TMP/report.png" "file://$TMP/report.html" >"$TMP/chrome.log" 2>&1
	if [ -s "$TMP/report.png" ]; then ok "chromium: screenshot"; else
		ko "chromium: screenshot"; tail -5 "$TMP/chrome.log"; fi
	# Console messages (errors, failed loads) are logged as CONSOLE lines.
	if grep -q ':CONSOLE' "$TMP/chrome.log"; then
		ko "chromium: console errors"; grep ':CONSOLE' "$TMP/chrome.log" | head -5
	else ok "chromium: no console messages"; fi
	timeout 60 "$CHROMIUM" $CHROME_FLAGS --dump-dom "file://$TMP/report.html" >"$TMP/dom.html" 2>/dev/null
	if [ "$(grep -c '<figure>' "$TMP/dom.html")" -eq 13 ] && grep -q '<h2>Thresholds</h2>' "$TMP/dom.html"; then
		ok "chromium: DOM has the tables and charts"; else ko "chromium: DOM"; fi
	# Not blank: a blank page compresses to almost nothing (a white
	# 1200x2400 PNG is a few kB, over 1000:1), a page of tables and charts
	# far less.
	if have python3; then
		if python3 - "$TMP/report.png" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
ratio = len(zlib.decompress(idat)) / len(idat)
print("# screenshot compresses %.0f:1" % ratio)
sys.exit(0 if ratio < 100 else 1)
EOF
		then ok "screenshot is not blank"; else ko "screenshot is blank"; fi
	elif [ "$(wc -c <"$TMP/report.png")" -gt 50000 ]; then
		ok "screenshot is not blank (by size)"
	else
		ko "screenshot is blank (by size)"
	fi
fi
# Google Benchmark's compare.py (Debian: libbenchmark-tools, python3-scipy)
# runs its U test on the stored samples, which the gbench format gives as
# repetitions.
GB_COMPARE=${GB_COMPARE:-/usr/share/benchmark/compare.py}
if [ -r "$GB_COMPARE" ] && /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
	/usr/bin/python3 "$GB_COMPARE" benchmarks "$GOLDEN/report.gbench" \
		"$GOLDEN/report.gbench" >"$TMP/gbcmp" 2>&1
	if grep -q 'null.clock/work:100/samples:200/latency_pvalue.*U Test, Repetitions: 200 vs 200' \
		"$TMP/gbcmp"; then
		ok "compare.py: U test on the samples as repetitions"
	else
		ko "compare.py: no U test"; head -20 "$TMP/gbcmp"
	fi
else
	echo "# skipped: compare.py: $GB_COMPARE or scipy missing (libbenchmark-tools, python3-scipy)"
fi
finish
