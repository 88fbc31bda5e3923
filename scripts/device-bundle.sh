#!/bin/sh
# device-bundle.sh - copies the shared libraries that a dyno build needs
# and a bare GPU test machine (Ubuntu 24.04 with CUDA, nothing else) lacks
# into BUILD/device-bundle/ (ignored by git), and prints the
# LD_LIBRARY_PATH line to use there.
#   scripts/device-bundle.sh BUILD_DIR
# It runs ldd on BUILD/dyno and every plugin under BUILD/plugins (and the
# test programs under BUILD/tests, when built), and copies every library
# whose name matches the list below (Lua 5.4, libyaml, liburing, hiredis,
# libedf, Criterion and what Criterion itself pulls in; oneDNN with the
# OpenMP runtime and OpenCL loader it links, for nn and its tests).  CUDA's own
# libraries are never copied: the machine has them.
set -eu
build=${1:?usage: scripts/device-bundle.sh BUILD_DIR}
[ -x "$build/dyno" ] || { echo "device-bundle: no dyno binary in $build (build it first)" >&2; exit 1; }
out=$build/device-bundle
mkdir -p "$out"
pattern='liblua5\.4|libyaml|liburing|libhiredis|libedf|libcriterion|libnanomsg|libnanopb|libgit2|libprotobuf-c|libboxfort|libdnnl|libgomp|libOpenCL'
bins=$(find "$build/dyno" "$build/plugins" "$build/tests" -type f \( -name '*.so' -o -perm -u+x \) 2>/dev/null)

for b in $bins; do
	ldd "$b" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }'
done | sort -u | while read -r name path; do
	echo "$name" | grep -Eq "$pattern" || continue
	# The soname the binaries ask for, as a real file (no symlink).
	cp -L "$path" "$out/$name"
	echo "device-bundle: $name <- $path" >&2
done
n=$(find "$out" -type f | wc -l)
echo "device-bundle: $n libraries in $out" >&2
echo "export LD_LIBRARY_PATH=\"$(cd "$out" && pwd)\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\""
