#!/bin/sh
# install-ref.sh - install the Python reference for the AutoReject agreement
# bench (autoreject on MNE, scikit-learn, NumPy) into a virtual environment.
# Not needed to build or test dyno: tests that use NumPy skip without it,
# and the committed fixtures always run.
#   sh scripts/install-ref.sh [VENV]      (default: .venv-ref)
# then: PYTHON=.venv-ref/bin/python sh bench/autoreject-agreement.sh ...
set -eu
VENV=${1:-.venv-ref}
PY=${PYTHON:-python3}
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet autoreject mne scikit-learn numpy scipy
"$VENV/bin/python" -c 'import autoreject, mne, sklearn, numpy, scipy; print("install-ref:", "autoreject", autoreject.__version__, "| mne", mne.__version__, "| sklearn", sklearn.__version__, "| numpy", numpy.__version__, "| scipy", scipy.__version__)'
