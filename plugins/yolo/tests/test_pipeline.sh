#!/bin/sh
# test_pipeline.sh - yolo.pipeline end to end through dyno: its own small
# clip decoded and converted (stages=decode), every stage with a small
# input size, a corrupt or missing clip as one-line errors, NVDEC skipped
# with its reason off a GPU, and no libavcodec in the shell.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/yolo"
ONCE="--min-time 1ms --max-time 1ms"
CLIP="width=320 height=192 frames=20 fps=10"

expect "describe" 0 "$DYNO" $SP describe yolo.pipeline
contains "describe lists decode_threads" "$TMP/out" "decode_threads"
contains "describe lists the stages" "$TMP/out" "letterbox_s"

expect "decode and convert" 0 "$DYNO" $SP probe yolo.pipeline $CLIP \
	stages=decode decode_threads=2 $ONCE --json
jq_true "decode stages measured" "$TMP/out" \
	'.status == "ok" and .metrics.fps.mean > 0 and .metrics.decode_s.mean > 0 and .metrics.convert_s.mean > 0 and .metrics.infer_s == null'
jq_true "the clip decodes as encoded" "$TMP/out" \
	'(.artifacts.clip | startswith("320x192, 20 frames at 10 fps, libx264 CRF 23; worst frame PSNR ")) and (.artifacts.clip | capture("PSNR (?<d>[0-9.]+) dB").d | tonumber) > 30'
jq_true "decoder and bound" "$TMP/out" \
	'.artifacts.decoder == "h264, 2 threads" and (.artifacts.bound_by | test("^(decode|convert) \\("))'

expect "every stage" 0 "$DYNO" $SP probe yolo.pipeline $CLIP model=yolov8n \
	imgsz=64 batch=2 threads=1 $ONCE --json
jq_true "every stage measured" "$TMP/out" \
	'.status == "ok" and ([.metrics.fps, .metrics.decode_s, .metrics.convert_s, .metrics.letterbox_s, .metrics.infer_s, .metrics.nms_s] | map(.mean > 0) | all)'
jq_true "bound_by names a stage" "$TMP/out" \
	'.artifacts.bound_by | test("^(decode|convert|letterbox|infer|nms) \\([0-9]+% ")'

# Bad input: exit 2, one line naming the clip, nothing measured.
head -c 65536 /dev/urandom >"$TMP/bad.h264"
expect "random bytes" 2 "$DYNO" $SP probe yolo.pipeline clip="$TMP/bad.h264" \
	stages=decode $ONCE --json
jq_true "names the file, one line" "$TMP/out" \
	".status == \"failed\" and (.message | startswith(\"$TMP/bad.h264: \")) and (.message | contains(\"\\n\") | not) and (.metrics.fps == null)"
expect "missing clip" 2 "$DYNO" $SP probe yolo.pipeline clip="$TMP/none.h264" \
	stages=decode $ONCE --json
jq_true "names the file" "$TMP/out" \
	".status == \"failed\" and (.message | startswith(\"$TMP/none.h264: \"))"
expect "odd size" 2 "$DYNO" $SP probe yolo.pipeline width=321 stages=decode \
	$ONCE --json
jq_true "says even" "$TMP/out" '.message | contains("even")'

expect "nvdec" 0 "$DYNO" $SP probe yolo.pipeline $CLIP stages=decode \
	decoder=nvdec $ONCE --json
jq_true "skipped with the reason (or ran, on a GPU with NVDEC)" "$TMP/out" \
	'(.status == "skipped" and (.message | startswith("NVDEC: "))) or (.status == "ok" and (.artifacts.decoder | startswith("h264_cuvid")))'

if readelf -d "$TOP_BUILDDIR/plugins/yolo/yolo.so" | grep -qE 'avcodec|swscale|avutil'; then
	ko "yolo.so links libavcodec (dyno list would load it)"
else ok "yolo.so links no libavcodec, libavutil or libswscale"; fi

finish
