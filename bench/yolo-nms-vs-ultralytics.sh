#!/bin/sh
# yolo-nms-vs-ultralytics.sh - yolo.nms against ultralytics'
# non_max_suppression (torchvision's NMS on the CPU) on the very same
# synthetic prediction (bench/yolo_nms_peer.py rebuilds the probe's boxes
# and checks both keep as many), alternated ROUNDS times: each round, the
# medians, ultralytics / dyno with its range.
#   DYNO=./dyno PYTHON=.venv-nn/bin/python sh bench/yolo-nms-vs-ultralytics.sh
#   (or: make bench-yolo-nms PYTHON=.venv-nn/bin/python)
# Environment: ROUNDS (3), SECONDS_EACH (3), THREADS (torch's, 1),
# CANDIDATES (8400), CLASSES (80), DYNO_ARGS (global dyno options).
# Without ultralytics, torch and torchvision it says skipped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x "$top/.venv-nn/bin/python" ] && PYTHON=$top/.venv-nn/bin/python
fi
if ! "$PYTHON" -W ignore -c 'import torch, torchvision, ultralytics, numpy' 2>/dev/null; then
	echo "yolo-nms-vs-ultralytics: skipped: $PYTHON lacks torch, torchvision or ultralytics (PYTHON=a venv that has them)"
	exit 0
fi
exec "$PYTHON" -W ignore "$here/yolo_nms_peer.py" --dyno "${DYNO:-./dyno}" \
	--dyno-args "${DYNO_ARGS:-}" --rounds "${ROUNDS:-3}" \
	--seconds "${SECONDS_EACH:-3}" --threads "${THREADS:-1}" \
	--candidates "${CANDIDATES:-8400}" --classes "${CLASSES:-80}"
