#!/bin/sh
# test-netns.sh - N network namespaces on one machine, each a "node" with
# its own address, joined by veth pairs to one bridge in this namespace:
# what the fleet tests run MPI ranks in, so that node pairs cross a link
# (veth, bridge, veth) and not shared memory or loopback.  Root only.
#
#   scripts/test-netns.sh start [N]   namespaces PREFIX1..PREFIXN at
#                                     NET.1..NET.N/24, the bridge PREFIXbr
#                                     at NET.254 (default N 2)
#   scripts/test-netns.sh stop        remove them
#   scripts/test-netns.sh mpi         the mpirun options and environment
#                                     that keep Open MPI on that network
#
# DYNO_NETNS_PREFIX (default dynons) and DYNO_NETNS_NET (default
# 10.218.0): names and addresses, so runs beside each other do not meet.
set -eu

P=${DYNO_NETNS_PREFIX:-dynons}
NET=${DYNO_NETNS_NET:-10.218.0}

die() { echo "test-netns: $*" >&2; exit 1; }

start() {
	n=${1:-2}
	[ "$(id -u)" -eq 0 ] || die "needs root (ip netns)"
	command -v ip >/dev/null 2>&1 || die "no ip command (iproute2)"
	ip link add "${P}br" type bridge || die "cannot make a bridge here"
	ip addr add "$NET.254/24" dev "${P}br"
	ip link set "${P}br" up
	for k in $(seq 1 "$n"); do
		ip netns add "$P$k" || { stop >/dev/null 2>&1; die "ip netns add is not permitted here"; }
		ip link add "${P}v$k" type veth peer name "${P}h$k"
		ip link set "${P}v$k" netns "$P$k"
		ip link set "${P}h$k" master "${P}br"
		ip link set "${P}h$k" up
		ip -n "$P$k" addr add "$NET.$k/24" dev "${P}v$k"
		ip -n "$P$k" link set "${P}v$k" up
		ip -n "$P$k" link set lo up
	done
	echo "test-netns: $n namespaces ${P}1..$P$n at $NET.1..$NET.$n, bridge ${P}br at $NET.254"
}

stop() {
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in "$P"[0-9]*) ip netns del "$ns" ;; esac
	done
	# A namespace outlives its deletion while a process is in it: its
	# veth's host end goes here, at once.
	for l in $(ip -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | sed 's/@.*//'); do
		case $l in "${P}h"[0-9]*) ip link del "$l" 2>/dev/null || true ;; esac
	done
	ip link del "${P}br" 2>/dev/null || true
	echo "test-netns: stopped"
}

# Open MPI 4 with PMIx 4: a rank reaches its local server over TCP, on
# loopback by default, which a rank in another namespace cannot see; and
# ranks on one host would talk over shared memory.  So: the server
# listens on the bridge, and ranks use TCP on the namespaces' network.
mpi() {
	echo "env PMIX_MCA_ptl_tcp_remote_connections=1 PMIX_MCA_ptl_tcp_if_include=${P}br" \
		"mpirun --mca btl tcp,self --mca btl_tcp_if_include $NET.0/24" \
		"--mca oob_tcp_if_include ${P}br"
}

case ${1:-} in
start) start "${2:-2}" ;;
stop) stop ;;
mpi) mpi ;;
*) echo "usage: scripts/test-netns.sh start [N] | stop | mpi" >&2; exit 2 ;;
esac
