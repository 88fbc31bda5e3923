#!/bin/sh
# models-gpu.sh - dyno's eegpt.infer and yolo.infer on a CUDA device, in the
# cases issues 18 and 19 set targets for (EEGPT b32 fp32 and fp16, b1 fp16
# latency; YOLOv8 n/s/m b32 fp16, n b1 fp16 latency): one JSON line per
# case with dyno's figure, the issue's target (PyTorch with CUDA graphs, as
# measured when the issues were written) and, with TORCH=FILE (the output of
# bench/gpu-torch.py run on the same machine, as close in time as the
# machine allows), PyTorch's figure and dyno's ratio to it.
#   DYNO=./dyno [TORCH=torch.jsonl] [TIME=3s] sh bench/models-gpu.sh
# Without a CUDA device it prints "skipped: no CUDA device" and exits 0.
set -u
DYNO=${DYNO:-./dyno}
TIME=${TIME:-3s}
TORCH=${TORCH:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

if ! "$DYNO" hw --json 2>/dev/null | jq -e '(.gpus // []) | length > 0' >/dev/null 2>&1; then
	echo "skipped: no CUDA device"
	exit 0
fi
rc=0

# one CASE TARGET METRIC PROBE ARGS...: TARGET is per second (throughput
# cases) or milliseconds (latency cases, METRIC latency: lower is better).
one() {
	name=$1 target=$2 metric=$3
	shift 3
	"$DYNO" probe "$@" device=cuda --min-time "$TIME" --max-time "$TIME" \
		--json >"$tmp/out" 2>"$tmp/err"
	torch=null
	if [ -n "$TORCH" ] && [ -r "$TORCH" ]; then
		torch=$(jq -c --arg c "$name" 'select(.case? == $c and .status == "ok")' \
			"$TORCH" 2>/dev/null | head -n 1)
		[ -n "$torch" ] || torch=null
	fi
	jq -c --arg c "$name" --argjson target "$target" --arg m "$metric" \
	    --argjson torch "$torch" '
		(.metrics[$m].median // null) as $v |
		{case: $c, status, message: (.message // null),
		 probe: (.plugin + "." + .probe), params,
		 kernels: (.artifacts.kernels // null)} +
		(if $m == "latency" then
			{dyno_ms: (if $v then $v * 1e3 else null end),
			 target_ms: $target,
			 meets_target: (if $v then $v * 1e3 <= $target else null end),
			 torch_ms: (if $torch then $torch.ms_per_batch else null end),
			 torch_over_dyno: (if $torch and $v then $torch.ms_per_batch / ($v * 1e3) else null end)}
		 else
			{dyno_per_s: $v, target_per_s: $target,
			 meets_target: (if $v then $v >= $target else null end),
			 torch_per_s: (if $torch then $torch.per_s else null end),
			 dyno_over_torch: (if $torch and $v then $v / $torch.per_s else null end)}
		 end)' "$tmp/out" || { echo "{\"case\": \"$name\", \"status\": \"error\", \"stderr\": $(head -c 300 "$tmp/err" | jq -Rs .)}"; rc=1; }
}

one eegpt_b32_fp32 1037 windows_per_s eegpt.infer batch=32 precision=fp32
one eegpt_b32_fp16 5991 windows_per_s eegpt.infer batch=32 precision=fp16
one eegpt_b1_fp16 0.43 latency eegpt.infer batch=1 precision=fp16
one yolov8n_b32_fp16 5816 fps yolo.infer model=yolov8n batch=32 precision=fp16
one yolov8s_b32_fp16 3462 fps yolo.infer model=yolov8s batch=32 precision=fp16
one yolov8m_b32_fp16 1876 fps yolo.infer model=yolov8m batch=32 precision=fp16
one yolov8n_b1_fp16 0.98 latency yolo.infer model=yolov8n batch=1 precision=fp16
exit $rc
