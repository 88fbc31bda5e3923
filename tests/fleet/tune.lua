-- tune.lua - the fleet tune tests' tuning suite: a workload's throughput
-- (fleettest.spin, CPU work that ranks sharing a node's CPUs split) and a
-- key every node sets alike.
local r = dyno.probe("fleettest.spin", {}, { min_time = "200ms", max_time = "1s" })
if r.status ~= "ok" then
  dyno.tune.skip("work", "fleettest.spin " .. r.status .. ": " .. (r.message or ""))
  return
end
dyno.tune.set("work.items_per_s", math.floor(r.metrics.rate.median), string.format(
  "one worker's median rate of xorshift steps (%d samples)", r.metrics.rate.n),
  { unit = "op/s", from = r })
dyno.tune.set("work.batch", 64, "fixed by the test suite")
