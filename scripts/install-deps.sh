#!/bin/sh
# install-deps.sh - install every Debian package dyno's build, tests and
# benchmarks need.  Idempotent and non-interactive; run as root or with sudo.
set -eu

PACKAGES="
build-essential autoconf automake pkg-config g++
libjansson-dev libhwloc-dev
libcriterion-dev libbenchmark-dev libbenchmark-tools python3-scipy
liblua5.4-dev libyaml-dev liburing-dev
libhiredis-dev redis-server sysbench
iperf3 sockperf wrk nginx-light nghttp2-client iproute2 curl
jq valgrind hwloc xz-utils libxml2-utils fio
clang libclang-rt-14-dev
liblapacke-dev libopenblas-dev libedf-dev
libdnnl-dev
gnuplot-nox chromium fonts-dejavu-core prometheus perl
hyperfine
libopenmpi-dev openmpi-bin slurm-wlm
libavcodec-dev libavutil-dev libswscale-dev
"
# libavcodec-dev libavutil-dev libswscale-dev: yolo.pipeline encodes its
# own H.264 clip (libavcodec's libx264, which Debian's libavcodec59 has),
# decodes it with decode_threads and converts frames to BGR (libswscale).

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
fi

missing=
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages already installed"
	exit 0
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
