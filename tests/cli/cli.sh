#!/bin/sh
# cli.sh - the dyno command line end to end: list, describe, probe, hw,
# help, and every bad-input error (one line, exit 2).
. "$TOP_SRCDIR/tests/cli/lib.sh"

expect "version" 0 "$DYNO" --version
contains "version text" "$TMP/out" "dyno 0.1.0 (plugin ABI 1.1)"

expect "list" 0 "$DYNO" list
contains "list shows null.empty" "$TMP/out" "null.empty"
contains "list shows null.clock" "$TMP/out" "null.clock"
expect "list --json" 0 "$DYNO" list --json
jq_true "list --json has probes" "$TMP/out" \
	'.plugins[] | select(.name=="null") | .probes | map(.id) | index("null.clock") != null'

expect "list with fixtures warns but lists the rest" 0 "$DYNO" $FIX list
contains "bad plugin warning" "$TMP/err" "not a dyno plugin (no dyno_plugin_v1 symbol)"
contains "good fixture listed" "$TMP/out" "good.rec"

expect "describe" 0 "$DYNO" describe null.clock
contains "describe params" "$TMP/out" "samples"
contains "describe metric" "$TMP/out" "latency"
expect "describe --json" 0 "$DYNO" describe null.clock --json
jq_true "describe json param" "$TMP/out" '.params[0].name == "work" and .params[0].type == "int"'
jq_true "describe json metric" "$TMP/out" '.metrics[0].unit == "s" and .metrics[0].better == "lower"'
expect "describe --json, iterate" 0 "$DYNO" describe null.empty --json
jq_true "describe json headline: time and rate" "$TMP/out" \
	'[.metrics[] | .headline] == [true, true, false]'

expect "probe run style --json" 0 "$DYNO" probe null.clock samples=200 --json $FAST
jq_true "record status ok" "$TMP/out" '.status == "ok" and .id == "null.clock"'
jq_true "record fields" "$TMP/out" \
	'has("plugin_version") and has("params") and has("started_at") and has("duration_s") and (.host | has("fingerprint")) and has("resources") and has("artifacts")'
jq_true "metric stats" "$TMP/out" \
	'.metrics.latency | has("p50") and has("p99") and has("p999") and (.ci95 | length == 2) and (.percentiles | length == 17) and .n == 200'
jq_true "resources" "$TMP/out" '.resources.peak_rss_bytes > 0 and .resources.cpu_util >= 0'

expect "probe iterate style" 0 "$DYNO" probe null.empty $FAST
contains "human table" "$TMP/out" "median"
contains "time row" "$TMP/out" "time"

expect "probe --no-fork" 0 "$DYNO" probe null.clock samples=50 --no-fork --json $FAST
jq_true "no-fork isolation" "$TMP/out" '.isolation == "none" and .status == "ok"'

expect "probe --out appends" 0 "$DYNO" probe null.clock samples=10 --out "$TMP/r.jsonl" $FAST
expect "probe --out appends again" 0 "$DYNO" probe null.clock samples=20 --out "$TMP/r.jsonl" $FAST
if [ "$(wc -l <"$TMP/r.jsonl")" -eq 2 ] && jq -s -e 'length == 2 and .[1].metrics.latency.n == 20' "$TMP/r.jsonl" >/dev/null; then
	ok "two JSON lines"; else ko "two JSON lines"; fi

expect "crash is a result, exit 2" 2 "$DYNO" $FIX probe behave.crash --json $FAST
jq_true "crashed status" "$TMP/out" '.status == "crashed" and (.message | contains("SIGSEGV"))'
expect "timeout" 2 "$DYNO" $FIX probe behave.hang --timeout 300ms --json
jq_true "timeout status" "$TMP/out" '.status == "timeout"'
# A plugin built against ABI 1.0 (a smaller struct dyno_probe) loads, and
# its first declared metric is its one headline.
expect "ABI 1.0 plugin runs" 0 "$DYNO" --plugin-dir "$TOP_BUILDDIR/tests/plugins/abi_1_0" \
	probe old.rec --json $FAST
jq_true "ABI 1.0: first metric is the headline" "$TMP/out" \
	'.status == "ok" and .metrics.first.headline == true and
	 .metrics.second.headline == false and .metrics.second.n == 5'
expect "skip exits 0" 0 "$DYNO" $FIX probe behave.skip
contains "skip reason shown" "$TMP/out" "no frobnicator on this machine"

# Bad input: one line on stderr, exit 2.
expect "unknown probe" 2 "$DYNO" probe null.clok
one_line "unknown probe one line" "$TMP/err"
contains "suggests closest" "$TMP/err" "did you mean: null.clock"
expect "unknown parameter" 2 "$DYNO" probe null.clock bogus=1
contains "lists valid parameters" "$TMP/err" "valid: work, samples"
one_line "unknown parameter one line" "$TMP/err"
expect "out of range" 2 "$DYNO" probe null.clock work=2M
contains "names value and range" "$TMP/err" "invalid value '2M' for work: expected 0..1M"
expect "unparsable" 2 "$DYNO" probe null.clock work=lots
contains "names parameter" "$TMP/err" "invalid value 'lots' for work"
expect "unknown enum value" 2 "$DYNO" $FIX probe good.rec mode=sideways
contains "lists choices" "$TMP/err" "expected one of up|down"
expect "bad option value" 2 "$DYNO" probe null.empty --min-time soon
contains "option error" "$TMP/err" "--min-time"
expect "unwritable results path" 2 "$DYNO" probe null.clock --out /nonexistent-dir/r.jsonl
contains "names the path" "$TMP/err" "cannot write results to '/nonexistent-dir/r.jsonl'"
if [ ! -s "$TMP/out" ]; then ok "nothing ran before the error"; else ko "nothing ran before the error"; fi
expect "unknown command" 2 "$DYNO" frobnicate
one_line "unknown command one line" "$TMP/err"
expect "unknown option" 2 "$DYNO" list --frob
expect "describe needs an id" 2 "$DYNO" describe

expect "hw" 0 "$DYNO" hw
contains "hw cpu line" "$TMP/out" "cpu"
contains "hw fingerprint" "$TMP/out" "fingerprint"
expect "hw --json" 0 "$DYNO" hw --json
jq_true "hw json keys" "$TMP/out" \
	'(.cpu | has("model") and has("logical_cpus") and has("physical_cores") and has("caches")) and (.memory.total > 0)'
nproc_n=$(nproc --all 2>/dev/null || nproc)
jq_true "hw logical_cpus = nproc" "$TMP/out" ".cpu.logical_cpus == $nproc_n"

expect "hw with a plugin's inventory" 0 "$DYNO" $FIX hw --json
jq_true "plugin facts in hw" "$TMP/out" '.gpus[0].name == "Fake GPU 9000"'
fp_plain=$("$DYNO" hw --json | jq -r .fingerprint)
fp_gpu=$(jq -r .fingerprint "$TMP/out")
if [ "$fp_plain" != "$fp_gpu" ]; then ok "plugin facts change the fingerprint"; else ko "plugin facts change the fingerprint"; fi

expect "help" 0 "$DYNO" --help
contains "help lists probe" "$TMP/out" "probe"
for c in list describe probe hw new-plugin; do
	expect "$c --help" 0 "$DYNO" $c --help
	contains "$c usage" "$TMP/out" "usage: dyno $c"
done
expect "no arguments" 2 "$DYNO"

finish
