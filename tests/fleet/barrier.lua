-- barrier.lua - the barrier test's suite: rank r sleeps about r x 1.5s
-- (fleettest.sleep), meets the others at dyno.fleet.barrier, then records
-- null.clock, whose started_at says when it left the barrier.  -D
-- die=kill (with --unsafe-lua) ends the rank before the barrier.
local rank = dyno.fleet.rank or 0
local t = string.format("%dms", 100 + 1500 * rank)
dyno.probe("fleettest.sleep", {}, { min_time = t, max_time = t })
if dyno.param("die", "") == "kill" then
	os.execute("kill -KILL $PPID")
end
local ok, why = dyno.fleet.barrier("probe")
print(string.format("barrier: rank %d of %s: %s%s", rank,
	tostring(dyno.fleet.size), tostring(ok), why and (" (" .. why .. ")") or ""))
dyno.probe("null.clock", { samples = 100 })
