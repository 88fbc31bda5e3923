#!/bin/sh
# serve.sh - dyno serve end to end: the listening line, HTTP through curl,
# wire.h hellos and UDP echo through bash's /dev/tcp and /dev/udp (bash is
# essential on Debian; this script stays POSIX sh), the limits and their
# log lines, SIGTERM, and bad options.  Needs curl (scripts/install-deps.sh).
. "$TOP_SRCDIR/tests/cli/lib.sh"

if ! command -v curl >/dev/null 2>&1 || ! command -v bash >/dev/null 2>&1; then
	echo "SKIP: serve.sh needs curl and bash"
	exit 77
fi

# Bad input: one line on stderr, exit 2, before anything is bound.
expect "port out of range" 2 "$DYNO" serve --port 70000
one_line "port out of range one line" "$TMP/err"
contains "port names the input" "$TMP/err" "'70000'"
expect "bad max-msg" 2 "$DYNO" serve --max-msg 12parsecs
one_line "bad max-msg one line" "$TMP/err"
expect "bad idle-timeout" 2 "$DYNO" serve --idle-timeout soon
one_line "bad idle-timeout one line" "$TMP/err"
expect "max-conns 0" 2 "$DYNO" serve --max-conns 0
one_line "max-conns 0 one line" "$TMP/err"
expect "threads 0" 2 "$DYNO" serve --threads 0
one_line "threads 0 one line" "$TMP/err"
expect "busy-poll over 1s" 2 "$DYNO" serve --busy-poll 2s
one_line "busy-poll over 1s one line" "$TMP/err"
contains "busy-poll names the input" "$TMP/err" "'2s'"
expect "unknown option" 2 "$DYNO" serve --bogus
one_line "unknown option one line" "$TMP/err"
expect "missing value" 2 "$DYNO" serve --port
one_line "missing value one line" "$TMP/err"
# A numeric address not on this host (TEST-NET-1): no DNS involved.
expect "address not here" 2 "$DYNO" serve --bind 192.0.2.1 --port 0
one_line "address not here one line" "$TMP/err"
contains "names the address" "$TMP/err" "192.0.2.1"
expect "serve --help" 0 "$DYNO" serve --help
contains "help names --max-msg" "$TMP/out" "--max-msg"
contains "help names --busy-poll" "$TMP/out" "--busy-poll"

"$DYNO" serve --port 0 --max-conns 3 --max-msg 1MiB --idle-timeout 1s \
	>"$TMP/serve.out" 2>"$TMP/serve.err" &
spid=$!
i=0
while [ ! -s "$TMP/serve.out" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n 's/^dyno serve: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' \
	"$TMP/serve.out")
if [ -n "$port" ]; then ok "listening line with the port"; else
	ko "listening line with the port"; cat "$TMP/serve.out" "$TMP/serve.err"
	kill "$spid"; finish; exit 1
fi
url=http://127.0.0.1:$port

# A second server on the same port cannot bind: one line, exit 2.
expect "port in use" 2 "$DYNO" serve --port "$port"
one_line "port in use one line" "$TMP/err"

# tcp CMDS: run bash with fd 3 connected to the server; 5 s at most.
tcp() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1; '"$1" \
		"$port"
}

expect "GET /" 0 curl -sS "$url/"
contains "GET / body" "$TMP/out" "dyno serve"
expect "keep-alive: two URLs, one connection" 0 curl -sSv -o /dev/null \
	-o /dev/null "$url/" "$url/bytes/1000"
contains "connection reused" "$TMP/err" "Re-using existing connection"
expect "GET /bytes/N" 0 curl -sS -o "$TMP/bytes" "$url/bytes/100000"
if [ "$(wc -c <"$TMP/bytes")" -eq 100000 ]; then ok "100000 bytes"; else
	ko "100000 bytes ($(wc -c <"$TMP/bytes"))"; fi
expect "HEAD" 0 curl -sS -I "$url/bytes/5"
contains "HEAD length" "$TMP/out" "Content-Length: 5"
expect "unknown path 404" 0 curl -sS -w '%{http_code}' -o /dev/null "$url/nope"
contains "404" "$TMP/out" "404"

seq 1 20000 >"$TMP/body"
expect "chunked POST" 0 curl -sS -H "Transfer-Encoding: chunked" \
	--data-binary @"$TMP/body" "$url/upload"
contains "POST answered ok" "$TMP/out" "ok"
expect "PUT with Content-Length" 0 curl -sS -T "$TMP/body" "$url/put"
contains "PUT answered ok" "$TMP/out" "ok"

head -c 2000000 /dev/zero >"$TMP/big"
expect "body over max-msg" 0 curl -sS -w '%{http_code}' -o /dev/null \
	--data-binary @"$TMP/big" "$url/"
contains "413" "$TMP/out" "413"
expect "/bytes/N over max-msg" 0 curl -sS -w '%{http_code}' -o /dev/null \
	"$url/bytes/2000000"
contains "400 for N over max-msg" "$TMP/out" "400"

expect "malformed request" 0 tcp 'printf "GET / HTTP/1.1\r\nHost x\r\n\r\n" >&3; cat <&3'
contains "400 answer" "$TMP/out" "HTTP/1.1 400 Bad Request"
contains "400 closes" "$TMP/out" "Connection: close"
expect "no Host" 0 tcp 'printf "GET / HTTP/1.1\r\n\r\n" >&3; cat <&3'
contains "400 without Host" "$TMP/out" "400 Bad Request"
expect "unknown method in a pipeline" 0 tcp \
	'printf "GET / HTTP/1.1\r\nHost: x\r\n\r\nDELETE / HTTP/1.1\r\nHost: x\r\n\r\n" >&3; cat <&3'
contains "first answered" "$TMP/out" "200 OK"
contains "then 501" "$TMP/out" "501 Not Implemented"
expect "HTTP/1.0 closes" 0 tcp 'printf "GET / HTTP/1.0\r\n\r\n" >&3; cat <&3'
contains "1.0 answered" "$TMP/out" "dyno serve"

# wire.h hellos: RR (4-byte request, 6-byte answer, twice), SOURCE, SINK.
expect "RR exchange" 0 tcp 'printf "DYN1R\000\000\000\000\000\000\004\000\000\000\006" >&3
	printf ping >&3; head -c 6 <&3; printf pong >&3; head -c 6 <&3'
if [ "$(cat "$TMP/out")" = "abcdefabcdef" ]; then ok "RR answers"; else
	ko "RR answers ($(cat "$TMP/out"))"; fi
expect "SOURCE stream" 0 tcp 'printf "DYN1O\000\000\000\000\000\000\000\000\000\100\000" >&3
	head -c 1000000 <&3 | wc -c'
contains "SOURCE delivers" "$TMP/out" "1000000"
expect "SINK stream" 0 tcp 'printf "DYN1S\000\000\000\000\000\100\000\000\000\000\000" >&3
	head -c 3000000 /dev/zero >&3'
expect "bad magic" 0 tcp 'printf "HELLO, WORLD 123" >&3; cat <&3; true'
contains "bad magic logged" "$TMP/serve.err" "bad magic"
expect "size over max-msg" 0 tcp 'printf "DYN1R\000\000\000\000\040\000\000\000\000\000\001" >&3; cat <&3; true'
contains "size over max-msg logged" "$TMP/serve.err" "(--max-msg)"

# UDP echo: a 32-byte answer that starts with the datagram.
expect "UDP echo" 0 timeout 5 bash -c 'exec 3<>"/dev/udp/127.0.0.1/$0"
	printf "DYU1\000\000\000\040seq12345" >&3; head -c 32 <&3 | od -An -c' \
	"$port"
contains "UDP answer echoes" "$TMP/out" "s   e   q   1   2   3   4   5"

# max-conns 3: three idle holders, the fourth is accepted, logged, closed.
for n in 1 2 3; do tcp 'sleep 2' & done
sleep 0.5
expect "fourth connection closed" 0 tcp 'cat <&3; true'
contains "max-conns logged" "$TMP/serve.err" "3 connections already"
# The holders outlive --idle-timeout 1s: closed and logged.
sleep 2
contains "idle connections closed" "$TMP/serve.err" "idle for 1 s"
expect "serves again after the holders" 0 curl -sS "$url/"

# --busy-poll: a server that polls while a sink stream is open hardly
# ever sleeps during one (voluntary context switches), one with
# --busy-poll 0 sleeps after each drained read, and neither spins once
# the stream is closed.
switches() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$1/status"; }
cputicks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
for bp in 0 1ms; do
	"$DYNO" serve --port 0 --busy-poll "$bp" >"$TMP/bp.out" 2>&1 &
	bpid=$!
	bport=$(listening_port "$TMP/bp.out")
	s0=$(switches "$bpid")
	# A SINK hello (mode 'S', sizes 0), then 200 MB.
	timeout 20 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" || exit 1
		printf "DYN1S\000\000\000\000\000\000\000\000\000\000\000" >&3
		head -c 200000000 /dev/zero >&3' "$bport"
	s1=$(switches "$bpid")
	sleep 0.2
	t0=$(cputicks "$bpid")
	sleep 1
	t1=$(cputicks "$bpid")
	eval "sw_$(echo "$bp" | tr -cd 'a-z0-9')=$((s1 - s0))"
	if [ $((t1 - t0)) -le 10 ]; then ok "busy-poll $bp: idle after the stream"; else
		ko "busy-poll $bp: idle after the stream ($((t1 - t0)) ticks in 1 s)"; fi
	kill -TERM "$bpid"
	wait "$bpid"
done
# shellcheck disable=SC2154
if [ "$sw_0" -gt 100 ] && [ $((sw_1ms * 10)) -lt "$sw_0" ]; then
	ok "busy-poll 1ms sleeps far less during a stream ($sw_1ms vs $sw_0 switches)"
else
	ko "busy-poll 1ms sleeps far less during a stream ($sw_1ms vs $sw_0 switches)"
fi

# --threads: loops sharing the port.  SIGINT stops it too, even in a
# background job (where the shell ignores SIGINT for it).
"$DYNO" serve --port 0 --threads 3 >"$TMP/int.out" 2>&1 &
ipid=$!
i=0
while [ ! -s "$TMP/int.out" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
port2=$(sed -n 's/^dyno serve: listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' \
	"$TMP/int.out")
expect "--threads 3 serves" 0 curl -sS "http://127.0.0.1:$port2/" \
	"http://127.0.0.1:$port2/" "http://127.0.0.1:$port2/"
contains "--threads 3 answers" "$TMP/out" "dyno serve"
kill -INT "$ipid"
wait "$ipid"
rc=$?
if [ "$rc" -eq 0 ]; then ok "SIGINT exits 0"; else ko "SIGINT exits 0 ($rc)"; fi

kill -TERM "$spid"
wait "$spid"
rc=$?
if [ "$rc" -eq 0 ]; then ok "SIGTERM exits 0"; else ko "SIGTERM exits 0 ($rc)"; fi
if [ "$(wc -l <"$TMP/serve.out")" -eq 1 ]; then ok "stdout is the one line"; else
	ko "stdout is the one line"; cat "$TMP/serve.out"; fi
finish
