#!/bin/sh
# install-ref-nn.sh - install the Python reference for the EEGPT encoder
# (braindecode's EEGPT on PyTorch, ONNX and ONNX Runtime, safetensors) into a
# virtual environment: the exporter (scripts/export-eegpt.py) and the peers
# bench (bench/eegpt-vs-peers.sh) run from it.
# Not needed to build or test dyno: the tests that use it skip without it,
# and the committed fixture in tests/fixtures/eegpt/ always runs.
#   sh scripts/install-ref-nn.sh [VENV]      (default: .venv-nn)
# then: PYTHON=.venv-nn/bin/python sh bench/eegpt-vs-peers.sh
# torch comes from PyPI (its Linux wheel brings the CUDA runtime packages,
# a few GB; the CPU is all the reference needs).
set -eu
VENV=${1:-.venv-nn}
PY=${PYTHON:-python3}
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet torch braindecode==1.8.0 onnx \
	onnxruntime safetensors numpy
"$VENV/bin/python" -c '
import torch, braindecode, onnx, onnxruntime, safetensors, numpy
from braindecode.models import EEGPT
print("install-ref-nn:", "torch", torch.__version__, "| braindecode",
      braindecode.__version__, "(EEGPT present) | onnx", onnx.__version__,
      "| onnxruntime", onnxruntime.__version__, "| safetensors",
      safetensors.__version__, "| numpy", numpy.__version__)'
