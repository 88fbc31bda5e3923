#!/bin/sh
# slurm.sh - dyno run --fleet under srun, on a Slurm cluster of four nodes
# on this machine (scripts/test-cluster.sh: own /tmp and host name per
# node): end to end, and a hung rank.  Skips, saying why, without root,
# Slurm or MPI.
. "$TOP_SRCDIR/tests/cli/lib.sh"

skip() { echo "1..0 # SKIP $*"; exit 77; }
[ -f "$TOP_BUILDDIR/fleet/fleet_mpi.so" ] || skip "dyno built without MPI"
[ "$(id -u)" -eq 0 ] || skip "the test cluster needs root"
for p in srun sinfo unshare; do
	command -v $p >/dev/null 2>&1 || skip "$p not found (install slurm-wlm)"
done
[ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] || skip "slurmctld/slurmd not found (install slurm-wlm)"

# Sanitized builds: as in fleet.sh (Open MPI leaks at exit).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
# Its own state and ports, so that runs beside each other do not meet.
DYNO_CLUSTER_DIR=/var/tmp/dyno-slurm-test-$$
DYNO_CLUSTER_PORT=$((20000 + $$ % 1000 * 5))
export DYNO_CLUSTER_DIR DYNO_CLUSTER_PORT
CLUSTER=$TOP_SRCDIR/scripts/test-cluster.sh
trap '"$CLUSTER" stop >/dev/null 2>&1; rm -rf "$TMP"' EXIT
if ! "$CLUSTER" start 4 >"$TMP/cluster" 2>&1; then
	cat "$TMP/cluster"
	skip "the test cluster did not start: $(tail -1 "$TMP/cluster")"
fi
SLURM_CONF=$DYNO_CLUSTER_DIR/slurm.conf
export SLURM_CONF
# Jobs see this machine's files but their node's own /tmp: work elsewhere.
W=$DYNO_CLUSTER_DIR/work
mkdir -p "$W" && cd "$W" || exit 1
SUITE=$TOP_SRCDIR/tests/fleet/short.lua
RUN="$DYNO --plugin-dir $TOP_BUILDDIR/tests/fleet run $SUITE --fleet $FAST --fleet-timeout 4s --out $W/f.json"

expect "srun -N 4: exit 0" 0 timeout -k 20 120 srun -N 4 -n 4 --mpi=pmix $RUN --fleet-pairs ring
jq_true "4 nodes n1..n4, all done" f.json \
	'[.fleet.nodes[] | [.hostname, .status]] == [["n1","done"],["n2","done"],["n3","done"],["n4","done"]]'
jq_true "20 records (12 of the suite, 8 of node pairs), each with its node" f.json \
	'(.results | length == 20) and ([.results[].node.hostname] | unique == ["n1","n2","n3","n4"])'
jq_true "node pairs: n1-n2, n2-n3, n3-n4, n4-n1, ok" f.json '
	[.results[] | select(.id == "network.mpi_pingpong") | [.node.hostname, .params.peer, .status]] | sort ==
	[["n1",1,"ok"],["n2",2,"ok"],["n3",3,"ok"],["n4",0,"ok"]]'
jq_true "one rank a node: every node runs its exclusive probe" f.json \
	'[.results[] | select(.id == "fleettest.exclusive") | .status] == ["ok","ok","ok","ok"]'
n=$(wc -l < f.jsonl)
[ "$n" -eq 20 ] && ok "store: 20 lines" || ko "store: $n lines, wanted 20"

# dyno tune --fleet on two nodes, n1 with two ranks and n2 with one
# (srun's block distribution): the plan's scaling efficiency is measured,
# an instance's throughput with two on a node against one alone.
TUNE="$DYNO --plugin-dir $TOP_BUILDDIR/tests/fleet tune --suite $TOP_SRCDIR/tests/fleet/tune.lua --fleet --fleet-timeout 10s"
expect "tune: srun -N 2 -n 3: exit 0" 0 timeout -k 20 120 srun -N 2 -n 3 -m block --mpi=pmix \
	$TUNE -o $W/t.yaml --tune-json $W/t.json -D target=work.items_per_s=1e12
jq_true "tune: ranks 0 and 1 share n1, rank 2 is alone on n2" t.fleet.json \
	'[.fleet.nodes[] | [.hostname, .node_leader]] == [["n1",0],["n1",0],["n2",2]]'
if jq -e --slurpfile d t.fleet.json '
	($d[0].fleet.nodes | map(.tune.tune.work.items_per_s)) as $v |
	.tune.capacity["g" + $d[0].fleet.groups[0].fingerprint] as $c |
	$c.nodes == 2 and
	($c.scaling_efficiency - (($v[0] + $v[1]) / 2 / $v[2]) | fabs) < 0.001' t.json >/dev/null
then ok "tune: scaling efficiency = (n1's two ranks / 2) / n2's one"
else ko "tune: scaling efficiency = (n1's two ranks / 2) / n2's one"; cat t.json; fi
jq_true "tune: the efficiency's reason says how it was measured" t.json \
	'[.why | to_entries[] | select(.key | endswith("scaling_efficiency")) | .value.reason | test("ranks per node")] == [true]'

# A hung rank (stopped): lost after --fleet-timeout, the others complete.
# (A rank that dies ends the whole step under srun: Slurm's PMIx plugin
# aborts it, so only the store keeps what came before; docs/fleet.md.)
rm -f f.json f.jsonl
timeout -k 20 120 srun -N 4 -n 4 --mpi=pmix sh -c \
	'if [ "$SLURM_PROCID" = 3 ]; then exec "$@" --unsafe-lua -D die=hang; else exec "$@"; fi' \
	sh $RUN >out 2>err
rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] && ok "hung rank: exit non-zero ($rc)" || ko "hung rank: exit $rc"
jq_true "hung rank: n4 lost with its first record" f.json \
	'.fleet.nodes[3] | .hostname == "n4" and .status == "lost" and .records == 1'
jq_true "hung rank: the others done" f.json '[.fleet.nodes[0:3][] | .status == "done"] | all'
finish
