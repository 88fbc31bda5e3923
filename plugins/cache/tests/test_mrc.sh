#!/bin/sh
# test_mrc.sh - cache.mrc end to end: the generated workload, a trace
# file whose curve is known by hand, SHARDS sampling, an unreachable
# target, a bad trace file and parameter errors.  Small traces: the unit
# tests (tests/test_mrc.c) check the curves themselves.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/cache"
W="keys=5000 requests=50000"

expect "default run" 0 "$DYNO" $SP probe cache.mrc $W --json
jq_true "size_for_hit and artifacts" "$TMP/out" \
	'.status == "ok" and .metrics.size_for_hit.mean > 0 and .metrics.size_for_hit.n == 1 and .metrics.hit_rate_max.mean > 0.9 and .artifacts.workload == "zipf alpha=0.99 keys=5000 requests=50000 seed=1" and .artifacts.references == "50000" and .artifacts.sampling == "exact" and (.artifacts.distinct_keys | tonumber) <= 5000 and .artifacts.cold_misses == .artifacts.distinct_keys'
jq_true "size is items x item_bytes" "$TMP/out" \
	'.metrics.size_for_hit.mean == (.artifacts.items_for_hit | tonumber) * 1024'
jq_true "curve: log-spaced items:hit_rate from 1 to the distinct keys" "$TMP/out" \
	'.artifacts.distinct_keys as $d | (.artifacts.curve | split(" ")) as $p | ($p | length) >= 16 and ($p | length) <= 24 and ($p[0] | startswith("1:")) and ($p[-1] | startswith($d + ":")) and all($p[]; test("^[0-9]+:[01][.][0-9]{4}$"))'
jq_true "curve rises" "$TMP/out" \
	'[.artifacts.curve | split(" ")[] | split(":")[1] | tonumber] as $h | [range(1; $h | length) | $h[.] >= $h[. - 1]] | all'
cp "$TMP/out" "$TMP/default.json"
expect "same seed again" 0 "$DYNO" $SP probe cache.mrc $W --json
jq_true "deterministic" "$TMP/out" ".artifacts.curve == \"$(jq -r .artifacts.curve "$TMP/default.json")\""
expect "item_bytes and target_hit" 0 "$DYNO" $SP probe cache.mrc $W item_bytes=100 target_hit=50% --json
jq_true "smaller target, smaller size" "$TMP/out" \
	".metrics.size_for_hit.mean == (.artifacts.items_for_hit | tonumber) * 100 and (.artifacts.items_for_hit | tonumber) < $(jq -r .artifacts.items_for_hit "$TMP/default.json")"

# A trace file: a b a c a b, CRLF endings and an empty line.  Positions:
# cold cold 2 cold 2 3, so 1 item hits nothing, 2 hit 2 of 6, 3 hit 3.
printf 'a\r\nb\r\na\r\n\r\nc\r\na\r\nb\r\n' >"$TMP/trace.txt"
expect "trace file" 0 "$DYNO" $SP probe cache.mrc trace="$TMP/trace.txt" target_hit=40% --json
jq_true "trace curve" "$TMP/out" \
	".status == \"ok\" and .artifacts.workload == \"$TMP/trace.txt\" and .artifacts.references == \"6\" and .artifacts.distinct_keys == \"3\" and .artifacts.items_for_hit == \"3\" and .artifacts.curve == \"1:0.0000 2:0.3333 3:0.5000\" and .metrics.size_for_hit.mean == 3072 and .metrics.hit_rate_max.mean == 0.5"

# Unreachable: half the references are first references.
expect "unreachable target" 2 "$DYNO" $SP probe cache.mrc trace="$TMP/trace.txt" target_hit=60% --json
jq_true "names both numbers" "$TMP/out" \
	'.status == "failed" and .message == "target_hit 60% is unreachable: first references cap the hit rate of this trace at 50%" and .artifacts.curve != null and (.metrics.size_for_hit == null)'
expect "unreachable, generated" 2 "$DYNO" $SP probe cache.mrc $W target_hit=99%
contains "one-line reason" "$TMP/out" "reason: target_hit 99% is unreachable: first references cap the hit rate of this trace at 9"

# Bad trace files: the loader's one line, naming the file.
expect "missing trace file" 2 "$DYNO" $SP probe cache.mrc trace="$TMP/nope.txt" --json
jq_true "missing file message" "$TMP/out" \
	".status == \"failed\" and .message == \"$TMP/nope.txt: No such file or directory\""
: >"$TMP/empty.txt"
expect "empty trace file" 2 "$DYNO" $SP probe cache.mrc trace="$TMP/empty.txt" --json
jq_true "empty file message" "$TMP/out" ".message == \"$TMP/empty.txt: no keys\""
awk 'BEGIN { print "a"; s = ""; for (i = 0; i < 4097; i++) s = s "x"; print s }' >"$TMP/long.txt"
expect "over-long key" 2 "$DYNO" $SP probe cache.mrc trace="$TMP/long.txt" --json
jq_true "long line message" "$TMP/out" ".message == \"$TMP/long.txt: line 2: key longer than 4096 bytes\""

# SHARDS: what was sampled, and the error estimate from a second sample.
expect "sample_rate=0.01" 0 "$DYNO" $SP probe cache.mrc keys=20000 requests=200000 sample_rate=0.01 --json
jq_true "sampling artifact" "$TMP/out" \
	'.status == "ok" and .metrics.size_for_hit.mean > 0 and (.artifacts.sampling | test("^SHARDS rate 0.01: [0-9]+ of 200000 references sampled; error estimate 0[.][0-9]{4} "))'
expect "sample_rate=10%" 0 "$DYNO" $SP probe cache.mrc $W sample_rate=10% --json
jq_true "percent rate" "$TMP/out" '.artifacts.sampling | startswith("SHARDS rate 0.1: ")'
# Stopped after the first sample (one pass over 5M references takes more
# than 1 ms on any machine): no error estimate, still a result.
expect "stopped before the second sample" 0 "$DYNO" $SP probe cache.mrc requests=5000000 sample_rate=0.01 --min-time 1ms --max-time 1ms --json
jq_true "estimate skipped" "$TMP/out" \
	'.status == "ok" and .metrics.size_for_hit.mean > 0 and (.artifacts.sampling | endswith("error estimate skipped: the run was stopped"))'
expect "too sparse a sample" 2 "$DYNO" $SP probe cache.mrc keys=2 requests=10 sample_rate=0.0001 --json
jq_true "sampled nothing" "$TMP/out" \
	'.message == "sample_rate 0.0001 sampled none of the 10 references (2 keys); raise it"'

# Parameter errors: exit 2, one line on stderr.
expect "alpha=-1" 2 "$DYNO" $SP probe cache.mrc alpha=-1
contains "alpha range" "$TMP/err" "invalid value '-1' for alpha: expected 0..3"
one_line "alpha error is one line" "$TMP/err"
expect "sample_rate=0" 2 "$DYNO" $SP probe cache.mrc sample_rate=0
contains "sample_rate range" "$TMP/err" "for sample_rate: expected 0.0001..1"
expect "keys=0" 2 "$DYNO" $SP probe cache.mrc keys=0
expect "target_hit=120%" 2 "$DYNO" $SP probe cache.mrc target_hit=120%
expect "item_bytes=0" 2 "$DYNO" $SP probe cache.mrc item_bytes=0
expect "unknown parameter" 2 "$DYNO" $SP probe cache.mrc size=1

finish
