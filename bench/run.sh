#!/bin/sh
# run.sh - `make bench`: the core's budgets, each against its peer in the
# same run.  (a) harness cost per iteration of null.empty vs Google
# Benchmark's empty loop, alternated 5 times, both pinned to one CPU;
# (b) one forked probe vs the same probe in process; (c) `dyno list`;
# (d) `dyno list` by plugin set, old autoreject against new (startup.sh).
set -eu
: "${DYNO:?}" "${BENCH_CORE:?}"
CPU=${BENCH_CPU:-$(($(nproc) - 1))}
PIN="taskset -c $CPU"
command -v taskset >/dev/null || PIN=
ROUNDS=${BENCH_ROUNDS:-5}

echo "# dyno bench, $(date -u +%Y-%m-%dT%H:%M:%SZ), pinned to CPU $CPU, $(nproc) CPUs"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

if [ -n "${GBENCH:-}" ] && [ -x "$GBENCH" ]; then
	echo "## (a) empty iteration: dyno null.empty vs Google Benchmark (ns/iteration)"
	echo "round  dyno_ns  gbench_ns  ratio"
	ratios=
	for r in $(seq "$ROUNDS"); do
		d=$($PIN "$DYNO" probe null.empty --json --min-time 1s | jq '.metrics.time.median * 1e9')
		g=$($PIN "$GBENCH" --benchmark_format=json --benchmark_min_time=1 2>/dev/null |
			jq '.benchmarks[0].real_time')
		ratio=$(echo "$d $g" | awk '{printf "%.3f", $1 / $2}')
		ratios="$ratios $ratio"
		printf "%5d  %7.3f  %9.3f  %5s\n" "$r" "$d" "$g" "$ratio"
	done
	echo "$ratios" | tr ' ' '\n' | grep . | sort -n |
		awk '{a[NR]=$1} END {printf "ratio dyno/gbench: median %.3f, min %.3f, max %.3f\n", a[int((NR+1)/2)], a[1], a[NR]}'
else
	echo "## (a) skipped: Google Benchmark (libbenchmark-dev) not found"
	d=$($PIN "$DYNO" probe null.empty --json --min-time 1s | jq '.metrics.time.median * 1e9')
	echo "dyno null.empty: $d ns/iteration"
fi

echo "## (b) isolation and (c) list"
$PIN "$BENCH_CORE" "$DYNO" "$NULL_SO" | awk '
	/isolation_cost/ { printf "isolated (forked) probe cost: %.3f ms (budget 2 ms)\n", $2 * 1e3 }
	/probe_forked_median/ { printf "  forked null.clock samples=1: %.3f ms\n", $2 * 1e3 }
	/probe_in_process_median/ { printf "  in-process null.clock samples=1: %.3f ms\n", $2 * 1e3 }
	/list_wall_median/ { printf "dyno list wall time: %.2f ms (budget 20 ms)\n", $2 * 1e3 }'

if [ -n "${STARTUP_TIME:-}" ]; then
	echo "## (d) start-up: dyno list by plugin set (target 5 ms with every plugin)"
	sh "$(dirname "$0")/startup.sh"
fi
