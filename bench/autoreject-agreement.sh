#!/bin/sh
# autoreject-agreement.sh - dyno's AutoReject against the Python reference
# (autoreject, on MNE and scikit-learn) on the same epochs.  For each
# recording, method and dyno rng, dyno fits it and writes its reject log,
# the reference fits the same epochs with the same grid and
# random_state=SEED, and bench/autoreject-ref.py compares the two logs.
# Target (issue 17): with rng=numpy, epochs agree >= 99% and every
# per-channel threshold within 1% of the reference's, for both methods,
# on >= 5 recordings that dyno's generator did not make.
#   sh scripts/install-ref.sh .venv-ref      (once: the reference)
#   DYNO=./dyno AR_PLUGIN_DIR=plugins/autoreject PYTHON=.venv-ref/bin/python \
#     sh bench/autoreject-agreement.sh       (or: make bench-autoreject-ref)
# Environment:
#   SOURCE   mne (default): recordings from bench/autoreject-mne.py (MNE's
#            simulation plus injected artifacts); synthetic: dyno's own
#            generator (save=)
#   RECORDINGS  generator seeds, one recording each ("1 2 3 4 5")
#   SEED     dyno's seed= and the reference's random_state (42)
#   METHODS  ("random_search bayesian"); RNGS (dyno's rng=, "numpy splitmix")
#   CHANNELS (20); ARGS (more autoreject.fit parameters,
#            "n_interpolate=1,2,4,8 cv=10")
#   PYTHON   (.venv-ref/bin/python if present, else python3);
#            REF_PYTHONPATH is put on PYTHONPATH for it.
# Skipped, with the reason, when PYTHON cannot import autoreject and mne.
# Exits 1 when an rng=numpy row misses a target.  The seconds are one
# reference fit against dyno's median over >= 1 s of fits, one thread
# each: on a shared machine, rerun before trusting a ratio.
set -u
: "${DYNO:?set DYNO to the dyno binary}"
SP=${AR_PLUGIN_DIR:+--plugin-dir $AR_PLUGIN_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x "$HERE/../.venv-ref/bin/python" ] && PYTHON=$HERE/../.venv-ref/bin/python
fi
SOURCE=${SOURCE:-mne}
RECORDINGS=${RECORDINGS:-"1 2 3 4 5"}
SEED=${SEED:-42}
METHODS=${METHODS:-"random_search bayesian"}
RNGS=${RNGS:-"numpy splitmix"}
CHANNELS=${CHANNELS:-20}
ARGS=${ARGS:-"n_interpolate=1,2,4,8 cv=10"}
py() { PYTHONPATH=${REF_PYTHONPATH:-} "$PYTHON" "$@"; }
command -v jq >/dev/null || { echo "autoreject-agreement: skipped: jq not installed"; exit 0; }
if ! py -c 'import autoreject, mne' 2>/dev/null; then
	echo "autoreject-agreement: skipped: $PYTHON cannot import autoreject and mne (run scripts/install-ref.sh, then PYTHON=.venv-ref/bin/python)"
	exit 0
fi
TMP=$(mktemp -d /tmp/autoreject-agree-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ni=$(echo "$ARGS" | sed -n 's/.*n_interpolate=\([0-9,]*\).*/\1/p')
cv=$(echo "$ARGS" | sed -n 's/.*cv=\([0-9]*\).*/\1/p')
status=0

echo "# dyno autoreject.fit vs the reference, $(date -u +%Y-%m-%dT%H:%M:%SZ): source $SOURCE, $CHANNELS channels, 5 min, $ARGS seed=$SEED (reference random_state=$SEED)"
echo "# reference: $(py -c 'import autoreject, mne, sklearn, numpy; print("autoreject", autoreject.__version__, "| mne", mne.__version__, "| sklearn", sklearn.__version__, "| numpy", numpy.__version__)')"
printf 'rec\tmethod\trng\tepochs agree\tlabels agree\tbad dyno/ref/both\tthresh ratio median [range]\tconsensus dyno/ref\tn_interp dyno/ref\tfit s dyno/ref\n'
for r in $RECORDINGS; do
	rec=$TMP/rec$r
	if [ "$SOURCE" = mne ]; then
		if ! py "$HERE/autoreject-mne.py" "$rec" --seed "$r" --channels "$CHANNELS" 2>"$TMP/err"; then
			echo "$r: generator failed: $(tail -n 1 "$TMP/err")"
			status=1
			continue
		fi
		src="source=raw path=$rec header=$rec.json epoch=2s"
	else
		# shellcheck disable=SC2086
		"$DYNO" $SP probe autoreject.fit channels="$CHANNELS" seed="$r" \
		    n_interpolate=1 save="$rec" --min-time 1ms --max-time 1ms \
		    --json >/dev/null 2>&1 || { echo "$r: dyno save= failed"; status=1; continue; }
		src="source=raw path=$rec header=$rec.json"
	fi
	for m in $METHODS; do
		if ! py "$HERE/autoreject-ref.py" fit "$rec" "$TMP/ref.json" \
		    --n-interpolate "$ni" --cv "$cv" --seed "$SEED" --method "$m" 2>"$TMP/err"; then
			echo "$r $m: reference failed: $(tail -n 1 "$TMP/err")"
			status=1
			continue
		fi
		for g in $RNGS; do
			# shellcheck disable=SC2086
			if ! "$DYNO" $SP probe autoreject.fit $src seed="$SEED" $ARGS \
			    method="$m" rng="$g" log="$TMP/dyno.json" \
			    --min-time 1s --max-time 10s --json >"$TMP/out" 2>"$TMP/err"; then
				echo "$r $m $g: dyno failed: $(jq -r .message "$TMP/out" 2>/dev/null || head -1 "$TMP/err")"
				status=1
				continue
			fi
			py "$HERE/autoreject-ref.py" compare "$rec" "$TMP/dyno.json" "$TMP/ref.json" >"$TMP/cmp.json" || { status=1; continue; }
			dt=$(jq -r '.metrics.duration.median' "$TMP/out")
			jq -c --arg r "$r" --arg m "$m" --arg g "$g" --arg dt "$dt" \
			    '. + {rec: $r, method: $m, rng: $g, dyno_fit_s: ($dt | tonumber)}' \
			    "$TMP/cmp.json" >>"$TMP/all.jsonl"
			tail -n 1 "$TMP/all.jsonl" | jq -r '"\(.rec)\t\(.method)\t\(.rng)\t\(.epochs_agree * 1000 | round / 10)%\t\(.labels_agree * 1000 | round / 10)%\t\(.bad_dyno)/\(.bad_ref)/\(.bad_both)\t\(.thresh_ratio_median * 10000 | round / 10000) [\(.thresh_ratio_min * 10000 | round / 10000)-\(.thresh_ratio_max * 10000 | round / 10000)]\t\(.consensus[0] * 100 | round / 100)/\(.consensus[1] * 100 | round / 100)\t\(.n_interpolate[0])/\(.n_interpolate[1])\t\(.dyno_fit_s * 1000 | round / 1000)/\(.ref_fit_s * 10 | round / 10)"'
		done
	done
done
[ -s "$TMP/all.jsonl" ] || { echo "autoreject-agreement: nothing finished"; exit 1; }
for g in $RNGS; do
	for m in $METHODS; do
		jq -rs --arg g "$g" --arg m "$m" 'map(select(.rng == $g and .method == $m)) | select(length > 0) |
		    "# rng=\($g) \($m): epochs agree min \(map(.epochs_agree) | min * 1000 | round / 10)%, largest |threshold ratio - 1| \(map([(.thresh_ratio_max - 1), (1 - .thresh_ratio_min)] | max) | max), \(map(select(.consensus[0] == .consensus[1] and .n_interpolate[0] == .n_interpolate[1])) | length)/\(length) same consensus and n_interpolate, speed dyno/ref median \(map(.ref_fit_s / .dyno_fit_s) | sort | .[length / 2 | floor] | round)x over \(length) recordings"' "$TMP/all.jsonl"
	done
done
# The targets apply to rng=numpy.
if jq -es 'map(select(.rng == "numpy")) | all(.epochs_agree >= 0.99 and .thresh_ratio_min >= 0.99 and .thresh_ratio_max <= 1.01)' "$TMP/all.jsonl" >/dev/null; then
	echo "# rng=numpy: agreement target met (epochs >= 99%, thresholds within 1%)"
else
	echo "# rng=numpy: agreement TARGET MISSED (epochs >= 99%, thresholds within 1%)"
	status=1
fi
for m in $METHODS; do
	r=$(jq -rs --arg m "$m" 'map(select(.rng == "numpy" and .method == $m) | .ref_fit_s / .dyno_fit_s) | min // empty | . * 10 | round / 10' "$TMP/all.jsonl")
	[ -n "$r" ] || continue
	if awk -v r="$r" 'BEGIN { exit !(r >= 20) }'; then
		echo "# rng=numpy $m: speed target met (dyno >= 20x the reference on every recording, least ${r}x)"
	else
		echo "# rng=numpy $m: speed TARGET MISSED (dyno >= 20x the reference on every recording; least ${r}x)"
		status=1
	fi
done
exit $status
