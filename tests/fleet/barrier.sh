#!/bin/sh
# barrier.sh - dyno.fleet.barrier: a no-op outside a fleet; under mpirun
# the ranks leave it together, and a rank that died before it holds the
# others only until --fleet-timeout.
. "$TOP_SRCDIR/tests/cli/lib.sh"
SUITE=$TOP_SRCDIR/tests/fleet/barrier.lua
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"  # as fleet.sh
export ASAN_OPTIONS
MPI="mpirun --allow-run-as-root --oversubscribe"
cd "$TMP" || exit 1

# Outside a fleet: no rank, no size, the barrier returns true at once.
cat >solo.lua <<'LUA'
assert(dyno.fleet.rank == nil and dyno.fleet.size == nil)
local t0 = os.time()
assert(dyno.fleet.barrier() == true and dyno.fleet.barrier("x") == true)
assert(os.time() - t0 <= 1)
LUA
expect "solo: dyno.fleet outside a fleet" 0 "$DYNO" run solo.lua $FAST
expect "solo: the barrier suite runs" 0 "$DYNO" --plugin-dir "$TOP_BUILDDIR/tests/fleet" run "$SUITE" $FAST --out s.json
jq_true "solo: its records" s.json '[.results[].id] == ["fleettest.sleep", "null.clock"]'
printf 'dyno.fleet.barrier({})\n' >bad.lua
expect "solo: a name that is not a string" 2 "$DYNO" run bad.lua
contains "solo: says what it expected" "$TMP/out" "string expected"

if [ ! -f "$TOP_BUILDDIR/fleet/fleet_mpi.so" ]; then
	echo "skipped: the fleet parts (dyno built without MPI)"
	finish
	exit $?
fi
if ! command -v mpirun >/dev/null 2>&1; then
	echo "skipped: the fleet parts (mpirun not found; install openmpi-bin)"
	finish
	exit $?
fi

# started_at ("2026-12-06T18:50:40.673Z") as seconds.
T='(.[0:19] + "Z" | fromdateiso8601) + (.[20:23] | tonumber) / 1000'
RUN="$DYNO --plugin-dir $TOP_BUILDDIR/tests/fleet run $SUITE --fleet --fleet-timeout 4s --out f.json"

# Three ranks, the later ones sleeping 1.5s and 3s longer: they reach the
# barrier 3s apart and leave it together.  The bound is a sanity bound on
# a loaded, oversubscribed machine, not a speed figure.
expect "3 ranks: exit 0" 0 timeout -k 20 120 $MPI -np 3 $RUN
D=f.json
jq_true "3 ranks: all done" $D '.fleet.nodes | length == 3 and all(.status == "done")'
jq_true "3 ranks: they came to the barrier over 2s apart" $D "
	[.results[] | select(.id == \"fleettest.sleep\") | (.started_at | $T) + .duration_s] |
	max - min > 2"
jq_true "3 ranks: they left it within 0.5s" $D "
	[.results[] | select(.id == \"null.clock\") | .started_at | $T] |
	length == 3 and max - min < 0.5"
for r in 0 1 2; do
	if grep -q "barrier: rank $r of 3: true" "$TMP/out" "$TMP/err"; then ok "3 ranks: rank $r's barrier true"
	else ko "3 ranks: rank $r's barrier true"; cat "$TMP/out" "$TMP/err" | head; fi
done

# A rank that dies before the barrier: the others go on after the
# timeout (4s, not forever), saying why; the document marks it lost.
rm -f f.json f.jsonl f.jsonl.nodes
t0=$(date +%s)
timeout -k 20 120 $MPI --enable-recovery -np 2 $RUN : -np 1 $RUN --unsafe-lua -D die=kill >out 2>err
t=$(($(date +%s) - t0))
[ "$t" -lt 60 ] && ok "dead rank: the others ended ($t s)" || ko "dead rank: took $t s"
jq_true "dead rank: rank 2 lost" $D '.fleet.nodes[2].status == "lost"'
jq_true "dead rank: ranks 0 and 1 done, past the barrier" $D '
	(.fleet.nodes[0:2] | all(.status == "done")) and
	([.results[] | select(.id == "null.clock") | .node.rank] | sort == [0, 1])'
contains "dead rank: the barrier says it timed out" err "barrier 'probe' timed out"
if grep -q "barrier: rank 0 of 3: false" out err; then ok "dead rank: the barrier returned false"
else ko "dead rank: the barrier returned false"; fi
finish
