#!/bin/sh
# test_http.sh - network.http end to end: GET and POST against the probe's
# own dyno serve and against nginx (when installed), fixed rate below
# capacity (the rate is held) and far above it (the queue shows in the
# latencies), and errors: a closed port, a 404, a bad url.  Short runs:
# behaviour, not speed.
. "$TOP_SRCDIR/tests/cli/lib.sh"

SP="--plugin-dir $TOP_BUILDDIR/plugins/network"
H="$DYNO $SP probe network.http duration=1s warmup=100ms"

# within NAME VALUE LO HI: LO <= VALUE <= HI.
within() {
	if awk -v v="$2" -v a="$3" -v b="$4" 'BEGIN { exit !(v >= a && v <= b) }'; then
		ok "$1 ($2)"
	else
		ko "$1 ($2 not in $3..$4)"
	fi
}

# A port nobody listens on: one the kernel hands out, then frees.
closed_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo 1
}

# -- against the probe's own dyno serve ----------------------------------
expect "GET from the probe's own dyno serve" 0 $H --json
cp "$TMP/out" "$TMP/own.json"
jq_true "GET: rps, latency, no errors, server started" "$TMP/own.json" \
	'.status == "ok" and .metrics.rps.mean > 0 and .metrics.rps.n >= 8 and .metrics.latency.median > 0 and .metrics.latency.n > 100 and .metrics.errors.mean == 0 and (.artifacts.server | contains("started by the probe")) and (.artifacts.errors_by_kind | startswith("status 4xx: 0, status 5xx: 0"))'

# More connections than dyno serve's default --max-conns (1024): the
# server the probe starts must admit them all.
expect "1500 connections to the probe's own dyno serve" 0 $H connections=1500 threads=2 --json
jq_true "1500 connections: no resets, every one answered" "$TMP/out" \
	'.status == "ok" and .metrics.errors.mean == 0 and (.artifacts.errors_by_kind | test("reset: 0,")) and .metrics.rps.mean > 0'

expect "POST with body_size" 0 $H body_size=4KiB --json
jq_true "POST: 200s, request named" "$TMP/out" \
	'.status == "ok" and .metrics.rps.mean > 0 and (.artifacts.request | test("^POST http://127.0.0.1:[0-9]+/ with a 4096 B body$")) and (.artifacts.status_codes | test("^200: [0-9]+$"))'

expect "fixed rate below capacity" 0 $H rate=2000 --json
jq_true "fixed rate: mode named" "$TMP/out" '.artifacts.mode | startswith("fixed rate: 2000 req/s")'
within "fixed rate holds 2000 req/s" "$(jq '.metrics.rps.mean' "$TMP/out")" 1800 2200

# Far above capacity: each request waits for a free connection, and that
# wait is its latency (coordinated omission corrected).
expect "fixed rate far above capacity" 0 $H rate=5000000 --json
cl=$(jq '.metrics.latency.median' "$TMP/own.json")
fr=$(jq '.metrics.latency.median' "$TMP/out")
if awk -v a="$cl" -v b="$fr" 'BEGIN { exit !(b > 20 * a && b > 0.05) }'; then
	ok "queueing counted: p50 $fr s vs closed loop $cl s"
else
	ko "queueing counted: p50 $fr s vs closed loop $cl s"
fi
jq_true "backlog reported" "$TMP/out" '.artifacts.rate_achieved | test("of 5e\\+06 asked .* due requests never sent")'

# -- errors -------------------------------------------------------------
P=$(closed_port)
expect "closed port fails" 2 $H url=http://127.0.0.1:$P/ --json
jq_true "closed port: reason and connect errors counted" "$TMP/out" \
	".status == \"failed\" and (.message | startswith(\"no request succeeded: connect to 127.0.0.1:$P: Connection refused\")) and (.artifacts.errors_by_kind | test(\"connect: [1-9]\")) and .metrics.errors.mean > 0"

expect "https url" 2 $H url=https://127.0.0.1:1/ --json
jq_true "https: one line" "$TMP/out" \
	'.message == "url '\''https://127.0.0.1:1/'\'': scheme '\''https'\'' is not supported, only http://host:port/path"'
expect "url without scheme" 2 $H url=127.0.0.1:80
contains "url without scheme: expected form" "$TMP/out" "url '127.0.0.1:80': expected http://host:port/path"
expect "bad port" 2 $H url=http://127.0.0.1:99999/ --json
jq_true "bad port: one line" "$TMP/out" '(.message | contains("expected http://host:port/path")) and (.message | contains("\n") | not)'
expect "url and peer" 2 $H url=http://127.0.0.1:1/ peer=127.0.0.1:1 --json
jq_true "url and peer: message" "$TMP/out" '.message == "set url or peer, not both"'
expect "threads above connections" 2 $H connections=2 threads=4 --json
jq_true "threads message" "$TMP/out" '.message | contains("threads=4 is more than connections=2")'

# -- response framing and mixed errors, from a small Python server ------
# Chunked bodies dribbled in 37-byte pieces (extensions, a trailer),
# "Connection: close", bodies ending at EOF, and 1 response in 3 a 500:
# the run succeeds and still reports its errors.
if command -v python3 >/dev/null 2>&1; then
	cat >"$TMP/srv.py" <<'EOF'
import socket, sys, threading
def serve(c):
    buf, n = b"", 0
    while True:
        d = c.recv(65536)
        if not d:
            return
        buf += d
        while b"\r\n\r\n" in buf:
            head, buf = buf.split(b"\r\n\r\n", 1)
            path, n = head.split(b" ")[1], n + 1
            if path == b"/chunked":
                r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                for i in range(5):
                    r += b"64;x=1\r\n" + b"y" * 100 + b"\r\n"
                r += b"0\r\nX-T: 1\r\n\r\n"
                for i in range(0, len(r), 37):
                    c.sendall(r[i:i + 37])
            elif path == b"/close":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
                c.close()
                return
            elif path == b"/eof":
                c.sendall(b"HTTP/1.0 200 OK\r\n\r\nuntil close")
                c.close()
                return
            elif n % 3 == 0:
                c.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n")
            else:
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(128)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
EOF
	python3 "$TMP/srv.py" >"$TMP/srv.port" 2>"$TMP/srv.err" &
	PYPID=$!
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		[ -s "$TMP/srv.port" ] && break
		sleep 0.1
	done
	PY=http://127.0.0.1:$(cat "$TMP/srv.port")
	Q="duration=500ms connections=4"
	expect "chunked responses" 0 $H url=$PY/chunked $Q --json
	jq_true "chunked: parsed, no errors" "$TMP/out" \
		'.status == "ok" and .metrics.rps.mean > 0 and .artifacts.errors_total == "0"'
	expect "Connection: close responses" 0 $H url=$PY/close $Q --json
	jq_true "close: reconnects counted, not errors" "$TMP/out" \
		'.status == "ok" and .artifacts.errors_total == "0" and (.artifacts.requests | test(" [1-9][0-9]* reconnects"))'
	expect "bodies ending at EOF" 0 $H url=$PY/eof $Q --json
	jq_true "eof: parsed, no errors" "$TMP/out" '.status == "ok" and .artifacts.errors_total == "0"'
	expect "1 in 3 a 500" 0 $H url=$PY/mixed $Q --json
	jq_true "mixed: ok, and the 500s reported" "$TMP/out" \
		'.status == "ok" and .metrics.errors.mean > 0 and (.artifacts.errors_by_kind | test("status 5xx: [1-9]")) and (.artifacts.status_codes | test("500: [1-9]")) and (.artifacts.first_error | endswith("/mixed answered 500"))'
	kill "$PYPID" 2>/dev/null
	wait "$PYPID" 2>/dev/null
else
	echo "skip - framing tests: python3 not installed"
fi

# -- against nginx ------------------------------------------------------
if ! command -v nginx >/dev/null 2>&1; then
	echo "skip - nginx: not installed"
	finish
	exit $?
fi
start_nginx() {
	NPORT=''
	for try in 1 2 3 4 5 6; do
		p=$((20000 + ($$ * 7 + try * 991) % 30000))
		rm -f "$TMP/nginx.pid"
		cat >"$TMP/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/nginx-error.log;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $TMP/ngx-body;
	proxy_temp_path $TMP/ngx-proxy;
	fastcgi_temp_path $TMP/ngx-fcgi;
	uwsgi_temp_path $TMP/ngx-uwsgi;
	scgi_temp_path $TMP/ngx-scgi;
	server {
		listen 127.0.0.1:$p;
		location = / { return 200 "hello\n"; }
		location = /post { return 200 "ok\n"; }
		location / { return 404; }
	}
}
EOF
		nginx -p "$TMP" -c "$TMP/nginx.conf" >"$TMP/nginx.out" 2>&1 &
		NPID=$!
		for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
			if ! kill -0 "$NPID" 2>/dev/null; then break; fi
			# The pid file is written after the listening socket.
			if [ -s "$TMP/nginx.pid" ]; then
				NPORT=$p
				return 0
			fi
			sleep 0.1
		done
		kill "$NPID" 2>/dev/null
		wait "$NPID" 2>/dev/null
	done
	return 1
}
if start_nginx; then
	U=http://127.0.0.1:$NPORT
	expect "nginx: GET" 0 $H url=$U/ --json
	jq_true "nginx: rps, latency, all 200" "$TMP/out" \
		".status == \"ok\" and .metrics.rps.mean > 0 and .metrics.latency.median > 0 and (.artifacts.status_codes | test(\"^200: [0-9]+$\")) and .artifacts.server == \"$U/ (url)\""
	expect "nginx: POST" 0 $H url=$U/post method=POST body_size=1KiB --json
	jq_true "nginx: POST answered" "$TMP/out" '.status == "ok" and .metrics.rps.mean > 0'
	expect "nginx: 600 connections over 2 threads" 0 $H url=$U/ connections=600 threads=2 --json
	jq_true "nginx: 600 connections, no errors" "$TMP/out" \
		'.status == "ok" and .metrics.rps.mean > 0 and .artifacts.errors_total == "0"'
	expect "nginx: 404 fails" 2 $H url=$U/missing --json
	jq_true "nginx: 404 counted and named" "$TMP/out" \
		".status == \"failed\" and (.message | startswith(\"no request succeeded: GET $U/missing answered 404\")) and (.artifacts.errors_by_kind | test(\"status 4xx: [1-9]\")) and (.artifacts.status_codes | test(\"^404: [0-9]+$\")) and .metrics.errors.mean > 0"
	kill "$NPID" 2>/dev/null
	wait "$NPID" 2>/dev/null
else
	echo "skip - nginx: could not start on a free port ($(tail -n 1 "$TMP/nginx.out" 2>/dev/null))"
fi

finish
