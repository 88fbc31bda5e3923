#!/bin/sh
# test_network.sh - the network plugin's TCP/UDP probes end to end:
# tcp_stream, tcp_rr, udp_rr and tcp_crr against the dyno serve each
# starts itself and against one this test starts (peer=127.0.0.1:PORT);
# a bad peer is one line and exit 2; a peer killed mid-probe fails the
# probe with the reason and keeps what was measured; placement artifacts;
# UDP losses and refusals counted, never hidden.  Short runs: behaviour,
# not speed.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/network"
Q="duration=300ms warmup=50ms"
SERVERS=""
trap 'for p in $SERVERS; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

# serve NAME: start a dyno serve on a free loopback port; sets PORT, SPID.
serve() {
	"$DYNO" serve --bind 127.0.0.1 --port 0 >"$TMP/$1.out" 2>"$TMP/$1.err" &
	SPID=$!
	SERVERS="$SERVERS $SPID"
	PORT=$(listening_port "$TMP/$1.out")
	if [ -n "$PORT" ]; then ok "dyno serve $1 on port $PORT"; else
		ko "dyno serve $1 printed no port"; cat "$TMP/$1.err"; PORT=9
	fi
}

# Each probe against its own server.
expect "tcp_stream send, own server" 0 "$DYNO" $SP probe network.tcp_stream $Q --json
jq_true "tcp_stream send recorded" "$TMP/out" \
	'.status == "ok" and .metrics.throughput.mean > 1e7 and .metrics.throughput.n >= 2 and (.artifacts.server | startswith("dyno serve started by the probe")) and (.artifacts.peer | test("^127\\.0\\.0\\.1:[0-9]+$")) and (.artifacts.sent | length > 0)'
jq_true "unpinned by default" "$TMP/out" \
	'.artifacts.client_cpu == "unpinned" and .artifacts.server_cpu == "unpinned"'
expect "tcp_stream recv, 2 streams" 0 "$DYNO" $SP probe network.tcp_stream direction=recv streams=2 $Q --json
jq_true "tcp_stream recv recorded" "$TMP/out" \
	'.status == "ok" and .metrics.throughput.mean > 1e7 and (.artifacts.received | length > 0) and (.artifacts.sent == null)'
expect "tcp_stream both" 0 "$DYNO" $SP probe network.tcp_stream direction=both msg_size=16KiB $Q --json
jq_true "tcp_stream both counts both ways" "$TMP/out" \
	'.status == "ok" and (.artifacts.sent | length > 0) and (.artifacts.received | length > 0)'
expect "tcp_rr, own server" 0 "$DYNO" $SP probe network.tcp_rr $Q --json
jq_true "tcp_rr recorded" "$TMP/out" \
	'.status == "ok" and .metrics.latency.median > 0 and .metrics.latency.median < 0.01 and .metrics.rate.mean > 100 and (.artifacts.transactions | tonumber) > 100'
expect "tcp_rr inflight=4, 1 KiB responses" 0 "$DYNO" $SP probe network.tcp_rr inflight=4 resp_size=1KiB $Q --json
jq_true "tcp_rr inflight recorded" "$TMP/out" \
	'.status == "ok" and .metrics.latency.n > 100 and (.artifacts.mode | startswith("4 connection(s)"))'
expect "udp_rr, own server" 0 "$DYNO" $SP probe network.udp_rr $Q --json
jq_true "udp_rr recorded, nothing lost" "$TMP/out" \
	'.status == "ok" and .metrics.latency.median > 0 and .metrics.rate.mean > 100 and .artifacts.lost == "0" and .artifacts.errors == "0"'
expect "udp_rr inflight=4" 0 "$DYNO" $SP probe network.udp_rr inflight=4 req_size=200 $Q --json
jq_true "udp_rr inflight recorded" "$TMP/out" '.status == "ok" and .metrics.latency.n > 100'
expect "tcp_crr, own server" 0 "$DYNO" $SP probe network.tcp_crr $Q --json
jq_true "tcp_crr recorded" "$TMP/out" \
	'.status == "ok" and .metrics.latency.median > 0 and .metrics.rate.mean > 10'

# Placement: what was asked is what the artifacts say.
last=$(($(getconf _NPROCESSORS_ONLN) - 1))
expect "pinned client and server" 0 "$DYNO" $SP probe network.tcp_rr client_cpu=0 server_cpu=$last $Q --json
jq_true "placement artifacts" "$TMP/out" \
	".status == \"ok\" and .artifacts.client_cpu == \"0\" and .artifacts.server_cpu == \"$last\""
expect "client_cpu that does not exist" 2 "$DYNO" $SP probe network.tcp_rr client_cpu=4000 --json
jq_true "client_cpu message" "$TMP/out" '.message | contains("cannot pin to cpu 4000 (client_cpu)")'

# Against a dyno serve started here.
serve main
P="peer=127.0.0.1:$PORT"
for probe in "tcp_stream" "tcp_stream direction=both streams=2" "tcp_rr" "tcp_rr inflight=8" "udp_rr" "tcp_crr"; do
	# shellcheck disable=SC2086
	expect "$probe against $P" 0 "$DYNO" $SP probe network.$probe $P $Q --json
	jq_true "$probe against the given peer" "$TMP/out" \
		".status == \"ok\" and .artifacts.peer == \"127.0.0.1:$PORT\" and .artifacts.server == \"given by peer\" and .artifacts.server_cpu == \"unknown (peer given)\""
done

# Bad peers: one line, exit 2, naming the input.
expect "peer without a port" 2 "$DYNO" $SP probe network.tcp_rr peer=localhost --json
jq_true "peer syntax message" "$TMP/out" ".message == \"peer 'localhost': expected host:port or [v6-address]:port (port 1..65535)\""
expect "peer port out of range" 2 "$DYNO" $SP probe network.tcp_rr peer=127.0.0.1:70000 --json
jq_true "peer port message" "$TMP/out" '.message | startswith("peer '"'"'127.0.0.1:70000'"'"': expected host:port")'
expect "peer that does not resolve" 2 "$DYNO" $SP probe network.tcp_rr peer=no-such-host.invalid:80 --json
jq_true "peer resolve message" "$TMP/out" '.message | startswith("peer '"'"'no-such-host.invalid:80'"'"': cannot resolve")'
expect "peer v6 without brackets" 2 "$DYNO" $SP probe network.tcp_rr peer=::1:80 --json
jq_true "v6 message" "$TMP/out" '.message | contains("[v6-address]:port")'
expect "peer refusing connections" 2 "$DYNO" $SP probe network.tcp_rr peer=127.0.0.1:1 --json
jq_true "refused message" "$TMP/out" '.message | contains("127.0.0.1:1") and contains("refused")'
expect "bad peer, table output" 2 "$DYNO" $SP probe network.tcp_stream peer=nocolon
contains "bad peer reason" "$TMP/out" "peer 'nocolon': expected host:port"

# UDP refusals and losses are counted.  Nothing listens on UDP port 1.
expect "udp_rr to a closed port" 2 "$DYNO" $SP probe network.udp_rr peer=127.0.0.1:1 duration=200ms warmup=0 --json
jq_true "refusals counted" "$TMP/out" \
	'.status == "failed" and (.artifacts.errors | test("^[1-9][0-9]* \\(last: Connection refused\\)$")) and (.message | contains("no datagram answered"))'
serve stopped
kill -STOP "$SPID"
expect "udp_rr to a stopped server" 2 "$DYNO" $SP probe network.udp_rr peer=127.0.0.1:$PORT timeout=20ms duration=200ms warmup=0 --json
jq_true "losses counted" "$TMP/out" \
	'.status == "failed" and (.artifacts.lost | tonumber) >= 5 and (.message | contains("lost (timeout 0.02 s)"))'
kill -CONT "$SPID"

# A peer killed mid-probe: failed, with the reason, and what was
# measured before is kept.
for probe in tcp_rr tcp_stream; do
	serve "victim_$probe"
	"$DYNO" $SP probe network.$probe peer=127.0.0.1:$PORT duration=3s warmup=0 --json >"$TMP/killed.json" 2>"$TMP/killed.err" &
	pid=$!
	sleep 0.6
	kill -9 "$SPID"
	wait "$pid"
	rc=$?
	if [ "$rc" -eq 2 ]; then ok "$probe with a killed peer exits 2"; else ko "$probe with a killed peer exits 2 (exit $rc)"; fi
	jq_true "$probe killed peer: failed with reason" "$TMP/killed.json" \
		'.status == "failed" and (.message | test("closed the connection|reset|Broken pipe")) and (.message | contains("measured before, recorded"))'
	if [ $probe = tcp_rr ]; then
		jq_true "tcp_rr samples before the kill recorded" "$TMP/killed.json" '.metrics.latency.n > 10'
	else
		jq_true "tcp_stream windows before the kill recorded" "$TMP/killed.json" '.metrics.throughput.n >= 2'
	fi
done

finish
