#!/bin/sh
# gpu-vs-torch.sh - the gpu plugin's probes against PyTorch on the same
# device, in one run, alternated, ROUNDS times:
#   d2d     gpu.copy kind=d2d size=1GiB   vs  dst.copy_(src) of 1 GiB uint8
#   h2d     gpu.copy kind=h2d pinned 256MiB vs gpu.copy_(pinned cpu tensor)
#   d2h     gpu.copy kind=d2h pinned 256MiB vs pinned.copy_(gpu tensor)
#   gemm    gpu.gemm m=n=k=8192 precision=P vs torch.matmul, P in fp32 tf32
#           fp16 bf16 (tf32: torch.backends.cuda.matmul.allow_tf32 = True)
# Prints per round the dyno/torch ratios, then per case the median ratio
# and its range.  Target: every ratio >= 0.95.  Both sides count bytes
# the same way (d2d: read + written, 2 GiB per 1 GiB copy) and FLOP as
# 2 m n k, and both time with CUDA events after warm-up; torch's figure
# is the mean over ITERS operations per timed block, several blocks,
# the median block kept (dyno reports the mean of its samples).
#   DYNO=./dyno sh bench/gpu-vs-torch.sh          (or: make bench-gpu)
# Environment: ROUNDS (5), DEVICE (0), PYTHON (python3, needs torch),
# SECONDS_EACH (2: dyno --max-time per probe), CASES ("d2d h2d d2h
# gemm_fp32 gemm_tf32 gemm_fp16 gemm_bf16"), DYNO_ARGS.
set -u
: "${DYNO:?set DYNO to the dyno binary}"
ROUNDS=${ROUNDS:-5}
DEVICE=${DEVICE:-0}
PYTHON=${PYTHON:-python3}
SECONDS_EACH=${SECONDS_EACH:-2}
CASES=${CASES:-"d2d h2d d2h gemm_fp32 gemm_tf32 gemm_fp16 gemm_bf16"}
DYNO_ARGS=${DYNO_ARGS:-}
command -v jq >/dev/null || { echo "gpu-vs-torch: skipped: jq not installed"; exit 0; }
"$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null ||
	{ echo "gpu-vs-torch: skipped: $PYTHON has no torch with a CUDA device"; exit 0; }
# shellcheck disable=SC2086
"$DYNO" $DYNO_ARGS hw --json | jq -e '(.gpus // []) | length > 0' >/dev/null 2>&1 ||
	{ echo "gpu-vs-torch: skipped: dyno sees no GPU (dyno hw: cuda.status)"; exit 0; }
TMPD=$(mktemp -d /tmp/dyno-gpubench-XXXXXX)
trap 'rm -rf "$TMPD"' EXIT
rows=$TMPD/rows
: >"$rows"

# The PyTorch side: one case, prints one number (B/s or FLOP/s).
cat >"$TMPD/ref.py" <<'PY'
import sys, torch
case, dev = sys.argv[1], int(sys.argv[2])
torch.cuda.set_device(dev)
d = torch.device("cuda", dev)
def timed(fn, work, iters, blocks=7):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    rates = []
    for _ in range(blocks):
        s.record()
        for _ in range(iters):
            fn()
        e.record()
        e.synchronize()
        rates.append(work * iters / (s.elapsed_time(e) / 1e3))
    rates.sort()
    return rates[len(rates) // 2]
MiB = 1 << 20
if case == "d2d":
    n = 1024 * MiB
    a = torch.empty(n, dtype=torch.uint8, device=d).random_(0, 255)
    b = torch.empty_like(a)
    print(timed(lambda: b.copy_(a), 2 * n, 20))
elif case in ("h2d", "d2h"):
    n = 256 * MiB
    h = torch.empty(n, dtype=torch.uint8).pin_memory()
    g = torch.empty(n, dtype=torch.uint8, device=d)
    fn = (lambda: g.copy_(h, non_blocking=True)) if case == "h2d" else \
         (lambda: h.copy_(g, non_blocking=True))
    print(timed(fn, n, 4))
else:
    p = case.split("_")[1]
    torch.backends.cuda.matmul.allow_tf32 = p == "tf32"
    dt = {"fp32": torch.float32, "tf32": torch.float32,
          "fp16": torch.float16, "bf16": torch.bfloat16}[p]
    m = 8192
    a = torch.rand(m, m, device=d, dtype=torch.float32).mul_(2).sub_(1).to(dt)
    b = torch.rand(m, m, device=d, dtype=torch.float32).mul_(2).sub_(1).to(dt)
    print(timed(lambda: torch.matmul(a, b), 2.0 * m * m * m, 3 if p == "fp32" else 10))
PY

# The dyno side: the same case, the mean of the probe's samples.
dyno_case() {
	case $1 in
	d2d) set -- gpu.copy kind=d2d size=1GiB ;;
	h2d) set -- gpu.copy kind=h2d host_mem=pinned size=256MiB ;;
	d2h) set -- gpu.copy kind=d2h host_mem=pinned size=256MiB ;;
	gemm_*) set -- gpu.gemm m=8192 n=8192 k=8192 precision="${1#gemm_}" ;;
	esac
	metric=bandwidth
	[ "$1" = gpu.gemm ] && metric=flops
	# shellcheck disable=SC2086
	"$DYNO" $DYNO_ARGS probe "$@" device="$DEVICE" --max-time "${SECONDS_EACH}s" --json |
		jq -r "if .status == \"ok\" then .metrics.$metric.mean else \"-\" end"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b > 0) printf "%.3f", a / b; else print "-" }'; }
# Median and range of the numbers on stdin: "median [lo-hi]".
med_range() {
	sort -g | awk '{ a[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%.3f [%.3f-%.3f]", m, a[1], a[NR] }'
}

echo "# gpu-vs-torch: $("$DYNO" hw --json | jq -r ".gpus[$DEVICE] | \"\(.name), cc \(.compute_capability), \(.sms) SMs\"")"
echo "# torch $("$PYTHON" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)'), rounds $ROUNDS, dyno --max-time ${SECONDS_EACH}s"
for r in $(seq 1 "$ROUNDS"); do
	for c in $CASES; do
		# Alternate which side goes first, so neither always runs warm.
		if [ $((r % 2)) -eq 1 ]; then
			d=$(dyno_case "$c"); t=$("$PYTHON" "$TMPD/ref.py" "$c" "$DEVICE" 2>"$TMPD/err") || t=-
		else
			t=$("$PYTHON" "$TMPD/ref.py" "$c" "$DEVICE" 2>"$TMPD/err") || t=-; d=$(dyno_case "$c")
		fi
		q=$(ratio "$d" "$t")
		printf '  %-10s round %s: dyno %s, torch %s, ratio %s\n' "$c" "$r" "$d" "$t" "$q"
		echo "$c|$q" >>"$rows"
	done
done
echo
echo "# summary: median ratio dyno/torch [range] over $ROUNDS rounds (target >= 0.95)"
fail=0
for c in $CASES; do
	m=$(awk -F'|' -v c="$c" '$1 == c && $2 != "-" { print $2 }' "$rows" | med_range)
	v=$(echo "$m" | awk '{ if ($1 == "-") print "no data"; else if ($1 >= 0.95) print "ok"; else print "BELOW 0.95" }')
	[ "$v" = ok ] || fail=1
	printf '%-10s %-24s %s\n' "$c" "$m" "$v"
done
exit $fail
