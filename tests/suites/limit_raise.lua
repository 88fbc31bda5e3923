-- limit_raise.lua - a suite cannot raise the limits the command line set
-- (run with --time-limit 2s --max-memory 100MiB): they stay, and it
-- is ended at the command line's time limit.
local l = dyno.limit{ time = "1h", memory = "64GiB" }
assert(l.time == 2, "time limit raised to " .. tostring(l.time))
assert(l.memory == 100 * 1024 * 1024, "memory limit raised to " .. tostring(l.memory))
assert(not pcall(dyno.limit, { time = 0 }), "a zero limit was taken")
assert(not pcall(dyno.limit, { cpu = "1s" }), "an unknown option was taken")
dyno.log("limit_raise.lua: limits held")
while true do end
