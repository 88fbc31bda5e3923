#!/bin/sh
# fuzz/run.sh - build the libFuzzer targets with clang and run each for
# FUZZ_SECONDS (default 30); exit non-zero if any of them crashed.
#
# Needs clang and its libFuzzer runtime (Debian 12: clang, libclang-rt-14-dev).
# The build does not use configure's config.h: the core sources include
# "config.h" first, so an empty one is generated in the build directory.
#   FUZZ_SECONDS  run time per target (default 30)
#   FUZZ_OUT      build directory, working corpora and crash files
#                 (default ./fuzz-out); the seed corpora are only read
#   FUZZ_CC       the compiler (default clang; not $CC, which configure
#                 may have set to gcc, which has no libFuzzer)
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-$PWD/fuzz-out}
seconds=${FUZZ_SECONDS:-30}
cc=${FUZZ_CC:-clang}

mkdir -p "$out/build"
: >"$out/build/config.h"
jansson_cflags=$(pkg-config --cflags jansson 2>/dev/null || true)
jansson_libs=$(pkg-config --libs jansson 2>/dev/null || echo -ljansson)
CFLAGS="-std=c11 -g -O1 -Wall -Wextra -Wno-unused-parameter
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer -D_GNU_SOURCE -DPACKAGE_VERSION=\"fuzz\"
	-I$out/build -I$src/core/include -I$src/core
	-I$src/report -I$src/serve"

build() {
	name=$1
	shift
	echo "fuzz: building $name"
	# shellcheck disable=SC2086
	$cc $CFLAGS $jansson_cflags -o "$out/build/$name" "$@" -lm
}
build fuzz_units "$src/fuzz/fuzz_units.c" "$src/core/units.c" \
	"$src/core/err.c"
build fuzz_serve_http "$src/fuzz/fuzz_serve_http.c" "$src/serve/serve_http.c"
build fuzz_threshold "$src/fuzz/fuzz_threshold.c" "$src/core/threshold.c" \
	"$src/core/units.c" "$src/core/err.c" $jansson_libs
build fuzz_rundoc "$src/fuzz/fuzz_rundoc.c" "$src/report/rundoc.c" \
	"$src/report/compare_stats.c" "$src/core/histogram.c" "$src/core/err.c" \
	"$src/core/xmalloc.c" "$src/core/strbuf.c" $jansson_libs
# The autoreject plugin's raw reader (without libedf: EDF parsing is
# libedf's, covered by the plugin's tests).
ar=$src/plugins/autoreject
build fuzz_ar_raw -I"$ar" -I"$src/plugins/common" "$src/fuzz/fuzz_ar_raw.c" \
	"$ar/input.c" "$ar/montage.c" "$ar/epochs.c" $jansson_libs

# The nn engine's safetensors reader (jansson parses the JSON header).
nn=$src/plugins/nn
build fuzz_safetensors -I"$nn" "$src/fuzz/fuzz_safetensors.c" \
	"$nn/safetensors.c" $jansson_libs

# yolo.pipeline's clip reader (libavcodec parses and decodes; the target
# checks that video.c ends every input in frames or a one-line error).
targets="threshold units serve_http rundoc ar_raw safetensors"
if pkg-config --exists libavcodec libavutil libswscale; then
	yolo=$src/plugins/yolo
	# shellcheck disable=SC2046
	build fuzz_h264 -I"$yolo" $(pkg-config --cflags libavcodec) \
		"$src/fuzz/fuzz_h264.c" "$yolo/video.c" \
		$(pkg-config --libs libavcodec libavutil libswscale)
	targets="$targets h264"
else
	echo "fuzz: fuzz_h264 skipped (no libavcodec-dev, libswscale-dev)"
fi

failed=0
for t in $targets; do
	# New inputs go to the working corpus (first directory), never into
	# the seeds in the source tree.
	mkdir -p "$out/corpus/$t" "$out/crashes/$t"
	echo "fuzz: running fuzz_$t for ${seconds}s"
	rc=0
	# HTTP heads reach their 8 KiB limit only with longer inputs.
	max_len=512
	[ "$t" = serve_http ] && max_len=10000
	# A run document with a histogram is a few hundred bytes already.
	[ "$t" = rundoc ] && max_len=4096
	# A header and a few epochs of float64 samples.
	[ "$t" = ar_raw ] && max_len=4096
	# A header naming a few tensors, and their bytes.
	[ "$t" = safetensors ] && max_len=4096
	# A few small coded frames (the seed is a 32x32 clip).
	[ "$t" = h264 ] && max_len=16384
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$out/build/fuzz_$t" -max_total_time="$seconds" -max_len="$max_len" \
		-timeout=10 -print_final_stats=1 \
		-artifact_prefix="$out/crashes/$t/" \
		"$out/corpus/$t" "$src/fuzz/corpus/$t" >"$out/fuzz_$t.log" 2>&1 ||
		rc=$?
	grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' \
		"$out/fuzz_$t.log" || true
	if [ "$rc" -ne 0 ]; then
		tail -n 40 "$out/fuzz_$t.log"
		echo "fuzz: fuzz_$t FAILED (exit $rc); inputs in $out/crashes/$t/"
		failed=1
	else
		echo "fuzz: fuzz_$t ok"
	fi
done
exit "$failed"
