#!/bin/sh
# network-vs-peers.sh - the network plugin's probes against the tools
# people use for the same measurement, alternated, ROUNDS times:
#   stream  network.tcp_stream vs iperf3 (1 and 4 streams, 128 KiB writes);
#           dyno against the dyno serve the probe starts (which sleeps
#           between reads, as iperf3 -s does), again against a dyno serve
#           --busy-poll 1ms (for the record), iperf3 against iperf3 -s.
#   shaped  the same through a veth pair between two namespaces shaped by
#           tc tbf (SHAPE_RATE): both must count the payload that rate
#           carries (root only).
#   rr      network.tcp_rr / udp_rr vs sockperf ping-pong --full-rtt (64 B),
#           dyno against its own dyno serve, sockperf against sockperf server.
#   http    network.http vs wrk -t1 -c16 --latency against the same server:
#           dyno serve's HTTP endpoint, and nginx (a third-party server).
# Prints per round the dyno/peer ratios, then per case the median ratio and
# its range.  Targets: throughput and rps ratio >= 0.95; p50 latency within
# 10% (ratio 0.90-1.10).
#   DYNO=./dyno sh bench/network-vs-peers.sh          (or: make bench-network)
# Environment: ROUNDS (3), SECONDS_EACH (3: measuring time of every run),
# SECTIONS ("stream shaped rr http"), SHAPE_RATE (4gbit, tc tbf syntax),
# CLIENT_CPU / SERVER_CPU (default the first
# and the last CPU this shell may run on), DYNO_ARGS (global dyno options,
# e.g. "--plugin-dir plugins/network").
# Placement: the peer tools' clients (iperf3 -c, sockperf ping-pong, wrk)
# run under taskset -c CLIENT_CPU, and the probes pin themselves there
# (client_cpu=CLIENT_CPU; dyno itself runs unpinned, as a taskset mask
# would forbid the server_cpu of the server a probe starts); every server
# (the dyno serve a probe starts, via server_cpu; iperf3 -s, sockperf
# server, the dyno serve and nginx of the http section) runs on
# SERVER_CPU.  The header prints both.
# Each section checks its own tools and probes and says "skipped: why"
# when one is missing or the probe does not run here; the others go on.
#
# Statistics compared:
# - throughput: dyno's .metrics.throughput.mean (B/s) vs iperf3's
#   end.sum_received.bits_per_second / 8.
# - rr: dyno's .metrics.latency.median (round trip) vs sockperf's
#   "percentile 50.000" with --full-rtt (also a round trip; without it
#   sockperf prints half).
# - http: dyno's .metrics.rps.mean vs wrk's Requests/sec; dyno's
#   .metrics.latency.median vs wrk's 50% line.  Both closed loop, keep-
#   alive connections on one thread, same server, same placement: 1 and 16
#   connections against dyno serve, 16 against nginx.  Each line also
#   shows L = mean latency x rps (Little's law: the requests a client kept
#   in flight on average), and with 16 connections h2load --h1 runs as a
#   third client for the record.  Where the server is the bottleneck
#   (nginx) the clients agree.  Where one client thread is (dyno serve
#   with 16 connections), each client's latency is its own loop: wrk
#   starts a request's clock when it writes it, a loop turn after the
#   previous response (two epoll_ctl per request), so its L stays well
#   under 16 while dyno's and h2load's are about 16, and wrk's p50 is the
#   lower one.  With 1 connection there is no client queueing and the
#   p50s agree.
# - stream rounds also read the loopback byte counter around each tool:
#   each tool's byte count over what loopback carried (0.998 when it
#   counts exactly the payload that crossed; the rest is headers).
set -u
: "${DYNO:?set DYNO to the dyno binary}"
ROUNDS=${ROUNDS:-3}
SECONDS_EACH=${SECONDS_EACH:-3}
SECTIONS=${SECTIONS:-"stream shaped rr http"}
DYNO_ARGS=${DYNO_ARGS:-}
command -v jq >/dev/null || { echo "network-vs-peers: skipped: jq not installed (apt-get install jq)"; exit 0; }
command -v taskset >/dev/null || { echo "network-vs-peers: skipped: taskset not installed (apt-get install util-linux)"; exit 0; }
command -v "$DYNO" >/dev/null || { echo "network-vs-peers: $DYNO is not an executable" >&2; exit 1; }
TMPD=$(mktemp -d /tmp/dyno-netbench-XXXXXX)
rows=$TMPD/rows
: >"$rows"
SRV_PIDS=""
NETNS=""
cleanup() {
	for p in $SRV_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for n in $NETNS; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

allowed=$(taskset -cp $$ | sed 's/.*: //' | tr ',' '\n' |
	awk -F- '{ if (NF == 2) for (i = $1; i <= $2; i++) print i; else print $1 }' |
	paste -sd' ' -)
CLIENT_CPU=${CLIENT_CPU:-$(echo "$allowed" | awk '{ print $1 }')}
SERVER_CPU=${SERVER_CPU:-$(echo "$allowed" | awk '{ print $NF }')}
C="taskset -c $CLIENT_CPU"
S="taskset -c $SERVER_CPU"
PIN="client_cpu=$CLIENT_CPU"

# A port that was free a moment ago.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + ($$ * 13 + $(date +%N | cut -c1-4)) % 30000))
}

# Waits until something accepts TCP connections on 127.0.0.1:$1 (3 s).
wait_port() {
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
		if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	return 1
}

# The port on the listening line of dyno serve's stdout in $1 (5 s at
# most; empty if it never came).
serve_port() {
	for _ in $(seq 50); do
		sp=$(sed -n 's/^dyno serve: listening on .*:\([0-9]*\)$/\1/p' "$1")
		[ -n "$sp" ] && { echo "$sp"; return; }
		sleep 0.1
	done
}

# Median and range of the numbers on stdin: "median[lo-hi]".
med_range() {
	sort -g | awk '{ a[NR] = $1 } END {
		if (NR == 0) { printf "-"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%.3f[%.3f-%.3f]", m, a[1], a[NR] }'
}

# verdict KIND MEDIAN: KIND "min" (>= 0.95) or "band" (0.90-1.10).
verdict() {
	case $2 in
	-) echo "no data" ;;
	*) awk -v k="$1" -v m="$2" 'BEGIN {
		if (k == "min") print (m >= 0.95) ? "meets >= 0.95" : "BELOW 0.95"
		else print (m >= 0.90 && m <= 1.10) ? "within 10%" : "OUTSIDE 10%" }' ;;
	esac
}

# Runs a dyno probe; its JSON on stdout, or nothing (and the reason on
# stderr) when it did not finish ok.
# shellcheck disable=SC2086
dyno_json() {
	out=$("$DYNO" $DYNO_ARGS probe "$@" --json 2>"$TMPD/err")
	if [ "$(echo "$out" | jq -r .status 2>/dev/null)" != ok ]; then
		echo "  dyno probe $*: $(echo "$out" | jq -r '"\(.status): \(.message)"' 2>/dev/null || head -n 1 "$TMPD/err")" >&2
		return 1
	fi
	echo "$out"
}

# row CASE METRIC KIND RATIO: one ratio for the summary.
row() { echo "$1|$2|$3|$4" >>"$rows"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }

# Whether the probe exists and is available here (not a placeholder).
probe_ok() {
	# shellcheck disable=SC2086
	"$DYNO" $DYNO_ARGS describe "network.$1" 2>/dev/null | grep -q . &&
		! "$DYNO" $DYNO_ARGS describe "network.$1" 2>/dev/null | grep -qi 'unavailable\|placeholder'
}

echo "# network probes vs peer tools, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r)"
echo "# cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) online, allowed: $allowed"
echo "# placement: clients on CPU $CLIENT_CPU (peer tools under taskset -c $CLIENT_CPU, probes client_cpu=$CLIENT_CPU), servers on CPU $SERVER_CPU (taskset -c $SERVER_CPU, probes server_cpu=$SERVER_CPU)"
echo "# rounds: $ROUNDS, ${SECONDS_EACH} s per run, alternating dyno and the peer tool"

# Bytes the loopback interface has carried (0 where sysfs does not say):
# the same count for both tools, to check that each counts what crossed.
lo_bytes() { cat /sys/class/net/lo/statistics/rx_bytes 2>/dev/null || echo 0; }

# --- stream: tcp_stream vs iperf3 --------------------------------------
sec_stream() {
	if ! command -v iperf3 >/dev/null; then echo "stream: skipped: iperf3 not installed"; return; fi
	if ! probe_ok tcp_stream; then echo "stream: skipped: network.tcp_stream not available in this build"; return; fi
	port=$(free_port)
	$S iperf3 -s -p "$port" >"$TMPD/iperf3-s.log" 2>&1 &
	ipid=$!
	SRV_PIDS="$SRV_PIDS $ipid"
	if ! wait_port "$port"; then echo "stream: skipped: iperf3 -s did not start"; return; fi
	# shellcheck disable=SC2086
	$S "$DYNO" $DYNO_ARGS serve --bind 127.0.0.1 --port 0 --busy-poll 1ms >"$TMPD/serve0.out" 2>&1 &
	SRV_PIDS="$SRV_PIDS $!"
	poll_port=$(serve_port "$TMPD/serve0.out")
	# warmup=0s: iperf3 (no --omit) counts from the first byte too, so
	# both include TCP's ramp and both byte counts can be held against
	# the loopback counter.
	echo "## stream: dyno probe network.tcp_stream streams=N msg_size=128KiB duration=${SECONDS_EACH}s warmup=0s $PIN server_cpu=$SERVER_CPU"
	echo "##         then the same with peer=127.0.0.1:$poll_port, a dyno serve --busy-poll 1ms under $S ('polling')"
	echo "##         vs $C iperf3 -c 127.0.0.1 -p $port -P N -t $SECONDS_EACH -J  (iperf3 -s under $S)"
	for n in 1 4; do
		for r in $(seq "$ROUNDS"); do
			l0=$(lo_bytes)
			j=$(dyno_json network.tcp_stream streams=$n msg_size=128KiB \
				duration="${SECONDS_EACH}s" warmup=0s "$PIN" server_cpu="$SERVER_CPU") || j=""
			l1=$(lo_bytes)
			d=$(echo "$j" | jq -r '.metrics.throughput.mean' 2>/dev/null)
			db=$(echo "$j" | jq -r '.artifacts.sent' 2>/dev/null | awk '{ print $1 }')
			z=""
			[ -n "$poll_port" ] && { z=$(dyno_json network.tcp_stream streams=$n msg_size=128KiB \
				duration="${SECONDS_EACH}s" warmup=0s "$PIN" peer="127.0.0.1:$poll_port" |
				jq -r '.metrics.throughput.mean' 2>/dev/null) || z=""; }
			l1z=$(lo_bytes)
			$C iperf3 -c 127.0.0.1 -p "$port" -P "$n" -t "$SECONDS_EACH" -J >"$TMPD/iperf3.json" 2>/dev/null
			l2=$(lo_bytes)
			i=$(jq -r '.end.sum_received.bits_per_second / 8' "$TMPD/iperf3.json" 2>/dev/null)
			ib=$(jq -r '.end.sum_received.bytes' "$TMPD/iperf3.json" 2>/dev/null)
			[ -n "$d" ] && [ -n "$i" ] || {
				echo "  streams=$n round $r: no figure (dyno '$d', iperf3 '$i')"; continue; }
			q=$(ratio "$d" "$i")
			printf '  streams=%s round %s: dyno %.3f GB/s, iperf3 %.3f GB/s, ratio %s; bytes counted / loopback bytes: dyno %s, iperf3 %s\n' \
				"$n" "$r" "$(echo "$d" | awk '{ print $1 / 1e9 }')" "$(echo "$i" | awk '{ print $1 / 1e9 }')" "$q" \
				"$(ratio "$db" "$((l1 - l0))")" "$(ratio "$ib" "$((l2 - l1z))")"
			row "tcp_stream streams=$n" throughput min "$q"
			[ -n "$z" ] && [ "$z" != null ] && {
				printf '  streams=%s round %s: dyno, polling server, %.3f GB/s, ratio %s\n' \
					"$n" "$r" "$(echo "$z" | awk '{ print $1 / 1e9 }')" "$(ratio "$z" "$i")"
				row "tcp_stream streams=$n polling" throughput min "$(ratio "$z" "$i")"; }
		done
	done
}

# --- shaped: tcp_stream vs iperf3 through a rate-limited veth ----------
# Unshaped loopback in a VM is bistable (see docs/performance.md): each
# run settles in a slow or a fast regime by chance, so single-run ratios
# scatter whatever the tools do.  Here the path sets the rate: two
# namespaces, a veth pair, tc tbf at SHAPE_RATE on the client's side, and
# both tools must count the payload that rate carries:
# rate / 8 x (MTU - 52) / (MTU + 14).  Root, ip and tc tbf needed.
sec_shaped() {
	rate=${SHAPE_RATE:-4gbit}
	if [ "$(id -u)" -ne 0 ]; then echo "shaped: skipped: needs root (ip netns, tc)"; return; fi
	if ! command -v iperf3 >/dev/null || ! command -v tc >/dev/null; then echo "shaped: skipped: iperf3 or tc not installed"; return; fi
	na=dyno-bench-a-$$ nb=dyno-bench-b-$$
	NETNS="$na $nb"
	if ! { ip netns add "$na" && ip netns add "$nb" &&
		ip link add dbva$$ type veth peer name dbvb$$ &&
		ip link set dbva$$ netns "$na" && ip link set dbvb$$ netns "$nb" &&
		ip -n "$na" addr add 10.215.0.1/24 dev dbva$$ &&
		ip -n "$nb" addr add 10.215.0.2/24 dev dbvb$$ &&
		ip -n "$na" link set dbva$$ up && ip -n "$nb" link set dbvb$$ up &&
		ip -n "$na" link set lo up && ip -n "$nb" link set lo up &&
		ip netns exec "$nb" tc qdisc add dev dbvb$$ root tbf rate "$rate" burst 512kb latency 20ms; } 2>"$TMPD/ns.err"; then
		echo "shaped: skipped: $(tail -n 1 "$TMPD/ns.err")"
		ip netns del "$na" 2>/dev/null; ip netns del "$nb" 2>/dev/null
		return
	fi
	mtu=$(ip netns exec "$nb" cat /sys/class/net/dbvb$$/mtu)
	# shellcheck disable=SC2086
	$S ip netns exec "$na" "$DYNO" $DYNO_ARGS serve --bind 10.215.0.1 --port 7478 >"$TMPD/ns-serve.out" 2>&1 &
	SRV_PIDS="$SRV_PIDS $!"
	$S ip netns exec "$na" iperf3 -s -B 10.215.0.1 -p 7479 >"$TMPD/ns-iperf3.out" 2>&1 &
	SRV_PIDS="$SRV_PIDS $!"
	sleep 1
	want=$(echo "$rate" | awk -v m="$mtu" '{ r = $1 + 0; u = tolower($1); sub(/^[0-9.]+/, "", u)
		f = (u == "gbit") ? 1e9 : (u == "mbit") ? 1e6 : (u == "kbit") ? 1e3 : 1
		printf "%.0f", r * f / 8 * (m - 52) / (m + 14) }')
	echo "## shaped: tc tbf rate $rate on a veth pair between two namespaces (MTU $mtu): payload rate $(echo "$want" | awk '{ printf "%.4f GB/s", $1 / 1e9 }')"
	echo "##         dyno probe network.tcp_stream peer=10.215.0.1:7478 streams=N duration=${SECONDS_EACH}s warmup=500ms $PIN"
	echo "##         vs $C iperf3 -c 10.215.0.1 -p 7479 -P N -t $SECONDS_EACH -O 0.5 -J  (both servers under $S)"
	for n in 1 4; do
		for r in $(seq "$ROUNDS"); do
			# shellcheck disable=SC2086
			d=$(ip netns exec "$nb" "$DYNO" $DYNO_ARGS probe network.tcp_stream peer=10.215.0.1:7478 \
				streams=$n duration="${SECONDS_EACH}s" warmup=500ms "$PIN" --json 2>/dev/null |
				jq -r 'select(.status == "ok") | .metrics.throughput.mean' 2>/dev/null)
			i=$(ip netns exec "$nb" $C iperf3 -c 10.215.0.1 -p 7479 -P "$n" -t "$SECONDS_EACH" -O 0.5 -J 2>/dev/null |
				jq -r '.end.sum_received.bits_per_second / 8' 2>/dev/null)
			[ -n "$d" ] && [ -n "$i" ] || { echo "  streams=$n round $r: no figure (dyno '$d', iperf3 '$i')"; continue; }
			q=$(ratio "$d" "$i")
			printf '  streams=%s round %s: dyno %.4f GB/s (%s of the shaped rate), iperf3 %.4f GB/s (%s), ratio %s\n' \
				"$n" "$r" "$(echo "$d" | awk '{ print $1 / 1e9 }')" "$(ratio "$d" "$want")" \
				"$(echo "$i" | awk '{ print $1 / 1e9 }')" "$(ratio "$i" "$want")" "$q"
			row "tcp_stream shaped streams=$n" throughput min "$q"
		done
	done
	for p in $SRV_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	SRV_PIDS=""
	ip netns del "$na" 2>/dev/null
	ip netns del "$nb" 2>/dev/null
}

# --- rr: tcp_rr / udp_rr vs sockperf ping-pong -------------------------
sec_rr() {
	if ! command -v sockperf >/dev/null; then echo "rr: skipped: sockperf not installed"; return; fi
	for proto in tcp udp; do
		if ! probe_ok ${proto}_rr; then echo "rr: ${proto}: skipped: network.${proto}_rr not available in this build"; continue; fi
		port=$(free_port)
		flag=""; [ $proto = tcp ] && flag=--tcp
		$S sockperf server -i 127.0.0.1 -p "$port" $flag >"$TMPD/sockperf-$proto.log" 2>&1 &
		spid=$!
		SRV_PIDS="$SRV_PIDS $spid"
		sleep 0.5
		echo "## ${proto}_rr: dyno probe network.${proto}_rr req_size=64 resp_size=64 duration=${SECONDS_EACH}s $PIN server_cpu=$SERVER_CPU"
		echo "##         vs $C sockperf ping-pong -i 127.0.0.1 -p $port $flag -m 64 -t $SECONDS_EACH --full-rtt  (sockperf server under $S)"
		for r in $(seq "$ROUNDS"); do
			d=$(dyno_json network.${proto}_rr req_size=64 resp_size=64 \
				duration="${SECONDS_EACH}s" "$PIN" server_cpu="$SERVER_CPU" |
				jq -r '.metrics.latency.median') || d=""
			s=$($C sockperf ping-pong -i 127.0.0.1 -p "$port" $flag -m 64 \
				-t "$SECONDS_EACH" --full-rtt 2>&1 |
				sed -n 's/.*percentile 50.000 = *\([0-9.]*\).*/\1/p' |
				awk '{ print $1 / 1e6 }')
			[ -n "$d" ] && [ -n "$s" ] || { echo "  ${proto}_rr round $r: no figure (dyno '$d', sockperf '$s')"; continue; }
			q=$(ratio "$d" "$s")
			printf '  %s_rr round %s: p50 dyno %.1f us, sockperf %.1f us, ratio %s\n' \
				"$proto" "$r" "$(echo "$d" | awk '{ print $1 * 1e6 }')" "$(echo "$s" | awk '{ print $1 * 1e6 }')" "$q"
			row "${proto}_rr 64 B" "p50" band "$q"
		done
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
	done
}

# --- http: network.http vs wrk -----------------------------------------
# wrk's latency text ("305.00us", "1.23ms", "2.00s") in seconds.
wrk_s() {
	echo "$1" | awk '{ v = $1 + 0
		if ($1 ~ /us$/) v /= 1e6; else if ($1 ~ /ms$/) v /= 1e3
		else if ($1 ~ /m$/) v *= 60
		print v }'
}

# h2load's per-request log (--log-file: start, status, microseconds) to
# "p50_s mean_s": a third client for the same server and connections.
h2load_stats() {
	awk -F'\t' '{ print $3 }' "$1" | sort -n | awk '{ a[NR] = $1; s += $1 }
		END { if (NR) printf "%.9f %.9f", a[int((NR + 1) / 2)] / 1e6, s / NR / 1e6 }'
}

# http_case NAME URL CONNECTIONS
# Besides the ratios, each line shows L = mean latency x rps, the
# requests each client kept in flight on average (Little's law).  A client
# whose latency covers its whole request cycle shows L close to
# CONNECTIONS; one that starts its clock later than the cycle starts
# shows less.
http_case() {
	c=$3
	echo "## http ($1, $c connections): dyno probe network.http url=$2 connections=$c threads=1 duration=${SECONDS_EACH}s $PIN"
	echo "##         vs $C wrk -t1 -c$c -d${SECONDS_EACH}s --latency $2  (server under $S)"
	third=""
	if [ "$c" -gt 1 ] && command -v h2load >/dev/null; then
		third=h2load
		echo "##         and, for the record, $C h2load --h1 -t1 -c$c -D $SECONDS_EACH --log-file (a third client)"
	fi
	for r in $(seq "$ROUNDS"); do
		j=$(dyno_json network.http url="$2" connections="$c" threads=1 \
			duration="${SECONDS_EACH}s" "$PIN") || j=""
		$C wrk -t1 -c"$c" -d"${SECONDS_EACH}s" --latency "$2" >"$TMPD/wrk" 2>&1
		wr=$(sed -n 's/^Requests\/sec: *//p' "$TMPD/wrk")
		wp=$(wrk_s "$(awk '$1 == "50%" { print $2 }' "$TMPD/wrk")")
		wm=$(wrk_s "$(awk '$1 == "Latency" { print $2; exit }' "$TMPD/wrk")")
		werr=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p; s/^ *Socket errors: *//p' "$TMPD/wrk" | paste -sd' ' -)
		if [ -z "$j" ] || [ -z "$wr" ]; then
			echo "  $1 round $r: no figure (wrk: $(head -n 3 "$TMPD/wrk" | tr '\n' ' '))"
			continue
		fi
		dr=$(echo "$j" | jq -r '.metrics.rps.mean')
		dp=$(echo "$j" | jq -r '.metrics.latency.median')
		dm=$(echo "$j" | jq -r '.metrics.latency.mean')
		de=$(echo "$j" | jq -r '.artifacts.errors_total')
		qr=$(ratio "$dr" "$wr")
		qp=$(ratio "$dp" "$wp")
		printf '  %s c=%s round %s: rps dyno %.0f, wrk %.0f, ratio %s; p50 dyno %.1f us, wrk %.1f us, ratio %s; L dyno %.1f, wrk %.1f; errors dyno %s, wrk %s\n' \
			"$1" "$c" "$r" "$dr" "$wr" "$qr" "$(echo "$dp" | awk '{ print $1 * 1e6 }')" \
			"$(echo "$wp" | awk '{ print $1 * 1e6 }')" "$qp" \
			"$(awk -v a="$dm" -v b="$dr" 'BEGIN { print a * b }')" \
			"$(awk -v a="$wm" -v b="$wr" 'BEGIN { print a * b }')" "$de" "${werr:-0}"
		row "http $1 c=$c" rps min "$qr"
		row "http $1 c=$c" p50 band "$qp"
		if [ -n "$third" ]; then
			rm -f "$TMPD/h2.log"
			$C h2load --h1 -t1 -c"$c" -D "$SECONDS_EACH" --log-file="$TMPD/h2.log" "$2" >"$TMPD/h2.out" 2>&1
			hr=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$TMPD/h2.out")
			# shellcheck disable=SC2046  # two fields, split on purpose
			set -- "$@" $(h2load_stats "$TMPD/h2.log")
			if [ -n "$hr" ] && [ $# -ge 5 ]; then
				printf '    h2load: rps %.0f, p50 %.1f us, L %.1f\n' "$hr" \
					"$(echo "$4" | awk '{ print $1 * 1e6 }')" "$(awk -v a="$5" -v b="$hr" 'BEGIN { print a * b }')"
			fi
			set -- "$1" "$2" "$3"
		fi
	done
}

sec_http() {
	if ! command -v wrk >/dev/null; then echo "http: skipped: wrk not installed"; return; fi
	if ! probe_ok http; then echo "http: skipped: network.http not available in this build"; return; fi
	# dyno serve, pinned like the other servers.
	$S "$DYNO" $DYNO_ARGS serve --bind 127.0.0.1 --port 0 >"$TMPD/serve.out" 2>"$TMPD/serve.err" &
	dpid=$!
	SRV_PIDS="$SRV_PIDS $dpid"
	port=$(serve_port "$TMPD/serve.out")
	if [ -n "$port" ]; then
		http_case "dyno serve" "http://127.0.0.1:$port/" 1
		http_case "dyno serve" "http://127.0.0.1:$port/" 16
	else
		echo "http (dyno serve): skipped: dyno serve did not start: $(tail -n 1 "$TMPD/serve.err")"
	fi
	kill "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	# nginx from the distribution, a static file, as this user.
	if ! command -v nginx >/dev/null; then echo "http (nginx): skipped: nginx not installed"; return; fi
	port=$(free_port)
	mkdir -p "$TMPD/www"
	chmod 755 "$TMPD" "$TMPD/www"
	printf 'hello from nginx\n' >"$TMPD/www/index.html"
	chmod 644 "$TMPD/www/index.html"
	cat >"$TMPD/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $TMPD/nginx.pid;
error_log $TMPD/nginx-error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $TMPD/ngx-body;
	proxy_temp_path $TMPD/ngx-proxy;
	fastcgi_temp_path $TMPD/ngx-fcgi;
	uwsgi_temp_path $TMPD/ngx-uwsgi;
	scgi_temp_path $TMPD/ngx-scgi;
	server {
		listen 127.0.0.1:$port;
		root $TMPD/www;
	}
}
EOF
	$S nginx -p "$TMPD" -c "$TMPD/nginx.conf" >"$TMPD/nginx.out" 2>&1 &
	npid=$!
	SRV_PIDS="$SRV_PIDS $npid"
	if wait_port "$port"; then
		echo "# nginx: $(nginx -v 2>&1), 1 worker, static index.html, keepalive_requests default"
		http_case nginx "http://127.0.0.1:$port/" 16
	else
		echo "http (nginx): skipped: nginx did not start: $(tail -n 1 "$TMPD/nginx.out" "$TMPD/nginx-error.log" 2>/dev/null | tail -n 1)"
	fi
	kill "$npid" 2>/dev/null
	wait "$npid" 2>/dev/null
}

for s in $SECTIONS; do
	case $s in
	stream) sec_stream ;;
	shaped) sec_shaped ;;
	rr) sec_rr ;;
	http) sec_http ;;
	*) echo "network-vs-peers: unknown section '$s' (stream shaped rr http)" >&2; exit 1 ;;
	esac
done

echo
echo "# summary: median ratio dyno/peer [range] over $ROUNDS rounds"
cut -d'|' -f1-3 "$rows" | awk '!seen[$0]++' | while IFS='|' read -r case metric kind; do
	m=$(awk -F'|' -v c="$case" -v t="$metric" '$1 == c && $2 == t { print $4 }' "$rows" | grep -v '^-$' | med_range)
	printf '%-24s %-10s %-22s %s\n' "$case" "$metric" "$m" "$(verdict "$kind" "$(echo "$m" | sed 's/\[.*//')")"
done
