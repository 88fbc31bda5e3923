#!/bin/sh
# exported.sh - yolov8n (plugins/yolo/yolov8.yaml, 80 classes) against
# ultralytics at imgsz 64: scripts/export-yolo.py writes torch-seeded
# weights with non-trivial BN, unfused and fused by ultralytics' fuse(),
# and its raw head; tests/test_yolo_model's exported test loads both and
# compares.  Skips (77) without a Python that has torch and ultralytics.
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
: "${TOP_BUILDDIR:=$top}"
py=
for p in ${PYTHON:-} "$top/.venv-nn/bin/python" /usr/bin/python3 python3; do
	if "$p" -c 'import torch, ultralytics, safetensors' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ]; then
	echo "exported.sh: skipped: no python with torch, ultralytics and safetensors (sh scripts/install-ref-nn.sh .venv-nn)"
	exit 77
fi
if [ ! -x "$TOP_BUILDDIR/tests/test_yolo_model" ]; then
	echo "exported.sh: skipped: tests/test_yolo_model not built (Criterion, oneDNN)"
	exit 77
fi
tmp=$(mktemp -d /tmp/dyno-yolo-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$py" "$top/scripts/export-yolo.py" model --out "$tmp/n" \
	--yaml "$top/plugins/yolo/yolov8.yaml" --scale n --imgsz 64 \
	--batch 1 --init torch --seed 3 --fused || exit 1
YOLO_EXPORT=$tmp/n YOLO_EXPORT_SCALE=n YOLO_EXPORT_IMGSZ=64 \
	"$TOP_BUILDDIR/tests/test_yolo_model" --filter 'yolo/exported*' \
	--verbose
