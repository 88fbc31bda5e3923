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
# It also writes BUILD/device-bundle/run.sh, the script to run there from the
# repository root: make check-gpu's tests, make bench-gpu's and make
# bench-gpu-torch's scripts, run directly (the build's Makefile holds this
# machine's absolute paths, and copied timestamps would make it rebuild),
# with the bundle on LD_LIBRARY_PATH and any wheels carried in .whl/
# installed to /tmp/site (the machine's python3 has torch, not braindecode
# or ultralytics: scripts/device-wheels.sh fetches their wheels, 13 MB, for
# gpu-torch.py's EEGPT and YOLO cases, which say skipped without them).
# A call carries 64 MiB at most: the bundle alone is about 40 MB (libdnnl),
# the tracked tree 5 MB, dyno with its plugins and test programs about 10 MB,
# the wheels 13 MB.  So carry BUILD's dyno, plugins, tests, Makefile and
# device-bundle for "sh BUILD/device-bundle/run.sh check-gpu bench-gpu", and
# .whl/ alone (gpu-torch.py needs no build) in a call of its own:
#   python3 -m pip install -q --no-index --no-deps --target /tmp/site \
#     .whl/*.whl && PYTHONPATH=/tmp/site python3 bench/gpu-torch.py
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
cat >"$out/run.sh" <<'RUN'
#!/bin/sh
# run.sh - made by scripts/device-bundle.sh; on the GPU machine, from the
# repository root: check-gpu, bench-gpu and bench-gpu-torch as the Makefile's
# recipes run them, each one's exit status noted, all of them run.
#   sh BUILD/device-bundle/run.sh [check-gpu] [bench-gpu] [bench-gpu-torch]
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(dirname "$here")
export LD_LIBRARY_PATH="$here${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
rel=$(sed -n 's/^top_srcdir = //p' "$build/Makefile" 2>/dev/null)
top=$(cd "$build/${rel:-.}" && pwd)
if ls "$top"/.whl/*.whl >/dev/null 2>&1; then
	python3 -m pip install -q --no-index --no-deps --no-compile \
		--no-cache-dir --upgrade --target /tmp/site "$top"/.whl/*.whl &&
		export PYTHONPATH="/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
fi
export DYNO="$build/dyno" TOP_BUILDDIR="$build" TOP_SRCDIR="$top"
rc=0
for t in ${*:-check-gpu bench-gpu bench-gpu-torch}; do
	echo "== run.sh: $t"
	case $t in
	check-gpu)
		for p in $(sed -n 's/^NN_CUDA_TESTS = //p' "$build/Makefile"); do
			if [ ! -x "$build/$p" ]; then
				echo "run.sh: $build/$p: not built (make $p before carrying)"
				rc=1; continue
			fi
			"$build/$p"; r=$?
			[ $r = 0 ] || [ $r = 77 ] || { echo "run.sh: $p: exit $r"; rc=1; }
		done
		sh "$top/plugins/gpu/tests/check_gpu.sh"; r=$?
		[ $r = 0 ] || [ $r = 77 ] || rc=1 ;;
	bench-gpu)
		sh "$top/bench/gpu-vs-torch.sh" || rc=1 ;;
	bench-gpu-torch)
		python3 "$top/bench/gpu-torch.py" ${GPU_TORCH_ARGS:-} || rc=1 ;;
	*)
		echo "run.sh: $t: expected check-gpu, bench-gpu or bench-gpu-torch"
		rc=1 ;;
	esac
done
exit $rc
RUN
n=$(find "$out" -type f -name '*.so*' | wc -l)
echo "device-bundle: $n libraries and run.sh in $out" >&2
echo "export LD_LIBRARY_PATH=\"$(cd "$out" && pwd)\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\""
