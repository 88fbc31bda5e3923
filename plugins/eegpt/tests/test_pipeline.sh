#!/bin/sh
# test_pipeline.sh - eegpt.pipeline end to end through dyno (a small
# synthetic recording, the small model), its one-line input errors, and
# suites/eeg-pipeline.lua's eegpt stage setting its tune keys under
# `dyno tune` (quick, the small model, one thread).
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/eegpt"
ONCE="--min-time 1ms --max-time 1ms"
SMALL="dim=64 depth=2 heads=4"
REC="channels=8 duration=1min samples=512"
W=$TOP_SRCDIR/tests/fixtures/eegpt/small-torch.safetensors

expect "describe" 0 "$DYNO" $SP describe eegpt.pipeline
contains "describe lists recordings_per_hour" "$TMP/out" "recordings_per_hour"

expect "pipeline, synthetic recording" 0 "$DYNO" $SP probe eegpt.pipeline \
	$REC $SMALL batch=3 threads=1 $ONCE --json
jq_true "stages and headline" "$TMP/out" \
	'.status == "ok" and ([.metrics.read, .metrics.autoreject, .metrics.windowing, .metrics.encoder] | map(.mean > 0) | all) and (.metrics.recordings_per_hour.mean * .metrics.duration.mean / 3600 - 1 | fabs) < 1e-6'
jq_true "duration is the sum of the stages" "$TMP/out" \
	'((.metrics.read.mean + .metrics.autoreject.mean + .metrics.windowing.mean + .metrics.encoder.mean) / .metrics.duration.mean - 1 | fabs) < 1e-6'
# 1 s epochs at 256 Hz, joined, cut every 512 samples, the rest dropped.
jq_true "windows: kept epochs x 256 / 512" "$TMP/out" \
	'(.artifacts.kept_epochs | split(" of ") | map(tonumber)) as [$k, $n] | $n == 60 and $k > 40 and $k <= 60 and .metrics.windows.mean == ($k * 256 / 512 | floor) and .artifacts.window == "8 channels x 512 samples, no overlap"'
jq_true "windows_per_s is windows / encoder" "$TMP/out" \
	'(.metrics.windows_per_s.mean * .metrics.encoder.mean / .metrics.windows.mean - 1 | fabs) < 1e-6'

expect "pipeline, braindecode weights" 0 "$DYNO" $SP probe eegpt.pipeline \
	channels=4 duration=30s samples=256 cv=5 $SMALL weights="$W" $ONCE --json
jq_true "weights artifact" "$TMP/out" \
	".status == \"ok\" and .artifacts.weights == \"$W\" and .metrics.windows.mean >= 20"

expect "cuda skips" 0 "$DYNO" $SP probe eegpt.pipeline $REC $SMALL \
	device=cuda $ONCE --json
jq_true "skipped with the reason (or ran, on a GPU)" "$TMP/out" \
	'(.status == "skipped" and (.message | test("no CUDA backend|no (usable )?CUDA device"))) or .status == "ok"'

# Bad input: exit 2, one line naming the input.
expect "missing EDF" 2 "$DYNO" $SP probe eegpt.pipeline source=edf \
	path="$TMP/none.edf" $SMALL --json
jq_true "names the file" "$TMP/out" \
	".status == \"failed\" and (.message | startswith(\"$TMP/none.edf: \")) and (.message | contains(\"\\n\") | not)"
expect "raw without header" 2 "$DYNO" $SP probe eegpt.pipeline source=raw \
	path="$TMP/none.bin" $SMALL --json
jq_true "header needed" "$TMP/out" '.message | startswith("source=raw needs header=")'
expect "window longer than the recording" 2 "$DYNO" $SP probe eegpt.pipeline \
	duration=10s samples=4096 $SMALL --json
jq_true "says both lengths" "$TMP/out" \
	'.message == "samples=4096: the recording has 2560 samples per channel; expected at least one window"'
expect "fewer epochs than folds" 2 "$DYNO" $SP probe eegpt.pipeline \
	duration=10s samples=256 cv=20 $SMALL --json
jq_true "says so" "$TMP/out" '.message | contains("cv=20 folds need at least as many epochs; the recording has 10")'
expect "n_interpolate above the channels" 2 "$DYNO" $SP probe eegpt.pipeline \
	$REC $SMALL n_interpolate=8,9 --json
jq_true "says the grid and the channels" "$TMP/out" \
	'.message == "n_interpolate '"'8,9'"': every value is >= the 8 channels; expected at least one below"'
expect "n_interpolate, another grid" 0 "$DYNO" $SP probe eegpt.pipeline \
	$REC $SMALL n_interpolate=2,3 threads=1 $ONCE --json
jq_true "runs" "$TMP/out" '.status == "ok" and .metrics.windows.mean > 0'
expect "weights of another shape" 2 "$DYNO" $SP probe eegpt.pipeline \
	channels=4 duration=30s samples=256 cv=5 weights="$W" $ONCE --json
jq_true "names the tensor" "$TMP/out" \
	'.status == "failed" and (.message | test("tensor .target_encoder\\.")) and (.message | contains("\n") | not)'

if readelf -d "$TOP_BUILDDIR/plugins/eegpt/eegpt.so" | grep -qE 'dnnl|lapack|openblas'; then
	ko "eegpt.so links a heavy library (dyno list would load it)"
else ok "eegpt.so links neither oneDNN nor LAPACK nor OpenBLAS"; fi

# The suite's eegpt stage under dyno tune: every key with its reason.
expect "eeg-pipeline suite, dyno tune" 0 "$DYNO" $SP \
	--plugin-dir "$TOP_BUILDDIR/plugins/autoreject" tune --quick \
	--suite "$TOP_SRCDIR/suites/eeg-pipeline.lua" -D max_threads=1 \
	-D eegpt_model=small -o "$TMP/tuned.yaml" --tune-json "$TMP/tuned.json"
jq_true "eegpt keys" "$TMP/tuned.json" \
	'.tune.eegpt.device == "cpu" and (.tune.eegpt.precision == "fp32" or .tune.eegpt.precision == "bf16") and (.tune.eegpt.batch_size == 1 or .tune.eegpt.batch_size == 2) and .tune.eegpt.threads == 1 and .tune.eegpt.windows_per_s > 0 and .tune.eeg.autoreject_threads == 1'
jq_true "recordings_per_hour is the whole pipeline's" "$TMP/tuned.json" \
	'.tune.eeg.recordings_per_hour > 0 and (.why["eeg.recordings_per_hour"].reason | contains("then the EEGPT encoder")) and .why["eeg.recordings_per_hour"].from.id == "eegpt.pipeline"'
jq_true "each eegpt key has its reason" "$TMP/tuned.json" \
	'[.why["eegpt.device", "eegpt.precision", "eegpt.batch_size", "eegpt.threads", "eegpt.windows_per_s"].reason | length > 20] | all'
contains "yaml has the batch size" "$TMP/tuned.yaml" "batch_size:"

finish
