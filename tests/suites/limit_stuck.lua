-- limit_stuck.lua - one probe, then a C call that does not return to Lua
-- for far longer than the time limit (a pathological pattern): the hook
-- cannot stop it, the watchdog must.
dyno.probe("null.clock", { samples = 10 }, { min_time = "10ms", max_time = "50ms" })
string.find(string.rep("a", 30000), ".-.-.-.-.-b")
