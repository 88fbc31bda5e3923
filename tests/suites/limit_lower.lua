-- limit_lower.lua - the suite sets its own time limit, lower than the
-- command line's; a probe that never returns is killed at it.
local l = dyno.limit{ time = "1s" }
assert(l.time == 1, "time limit " .. tostring(l.time))
dyno.log("limit_lower.lua: limit", l.time)
dyno.probe("behave.hang")
dyno.log("limit_lower.lua: after the hang")
