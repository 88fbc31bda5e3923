#!/bin/sh
# prom.sh - `dyno report --format prom` through `promtool check metrics` on
# what real plugins produce: a run document holding every metric every
# built plugin declares (dyno list/describe --json), and real runs of
# suites/quick.lua and `dyno tune --quick` (about a minute together).
. "$TOP_SRCDIR/tests/cli/lib.sh"

if ! command -v promtool >/dev/null 2>&1; then
	echo "# skip: promtool not installed (Debian package prometheus)"
	exit 77
fi
RUN="$TOP_SRCDIR/tests/report/run.json"

# promcheck NAME FILE: promtool accepts FILE and FILE has families.
promcheck() {
	if promtool check metrics <"$2" >"$TMP/lint" 2>&1; then
		ok "$1: promtool check metrics"
	else
		ko "$1: promtool check metrics"; sort -u "$TMP/lint" | head -10
	fi
	if grep -q '^# TYPE dyno_' "$2"; then ok "$1: has families"; else
		ko "$1: no metric families"; fi
}

# --- every declared metric ---------------------------------------------
"$DYNO" list --json >"$TMP/list.json"
: >"$TMP/metrics.jsonl"
for id in $(jq -r '.plugins[].probes[].id' "$TMP/list.json"); do
	"$DYNO" describe --json "$id" |
		jq -c '{id, metrics: [.metrics[] | {name, unit, better}]}' >>"$TMP/metrics.jsonl"
done
nmet=$(jq -s '[.[].metrics[]] | length' "$TMP/metrics.jsonl")
if [ "$nmet" -gt 20 ]; then ok "$nmet metrics declared"; else
	ko "only $nmet metrics declared"; fi
# One ok record per probe, each declared metric given the statistics of
# the fixture's null.clock latency under its own unit and direction.
jq -s --slurpfile run "$RUN" '
	first($run[0].results[] | select(.id == "null.clock")) as $t
	| $t.metrics.latency as $m
	| $run[0] + {verdicts: [], results: [.[] | . as $p | $t + {
		id: $p.id, plugin: ($p.id | split(".")[0]),
		probe: ($p.id | split(".")[1]), params: {},
		metrics: (reduce $p.metrics[] as $d ({};
			.[$d.name] = $m + {unit: $d.unit, better: $d.better}))}]}' \
	"$TMP/metrics.jsonl" >"$TMP/declared.json"
expect "declared: report" 0 "$DYNO" report "$TMP/declared.json" --format prom -o "$TMP/declared.prom"
promcheck "declared" "$TMP/declared.prom"
# Each declared metric has a series (its metric label), in one family.
missing=
for pm in $(jq -r '.id as $i | .metrics[] | "\($i)/\(.name)"' "$TMP/metrics.jsonl"); do
	grep -q "{probe=\"${pm%%/*}\",params=\"\",metric=\"${pm#*/}\"" "$TMP/declared.prom" ||
		missing="$missing $pm"
done
if [ -z "$missing" ]; then ok "declared: every metric has series"; else
	ko "declared: no series for$missing"; fi
grep '^# TYPE' "$TMP/declared.prom" | sed 's/^/# /'

# Names come from the unit, never the unit string; values in base units.
contains "epoch/s is epochs_per_second" "$TMP/declared.prom" "# TYPE dyno_epochs_per_second gauge"
if grep -q '_per_s_\|_per_s{\|_s_per_s' "$TMP/declared.prom"; then
	ko "an abbreviated unit in a name"; else ok "no abbreviated unit in a name"; fi
jq '.results[0].metrics.time.unit = "%" | .results[0].metrics.time.median = 12.5' \
	"$RUN" >"$TMP/pct.json"
expect "percent: report" 0 "$DYNO" report "$TMP/pct.json" --format prom -o "$TMP/pct.prom"
contains "percent is a ratio, scaled" "$TMP/pct.prom" 'dyno_time_ratio{probe="null.empty",params="",metric="time",stat="median",unit="%",fingerprint="349b5b5e3f8c9487"} 0.125'
promcheck "percent" "$TMP/pct.prom"

# --- real runs ---------------------------------------------------------
# Storage probes lay out their files under the working directory.
cd "$TMP" || exit 1
expect "quick.lua runs" 0 "$DYNO" run "$TOP_SRCDIR/suites/quick.lua" -D time=20ms --out "$TMP/quick.json"
expect "quick.lua: report" 0 "$DYNO" report "$TMP/quick.json" --format prom -o "$TMP/quick.prom"
promcheck "quick.lua" "$TMP/quick.prom"
# The Markdown report of the same run: every probe's headline metrics,
# parameters with units.
expect "quick.lua: md report" 0 "$DYNO" report "$TMP/quick.json" -o "$TMP/quick.md"
for row in "| network.http | .* | rps |" "|  |  | latency |" \
	"| storage.seqread | size=256MiB block=1MiB .* | throughput |" \
	"| network.tcp_rr | duration=3s warmup=200ms .* | latency |"; do
	if grep -q -- "$row" "$TMP/quick.md"; then ok "quick.md: $row"; else
		ko "quick.md: no $row"; grep -A1 "network.http\|storage.seqread\|tcp_rr" "$TMP/quick.md" | head; fi
done
for probe in network.http storage.seqread network.tcp_rr; do
	n=$(sed -n '/^## Results/,/^## [^R]/p' "$TMP/quick.md" |
		awk -v p="| $probe |" 'index($0, p) == 1 { on = 1; print; next }
		on && /^\|  \|/ { print; next } { on = 0 }' | wc -l)
	if [ "$n" -eq 2 ]; then ok "quick.md: $probe has 2 headline rows"; else
		ko "quick.md: $probe has $n rows"; fi
done
if grep -q "| network.http | .* | errors |" "$TMP/quick.md"; then
	ko "quick.md: errors is not network.http's headline"; else ok "quick.md: errors not a headline"; fi
expect "dyno tune --quick runs" 0 "$DYNO" tune --quick --out "$TMP/tune.json" -o "$TMP/tuned.yaml"
expect "tune: report" 0 "$DYNO" report "$TMP/tune.json" --format prom -o "$TMP/tune.prom"
promcheck "tune.lua" "$TMP/tune.prom"
finish
