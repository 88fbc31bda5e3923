#!/bin/sh
# fleet-netns.sh - MPI node pairs against TCP on the same link: two
# network namespaces on a bridge (scripts/test-netns.sh), alternately
# ROUNDS times: a two-rank fleet run with --fleet-pairs ring (one rank in
# each namespace, Open MPI over TCP), then network.tcp_rr and tcp_stream
# (direction=recv: data A to B, as mpi_bandwidth's) from B to a dyno serve
# in A.  Prints each round and the ratios' median, min and max:
#   latency: 2 x mpi_pingpong's one-way median / tcp_rr's round trip
#   bandwidth: mpi_bandwidth median / tcp_stream median
# Root only.  DYNO (the binary) and TOP_SRCDIR (the source tree) needed;
# TOP_BUILDDIR defaults to the directory of DYNO.
set -eu
: "${DYNO:?}" "${TOP_SRCDIR:?}"
TOP_BUILDDIR=${TOP_BUILDDIR:-$(dirname "$DYNO")}
ROUNDS=${BENCH_ROUNDS:-5}
DYNO_NETNS_PREFIX=dyb$$
DYNO_NETNS_NET=10.220.$(($$ % 250))
export DYNO_NETNS_PREFIX DYNO_NETNS_NET
NETNS=$TOP_SRCDIR/scripts/test-netns.sh
W=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; "$NETNS" stop >/dev/null 2>&1; rm -rf "$W"' EXIT
trap 'exit 130' INT TERM
"$NETNS" start 2 >/dev/null
A=${DYNO_NETNS_PREFIX}1
B=${DYNO_NETNS_PREFIX}2
ip netns exec "$A" "$DYNO" serve --bind "$DYNO_NETNS_NET.1" --port 0 >"$W/serve.out" 2>/dev/null &
SPID=$!
for _ in $(seq 50); do grep -q listening "$W/serve.out" && break; sleep 0.1; done
PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$W/serve.out")
P="peer=$DYNO_NETNS_NET.1:$PORT"
RUN="$DYNO --plugin-dir $TOP_BUILDDIR/tests/fleet run $TOP_SRCDIR/tests/fleet/short.lua --fleet --fleet-timeout 60s --min-time 20ms --max-time 300ms --out $W/f.json --fleet-pairs ring"

echo "# fleet-netns bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $ROUNDS rounds"
echo "round  mpi_rtt_us  tcp_rtt_us  lat_ratio  mpi_MB/s  tcp_MB/s  bw_ratio"
for r in $(seq "$ROUNDS"); do
	rm -f "$W/f.json"
	# shellcheck disable=SC2046
	if ! timeout 120 $("$NETNS" mpi) --allow-run-as-root --oversubscribe --mca mpi_yield_when_idle 1 \
		-np 1 ip netns exec "$A" $RUN : -np 1 ip netns exec "$B" $RUN >"$W/mpi.out" 2>"$W/mpi.err" ||
		[ ! -s "$W/f.json" ]; then
		echo "round $r: the fleet run failed; its stderr ends:" >&2
		tail -5 "$W/mpi.err" >&2
		continue
	fi
	ip netns exec "$B" "$DYNO" probe network.tcp_rr $P --json 2>/dev/null >"$W/rr.json"
	ip netns exec "$B" "$DYNO" probe network.tcp_stream $P direction=recv --json 2>/dev/null >"$W/st.json"
	jq -r -n --arg r "$r" --slurpfile f "$W/f.json" --slurpfile rr "$W/rr.json" --slurpfile st "$W/st.json" '
		($f[0].results[] | select(.id == "network.mpi_pingpong") | .metrics.latency.median * 2e6) as $m |
		($rr[0].metrics.latency.median * 1e6) as $t |
		($f[0].results[] | select(.id == "network.mpi_bandwidth") | .metrics.bandwidth.median / 1e6) as $mb |
		($st[0].metrics.throughput.median / 1e6) as $tb |
		"\($r) \($m) \($t) \($m / $t) \($mb) \($tb) \($mb / $tb)"' |
		awk '{ printf "%5d  %10.2f  %10.2f  %9.3f  %8.1f  %8.1f  %8.3f\n", $1, $2, $3, $4, $5, $6, $7 }'
done | tee "$W/rounds"
for col in 4 7; do
	awk -v c="$col" '{ print $c }' "$W/rounds" | sort -n | awk -v c="$col" '
		{ a[NR] = $1 } END { printf "%s ratio: median %.3f, min %.3f, max %.3f\n",
		c == 4 ? "latency (MPI/TCP)" : "bandwidth (MPI/TCP)", a[int((NR + 1) / 2)], a[1], a[NR] }'
done
