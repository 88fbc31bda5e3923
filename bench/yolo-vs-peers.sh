#!/bin/sh
# yolo-vs-peers.sh - YOLOv8 images/s of dyno's yolo.infer against PyTorch
# eager (ultralytics' model, fused) and ONNX Runtime (CPU provider) on the
# same weights, batch, image size and threads, alternated, ROUNDS times;
# prints each round, the median images/s of each and the median ratios
# with their range.  All three time the forward to the raw head (no DFL
# decode, no NMS).  Targets (issue 19): dyno/ort >= 1.0, dyno/torch >= 1.5.
#   DYNO=./dyno PYTHON=.venv-nn/bin/python sh bench/yolo-vs-peers.sh
#   (or: make bench-yolo PYTHON=.venv-nn/bin/python)
# The peers come from sh scripts/install-ref-nn.sh .venv-nn (torch,
# ultralytics, onnxruntime from PyPI); without them this says skipped.
# Without a dyno that has yolo.infer it says "dyno: skipped" and still
# measures the peers.
# Environment: ROUNDS (3), BATCHES (1,8), THREADS (2), SECONDS_EACH (5),
# SCALE (n), IMGSZ (640), WEIGHTS (unfused safetensors from
# scripts/export-yolo.py; default: SCALE with dyno-init-v1 seed 0, made in a
# temporary folder), PEERS (torch,ort), OUTPUT (head; decoded times the
# peers with ultralytics' decode and skips dyno), DYNO_ARGS.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x "$top/.venv-nn/bin/python" ] && PYTHON=$top/.venv-nn/bin/python
fi
if ! "$PYTHON" -W ignore -c 'import torch, ultralytics, onnxruntime, onnx, safetensors, numpy' 2>/dev/null; then
	echo "yolo-vs-peers: skipped: $PYTHON lacks torch, ultralytics, onnx, onnxruntime or safetensors (sh scripts/install-ref-nn.sh .venv-nn, then PYTHON=.venv-nn/bin/python)"
	exit 0
fi
exec "$PYTHON" "$here/yolo_peers.py" --dyno "${DYNO:-}" \
	--dyno-args "${DYNO_ARGS:-}" --weights "${WEIGHTS:-}" \
	--scale "${SCALE:-n}" --imgsz "${IMGSZ:-640}" \
	--rounds "${ROUNDS:-3}" --batches "${BATCHES:-1,8}" \
	--threads "${THREADS:-2}" --seconds "${SECONDS_EACH:-5}" \
	--peers "${PEERS:-torch,ort}" --output "${OUTPUT:-head}"
