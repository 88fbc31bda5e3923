#!/bin/sh
# suites.sh - dyno run and dyno tune end to end: the Lua API, verdicts and
# exit codes, JUnit, the sandbox, script errors, and the tune files.
. "$TOP_SRCDIR/tests/cli/lib.sh"

S="$TOP_SRCDIR/tests/suites"
cd "$TMP" || exit 1

expect "api suite" 0 "$DYNO" $FIX run "$S/api.lua" -D count=9 -D expect_count=9 \
	-D flag=true -D expect_flag=true --out run.json
contains "api ran to the end" "$TMP/out" "api.lua: all assertions held"
contains "summary line" "$TMP/out" "summary: probes"
jq_true "run document" run.json \
	'.kind == "dyno.run" and (.results | length) > 5 and (.verdicts | length) >= 4 and .summary.checks.review == 1 and .tune.tune.test.count == 5'

expect "pass, review, fail: exit 1" 1 "$DYNO" $FIX run "$S/verdicts.lua" --junit junit.xml
contains "fail verdict shown" "$TMP/out" "check fails & <escapes>: fail"
contains "review verdict shown" "$TMP/out" "check reviews: review"
if xmllint --noout junit.xml 2>"$TMP/xml.err"; then ok "JUnit parses (xmllint)"; else
	ko "JUnit parses (xmllint)"; cat "$TMP/xml.err"; fi
if grep -q 'failures="1"' junit.xml && grep -q '<system-out>review' junit.xml &&
	grep -q 'fails &amp; &lt;escapes&gt;' junit.xml; then ok "JUnit content"; else
	ko "JUnit content"; cat junit.xml; fi

expect "script error: exit 2" 2 "$DYNO" $FIX run "$S/error.lua"
contains "names file and line" "$TMP/out" "error.lua:4: attempt to perform arithmetic on a nil value"
contains "traceback" "$TMP/out" "stack traceback"
contains "results before the error kept" "$TMP/out" "good.rec  ok"

expect "crashing probe: suite goes on, exit 2" 2 "$DYNO" $FIX run "$S/crash.lua"
contains "crash reported" "$TMP/out" "crashed (SIGSEGV)"
contains "later check ran" "$TMP/out" "check median(value) < 10s: pass"

expect "sandbox" 0 "$DYNO" run "$S/sandbox.lua"
expect "unsafe-lua allows os.execute" 0 "$DYNO" run --unsafe-lua /dev/stdin <<'LUA'
assert(os.execute("true"))
LUA

# Bad input: one line, exit 2, nothing runs.
expect "missing suite" 2 "$DYNO" run nope.lua
one_line "missing suite one line" "$TMP/err"
expect "junit not writable" 2 "$DYNO" $FIX run "$S/verdicts.lua" --junit /nonexistent/j.xml
contains "names --junit" "$TMP/err" "--junit: cannot write '/nonexistent/j.xml'"
if [ ! -s "$TMP/out" ]; then ok "no probe ran"; else ko "no probe ran"; fi
expect "out not writable" 2 "$DYNO" $FIX run "$S/verdicts.lua" --out /nonexistent/r.json
expect "bad -D" 2 "$DYNO" run "$S/sandbox.lua" -D novalue
expect "bad -D type" 2 "$DYNO" $FIX run "$S/api.lua" -D count=lots
contains "-D error names it" "$TMP/out" "-D count=lots: expected a number"

# The shipped suites.
expect "quick suite" 0 "$DYNO" run "$TOP_SRCDIR/suites/quick.lua" -D time=50ms
contains "quick ran null.empty" "$TMP/out" "null.empty  ok"
contains "quick checked the harness" "$TMP/out" "check harness cost per iteration"

expect "dyno tune" 0 "$DYNO" tune --quick -o tuned.yaml --env tuned.env --tune-json tuned.json
contains "says what it wrote" "$TMP/out" "wrote tuned.yaml"
pc=$(jq '.cpu.physical_cores' tuned.json 2>/dev/null)
hw_pc=$("$DYNO" hw --json | jq '.cpu.physical_cores')
if [ -n "$pc" ] && [ "$pc" = "null" ]; then pc=$(jq '.tune.cpu.workers' tuned.json); fi
workers=$(jq '.tune.cpu.workers' tuned.json)
if [ "$workers" = "$hw_pc" ]; then ok "cpu.workers = physical cores ($workers)"; else
	ko "cpu.workers = physical cores ($workers vs $hw_pc)"; fi
contains "yaml has cpu map" tuned.yaml "workers: $hw_pc"
contains "yaml has why" tuned.yaml "why:"
contains "yaml has fingerprint" tuned.yaml "fingerprint:"
contains "env line" tuned.env "CPU_WORKERS=$hw_pc"
jq_true "io keys from the storage sweeps" tuned.json \
	'.tune.io.read_block >= 65536 and .tune.io.queue_depth >= 1 and (.tune.io.engine == "io_uring" or .tune.io.engine == "psync") and (.tune.io.direct | type) == "boolean" and (.tune.io.huge_buffers | type) == "boolean" and .why["io.read_block"].from.id == "storage.seqread"'
jq_true "cache and memory keys from cache.detect and cache.bandwidth" tuned.json \
	'.tune.cpu.l1d_bytes > 0 and .tune.cpu.l2_bytes > .tune.cpu.l1d_bytes and .tune.memory.latency > 0 and .tune.memory.bandwidth > 0 and .tune.work.chunk_bytes == ((.tune.cpu.l2_bytes / 2) | floor) and .tune.workers.memory_bound >= 1 and .tune.workers.memory_bound <= .tune.cpu.workers and .why["cpu.l2_bytes"].from.id == "cache.detect"'
if command -v redis-server >/dev/null && "$DYNO" list 2>/dev/null | grep -q "^cache.kv_throughput  *run"; then
	jq_true "kv keys from Redis and the miss-ratio curve" tuned.json \
		'.tune.cache.kv_pipeline >= 1 and .tune.cache.max_memory > 1000000 and .why["cache.max_memory"].from.id == "cache.mrc"'
else
	echo "ok - skipped: no redis-server or no hiredis: cache.kv keys not checked"
fi
jq_true "net and api keys from the network probes" tuned.json \
	'.tune.net.streams >= 1 and .tune.net.rtt > 0 and .tune.net.rtt < 1 and .tune.api.max_inflight >= 1 and .why["net.rtt"].from.id == "network.tcp_rr"'
jq_true "measured key" tuned.json '.tune.timing.clock_read_ns > 0 and .why["timing.clock_read_ns"].from.id == "null.clock"'
# gpu: the keys where CUDA sees a GPU, else no gpu or launcher keys and
# the reason in the header (the gpu plugin's own tests check its text).
"$DYNO" hw --json >"$TMP/hw.json" 2>/dev/null
if jq -e '(.gpus // []) | length > 0' "$TMP/hw.json" >/dev/null 2>&1; then
	jq_true "gpu keys from the gpu probes" tuned.json \
		'.tune.gpu.device >= 0 and .tune.gpu.memory_fraction > 0 and .tune.gpu.memory_fraction < 1 and (.tune.gpu.precision == "fp32" or .tune.gpu.precision == "bf16" or .tune.gpu.precision == "fp16") and (.tune.gpu.allow_tf32 | type) == "boolean" and .tune.gpu.h2d_bandwidth > 0 and .why["gpu.precision"].from.id == "gpu.gemm" and .why["gpu.h2d_bandwidth"].from.id == "gpu.copy" and .tune.launcher.env.cuda_module_loading == "LAZY" and (.tune.launcher.env.pytorch_cuda_alloc_conf | contains("expandable_segments"))'
else
	jq_true "no gpu keys without a GPU" tuned.json \
		'(.tune | has("gpu") | not) and (.tune | has("launcher") | not)'
	contains "gpu: none, and why" tuned.yaml 'gpu: "none ('
fi

expect "tune --check, same machine" 0 "$DYNO" tune --check tuned.yaml
sed 's/^\(  *cpu.model: \).*/\1"Some Other CPU"/' tuned.yaml > other.yaml
expect "tune --check, other machine" 1 "$DYNO" tune --check other.yaml
contains "names what differs" "$TMP/out" "cpu.model"
expect "tune --check, unreadable" 2 "$DYNO" tune --check /nonexistent.yaml

# A suite that breaks leaves the previous tune untouched.
cp tuned.yaml before.yaml
expect "broken tune suite" 2 "$DYNO" $FIX tune --suite "$S/error.lua" -o tuned.yaml
if cmp -s before.yaml tuned.yaml; then ok "previous tune kept"; else ko "previous tune kept"; fi

finish
