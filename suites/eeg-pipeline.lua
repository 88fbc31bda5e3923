-- eeg-pipeline.lua - AutoReject artifact rejection as an EEG pipeline
-- stage: the 5-minute, 20-channel recording against the users' targets
-- (< 5 s per recording, > 20 epochs/s), scaling with threads and with
-- channels (20/64/128), and the tune keys a pipeline launcher needs:
--   eeg.autoreject_threads   threads per AutoReject worker
--   eeg.recordings_per_hour  5-minute 20-channel recordings one such
--                            worker cleans per hour
--   dyno run suites/eeg-pipeline.lua [-D quick=true] [-D max_threads=N]
-- Synthetic recordings (autoreject.fit's generator); feed your own with
-- `dyno probe autoreject.fit source=edf path=FILE.edf` (docs/probes.md).
local quick = dyno.param("quick", false)
local opts = quick and { min_time = "200ms", max_time = "5s" }
  or { min_time = "2s", max_time = "30s" }
local ok, why = dyno.has("autoreject.fit")
if not ok then
  dyno.log("autoreject: skipped: " .. why)
  return
end

local hw = dyno.hw()
local cores = (hw.cpu and hw.cpu.physical_cores) or 1
local max_threads = tonumber(dyno.param("max_threads", math.min(cores, 8)))

-- The recording the targets are written for.
local base = { channels = 20, duration = "5min", epoch = "1s", sfreq = 256 }
local function with(t)
  local p = {}
  for k, v in pairs(base) do p[k] = v end
  for k, v in pairs(t) do p[k] = v end
  return p
end

-- Threads: 1, 2, 4, ... up to max_threads.
local results, best = {}, nil
local t = 1
while t <= max_threads do
  local r = dyno.probe("autoreject.fit", with({ threads = t }), opts)
  if r.status == "ok" then
    results[#results + 1] = { threads = t, r = r }
    if not best or r.metrics.duration.median < best.r.metrics.duration.median then
      best = { threads = t, r = r }
    end
    dyno.log(string.format("20 ch, %d thread(s): %s per recording, %.0f epochs/s, "
      .. "precision %.2f recall %.2f", t,
      dyno.units.format(r.metrics.duration.median, "s"),
      r.metrics.epochs_per_s.median, r.metrics.precision.median,
      r.metrics.recall.median))
  end
  if t == max_threads then break end
  t = math.min(t * 2, max_threads)
end
if not best then
  dyno.warn("autoreject.fit failed on every thread count; no tune keys set")
  return
end
dyno.check(best.r, "median(duration) < 5s", { review = "median(duration) < 10s",
  name = "5-minute 20-channel recording in under 5 s" })
dyno.check(best.r, "median(epochs_per_s) > 20", { review = "median(epochs_per_s) > 10",
  name = "more than 20 epochs/s" })

-- The fewest threads within 10 % of the best: threads beyond that buy
-- little and take cores from other workers.
local chosen = best
for _, x in ipairs(results) do
  if x.r.metrics.duration.median <= 1.1 * best.r.metrics.duration.median then
    chosen = x
    break
  end
end
local d = chosen.r.metrics.duration.median
dyno.tune.set("eeg.autoreject_threads", chosen.threads, string.format(
  "fewest threads within 10%% of the fastest AutoReject fit (%s per 5-minute "
  .. "20-channel recording at %d thread(s), %s at %d)",
  dyno.units.format(d, "s"), chosen.threads,
  dyno.units.format(best.r.metrics.duration.median, "s"), best.threads),
  { from = chosen.r })
dyno.tune.set("eeg.recordings_per_hour", math.floor(3600 / d), string.format(
  "one AutoReject worker at %d thread(s): 3600 s / %s per 5-minute 20-channel "
  .. "recording", chosen.threads, dyno.units.format(d, "s")),
  { from = chosen.r })

-- Channels: 64 and 128 (10-10 / 10-05 montages) at the chosen threads.
for _, ch in ipairs(quick and { 64 } or { 64, 128 }) do
  local r = dyno.probe("autoreject.fit",
    with({ channels = ch, threads = chosen.threads }), opts)
  if r.status == "ok" then
    dyno.log(string.format("%d ch, %d thread(s): %s per recording, %.0f epochs/s",
      ch, chosen.threads, dyno.units.format(r.metrics.duration.median, "s"),
      r.metrics.epochs_per_s.median))
  end
end
