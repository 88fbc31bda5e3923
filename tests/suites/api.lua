-- api.lua - the dyno Lua API against the deterministic fixture good.rec,
-- which records value, value+1, ... (count samples, in seconds).
local r = dyno.probe("good.rec", { count = 5, value = 1.5 })
assert(r.status == "ok", r.message)
assert(r.id == "good.rec")
assert(r.params.count == 5 and r.params.mode == "up")
local m = r.metrics.value
assert(m.n == 5 and m.median == 3.5 and m.min == 1.5 and m.max == 5.5, "stats")
assert(m.unit == "s" and m.better == "lower")
assert(r.artifacts.mode == "up")

-- checks: pass, review, and the verdict strings
assert(dyno.check(r, "median(value) < 4s") == "pass")
assert(dyno.check(r, "value < 3000ms", { review = "value < 4s", name = "tiered" }) == "review")
assert(dyno.check(r, "max(value) <= 5.5s") == "pass")
assert(dyno.check(r, "p50(value) >= 3.5") == "pass")

-- a bad expression is a script error, caught here
local ok, err = pcall(dyno.check, r, "median(nope) < 1s")
assert(not ok and err:find("no metric 'nope'"), err)
ok, err = pcall(dyno.check, r, "value < 1GB/s")
assert(not ok, "incompatible unit must raise")

-- sweep
local rs = dyno.sweep("good.rec", { count = 3 }, "value", { 1, 10 })
assert(#rs == 2 and rs[1].metrics.value.median == 2 and rs[2].metrics.value.median == 11)

-- params typed by their default, from -D
assert(dyno.param("count", 7) == tonumber(dyno.param("expect_count", "7")))
assert(dyno.param("missing", "dflt") == "dflt")
assert(dyno.param("flag", false) == (dyno.param("expect_flag", "false") == "true"))

-- units
assert(dyno.units.parse("100ms", "s") == 0.1)
assert(dyno.units.parse("1.2GB/s", "B/s") == 1.2e9)
local v, msg = dyno.units.parse("12 parsecs", "s")
assert(v == nil and msg:find("12 parsecs"), msg)
assert(dyno.units.format(8.5e-7, "s") == "850 ns")

-- inventory and probe discovery
local hw = dyno.hw()
assert(hw.cpu.logical_cpus >= 1 and #hw.fingerprint == 16)
assert(dyno.has("good.rec"))
local has, why = dyno.has("behave.missing")
assert(not has and why:find("libfrob"), why)
has, why = dyno.has("nope.nothing")
assert(not has and why:find("no probe"), why)
local ids = {}
for _, p in ipairs(dyno.probes()) do ids[p.id] = p end
assert(ids["good.rec"] and ids["good.rec"].style == "run")

-- unknown probe and bad parameters raise with the position
ok, err = pcall(dyno.probe, "good.recc")
assert(not ok and err:find("did you mean: good.rec"), err)
ok, err = pcall(dyno.probe, "good.rec", { count = 0 })
assert(not ok and err:find("invalid value '0' for count"), err)

-- a skipped probe: not an error, its check is "skip"
local s = dyno.probe("behave.skip")
assert(s.status == "skipped" and s.message:find("frobnicator"))
assert(dyno.check(s, "x < 1s") == "skip")
ok, err = pcall(dyno.probe, "behave.skip", {}, { required = true })
assert(not ok and err:find("required probe behave.skip skipped"), err)

-- the tune
dyno.tune.set("test.count", 5, "from the fixture", { from = r })
dyno.tune.set("test.unit_value", 3.5, "median", { unit = "s" })
ok, err = pcall(dyno.tune.set, "Bad Key", 1, "why")
assert(not ok, "bad key must raise")

-- repeat: drift of the main metric over repetitions
local rep = dyno["repeat"]("good.rec", { count = 4 }, { count = 4 })
assert(rep.ok == 4 and rep.metric == "value" and rep.drift.slope == 0, "repeat")

-- concurrent: 3 instances at once plus the lone baseline
local c = dyno.concurrent("good.rec", { count = 5 }, 3)
assert(#c.results == 3 and c.ok == 3 and c.metric == "value")
assert(math.abs(c.efficiency - 1) < 1e-9, "identical instances scale perfectly")
for i, x in ipairs(c.results) do assert(x.instance == i - 1 and x.concurrency == 3) end

dyno.log("api.lua: all assertions held")
