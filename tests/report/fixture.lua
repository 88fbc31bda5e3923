-- fixture.lua - the suite behind tests/report/run.json, the fixed run
-- document the report tests read.  It exercises what a report shows:
-- an iterate probe, a sweep of a null probe, a metric large enough to be
-- kept as a histogram, a cache.latency sweep over the working-set size,
-- every verdict (pass, review, fail, skip), a skipped probe and a tune.
-- Regenerate (the goldens change with it) from a build tree, with the
-- test fixtures built (make check):
--   ./dyno --plugin-dir tests/plugins run $SRC/tests/report/fixture.lua \
--     --min-time 20ms --max-time 300ms --out $SRC/tests/report/run.json
local e = dyno.probe("null.empty")
dyno.check(e, "median(time) < 1s", { name = "empty loop under a second" })
dyno.check(e, "median(time) < 1ps", { review = "median(time) < 1s",
                                      name = "empty loop, review bound" })
dyno.check(e, "mean(time) < 0.001ps", { name = "empty loop under a femtosecond" })

local clocks = dyno.sweep("null.clock", { samples = 200 }, "work",
                          { 0, 100, 1000 })
dyno.check(clocks[1], "p99(latency) < 1ms", { name = "clock pair p99" })

-- 2000 samples: the record keeps a histogram instead of samples.
local big = dyno.probe("null.clock", { samples = 2000 })

dyno.sweep("cache.latency", { hugepages = false }, "size",
           { 4096, 16384, 65536, 262144, 1048576, 4194304 })

local sk = dyno.probe("behave.skip")
dyno.check(sk, "median(x) < 1s", { name = "needs a frobnicator" })

dyno.tune.set("timing.clock_read_ns",
              math.floor(big.metrics.latency.median * 1e9 + 0.5),
              "median of 2000 clock read pairs", { unit = "ns", from = big })
dyno.tune.set("timing.fast", true, "an empty loop iteration is under 1 s",
              { from = e })
