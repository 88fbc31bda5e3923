#!/bin/sh
# fixture.sh - run check_fixture.py on the committed YOLOv8 fixtures: with
# NumPy, their own consistency (NMS against a float64 NMS, letterbox); with
# torch + ultralytics too (PYTHON, or .venv-nn), regenerated and compared,
# and the committed weights rerun in float32/float64; skip (77) without NumPy.
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$(dirname "$here")")
for py in ${PYTHON:-} "$top/.venv-nn/bin/python" /usr/bin/python3 python3; do
	if "$py" -c 'import torch, ultralytics, safetensors' 2>/dev/null; then
		exec "$py" "$here/check_fixture.py" "$top/tests/fixtures/yolo"
	fi
done
for py in /usr/bin/python3 python3; do
	if "$py" -c 'import numpy' 2>/dev/null; then
		exec "$py" "$here/check_fixture.py" "$top/tests/fixtures/yolo"
	fi
done
echo "fixture.sh: skipped: no python3 with NumPy (apt-get install python3-numpy)"
exit 77
