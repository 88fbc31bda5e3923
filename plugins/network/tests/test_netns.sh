#!/bin/sh
# test_netns.sh - two hosts on one machine: two network namespaces joined
# by a veth pair, `dyno serve` in one, the probes in the other (ip netns
# exec).  Two accuracy checks, not just "it ran": where tc tbf is
# available, a link shaped to 400 Mbit/s must show as tcp_stream
# throughput within 3% of the payload that rate carries; where tc netem
# is, 10 ms of delay each way must show as a tcp_rr median within 1 ms of
# 20 ms.  Root only; skipped with the reason otherwise.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/network"
A=dyno-a-$$
B=dyno-b-$$
VA=dva$$
VB=dvb$$
SPID=""

skip() {
	echo "ok - skipped: $1"
	finish
	exit 0
}

cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	rm -rf "$TMP"
}

[ "$(id -u)" -eq 0 ] || skip "needs root for ip netns"
command -v ip >/dev/null 2>&1 || skip "no ip command (iproute2)"
ip netns add "$A" 2>/dev/null || skip "ip netns add is not permitted here"
trap cleanup EXIT INT TERM
ip netns add "$B" 2>/dev/null || skip "ip netns add is not permitted here (second namespace)"
if ! { ip link add "$VA" type veth peer name "$VB" &&
	ip link set "$VA" netns "$A" && ip link set "$VB" netns "$B" &&
	ip -n "$A" addr add 10.213.0.1/24 dev "$VA" &&
	ip -n "$B" addr add 10.213.0.2/24 dev "$VB" &&
	ip -n "$A" link set "$VA" up && ip -n "$B" link set "$VB" up &&
	ip -n "$A" link set lo up && ip -n "$B" link set lo up; } 2>"$TMP/ip.err"; then
	skip "cannot build the veth pair: $(tail -n 1 "$TMP/ip.err")"
fi
ok "namespaces $A and $B joined by a veth pair"

ip netns exec "$A" "$DYNO" serve --bind 10.213.0.1 --port 0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
SPID=$!
PORT=$(listening_port "$TMP/serve.out")
if [ -z "$PORT" ]; then
	ko "dyno serve in $A printed no port"
	sed 's/^/    /' "$TMP/serve.err" | head -5
	finish
	exit 1
fi
ok "dyno serve in $A on 10.213.0.1:$PORT"
P="peer=10.213.0.1:$PORT"
Q="duration=500ms warmup=50ms"

for probe in tcp_rr udp_rr tcp_crr "tcp_stream streams=2"; do
	# shellcheck disable=SC2086
	expect "$probe across the veth pair" 0 ip netns exec "$B" "$DYNO" $SP probe network.$probe $P $Q --json
	jq_true "$probe ran against the other namespace" "$TMP/out" \
		".status == \"ok\" and .artifacts.peer == \"10.213.0.1:$PORT\""
done

# tbf: the client's side of the link shaped to 400 Mbit/s.  tbf counts
# whole frames, so the payload rate is 400e6 / 8 x 1448 / 1514 (MTU 1500:
# 1448 bytes of TCP payload with timestamps per 1514-byte frame).
mtu=$(ip netns exec "$B" cat "/sys/class/net/$VB/mtu")
if ip netns exec "$B" tc qdisc add dev "$VB" root tbf rate 400mbit burst 64kb latency 20ms 2>"$TMP/tc.err"; then
	want=$(awk -v m="$mtu" 'BEGIN { printf "%.0f", 400e6 / 8 * (m - 52) / (m + 14) }')
	# Up to three runs.  Counting more than the shaper lets through is a
	# counting error and fails at once; less can also come from a loaded
	# host: under make -j2 check with ASan one run counted 0.964 of the
	# rate, while alone it counted 0.997-1.007 and beside three busy
	# loops 0.995-1.012 (4 runs each).  A count that is low every time
	# still fails.
	verdict=low
	for try in 1 2 3; do
		expect "tcp_stream through a 400 Mbit/s tbf (run $try)" 0 ip netns exec "$B" "$DYNO" $SP probe network.tcp_stream $P duration=2s warmup=500ms --json
		got=$(jq '.metrics.throughput.mean' "$TMP/out")
		# shellcheck disable=SC2046
		set -- $(awk -v g="$got" -v w="$want" 'BEGIN { r = g / w; printf "%.3f %s\n", r, (r > 1.03 ? "high" : (r >= 0.97 ? "in" : "low")) }')
		ratio=$1 verdict=$2
		echo "# run $try: $got B/s, $ratio of the shaped payload rate $want B/s"
		[ "$verdict" = low ] || break
	done
	if [ "$verdict" = in ]; then
		ok "tcp_stream $got B/s within 3% of the shaped payload rate $want B/s"
	else
		ko "tcp_stream $got B/s within 3% of the shaped payload rate $want B/s ($verdict after $try run(s))"
	fi
	ip netns exec "$B" tc qdisc del dev "$VB" root
else
	echo "ok - skipped: tc tbf: $(tail -n 1 "$TMP/tc.err")"
fi

# netem: 10 ms each way -> 20 ms round trips.
if ip netns exec "$A" tc qdisc add dev "$VA" root netem delay 10ms 2>"$TMP/tc.err" &&
	ip netns exec "$B" tc qdisc add dev "$VB" root netem delay 10ms 2>>"$TMP/tc.err"; then
	expect "tcp_rr through 2 x 10 ms of netem" 0 ip netns exec "$B" "$DYNO" $SP probe network.tcp_rr $P duration=1s warmup=100ms --json
	med=$(jq '.metrics.latency.median' "$TMP/out")
	if awk -v m="$med" 'BEGIN { exit !(m >= 0.019 && m <= 0.021) }'; then
		ok "tcp_rr median $med s within 1 ms of the injected 20 ms"
	else
		ko "tcp_rr median $med s within 1 ms of the injected 20 ms"
	fi
	expect "udp_rr through 2 x 10 ms of netem" 0 ip netns exec "$B" "$DYNO" $SP probe network.udp_rr $P duration=1s warmup=100ms --json
	med=$(jq '.metrics.latency.median' "$TMP/out")
	if awk -v m="$med" 'BEGIN { exit !(m >= 0.019 && m <= 0.021) }'; then
		ok "udp_rr median $med s within 1 ms of the injected 20 ms"
	else
		ko "udp_rr median $med s within 1 ms of the injected 20 ms"
	fi
else
	echo "ok - skipped: tc netem: $(tail -n 1 "$TMP/tc.err")"
fi
finish
