#!/bin/sh
# limits.sh - a suite cannot hang CI or exhaust the machine: --time-limit
# and --max-memory (and dyno.limit) end it with one line on stderr and
# exit 2, with the records so far in --results and the run document.
. "$TOP_SRCDIR/tests/cli/lib.sh"

S="$TOP_SRCDIR/tests/suites"
cd "$TMP" || exit 1

# seconds NAME MAX CMD...: like expect ... 2, and it ended within MAX s.
now() { date +%s.%N; }
within() {
	if awk -v a="$2" -v b="$3" -v m="$4" 'BEGIN { exit !(b - a <= m) }'; then
		ok "$1 (ended within $4 s)"; else
		ko "$1 (took $(awk -v a="$2" -v b="$3" 'BEGIN { print b - a }') s, more than $4)"; fi
}

# Time: a loop that never ends, behind pcall and a coroutine.
t0=$(now)
expect "while true: exit 2" 2 "$DYNO" run "$S/limit_spin.lua" --time-limit 1s --out spin.json
within "while true" "$t0" "$(now)" 4
one_line "time: one line on stderr" "$TMP/err"
contains "time: the line names the limit" "$TMP/err" \
	"dyno: $S/limit_spin.lua: the suite passed its time limit of 1s (--time-limit)"
jq_true "time: run document written and marked" spin.json \
	'.kind == "dyno.run" and .limits.ended_by.limit == "time" and .limits.ended_by.set_by == "--time-limit" and .limits.time_s == 1 and (.summary.script_error | test("time limit of 1s"))'

# Memory: 1 KiB strings into a table.
rss_of() { sed -n 's/^[ \t]*Maximum resident set size (kbytes): //p' "$1"; }
t0=$(now)
if [ -x /usr/bin/time ]; then
	expect "fill: exit 2" 2 /usr/bin/time -v -o time.txt "$DYNO" run "$S/limit_fill.lua" \
		--max-memory 64MiB --out fill.json
	rss=$(rss_of time.txt)
	# The cap counts Lua's bytes; dyno itself, libc's slack and hwloc
	# add some 20 MiB (measured: 75 MB peak at a 64 MiB cap).  ASan's
	# shadow and quarantine add far more (measured: 204 MiB).
	max=128
	[ -n "${ASAN_OPTIONS:-}" ] && max=512
	if [ -n "$rss" ] && [ "$rss" -lt $((max * 1024)) ]; then ok "fill: peak RSS ${rss} KiB < $max MiB"; else
		ko "fill: peak RSS '${rss}' KiB, wanted < $max MiB"; fi
	sed -i '/^dyno: /!d' "$TMP/err"
else
	echo "# /usr/bin/time missing: peak RSS not checked (apt-get install time)"
	expect "fill: exit 2" 2 "$DYNO" run "$S/limit_fill.lua" --max-memory 64MiB --out fill.json
fi
within "fill" "$t0" "$(now)" 20
one_line "memory: one line on stderr" "$TMP/err"
contains "memory: the line names the limit" "$TMP/err" \
	"dyno: $S/limit_fill.lua: the suite passed its memory limit of 64MiB (--max-memory)"
jq_true "memory: Lua's peak held to the cap" fill.json \
	'.limits.ended_by.limit == "memory" and .limits.memory_bytes == 67108864 and .limits.lua_peak_bytes <= 67108864 and .limits.lua_peak_bytes > 60000000'

# A probe running at the deadline is killed; what came before is kept.
t0=$(now)
expect "probe at the limit: exit 2" 2 "$DYNO" run "$S/limit_probe.lua" --time-limit 2s \
	--results r.jsonl --out probe.json --junit probe.xml
within "probe at the limit" "$t0" "$(now)" 6
one_line "probe: one line on stderr" "$TMP/err"
contains "probe: the line names the limit" "$TMP/err" "the suite passed its time limit of 2s (--time-limit)"
if jq -e -s 'length == 2 and .[0].status == "ok" and .[1].status == "timeout" and (.[1].message | test("the suite reached its time limit"))' r.jsonl >/dev/null; then
	ok "probe: both records in --results, the second killed"; else
	ko "probe: both records in --results"; cat r.jsonl; fi
jq_true "probe: both records and the verdict in --out" probe.json \
	'(.results | length) == 2 and .results[1].status == "timeout" and .verdicts[0].verdict == "pass" and .limits.ended_by.limit == "time"'
if grep -q 'error type="script" message=".*time limit of 2s' probe.xml; then
	ok "probe: JUnit names the limit"; else ko "probe: JUnit names the limit"; cat probe.xml; fi
if grep -q "after the killed probe" "$TMP/out"; then ko "probe: the suite ended"; else
	ok "probe: the suite ended"; fi

# The suite's own, lower limit; a probe that ignores SIGTERM is killed.
t0=$(now)
expect "dyno.limit lowers: exit 2" 2 "$DYNO" $FIX run "$S/limit_lower.lua" --time-limit 1h --out lower.json
within "dyno.limit" "$t0" "$(now)" 5
sed -i '/^dyno: warning: /d' "$TMP/err"    # the fixture plugins' own
one_line "dyno.limit: one line on stderr" "$TMP/err"
contains "dyno.limit: the line says who set it" "$TMP/err" \
	"the suite passed its time limit of 1s (set by dyno.limit in the suite)"
jq_true "dyno.limit: the hang killed and recorded" lower.json \
	'.results[0].id == "behave.hang" and .results[0].status == "timeout" and .limits.ended_by.set_by == "dyno.limit"'

# A suite cannot raise a limit: capped to the command line's.
expect "dyno.limit cannot raise: exit 2" 2 "$DYNO" run "$S/limit_raise.lua" \
	--time-limit 2s --max-memory 100MiB
contains "raise: the limits held" "$TMP/out" "limit_raise.lua: limits held"
contains "raise: ended at the command line's limit" "$TMP/err" "time limit of 2s (--time-limit)"

# A C call that never returns to Lua: the watchdog, 5 s past the limit.
t0=$(now)
expect "stuck in C: exit 2" 2 "$DYNO" run "$S/limit_stuck.lua" --time-limit 1s \
	--results stuck.jsonl --out stuck.json
within "stuck in C" "$t0" "$(now)" 10
one_line "stuck: one line on stderr" "$TMP/err"
contains "stuck: the line says why" "$TMP/err" \
	"time limit of 1s (--time-limit), and a call that does not return to Lua held it 5 s more; stopped without the run document"
if [ "$(wc -l <stuck.jsonl)" -eq 1 ] && [ ! -e stuck.json ]; then
	ok "stuck: the record kept, no run document"; else
	ko "stuck: the record kept, no run document"; fi

# dyno tune: a suite cut short leaves the previous tune untouched.
echo "previous: tune" >tuned.yaml
expect "tune cut short: exit 2" 2 "$DYNO" tune --suite "$S/limit_spin.lua" -o tuned.yaml \
	--time-limit 1s
contains "tune: says so" "$TMP/err" "dyno: tune: the suite was cut short; tuned.yaml left as it was"
if [ "$(cat tuned.yaml)" = "previous: tune" ]; then ok "tune: file untouched"; else
	ko "tune: file untouched"; fi

# Bad values: one line, exit 2, nothing run.
for bad in "--time-limit 0" "--time-limit soon" "--time-limit -1s" \
	"--max-memory 1KiB" "--max-memory lots" "--max-memory -5MiB"; do
	# shellcheck disable=SC2086
	expect "bad $bad: exit 2" 2 "$DYNO" run "$S/limit_spin.lua" $bad
	one_line "bad $bad: one line" "$TMP/err"
	contains "bad $bad: names the flag" "$TMP/err" "${bad%% *}"
done
expect "none is no limit" 0 "$DYNO" run "$S/helper.lua" --time-limit none --max-memory none

finish
