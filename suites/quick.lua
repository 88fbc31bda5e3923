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

-- Probes whose defaults are a whole workload (a 5-minute recording, a
-- 720p clip encoded in setup) get a smaller one here: a first look, not
-- the workload's figure (suites/eeg-pipeline.lua, video-analytics.lua).
local light = {
  ["eegpt.pipeline"] = { duration = "1min" },
  ["yolo.pipeline"] = { frames = 30, width = 640, height = 360 },
}

for _, p in ipairs(dyno.probes()) do
  local ok, why = dyno.has(p.id)
  if not ok then
    dyno.log(string.format("%s: skipped: %s", p.id, why))
  else
    local r = dyno.probe(p.id, light[p.id] or {}, short)
    local b = budgets[p.id]
    if b then
      dyno.check(r, b[1], { review = b.review, name = b.name })
    end
  end
end
