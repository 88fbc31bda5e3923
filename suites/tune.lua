-- tune.lua - the default suite of `dyno tune`: each part decides its
-- launcher keys from the inventory and from measurements; a part whose
-- hardware is missing records why in the tune instead of guessing.
--   dyno tune [--quick] [-o dyno-tuned.yaml]
local quick = dyno.param("quick", false)

-- A probe's parameters: the tables' keys merged, later tables winning.
local function merged(...)
  local p = {}
  for _, t in ipairs({ ... }) do
    for k, v in pairs(t) do p[k] = v end
  end
  return p
end
local hw = dyno.hw()
local cpu = hw.cpu or {}

-- cpu: one worker per physical core.  Hyperthreads share a core's
-- execution units, so compute-bound analyses gain little from them.
if cpu.physical_cores then
  dyno.tune.set("cpu.workers", cpu.physical_cores, string.format(
    "one worker per physical core: %d cores, %d logical CPUs (%s)",
    cpu.physical_cores, cpu.logical_cpus or cpu.physical_cores,
    cpu.model or "unknown CPU"))
end
if cpu.threads_per_core then
  dyno.tune.set("cpu.threads_per_core", cpu.threads_per_core,
    "hardware threads per core, from the hwloc topology")
end
if cpu.flags then
  local best = "generic"
  if cpu.arch == "aarch64" then best = "neon" end
  if cpu.flags.sve then best = "sve" end
  if cpu.flags.sve2 then best = "sve2" end
  if cpu.flags.avx2 then best = "avx2" end
  if cpu.flags.avx512f then best = "avx512" end
  if cpu.flags.amx_tile then best = "amx" end
  dyno.tune.set("cpu.isa", best, "widest vector extension the CPU reports "
    .. "(x86: avx2 < avx512 < amx; arm64: neon < sve < sve2), for picking kernels")
end

-- memory: what a launcher may plan with.
if hw.memory and hw.memory.total then
  dyno.tune.set("memory.total", hw.memory.total,
    "physical memory (MemTotal)", { unit = "B" })
end

-- timing: the cost of reading the clock, measured.  Operations shorter
-- than ~100 clock reads must be timed in batches.
local has_clock, why = dyno.has("null.clock")
local r = has_clock and dyno.probe("null.clock", { samples = quick and 20000 or 200000 })
  or { status = "skipped", message = why }
if r.status == "ok" then
  local ns = r.metrics.latency.median * 1e9
  dyno.tune.set("timing.clock_read_ns", math.floor(ns * 10 + 0.5) / 10,
    string.format("median of %d back-to-back clock read pairs", r.metrics.latency.n),
    { unit = "ns", from = r })
  dyno.tune.set("timing.min_batch_ns", math.ceil(ns * 100),
    "time operations in batches of at least 100 clock reads", { unit = "ns", from = r })
else
  dyno.tune.skip("timing", r.status .. ": " .. r.message)
end

-- io: where the launcher's files will live (the current directory), the
-- block size and queue depth that reach the disk's throughput, the engine
-- and whether O_DIRECT works.  Each choice is the smallest setting within
-- 5% of the best seen: bigger blocks or deeper queues cost memory and
-- latency for nothing beyond that.  The block sweep reads into huge-page
-- buffers (mem=huge), so a large block is not split into two requests by
-- how scattered 4 KiB pages happened to be (docs/probes.md, pitfalls);
-- io.huge_buffers then says whether that matters on this disk.
local function smallest_near_best(rs, metric, label)
  local best = 0
  for _, x in ipairs(rs) do
    local m = x.r.status == "ok" and x.r.metrics[metric]
    if m and m.mean > best then best = m.mean end
  end
  for _, x in ipairs(rs) do
    local m = x.r.status == "ok" and x.r.metrics[metric]
    if m and m.mean >= 0.95 * best then
      return x, best, string.format("%s reached %.0f%% of the best %s seen (%s); "
        .. "larger settings gained %.1f%% at most",
        label(x), 100 * m.mean / best, metric, dyno.units.format(best,
        (metric == "iops" or metric == "ops") and "op/s" or "B/s"), 100 * (best / m.mean - 1))
    end
  end
end

local has_io, why_io = dyno.has("storage.seqread")
if not has_io then
  dyno.tune.skip("io", why_io)
else
  local base = { size = quick and "64MiB" or "1GiB",
                 runtime = quick and "300ms" or "2s" }
  local function run(id, extra)
    return dyno.probe(id, merged(base, extra))
  end
  local blocks = {}
  for _, b in ipairs({ "64KiB", "256KiB", "1MiB", "4MiB" }) do
    blocks[#blocks + 1] = { block = b,
      r = run("storage.seqread", { block = b, depth = 8, mem = "huge" }) }
  end
  local bx, best_tp, bwhy = smallest_near_best(blocks, "throughput",
    function(x) return x.block .. " x QD8" end)
  if bx == nil then
    dyno.tune.skip("io", "storage.seqread did not run: " .. blocks[1].r.message)
  else
    dyno.tune.set("io.read_block", bx.r.params.block, bwhy, { unit = "B", from = bx.r })
    dyno.tune.set("io.read_throughput", math.floor(bx.r.metrics.throughput.mean),
      "mean sequential read throughput with io.read_block at QD8",
      { unit = "B/s", from = bx.r })
    dyno.tune.set("io.direct", bx.r.artifacts.direct == "on",
      "O_DIRECT " .. (bx.r.artifacts.direct or "unknown") ..
      " on " .. (bx.r.artifacts.filesystem or "this filesystem"), { from = bx.r })
    local depths = {}
    for _, d in ipairs({ 1, 4, 8, 16, 32 }) do
      depths[#depths + 1] = { depth = d, r = run("storage.randread", { block = "4KiB", depth = d }) }
    end
    local dx, _, dwhy = smallest_near_best(depths, "iops",
      function(x) return "4KiB random reads at QD" .. x.depth end)
    if dx then
      dyno.tune.set("io.queue_depth", dx.depth, dwhy, { from = dx.r })
    end
    local m = run("storage.seqread", { block = bx.block, depth = 8, mem = "malloc" })
    if m.status == "ok" then
      local gain = bx.r.metrics.throughput.mean / m.metrics.throughput.mean - 1
      dyno.tune.set("io.huge_buffers", gain >= 0.05, string.format(
        "%s reads into huge-page buffers ran %+.0f%% against 4 KiB pages (%s, %s)",
        bx.block, 100 * gain, dyno.units.format(bx.r.metrics.throughput.mean, "B/s"),
        dyno.units.format(m.metrics.throughput.mean, "B/s")), { from = m })
    end
    -- psync must beat io_uring by the same 5% margin as the sweeps: short
    -- runs on a shared disk differ by a few percent either way.
    local engine = bx.r.artifacts.engine or "psync"
    local p = run("storage.seqread", { block = bx.block, depth = 8, engine = "psync",
                                       mem = "huge" })
    if engine == "io_uring" and p.status == "ok" and
       p.metrics.throughput.mean > 1.05 * bx.r.metrics.throughput.mean then
      engine = "psync"
    end
    dyno.tune.set("io.engine", engine, string.format(
      "%s at %s: io_uring %s, psync %s", "sequential reads", bx.block,
      dyno.units.format(bx.r.metrics.throughput.mean, "B/s"),
      p.status == "ok" and dyno.units.format(p.metrics.throughput.mean, "B/s") or p.status),
      { from = bx.r })
  end
end

-- cache and memory: the cache sizes a worker can count on, measured by
-- cache.detect (hwloc's figure where the two agree: it is exact, the sweep
-- has grid steps), memory latency and all-core triad bandwidth, the chunk
-- size that keeps a worker in its L2, and how many workers memory-bound
-- work can use.  On a VM the measured sizes are the share this guest
-- really gets, which is what a chunk size must fit.
local has_cache, why_cache = dyno.has("cache.detect")
if not has_cache then
  dyno.tune.skip("cache", why_cache)
else
  local fast = { min_time = "100ms", max_time = quick and "300ms" or "1s" }
  local det = dyno.probe("cache.detect", quick and
    { max_size = "64MiB", steps = 2, samples = 3 } or { max_size = "256MiB" })
  local declared = {}
  for _, c in ipairs(cpu.caches or {}) do
    if c.type ~= "instruction" and c.level and not declared[c.level] then
      declared[c.level] = c.size
    end
  end
  if det.status ~= "ok" then
    dyno.tune.skip("cache", "cache.detect " .. det.status .. ": " .. (det.message or ""))
  else
    local m = det.metrics
    local levels = 0
    for k = 1, 4 do
      if m["level" .. k .. "_bytes"] then levels = k end
    end
    -- The measured size, or hwloc's when it is within a factor of 2.
    local function size_of(k, key, what)
      local meas = m["level" .. k .. "_bytes"].median
      local decl = declared[k]
      local v, why
      if decl and meas >= decl / 2 and meas <= decl * 2 then
        v, why = decl, string.format("%s: hwloc says %s, the latency sweep "
          .. "agrees (flat to %s)", what, dyno.units.format(decl, "B"),
          dyno.units.format(meas, "B"))
      else
        v, why = math.floor(meas), string.format("%s: measured %s (latency "
          .. "flat up to there, %s per load); hwloc says %s, which this "
          .. "machine does not deliver", what, dyno.units.format(meas, "B"),
          dyno.units.format(m["level" .. k .. "_latency"].median, "s"),
          decl and dyno.units.format(decl, "B") or "nothing")
      end
      dyno.tune.set(key, v, why, { unit = "B", from = det })
      return v
    end
    local l2
    if levels >= 1 then size_of(1, "cpu.l1d_bytes", "L1 data cache") end
    if levels >= 2 then l2 = size_of(2, "cpu.l2_bytes", "L2 cache") end
    if levels >= 2 then
      size_of(levels, "cpu.llc_bytes", "last-level cache (L" .. levels .. ")")
    end
    dyno.tune.set("memory.latency", m.memory_latency.median,
      "pointer-chase latency beyond the last cache level (cache.detect)",
      { unit = "s", from = det })
    if l2 then
      dyno.tune.set("work.chunk_bytes", math.floor(l2 / 2), string.format(
        "half the L2 (%s): a chunk's input and its output fit in it together",
        dyno.units.format(l2, "B")), { unit = "B", from = det })
    end
  end

  -- Triad bandwidth by thread count: where it stops scaling.
  local cores = cpu.physical_cores or 1
  local bw, best, best_r = {}, 0, nil
  for t = 1, cores do
    local r = dyno.probe("cache.bandwidth", { op = "triad", threads = t,
      size = quick and "64MiB" or "256MiB" }, fast)
    if r.status == "ok" then
      bw[t] = r
      if r.metrics.bandwidth.mean > best then best, best_r = r.metrics.bandwidth.mean, r end
    end
  end
  if best_r then
    local all = bw[cores] or best_r
    dyno.tune.set("memory.bandwidth", math.floor(all.metrics.bandwidth.mean),
      string.format("STREAM triad with one thread on each of the %d cores", cores),
      { unit = "B/s", from = all })
    for t = 1, cores do
      if bw[t] and bw[t].metrics.bandwidth.mean >= 0.95 * best then
        dyno.tune.set("workers.memory_bound", t, string.format(
          "triad bandwidth with %d thread(s) is %.0f%% of the best (%s); more "
          .. "workers on memory-bound work only share it", t,
          100 * bw[t].metrics.bandwidth.mean / best, dyno.units.format(best, "B/s")),
          { from = bw[t] })
        break
      end
    end
  end
end

-- key-value cache: the pipeline depth that reaches Redis's throughput, and
-- the memory a Redis needs for 90% hits on the workload's keys (a file of
-- keys given as `dyno tune -D cache_trace=FILE`, else a Zipf 0.99 model
-- of 100k keys, 2M requests: long enough that first references leave 90%
-- reachable).  Skipped when Redis can neither be reached nor started.
local has_kv, why_kv = dyno.has("cache.kv_throughput")
if not has_kv then
  dyno.tune.skip("cache.kv", why_kv)
else
  local runtime = quick and "300ms" or "1s"
  local pipes = {}
  for _, p in ipairs({ 1, 4, 16, 64 }) do
    local r = dyno.probe("cache.kv_throughput", { pipeline = p, runtime = runtime })
    if r.status ~= "ok" then
      pipes = nil
      dyno.tune.skip("cache.kv", "cache.kv_throughput " .. r.status .. ": " .. (r.message or ""))
      break
    end
    pipes[#pipes + 1] = { pipeline = p, r = r }
  end
  if pipes then
    local px, _, pwhy = smallest_near_best(pipes, "ops",
      function(x) return "pipeline depth " .. x.pipeline end)
    if px then
      dyno.tune.set("cache.kv_pipeline", px.pipeline, pwhy, { from = px.r })
    end
    local trace = dyno.param("cache_trace", "")
    local wl = trace ~= "" and { trace = trace } or
      { alpha = 0.99, keys = quick and 10000 or 100000, requests = quick and 200000 or 2000000 }
    -- Redis's own bytes per item, measured by a replay of (the start of)
    -- the workload, pipelined so it takes seconds, not a minute.
    local rp_params = merged(wl, { max_memory = quick and "8MiB" or "32MiB", pipeline = 16 })
    if rp_params.requests then rp_params.requests = quick and 100000 or 300000 end
    local rp = dyno.probe("cache.kv_replay", rp_params)
    local ib = rp.status == "ok" and tonumber(rp.artifacts.item_bytes_measured)
    if not ib then
      dyno.tune.skip("cache.max_memory", "cache.kv_replay " .. rp.status .. ": "
        .. (rp.message or ""))
    else
      local m = dyno.probe("cache.mrc", merged(wl, { target_hit = 0.9,
                                                      item_bytes = math.ceil(ib) }))
      if m.status ~= "ok" then
        dyno.tune.skip("cache.max_memory", "cache.mrc " .. m.status .. ": " .. (m.message or ""))
      else
        local base = tonumber(rp.artifacts.used_memory_empty) or 0
        dyno.tune.set("cache.max_memory", math.ceil(m.metrics.size_for_hit.median + base),
          string.format("LRU miss-ratio curve of %s: 90%% hits need %s items of %d B "
            .. "(Redis's bytes per item, measured), plus Redis's own %s; a replay of "
            .. "%s with maxmemory %s measured %.1f%% hits where the curve predicts %.1f%%",
            m.artifacts.workload, m.artifacts.items_for_hit, math.ceil(ib),
            dyno.units.format(base, "B"), rp.artifacts.trace or "the trace",
            dyno.units.format(rp.params.max_memory, "B"),
            100 * tonumber(rp.artifacts.measured_hit_rate),
            100 * tonumber(rp.artifacts.predicted_hit_rate)),
          { unit = "B", from = m })
      end
    end
  end
end

-- network: against a dyno serve the probes start on loopback (or the
-- peer given with -D net_peer=host:port, another machine's `dyno serve`):
-- how many parallel streams reach the throughput, the round trip, and how
-- many requests an API may have in flight before its p99 passes the
-- target (-D api_p99=100ms; -D api_url=http://... for a real API).
local has_net, why_net = dyno.has("network.tcp_stream")
if not has_net then
  dyno.tune.skip("net", why_net)
else
  local peer = dyno.param("net_peer", "")
  local dur = quick and "300ms" or "1s"
  local base = { peer = peer, duration = dur, warmup = "100ms" }
  local function with(extra) return merged(base, extra) end
  local streams = {}
  for _, n in ipairs({ 1, 2, 4, 8 }) do
    local r = dyno.probe("network.tcp_stream", with({ streams = n }))
    if r.status == "ok" then streams[#streams + 1] = { streams = n, r = r } end
  end
  local sx, _, swhy = smallest_near_best(streams, "throughput",
    function(x) return x.streams .. " stream(s)" end)
  if sx then
    local where = peer ~= "" and peer or "a dyno serve on loopback (-D net_peer=host:port for another machine)"
    dyno.tune.set("net.streams", sx.streams, swhy .. ", to " .. where, { from = sx.r })
  else
    dyno.tune.skip("net", "network.tcp_stream did not run")
  end
  local rr = dyno.probe("network.tcp_rr", with({}))
  if rr.status == "ok" then
    dyno.tune.set("net.rtt", rr.metrics.latency.median, string.format(
      "median round trip of %s-byte TCP request/response to %s", rr.params.req_size,
      peer ~= "" and peer or "a dyno serve on loopback"), { unit = "s", from = rr })
  end
  -- API concurrency: double the connections while p99 stays under target.
  local target = dyno.units.parse(dyno.param("api_p99", "100ms"), "s")
  local url = dyno.param("api_url", "")
  local best
  for _, c in ipairs({ 1, 2, 4, 8, 16, 32, 64, 128, 256 }) do
    local h = dyno.probe("network.http", { url = url, connections = c,
      duration = dur, warmup = "100ms" })
    if h.status ~= "ok" or h.metrics.latency.p99 >= target then break end
    best = { c = c, r = h }
  end
  if best then
    dyno.tune.set("api.max_inflight", best.c, string.format(
      "%d concurrent requests kept p99 at %s, under the %s target (connections "
      .. "doubled from 1 until p99 passed it, or up to 256)", best.c, dyno.units.format(best.r.metrics.latency.p99, "s"),
      dyno.units.format(target, "s")), { from = best.r })
  else
    dyno.tune.skip("api", "network.http: not even 1 request in flight met p99 < "
      .. dyno.units.format(target, "s"))
  end
end

-- gpu: decided by the gpu plugin's probes when it is installed.  Which
-- device (-D gpu_device=N, default 0), how much of its memory a framework
-- may take, which GEMM precision pays off, the host-to-device bandwidth,
-- and launcher.env: environment variables for PyTorch / ONNX Runtime /
-- TensorRT launchers (key launcher.env.cuda_visible_devices is the
-- variable CUDA_VISIBLE_DEVICES).  Without a GPU only the reason is
-- recorded (the inventory's cuda.status says why CUDA found none).
local gpus = hw.gpus or {}
local has_gpu, why_gpu = dyno.has("gpu.copy")
if #gpus == 0 or not has_gpu then
  local why = hw.cuda and hw.cuda.status
  if why == nil or why == "ok" then
    why = #gpus == 0 and "no GPU in the inventory (no gpu plugin, or no NVIDIA GPU found)"
      or why_gpu
  end
  dyno.tune.skip("gpu", "none (" .. why .. ")")
else
  local dev = math.tointeger(tonumber(dyno.param("gpu_device", 0))) or 0
  local g = gpus[dev + 1]
  if g == nil then
    error(string.format("-D gpu_device=%d: the inventory lists %d GPU(s)", dev, #gpus))
  end
  local gbase = { device = dev }
  local gopt = quick and { min_time = "100ms", max_time = "1s" } or { max_time = "5s" }
  dyno.tune.set("gpu.device", dev, string.format("%s (%s, compute capability %s, %d SMs)%s",
    g.name or "?", g.uuid or "no UUID", tostring(g.compute_capability), g.sms or 0,
    #gpus > 1 and string.format("; device %d of %d, -D gpu_device=N picks another", dev, #gpus) or ""))
  -- Memory: 90% of what was free at tune time, as a fraction of the total
  -- (what torch.cuda.set_per_process_memory_fraction takes).
  local m = dyno.probe("gpu.memory", gbase, gopt)
  local free = m.status == "ok" and tonumber(m.artifacts.memory_free)
  local total = m.status == "ok" and tonumber(m.artifacts.memory_total)
  if free and total and total > 0 then
    local frac = math.floor(0.9 * free / total * 100) / 100
    dyno.tune.set("gpu.memory_fraction", frac, string.format(
      "90%% of the %s free at tune time, of %s total (largest single allocation %s); "
      .. "the rest is left for the CUDA context, cuBLAS workspaces and other processes",
      dyno.units.format(free, "B"), dyno.units.format(total, "B"),
      dyno.units.format(m.metrics.max_alloc.median, "B")), { from = m })
  else
    dyno.tune.skip("gpu.memory", m.status .. ": " .. (m.message or ""))
  end
  -- Precision: the GEMM throughput of each, at 8192^3 (2048^3 with --quick).
  local dim = quick and 2048 or 8192
  local flops, res = {}, {}
  for _, p in ipairs({ "fp32", "tf32", "bf16", "fp16" }) do
    local r = dyno.probe("gpu.gemm", merged(gbase, { m = dim, n = dim, k = dim, precision = p }), gopt)
    if r.status == "ok" then flops[p], res[p] = r.metrics.flops.mean, r end
  end
  if flops.fp32 then
    local function x(p) return flops[p] and flops[p] / flops.fp32 or 0 end
    local half = x("bf16") >= 0.95 * x("fp16") and "bf16" or "fp16"
    local pick = x(half) > 1.5 and half or "fp32"
    dyno.tune.set("gpu.precision", pick, string.format(
      "GEMM %dx%dx%d: bf16 %.2fx, fp16 %.2fx, tf32 %.2fx fp32 (%s); a 16-bit type is "
      .. "picked when it beats fp32 by more than 1.5x (bf16 unless fp16 is 5%% faster)",
      dim, dim, dim, x("bf16"), x("fp16"), x("tf32"), dyno.units.format(flops.fp32, "FLOP/s")),
      { from = res[pick] })
    dyno.tune.set("gpu.allow_tf32", x("tf32") > 1.5, string.format(
      "tf32 GEMM ran %.2fx fp32; true when above 1.5x: allow TF32 for fp32 matrix products "
      .. "(torch.backends.cuda.matmul.allow_tf32, ORT/TensorRT TF32 flags)", x("tf32")),
      { from = res.tf32 or res.fp32 })
  else
    dyno.tune.skip("gpu.precision", "gpu.gemm precision=fp32 did not run")
  end
  -- Host-to-device bandwidth from pinned memory: what feeding the GPU costs.
  local c = dyno.probe("gpu.copy", merged(gbase, { kind = "h2d", host_mem = "pinned",
    size = quick and "64MiB" or "256MiB" }), gopt)
  if c.status == "ok" then
    dyno.tune.set("gpu.h2d_bandwidth", math.floor(c.metrics.bandwidth.mean),
      string.format("cudaMemcpyAsync host to device from pinned memory, %s copies, the mean",
        c.params.size), { unit = "B/s", from = c })
  else
    dyno.tune.skip("gpu.h2d_bandwidth", c.status .. ": " .. (c.message or ""))
  end
  -- launcher.env: the key's last segment, in capitals, is the variable.
  dyno.tune.set("launcher.env.cuda_visible_devices", g.uuid or tostring(dev), string.format(
    "the tuned device (%d) by %s: the launched process sees it as device 0",
    dev, g.uuid and "UUID, which does not depend on CUDA_DEVICE_ORDER" or "index"))
  dyno.tune.set("launcher.env.pytorch_cuda_alloc_conf", "expandable_segments:True",
    "PyTorch's caching allocator grows segments instead of caching fixed blocks, so "
    .. "tensors whose size changes between steps (batch, sequence length) do not fragment "
    .. "memory; read by PyTorch only")
  dyno.tune.set("launcher.env.cuda_module_loading", "LAZY",
    "load CUDA kernels when first used: faster start and less memory with large "
    .. "libraries (cuBLAS, cuDNN); the default since CUDA 12.2, explicit for older runtimes")
end
