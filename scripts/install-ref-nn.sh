#!/bin/sh
# install-ref-nn.sh - install the Python references for the nn workloads
# (braindecode's EEGPT and ultralytics' YOLOv8 on PyTorch, ONNX and ONNX
# Runtime, safetensors) into a virtual environment: the exporters
# (scripts/export-eegpt.py, scripts/export-yolo.py) and the peers benches
# (bench/eegpt-vs-peers.sh, bench/yolo-vs-peers.sh) run from it.
# Not needed to build or test dyno: the tests that use it skip without it,
# and the committed fixtures in tests/fixtures/{eegpt,yolo}/ always run.
# ultralytics builds any YOLOv8 scale from its packaged YAML with random
# weights; nothing here downloads weights.
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
	onnxruntime safetensors numpy ultralytics==8.4.190
"$VENV/bin/python" -c '
import os; os.environ.setdefault("YOLO_VERBOSE", "False")
import torch, braindecode, onnx, onnxruntime, safetensors, numpy, ultralytics
from braindecode.models import EEGPT
from ultralytics.nn.tasks import DetectionModel
print("install-ref-nn:", "torch", torch.__version__, "| braindecode",
      braindecode.__version__, "(EEGPT present) | onnx", onnx.__version__,
      "| onnxruntime", onnxruntime.__version__, "| safetensors",
      safetensors.__version__, "| numpy", numpy.__version__,
      "| ultralytics", ultralytics.__version__)'
