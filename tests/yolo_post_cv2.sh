#!/bin/sh
# yolo_post_cv2.sh - rechecks the yolo plugin's letterbox, decode and NMS
# against ultralytics, cv2 and torchvision on fresh inputs (sizes and
# values from another seed) rather than the committed fixture: makes a
# fixture with scripts/yolo-post-fixture.py in a temporary directory and
# runs tests/test_yolo_post on it.  Skips (77) without a Python that has
# ultralytics, torchvision and opencv: $REF_PYTHON, .venv-nn, /work/venv-nn.
set -eu
: "${TOP_SRCDIR:=.}" "${TOP_BUILDDIR:=.}"
PY=
for p in "${REF_PYTHON:-}" "$TOP_SRCDIR/.venv-nn/bin/python" \
    /work/venv-nn/bin/python; do
	if [ -n "$p" ] && [ -x "$p" ] &&
	    "$p" -c 'import cv2, torchvision, ultralytics' >/dev/null 2>&1; then
		PY=$p
		break
	fi
done
if [ -z "$PY" ]; then
	echo "skipped: no Python with ultralytics, torchvision and opencv (set REF_PYTHON)"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
seed=${YOLO_POST_SEED:-$(( $(date +%s) % 100000 + 20 ))}
echo "seed $seed"
"$PY" "$TOP_SRCDIR/scripts/yolo-post-fixture.py" "$dir" "$seed" >/dev/null
YOLO_POST_FIXTURE_DIR=$dir "$TOP_BUILDDIR/tests/test_yolo_post"
