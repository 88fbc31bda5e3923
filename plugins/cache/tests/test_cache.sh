#!/bin/sh
# test_cache.sh - the cache plugin's memory-hierarchy probes end to end:
# cache.latency, cache.detect and cache.bandwidth run, report what they
# measured and how (pages, pinning), order their results the way the
# hierarchy must (L1 faster than memory), and reject bad parameters with
# one line.  Short runs: behaviour, not speed.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/cache"
Q="--min-time 20ms --max-time 200ms"

expect "latency in L1" 0 "$DYNO" $SP probe cache.latency size=16KiB $Q --json
jq_true "L1 latency recorded" "$TMP/out" \
	'.status == "ok" and .metrics.latency.median > 0 and .metrics.latency.median < 20e-9 and (.artifacts.cpu | test("^[0-9]+$")) and (.artifacts.pages | length > 0)'
cp "$TMP/out" "$TMP/l1.json"
expect "latency in memory" 0 "$DYNO" $SP probe cache.latency size=256MiB $Q --json
jq_true "memory latency recorded" "$TMP/out" '.status == "ok" and .metrics.latency.median > 0'
l1=$(jq '.metrics.latency.median' "$TMP/l1.json")
mem=$(jq '.metrics.latency.median' "$TMP/out")
if awk -v a="$l1" -v b="$mem" 'BEGIN { exit !(b > 3 * a) }'; then
	ok "memory is slower than L1 ($l1 s vs $mem s)"
else
	ko "memory is slower than L1 ($l1 s vs $mem s)"
fi
expect "sequential, 4 KiB pages" 0 "$DYNO" $SP probe cache.latency size=1MiB pattern=sequential hugepages=false $Q --json
jq_true "4 KiB pages named" "$TMP/out" '.artifacts.pages == "4 KiB pages"'
expect "pinned to cpu 0" 0 "$DYNO" $SP probe cache.latency size=64KiB cpu=0 $Q --json
jq_true "cpu artifact" "$TMP/out" '.artifacts.cpu == "0"'

# Parameter errors: one line, exit 2.
expect "stride not a multiple of 8" 2 "$DYNO" $SP probe cache.latency stride=12 --json
jq_true "stride message" "$TMP/out" '.message | contains("stride 12 B is not a multiple of 8 B")'
expect "size below range" 2 "$DYNO" $SP probe cache.latency size=1KiB
contains "size range" "$TMP/err" "expected 4KiB..16GiB"
expect "unknown pattern" 2 "$DYNO" $SP probe cache.latency pattern=zigzag
contains "pattern choices" "$TMP/err" "expected one of random|sequential"
expect "cpu that does not exist" 2 "$DYNO" $SP probe cache.latency size=64KiB cpu=4000 --json
jq_true "cpu message" "$TMP/out" '.message | contains("cannot pin to cpu 4000")'

# detect: levels ordered, beside hwloc.
expect "detect" 0 "$DYNO" $SP probe cache.detect min_size=4KiB max_size=64MiB steps=2 samples=3 --json
jq_true "detect found a level and memory" "$TMP/out" \
	'.status == "ok" and .metrics.level1_bytes.median > 0 and .metrics.memory_latency.median > .metrics.level1_latency.median'
jq_true "detect curve and levels artifacts" "$TMP/out" \
	'(.artifacts.curve | split(" ") | length) >= 10 and (.artifacts.levels | test("L1: measured"))'
expect "detect range error" 2 "$DYNO" $SP probe cache.detect min_size=1MiB max_size=2MiB --json
jq_true "detect range message" "$TMP/out" '.message | contains("max_size must be at least 4 x min_size")'

# bandwidth: every kernel, threads pinned, STREAM's byte count.
for op in read write copy triad; do
	expect "bandwidth $op" 0 "$DYNO" $SP probe cache.bandwidth op=$op size=16MiB $Q --json
	jq_true "bandwidth $op recorded" "$TMP/out" '.status == "ok" and .metrics.bandwidth.mean > 1e8'
done
jq_true "threads pinned to distinct cores" "$TMP/out" '.artifacts.threads | test("pinned to distinct cores")'
jq_true "triad uses three arrays" "$TMP/out" '.artifacts.arrays | startswith("3 x ")'
if [ "$(uname -m)" = x86_64 ]; then
	expect "triad with nt_stores" 0 "$DYNO" $SP probe cache.bandwidth op=triad size=16MiB nt_stores=true threads=1 $Q --json
	jq_true "nt triad recorded" "$TMP/out" '.status == "ok" and .metrics.bandwidth.mean > 1e8'
fi
expect "nt_stores with read" 2 "$DYNO" $SP probe cache.bandwidth op=read nt_stores=true --json
jq_true "nt read message" "$TMP/out" '.message | contains("op=read stores nothing")'
expect "too small for the threads" 2 "$DYNO" $SP probe cache.bandwidth size=4KiB threads=128 --json
jq_true "size per thread message" "$TMP/out" '.message | contains("too small for 128 threads")'

# Inventory: huge page availability.
"$DYNO" $SP hw --json >"$TMP/hw" 2>"$TMP/err"
jq_true "inventory: huge pages" "$TMP/hw" '.cache.hugepages.hugetlb_pages != null'
# The free count changes with every user of the pool, so it is state,
# which the fingerprint leaves out (a second dyno using huge pages must
# not make this machine look like another one).
if [ -r /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages ]; then
	jq_true "inventory: free huge pages are state" "$TMP/hw" \
		'.cache.hugepages.state.hugetlb_free != null and
		 .cache.hugepages.hugetlb_free == null'
fi

finish
