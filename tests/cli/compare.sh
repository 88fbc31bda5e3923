#!/bin/sh
# compare.sh - dyno compare on real runs: exit 0/1/2, verdicts, the three
# formats, bad documents (file and JSON path named), other hardware.
. "$TOP_SRCDIR/tests/cli/lib.sh"

# Two runs of a tiny suite (run documents), and records of null.clock with
# and without extra work per sample (a large, certain slowdown).
cat >"$TMP/s.lua" <<'EOF'
dyno.probe("null.clock", { samples = 60 }, { min_time = "20ms", max_time = "300ms" })
EOF
expect "base run" 0 "$DYNO" run "$TMP/s.lua" --out "$TMP/base.json"
expect "new run" 0 "$DYNO" run "$TMP/s.lua" --out "$TMP/new.json"
expect "fast record" 0 "$DYNO" probe null.clock samples=40 --out "$TMP/fast.jsonl" $FAST
expect "slow record" 0 "$DYNO" probe null.clock samples=40 work=20k --out "$TMP/slow-work.jsonl" $FAST
# Records pair by params, so the slow run is relabelled as the fast one:
# the same probe, measured slower, as a regression would look.
jq -c '.params.work = 0' "$TMP/slow-work.jsonl" >"$TMP/slow.jsonl"

expect "a run against itself: exit 0" 0 "$DYNO" compare "$TMP/base.json" "$TMP/base.json"
contains "table header" "$TMP/out" "probe"
contains "unchanged verdict" "$TMP/out" "unchanged"
contains "summary line" "$TMP/out" "exit 0: no metric regressed beyond 5% with p < 0.05"
# Two independent runs on a shared machine may really differ by more than
# 5% (exit 1); either verdict is right, bad input (2) is not.
"$DYNO" compare "$TMP/base.json" "$TMP/new.json" --format json >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -le 1 ] && jq -e --argjson rc $rc '(.summary.counts.regressed > 0) == ($rc == 1)' "$TMP/out" >/dev/null; then
	ok "two runs of one suite (exit $rc agrees with the verdicts)"
else
	ko "two runs of one suite (exit $rc: $(head -c 200 "$TMP/err"))"
fi
jq_true "json shape" "$TMP/out" \
	'.kind == "dyno.compare" and (.comparisons | length == 1) and .comparisons[0].id == "null.clock" and .comparisons[0].metric == "latency" and (.comparisons[0] | has("ratio") and has("ci95") and has("p") and has("verdict")) and (.summary.counts | has("regressed"))'

expect "slower: exit 1" 1 "$DYNO" compare "$TMP/fast.jsonl" "$TMP/slow.jsonl"
contains "regressed verdict" "$TMP/out" "regressed"
contains "exit reason" "$TMP/out" "exit 1: 1 metric regressed beyond 5% with p < 0.05"
expect "slower, json" 1 "$DYNO" compare "$TMP/fast.jsonl" "$TMP/slow.jsonl" --format json
jq_true "json regressed numbers" "$TMP/out" \
	'.comparisons[0].verdict == "regressed" and .comparisons[0].ratio > 1.5 and .comparisons[0].p < 0.05 and .comparisons[0].ci95[0] > 1 and .summary.exit == 1'
expect "faster: improved, exit 0" 0 "$DYNO" compare "$TMP/slow.jsonl" "$TMP/fast.jsonl"
contains "improved verdict" "$TMP/out" "improved"
expect "threshold above the change: exit 0" 0 "$DYNO" compare "$TMP/fast.jsonl" \
	"$TMP/slow.jsonl" --max-regression 100000%
expect "different params are other probes" 0 "$DYNO" compare "$TMP/fast.jsonl" "$TMP/slow-work.jsonl"
contains "only in the base" "$TMP/out" "not comparable (probe only in the base run)"
contains "only in the new" "$TMP/out" "not comparable (probe only in the new run)"
contains "params column shows what differs" "$TMP/out" "work=20000"

expect "md" 1 "$DYNO" compare "$TMP/fast.jsonl" "$TMP/slow.jsonl" --format md
if head -n 1 "$TMP/out" | grep -q '^### dyno compare: ' &&
	grep -q '^| Probe | Params | Metric | Base | New | Ratio | 95% CI | p | Verdict |$' "$TMP/out" &&
	grep -q '^|---|---|---|--:|--:|--:|--:|--:|---|$' "$TMP/out" &&
	grep -q '^| `null.clock` | .* | `latency` | .*regressed' "$TMP/out" &&
	grep -q '^\*\*Summary:\*\* 1 regressed\.' "$TMP/out"; then
	ok "md table shape"; else ko "md table shape"; cat "$TMP/out"; fi

# Not comparable, with the reason.
jq -c '.status = "failed" | .message = "boom"' "$TMP/slow.jsonl" >"$TMP/failed.jsonl"
expect "failed on one side: exit 0" 0 "$DYNO" compare "$TMP/fast.jsonl" "$TMP/failed.jsonl"
contains "status reason" "$TMP/out" "not comparable (status failed in the new run: boom)"
jq -c '.metrics.latency.unit = "ms"' "$TMP/slow.jsonl" >"$TMP/unit.jsonl"
expect "unit differs: exit 0" 0 "$DYNO" compare "$TMP/fast.jsonl" "$TMP/unit.jsonl"
contains "unit reason" "$TMP/out" "not comparable (unit differs: s in base, ms in new)"
jq -c '.metrics.latency.better = "higher"' "$TMP/slow.jsonl" >"$TMP/better.jsonl"
expect "direction differs: exit 0" 0 "$DYNO" compare "$TMP/fast.jsonl" "$TMP/better.jsonl"
contains "better reason" "$TMP/out" "not comparable (better differs"
jq -c '.metrics.latency.samples = .metrics.latency.samples[0:3] | .metrics.latency.n = 3' "$TMP/slow.jsonl" >"$TMP/few.jsonl"
expect "too few samples: exit 0" 0 "$DYNO" compare "$TMP/fast.jsonl" "$TMP/few.jsonl"
contains "few reason" "$TMP/out" "inconclusive (too few samples: base n=40, new n=3, need 4)"

# Other hardware: every metric not comparable, with a warning, exit 0.
jq '.host.fingerprint = "0123456789abcdef"' "$TMP/base.json" >"$TMP/other.json"
jq -c '.host.fingerprint = "0123456789abcdef"' "$TMP/slow.jsonl" >"$TMP/slow-other.jsonl"
expect "other hardware: exit 0" 0 "$DYNO" compare "$TMP/base.json" "$TMP/other.json"
contains "warning line" "$TMP/out" "warning: the runs are from different hardware (fingerprint"
contains "not comparable" "$TMP/out" "not comparable (different hardware fingerprint)"
expect "other hardware hides a regression" 0 "$DYNO" compare "$TMP/fast.jsonl" "$TMP/slow-other.jsonl"
expect "--ignore-host compares" 1 "$DYNO" compare "$TMP/fast.jsonl" "$TMP/slow-other.jsonl" --ignore-host
contains "still warned" "$TMP/out" "compared anyway (--ignore-host)"
expect "md warns on stderr too" 0 "$DYNO" compare "$TMP/base.json" "$TMP/other.json" --format md
contains "md warning" "$TMP/out" "> **Warning:** the runs are from different hardware"
contains "stderr warning" "$TMP/err" "warning: the runs are from different hardware"

# Bad input: one line naming the file (and the JSON path), exit 2.
jq '.results[0].metrics.latency.n = "many"' "$TMP/base.json" >"$TMP/bad.json"
expect "bad field: exit 2" 2 "$DYNO" compare "$TMP/base.json" "$TMP/bad.json"
contains "file and JSON path" "$TMP/err" "bad.json: \$.results[0].metrics.latency.n: expected an integer, got a string"
one_line "bad field one line" "$TMP/err"
head -c 300 "$TMP/base.json" >"$TMP/trunc.json"
expect "truncated: exit 2" 2 "$DYNO" compare "$TMP/trunc.json" "$TMP/new.json"
contains "truncated names file" "$TMP/err" "trunc.json: not valid JSON at line"
one_line "truncated one line" "$TMP/err"
jq '.results[0].metrics.latency.samples[3] = "x"' "$TMP/base.json" >"$TMP/bad2.json"
expect "bad sample: exit 2" 2 "$DYNO" compare "$TMP/bad2.json" "$TMP/base.json"
contains "sample path" "$TMP/err" "bad2.json: \$.results[0].metrics.latency.samples[3]: expected a number"
expect "missing file: exit 2" 2 "$DYNO" compare "$TMP/base.json" "$TMP/nope.json"
contains "missing file named" "$TMP/err" "nope.json"
expect "one file: exit 2" 2 "$DYNO" compare "$TMP/base.json"
expect "bad alpha: exit 2" 2 "$DYNO" compare "$TMP/base.json" "$TMP/new.json" --alpha 2
contains "alpha message" "$TMP/err" "--alpha"
expect "bad format: exit 2" 2 "$DYNO" compare "$TMP/base.json" "$TMP/new.json" --format xml
expect "bad threshold: exit 2" 2 "$DYNO" compare "$TMP/base.json" "$TMP/new.json" --max-regression lots
expect "unknown option: exit 2" 2 "$DYNO" compare "$TMP/base.json" "$TMP/new.json" --bogus
one_line "unknown option one line" "$TMP/err"
expect "help" 0 "$DYNO" compare --help
contains "help lists options" "$TMP/out" "--max-regression"

# Same seed, same output.
"$DYNO" compare "$TMP/base.json" "$TMP/new.json" --seed 7 >"$TMP/a.txt"
"$DYNO" compare "$TMP/base.json" "$TMP/new.json" --seed 7 >"$TMP/b.txt"
if cmp -s "$TMP/a.txt" "$TMP/b.txt"; then ok "reproducible"; else ko "reproducible"; fi

finish
