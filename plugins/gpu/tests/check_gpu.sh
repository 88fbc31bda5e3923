#!/bin/sh
# check_gpu.sh - the gpu plugin on a machine with a CUDA device (make
# check-gpu; not part of make check, which runs where there is none):
# every probe runs ok on device 0, copies come back byte for byte, GEMM
# results match a CPU dot product in every precision, an allocation of
# more than the device has and a device index past the last fail with a
# clear message instead of crashing, the inventory lists the GPU, and
# dyno tune sets the gpu keys.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SHORT="--min-time 50ms --max-time 1s"
"$DYNO" hw --json >"$TMP/hw.json" 2>"$TMP/err"
if ! jq -e '(.gpus // []) | length > 0' "$TMP/hw.json" >/dev/null 2>&1; then
	echo "check-gpu: no CUDA device here ($(jq -r '.cuda.status // "no gpu plugin"' "$TMP/hw.json")); nothing to check" >&2
	exit 77
fi
jq_true "inventory: name, cc, SMs, memory, L2, versions" "$TMP/hw.json" \
	'.gpus[0].name != "" and (.gpus[0].uuid | startswith("GPU-")) and .gpus[0].cc_major >= 8 and .gpus[0].sms > 0 and .gpus[0].memory_total > .gpus[0].state.memory_free and .gpus[0].state.memory_free > 0 and .gpus[0].l2_bytes > 0 and .gpus[0].memory_bus_width_bits > 0 and .cuda.runtime_version >= 12000 and .cuda.state.driver_version >= 12000 and .cuda.status == "ok"'
jq -c '.gpus[0]' "$TMP/hw.json"

# ok_probe NAME ARGS...: the probe ends ok; its record is left in $TMP/out.
ok_probe() {
	name=$1
	shift
	expect "$name" 0 "$DYNO" probe "$@" $SHORT --json
	jq_true "$name: ok" "$TMP/out" '.status == "ok"' || true
	if ! jq -e '.status == "ok"' "$TMP/out" >/dev/null 2>&1; then
		jq -c '{status, message}' "$TMP/out" 2>/dev/null | head -c 400; echo
	fi
}

# Copies: each kind, both host memories; the round trip must come back equal.
for kind in h2d d2h d2d bidir; do
	for mem in pinned pageable; do
		[ "$kind" = d2d ] && [ "$mem" = pageable ] && continue
		ok_probe "gpu.copy $kind $mem" gpu.copy kind=$kind host_mem=$mem size=64MiB
		jq_true "gpu.copy $kind $mem: round trip equal, bandwidth > 0" "$TMP/out" \
			'.artifacts.verified == "round trip bytes equal" and .metrics.bandwidth.median > 0'
	done
done
ok_probe "gpu.copy odd size" gpu.copy kind=d2d size=1000003
jq_true "odd size round trip" "$TMP/out" '.artifacts.verified == "round trip bytes equal"'

for op in read write copy triad; do
	ok_probe "gpu.stream $op" gpu.stream op=$op size=256MiB
	jq_true "gpu.stream $op: bandwidth > 0" "$TMP/out" '.metrics.bandwidth.median > 0'
done

# GEMM: the element check in every precision (fp8 where the device has it),
# at a size that is not a multiple of the tiles too.
cc=$(jq '.gpus[0].cc_major * 10 + .gpus[0].cc_minor' "$TMP/hw.json")
for p in fp32 tf32 fp16 bf16 fp8; do
	if [ "$p" = fp8 ] && [ "$cc" -lt 89 ]; then
		expect "gpu.gemm fp8 on cc $cc" 0 "$DYNO" probe gpu.gemm precision=fp8 m=256 n=256 k=256 --json
		jq_true "fp8 skipped below 8.9" "$TMP/out" '.status == "skipped" and (.message | contains("8.9"))'
		continue
	fi
	ok_probe "gpu.gemm $p 2048" gpu.gemm precision=$p m=2048 n=2048 k=2048
	jq_true "gpu.gemm $p: element check, flops > 0" "$TMP/out" \
		'(.artifacts.verified | startswith("3 elements of C match")) and .metrics.flops.median > 0'
	[ "$p" = fp8 ] && continue
	ok_probe "gpu.gemm $p odd shape" gpu.gemm precision=$p m=1000 n=333 k=777
	jq_true "gpu.gemm $p odd shape: element check" "$TMP/out" \
		'.artifacts.verified | startswith("3 elements of C match")'
done
expect "gpu.gemm fp8 needs multiples of 16" 2 "$DYNO" probe gpu.gemm precision=fp8 m=100 n=128 k=128 --json
jq_true "fp8 shape refused (or no fp8 here)" "$TMP/out" \
	'(.status == "failed" and (.message | contains("multiples of 16"))) or .status == "skipped"'

ok_probe "gpu.launch kernel" gpu.launch
jq_true "launch latency in (0, 1 s)" "$TMP/out" '.metrics.latency.median > 0 and .metrics.latency.median < 1'
ok_probe "gpu.launch graph" gpu.launch mode=graph kernels=10
ok_probe "gpu.alloc malloc" gpu.alloc size=64MiB
ok_probe "gpu.alloc async" gpu.alloc api=async size=64MiB
ok_probe "gpu.memory" gpu.memory
jq_true "max_alloc within free memory" "$TMP/out" \
	'.metrics.max_alloc.median > 0 and .metrics.max_alloc.median <= (.artifacts.memory_free | tonumber)'

# Failures are results, not crashes: too much memory, a device that is not there.
expect "alloc of too much fails (exit 2)" 2 "$DYNO" probe gpu.alloc size=16TiB --json
jq_true "alloc of too much: failed, out of memory" "$TMP/out" \
	'.status == "failed" and (.message | contains("cudaMalloc of 16 TiB failed")) and (.message | contains("free of"))'
expect "alloc async of too much fails" 2 "$DYNO" probe gpu.alloc api=async size=16TiB --json
jq_true "async too much: failed" "$TMP/out" '.status == "failed" and (.message | contains("cudaMallocAsync"))'
expect "stream larger than the device fails" 2 "$DYNO" probe gpu.stream size=16TiB --json
jq_true "stream too large: failed with sizes" "$TMP/out" '.status == "failed" and (.message | contains("free"))'
n=$(jq '.gpus | length' "$TMP/hw.json")
expect "bad device index fails (exit 2)" 2 "$DYNO" probe gpu.copy device=$n --json
jq_true "bad device: failed, names it" "$TMP/out" \
	".status == \"failed\" and (.message | startswith(\"no CUDA device $n: this machine has $n\"))"

# The model probes on the device through the nn engine's CUDA backend
# (tests/test_nn_cuda checks its numbers op by op): each precision runs,
# outputs are finite (the probes fail otherwise) and device memory is held.
for p in fp32 tf32 fp16 bf16; do
	ok_probe "eegpt.infer cuda $p" eegpt.infer device=cuda precision=$p batch=4
	jq_true "eegpt.infer cuda $p: windows/s, gpu_mem_peak" "$TMP/out" \
		'.metrics.windows_per_s.median > 0 and .metrics.gpu_mem_peak.median > 0'
	ok_probe "yolo.infer cuda $p" yolo.infer model=yolov8n device=cuda precision=$p batch=2
	jq_true "yolo.infer cuda $p: fps, gpu_mem_peak" "$TMP/out" \
		'.metrics.fps.median > 0 and .metrics.gpu_mem_peak.median > 0'
	jq -r '.artifacts.kernels // empty' "$TMP/out" | head -c 600; echo
done
ok_probe "yolo.infer cuda eager" yolo.infer model=yolov8n device=cuda precision=fp16 graph=false
ok_probe "yolo.pipeline cuda" yolo.pipeline device=cuda precision=fp16 frames=30
jq -c '{decoder: .artifacts.decoder, nvdec: .artifacts.nvdec, bound_by: .artifacts.bound_by}' "$TMP/out" 2>/dev/null

# A suite sees the GPU; the tune sets the gpu keys.
cat >"$TMP/has.lua" <<'LUA'
assert(dyno.has("gpu.copy"), "dyno.has(gpu.copy) should be true with a GPU")
LUA
expect "dyno.has(gpu.copy) is true" 0 "$DYNO" run "$TMP/has.lua"
cd "$TMP" || exit 1
expect "tune --quick" 0 "$DYNO" tune --quick -o tuned.yaml --tune-json tuned.json --env tuned.env
jq_true "tune: gpu and launcher keys" tuned.json \
	'.tune.gpu.device == 0 and .tune.gpu.memory_fraction > 0 and .tune.gpu.memory_fraction < 1 and .tune.gpu.h2d_bandwidth > 0 and (.tune.gpu.allow_tf32 | type) == "boolean" and .tune.launcher.env.cuda_module_loading == "LAZY" and (.tune.launcher.env.cuda_visible_devices | startswith("GPU-"))'
contains "env file has the launcher variables under their own names" tuned.env "CUDA_MODULE_LOADING=LAZY"
finish
