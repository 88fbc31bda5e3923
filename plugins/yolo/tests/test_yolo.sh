#!/bin/sh
# test_yolo.sh - yolo.infer end to end through dyno: a run on seeded
# weights (small images: tests/test_yolo_model.c checks the numbers), the
# skips (cuda, GPU precisions) and bad input failing with one line.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/yolo"
ONCE="--min-time 1ms --max-time 1ms"

expect "describe" 0 "$DYNO" $SP describe yolo.infer
contains "describe lists fps" "$TMP/out" "fps"

expect "infer, seeded yolov8n at 64" 0 "$DYNO" $SP probe yolo.infer \
	imgsz=64 batch=2 threads=1 $ONCE --json
jq_true "metrics" "$TMP/out" \
	'.status == "ok" and .metrics.fps.mean > 0 and .metrics.latency.mean > 0 and .metrics.host_mem_peak.mean > 0 and .metrics.flops.mean > 0 and .artifacts.weights == "dyno-init-v1 seed 1" and (.artifacts.model | startswith("yolov8n: 3151904 parameters"))'
jq_true "kernels artifact names the convs' implementation" "$TMP/out" \
	'.artifacts.kernels | test("^conv2d [^ ]+ x[0-9]+")'
jq_true "fps is batch / latency" "$TMP/out" \
	'(.metrics.fps.max * .metrics.latency.min / 2 - 1 | fabs) < 1e-6'

expect "cuda skips" 0 "$DYNO" $SP probe yolo.infer imgsz=64 device=cuda \
	$ONCE --json
jq_true "skipped with the reason (or ran, on a GPU)" "$TMP/out" \
	'(.status == "skipped" and (.message | test("CUDA"))) or .status == "ok"'
expect "fp16 on the CPU skips" 0 "$DYNO" $SP probe yolo.infer imgsz=64 \
	precision=fp16 $ONCE --json
jq_true "skipped: GPU precision" "$TMP/out" \
	'.status == "skipped" and (.message | contains("GPU precisions"))'

# failed NAME WANT ARGS...: the probe fails with one line containing WANT.
failed() {
	name=$1 want=$2
	shift 2
	expect "$name" 2 "$DYNO" $SP probe yolo.infer "$@" $ONCE --json
	jq_true "$name: one line naming it" "$TMP/out" \
		".status == \"failed\" and (.message | contains(\"$want\")) and (.message | contains(\"\\n\") | not)"
}

failed "unknown model" "model yolov9n: unknown (yolov8n, yolov8s, yolov8m or a family YAML path expected)" model=yolov9n
failed "imgsz not a multiple of 32" "imgsz 100: not a multiple of 32" imgsz=100
printf 'nc: 4\nscales:\n  t: [0.33, 0.0625, 1024]\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [-1, 1, Cnv, [16]]\n' >"$TMP/bad.yaml"
failed "unknown module" "bad.yaml:7: layer 1: unknown module 'Cnv'" model="$TMP/bad.yaml"
printf 'nc: 4\nscales:\n  t: [0.33, 0.0625, 1024]\nbackbone:\n  - [-1, 1, Conv, [16, 3, 2]]\nhead:\n  - [[0], 1, Detect, [nc]]\n' >"$TMP/noscale.yaml"
failed "family without a scale" "noscale.yaml: scale: missing" model="$TMP/noscale.yaml"
printf 'scale: t\n' >>"$TMP/noscale.yaml"
expect "a family YAML with its scale" 0 "$DYNO" $SP probe yolo.infer \
	model="$TMP/noscale.yaml" imgsz=32 threads=1 $ONCE --json
jq_true "ran" "$TMP/out" '.status == "ok"'
# The committed fixture's family and unfused weights (BN folded at load).
FIX=$TOP_SRCDIR/tests/fixtures/yolo
{ cat "$FIX/yolov8-tiny.yaml"; echo "scale: t"; } >"$TMP/tiny.yaml"
expect "the fixture's model and weights" 0 "$DYNO" $SP probe yolo.infer \
	model="$TMP/tiny.yaml" imgsz=64 batch=2 threads=1 \
	weights="$FIX/tiny-torch.safetensors" $ONCE --json
jq_true "ran on the file's weights" "$TMP/out" \
	".status == \"ok\" and .artifacts.weights == \"$FIX/tiny-torch.safetensors\" and (.artifacts.model | contains(\"198724 parameters\"))"
failed "weights of another model" "tensor 'model.0.conv.weight': shape [8, 3, 3, 3] ([16, 3, 3, 3] expected)" \
	imgsz=64 weights="$FIX/tiny-torch.safetensors"
failed "missing weights file" "weights $TMP/none.safetensors: No such file" \
	imgsz=64 weights="$TMP/none.safetensors"

finish
