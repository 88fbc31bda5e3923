#!/bin/sh
# startup.sh - what every dyno command pays before it does anything: the
# wall time of `dyno list` (it loads every plugin) with only null.so,
# with only the autoreject plugin, and with every plugin built; and, when
# the source tree is a git checkout holding OLD_REV (default 19f63b7, the
# last autoreject.so that linked LAPACKE and OpenBLAS), that old plugin
# built here, alone and in place of the new one among all the others.
# bench/startup_time runs the sets alternately, RUNS rounds (default 200)
# after RUNS/10 of warm-up, and gives each set's median and quartiles;
# hyperfine, when installed, times the all-plugins set as a cross-check.
# dyno is copied out of the build tree, so it loads only DYNO_PLUGIN_PATH
# (and the configured plugin directory, which must hold no plugins).
# Each other plugin alone is timed as well.
# Target (ARCHITECTURE.md, issue 18): <= 5 ms with every plugin; exits 1
# when it is missed.
#   make bench-startup   (or part of make bench)
set -u
: "${DYNO:?set DYNO to the dyno binary}"
: "${STARTUP_TIME:?set STARTUP_TIME to bench/startup_time}"
: "${PLUGIN_BUILD_DIR:?set PLUGIN_BUILD_DIR to the plugins/ of the build tree}"
RUNS=${RUNS:-200}
TARGET_MS=${TARGET_MS:-5}
OLD_REV=${OLD_REV-19f63b7}
TMP=$(mktemp -d /tmp/dyno-startup-XXXXXX)
trap 'rm -rf "$TMP"' EXIT

cp "$DYNO" "$TMP/dyno"
mkdir "$TMP/null" "$TMP/ar" "$TMP/all"
cp "$PLUGIN_BUILD_DIR/null/null.so" "$TMP/null/"
for so in "$PLUGIN_BUILD_DIR"/*/*.so; do
	cp "$so" "$TMP/all/"
done
for impl in "$PLUGIN_BUILD_DIR"/*/impl/*.so; do
	[ -f "$impl" ] || continue
	mkdir -p "$TMP/all/impl"
	cp "$impl" "$TMP/all/impl/"
done
sets="null all"
# Every other plugin alone too, to tell which one costs what.
others=
for so in "$PLUGIN_BUILD_DIR"/*/*.so; do
	p=$(basename "$so" .so)
	case $p in null|autoreject) continue ;; esac
	mkdir "$TMP/only-$p"
	cp "$so" "$TMP/only-$p/"
	[ -d "$(dirname "$so")/impl" ] && cp -R "$(dirname "$so")/impl" "$TMP/only-$p/"
	others="$others only-$p"
done
if [ -f "$PLUGIN_BUILD_DIR/autoreject/autoreject.so" ]; then
	cp "$PLUGIN_BUILD_DIR/autoreject/autoreject.so" "$TMP/ar/"
	if [ -d "$PLUGIN_BUILD_DIR/autoreject/impl" ]; then
		cp -R "$PLUGIN_BUILD_DIR/autoreject/impl" "$TMP/ar/"
	fi
	sets="null ar all"
fi

# The old autoreject.so, from OLD_REV's sources with this build's flags.
old=
if [ -n "$OLD_REV" ] && [ -n "${TOP_SRCDIR:-}" ] && [ -f "$TMP/ar/autoreject.so" ] &&
    git -C "$TOP_SRCDIR" rev-parse -q --verify "$OLD_REV^{commit}" >/dev/null 2>&1; then
	mkdir "$TMP/src" "$TMP/old-ar" "$TMP/old-all"
	git -C "$TOP_SRCDIR" archive "$OLD_REV" core/include plugins/autoreject \
		plugins/common | tar -x -C "$TMP/src"
	# shellcheck disable=SC2086
	if ${CC:-cc} -std=c11 -O2 -fPIC -fvisibility=hidden -shared \
	    ${OLD_CFLAGS:-} -I"$TMP/src/core/include" -o "$TMP/old-ar/autoreject.so" \
	    "$TMP/src"/plugins/autoreject/*.c ${OLD_LIBS:-} 2>"$TMP/old.log"; then
		for so in "$TMP/all"/*.so; do
			[ "$(basename "$so")" = autoreject.so ] || cp "$so" "$TMP/old-all/"
		done
		cp "$TMP/old-ar/autoreject.so" "$TMP/old-all/"
		old=$OLD_REV
		sets="$sets old-ar old-all"
	else
		echo "# old autoreject.so ($OLD_REV) did not build here: $(head -1 "$TMP/old.log")"
	fi
else
	echo "# no old autoreject.so: OLD_REV=${OLD_REV:-(none)} is not in a git checkout here"
fi

sets="$sets$others"

# Each set must load exactly its own plugins, silently.
for s in $sets; do
	want=$(ls "$TMP/$s"/*.so | wc -l)
	DYNO_PLUGIN_PATH="$TMP/$s" "$TMP/dyno" list --json >"$TMP/list.json" 2>"$TMP/err"
	got=$(jq '.plugins | length' "$TMP/list.json")
	nerr=$(jq '.errors // [] | length' "$TMP/list.json")
	if [ "$got" != "$want" ] || [ "$nerr" != 0 ] || [ -s "$TMP/err" ]; then
		echo "startup: set $s loads $got plugins, not $want ($(jq -r '.errors // [] | .[0] // ""' "$TMP/list.json")$(head -1 "$TMP/err")): is a plugin installed in the configured plugin directory?" >&2
		exit 2
	fi
done

label() {
	case $1 in
	null) echo "only null.so" ;;
	ar) echo "only autoreject (shell; LAPACKE in the probe)" ;;
	all) echo "every plugin ($(ls "$TMP/all"/*.so | wc -l): $(ls "$TMP/all" | sed -n 's/\.so$//p' | tr '\n' ' '| sed 's/ $//'))" ;;
	old-ar) echo "only autoreject at $old (linked LAPACKE)" ;;
	old-all) echo "every plugin, autoreject at $old" ;;
	only-*) echo "only ${1#only-}.so" ;;
	esac
}

dirs=
for s in $sets; do dirs="$dirs $TMP/$s"; done
# shellcheck disable=SC2086
if ! "$STARTUP_TIME" "$RUNS" "$TMP/dyno" $dirs >"$TMP/times"; then
	echo "startup: a dyno list run failed" >&2
	exit 2
fi
echo "# dyno list wall time, $(date -u +%Y-%m-%dT%H:%M:%SZ), $RUNS runs per set alternated, ms"
printf '%-62s %8s %15s %7s\n' "plugins loaded" median "p25-p75" min
while read -r dir n med p25 p75 min; do
	s=$(basename "$dir")
	printf '%-62s %8.2f %7.2f-%-7.2f %7.2f\n' "$(label "$s")" "$med" "$p25" "$p75" "$min"
	eval "med_$(echo "$s" | tr - _)=$med"
done <"$TMP/times"

# shellcheck disable=SC2154
if [ -n "${med_ar:-}" ]; then
	echo "autoreject's own cost (median minus only null.so): $(echo "$med_ar $med_null" | awk '{printf "%.2f", $1 - $2}') ms"
	[ -n "$old" ] && echo "  at $old: $(echo "$med_old_ar $med_null" | awk '{printf "%.2f", $1 - $2}') ms"
	[ -n "$old" ] && echo "every plugin, now / at $old: $(echo "$med_all $med_old_all" | awk '{printf "%.2f", $1 / $2}')"
fi
if command -v hyperfine >/dev/null 2>&1; then
	DYNO_PLUGIN_PATH="$TMP/all" hyperfine -N --style none --warmup 20 \
		--runs "$RUNS" --export-json "$TMP/hf.json" "$TMP/dyno list" \
		>/dev/null 2>&1 &&
		echo "hyperfine, every plugin: median $(jq '.results[0].median * 1000 * 100 | round / 100' "$TMP/hf.json") ms (mean $(jq '.results[0].mean * 1000 * 100 | round / 100' "$TMP/hf.json") ms)"
else
	echo "(hyperfine not installed: no cross-check)"
fi
if echo "$med_all $TARGET_MS" | awk '{exit !($1 <= $2)}'; then
	echo "every plugin: $med_all ms, target <= $TARGET_MS ms: met"
else
	echo "every plugin: $med_all ms, target <= $TARGET_MS ms: TARGET MISSED"
	exit 1
fi
