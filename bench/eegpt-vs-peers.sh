#!/bin/sh
# eegpt-vs-peers.sh - EEGPT encoder windows/s of dyno's eegpt.infer against
# PyTorch eager (braindecode's EEGPT) and ONNX Runtime (CPU provider) on the
# same weights, batch and threads, alternated, ROUNDS times; prints each
# round, the median windows/s of each and the median ratios with their
# range.  Targets (issue 18): dyno/torch >= 1.2, dyno/ort >= 1.0.
#   DYNO=./dyno PYTHON=.venv-nn/bin/python sh bench/eegpt-vs-peers.sh
#   (or: make bench-eegpt PYTHON=.venv-nn/bin/python)
# The peers come from sh scripts/install-ref-nn.sh .venv-nn (torch,
# braindecode, onnxruntime from PyPI); without them this says skipped.
# Without a dyno that has eegpt.infer it prints "dyno: not built" and
# still measures the peers.
# Environment: ROUNDS (3), BATCHES (1,8), THREADS (2), SECONDS_EACH (5),
# WEIGHTS (a safetensors file from scripts/export-eegpt.py; default: the
# spec config with dyno-init-v1 seed 0, made in a temporary folder),
# PEERS (torch,ort), DYNO_ARGS (global dyno options).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x "$top/.venv-nn/bin/python" ] && PYTHON=$top/.venv-nn/bin/python
fi
if ! "$PYTHON" -W ignore -c 'import torch, braindecode.models, onnxruntime, safetensors, numpy' 2>/dev/null; then
	echo "eegpt-vs-peers: skipped: $PYTHON lacks torch, braindecode, onnxruntime or safetensors (sh scripts/install-ref-nn.sh .venv-nn, then PYTHON=.venv-nn/bin/python)"
	exit 0
fi
exec "$PYTHON" "$here/eegpt_peers.py" --dyno "${DYNO:-}" \
	--dyno-args "${DYNO_ARGS:-}" --weights "${WEIGHTS:-}" \
	--rounds "${ROUNDS:-3}" --batches "${BATCHES:-1,8}" \
	--threads "${THREADS:-2}" --seconds "${SECONDS_EACH:-5}" \
	--peers "${PEERS:-torch,ort}"
