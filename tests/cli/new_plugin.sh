#!/bin/sh
# new_plugin.sh - `dyno new-plugin` writes a skeleton that builds against
# the installed tree (make install DESTDIR, pkg-config) and loads.
. "$TOP_SRCDIR/tests/cli/lib.sh"

expect "new-plugin" 0 "$DYNO" new-plugin widget "$TMP/widget"
contains "next steps" "$TMP/out" "make check"
for f in widget.c Makefile test.sh; do
	if [ -f "$TMP/widget/$f" ]; then ok "wrote $f"; else ko "wrote $f"; fi
done
expect "refuses to overwrite" 2 "$DYNO" new-plugin widget "$TMP/widget"
contains "says nothing overwritten" "$TMP/err" "nothing is overwritten"
expect "refuses a bad name" 2 "$DYNO" new-plugin Bad-Name "$TMP/bad"

${MAKE:-make} -s -C "$TOP_BUILDDIR" install DESTDIR="$TMP/inst" >"$TMP/install.log" 2>&1 ||
	{ ko "make install"; cat "$TMP/install.log"; finish; exit 1; }
pc=$(find "$TMP/inst" -name dyno-plugin.pc | head -n 1)
hdr=$(find "$TMP/inst" -path '*/dyno/plugin.h' | head -n 1)
bin=$(find "$TMP/inst" -path '*/bin/dyno' | head -n 1)
man=$(find "$TMP/inst" -name dyno.1 | head -n 1)
[ -n "$pc" ] && ok "installed dyno-plugin.pc" || ko "installed dyno-plugin.pc"
[ -n "$hdr" ] && ok "installed dyno/plugin.h" || ko "installed dyno/plugin.h"
[ -n "$bin" ] && ok "installed bin/dyno" || ko "installed bin/dyno"
[ -n "$man" ] && ok "installed dyno.1" || ko "installed dyno.1"
if find "$TMP/inst" -path '*/dyno/plugins/null.so' | grep -q .; then
	ok "installed null.so"; else ko "installed null.so"; fi

# Build the skeleton against the installed header only.
PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$TMP/inst" \
	${MAKE:-make} -s -C "$TMP/widget" CFLAGS="-O2 -Werror" >"$TMP/build.log" 2>&1 &&
	ok "skeleton builds out of tree" || { ko "skeleton builds out of tree"; cat "$TMP/build.log"; }
# The plugin's own test loads it with this dyno and runs its probe.
PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR="$TMP/inst" DYNO="$DYNO" \
	${MAKE:-make} -s -C "$TMP/widget" check >"$TMP/check.log" 2>&1 &&
	ok "skeleton test passes" || { ko "skeleton test passes"; cat "$TMP/check.log"; }
jq_true "bandwidth reported" "$TMP/widget/result.json" '.metrics.bandwidth.median > 0'

finish
