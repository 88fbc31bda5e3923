-- crash.lua - a crashing probe does not stop the suite; the run exits 2.
local c = dyno.probe("behave.crash")
assert(c.status == "crashed", c.status)
local r = dyno.probe("good.rec", { count = 3 })
dyno.check(r, "median(value) < 10s")
