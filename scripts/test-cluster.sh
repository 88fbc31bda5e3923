#!/bin/sh
# test-cluster.sh - a Slurm cluster on one machine, for the fleet tests:
# slurmctld and N slurmd daemons (nodes n1..nN, each on its own port),
# AuthType=auth/none, no systemd, no munge; everything under one state
# directory.  Needs root (slurmd runs jobs as their user) and Debian's
# slurm-wlm.
#
#   scripts/test-cluster.sh start [N]   start (N nodes, default 4); prints
#                                       the SLURM_CONF to export
#   scripts/test-cluster.sh stop        stop the daemons, remove the state
#   scripts/test-cluster.sh status      sinfo
#
# DYNO_CLUSTER_DIR: the state directory (default /var/tmp/dyno-slurm;
# not under /tmp, which each node has its own of).  Jobs see the same
# files as the caller, but /tmp: run them from, and write to, elsewhere.
# DYNO_CLUSTER_PORT: slurmctld's port (default 16817); node k gets
# port + k.  Below the kernel's ephemeral range (32768 up), or a
# connection of anyone's may hold it.
set -eu

DIR=${DYNO_CLUSTER_DIR:-/var/tmp/dyno-slurm}
PORT=${DYNO_CLUSTER_PORT:-16817}
CONF=$DIR/slurm.conf

die() { echo "test-cluster: $*" >&2; exit 1; }

need() {
	for p in slurmctld slurmd sinfo srun; do
		command -v "$p" >/dev/null 2>&1 || [ -x "/usr/sbin/$p" ] ||
			die "$p not found (install slurm-wlm)"
	done
	[ "$(id -u)" -eq 0 ] || die "needs root (slurmd starts jobs as their user)"
}

write_conf() {
	n=$1
	cpus=$(nproc)
	mem=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
	mkdir -p "$DIR/state" "$DIR/spool"
	{
		echo "# written by dyno's scripts/test-cluster.sh"
		echo "ClusterName=dyno-test"
		echo "SlurmctldHost=localhost"
		echo "SlurmctldPort=$PORT"
		echo "AuthType=auth/none"
		echo "CredType=cred/none"
		echo "SlurmUser=root"
		echo "SlurmdUser=root"
		echo "StateSaveLocation=$DIR/state"
		echo "SlurmdSpoolDir=$DIR/spool/%n"
		echo "SlurmctldPidFile=$DIR/slurmctld.pid"
		echo "SlurmdPidFile=$DIR/slurmd-%n.pid"
		echo "SlurmctldLogFile=$DIR/slurmctld.log"
		echo "SlurmdLogFile=$DIR/slurmd-%n.log"
		echo "ProctrackType=proctrack/pgid"
		echo "TaskPlugin=task/none"
		echo "SelectType=select/cons_tres"
		echo "SelectTypeParameters=CR_Core"
		echo "SchedulerType=sched/builtin"
		echo "MpiDefault=none"
		echo "ReturnToService=2"
		echo "JobAcctGatherType=jobacct_gather/none"
		echo "AccountingStorageType=accounting_storage/none"
		echo "SlurmdTimeout=30"
		echo "InactiveLimit=0"
		echo "KillWait=2"
		for k in $(seq 1 "$n"); do
			echo "NodeName=n$k NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((PORT + k)) CPUs=$cpus RealMemory=$mem State=UNKNOWN"
		done
		echo "PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE"
	} >"$CONF"
	# slurmd reads cgroup.conf only with cgroup plugins; none here.
}

start() {
	n=${1:-4}
	need
	[ -f "$DIR/slurmctld.pid" ] && die "already running (scripts/test-cluster.sh stop)"
	write_conf "$n"
	export SLURM_CONF="$CONF"
	/usr/sbin/slurmctld -f "$CONF" -i || die "slurmctld did not start: see $DIR/slurmctld.log"
	# It forks before it binds its port: up when it answers.
	end=$(($(date +%s) + 30))
	until timeout 3 scontrol ping 2>/dev/null | grep -q 'is UP'; do
		pid=$(cat "$DIR/slurmctld.pid" 2>/dev/null || echo 0)
		if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -ge "$end" ]; then
			why=$(tail -1 "$DIR/slurmctld.log" 2>/dev/null)
			stop >/dev/null 2>&1
			die "slurmctld did not come up: $why"
		fi
		sleep 0.2
	done
	for k in $(seq 1 "$n"); do
		mkdir -p "$DIR/spool/n$k" "$DIR/tmp/n$k"
		chmod 1777 "$DIR/tmp/n$k"
		# Each node its own /tmp (a mount namespace): Slurm's PMIx
		# plugin makes /tmp/spmix_appdir_UID_JOB.STEP on every node,
		# and nodes that share /tmp would collide.  And its own host
		# name (a UTS namespace), as a node has: a fleet run's records
		# say which node they came from by it.
		unshare -m -u --propagation private sh -c 'mount --bind "$1" /tmp &&
			hostname "$3" && exec /usr/sbin/slurmd -f "$2" -N "$3"' sh \
			"$DIR/tmp/n$k" "$CONF" "n$k" ||
			die "slurmd n$k did not start: see $DIR/slurmd-n$k.log"
	done
	# Up when sinfo shows every node idle.
	end=$(($(date +%s) + 30))
	while :; do
		idle=$(timeout 3 sinfo -h -N -t idle -o %N 2>/dev/null | wc -l)
		[ "$idle" -ge "$n" ] && break
		if [ "$(date +%s)" -ge "$end" ]; then
			why=$(grep -h error "$DIR"/slurmd-*.log 2>/dev/null | tail -1)
			stop >/dev/null 2>&1
			die "only $idle of $n nodes idle after 30s: $why"
		fi
		sleep 0.2
	done
	echo "test-cluster: $n nodes up; export SLURM_CONF=$CONF"
}

stop() {
	for f in "$DIR"/slurmd-*.pid "$DIR/slurmctld.pid"; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		rm -f "$f"
	done
	rm -rf "$DIR"
	echo "test-cluster: stopped"
}

case ${1:-} in
start) start "${2:-4}" ;;
stop) stop ;;
status) SLURM_CONF=$CONF sinfo -N ;;
*) echo "usage: scripts/test-cluster.sh start [N] | stop | status" >&2; exit 2 ;;
esac
