#!/bin/sh
# test_heavy.sh - the autoreject plugin as a shell and an implementation
# (plugins/common/heavy.h): the shell that every dyno command loads needs
# no heavy library and `dyno list` maps none, while a probe's process
# does; a missing, foreign, stale or unsafe implementation, or a library
# it needs that is missing, is the probe's one-line failure and never a
# warning of `dyno list`; the implementation is found through a symlinked
# shell, and after make install.
. "$TOP_SRCDIR/tests/cli/lib.sh"

B=$TOP_BUILDDIR/plugins/autoreject
IMPL=impl/autoreject-impl.so
ONCE="--min-time 1ms --max-time 1ms"
G="autoreject.global duration=30s"
CC=${CC:-cc}

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | tr '\n' ' '; }
heavy='blas|lapack|edf'
n=$(needed "$B/autoreject.so")
if echo "$n" | grep -Eq "$heavy"; then ko "the shell needs a heavy library: $n"
else ok "the shell autoreject.so needs no heavy library ($n)"; fi
n=$(needed "$B/$IMPL")
if echo "$n" | grep -q lapacke && echo "$n" | grep -q openblas; then
	ok "the implementation needs LAPACKE and OpenBLAS ($n)"
else ko "the implementation does not need LAPACKE and OpenBLAS: $n"; fi

# A dyno outside the build tree sees only the directories it is given.
mkdir -p "$TMP/bin" "$TMP/p/impl"
cp "$DYNO" "$TMP/bin/dyno"
D=$TMP/bin/dyno
cp "$B/autoreject.so" "$TMP/p/"
cp "$B/$IMPL" "$TMP/p/$IMPL"
export DYNO_PLUGIN_PATH="$TMP/p"

LD_DEBUG=files "$D" list >"$TMP/out" 2>"$TMP/ld"
contains "dyno list shows the probes" "$TMP/out" "autoreject.global"
if grep -Eq "file=[^ ]*($heavy)" "$TMP/ld"; then
	ko "dyno list loads $(grep -Eo "file=[^ ]*($heavy)[^ ]*" "$TMP/ld" | head -1)"
else ok "dyno list loads no heavy library"; fi
LD_DEBUG=files "$D" probe $G $ONCE --json >"$TMP/out" 2>"$TMP/ld"
jq_true "the probe runs" "$TMP/out" '.status == "ok"'
if grep -q "file=libopenblas" "$TMP/ld"; then ok "the probe's process loads OpenBLAS"
else ko "the probe's process never loaded OpenBLAS"; fi

# fails NAME TEXT: the probe fails with one line holding TEXT, and
# dyno list still lists the plugin without a word on stderr.
fails() {
	expect "$1: dyno list" 0 "$D" list
	if [ -s "$TMP/err" ]; then ko "$1: dyno list warns: $(head -1 "$TMP/err")"
	else ok "$1: dyno list says nothing"; fi
	contains "$1: listed" "$TMP/out" "autoreject.fit"
	expect "$1: the probe fails" 2 "$D" probe $G $ONCE --json
	jq_true "$1: failed, one line" "$TMP/out" \
		'.status == "failed" and (.message | contains("\n") | not)'
	jq -r .message "$TMP/out" >"$TMP/msg"
	contains "$1: the message says why" "$TMP/msg" "$2"
}

rm "$TMP/p/$IMPL"
fails "no implementation" "autoreject: its implementation $TMP/p/$IMPL: No such file or directory"
expect "describe needs no implementation" 0 "$D" describe autoreject.fit
contains "describe lists the parameters" "$TMP/out" "n_interpolate"

cp "$TOP_BUILDDIR/plugins/null/null.so" "$TMP/p/$IMPL"
fails "a foreign library" "is not its implementation (no autoreject_impl_v1 symbol)"

# Implementations of another build, and one needing a missing library.
cat >"$TMP/fake.c" <<'EOF'
#include "heavy.h"
static const struct heavy_probe *const none[] = { NULL };
static const struct heavy_impl fake = {
	.size = sizeof(struct heavy_impl), .abi = HEAVY_ABI,
	.version = VERSION, .probes = none,
};
HEAVY_IMPL_ENTRY(autoreject_impl_v1) { return &fake; }
EOF
: >"$TMP/gone.c"
FAKE="$CC -shared -fPIC -I$TOP_SRCDIR/core/include -I$TOP_SRCDIR/plugins/common"
if $FAKE -o "$TMP/p/$IMPL" -DVERSION='"0.9.0"' "$TMP/fake.c" 2>"$TMP/cc.log"; then
	fails "another version" "is version 0.9.0, the plugin 1.0.0"
	$FAKE -o "$TMP/p/$IMPL" -DVERSION='"1.0.0"' "$TMP/fake.c"
	fails "a probe missing" "has no probe 'global'"
	$FAKE -o "$TMP/libdynogone.so" "$TMP/gone.c"
	$FAKE -o "$TMP/p/$IMPL" -DVERSION='"1.0.0"' "$TMP/fake.c" \
		-L"$TMP" -Wl,--no-as-needed -ldynogone
	rm "$TMP/libdynogone.so"
	fails "a library missing" "libdynogone.so: cannot open shared object file"
else
	ko "cannot build a fake implementation with $CC"; cat "$TMP/cc.log"
fi

cp "$B/$IMPL" "$TMP/p/$IMPL"
chmod o+w "$TMP/p/$IMPL"
fails "world-writable" "refused: its implementation $TMP/p/$IMPL is world-writable"
chmod o-w "$TMP/p/$IMPL"
expect "repaired: the probe runs" 0 "$D" probe $G $ONCE --json

# A shell symlinked into another directory finds the implementation
# beside its real file.
mkdir "$TMP/link"
ln -s "$TMP/p/autoreject.so" "$TMP/link/autoreject.so"
DYNO_PLUGIN_PATH="$TMP/link" "$D" probe $G $ONCE --json >"$TMP/out" 2>"$TMP/err"
jq_true "through a symlinked shell" "$TMP/out" '.status == "ok"'
unset DYNO_PLUGIN_PATH

# Installed: impl/ under the plugin directory, where the loader never
# looks for plugins.
${MAKE:-make} -s -C "$TOP_BUILDDIR" install-binPROGRAMS install-pluginPROGRAMS \
	install-plugimplPROGRAMS DESTDIR="$TMP/inst" >"$TMP/install.log" 2>&1 ||
	{ ko "make install"; cat "$TMP/install.log"; finish; exit 1; }
so=$(find "$TMP/inst" -name autoreject.so | head -n 1)
bin=$(find "$TMP/inst" -path '*/bin/dyno' | head -n 1)
pdir=$(dirname "$so")
if [ -f "$pdir/$IMPL" ]; then ok "installed $IMPL beside autoreject.so"
else ko "no $IMPL in $pdir"; fi
expect "installed: dyno list" 0 "$bin" --plugin-dir "$pdir" list
if [ -s "$TMP/err" ]; then ko "installed: dyno list warns: $(head -1 "$TMP/err")"
else ok "installed: dyno list says nothing"; fi
expect "installed: the probe runs" 0 "$bin" --plugin-dir "$pdir" probe $G $ONCE --json
jq_true "installed: ok" "$TMP/out" '.status == "ok"'

finish
