#!/bin/sh
# autoreject-agreement.sh - dyno's AutoReject against the Python reference
# (autoreject/autoreject, on MNE) on the same epochs: for each seed, dyno
# fits a synthetic recording and saves it (save=), the reference fits the
# saved epochs with the same grid, and bench/autoreject-ref.py compares the
# reject logs.  Target (issue 9): >= 87.5% agreement on which epochs are
# rejected.  Also per seed: labels (0/1/2 per epoch and channel) agreeing,
# thresholds' dyno/reference ratio, the chosen consensus and n_interpolate,
# and each implementation's clean epochs rejected and injected
# contaminations handled, against the generator's truth.
#   DYNO=./dyno AR_PLUGIN_DIR=plugins/autoreject \
#   REF_PYTHONPATH=/path/to/autoreject-checkout sh bench/autoreject-agreement.sh
#   (or: make bench-autoreject-ref REF_PYTHONPATH=...)
# The reference is not shipped with dyno: REF_PYTHONPATH must make
# `import autoreject` work for PYTHON (default /usr/bin/python3, which has
# Debian's python3-mne and python3-sklearn).  Skipped, with the reason,
# when it does not.
# Environment: SEEDS ("1 2 3 4 5 6 7 8 9 10"), CHANNELS (20), ARGS (more
# autoreject.fit parameters, default "n_interpolate=1,4 cv=10": the
# default grid for 20 channels).
set -u
: "${DYNO:?set DYNO to the dyno binary}"
SP=${AR_PLUGIN_DIR:+--plugin-dir $AR_PLUGIN_DIR}
PYTHON=${PYTHON:-/usr/bin/python3}
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
CHANNELS=${CHANNELS:-20}
ARGS=${ARGS:-"n_interpolate=1,4 cv=10"}
HERE=$(cd "$(dirname "$0")" && pwd)
command -v jq >/dev/null || { echo "autoreject-agreement: skipped: jq not installed"; exit 0; }
if ! PYTHONPATH=${REF_PYTHONPATH:-} "$PYTHON" -c 'import autoreject, mne' 2>/dev/null; then
	echo "autoreject-agreement: skipped: $PYTHON cannot import autoreject and mne (set REF_PYTHONPATH to a checkout of autoreject/autoreject; Debian: apt-get install python3-mne python3-sklearn)"
	exit 0
fi
TMP=$(mktemp -d /tmp/autoreject-agree-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ni=$(echo "$ARGS" | sed -n 's/.*n_interpolate=\([0-9,]*\).*/\1/p')
cv=$(echo "$ARGS" | sed -n 's/.*cv=\([0-9]*\).*/\1/p')

echo "# dyno autoreject.fit vs the reference, $(date -u +%Y-%m-%dT%H:%M:%SZ): synthetic, $CHANNELS channels, 5 min, $ARGS"
echo "# reference: $(PYTHONPATH=${REF_PYTHONPATH:-} "$PYTHON" -c 'import autoreject, mne, sklearn, numpy; print("autoreject from", autoreject.__file__, "| mne", mne.__version__, "| sklearn", sklearn.__version__, "| numpy", numpy.__version__)')"
printf 'seed\tepochs agree\tlabels agree\tbad dyno/ref/both\tthresh ratio median [range]\tconsensus dyno/ref\tn_interp dyno/ref\tclean rejected dyno/ref\tcontam handled dyno/ref\tfit s dyno/ref\n'
for s in $SEEDS; do
	# shellcheck disable=SC2086
	if ! "$DYNO" $SP probe autoreject.fit channels="$CHANNELS" seed="$s" $ARGS \
	    save="$TMP/rec" log="$TMP/dyno.json" --min-time 1ms --max-time 1ms --json >"$TMP/out" 2>"$TMP/err"; then
		echo "$s: dyno failed: $(jq -r .message "$TMP/out" 2>/dev/null || head -1 "$TMP/err")"
		continue
	fi
	if ! PYTHONPATH=${REF_PYTHONPATH:-} "$PYTHON" "$HERE/autoreject-ref.py" fit "$TMP/rec" "$TMP/ref.json" \
	    --n-interpolate "$ni" --cv "$cv" --seed "$s" 2>"$TMP/err"; then
		echo "$s: reference failed: $(tail -n 1 "$TMP/err")"
		continue
	fi
	"$PYTHON" "$HERE/autoreject-ref.py" compare "$TMP/rec" "$TMP/dyno.json" "$TMP/ref.json" >"$TMP/cmp.json" || continue
	dt=$(jq -r '.metrics.duration.mean' "$TMP/out")
	jq -r --arg s "$s" --arg dt "$dt" '"\($s)\t\(.epochs_agree * 1000 | round / 10)%\t\(.labels_agree * 1000 | round / 10)%\t\(.bad_dyno)/\(.bad_ref)/\(.bad_both)\t\(.thresh_ratio_median * 100 | round / 100) [\(.thresh_ratio_min * 100 | round / 100)-\(.thresh_ratio_max * 100 | round / 100)]\t\(.consensus[0] * 100 | round / 100)/\(.consensus[1] * 100 | round / 100)\t\(.n_interpolate[0])/\(.n_interpolate[1])\t\(.clean_rejected_dyno * 1000 | round / 10)%/\(.clean_rejected_ref * 1000 | round / 10)%\t\(.contam_flagged_dyno * 1000 | round / 10)%/\(.contam_flagged_ref * 1000 | round / 10)%\t\($dt | tonumber * 1000 | round / 1000)/\(.ref_fit_s * 10 | round / 10)"' "$TMP/cmp.json"
	cat "$TMP/cmp.json" >>"$TMP/all.jsonl"
done
[ -s "$TMP/all.jsonl" ] || { echo "autoreject-agreement: no seed finished"; exit 1; }
jq -rs '"# epochs agree: median \(map(.epochs_agree) | sort | .[length / 2 | floor] * 1000 | round / 10)%, min \(map(.epochs_agree) | min * 1000 | round / 10)% over \(length) seeds (target >= 87.5%); labels agree: median \(map(.labels_agree) | sort | .[length / 2 | floor] * 1000 | round / 10)%"' "$TMP/all.jsonl"
jq -rs '"# clean epochs rejected: dyno median \(map(.clean_rejected_dyno) | sort | .[length / 2 | floor] * 1000 | round / 10)% (max \(map(.clean_rejected_dyno) | max * 1000 | round / 10)%), reference median \(map(.clean_rejected_ref) | sort | .[length / 2 | floor] * 1000 | round / 10)% (max \(map(.clean_rejected_ref) | max * 1000 | round / 10)%)"' "$TMP/all.jsonl"
