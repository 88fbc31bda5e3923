# lib.sh - helpers for the CLI transcript tests (sourced).
# DYNO, TOP_BUILDDIR and TOP_SRCDIR come from make check.
set -u
: "${DYNO:?run through make check}"
pass=0
fail=0
TMP=$(mktemp -d /tmp/dyno-cli-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
# Short measurements: the tests check behaviour, not speed.
FAST="--min-time 20ms --max-time 300ms --warmup 5ms --min-batch-time 1ms"
FIX="--plugin-dir $TOP_BUILDDIR/tests/plugins"

ok() { pass=$((pass + 1)); echo "ok - $1"; }
ko() { fail=$((fail + 1)); echo "FAIL - $1"; }

# expect NAME CODE CMD...: run CMD, capture stdout/stderr, check exit code.
expect() {
	name=$1 code=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq "$code" ]; then ok "$name"; else
		ko "$name (exit $rc, wanted $code)"; sed 's/^/    /' "$TMP/err" | head -5
	fi
}

# contains NAME FILE TEXT: FILE has TEXT (fixed string).
contains() {
	if grep -qF -- "$3" "$2"; then ok "$1"; else
		ko "$1 ('$3' not in $2)"; sed 's/^/    /' "$2" | head -5
	fi
}

# one_line NAME FILE: FILE has exactly one line (errors are one line).
one_line() {
	n=$(wc -l <"$2")
	if [ "$n" -eq 1 ]; then ok "$1"; else ko "$1 ($n lines)"; cat "$2"; fi
}

# jq_true NAME FILE FILTER
jq_true() {
	if jq -e "$3" "$2" >/dev/null 2>&1; then ok "$1"; else
		ko "$1 (jq '$3' false)"; head -c 400 "$2"; echo
	fi
}

# listening_port FILE: the port on the "dyno serve: listening on
# HOST:PORT" line of FILE (a server's stdout), waiting up to 5 s for it;
# empty when it never came.
listening_port() {
	for _ in $(seq 100); do
		lp=$(sed -n '1s/^dyno serve: listening on .*:\([0-9][0-9]*\)$/\1/p' "$1" 2>/dev/null)
		[ -n "$lp" ] && { echo "$lp"; return 0; }
		sleep 0.05
	done
	return 1
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
