#!/bin/sh
# cache-vs-ref.sh - the cache plugin's memory-hierarchy probes against
# independent references on the same work, alternated, ROUNDS times:
#   1. cache.latency (random chase, huge pages) vs bench/chase_ref, one CPU;
#   2. cache.bandwidth op=triad vs bench/stream_ref, 1 thread and all cores;
#   3. sysbench memory, for the record only.
# Prints per round dyno/reference ratios, then per case the median ratio
# and its range.  Target: median within 0.95-1.05.
#   DYNO=./dyno CHASE_REF=bench/chase_ref STREAM_REF=bench/stream_ref \
#     sh bench/cache-vs-ref.sh            (or: make bench-cache)
# Environment: SIZES (latency working sets, "16KiB 256KiB 4MiB 64MiB
# 512MiB"), ROUNDS (3), CPU (the CPU both tools are pinned to; default the
# last one allowed), BW_SIZE (bytes per array, 256MiB: well beyond any LLC
# of today, so the triad streams from DRAM), BW_NT (1 to add a
# non-temporal-store case), SECTIONS ("lat bw sysbench"), DYNO_ARGS (extra
# global dyno options, e.g. "--plugin-dir plugins/cache"), PROBE_ARGS
# (dyno probe options, "--max-time 3s": dyno stops at its CI target or
# this; its default 10 s would make a noisy VM's run take 4 minutes longer).
# Placement: both latency tools run under taskset -c CPU (dyno then pins to
# the CPU it starts on).  cache.bandwidth pins its threads to cores in
# hwloc order, core 0 first, whatever the affinity mask: so the 1-thread
# case runs both tools on the first CPU of core 0, and the all-cores case
# both on one CPU per core.
#
# Statistics compared, and why:
# - latency: dyno's .metrics.latency.median (median over its >= 2 ms
#   samples of seconds per load) vs chase_ref's ns_median (median over its
#   ~10 ms repetitions of ns per load, CHASE_SECONDS in all, default 1 s,
#   near dyno's measuring time).  Both are medians of per-chunk averages of
#   the same kind of chain, so a preempted chunk moves neither; a mean would
#   carry whatever else ran on the machine.
# - bandwidth: dyno's .metrics.bandwidth.mean vs stream_ref's mean (the
#   arithmetic mean of its per-repetition rates, BW_REPS of them, default
#   20, first one dropped; dyno's mean is of its >= 5 ms samples' rates).
#   Like with like: both are central statistics of the same quantity.
#   STREAM's headline "best" is a maximum: it rises with the number of
#   repetitions and with noise (a lucky repetition), so comparing a mean
#   against it would bias the ratio below 1 by the run-to-run spread (a few
#   percent on a busy VM, tens of percent with two threads on two vCPUs).
#   The reference's best and median are printed for the record, and dyno's
#   median against the reference's median when dyno reports one.
set -eu
: "${DYNO:?set DYNO to the dyno binary}"
: "${CHASE_REF:?set CHASE_REF to bench/chase_ref}"
: "${STREAM_REF:?set STREAM_REF to bench/stream_ref}"
SIZES=${SIZES:-"16KiB 256KiB 4MiB 64MiB 512MiB"}
ROUNDS=${ROUNDS:-3}
BW_SIZE=${BW_SIZE:-256MiB}
BW_NT=${BW_NT:-0}
SECTIONS=${SECTIONS:-"lat bw sysbench"}
DYNO_ARGS=${DYNO_ARGS:-}
PROBE_ARGS=${PROBE_ARGS:---max-time 3s}
CHASE_SECONDS=${CHASE_SECONDS:-1}
BW_REPS=${BW_REPS:-20}
command -v jq >/dev/null || { echo "cache-vs-ref: skipped: jq not installed (apt-get install jq)"; exit 0; }
command -v taskset >/dev/null || { echo "cache-vs-ref: skipped: taskset not installed (apt-get install util-linux)"; exit 0; }
for t in "$DYNO" "$CHASE_REF" "$STREAM_REF"; do
	command -v "$t" >/dev/null || { echo "cache-vs-ref: $t is not an executable" >&2; exit 1; }
done
rows=$(mktemp)
err=$(mktemp)
trap 'rm -f "$rows" "$err"' EXIT

# CPUs this shell may run on, as a list "0 1 2".
allowed=$(taskset -cp $$ | sed 's/.*: //' | tr ',' '\n' |
	awk -F- '{ if (NF == 2) for (i = $1; i <= $2; i++) print i; else print $1 }' |
	paste -sd' ' -)
CPU=${CPU:-$(echo "$allowed" | awk '{ print $NF }')}
# One CPU per physical core (the first sibling), for the all-cores case: both
# tools get this set, so SMT siblings never share a core's bandwidth.
core_cpus=$(for c in $allowed; do
	f=/sys/devices/system/cpu/cpu$c/topology
	echo "$c $(cat "$f/physical_package_id" 2>/dev/null || echo 0) $(cat "$f/core_id" 2>/dev/null || echo "$c")"
done | sort -k2,2n -k3,3n -k1,1n | awk '!seen[$2 " " $3]++ { print $1 }' | sort -n | paste -sd, -)
ncores=$(echo "$core_cpus" | tr ',' '\n' | wc -l)
BW_CPU=${core_cpus%%,*}

# Bytes from 16KiB, 4M, 512MiB or a plain number.
to_bytes() {
	echo "$1" | awk '{
		n = $0 + 0; u = $0; sub(/^[0-9]+/, "", u)
		m = 1
		if (u ~ /^[Kk]/) m = 1024; else if (u ~ /^[Mm]/) m = 1048576
		else if (u ~ /^[Gg]/) m = 1073741824
		printf "%.0f\n", n * m }'
}

# The latency of chase_ref at BYTES, in ns (a quick run, for the header).
quick_ns() {
	taskset -c "$CPU" "$CHASE_REF" "$1" 1 0.2 | jq -r .ns_median
}

# Median and range of the numbers on stdin: "median[lo-hi]".
med_range() {
	sort -g | awk '{ a[NR] = $1 } END {
		if (NR == 0) { printf "-"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%.3f[%.3f-%.3f]", m, a[1], a[NR] }'
}

# Whether a median ratio meets the target.
verdict() {
	case $1 in
	-) echo "no data" ;;
	*) awk -v m="$1" 'BEGIN { print (m >= 0.95 && m <= 1.05) ? "within 5%" : "OUTSIDE 5%" }' ;;
	esac
}

# Run dyno; its JSON on stdout.  A failed or skipped probe stops the
# script: a ratio against nothing would be a wrong figure, not a missing one.
dyno_json() {
	if ! out=$("$@" 2>"$err") ||
	    [ "$(echo "$out" | jq -r .status 2>/dev/null)" != ok ]; then
		echo "cache-vs-ref: failed: $*" >&2
		echo "$out" | jq -r '"status \(.status): \(.message)"' 2>/dev/null >&2 || true
		cat "$err" >&2
		exit 1
	fi
	echo "$out"
}

# DYNO_ARGS is split into words on purpose (several options).
# shellcheck disable=SC2086
dyno_lat() {
	dyno_json taskset -c "$CPU" "$DYNO" $DYNO_ARGS probe cache.latency \
		size="$1" pattern=random stride=64 hugepages=true $PROBE_ARGS --json
}
# shellcheck disable=SC2086
dyno_bw() {
	dyno_json taskset -c "$1" "$DYNO" $DYNO_ARGS probe cache.bandwidth \
		op=triad size="$BW_SIZE" threads="$2" nt_stores="$3" $PROBE_ARGS --json
}

# --- header -------------------------------------------------------------
echo "# cache probes vs references, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r)"
echo "# cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) online, allowed: $allowed"
# Cache sizes as the CPU we pin to sees them (sysfs); lscpu if none.
caches=""
for d in /sys/devices/system/cpu/cpu"$CPU"/cache/index*; do
	[ -r "$d/size" ] || continue
	type=$(cat "$d/type"); [ "$type" = Instruction ] && continue
	lvl=$(cat "$d/level")
	caches="$caches L$lvl=$(cat "$d/size")"
	echo "# sysfs cache: L$lvl $type $(cat "$d/size"), ${d##*/}, shared with CPUs $(cat "$d/shared_cpu_list")"
done
if [ -z "$caches" ]; then
	echo "# sysfs has no cache sizes for CPU $CPU; lscpu says:"
	lscpu 2>/dev/null | grep -i 'cache' | sed 's/^/#   /' || true
fi
echo "# thp: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo n/a)," \
	"hugetlb free: $(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)"
echo "# placement: latency: taskset -c $CPU for both tools; 1-thread bandwidth: taskset -c $BW_CPU for both;" \
	"all-cores bandwidth: taskset -c $core_cpus ($ncores cores) for both, each tool pins one thread per CPU"
# Is there a latency step at each level's sysfs size?  A working set of half
# the size must be clearly faster than one of twice the size (victim and
# inclusive caches blur the edge, hence the factors).  A VM often reports
# the host's full LLC while it gets a share of it, or none.
for c in $caches; do
	lvl=${c%%=*}; s=$(to_bytes "${c#*=}")
	lo=$(quick_ns $((s / 2))); hi=$(quick_ns $((s * 2)))
	echo "# step check $lvl: $((s / 2048))KiB ${lo}ns, $((s * 2 / 1024))KiB ${hi}ns"
	if awk -v l="$lo" -v h="$hi" 'BEGIN { exit !(h < 1.5 * l) }'; then
		note="# NOTE: sysfs says $lvl is ${c#*=}, but latency at half that ($lo ns) is within 1.5x of twice that ($hi ns): no step there"
		# Halve down from there to bracket where the step really is.
		x=$((s / 4)); above="$((s / 2048))KiB ${lo}ns"
		while [ "$x" -ge 16384 ]; do
			v=$(quick_ns "$x")
			if awk -v v="$v" -v h="$hi" 'BEGIN { exit !(v < h / 1.5) }'; then
				note="$note; the step is between $((x / 1024))KiB ${v}ns and $above"
				break
			fi
			above="$((x / 1024))KiB ${v}ns"
			x=$((x / 2))
		done
		echo "$note; the measured sizes may straddle different levels than sysfs suggests"
	fi
done

# --- 1. latency ---------------------------------------------------------
case " $SECTIONS " in *" lat "*)
echo
echo "## 1. latency: dyno cache.latency pattern=random stride=64 hugepages=true (.metrics.latency.median)"
echo "##    vs chase_ref SIZE 1 $CHASE_SECONDS (ns_median); both taskset -c $CPU; order alternates per round"
printf "%-10s %5s %10s %10s %7s  %s\n" size round dyno_ns ref_ns ratio "pages: ref | dyno"
for s in $SIZES; do
	for r in $(seq "$ROUNDS"); do
		if [ $((r % 2)) -eq 1 ]; then
			d=$(dyno_lat "$s")
			f=$(taskset -c "$CPU" "$CHASE_REF" "$(to_bytes "$s")" 1 "$CHASE_SECONDS")
		else
			f=$(taskset -c "$CPU" "$CHASE_REF" "$(to_bytes "$s")" 1 "$CHASE_SECONDS")
			d=$(dyno_lat "$s")
		fi
		dn=$(echo "$d" | jq -r '.metrics.latency.median * 1e9')
		fn=$(echo "$f" | jq -r .ns_median)
		pages="$(echo "$f" | jq -r '"\(.hugepages) \(.huge_kib)KiB"') | $(echo "$d" | jq -r '.artifacts.pages // "?"')"
		awk -v s="$s" -v r="$r" -v d="$dn" -v f="$fn" -v p="$pages" 'BEGIN {
			printf "%-10s %5d %10.2f %10.2f %7.3f  %s\n", s, r, d, f, d / f, p }' |
			tee -a "$rows"
	done
done
echo
printf "%-10s %24s %s\n" size "ratio median[range]" verdict
for s in $SIZES; do
	v=$(awk -v s="$s" '$1 == s { print $5 }' "$rows" | med_range)
	m=${v%%\[*}
	verdict=$(verdict "$m")
	printf "%-10s %24s %s\n" "$s" "$v" "$verdict"
done
;; esac

# --- 2. bandwidth -------------------------------------------------------
case " $SECTIONS " in *" bw "*)
: >"$rows"
echo
echo "## 2. bandwidth: dyno cache.bandwidth op=triad size=$BW_SIZE nt_stores=... (.metrics.bandwidth.mean)"
echo "##    vs stream_ref $BW_SIZE THREADS triad reps=$BW_REPS (.mean of its rates); STREAM byte counting (24 B/element)"
echo "##    compared: mean vs mean (central vs central); ref best (STREAM's headline, a maximum) for the record"
printf "%-18s %5s %10s %10s %7s %10s %7s %10s %10s\n" case round dyno_GB/s ref_GB/s ratio \
	dyno_med ratio ref_med ref_best
bw_cases="1:false 0:false"
[ "$BW_NT" = 1 ] && bw_cases="$bw_cases 1:true 0:true"
for c in $bw_cases; do
	th=${c%%:*}; nt=${c#*:}
	if [ "$th" = 1 ]; then cpus=$BW_CPU; dth=1; name="1thr"
	else cpus=$core_cpus; dth=$ncores; name="${ncores}thr"; fi
	name="$name nt=$nt"
	ntr=0; [ "$nt" = true ] && ntr=1
	for r in $(seq "$ROUNDS"); do
		if [ $((r % 2)) -eq 1 ]; then
			d=$(dyno_bw "$cpus" "$dth" "$nt")
			f=$(taskset -c "$cpus" "$STREAM_REF" "$(to_bytes "$BW_SIZE")" 0 triad nt=$ntr reps="$BW_REPS")
		else
			f=$(taskset -c "$cpus" "$STREAM_REF" "$(to_bytes "$BW_SIZE")" 0 triad nt=$ntr reps="$BW_REPS")
			d=$(dyno_bw "$cpus" "$dth" "$nt")
		fi
		dm=$(echo "$d" | jq -r '.metrics.bandwidth.mean')
		dmed=$(echo "$d" | jq -r '.metrics.bandwidth.median // 0')
		echo "$f" | jq -r '[.mean, .median, .best] | @tsv' | {
			read -r fm fmed fbest
			awk -v c="$name" -v r="$r" -v d="$dm" -v dmed="$dmed" -v f="$fm" \
				-v fmed="$fmed" -v fb="$fbest" 'BEGIN {
				printf "%-18s %5d %10.2f %10.2f %7.3f %10.2f %7.3f %10.2f %10.2f\n",
				c, r, d / 1e9, f / 1e9, d / f, dmed / 1e9,
				(dmed > 0 ? dmed / fmed : 0), fmed / 1e9, fb / 1e9 }'
		} | tee -a "$rows"
	done
done
echo
printf "%-18s %26s %26s %s\n" case "mean ratio median[range]" "median ratio median[range]" verdict
for c in $bw_cases; do
	th=${c%%:*}; nt=${c#*:}
	if [ "$th" = 1 ]; then name="1thr"; else name="${ncores}thr"; fi
	v=$(grep "^$name nt=$nt " "$rows" | awk '{ print $6 }' | med_range)
	w=$(grep "^$name nt=$nt " "$rows" | awk '$8 > 0 { print $8 }' | med_range)
	m=${v%%\[*}
	verdict=$(verdict "$m")
	printf "%-18s %26s %26s %s\n" "$name nt=$nt" "$v" "$w" "$verdict"
done
;; esac

# --- 3. sysbench, for the record ----------------------------------------
case " $SECTIONS " in *" sysbench "*)
echo
echo "## 3. for the record: sysbench measures a different loop (it reads/writes in"
echo "##    block-sized chunks with its own counting), not a target.  Each thread"
echo "##    loops over one block: with 1 MiB blocks that is cache-resident; the"
echo "##    $BW_SIZE-block lines come from DRAM.  1 thread, taskset -c $CPU."
if ! command -v sysbench >/dev/null; then
	echo "sysbench: skipped: not installed (apt-get install sysbench)"
else
	echo "# $(sysbench --version)"
	for blk in 1M "$BW_SIZE"; do
		for op in read write; do
			mibs=$(taskset -c "$CPU" sysbench memory --threads=1 \
				--memory-block-size="$(to_bytes "$blk")" --memory-total-size=10G \
				--memory-oper="$op" run 2>&1 |
				sed -n 's/.*transferred (\([0-9.]*\) MiB\/sec).*/\1/p')
			printf "sysbench memory block=%-10s %-5s %12s MiB/sec\n" "$blk" "$op" "${mibs:-failed}"
		done
	done
fi
;; esac
