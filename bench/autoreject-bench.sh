#!/bin/sh
# autoreject-bench.sh - what AutoReject costs here: seconds per 5-minute
# recording and epochs per second, for the 20-channel case at 1 and 2
# threads and for 64 channels, with n_interpolate=1,2,4,8 cv=10 (the
# budget's configuration) and with the default grid 1,4,32.
# Budget (issue 9): <= 0.5 s for 5 min / 20 channels, n_interpolate=1,2,4,8
# cv=10, threads=2, on a 2-core machine.  Exits 1 when it is missed.
#   DYNO=./dyno AR_PLUGIN_DIR=plugins/autoreject sh bench/autoreject-bench.sh
#   (or: make bench-autoreject)
# Environment: PROBE_ARGS (dyno probe options, default "--min-time 3s
# --max-time 20s": several fits, the median is reported).
set -u
: "${DYNO:?set DYNO to the dyno binary}"
SP=${AR_PLUGIN_DIR:+--plugin-dir $AR_PLUGIN_DIR}
PROBE_ARGS=${PROBE_ARGS:---min-time 3s --max-time 20s}
BUDGET=0.5
TMP=$(mktemp -d /tmp/autoreject-bench-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
status=0

row() {
	name=$1
	shift
	# shellcheck disable=SC2086
	if ! "$DYNO" $SP probe autoreject.fit "$@" $PROBE_ARGS --json \
	    >"$TMP/out" 2>"$TMP/err"; then
		echo "$name: failed: $(jq -r .message "$TMP/out" 2>/dev/null || head -1 "$TMP/err")"
		status=1
		return
	fi
	jq -r --arg n "$name" '"\($n)\t\(.metrics.duration.median * 1000 | floor) ms\t\(.metrics.epochs_per_s.median | floor) epochs/s\t(n=\(.metrics.duration.n), consensus \(.artifacts.consensus), n_interpolate \(.artifacts.n_interpolate))"' "$TMP/out"
}

echo "autoreject.fit, synthetic 5-minute recordings (256 Hz, 1 s epochs):"
printf 'case\tmedian s/recording\tepochs/s\n'
B="n_interpolate=1,2,4,8 cv=10"
row "20 ch, 1 thread, $B" channels=20 threads=1 $B
row "20 ch, 2 threads, $B" channels=20 threads=2 $B
cp "$TMP/out" "$TMP/budget.json" 2>/dev/null
row "64 ch, 2 threads, $B" channels=64 threads=2 $B
row "20 ch, 2 threads, default grid" channels=20 threads=2
if [ -s "$TMP/budget.json" ]; then
	s=$(jq '.metrics.duration.median' "$TMP/budget.json")
	if awk -v s="$s" -v b="$BUDGET" 'BEGIN { exit !(s <= b) }'; then
		echo "budget: 20 ch, 2 threads: ${s} s <= ${BUDGET} s: ok"
	else
		echo "budget: 20 ch, 2 threads: ${s} s > ${BUDGET} s: MISSED"
		status=1
	fi
fi
exit $status
