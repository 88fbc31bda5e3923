#!/bin/sh
# nn-conv-layouts.sh - each convolution of one yolo.infer forward, timed
# alone in NHWC and in nChw16c by bench/nn_conv_layouts (fp32 and bf16):
# what the engine's image layout costs in kernels, apart from copies.
#   make bench-nn-conv-layouts [MODEL=yolov8n] [THREADS=2]
# The shapes come from oneDNN's verbose log of one forward (batch 1).
set -eu
: "${DYNO:=./dyno}" "${MODEL:=yolov8n}" "${THREADS:=2}"
: "${LAYOUTS:=./bench/nn_conv_layouts}"
tmp=$(mktemp -d /tmp/dyno-layouts-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ONEDNN_VERBOSE=1 "$DYNO" probe yolo.infer model="$MODEL" threads="$THREADS" \
	--no-fork --warmup 0 --min-time 1ms --max-time 1ms >"$tmp/log" 2>&1 || true
# One forward's convolutions, in order: the first run's, as oneDNN
# prints exec lines (the warm-up forward).
grep '^onednn_verbose,exec,cpu,convolution' "$tmp/log" |
	awk -F, '{ print $(NF - 1) }' >"$tmp/all"
convs=$(awk 'NR == 1 { first = $0 } NR > 1 && $0 == first { exit } { n++ } END { print n }' "$tmp/all")
if [ "${convs:-0}" -eq 0 ]; then
	echo "nn-conv-layouts: skipped: no oneDNN convolution in '$DYNO probe yolo.infer' (built without oneDNN?)"
	exit 0
fi
head -n "$convs" "$tmp/all" >"$tmp/shapes"
echo "nn-conv-layouts: $MODEL, $convs convolutions, threads $THREADS"
for dt in fp32 bf16; do
	OMP_NUM_THREADS=$THREADS "$LAYOUTS" "$dt" <"$tmp/shapes" | tail -n 1
done
