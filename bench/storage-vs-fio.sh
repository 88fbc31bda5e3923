#!/bin/sh
# storage-vs-fio.sh - the storage probes against fio on the same work: the
# same file size, block, depth, engine, O_DIRECT and runtime, dyno and fio
# alternated, ROUNDS times, in one run.  Prints dyno/fio ratios for
# throughput, IOPS and p50/p99 latency (fio's lat_ns: submission to
# completion, what dyno's latency measures).
#   DYNO=./dyno bench/storage-vs-fio.sh [DIR]
set -eu
: "${DYNO:?}"
DIR=${1:-$(pwd)}
SIZE=${SIZE:-256MiB}
FIO_SIZE=${FIO_SIZE:-256M}
RUNTIME=${RUNTIME:-3}
ROUNDS=${ROUNDS:-3}
ENGINE=${ENGINE:-io_uring}
command -v fio >/dev/null || { echo "storage-vs-fio: skipped: fio not installed (apt-get install fio)"; exit 0; }
command -v jq >/dev/null || { echo "storage-vs-fio: skipped: jq not installed"; exit 0; }
work=$(mktemp -d "$DIR/dyno-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "# storage vs fio, $(date -u +%Y-%m-%dT%H:%M:%SZ), dir $DIR ($(stat -f -c %T "$DIR")), $(fio --version)"
echo "# size $SIZE, runtime ${RUNTIME}s, engine $ENGINE, direct, $ROUNDS rounds alternated"
printf "%-22s %5s %12s %12s %7s %9s %9s %7s %9s %9s %7s\n" case round \
	dyno_MB/s fio_MB/s ratio dyno_p50 fio_p50 ratio dyno_p99 fio_p99 ratio

# case: dyno probe, fio rw, block, depth, fio direction key
cases="seqread:read:1MiB:1M:8:read seqwrite:write:1MiB:1M:8:write
randread:randread:4KiB:4k:1:read randread:randread:4KiB:4k:32:read"

for c in $cases; do
	probe=$(echo "$c" | cut -d: -f1); rw=$(echo "$c" | cut -d: -f2)
	block=$(echo "$c" | cut -d: -f3); fblock=$(echo "$c" | cut -d: -f4)
	depth=$(echo "$c" | cut -d: -f5); dirk=$(echo "$c" | cut -d: -f6)
	for r in $(seq "$ROUNDS"); do
		d=$("$DYNO" probe "storage.$probe" dir="$work" size="$SIZE" \
			block="$block" depth="$depth" engine="$ENGINE" direct=true \
			runtime="${RUNTIME}s" --json 2>/dev/null |
			jq -r '[.metrics.throughput.mean, .metrics.latency.p50, .metrics.latency.p99] | @tsv')
		f=$(fio --name=dyno-cmp --directory="$work" --filename=fio.tmp \
			--size="$FIO_SIZE" --rw="$rw" --bs="$fblock" --iodepth="$depth" \
			--ioengine="$ENGINE" --direct=1 --runtime="$RUNTIME" --time_based \
			--lat_percentiles=1 --output-format=json 2>/dev/null |
			jq -r ".jobs[0].$dirk | [.bw_bytes, .lat_ns.percentile[\"50.000000\"] / 1e9, .lat_ns.percentile[\"99.000000\"] / 1e9] | @tsv")
		rm -f "$work/fio.tmp"
		echo "$d $f" | awk -v c="$probe ${block} qd$depth" -v r="$r" '{
			printf "%-22s %5d %12.1f %12.1f %7.3f %8.1fus %8.1fus %7.3f %8.1fus %8.1fus %7.3f\n",
			c, r, $1 / 1e6, $4 / 1e6, $1 / $4, $2 * 1e6, $5 * 1e6, $2 / $5,
			$3 * 1e6, $6 * 1e6, $3 / $6 }'
	done
done
