#!/bin/sh
# test_nms.sh - yolo.nms end to end through dyno: a run on the synthetic
# clusters (tests/test_yolo_post.c checks the detections themselves), the
# same seed keeping the same boxes, conf that lets nothing through, and
# bad input failing with one line.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/yolo"
ONCE="--min-time 1ms --max-time 1ms"

expect "describe" 0 "$DYNO" $SP describe yolo.nms
contains "describe lists candidates" "$TMP/out" "candidates"

expect "nms, 2000 candidates of 20 classes" 0 "$DYNO" $SP probe yolo.nms \
	candidates=2000 classes=20 clusters=40 $ONCE --json
jq_true "metrics" "$TMP/out" \
	'.status == "ok" and .metrics.latency.mean > 0 and .metrics.candidates_per_s.mean > 0 and .metrics.selected.mean > 1000 and .metrics.selected.mean < 2000 and .metrics.kept.mean >= 40 and .metrics.kept.mean <= 300'
jq_true "candidates_per_s is candidates / latency" "$TMP/out" \
	'(.metrics.candidates_per_s.max * .metrics.latency.min / 2000 - 1 | fabs) < 1e-6'
cp "$TMP/out" "$TMP/first"
expect "the same seed again" 0 "$DYNO" $SP probe yolo.nms \
	candidates=2000 classes=20 clusters=40 $ONCE --json
if jq -e --slurpfile a "$TMP/first" \
    '.metrics.kept.mean == $a[0].metrics.kept.mean and .metrics.selected.mean == $a[0].metrics.selected.mean' \
    "$TMP/out" >/dev/null; then ok "the same seed, the same boxes kept"; else
	ko "the same seed keeps another number of boxes"
fi
expect "max_det cuts" 0 "$DYNO" $SP probe yolo.nms candidates=2000 \
	classes=20 clusters=40 max_det=10 $ONCE --json
jq_true "kept 10" "$TMP/out" '.status == "ok" and .metrics.kept.mean == 10'
expect "conf 1 lets nothing through" 0 "$DYNO" $SP probe yolo.nms \
	candidates=500 conf=1 $ONCE --json
jq_true "nothing kept" "$TMP/out" \
	'.status == "ok" and .metrics.selected.mean == 0 and .metrics.kept.mean == 0'

expect "a prediction too large" 2 "$DYNO" $SP probe yolo.nms \
	candidates=1000000 classes=4096 $ONCE --json
jq_true "failed with one line naming it" "$TMP/out" \
	'.status == "failed" and (.message | contains("candidates=1000000 x (4 + classes=4096)")) and (.message | contains("\n") | not)'
expect "conf out of range" 2 "$DYNO" $SP probe yolo.nms conf=2 $ONCE
contains "the error names conf" "$TMP/err" "for conf: expected 0..1"

finish
