#!/bin/sh
# video_analytics.sh - suites/video-analytics.lua under `dyno tune` with
# tiny settings (imgsz 64, the fixture's tiny family then yolov8n, a
# 160x96 clip, one thread): a target both models meet picks the larger,
# one nothing meets keeps the smallest and says why; every key has its
# reason and the run it came from.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/yolo"
{ cat "$TOP_SRCDIR/tests/fixtures/yolo/yolov8-tiny.yaml"; echo "scale: t"; } \
	>"$TMP/tiny.yaml"
TINY="-D max_threads=1 -D imgsz=64 -D models=$TMP/tiny.yaml,yolov8n -D clip=160x96 -D max_batch=2"
KEYS='"yolo.model", "yolo.batch", "yolo.device", "yolo.precision", "yolo.threads"'
# Without libavcodec (yolo.pipeline unavailable) the part video is
# skipped with the reason instead.
VIDEO='((.dyno.skipped.video // "") | startswith("skipped: "))'

expect "a target both meet" 0 "$DYNO" $SP tune --quick \
	--suite "$TOP_SRCDIR/suites/video-analytics.lua" $TINY -D fps_target=1 \
	-o "$TMP/tuned.yaml" --tune-json "$TMP/tuned.json"
jq_true "the larger model, batch 1, cpu" "$TMP/tuned.json" \
	'.tune.yolo.model == "yolov8n" and .tune.yolo.batch == 1 and .tune.yolo.device == "cpu" and (.tune.yolo.precision == "fp32" or .tune.yolo.precision == "bf16") and .tune.yolo.threads == 1'
jq_true "decode threads, or video skipped" "$TMP/tuned.json" \
	"(.tune.video.decode_threads == 1 and (.why[\"video.decode_threads\"].reason | startswith(\"the fewest decoder threads\"))) or $VIDEO"
jq_true "each key has its reason and run" "$TMP/tuned.json" \
	"[.why[$KEYS] | (.reason | length > 30) and (.from.id | startswith(\"yolo.\"))] | all"
jq_true "the model's reason says the latency" "$TMP/tuned.json" \
	'.why["yolo.model"].reason | test("^the largest model that meets 1 frames/s: batch-1 latency .* is within 1/1 frames/s")'
if jq -e "$VIDEO" "$TMP/tuned.json" >/dev/null; then
	ok "the pipeline is not checked without libavcodec"
else
	contains "the pipeline checked" "$TMP/out" "check the whole pipeline at 1 frames/s: pass"
fi
contains "yaml has the model" "$TMP/tuned.yaml" 'model: "yolov8n"'

# Nothing meets it: the smallest model, its fastest batch, the pipeline
# check failing (exit 1; 0 without libavcodec, where it does not run).
want=1
jq -e "$VIDEO" "$TMP/tuned.json" >/dev/null && want=0
expect "a target nothing meets" $want "$DYNO" $SP tune --quick \
	--suite "$TOP_SRCDIR/suites/video-analytics.lua" $TINY -D fps_target=1e9 \
	-o "$TMP/tuned.yaml" --tune-json "$TMP/tuned.json"
jq_true "the smallest, and why" "$TMP/tuned.json" \
	"(.tune.yolo.model | endswith(\"tiny.yaml\")) and (.why[\"yolo.model\"].reason | startswith(\"no model meets 1e+09 frames/s here\")) and ((.why[\"video.decode_threads\"].reason | startswith(\"no thread count decodes\")) or $VIDEO)"

finish
