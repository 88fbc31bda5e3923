#!/bin/sh
# test_gpu.sh - the gpu plugin where CUDA has no device (CI, and any
# machine without an NVIDIA driver): the plugin loads, its probes are
# listed, each one skips with "no CUDA device (<CUDA's reason>)", the
# inventory lists no GPU but says why, dyno.has("gpu.copy") is false,
# and dyno tune records the reason instead of gpu keys.  On a machine with
# a GPU this checks only what holds there too; make check-gpu does the
# rest.
. "$TOP_SRCDIR/tests/cli/lib.sh"

expect "list" 0 "$DYNO" list
for p in copy stream gemm launch alloc memory; do
	contains "lists gpu.$p" "$TMP/out" "gpu.$p"
done
expect "describe gpu.copy" 0 "$DYNO" describe gpu.copy
contains "copy's kinds" "$TMP/out" "h2d|d2h|d2d|bidir"
contains "d2d counts read + written" "$TMP/out" "read + written"
expect "describe gpu.gemm" 0 "$DYNO" describe gpu.gemm
contains "gemm's precisions" "$TMP/out" "fp32|tf32|fp16|bf16|fp8"

expect "hw --json" 0 "$DYNO" hw --json
cp "$TMP/out" "$TMP/hw.json"
if jq -e '(.gpus // []) | length > 0' "$TMP/hw.json" >/dev/null; then
	echo "ok - skipped: this machine has a CUDA device; run make check-gpu"
	jq_true "gpu facts" "$TMP/hw.json" \
		'.gpus[0].name != null and .gpus[0].sms > 0 and .gpus[0].memory_total > 0 and .cuda.status == "ok"'
	finish
	exit $?
fi
jq_true "inventory: no GPU, and why" "$TMP/hw.json" \
	'(has("gpus") | not) and .cuda.devices == 0 and (.cuda.status | startswith("no CUDA device ("))'
reason=$(jq -r .cuda.status "$TMP/hw.json")
expect "hw (text)" 0 "$DYNO" hw
contains "hw says there is no CUDA device" "$TMP/out" "no CUDA device ("

# Every probe skips (exit 0) with CUDA's own reason, in a forked child and
# in process.
for p in "copy" "copy kind=d2d" "copy kind=bidir host_mem=pageable" \
	"stream" "stream op=read" "gemm" "gemm precision=bf16" "gemm precision=fp8" \
	"launch" "launch mode=graph" "alloc" "alloc api=async" "memory" \
	"copy device=7"; do
	set -- $p
	id=gpu.$1
	shift
	expect "$id $* skips" 0 "$DYNO" probe "$id" "$@" --json
	jq_true "$id $*: skipped, no CUDA device" "$TMP/out" \
		".status == \"skipped\" and .message == \"$reason\""
done
expect "gpu.copy --no-fork skips" 0 "$DYNO" probe --no-fork gpu.copy
contains "text says skipped" "$TMP/out" "skipped"
contains "text gives the reason" "$TMP/out" "$reason"

# A suite sees no GPU: dyno.has is false with the core's reason.
cat >"$TMP/has.lua" <<'LUA'
local ok, why = dyno.has("gpu.copy")
assert(ok == false, "dyno.has(gpu.copy) should be false without a GPU")
assert(why:find("needs a GPU"), why)
local r = dyno.probe("gpu.memory", {})
assert(r.status == "skipped", r.status)
assert(r.message:find("^no CUDA device %("), r.message)
LUA
expect "dyno.has(gpu.copy) is false" 0 "$DYNO" run "$TMP/has.lua"

# The tune: no gpu keys, the reason in skipped, CPU keys still there.
cd "$TMP" || exit 1
expect "tune --quick" 0 "$DYNO" tune --quick -o tuned.yaml --tune-json tuned.json \
	--env tuned.env
jq_true "tune: no gpu keys" tuned.json '(.tune | has("gpu") | not) and (.tune | has("launcher") | not)'
jq_true "tune: CPU keys kept" tuned.json '.tune.cpu.workers >= 1'
contains "tune: gpu skipped with CUDA's reason" tuned.yaml "gpu: \"none ($reason)\""
if grep -q CUDA_VISIBLE_DEVICES tuned.env; then ko "no CUDA_VISIBLE_DEVICES in env"; else
	ok "no CUDA_VISIBLE_DEVICES in env"; fi
finish
