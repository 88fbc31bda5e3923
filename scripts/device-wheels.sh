#!/bin/sh
# device-wheels.sh - download into .whl/ the wheels the GPU machine's python3
# lacks for bench/gpu-torch.py (ultralytics for YOLOv8, braindecode and what
# its import pulls in for EEGPT), at the versions of a reference venv, for
# Python 3.12 manylinux; BUILD/device-bundle/run.sh installs them there
# (--no-deps, into /tmp/site).  The machine's image already has torch,
# numpy, scipy, pandas, scikit-learn, h5py, einops, opencv, PyYAML, pillow.
#   sh scripts/device-wheels.sh [VENV]      (default: .venv-nn; WHL: the folder, .whl)
# then carry .whl (echo /.whl/ >> .git/info/exclude once).
set -eu
VENV=${1:-.venv-nn}
NAMES="ultralytics braindecode docstring-inheritance mne mne-bids skorch
torchinfo wfdb linear-attention-transformer axial-positional-embedding
colt5-attention hyper-connections linformer local-attention
product-key-memory pydantic pydantic-core annotated-types typing-inspection
pooch platformdirs decorator"
[ -x "$VENV/bin/python" ] || { echo "device-wheels: $VENV/bin/python: no such venv (sh scripts/install-ref-nn.sh $VENV)" >&2; exit 1; }
pins=""
for n in $NAMES; do
	v=$("$VENV/bin/python" -m pip show "$n" 2>/dev/null | sed -n 's/^Version: //p')
	[ -n "$v" ] || { echo "device-wheels: $n: not installed in $VENV" >&2; exit 1; }
	pins="$pins $n==$v"
done
out=${WHL:-.whl}
mkdir -p "$out"
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip download --quiet --no-deps --only-binary=:all: \
	--python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 \
	--platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
	-d "$out" $pins
echo "device-wheels: $(ls "$out"/*.whl | wc -l) wheels, $(du -sh "$out" | cut -f1) in $out/"
