#!/bin/sh
# layout.sh - the source layout's rules (ARCHITECTURE.md, "Layout"):
# - plugins compile against the public header only: every plugin target's
#   flags in Makefile.am name no core directory but core/include, and
#   every plugin target takes $(PLUGIN_CPPFLAGS);
# - a plugin's quoted includes resolve inside its own directory,
#   plugins/common/, plugins/nn/ (the inference engine), or (the network
#   plugin) serve/wire.h, or (any plugin: the AutoReject library)
#   plugins/autoreject/ar_api.h;
# - data flows cli -> report, serve -> core: core/ includes nothing from
#   cli/, report/ or serve/; report/ and serve/ include nothing from cli/
#   or each other; so no include cycle crosses a folder;
# - no include cycle between modules (x.c and x.h) inside the folders;
# - no source file in core/, cli/, report/ or serve/ is over 800 lines.
. "$TOP_SRCDIR/tests/cli/lib.sh"

src=$TOP_SRCDIR
mk=$src/Makefile.am

# Each plugin target's variables, continuation lines joined.
awk '/\\$/ { sub(/\\$/, ""); buf = buf $0; next }
	{ print buf $0; buf = "" }' "$mk" |
	grep -E '^plugins_[a-z0-9_]+_so_(CPPFLAGS|CFLAGS)' >"$TMP/pflags"
if grep -E -- '-I[^ ]*/core([ /]|$)' "$TMP/pflags" | grep -v -- '/core/include' \
	>"$TMP/bad"; then
	ko "a plugin target gets a core directory: $(head -1 "$TMP/bad")"
else
	ok "no plugin target gets -I core"
fi
grep -E '^plugin_PROGRAMS \+?= ' "$mk" | sed 's/.*= //' >"$TMP/plugins"
missing=
while read -r so; do
	var=$(echo "$so" | tr '/.' '__')
	grep -qE "^${var}_CPPFLAGS = \\\$\\(PLUGIN_CPPFLAGS\\)$" "$mk" ||
		missing="$missing $so"
done <"$TMP/plugins"
if [ -z "$missing" ] && [ -s "$TMP/plugins" ]; then
	ok "every plugin target takes PLUGIN_CPPFLAGS"
else
	ko "plugin targets without PLUGIN_CPPFLAGS:$missing"
fi

# includes FILE: the quoted #include names of FILE, one a line.
includes() {
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"
}

bad=
for f in $(find "$src/plugins" -name '*.c' -o -name '*.h' -o -name '*.cu'); do
	dir=$(dirname "$f")
	for h in $(includes "$f"); do
		[ "$h" = config.h ] && continue
		[ -f "$dir/$h" ] && continue
		[ -f "$src/plugins/common/$h" ] && continue
		# The inference engine is a library for model plugins.
		[ -f "$src/plugins/nn/$h" ] && continue
		case $f:$h in "$src"/plugins/network/*:wire.h) continue ;; esac
		[ "$h" = ar_api.h ] && [ -f "$src/plugins/autoreject/ar_api.h" ] && continue
		bad="$bad ${f#"$src"/}:$h"
	done
done
if [ -z "$bad" ]; then ok "plugins include only their own, common and public headers"
else ko "plugins include internals:$bad"; fi

# folder_includes DIR FORBIDDEN...: DIR's files include no header that
# exists only in one of the FORBIDDEN folders.
folder_includes() {
	dir=$1
	shift
	bad=
	for f in "$src/$dir"/*.c "$src/$dir"/*.h; do
		[ -f "$f" ] || continue
		for h in $(includes "$f"); do
			[ -f "$src/$dir/$h" ] && continue
			for other in "$@"; do
				[ -f "$src/$other/$h" ] && bad="$bad ${f#"$src"/}:$other/$h"
			done
		done
	done
	if [ -z "$bad" ]; then ok "$dir/ includes nothing from $*"
	else ko "$dir/ reaches into another folder:$bad"; fi
}
folder_includes core cli report serve
folder_includes report cli serve
folder_includes serve cli report

# Modules: x.c with x.h (and x_int.h, x's private header).  An include
# from one module to another is an edge; tsort finds any cycle.
for f in "$src"/core/*.[ch] "$src"/cli/*.[ch] "$src"/report/*.[ch] \
	"$src"/serve/*.[ch]; do
	[ -f "$f" ] || continue
	m=$(basename "$f")
	m=${m%.?}
	m=${m%_int}
	for h in $(includes "$f"); do
		h=${h%.h}
		h=${h%_int}
		[ "$h" = config ] || [ "$h" = "$m" ] || echo "$m $h"
	done
done >"$TMP/edges"
if tsort "$TMP/edges" >/dev/null 2>"$TMP/loop"; then
	ok "no include cycle between the modules of core, cli, report, serve"
else
	ko "include cycle: $(grep -v 'input contains a loop' "$TMP/loop" |
		sed 's/^tsort: //' | tr '\n' ' ')"
fi

long=
for f in "$src"/core/*.[ch] "$src"/cli/*.[ch] "$src"/report/*.[ch] \
	"$src"/serve/*.[ch]; do
	[ -f "$f" ] || continue
	n=$(wc -l <"$f")
	[ "$n" -gt 800 ] && long="$long ${f#"$src"/}($n)"
done
if [ -z "$long" ]; then ok "no file in core, cli, report, serve over 800 lines"
else ko "files over 800 lines:$long"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
