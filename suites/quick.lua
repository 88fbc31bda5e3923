-- quick.lua - a first look at a machine in well under a minute: the
-- inventory, then a short run of every probe that can run here, with the
-- checks each probe's own budget sets.
--   dyno run suites/quick.lua [-D time=200ms]
local time = dyno.param("time", "200ms")
local short = { min_time = time, max_time = "2s", warmup = "20ms" }

local hw = dyno.hw()
local cpu = hw.cpu or {}
dyno.log(string.format("machine: %s, %s cores / %s CPUs, %s memory, fingerprint %s",
  cpu.model or "unknown CPU", tostring(cpu.physical_cores),
  tostring(cpu.logical_cpus),
  hw.memory and dyno.units.format(hw.memory.total, "B") or "?",
  hw.fingerprint or "?"))

-- Budgets of the probes this suite knows; other probes just run.
local budgets = {
  ["null.empty"] = { "median(time) < 2ns", review = "median(time) < 5ns",
                     name = "harness cost per iteration" },
  ["null.clock"] = { "p50(latency) < 1us", review = "p50(latency) < 10us",
                     name = "clock read pair" },
}

for _, p in ipairs(dyno.probes()) do
  local ok, why = dyno.has(p.id)
  if not ok then
    dyno.log(string.format("%s: skipped: %s", p.id, why))
  else
    local r = dyno.probe(p.id, {}, short)
    local b = budgets[p.id]
    if b then
      dyno.check(r, b[1], { review = b.review, name = b.name })
    end
  end
end
