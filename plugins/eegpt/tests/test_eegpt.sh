#!/bin/sh
# test_eegpt.sh - eegpt.infer end to end through dyno: a run on seeded
# weights and on the committed braindecode fixture's weights, the skips
# (cuda, GPU precisions) and bad weights files failing with one line that
# names the tensor.  Small models: tests/test_eegpt.c checks the numbers.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/eegpt"
ONCE="--min-time 1ms --max-time 1ms"
SMALL="channels=4 samples=256 dim=64 depth=2 heads=4"
W=$TOP_SRCDIR/tests/fixtures/eegpt/small-torch.safetensors

expect "describe" 0 "$DYNO" $SP describe eegpt.infer
contains "describe lists windows_per_s" "$TMP/out" "windows_per_s"

expect "infer, seeded weights" 0 "$DYNO" $SP probe eegpt.infer $SMALL \
	batch=3 threads=1 $ONCE --json
jq_true "metrics" "$TMP/out" \
	'.status == "ok" and .metrics.windows_per_s.mean > 0 and .metrics.latency.mean > 0 and .metrics.host_mem_peak.mean > 0 and .metrics.flops.mean > 0 and .artifacts.weights == "dyno-init-v1 seed 1" and .artifacts.model == "108480 parameters"'
jq_true "windows_per_s is batch / latency" "$TMP/out" \
	'(.metrics.windows_per_s.max * .metrics.latency.min / 3 - 1 | fabs) < 1e-6'

expect "infer, braindecode weights" 0 "$DYNO" $SP probe eegpt.infer $SMALL \
	weights="$W" $ONCE --json
jq_true "weights artifact" "$TMP/out" ".status == \"ok\" and .artifacts.weights == \"$W\""

expect "cuda skips" 0 "$DYNO" $SP probe eegpt.infer $SMALL device=cuda \
	$ONCE --json
jq_true "skipped with the reason (or ran, on a GPU)" "$TMP/out" \
	'(.status == "skipped" and (.message | test("no CUDA backend|no (usable )?CUDA device"))) or .status == "ok"'
expect "fp16 on the CPU skips" 0 "$DYNO" $SP probe eegpt.infer $SMALL \
	precision=fp16 $ONCE --json
jq_true "skipped: GPU precision" "$TMP/out" \
	'.status == "skipped" and (.message | contains("GPU precisions"))'

# The fixture's weights (D 64) into the spec's model (D 512).
expect "weights of another shape" 2 "$DYNO" $SP probe eegpt.infer \
	channels=4 samples=256 weights="$W" $ONCE --json
jq_true "names the tensor and both shapes" "$TMP/out" \
	'.status == "failed" and (.message | test("tensor .target_encoder\\..*: shape \\[.*64.*\\] \\(\\[.*512.*\\] expected\\)")) and (.message | contains("\n") | not)'
head -c 1000 "$W" >"$TMP/cut.safetensors"
expect "truncated weights" 2 "$DYNO" $SP probe eegpt.infer $SMALL \
	weights="$TMP/cut.safetensors" $ONCE --json
jq_true "says where" "$TMP/out" \
	".status == \"failed\" and (.message | startswith(\"weights $TMP/cut.safetensors: \"))"
expect "missing weights" 2 "$DYNO" $SP probe eegpt.infer $SMALL \
	weights="$TMP/none.safetensors" $ONCE --json
jq_true "names the file" "$TMP/out" \
	'.status == "failed" and (.message | contains("none.safetensors: No such file"))'
expect "heads not dividing dim" 2 "$DYNO" $SP probe eegpt.infer $SMALL \
	heads=5 $ONCE --json
jq_true "says so" "$TMP/out" '.message | contains("not a multiple of heads")'

if readelf -d "$TOP_BUILDDIR/plugins/eegpt/eegpt.so" | grep -q dnnl; then
	ko "eegpt.so links oneDNN (dyno list would load it)"
else ok "eegpt.so does not link oneDNN"; fi

finish
