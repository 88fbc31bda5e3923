// gbench_empty.cc - the peer of null.empty: Google Benchmark's own cost per
// iteration of an empty loop, measured by Google Benchmark.
#include <benchmark/benchmark.h>

static void
BM_empty(benchmark::State &state)
{
	for (auto _ : state)
		benchmark::ClobberMemory();
}
BENCHMARK(BM_empty);

BENCHMARK_MAIN();
