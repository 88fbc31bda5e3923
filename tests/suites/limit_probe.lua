-- limit_probe.lua - one short probe, then one that would run 30 s: the
-- time limit kills it, and the first one's record stays.
local a = dyno.probe("null.clock", { samples = 100 },
                     { min_time = "20ms", max_time = "100ms" })
dyno.check(a, "p50(latency) < 1s", { name = "before the limit" })
dyno.probe("null.clock", {}, { min_time = "30s", max_time = "60s" })
dyno.log("limit_probe.lua: after the killed probe")
