-- short.lua - the fleet tests' suite: a null probe and its check, a sleep
-- (slower on a node given DYNO_FLEET_TEST_SLOW) and a node-exclusive
-- probe, per rank.  -D die=kill or -D die=hang (with --unsafe-lua) ends
-- or freezes the rank itself after its first record has had time to
-- reach rank 0.
local r = dyno.probe("null.clock", {samples = 2000})
dyno.check(r, "latency < 1s")
local die = dyno.param("die", "")
if die == "kill" then
	os.execute("sleep 1; kill -KILL $PPID")
elseif die == "hang" then
	os.execute("sleep 1; kill -STOP $PPID")
end
dyno.probe("fleettest.sleep", {})
dyno.probe("fleettest.exclusive", {})
