#!/bin/sh
# fixture.sh - run check_fixture.py (the EEGPT fixtures against dyno-init-v1
# and a float64 forward) with a Python that has NumPy; skip (77) without one.
here=$(dirname "$0")
for py in ${PYTHON:-} /usr/bin/python3 python3; do
	if "$py" -c 'import numpy' 2>/dev/null; then
		exec "$py" "$here/check_fixture.py" "$here/../fixtures/eegpt"
	fi
done
echo "fixture.sh: skipped: no python3 with NumPy (apt-get install python3-numpy)"
exit 77
