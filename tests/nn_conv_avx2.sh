#!/bin/sh
# nn_conv_avx2.sh - tests/test_nn_conv again with oneDNN held to AVX2: on
# an AVX-512 machine fp32 images are blocked (nChw16c), so this is what
# runs the channels-last layout, its stage copies and the shortcut as a
# binary add, as a CPU without AVX-512 (and valgrind) does.
: "${TOP_BUILDDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
if [ ! -x "$TOP_BUILDDIR/tests/test_nn_conv" ]; then
	echo "nn_conv_avx2.sh: skipped: tests/test_nn_conv not built (Criterion, oneDNN)"
	exit 77
fi
ONEDNN_MAX_CPU_ISA=AVX2 exec "$TOP_BUILDDIR/tests/test_nn_conv"
