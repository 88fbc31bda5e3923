#!/bin/sh
# storage-vs-fio.sh - the storage probes against fio on the same work: the
# same file size, block, depth, engine, O_DIRECT and runtime, dyno and fio
# alternated, ROUNDS times, in one run.  Prints dyno/fio ratios for
# throughput, IOPS and p50/p99 latency (fio's lat_ns: submission to
# completion, what dyno's latency measures), then per case the median
# ratio and its range over the rounds.
#   DYNO=./dyno bench/storage-vs-fio.sh [DIR]
# fio runs with --iodepth_batch_complete_max=DEPTH: by default it reaps one
# completion per call, so completed I/Os wait in the completion queue
# while it resubmits, and that wait counts in its latency (at QD32 fio's
# mean latency x IOPS is 31.9 in flight; dyno, which reaps all that are
# done at once, 25-26, as fio with this option).
# The 1 MiB cases run with I/O buffers in huge pages on both sides (dyno
# mem=huge, fio --iomem=mmaphuge): in 4 KiB pages a 1 MiB buffer is 256
# segments, more than many queues take in one request (virtio-blk: 254),
# so each tool's result depends on how contiguous the page allocator's
# frames happened to be.  One malloc case shows that spread.  The huge
# cases need free hugetlb pages (as root: echo 32 >
# /proc/sys/vm/nr_hugepages) and are skipped with a note otherwise.
# dyno lays its file out as fio does (layout=fio, its default: fallocate,
# then buffered writes and fsync for reads, fallocate only for writes), so
# the blocks each tool reads are written, and cached by the virtual disk's
# host, the same way; LAYOUT=full compares dyno's O_DIRECT layout instead.
# Each tool's file is made anew each round; the load average before and
# after is printed, since a shared 2-CPU guest moves both tools together.
set -eu
: "${DYNO:?}"
DIR=${1:-$(pwd)}
SIZE=${SIZE:-256MiB}
FIO_SIZE=${FIO_SIZE:-256M}
RUNTIME=${RUNTIME:-3}
ROUNDS=${ROUNDS:-3}
ENGINE=${ENGINE:-io_uring}
LAYOUT=${LAYOUT:-fio}
command -v fio >/dev/null || { echo "storage-vs-fio: skipped: fio not installed (apt-get install fio)"; exit 0; }
command -v jq >/dev/null || { echo "storage-vs-fio: skipped: jq not installed"; exit 0; }
work=$(mktemp -d "$DIR/dyno-bench.XXXXXX")
rows=$(mktemp)
trap 'rm -rf "$work" "$rows"' EXIT

echo "# storage vs fio, $(date -u +%Y-%m-%dT%H:%M:%SZ), dir $DIR ($(stat -f -c %T "$DIR")), $(fio --version)"
echo "# size $SIZE, runtime ${RUNTIME}s, engine $ENGINE, direct, dyno layout=$LAYOUT, $ROUNDS rounds alternated"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null); hugetlb free: $(awk '/HugePages_Free/ { print $2 }' /proc/meminfo 2>/dev/null)"
printf "%-29s %5s %12s %12s %7s %9s %9s %7s %9s %9s %7s\n" case round \
	dyno_MB/s fio_MB/s ratio dyno_p50 fio_p50 ratio dyno_p99 fio_p99 ratio

# case: dyno probe, fio rw, block, depth, fio direction key, buffers
cases=${CASES:-"seqread:read:1MiB:1M:8:read:huge seqwrite:write:1MiB:1M:8:write:huge
seqread:read:1MiB:1M:8:read:malloc
randread:randread:4KiB:4k:1:read:malloc randread:randread:4KiB:4k:32:read:malloc"}
hfree=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo 2>/dev/null || echo 0)

run_dyno() {
	"$DYNO" probe "storage.$probe" dir="$work" size="$SIZE" \
		block="$block" depth="$depth" engine="$ENGINE" direct=true mem="$mem" layout="$LAYOUT" \
		runtime="${RUNTIME}s" --json 2>/dev/null |
		jq -r '[.metrics.throughput.mean, .metrics.latency.p50, .metrics.latency.p99] | @tsv'
}
run_fio() {
	fio --name=dyno-cmp --directory="$work" --filename=fio.tmp \
		--size="$FIO_SIZE" --rw="$rw" --bs="$fblock" --iodepth="$depth" \
		--ioengine="$ENGINE" --direct=1 --runtime="$RUNTIME" --time_based \
		--iomem="$fmem" --iodepth_batch_complete_max="$depth" \
		--lat_percentiles=1 --output-format=json 2>/dev/null |
		jq -r ".jobs[0].$dirk | [.bw_bytes, .lat_ns.percentile[\"50.000000\"] / 1e9, .lat_ns.percentile[\"99.000000\"] / 1e9] | @tsv"
	rm -f "$work/fio.tmp"
}

for c in $cases; do
	probe=$(echo "$c" | cut -d: -f1); rw=$(echo "$c" | cut -d: -f2)
	block=$(echo "$c" | cut -d: -f3); fblock=$(echo "$c" | cut -d: -f4)
	depth=$(echo "$c" | cut -d: -f5); dirk=$(echo "$c" | cut -d: -f6)
	mem=$(echo "$c" | cut -d: -f7); fmem=malloc
	if [ "$mem" = huge ]; then
		fmem=mmaphuge
		if [ "${hfree:-0}" -lt 16 ]; then
			echo "# $probe $block qd$depth huge: skipped: ${hfree:-0} free hugetlb pages, 16 needed (as root: echo 32 > /proc/sys/vm/nr_hugepages)"
			continue
		fi
	fi
	for r in $(seq "$ROUNDS"); do
		# Odd rounds run dyno first, even rounds fio: what one tool
		# leaves behind (the host still writing back the other's data)
		# then falls on each in turn.  sync before each run starts both
		# from a clean page cache.
		for t in $(if [ $((r % 2)) -eq 1 ]; then echo dyno fio; else echo fio dyno; fi); do
			sync
			if [ "$t" = dyno ]; then
				d=$(run_dyno)
			else
				f=$(run_fio)
			fi
		done
		echo "$d $f" | awk -v c="$probe ${block} qd$depth $mem" -v r="$r" '{
			printf "%-29s %5d %12.1f %12.1f %7.3f %8.1fus %8.1fus %7.3f %8.1fus %8.1fus %7.3f\n",
			c, r, $1 / 1e6, $4 / 1e6, $1 / $4, $2 * 1e6, $5 * 1e6, $2 / $5,
			$3 * 1e6, $6 * 1e6, $3 / $6 }' | tee -a "$rows"
	done
done

# Median and range of the ratios per case (columns 5, 8, 11 after the
# four words of the case name shift them by 3).
echo
printf "%-29s %22s %22s %22s\n" case "throughput median[range]" "p50 median[range]" "p99 median[range]"
cut -c1-29 "$rows" | sort -u | while IFS= read -r c; do
	line=$c
	for col in 8 11 14; do
		v=$(grep -F "$c" "$rows" | awk -v k="$col" '{ print $k }' | sort -n |
			awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
				printf "%.3f[%.3f-%.3f]", m, a[1], a[NR] }')
		line=$(printf "%s %22s" "$line" "$v")
	done
	echo "$line"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
