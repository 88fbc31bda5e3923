#!/bin/sh
# kill.sh - results already written survive a SIGKILL of dyno mid-probe:
# every line in the file is complete JSON, the killed probe adds nothing.
. "$TOP_SRCDIR/tests/cli/lib.sh"

out="$TMP/r.jsonl"
expect "first probe" 0 "$DYNO" probe null.clock samples=100 --out "$out" $FAST
expect "second probe" 0 "$DYNO" probe null.empty --out "$out" $FAST

# A long probe, killed while it measures.
"$DYNO" probe null.clock --min-time 30s --max-time 60s --out "$out" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -9 "$pid"
wait "$pid" 2>/dev/null
if [ "$(wc -l <"$out")" -eq 2 ]; then ok "two complete records"; else
	ko "two complete records ($(wc -l <"$out") lines)"; fi
if jq -e -s 'length == 2 and .[0].id == "null.clock" and .[1].id == "null.empty"' "$out" >/dev/null; then
	ok "records parse"; else ko "records parse"; fi
if [ "$(tail -c 1 "$out" | od -An -c | tr -d ' ')" = '\n' ]; then
	ok "file ends at a line end"; else ko "file ends at a line end"; fi
# The orphaned probe child (own process group) must not linger forever.
sleep 0.2
pkill -9 -f "dyno probe null.clock --min-time 30s" 2>/dev/null || true

# A later run appends cleanly after the kill.
expect "third probe" 0 "$DYNO" probe null.clock samples=10 --out "$out" $FAST
if jq -e -s 'length == 3' "$out" >/dev/null; then ok "append after kill"; else ko "append after kill"; fi

finish
