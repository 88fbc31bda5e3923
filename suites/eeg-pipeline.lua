-- eeg-pipeline.lua - AutoReject artifact rejection as an EEG pipeline
-- stage: the 5-minute, 20-channel recording against the users' targets
-- (< 5 s per recording, > 20 epochs/s), scaling with threads and with
-- channels (20/64/128), and the tune keys a pipeline launcher needs:
--   eeg.autoreject_threads   threads per AutoReject worker
--   eeg.recordings_per_hour  5-minute 20-channel recordings one worker
--                            takes to features per hour (AutoReject and
--                            the EEGPT encoder; AutoReject alone when
--                            eegpt cannot run here)
-- then the EEGPT encoder stage (eegpt.infer, eegpt.pipeline):
--   eegpt.device, eegpt.precision  the fastest that runs here, batch 1
--   eegpt.threads     fewest threads within 10% of its best, batch 1
--   eegpt.batch_size  then the largest batch (1, 2, 4, ...) whose host
--                     (and GPU) memory peak stays under -D eegpt_mem
--                     (1.5GB) and latency under -D eegpt_latency (1s)
--   eegpt.windows_per_s  the encoder at that choice
--   dyno run suites/eeg-pipeline.lua [-D quick=true] [-D max_threads=N]
--     [-D eegpt_mem=1.5GB] [-D eegpt_latency=1s] [-D eegpt_model=small]
-- (eegpt_model=small: the test fixture's D 64, 2 blocks, for tests.)
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
-- Replaced by the whole pipeline's below when the eegpt stage runs.
dyno.tune.set("eeg.recordings_per_hour", math.floor(3600 / d), string.format(
  "one AutoReject worker at %d thread(s), AutoReject alone: 3600 s / %s per "
  .. "5-minute 20-channel recording", chosen.threads, dyno.units.format(d, "s")),
  { from = chosen.r })
local ar_threads = chosen.threads

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

-- The EEGPT encoder stage: device and precision, then batch, then
-- threads on eegpt.infer; then the whole pipeline at that choice.
local eok, ewhy = dyno.has("eegpt.infer")
if not eok then
  dyno.log("eegpt: skipped: " .. ewhy)
  dyno.tune.skip("eegpt", "skipped: " .. ewhy)
  return
end
local mem_limit = assert(dyno.units.parse(dyno.param("eegpt_mem", "1.5GB"), "B"))
local lat_limit = assert(dyno.units.parse(dyno.param("eegpt_latency", "1s"), "s"))
local model = {}
if dyno.param("eegpt_model", "spec") == "small" then
  model = { dim = 64, depth = 2, heads = 4 }
end
local eopts = quick and { min_time = "1ms", max_time = "1s" }
  or { min_time = "2s", max_time = "10s" }
local function enc(t)
  local p = { channels = base.channels }
  for k, v in pairs(model) do p[k] = v end
  for k, v in pairs(t) do p[k] = v end
  return p
end
local function wps(r) return r.metrics.windows_per_s.median end
local function describe(r)
  return string.format("%s %s batch %d, %d thread(s): %.2f windows/s, "
    .. "%s per batch, %s peak", r.params.device, r.params.precision,
    r.params.batch, r.params.threads, wps(r),
    dyno.units.format(r.metrics.latency.median, "s"),
    r.metrics.host_mem_peak
      and dyno.units.format(r.metrics.host_mem_peak.median, "B") or "unknown")
end

-- Device x precision x threads (cpu: 1, 2, 4, ... max_threads) at
-- batch 1: the fastest device and precision that run; then the fewest
-- threads within 10 % of their best windows/s.
local cands = { { "cpu", "fp32" }, { "cpu", "bf16" } }
if #(hw.gpus or {}) > 0 then
  for _, p in ipairs({ "fp32", "tf32", "fp16", "bf16" }) do
    cands[#cands + 1] = { "cuda", p }
  end
else
  dyno.log("eegpt cuda: skipped: the inventory lists no GPU")
end
local runs, pick = {}, nil
for _, c in ipairs(cands) do
  local t = c[1] == "cpu" and 1 or max_threads
  while true do
    local r = dyno.probe("eegpt.infer", enc({ device = c[1], precision = c[2],
      batch = 1, threads = t }), eopts)
    if r.status ~= "ok" then
      dyno.log(string.format("eegpt %s %s: %s: %s", c[1], c[2], r.status,
        r.message or ""))
      break
    end
    dyno.log("eegpt " .. describe(r))
    runs[#runs + 1] = r
    if not pick or wps(r) > wps(pick) then pick = r end
    if t >= max_threads then break end
    t = math.min(t * 2, max_threads)
  end
end
if not pick then
  dyno.warn("eegpt.infer ran on no device and precision; no eegpt keys set")
  dyno.tune.skip("eegpt", "eegpt.infer ran on no device and precision")
  return
end
local dev, prec = pick.params.device, pick.params.precision
local tpick = pick
for _, x in ipairs(runs) do
  if x.params.device == dev and x.params.precision == prec
    and wps(x) >= 0.9 * wps(pick) then tpick = x break end
end
local threads = tpick.params.threads

-- Within the limits: host memory (and GPU memory on cuda) and latency.
local function within(r)
  local m = r.metrics
  if m.host_mem_peak and m.host_mem_peak.median > mem_limit then
    return false, "host memory " .. dyno.units.format(m.host_mem_peak.median, "B")
  end
  if m.gpu_mem_peak and m.gpu_mem_peak.median > mem_limit then
    return false, "GPU memory " .. dyno.units.format(m.gpu_mem_peak.median, "B")
  end
  if m.latency.median > lat_limit then
    return false, "latency " .. dyno.units.format(m.latency.median, "s")
  end
  return true
end

-- Batch: 1, 2, 4, ... at those threads while within the limits (quick:
-- up to 2).
local max_batch = quick and 2 or 256
local bat, over = nil, nil
local b, r = 1, tpick
while true do
  local ok, why = within(r)
  if not ok then over = string.format("batch %d: %s", b, why) break end
  bat = r
  if b >= max_batch then break end
  b = b * 2
  r = dyno.probe("eegpt.infer", enc({ device = dev, precision = prec,
    batch = b, threads = threads }), eopts)
  if r.status ~= "ok" then
    over = string.format("batch %d: %s", b, r.status) break
  end
  dyno.log("eegpt " .. describe(r))
end
local lims = string.format("memory under %s, latency under %s",
  dyno.units.format(mem_limit, "B"), dyno.units.format(lat_limit, "s"))
local batch_why
if bat then
  batch_why = string.format("the largest batch with %s (%s%s)", lims,
    describe(bat), over and "; " .. over or "; the largest tried")
else
  bat = tpick
  batch_why = string.format("no batch meets %s (%s): 1, the smallest",
    lims, over)
  dyno.warn("eegpt: " .. batch_why)
end
local batch = bat.params.batch

dyno.tune.set("eegpt.device", dev, string.format(
  "the device of the fastest eegpt.infer run at batch 1 (%s)", describe(pick)),
  { from = pick })
dyno.tune.set("eegpt.precision", prec, string.format(
  "the precision of the fastest eegpt.infer run at batch 1 (%s)",
  describe(pick)), { from = pick })
if dev == "cpu" then
  dyno.tune.set("eegpt.threads", threads, string.format(
    "fewest threads within 10%% of the best windows/s at batch 1 (%s; best "
    .. "%.2f windows/s at %d)", describe(tpick), wps(pick),
    pick.params.threads), { from = tpick })
else
  dyno.tune.skip("eegpt.threads", "the encoder runs on " .. dev)
end
dyno.tune.set("eegpt.batch_size", batch, batch_why, { from = bat })
dyno.tune.set("eegpt.windows_per_s", math.floor(wps(bat) * 100 + 0.5) / 100,
  string.format("eegpt.infer at the chosen device, precision, threads and "
  .. "batch (%s)", describe(bat)), { unit = "window/s", from = bat })

-- The whole pipeline on the 5-minute 20-channel recording.
local pp = with(model)
pp.threads = ar_threads
pp.encoder_threads = threads
pp.device, pp.precision, pp.batch = dev, prec, batch
-- In a fleet run the ranks meet here first: the sweeps above take each
-- rank its own time, and dyno tune --fleet's capacity plan adds up the
-- ranks of a machine as instances running at once (outside a fleet,
-- the barrier returns at once).
dyno.fleet.barrier("eegpt.pipeline")
local rp = dyno.probe("eegpt.pipeline", pp, quick
  and { min_time = "1ms", max_time = "1s" } or { min_time = "1ms", max_time = "30s" })
if rp.status ~= "ok" then
  dyno.warn("eegpt.pipeline " .. rp.status .. ": " .. (rp.message or "")
    .. "; eeg.recordings_per_hour stays AutoReject's alone")
  return
end
local m = rp.metrics
local function s(x) return dyno.units.format(m[x].median, "s") end
dyno.log(string.format("pipeline: %.0f recordings/h, %s per recording "
  .. "(read %s, autoreject %s, windowing %s, encoder %s), %d windows",
  m.recordings_per_hour.median, s("duration"), s("read"), s("autoreject"),
  s("windowing"), s("encoder"), m.windows.median))
dyno.tune.set("eeg.recordings_per_hour", math.floor(m.recordings_per_hour.median),
  string.format("one worker, AutoReject at %d thread(s) then the EEGPT "
  .. "encoder (%s %s batch %d, %d thread(s)%s): 3600 s / %s per 5-minute "
  .. "20-channel recording (read %s, autoreject %s, windowing %s, encoder %s "
  .. "for %d windows)", ar_threads, dev, prec, batch, threads,
  model.dim and ", the small test model" or "", s("duration"), s("read"),
  s("autoreject"), s("windowing"), s("encoder"), m.windows.median),
  { from = rp })
