-- video-analytics.lua - YOLOv8 detection for a video-analytics launcher:
-- which model, batch, precision, device and threads meet a real-time
-- target (-D fps_target=30 frames/s per stream) on this machine, and how
-- many threads the H.264 decoder needs.  Tune keys:
--   yolo.device, yolo.precision  the fastest yolo.infer runs, yolov8n at
--                     batch 1 (cpu fp32/bf16; cuda fp32/tf32/fp16/bf16
--                     when the inventory lists a GPU)
--   yolo.threads      cpu: fewest threads within 10% of its best fps
--   yolo.model        the largest of yolov8n/s/m whose batch-1 latency
--                     meets the target (1 / fps_target), or whose
--                     throughput meets it at a batch, and whose whole
--                     pipeline then keeps up with the target (the
--                     largest candidate's is run first, then smaller)
--   yolo.batch        the smallest batch at which that model meets it
--   video.decode_threads  fewest libavcodec threads whose decode (and
--                     BGR conversion) keeps up with the target, or the
--                     fastest when none does
-- The whole pipeline (decode -> letterbox -> infer -> NMS) at the
-- choice is checked against the target, with the stage that bounds it.
--   dyno tune --suite suites/video-analytics.lua [-D fps_target=30]
--     [-D quick=true] [-D max_threads=N] [-D max_batch=32] [-D imgsz=640]
--     [-D models=yolov8n,yolov8s,yolov8m] [-D clip=1280x720]
-- models may name family YAML files (docs/probes.md), smallest first;
-- the tests run the fixture's tiny model at imgsz 64.  With random
-- weights: the detections are meaningless, the timings are not.
local quick = dyno.param("quick", false)
local target = tonumber(dyno.param("fps_target", 30))
local imgsz = tonumber(dyno.param("imgsz", 640))
local max_batch = tonumber(dyno.param("max_batch", quick and 8 or 32))
local hw = dyno.hw()
local cores = (hw.cpu and hw.cpu.physical_cores) or 1
local max_threads = tonumber(dyno.param("max_threads", cores))
local opts = quick and { min_time = "1ms", max_time = "1s" }
  or { min_time = "2s", max_time = "10s" }
local models = {}
for m in string.gmatch(dyno.param("models", "yolov8n,yolov8s,yolov8m"), "[^,]+") do
  models[#models + 1] = m
end
local clip_w, clip_h = string.match(dyno.param("clip", "1280x720"), "^(%d+)x(%d+)$")
assert(clip_w, "-D clip: WIDTHxHEIGHT expected, like 1280x720")

local ok, why = dyno.has("yolo.infer")
if not ok then
  dyno.log("yolo: skipped: " .. why)
  dyno.tune.skip("yolo", "skipped: " .. why)
  dyno.tune.skip("video", "skipped: " .. why)
  return
end

local function fmt_s(x) return dyno.units.format(x, "s") end
local function fps(r) return r.metrics.fps.median end
local function lat(r) return r.metrics.latency.median end
local function describe(r)
  local p = r.params
  return string.format("%s %s %s batch %d, %d thread(s): %.1f images/s, "
    .. "%s per batch", p.model, p.device, p.precision, p.batch, p.threads,
    fps(r), fmt_s(lat(r)))
end
local function infer(t)
  local p = { model = models[1], imgsz = imgsz, batch = 1 }
  for k, v in pairs(t) do p[k] = v end
  local r = dyno.probe("yolo.infer", p, opts)
  if r.status == "ok" then
    dyno.log("yolo.infer " .. describe(r))
  else
    dyno.log(string.format("yolo.infer %s %s %s batch %d: %s: %s", p.model,
      p.device or "cpu", p.precision or "fp32", p.batch, r.status,
      r.message or ""))
  end
  return r
end

-- Device and precision: the smallest model at batch 1 (cpu at
-- max_threads), the fastest that runs.
local cands = { { "cpu", "fp32" }, { "cpu", "bf16" } }
if #(hw.gpus or {}) > 0 then
  for _, p in ipairs({ "fp32", "tf32", "fp16", "bf16" }) do
    cands[#cands + 1] = { "cuda", p }
  end
else
  dyno.log("yolo cuda: skipped: the inventory lists no GPU")
end
local pick
for _, c in ipairs(cands) do
  local r = infer({ device = c[1], precision = c[2], threads = max_threads })
  if r.status == "ok" and (not pick or fps(r) > fps(pick)) then pick = r end
end
if not pick then
  dyno.warn("yolo.infer ran on no device and precision; no yolo keys set")
  dyno.tune.skip("yolo", "yolo.infer ran on no device and precision")
  return
end
local dev, prec = pick.params.device, pick.params.precision

-- Threads (cpu): 1, 2, 4, ... max_threads; the fewest within 10 % of the
-- best, since more buy little and take cores from decoding and streams.
local tbest, tpick, threads = pick, nil, max_threads
if dev == "cpu" then
  local runs = {}
  local t = 1
  while t < max_threads do
    local r = infer({ device = dev, precision = prec, threads = t })
    if r.status == "ok" then
      runs[#runs + 1] = r
      if fps(r) > fps(tbest) then tbest = r end
    end
    t = math.min(t * 2, max_threads)
  end
  runs[#runs + 1] = pick
  for _, r in ipairs(runs) do
    if fps(r) >= 0.9 * fps(tbest) then tpick = r break end
  end
  threads = tpick.params.threads
end

-- Model and batch: per model, smallest first, batch 1 then 2, 4, ...
-- until its throughput meets the target; every model that meets it is a
-- candidate (the whole pipeline decides among them, below).  A model
-- that misses at every batch ends the search: larger ones are slower.
local met, misses, fastest = {}, {}, nil
local budget = 1 / target
for _, m in ipairs(models) do
  local hit, best, b = nil, nil, 1
  while b <= max_batch do
    local r = infer({ model = m, device = dev, precision = prec,
      threads = threads, batch = b })
    if r.status ~= "ok" then break end
    if not best or fps(r) > fps(best) then best = r end
    if fps(r) >= target then hit = r break end
    -- A batch that does not raise the throughput will not reach it.
    if b > 1 and best ~= r then break end
    b = b * 2
  end
  fastest = fastest or best
  if not hit then
    misses[#misses + 1] = best and string.format("%s reaches %.1f images/s "
      .. "at most (batch %d)", m, fps(best), best.params.batch)
      or (m .. " did not run")
    break
  end
  met[#met + 1] = hit
end

local tgt = string.format("%g frames/s", target)
-- The keys yolo.model and yolo.batch for CHOICE; PIPE says what the
-- whole pipeline made of it (or why it did not run), LARGER what it made
-- of the larger candidates.
local function set_model(choice, pipe_note, larger)
  if #met == 0 then
    local note = string.format("no model meets %s here (%s): the smallest, "
      .. "at its fastest batch (%s)", tgt, misses[1] or "none ran",
      describe(choice))
    dyno.warn("yolo: " .. note)
    dyno.tune.set("yolo.model", choice.params.model, note, { from = choice })
    dyno.tune.set("yolo.batch", choice.params.batch, note, { from = choice })
    return
  end
  local b = choice.params.batch
  local how = b == 1 and string.format("batch-1 latency %s is within 1/%s = %s",
      fmt_s(lat(choice)), tgt, fmt_s(budget))
    or string.format("batch 1 is too slow; at batch %d it runs %.1f images/s "
      .. "(%s per batch)", b, fps(choice), fmt_s(lat(choice)))
  local next_up = larger or (#misses > 0 and "the next: " .. misses[1])
    or "the largest tried"
  dyno.tune.set("yolo.model", choice.params.model, string.format(
    "the largest model that meets %s: %s (%s); %s; %s", tgt, how,
    describe(choice), pipe_note, next_up), { from = choice })
  dyno.tune.set("yolo.batch", b, string.format(
    "the smallest batch at which %s meets %s (%s)", choice.params.model,
    tgt, describe(choice)), { from = choice })
end
dyno.tune.set("yolo.device", dev, string.format(
  "the device of the fastest yolo.infer run, %s at batch 1 (%s)", models[1],
  describe(pick)), { from = pick })
dyno.tune.set("yolo.precision", prec, string.format(
  "the precision of the fastest yolo.infer run, %s at batch 1 (%s)",
  models[1], describe(pick)), { from = pick })
if dev == "cpu" then
  dyno.tune.set("yolo.threads", threads, string.format(
    "fewest threads within 10%% of the best fps, %s at batch 1 (%s; best "
    .. "%.1f images/s at %d)", models[1], describe(tpick), fps(tbest),
    tbest.params.threads), { from = tpick })
else
  dyno.tune.skip("yolo.threads", "the network runs on " .. dev)
end

-- NMS at the head's 8400 boxes (information: it is host work per frame).
local rn = dyno.probe("yolo.nms", {}, opts)
if rn.status == "ok" then
  dyno.log(string.format("yolo.nms: %s per frame (8400 boxes, %d above conf, "
    .. "%d kept)", fmt_s(rn.metrics.latency.median), rn.metrics.selected.median,
    rn.metrics.kept.median))
end

-- Decoding: decode_threads 1, 2, 4, ... on the probe's own clip, decode
-- and BGR conversion only; the fewest that keep up with the target.
local pok, pwhy = dyno.has("yolo.pipeline")
local largest = met[#met] or fastest or pick
if not pok then
  dyno.log("video: skipped: " .. pwhy)
  set_model(largest, "the whole pipeline not run (" .. pwhy .. ")")
  dyno.tune.skip("video", "skipped: " .. pwhy)
  return
end
local clip = { width = tonumber(clip_w), height = tonumber(clip_h),
  frames = quick and 30 or 120, fps = 30 }
local function pipe(t)
  local p = {}
  for k, v in pairs(clip) do p[k] = v end
  for k, v in pairs(t) do p[k] = v end
  local r = dyno.probe("yolo.pipeline", p, opts)
  if r.status ~= "ok" then
    dyno.log(string.format("yolo.pipeline: %s: %s", r.status, r.message or ""))
  end
  return r
end
local dec, dfast = nil, nil
local t = 1
while true do
  local r = pipe({ stages = "decode", decode_threads = t })
  if r.status ~= "ok" then break end
  dyno.log(string.format("decode %dx%d, %d thread(s): %.1f frames/s",
    clip.width, clip.height, t, fps(r)))
  if not dfast or fps(r) > fps(dfast) then dfast = r end
  if fps(r) >= target then dec = r break end
  if t >= max_threads then break end
  t = math.min(t * 2, max_threads)
end
if not dfast then
  set_model(largest, "the whole pipeline did not run")
  dyno.tune.skip("video", "yolo.pipeline did not run (its log line says why)")
  return
end
local clipdesc = string.format("%dx%d H.264, libx264 CRF 23", clip.width,
  clip.height)
if dec then
  dyno.tune.set("video.decode_threads", dec.params.decode_threads,
    string.format("the fewest decoder threads that decode and convert %s "
    .. "at %s or more: %.1f frames/s", clipdesc, tgt, fps(dec)), { from = dec })
else
  dec = dfast
  local note = string.format("no thread count decodes %s at %s; the fastest: "
    .. "%.1f frames/s at %d thread(s)", clipdesc, tgt, fps(dec),
    dec.params.decode_threads)
  dyno.warn("video: " .. note)
  dyno.tune.set("video.decode_threads", dec.params.decode_threads, note,
    { from = dec })
end

-- The whole pipeline: the candidates, largest first, until one keeps
-- up with the target end to end (decode, letterbox and NMS take their
-- share of each frame beside the network); it is checked against the
-- target.  Without a candidate, the fallback chosen above.
-- In a fleet run the ranks meet first, so the ranks of a machine run it
-- at once, as streams would (a no-op outside a fleet).
dyno.fleet.barrier("yolo.pipeline")
local function whole(c)
  return pipe({ model = c.params.model, imgsz = imgsz, device = dev,
    precision = prec, threads = threads, batch = c.params.batch,
    decode_threads = dec.params.decode_threads })
end
local choice, rp, larger = nil, nil, nil
local cands = {}
for i = #met, 1, -1 do cands[#cands + 1] = met[i] end
if #cands == 0 then cands[1] = fastest or pick end
for _, c in ipairs(cands) do
  local r = whole(c)
  choice, rp = c, r.status == "ok" and r or nil
  if rp and fps(rp) >= target then break end
  if rp then
    larger = larger or string.format("the larger %s at batch %d runs the "
      .. "whole pipeline at %.1f frames/s", c.params.model, c.params.batch,
      fps(rp))
  end
end
set_model(choice, rp and string.format("the whole pipeline at it runs "
  .. "%.1f frames/s", fps(rp)) or "the whole pipeline did not run", larger)
if rp then
  local m = rp.metrics
  local function s(x) return m[x] and fmt_s(m[x].median) or "-" end
  dyno.log(string.format("pipeline: %.1f frames/s end to end (per frame: "
    .. "decode %s, convert %s, letterbox %s, infer %s, nms %s); bound by %s",
    fps(rp), s("decode_s"), s("convert_s"), s("letterbox_s"), s("infer_s"),
    s("nms_s"), rp.artifacts.bound_by or "?"))
  dyno.check(rp, string.format("median(fps) >= %g", target),
    { review = string.format("median(fps) >= %g", target * 0.8),
      name = string.format("the whole pipeline at %s", tgt) })
end
